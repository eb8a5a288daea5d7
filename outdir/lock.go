package outdir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// lockSuffix ends the name of a lock file: .<base>.lowdim-lock.
const lockSuffix = ".lowdim-lock"

// LockFile returns the lock file of target: the hidden sibling
// <parent>/.<base>.lowdim-lock.
func LockFile(target string) string {
	dir, base := filepath.Split(filepath.Clean(target))
	return filepath.Join(dir, "."+base+lockSuffix)
}

// Holder is what a lock file says about the process holding it.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

func (h Holder) String() string {
	return fmt.Sprintf("pid %d on host %s since %s", h.PID, h.Host, h.Since.Local().Format("2006-01-02 15:04:05 MST"))
}

// BusyError is the error of Acquire (and Open) when another process holds
// the lock.
type BusyError struct {
	File   string  // the lock file
	Holder *Holder // nil when the lock file could not be read
	// Foreign is set when the lock file is O_EXCL's (no flock) and its
	// holder runs on another host, so that whether it still runs is unknown.
	Foreign bool
}

func (e *BusyError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("in use by another lowdim (lock file %s, unreadable)", e.File)
	}
	s := fmt.Sprintf("in use by %s (lock file %s)", e.Holder, e.File)
	if e.Foreign {
		s += "; if that process is gone, remove the lock file"
	}
	return s
}

// Lock is a lock taken by Acquire.
type Lock struct {
	path    string
	f       *os.File // flock mode: the locked lock file
	content []byte   // what this process wrote to the lock file
	// Note is not empty when Acquire took over a stale lock file, and says
	// whose.
	Note string
}

// forceExclusive makes Acquire use O_EXCL lock files as on a file system
// without flock (tests).
var forceExclusive = false

// hostname is the host written to lock files.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

// attempts bounds Acquire's retries when lock files come and go under it.
const attempts = 8

// Acquire locks target (a folder or a file, which need not exist) through
// its lock file LockFile(target) (see the package documentation), whose
// folder must exist. It returns a *BusyError when another process holds it;
// other errors are those of creating, locking or reading the lock file.
// It does not block.
func Acquire(target string) (*Lock, error) {
	p := LockFile(target)
	me := Holder{PID: os.Getpid(), Host: hostname(), Since: time.Now().UTC()}
	content, err := json.Marshal(me)
	if err != nil {
		return nil, err
	}
	content = append(content, '\n')
	if st, err := os.Lstat(p); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("the lock file %s is not a regular file (%s): lowdim does not follow or replace it; remove it if no lowdim is running", p, kind(st.Mode()))
	}
	if forceExclusive {
		return acquireExclusive(p, content)
	}
	for range attempts {
		created := true
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o644)
		if errors.Is(err, fs.ErrExist) {
			created = false
			f, err = os.OpenFile(p, os.O_RDWR|unix.O_NOFOLLOW, 0)
			if errors.Is(err, fs.ErrNotExist) {
				continue // released in between
			}
		}
		if errors.Is(err, unix.ELOOP) {
			return nil, fmt.Errorf("the lock file %s is a symbolic link: lowdim does not follow it; remove it if no lowdim is running", p)
		}
		if err != nil {
			return nil, fmt.Errorf("creating the lock file: %w", err)
		}
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			f.Close()
			return nil, fmt.Errorf("the lock file %s is not a regular file: remove it if no lowdim is running", p)
		}
		err = flock(f)
		switch {
		case err == nil:
			if !samePath(f, p) {
				f.Close() // locked a lock file its holder removed: again
				continue
			}
			if err := rewrite(f, content); err != nil {
				os.Remove(p)
				f.Close()
				return nil, fmt.Errorf("writing the lock file: %w", err)
			}
			return &Lock{path: p, f: f, content: content}, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			f.Close()
			return nil, busy(p, false)
		case errors.Is(err, unix.ENOLCK) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTSUP):
			f.Close()
			if created {
				os.Remove(p) // not a lock without flock: make way for O_EXCL
			}
			return acquireExclusive(p, content)
		default:
			f.Close()
			if created {
				os.Remove(p)
			}
			return nil, fmt.Errorf("locking %s: %w", p, err)
		}
	}
	return nil, fmt.Errorf("locking %s: the lock file kept being replaced", p)
}

// flock is flock(LOCK_EX|LOCK_NB) on f, retried on EINTR.
func flock(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// samePath reports whether the open file f is still the file at path p.
func samePath(f *os.File, p string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(p)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}

// rewrite replaces the content of f with b.
func rewrite(f *os.File, b []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(b, 0)
	return err
}

// kind names the type of a file that is not regular.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// held reports whether the lock file p is held by a live lowdim: flocked
// by another process or, where flock is refused, an O_EXCL lock file of a
// process that runs (or of another host, which cannot be told). A lock
// file that is not a regular file counts as held (it is never followed).
func held(p string) bool {
	st, err := os.Lstat(p)
	if err != nil {
		return false
	}
	if !st.Mode().IsRegular() {
		return true
	}
	f, err := os.OpenFile(p, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	defer f.Close()
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	switch {
	case err == nil:
		// Nobody holds it by flock; an O_EXCL lock's holder may still run.
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		if !forceExclusive {
			return false
		}
	case errors.Is(err, unix.EWOULDBLOCK):
		return true
	}
	h, _ := readHolder(p)
	return h != nil && (h.Host != hostname() || alive(h.PID))
}

// mine reports whether the lock file p is this process's.
func mine(p string) bool {
	h, _ := readHolder(p)
	return h != nil && h.PID == os.Getpid() && h.Host == hostname()
}

// readHolder reads the holder from lock file p; nil when it cannot.
func readHolder(p string) (*Holder, []byte) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, nil
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID <= 0 {
		return nil, b
	}
	return &h, b
}

// busy is the BusyError of lock file p. A holder that has just created the
// file may not have written it yet: it is read again a few times.
func busy(p string, exclusive bool) error {
	var h *Holder
	for i := 0; i < 5; i++ {
		if h, _ = readHolder(p); h != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	e := &BusyError{File: p, Holder: h}
	e.Foreign = exclusive && h != nil && h.Host != hostname()
	return e
}

// alive reports whether a process pid runs on this host (kill(pid, 0);
// EPERM means it runs under another user). A pid reused by an unrelated
// process counts as running.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// acquireExclusive is Acquire where flock is refused: the lock is the lock
// file p, created with O_EXCL and holding content. A stale one (same host,
// holder not running) is moved aside and checked to be the one read before
// it is removed, so that two processes taking it over cannot both win.
func acquireExclusive(p string, content []byte) (*Lock, error) {
	note := ""
	for i := range attempts {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o644)
		if err == nil {
			_, err = f.Write(content)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(p)
				return nil, fmt.Errorf("writing the lock file: %w", err)
			}
			return &Lock{path: p, content: content, Note: note}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("creating the lock file: %w", err)
		}
		h, old := readHolder(p)
		switch {
		case old == nil:
			continue // removed in between
		case h == nil && i < attempts/2:
			time.Sleep(10 * time.Millisecond) // being written
			continue
		case h == nil || h.Host != hostname() || alive(h.PID):
			return nil, busy(p, true)
		}
		// Stale: take it over.
		aside := p + ".stale-" + strconv.Itoa(os.Getpid())
		if err := os.Rename(p, aside); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("taking over the stale lock file: %w", err)
		}
		if moved, _ := os.ReadFile(aside); bytes.Equal(moved, old) {
			os.Remove(aside)
			note = fmt.Sprintf("took over the lock of %s, which is no longer running", h)
			continue
		}
		// Another process took it over first and we moved its fresh lock:
		// put it back unless a third has created one since.
		if err := renameNoReplace(aside, p); err != nil {
			os.Remove(aside)
		}
	}
	return nil, fmt.Errorf("locking %s: the lock file kept being replaced", p)
}

// Release removes the lock file and releases the lock. An O_EXCL lock
// file that no longer holds what this process wrote (removed by hand and
// taken by another) is left alone. Release is idempotent.
func (l *Lock) Release() error {
	if l == nil || l.path == "" {
		return nil
	}
	p := l.path
	l.path = ""
	if l.f != nil {
		// Unlink while still locked, then unlock: a process that opened
		// the file meanwhile sees, once locked, that it is not at p.
		err := os.Remove(p)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		if cerr := l.f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, l.content) {
		return nil
	}
	return os.Remove(p)
}
