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
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// ls returns the names in dir, sorted ([] for an empty or missing folder).
func ls(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []string{}
	}
	require.NoError(t, err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// requireFiles fails unless dir holds exactly the files named (with
// their contents name -> content) plus the marker.
func requireFiles(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	names := []string{Marker}
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	require.Equal(t, names, ls(t, dir), "files in %s", dir)
	for n, c := range want {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		require.Equal(t, c, string(b), "%s", n)
	}
}

// commitSet opens dir, stages the files and commits them.
func commitSet(t *testing.T, dir string, opt Options, sub string, files map[string]string) {
	t.Helper()
	f, err := Open(dir, opt)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	s, err := f.Stage(sub)
	require.NoError(t, err)
	for n, c := range files {
		require.NoError(t, os.WriteFile(filepath.Join(s.Path(), n), []byte(c), 0o644))
	}
	require.NoError(t, s.Commit())
}

// withMode runs fn once with renameat2's exchange and once with the
// fallback of two renames.
func withMode(t *testing.T, fn func(t *testing.T)) {
	for _, exchange := range []bool{true, false} {
		t.Run(map[bool]string{true: "exchange", false: "two-renames"}[exchange], func(t *testing.T) {
			noExchange = !exchange
			t.Cleanup(func() { noExchange = false })
			fn(t)
		})
	}
}

func TestCommitReplacesTheSet(t *testing.T) {
	withMode(t, func(t *testing.T) {
		root := t.TempDir()
		out := filepath.Join(root, "out")
		commitSet(t, out, Options{}, "", map[string]string{"a": "1", "b": "1"})
		requireFiles(t, out, map[string]string{"a": "1", "b": "1"})
		commitSet(t, out, Options{}, "", map[string]string{"c": "2"})
		requireFiles(t, out, map[string]string{"c": "2"})
		require.Equal(t, []string{"out"}, ls(t, root), "a temporary or the lock file is left")
	})
}

func TestStageDiscardKeepsThePrevious(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	commitSet(t, out, Options{}, "", map[string]string{"a": "1"})
	f, err := Open(out, Options{})
	require.NoError(t, err)
	s, err := f.Stage("")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(s.Path(), "b"), []byte("2"), 0o644))
	require.NoError(t, s.Discard())
	s2, err := f.Stage("")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(s2.Path(), "c"), []byte("3"), 0o644))
	require.NoError(t, f.Close()) // s2 never committed
	requireFiles(t, out, map[string]string{"a": "1"})
	require.Equal(t, []string{"out"}, ls(t, root))
	_, err = f.Stage("")
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, s2.Commit(), ErrClosed)
}

func TestSubfolders(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	opt := Options{Subs: []string{"mf", "mc"}}
	commitSet(t, out, opt, "mf", map[string]string{"run.json": "1"})
	require.Equal(t, []string{Marker, "mf"}, ls(t, out))
	requireFiles(t, filepath.Join(out, "mf"), map[string]string{"run.json": "1"})

	f, err := Open(out, opt)
	require.NoError(t, err)
	_, err = f.Stage("ms")
	require.ErrorContains(t, err, `"ms" is not a subfolder`)
	// Both the folder and each subfolder are locked.
	_, err = Open(filepath.Join(out, "mc"), Options{})
	var be *BusyError
	require.ErrorAs(t, err, &be)
	_, err = Open(out, Options{})
	require.ErrorAs(t, err, &be)
	require.NoError(t, f.Close())
	require.Equal(t, []string{"out"}, ls(t, root))
	require.Equal(t, []string{Marker, "mf"}, ls(t, out))
}

func TestSymlinkStandsForItsFolder(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	link := filepath.Join(root, "link")
	require.NoError(t, os.Mkdir(real, 0o755))
	require.NoError(t, os.Symlink(real, link))
	commitSet(t, link, Options{}, "", map[string]string{"a": "1"})
	st, err := os.Lstat(link)
	require.NoError(t, err)
	require.Equal(t, fs.ModeSymlink, st.Mode().Type(), "the link was replaced")
	requireFiles(t, real, map[string]string{"a": "1"})
}

func TestOpenRefuses(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "a-file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	foreign := filepath.Join(root, "foreign")
	require.NoError(t, os.Mkdir(foreign, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(foreign, "thesis.tex"), []byte("x"), 0o644))
	presetOut := filepath.Join(root, "preset")
	require.NoError(t, os.MkdirAll(filepath.Join(presetOut, "mf"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(presetOut, "mf", "notes.txt"), []byte("x"), 0o644))
	wd, err := os.Getwd()
	require.NoError(t, err)

	tests := []struct {
		name string
		path string
		opt  Options
		want string
	}{
		{"empty", "", Options{}, "must not be empty"},
		{"a file", file, Options{}, "exists and is not a folder"},
		{"below a file", filepath.Join(file, "sub"), Options{}, "cannot create its parent folder"},
		{"the working folder", wd, Options{}, "is the current folder or one of its parents"},
		{"the working folder, relative", ".", Options{}, "is the current folder or one of its parents"},
		{"a parent of the working folder", filepath.Dir(wd), Options{}, "is the current folder or one of its parents"},
		{"the root", "/", Options{}, "is the current folder or one of its parents"},
		{"a folder lowdim did not write", foreign, Options{Known: []string{"run.json"}}, "holds files lowdim did not write (thesis.tex)"},
		{"a subfolder lowdim did not write", presetOut, Options{Subs: []string{"mf"}}, "holds files lowdim did not write (notes.txt)"},
		{"a bad subfolder name", filepath.Join(root, "x"), Options{Subs: []string{"../escape"}}, "not one plain path element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ls(t, root)
			_, err := Open(tt.path, tt.opt)
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, before, ls(t, root), "Open left something")
			require.Equal(t, []string{"thesis.tex"}, ls(t, foreign), "a user's file was touched")
		})
	}
}

func TestOpenRefusesAnUnwritableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		testenv.SkipOptional(t, "root writes into any folder whatever its mode")
	}
	root := t.TempDir()
	locked := filepath.Join(root, "locked")
	require.NoError(t, os.Mkdir(locked, 0o500))
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	_, err := Open(locked, Options{})
	require.ErrorContains(t, err, "cannot write in")
	require.Equal(t, []string{"locked"}, ls(t, root))
}

// mark writes lowdim's marker into dir.
func mark(t *testing.T, dir string) string {
	require.NoError(t, os.WriteFile(filepath.Join(dir, Marker), []byte(MarkerText), 0o644))
	return dir
}

func TestOpenAcceptsLowdimFolders(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, files ...string) string {
		dir := filepath.Join(root, name)
		for _, f := range files {
			p := filepath.Join(dir, f)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		}
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	known := Options{Known: []string{"run.json", "verdict.json"}}
	tests := []struct {
		name string
		dir  string
	}{
		{"empty", mk("empty")},
		{"marked", mark(t, mk("marked", "anything.png"))},
		{"only lowdim's temporaries", mk("temps", ".lowdim-probe-123", ".mf.lowdim-lock")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			commitSet(t, tt.dir, known, "", map[string]string{"run.json": "new"})
			requireFiles(t, tt.dir, map[string]string{"run.json": "new"})
		})
	}
}

func TestBusy(t *testing.T) {
	for _, excl := range []bool{false, true} {
		t.Run(map[bool]string{false: "flock", true: "exclusive"}[excl], func(t *testing.T) {
			forceExclusive = excl
			t.Cleanup(func() { forceExclusive = false })
			out := filepath.Join(t.TempDir(), "out")
			f, err := Open(out, Options{})
			require.NoError(t, err)
			_, err = Open(out, Options{})
			var be *BusyError
			require.ErrorAs(t, err, &be)
			require.NotNil(t, be.Holder)
			require.Equal(t, os.Getpid(), be.Holder.PID)
			require.Contains(t, err.Error(), fmt.Sprintf("in use by pid %d on host %s since ", os.Getpid(), hostname()))
			require.Contains(t, err.Error(), LockFile(out))
			require.NoError(t, f.Close())
			requireNoFile(t, LockFile(out))
			f, err = Open(out, Options{})
			require.NoError(t, err, "the lock is free again")
			require.NoError(t, f.Close())
		})
	}
}

// requireNoFile fails if p exists.
func requireNoFile(t *testing.T, p string) {
	t.Helper()
	_, err := os.Lstat(p)
	require.ErrorIs(t, err, fs.ErrNotExist, "%s exists", p)
}

// TestLockedFileReplacedIsNotALock: a process that opened the lock file
// before its holder removed it (Release) locks a removed file; samePath
// must tell, so that Acquire tries again on the path's new file.
func TestLockedFileReplacedIsNotALock(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	l, err := Acquire(out)
	require.NoError(t, err)
	early, err := os.Open(LockFile(out))
	require.NoError(t, err)
	defer early.Close()
	require.ErrorIs(t, flock(early), errWouldBlock())
	require.NoError(t, l.Release())
	require.NoError(t, flock(early), "the holder unlocked")
	require.False(t, samePath(early, LockFile(out)), "a removed lock file passed for the lock")
	// A new lock file is created beside it; Acquire locks that one.
	l2, err := Acquire(out)
	require.NoError(t, err)
	require.NoError(t, l2.Release())
}

func TestStaleExclusiveLockIsTakenOver(t *testing.T) {
	forceExclusive = true
	t.Cleanup(func() { forceExclusive = false })
	out := filepath.Join(t.TempDir(), "out")
	dead := deadPID(t)
	stale := fmt.Sprintf(`{"pid":%d,"host":%q,"since":"2026-01-02T03:04:05Z"}`+"\n", dead, hostname())
	require.NoError(t, os.WriteFile(LockFile(out), []byte(stale), 0o644))
	f, err := Open(out, Options{})
	require.NoError(t, err)
	require.Len(t, f.Notes(), 1)
	require.Contains(t, f.Notes()[0], fmt.Sprintf("took over the lock of pid %d on host %s", dead, hostname()))
	require.NoError(t, f.Close())
	requireNoFile(t, LockFile(out))

	// Another host's lock is never taken over.
	other := fmt.Sprintf(`{"pid":%d,"host":"elsewhere","since":"2026-01-02T03:04:05Z"}`+"\n", dead)
	require.NoError(t, os.WriteFile(LockFile(out), []byte(other), 0o644))
	_, err = Open(out, Options{})
	require.ErrorContains(t, err, fmt.Sprintf("in use by pid %d on host elsewhere", dead))
	require.ErrorContains(t, err, "if that process is gone, remove the lock file")
}

// TestRecovery builds what a killed process leaves and opens the folder.
func TestRecovery(t *testing.T) {
	type state struct {
		target  map[string]string // nil: no target folder
		aside   map[string]string // nil: none
		staging map[string]string // nil: none
	}
	prev := map[string]string{Marker: "", "run.json": "previous"}
	next := map[string]string{"run.json": "next"}
	tests := []struct {
		name string
		s    state
		want map[string]string // the target's files afterwards (with the marker)
		note string
	}{
		{"killed while staging", state{target: prev, staging: next}, map[string]string{"run.json": "previous"}, "removed 1 temporary folder"},
		{"killed between the two renames", state{aside: prev, staging: next}, map[string]string{"run.json": "previous"}, "put back the previous contents"},
		{"killed before the aside was removed", state{target: prev, aside: map[string]string{"run.json": "older"}}, map[string]string{"run.json": "previous"}, "removed 1 temporary folder"},
	}
	write := func(dir string, files map[string]string) {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for n, c := range files {
			if n == Marker {
				c = MarkerText
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644))
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			out := filepath.Join(root, "out")
			if tt.s.target != nil {
				write(out, tt.s.target)
			}
			if tt.s.aside != nil {
				write(filepath.Join(root, ".out"+asideInfix+"123"), tt.s.aside)
			}
			if tt.s.staging != nil {
				write(filepath.Join(root, ".out"+stagingInfix+"456"), tt.s.staging)
			}
			f, err := Open(out, Options{})
			require.NoError(t, err)
			require.Contains(t, strings.Join(f.Notes(), "\n"), tt.note)
			require.NoError(t, f.Close())
			requireFiles(t, out, tt.want)
			require.Equal(t, []string{"out"}, ls(t, root))
		})
	}
}

// TestCloseWhileWriting is the abort path: Close runs on another goroutine
// while the owner keeps writing into its staging folder. Afterwards no
// staging folder is left and the target holds the previous set.
func TestCloseWhileWriting(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	commitSet(t, out, Options{}, "", map[string]string{"a": "1"})
	for i := 0; i < 20; i++ {
		f, err := Open(out, Options{})
		require.NoError(t, err)
		s, err := f.Stage("")
		require.NoError(t, err)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				if os.WriteFile(filepath.Join(s.Path(), fmt.Sprintf("f%d", j)), []byte("x"), 0o644) != nil {
					return
				}
			}
		}()
		require.NoError(t, f.Close())
		wg.Wait()
		require.ErrorIs(t, s.Commit(), ErrClosed)
		requireFiles(t, out, map[string]string{"a": "1"})
		require.Equal(t, []string{"out"}, ls(t, root))
	}
}

func TestWithin(t *testing.T) {
	root := t.TempDir()
	require.True(t, Within(filepath.Join(root, "a"), filepath.Join(root, "a")))
	require.True(t, Within(filepath.Join(root, "a"), filepath.Join(root, "a", "b")))
	require.True(t, Within(filepath.Join(root, "a", "b"), filepath.Join(root, "a")))
	require.False(t, Within(filepath.Join(root, "a"), filepath.Join(root, "ab")))
}
