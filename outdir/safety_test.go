package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenNeverTakesUsersFolders: only the marker makes a folder lowdim's.
// A folder of the user's files named like lowdim's outputs (target.npy
// written with np.save, a run.json of the user's), a folder of earlier
// runs' folders, a hidden file with ".lowdim-" in its name, a .lowdim that
// is not lowdim's marker: each is refused and left as it was.
func TestOpenNeverTakesUsersFolders(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, files ...string) string {
		dir := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, f := range files {
			p := filepath.Join(dir, f)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		}
		return dir
	}
	runs := mk("results")
	commitSet(t, filepath.Join(runs, "exp-a"), Options{}, "", map[string]string{"run.json": "a"})
	commitSet(t, filepath.Join(runs, "exp-b"), Options{}, "", map[string]string{"run.json": "b"})
	tests := []struct {
		name string
		dir  string
		opt  Options
		want string
	}{
		{"a user's instance folder", mk("inst", "target.npy"), Options{Known: []string{"target.npy"}}, "did not write (target.npy)"},
		{"a user's run.json", mk("mine", "run.json", "verdict.json"), Options{Known: []string{"run.json", "verdict.json"}}, "did not write (run.json, verdict.json)"},
		{"a folder of earlier runs", runs, Options{}, "did not write (exp-a, exp-b)"},
		{"a hidden file with .lowdim- in its name", mk("hidden", ".notes.lowdim-staging-mine"), Options{}, "did not write (.notes.lowdim-staging-mine)"},
		{"a .lowdim that is not the marker", mk("fake", Marker), Options{}, "is not lowdim's marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tree(t, root)
			_, err := Open(tt.dir, tt.opt)
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, before, tree(t, root), "Open changed something")
		})
	}
}

// tree lists every path under root with its content (files) or "/"
// (folders).
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			m[p] = "/"
			return nil
		}
		b, _ := os.ReadFile(p)
		m[p] = string(b)
		return nil
	}))
	return m
}

// TestOpenRefusesNesting: a run inside another run's output folder (which
// its next commit replaces), inside a folder a live run holds, or around a
// folder a live run holds is refused.
func TestOpenRefusesNesting(t *testing.T) {
	root := t.TempDir()
	outer := filepath.Join(root, "outer")
	commitSet(t, outer, Options{}, "", map[string]string{"run.json": "x"})
	_, err := Open(filepath.Join(outer, "inner"), Options{})
	require.ErrorContains(t, err, "an output folder of lowdim")
	require.NoFileExists(t, filepath.Join(outer, ".inner"+lockSuffix))

	live := filepath.Join(root, "live")
	f, err := Open(live, Options{})
	require.NoError(t, err)
	defer f.Close()
	_, err = Open(filepath.Join(live, "a", "b"), Options{})
	require.ErrorContains(t, err, "which pid")

	// The other way round: a live run below the folder opened.
	parent := filepath.Join(root, "parent")
	g, err := Open(filepath.Join(parent, "run"), Options{})
	require.NoError(t, err)
	defer g.Close()
	_, err = Open(parent, Options{})
	require.ErrorContains(t, err, "the lock of a folder a live lowdim is writing")

	// A preset's folder holds runs that may be rerun one by one.
	preset := filepath.Join(root, "preset")
	commitSet(t, preset, Options{Subs: []string{"mc", "mf"}}, "mc", map[string]string{"run.json": "mc"})
	commitSet(t, filepath.Join(preset, "mc"), Options{}, "", map[string]string{"run.json": "again"})
	_, err = Open(preset, Options{})
	require.ErrorContains(t, err, "holds the runs of a preset")
}

// TestLockSymlinkRefused: a symbolic link in place of the lock file is
// neither followed nor replaced.
func TestLockSymlinkRefused(t *testing.T) {
	for _, excl := range []bool{false, true} {
		forceExclusive = excl
		root := t.TempDir()
		victim := filepath.Join(root, "victim")
		require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
		out := filepath.Join(root, "out")
		require.NoError(t, os.Symlink(victim, LockFile(out)))
		_, err := Open(out, Options{})
		require.ErrorContains(t, err, "symbolic link")
		b, err := os.ReadFile(victim)
		require.NoError(t, err)
		require.Equal(t, "precious", string(b))
		forceExclusive = false
	}
}

// TestLongNameRefusedAtOpen: a name too long for the staging folder's
// hidden name is refused by Open, before any work; the longest allowed
// commits.
func TestLongNameRefusedAtOpen(t *testing.T) {
	root := t.TempDir()
	for _, n := range []int{MaxBase + 1, 229, 242, 250} {
		_, err := Open(filepath.Join(root, strings.Repeat("n", n)), Options{})
		require.ErrorContains(t, err, "the name must be at most")
		require.NotContains(t, err.Error(), "writable")
	}
	require.Equal(t, []string{}, ls(t, root))
	commitSet(t, filepath.Join(root, strings.Repeat("n", MaxBase)), Options{}, "", map[string]string{"a": "b"})
}

// TestUndeletableOldContents: when the old contents cannot be removed
// after the swap, the commit stands and Close succeeds with a warning; the
// leftover is removed at the next Open and never blocks it.
func TestUndeletableOldContents(t *testing.T) {
	withMode(t, func(t *testing.T) {
		root := t.TempDir()
		out := filepath.Join(root, "out")
		commitSet(t, out, Options{}, "", map[string]string{"run.json": "old"})
		removeAll = func(string) error { return errors.New("operation not permitted") }
		f, err := Open(out, Options{})
		require.NoError(t, err)
		s, err := f.Stage("")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(s.Path(), "run.json"), []byte("new"), 0o644))
		require.NoError(t, s.Commit())
		require.NoError(t, f.Close())
		require.NotEmpty(t, f.Warnings())
		removeAll = removeAllRetry
		requireFiles(t, out, map[string]string{"run.json": "new"})
		require.Len(t, ls(t, root), 2, "the leftover stays until the next Open")
		commitSet(t, out, Options{}, "", map[string]string{"run.json": "newer"})
		require.Equal(t, []string{"out"}, ls(t, root))
	})
}
