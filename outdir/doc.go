// Package outdir holds lowdim's output folders: a folder that receives one
// complete set of files or keeps the previous one, written by one process
// at a time.
//
// # Opening
//
// Open(path, Options) prepares the folder path for a command, before any
// work, and returns a *Folder or an error that says what is wrong with path
// (the CLI reports it as "invalid --out PATH: ...", exit 2):
//
//   - path is not empty, is a folder or does not exist yet (its parent
//     folders are created), and is not the current directory or one of its
//     ancestors: a commit replaces the folder as a whole, which would pull
//     the shell's working directory away. A path that is a symbolic link to
//     a folder stands for that folder (the link is kept).
//   - It is locked (see Locking); a folder in use is refused at once with a
//     *BusyError naming the holder.
//   - What an interrupted earlier process left is cleaned up (see Recovery).
//   - Never a user's files: an existing, non-empty folder is lowdim's only
//     when it holds the marker file Marker (".lowdim", with lowdim's text),
//     written into every folder it commits. File names prove nothing (a
//     user may np.save a target.npy or keep a run.json): any other folder
//     with entries is refused, naming them, and so is a folder of earlier
//     runs' folders (a run into it would delete them). Only hidden names
//     of the exact generated forms (.<base>.lowdim-staging-<n>,
//     .<base>.lowdim-old-<n>, .removing, .lowdim-probe-<n>, and lock files
//     no live process holds) count as lowdim's temporaries.
//   - Never another kind: a folder of lowdim's is a run's outputs, an
//     instance or saved models (Options.Kind), all with the same marker;
//     its files tell which (Holds: models.json, or target.npy,
//     target_U.npy, init_*.npy), and a folder of another kind than the
//     one opened for is refused, naming both (a run's --out never
//     replaces a --save-instance or --save-model folder).
//   - Never nested: path is refused inside a folder holding a run's
//     marker or locked by a live lowdim, and when a folder inside it is
//     locked by a live lowdim (the checks follow the lock, so two
//     processes nesting at once see each other).
//   - Its name leaves room for the staging folder's hidden name (MaxBase
//     bytes at most), checked before any work.
//   - It can be written: an existing folder passes a probe (a file created
//     and removed), and its parent holds the lock file and the staging
//     folders.
//
// With Options.Subs (a preset of several runs) path is a folder of
// subfolders, one per name: path itself is created and marked, locked, and
// never swapped; each path/<sub> is locked and committed as its own set.
//
// # Staging and commit
//
// Folder.Stage(sub) creates a staging folder beside the target: the hidden
// sibling <parent>/.<base>.lowdim-staging-<random> of <parent>/<base>, on
// the same file system. The caller writes every file of its set there
// (atomicfile, or anything else) and calls Stage.Commit, which writes the
// marker, fsyncs every file and folder of the staging folder, and moves it
// into place:
//
//   - where the target does not exist, by rename;
//   - on Linux, by renameat2(RENAME_EXCHANGE), which swaps the staging
//     folder and the target in one step, then removes the old contents
//     (now under the staging name) and fsyncs the parent; old contents
//     that cannot be removed are a warning (Folder.Warnings), not a
//     failure: the commit stands and the next Open removes them;
//   - where the file system refuses the exchange (EINVAL, ENOSYS,
//     EOPNOTSUPP), by two renames: the target aside to the hidden sibling
//     <parent>/.<base>.lowdim-old-<random>, then the staging folder in;
//     then the aside is removed. A crash between the two renames leaves no
//     target, the previous contents aside and the new ones in staging; the
//     next Open (or Close) puts the aside back, so the folder holds the
//     previous set.
//
// A reader (or the disk after a crash) sees the previous set or the new
// one, never a mixture. Stage.Discard removes a staging folder unused.
//
// # Locking
//
// Open locks the target with Acquire before anything else is done to it.
// The lock file is the hidden sibling <parent>/.<base>.lowdim-lock (outside
// the folder, so that it stays valid across a commit that swaps the folder
// out) and holds the holder's pid, host and start time as JSON. It is taken
// with flock(LOCK_EX|LOCK_NB); after the flock the locked file is checked to
// still be the one at the path (a holder removes its lock file on release,
// and a process that opened it just before would otherwise lock a removed
// file). Where the file system refuses flock (ENOLCK, EOPNOTSUPP, as some
// network file systems do) the lock is the lock file itself, created with
// O_EXCL: a lock file left by a process on the same host that is no longer
// running is stale and taken over (Lock.Note says so); one from another
// host is never taken over (the message says to remove it when that
// process is gone). Release removes the lock file. A lock file that is a
// symbolic link or not a regular file is refused, never followed
// (O_NOFOLLOW). Nesting is refused at Open (see Opening).
//
// # Recovery
//
// Every staging folder and every aside folder of a locked target belongs
// to a process that no longer runs (they are named after the target, and
// the target is locked), so Open removes them, after putting an aside back
// where the target is missing. Folder.Close does the same for the folders
// of its own process and then releases the locks: it is both the normal end
// and the abort path of a second SIGINT (package internal/interrupt calls
// it), safe to call from another goroutine while the owner is writing, and
// idempotent. After Close, Stage and Commit fail.
//
// Nothing here panics on the world's errors; the package allocates what
// its paths and messages need. It is for Linux and other Unix systems:
// the exchange is Linux's renameat2 (rename_linux.go); elsewhere a commit
// takes the two renames.
package outdir
