package atomicfile

import (
	"errors"
	"github.com/lowdim/lowdim/internal/testenv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireOnly fails t unless dir holds exactly the files named, so a
// temporary file left behind shows up by name.
func requireOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	got := []string{}
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if names == nil {
		names = []string{}
	}
	require.ElementsMatch(t, names, got, "files in %s", dir)
}

// requireContent fails t unless the file at path holds want and has mode
// perm.
func requireContent(t *testing.T, path, want string, perm fs.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, string(b), "content of %s", path)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, perm, fi.Mode().Perm(), "mode of %s", path)
}

func TestWriteFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		old  *string     // content of an existing file at path, or nil
		mode fs.FileMode // mode of that file
		data string
	}{
		{name: "new file", data: "hello\n"},
		{name: "empty file", data: ""},
		{name: "replaces a shorter file", old: ptr("old"), mode: 0o600, data: "new content\n"},
		{name: "replaces a longer file", old: ptr("a much longer old content\n"), mode: 0o755, data: "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.json")
			if tc.old != nil {
				require.NoError(t, os.WriteFile(path, []byte(*tc.old), tc.mode))
				require.NoError(t, os.Chmod(path, tc.mode)) // WriteFile's mode is masked by the umask
			}
			require.NoError(t, WriteFile(path, []byte(tc.data)))
			requireContent(t, path, tc.data, Mode)
			requireOnly(t, dir, "f.json")
		})
	}
}

func ptr(s string) *string { return &s }

// TestWriteUmask checks that Mode holds whatever the umask. It changes the
// process's umask, so it must not run in parallel with other tests.
func TestWriteUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, WriteFile(path, []byte("x")))
	requireContent(t, path, "x", Mode)
}

var errWriter = errors.New("writer failed")

func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string) string // makes the scene, returns the path to write
		write   func(w io.Writer) error
		wantErr error  // for errors.Is, or nil
		wantMsg string // in the message after "writing <path>: "
		left    []string
	}{
		{
			name: "writer fails midway, old content stays",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "f")
				require.NoError(t, os.WriteFile(p, []byte("old"), 0o644))
				return p
			},
			write: func(w io.Writer) error {
				if _, err := io.WriteString(w, "half of the new"); err != nil {
					return err
				}
				return errWriter
			},
			wantErr: errWriter,
			wantMsg: "writer failed",
			left:    []string{"f"},
		},
		{
			name:    "writer fails, no file before",
			setup:   func(t *testing.T, dir string) string { return filepath.Join(dir, "f") },
			write:   func(io.Writer) error { return errWriter },
			wantErr: errWriter,
			wantMsg: "writer failed",
		},
		{
			name:    "missing folder",
			setup:   func(t *testing.T, dir string) string { return filepath.Join(dir, "no", "f") },
			write:   func(io.Writer) error { return nil },
			wantErr: fs.ErrNotExist,
			wantMsg: "creating temporary file: ",
		},
		{
			// The rename fails: a file cannot replace a non-empty folder.
			name: "path is a folder",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "f")
				require.NoError(t, os.Mkdir(p, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(p, "keep"), nil, 0o644))
				return p
			},
			write:   func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err },
			wantMsg: "rename ",
			left:    []string{"f"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			before, _ := os.ReadFile(path)
			err := Write(path, tc.write)
			require.Error(t, err)
			var pe *fs.PathError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "writing", pe.Op)
			assert.Equal(t, path, pe.Path)
			assert.Contains(t, err.Error(), "writing "+path+": "+tc.wantMsg)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			}
			requireOnly(t, dir, tc.left...)
			after, _ := os.ReadFile(path)
			assert.Equal(t, string(before), string(after), "file at path changed")
		})
	}
}

func TestWritePanic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	assert.PanicsWithValue(t, "boom", func() {
		Write(path, func(w io.Writer) error {
			io.WriteString(w, "new")
			panic("boom")
		})
	})
	requireOnly(t, dir, "f")
	requireContent(t, path, "old", 0o644)
}

// TestWriteReadOnlyFolder needs a folder the process cannot write in, which
// permission bits do not give root.
func TestWriteReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		testenv.SkipOptional(t, "running as root, which may write in any folder")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	require.NoError(t, os.Chmod(dir, 0o555))
	defer os.Chmod(dir, 0o755) // so that t.TempDir can remove it
	err := WriteFile(path, []byte("new"))
	require.ErrorIs(t, err, fs.ErrPermission)
	require.ErrorContains(t, err, "writing "+path+": creating temporary file")
	requireOnly(t, dir, "f")
	requireContent(t, path, "old", 0o644)
}

// TestWriteSyncsFolder checks that the folder is synced after the rename,
// and that a failed folder sync is an error reported after the file was
// replaced.
func TestWriteSyncsFolder(t *testing.T) {
	errSync := errors.New("sync failed")
	for _, tc := range []struct {
		name    string
		syncErr error
	}{
		{"sync ok", nil},
		{"sync fails", errSync},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
			var synced []string
			defer func(f func(string) error) { syncDir = f }(syncDir)
			syncDir = func(d string) error {
				// The rename must come first: the new content is in place.
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, "new", string(b), "content when the folder is synced")
				synced = append(synced, d)
				return tc.syncErr
			}
			err := WriteFile(path, []byte("new"))
			assert.Equal(t, []string{dir}, synced, "folders synced")
			if tc.syncErr != nil {
				require.ErrorIs(t, err, tc.syncErr)
				require.EqualError(t, err, "writing "+path+": syncing folder: sync failed")
			} else {
				require.NoError(t, err)
			}
			requireOnly(t, dir, "f")
			requireContent(t, path, "new", Mode)
		})
	}
}

func TestSyncDirectory(t *testing.T) {
	require.NoError(t, syncDirectory(t.TempDir()))
	err := syncDirectory(filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}
