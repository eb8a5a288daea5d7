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
//   - Never a user's files: an existing, non-empty folder that lowdim did
//     not write is refused. lowdim's folders hold the marker file Marker
//     (".lowdim"), written into every folder it commits; folders of earlier
//     versions are recognised by one of Options.Known (run.json,
//     verdict.json, ...), and a folder of subfolders by its subfolders.
//     lowdim's own hidden temporaries (names containing ".lowdim-") do not
//     count.
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
//     (now under the staging name) and fsyncs the parent;
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
// process is gone). Release removes the lock file. A lock only excludes
// other lowdim processes that lock; a folder nested inside another run's
// folder is not protected against that run's commit.
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
