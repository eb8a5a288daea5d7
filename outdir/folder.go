package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Marker is the file lowdim writes into every folder it commits (and into
// the folder of subfolders of a preset), so that a later run knows the
// folder is lowdim's to replace.
const Marker = ".lowdim"

// MarkerText is the Marker's content: a folder is lowdim's only when its
// Marker holds exactly this (or the text of a preset's folder).
const MarkerText = "This folder was written by lowdim, which replaces it as a whole at each run.\n"

// markerSubsText is the Marker of a folder of a preset's runs, one per
// subfolder: it is never replaced as a whole.
const markerSubsText = "This folder holds runs of lowdim, one per subfolder; lowdim replaces each subfolder as a whole at each run.\n"

// Infixes of the hidden siblings: .<base>.lowdim-staging-<random> and
// .<base>.lowdim-old-<random>. Every temporary of lowdim's has ".lowdim-"
// in its name.
const (
	stagingInfix = ".lowdim-staging-"
	asideInfix   = ".lowdim-old-"
	tempInfix    = ".lowdim-"
)

// ErrClosed is the error of Stage and Commit after Close.
var ErrClosed = errors.New("outdir: the output folder was closed (interrupted)")

// Options say how Open treats a folder.
type Options struct {
	// Subs, when not empty, makes the folder a folder of subfolders, one
	// per name (a preset's runs), each committed as its own set. Each name
	// must be one path element, not hidden.
	Subs []string
	// Known is no longer used: a folder is lowdim's only when it holds the
	// Marker, with lowdim's text (a file named run.json or target.npy says
	// nothing about who wrote it). Kept so that callers still compile.
	Known []string
	// Kind is what the folder receives: KindRun (the zero value: a run's
	// outputs), KindInstance or KindModel. An existing folder of lowdim's
	// (its Marker) that holds another kind (see Holds) is refused: the
	// commit would replace an instance or saved models with a run's
	// outputs, or the reverse.
	Kind string
	// Phase, when not nil, is called at the named moments of every
	// commit: "commit-before" (all files synced, before the swap) and
	// "commit-after" (after the swap, before the old contents are
	// removed). It is for test hooks.
	Phase func(name string)
}

// Folder is an output folder opened by Open: locked, recovered, checked.
// Its methods may be called from several goroutines.
type Folder struct {
	path  string // absolute, symbolic links resolved
	opt   Options
	notes []string
	warns []string // leftovers Close could not remove

	mu     sync.Mutex // held by Close, Stage and the renames of Commit
	locks  []*Lock
	closed bool
}

// Stage is a staging folder of a Folder: the set being written.
type Stage struct {
	f      *Folder
	target string // the folder it replaces
	dir    string // the staging folder
	done   bool   // committed or discarded
}

// Open prepares the output folder path (see the package documentation):
// checks it, locks it, removes what interrupted processes left and refuses
// a folder lowdim did not write. Its errors describe path without naming
// it (the caller does: "invalid --out PATH: ..."); a folder in use is a
// *BusyError.
func Open(path string, opt Options) (*Folder, error) {
	if path == "" {
		return nil, errors.New("the output folder must not be empty")
	}
	for _, s := range opt.Subs {
		if s == "" || s == "." || s == ".." || strings.HasPrefix(s, ".") || strings.ContainsRune(s, os.PathSeparator) {
			return nil, fmt.Errorf("subfolder name %q is not one plain path element", s)
		}
	}
	abs, err := resolve(path)
	if err != nil {
		return nil, err
	}
	if err := checkCwd(abs); err != nil {
		return nil, err
	}
	if err := checkName(filepath.Base(abs)); err != nil {
		return nil, err
	}
	for _, s := range opt.Subs {
		if err := checkName(s); err != nil {
			return nil, fmt.Errorf("subfolder %s: %w", s, err)
		}
	}
	switch st, err := os.Stat(abs); {
	case err == nil && !st.IsDir():
		return nil, errors.New("exists and is not a folder")
	case err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.ENOTDIR):
		return nil, err
	}
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create its parent folder: %w", err)
	}
	f := &Folder{path: abs, opt: opt}
	fail := func(err error) (*Folder, error) {
		f.release()
		return nil, err
	}
	if err := f.lock(abs); err != nil {
		return fail(err)
	}
	if len(opt.Subs) > 0 {
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return fail(fmt.Errorf("cannot create the folder: %w", err))
		}
		for _, s := range opt.Subs {
			if err := f.lock(filepath.Join(abs, s)); err != nil {
				return fail(fmt.Errorf("%s: %w", s, err))
			}
		}
	}
	// Nesting, checked once locked: a process nesting a run into this
	// folder meanwhile sees the lock.
	if err := checkParents(abs); err != nil {
		return fail(err)
	}
	if err := f.checkSubtree(abs); err != nil {
		return fail(err)
	}
	for _, t := range f.targets() {
		if err := f.recover(t); err != nil {
			return fail(err)
		}
	}
	if err := owned(abs, opt.Subs, opt.Kind); err != nil {
		return fail(err)
	}
	if err := probe(abs); err != nil {
		return fail(err)
	}
	if len(opt.Subs) > 0 {
		for _, s := range opt.Subs {
			t := filepath.Join(abs, s)
			if err := owned(t, nil, opt.Kind); err != nil {
				return fail(err)
			}
			if err := probe(t); err != nil {
				return fail(err)
			}
		}
		if err := writeMarkerText(abs, markerSubsText); err != nil {
			return fail(err)
		}
	}
	return f, nil
}

// Path returns the folder's absolute path, symbolic links resolved.
func (f *Folder) Path() string { return f.path }

// Notes returns what Open did that the user should hear of: a stale lock
// taken over, a previous set put back, temporaries of an interrupted run
// removed (or left, when they could not be removed).
func (f *Folder) Notes() []string { return f.notes }

// Warnings returns, after Close, what it could not clean up: the old
// contents of a committed folder that could not be removed (the commit
// stands; the next Open removes them, and they never block a run).
func (f *Folder) Warnings() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.warns)
}

// Target returns the folder that Stage(sub) replaces: the folder itself
// for sub "" (no Options.Subs), else its subfolder sub.
func (f *Folder) Target(sub string) (string, error) {
	if sub == "" && len(f.opt.Subs) == 0 {
		return f.path, nil
	}
	if !slices.Contains(f.opt.Subs, sub) {
		return "", fmt.Errorf("outdir: %q is not a subfolder of %s (Options.Subs)", sub, f.path)
	}
	return filepath.Join(f.path, sub), nil
}

// targets returns the folders the Folder commits.
func (f *Folder) targets() []string {
	if len(f.opt.Subs) == 0 {
		return []string{f.path}
	}
	ts := make([]string, len(f.opt.Subs))
	for i, s := range f.opt.Subs {
		ts[i] = filepath.Join(f.path, s)
	}
	return ts
}

// lock acquires target's lock and keeps it.
func (f *Folder) lock(target string) error {
	l, err := Acquire(target)
	if err != nil {
		var be *BusyError
		if errors.As(err, &be) {
			return err
		}
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EROFS) {
			return fmt.Errorf("%w (lowdim keeps its lock file and stages a run beside the output folder, so the folder's parent must be writable)", err)
		}
		return err
	}
	if l.Note != "" {
		f.notes = append(f.notes, l.Note)
	}
	f.locks = append(f.locks, l)
	return nil
}

// release releases the locks, last taken first.
func (f *Folder) release() error {
	var first error
	for i := len(f.locks) - 1; i >= 0; i-- {
		if err := f.locks[i].Release(); err != nil && first == nil {
			first = err
		}
	}
	f.locks = nil
	return first
}

// Stage creates a staging folder for the set that replaces Target(sub).
func (f *Folder) Stage(sub string) (*Stage, error) {
	t, err := f.Target(sub)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	dir, err := os.MkdirTemp(filepath.Dir(t), "."+filepath.Base(t)+stagingInfix)
	if err != nil {
		return nil, fmt.Errorf("creating the staging folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("creating the staging folder: %w", err)
	}
	return &Stage{f: f, target: t, dir: dir}, nil
}

// Path returns the staging folder, where the set is written.
func (s *Stage) Path() string { return s.dir }

// Target returns the folder the set replaces.
func (s *Stage) Target() string { return s.target }

// noExchange makes Commit use two renames, as where renameat2's exchange
// is refused (tests).
var noExchange = false

// Commit moves the staged set into place (see the package documentation):
// the marker is written, everything is synced, and the staging folder
// replaces the target as one set. On an error before the swap the target
// is as it was and the staging folder stays (Close removes it). Commit may
// be called once.
func (s *Stage) Commit() error {
	if s.done {
		return errors.New("outdir: the stage was committed or discarded already")
	}
	s.f.mu.Lock()
	closed := s.f.closed
	s.f.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if err := writeMarker(s.dir); err != nil {
		return err
	}
	if err := syncTree(s.dir); err != nil {
		return fmt.Errorf("syncing the staged files: %w", err)
	}
	s.f.phase("commit-before")
	s.f.mu.Lock()
	if s.f.closed {
		s.f.mu.Unlock()
		return ErrClosed
	}
	old, err := swap(s.dir, s.target)
	if err == nil {
		s.done = true
	}
	s.f.mu.Unlock()
	if err != nil {
		return fmt.Errorf("moving the staged files into %s: %w", s.target, err)
	}
	s.f.phase("commit-after")
	if old != "" {
		// A failure leaves a hidden sibling that the next Open or Close
		// removes; the commit itself is done.
		if removeAll(old) == nil {
			_ = syncDir(filepath.Dir(s.target))
		}
	}
	return nil
}

// Discard removes the staging folder, leaving the target as it was.
func (s *Stage) Discard() error {
	if s.done {
		return nil
	}
	s.done = true
	return removeAll(s.dir)
}

// phase calls Options.Phase.
func (f *Folder) phase(name string) {
	if f.opt.Phase != nil {
		f.opt.Phase(name)
	}
}

// Close ends the use of the folder: it removes the staging folders left
// uncommitted and any aside folder (putting one back where a target is
// missing, see Recovery) and releases the locks. It may run on another
// goroutine while the owner writes (the abort of a second signal); a
// commit in progress finishes its renames first. Further Stage and Commit
// calls return ErrClosed. Close is idempotent.
func (f *Folder) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	var first error
	for _, t := range f.targets() {
		if err := f.recover(t); err != nil && first == nil {
			first = err
		}
	}
	if err := f.release(); err != nil && first == nil {
		first = err
	}
	return first
}

// recover puts an aside folder of target back where target is missing and
// removes every other staging and aside folder of target (all belong to
// processes that stopped: target is locked, or to this one).
func (f *Folder) recover(target string) error {
	dir, base := filepath.Split(target)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var stagings, asides []fs.DirEntry
	for _, e := range entries {
		switch {
		case !e.IsDir():
		case generated(e.Name(), "."+base+stagingInfix):
			stagings = append(stagings, e)
		case generated(e.Name(), "."+base+asideInfix):
			asides = append(asides, e)
		}
	}
	if len(stagings)+len(asides) == 0 {
		return nil
	}
	if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) && len(asides) > 0 {
		newest := asides[0]
		for _, e := range asides[1:] {
			a, errA := e.Info()
			b, errB := newest.Info()
			if errA == nil && errB == nil && a.ModTime().After(b.ModTime()) {
				newest = e
			}
		}
		if err := os.Rename(filepath.Join(dir, newest.Name()), target); err != nil {
			return fmt.Errorf("putting back the previous contents of %s: %w", target, err)
		}
		f.notes = append(f.notes, fmt.Sprintf("put back the previous contents of %s from %s (a commit was interrupted between its two renames)", target, newest.Name()))
		asides = slices.DeleteFunc(asides, func(e fs.DirEntry) bool { return e == newest })
	}
	n := 0
	for _, e := range append(stagings, asides...) {
		if err := discard(filepath.Join(dir, e.Name())); err != nil {
			// Never fatal: the set in place is complete; the leftover is
			// tried again at the next Open.
			w := fmt.Sprintf("could not remove %s, a leftover of an earlier run (lowdim tries again next time; remove it by hand if it stays): %v", e.Name(), err)
			if f.closed {
				f.warns = append(f.warns, w)
			} else {
				f.notes = append(f.notes, w)
			}
			continue
		}
		n++
	}
	if n > 0 && !f.closed {
		f.notes = append(f.notes, fmt.Sprintf("removed %d temporary folder(s) of an interrupted run beside %s", n, target))
	}
	return syncDir(dir)
}

// swap moves the folder src into the place of dst. It returns the folder
// now holding dst's old contents, to be removed ("" when dst did not
// exist).
func swap(src, dst string) (old string, err error) {
	parent := filepath.Dir(dst)
	if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(src, dst); err != nil {
			return "", err
		}
		return "", syncDir(parent)
	}
	if !noExchange {
		err := exchange(src, dst)
		if err == nil {
			return src, syncDir(parent)
		}
		if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.ENOTSUP) {
			return "", err
		}
	}
	// Two renames; an empty folder reserves the aside's name.
	aside, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+asideInfix)
	if err != nil {
		return "", err
	}
	// unix.Rename, not os.Rename, which refuses an existing folder as the
	// destination even when it is empty.
	if err := unix.Rename(dst, aside); err != nil {
		os.Remove(aside)
		return "", err
	}
	betweenRenames()
	if err := os.Rename(src, dst); err != nil {
		if rerr := os.Rename(aside, dst); rerr != nil {
			return "", fmt.Errorf("%w (and putting the previous contents back from %s: %v)", err, aside, rerr)
		}
		return "", err
	}
	return aside, syncDir(parent)
}

// betweenRenames is called between the two renames of the fallback
// (tests).
var betweenRenames = func() {}

// resolve returns path made absolute with the symbolic links of its
// existing part resolved.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	dir, rest := abs, ""
	for {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.ENOTDIR) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// Within reports whether the paths a and b are the same folder or one is
// inside the other (symbolic links of their existing parts resolved).
func Within(a, b string) bool {
	ra, err1 := resolve(a)
	rb, err2 := resolve(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return inside(ra, rb) || inside(rb, ra)
}

// inside reports whether p is dir or below it (both clean and absolute).
func inside(p, dir string) bool {
	return p == dir || dir == string(os.PathSeparator) || strings.HasPrefix(p, dir+string(os.PathSeparator))
}

// checkCwd refuses abs when it is the working directory or one of its
// ancestors.
func checkCwd(abs string) error {
	wd, err := os.Getwd()
	if err != nil {
		return nil // nothing to pull away
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	if inside(wd, abs) {
		return errors.New("is the current folder or one of its parents: lowdim replaces an output folder as a whole when it commits a run, which would pull the shell's working folder away; choose a folder below it, such as lowdim-out")
	}
	return nil
}

// generated reports whether name is prefix followed by the random digits
// of os.MkdirTemp, possibly with removingSuffix: a name lowdim generated.
func generated(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	rest = strings.TrimSuffix(rest, removingSuffix)
	return rest != "" && strings.Trim(rest, "0123456789") == ""
}

// tempKinds are the infixes of lowdim's generated hidden names
// .<base><infix><digits>.
var tempKinds = []string{stagingInfix, asideInfix, ".lowdim-probe-"}

// isTemp reports whether name, an entry of dir, is one of lowdim's hidden
// temporaries, by its exact generated pattern: a staging or aside folder
// (.<base>.lowdim-staging-<n>, .<base>.lowdim-old-<n>, possibly .removing),
// a probe file, or a lock file (.<base>.lowdim-lock, .stale-<pid>) that no
// live process holds. Other hidden names containing ".lowdim-" are the
// user's.
func isTemp(dir, name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	if strings.HasPrefix(name, ".lowdim-probe-") && generated(name, ".lowdim-probe-") {
		return true
	}
	for _, k := range tempKinds {
		if i := strings.Index(name, k); i > 0 && generated(name, name[:i]+k) {
			return true
		}
	}
	base := name
	if i := strings.LastIndex(base, lockSuffix+".stale-"); i > 0 && generated(name, name[:i]+lockSuffix+".stale-") {
		base = name[:i+len(lockSuffix)]
	}
	if strings.HasSuffix(base, lockSuffix) && len(base) > len(lockSuffix)+1 {
		p := filepath.Join(dir, name)
		return !held(p) || mine(p)
	}
	return false
}

// markerKind returns the text of the Marker of dir when it is a regular
// file holding MarkerText or markerSubsText, else "".
func markerKind(dir string) string {
	p := filepath.Join(dir, Marker)
	st, err := os.Lstat(p)
	if err != nil || !st.Mode().IsRegular() || st.Size() > 1024 {
		return ""
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	switch string(b) {
	case MarkerText, markerSubsText:
		return string(b)
	}
	return ""
}

// owned returns an error when dir exists and holds entries other than
// lowdim's temporaries and the subfolders subs (checked on their own) and
// is not lowdim's: a folder is lowdim's only by its Marker. A folder of a
// preset's runs (its marker says so) is refused as a single run's folder
// unless it holds nothing else: its subfolders are runs. A folder of
// lowdim's that holds another kind than kind (Holds) is refused.
func owned(dir string, subs []string, kind string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Name() != Marker && !isTemp(dir, e.Name()) && !(e.IsDir() && slices.Contains(subs, e.Name())) {
			names = append(names, e.Name())
		}
	}
	mk := markerKind(dir)
	if mk == MarkerText {
		if h := Holds(dir); h != kind {
			return fmt.Errorf("%s holds %s, not %s, and writing here would replace it as a whole: choose another folder (or remove this one by hand)", dir, kindText[h], kindText[kind])
		}
	}
	if len(names) == 0 || mk == MarkerText || (mk == markerSubsText && len(subs) > 0) {
		if len(names) == 0 && mk == "" && slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == Marker }) {
			return fmt.Errorf("%s holds a %s that is not lowdim's marker: choose another folder", dir, Marker)
		}
		return nil
	}
	shown := names[:min(len(names), 3)]
	list := strings.Join(shown, ", ")
	if len(names) > len(shown) {
		list += fmt.Sprintf(" and %d more", len(names)-len(shown))
	}
	if mk == markerSubsText {
		return fmt.Errorf("%s holds the runs of a preset in its subfolders (%s): a single run into it would replace them all; choose a folder beside them", dir, list)
	}
	return fmt.Errorf("%s holds files lowdim did not write (%s): lowdim replaces an output folder as a whole, so it writes only into a new or empty folder or one it wrote (marked by its %s file, which earlier versions did not write: remove such a folder by hand); choose another folder or empty this one", dir, list, Marker)
}

// Kinds of lowdim's folders (Options.Kind, Holds).
const (
	KindRun      = ""         // a run's outputs: lowdim run/verify/sweep --out
	KindInstance = "instance" // an instance: lowdim run --save-instance
	KindModel    = "model"    // trained networks: run/verify --save-model
)

// kindText names each kind in messages.
var kindText = map[string]string{
	KindRun:      "a run's outputs (--out)",
	KindInstance: "an instance (--save-instance)",
	KindModel:    "saved models (--save-model)",
}

// Holds returns the kind of the folder dir, which holds lowdim's Marker,
// from the files lowdim writes into each kind (every version of lowdim
// wrote the same marker into all three): KindModel when it holds
// models.json, KindInstance when it holds target.npy, target_U.npy or an
// init_*.npy file, else KindRun. It reads the folder's names only.
func Holds(dir string) string {
	entries, _ := os.ReadDir(dir)
	kind := KindRun
	for _, e := range entries {
		n := e.Name()
		switch {
		case n == "models.json":
			return KindModel
		case n == "target.npy" || n == "target_U.npy" || (strings.HasPrefix(n, "init_") && strings.HasSuffix(n, ".npy")):
			kind = KindInstance
		}
	}
	return kind
}

// maxName is the longest file name (bytes) of the file systems lowdim
// writes to (NAME_MAX).
const maxName = 255

// MaxBase is the longest output folder name: its hidden siblings
// .<name>.lowdim-staging-<10 digits>.removing must fit in maxName.
const MaxBase = maxName - 1 - len(stagingInfix) - 10 - len(removingSuffix)

// checkName refuses a folder name too long for lowdim's hidden siblings.
func checkName(base string) error {
	if len(base) > MaxBase {
		return fmt.Errorf("its name is %d bytes long: lowdim stages a run beside the folder under a longer hidden name (.NAME%s...), so the name must be at most %d bytes", len(base), stagingInfix, MaxBase)
	}
	return nil
}

// checkParents refuses abs when one of its parent folders is a run's
// output folder of lowdim (its marker), which a run into it would replace
// with abs in it, or is locked by a live lowdim.
func checkParents(abs string) error {
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		if markerKind(p) == MarkerText {
			return fmt.Errorf("is inside %s, an output folder of lowdim, which its next run replaces as a whole; choose a folder outside it", p)
		}
		if l := LockFile(p); held(l) {
			h, _ := readHolder(l)
			who := "another lowdim"
			if h != nil {
				who = h.String()
			}
			return fmt.Errorf("is inside %s, which %s is writing (lock file %s) and will replace as a whole; choose a folder outside it", p, who, l)
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// checkSubtree refuses abs when a folder inside it is locked by a live
// lowdim (other than this Folder's own locks): replacing abs would pull
// that run's folder away.
func (f *Folder) checkSubtree(abs string) error {
	mine := make(map[string]bool)
	for _, l := range f.locks {
		mine[l.path] = true
	}
	var found error
	filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found != nil {
			return filepath.SkipDir
		}
		n := d.Name()
		if !d.IsDir() && strings.HasPrefix(n, ".") && strings.HasSuffix(n, lockSuffix) && !mine[p] && held(p) {
			found = fmt.Errorf("holds %s, the lock of a folder a live lowdim is writing: replacing this folder would pull that run away; wait for it or choose another folder", p)
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// probe creates a file in dir, when dir exists, and removes it.
func probe(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	f, err := os.CreateTemp(dir, ".lowdim-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	name := f.Name()
	cerr := f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("removing the probe file: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, cerr)
	}
	return nil
}

// writeMarker writes the Marker of a run into dir unless it is there.
func writeMarker(dir string) error { return writeMarkerText(dir, MarkerText) }

// writeMarkerText writes the Marker with text into dir unless a marker of
// lowdim's is there.
func writeMarkerText(dir, text string) error {
	p := filepath.Join(dir, Marker)
	if markerKind(dir) != "" {
		return nil
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		return fmt.Errorf("writing the marker: %w", err)
	}
	return nil
}

// removingSuffix ends the name a folder takes while discard removes it; it
// keeps the folder's prefix, so that a removal cut short is finished by
// the next Open.
const removingSuffix = ".removing"

// discard removes the temporary folder p. Another goroutine may still be
// writing into it (an abort while the owner writes its files): p is first
// renamed, so that no new file can be created under its path, then
// removed.
func discard(p string) error {
	if !strings.HasSuffix(p, removingSuffix) {
		switch err := os.Rename(p, p+removingSuffix); {
		case err == nil:
			p += removingSuffix
		case errors.Is(err, fs.ErrNotExist):
			return nil
		}
	}
	return removeAll(p)
}

// removeAll is removeAllRetry; tests replace it to make removals fail.
var removeAll = removeAllRetry

// removeAllRetry is os.RemoveAll retried a few times: a file being created
// when its folder was renamed away (discard) may still land in it.
func removeAllRetry(p string) error {
	var err error
	for range 5 {
		if err = os.RemoveAll(p); err == nil {
			return nil
		}
	}
	return err
}

// syncTree fsyncs every file and folder under root.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return syncDir(p)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// syncDir fsyncs the folder dir; EINVAL and ENOTSUP, which some file
// systems return for folders, count as success.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
