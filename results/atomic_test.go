package results

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteFileAtomic checks the wrapper end to end; the cases of failure
// are tested in package atomicfile.
func TestWriteFileAtomic(t *testing.T) {
	for _, tc := range []struct {
		name    string
		old     string // content of an existing file, "" for none
		data    string
		wantErr string // in the error, "" for success
	}{
		{name: "new file", data: "{}\n"},
		{name: "replaces a file", old: "old content, longer than the new\n", data: "{}\n"},
		{name: "missing folder", data: "{}\n", wantErr: "creating temporary file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "run.json")
			if tc.wantErr != "" {
				path = filepath.Join(dir, "no", "run.json")
			}
			if tc.old != "" {
				require.NoError(t, os.WriteFile(path, []byte(tc.old), 0o600))
			}
			err := WriteFileAtomic(path, []byte(tc.data))
			entries, rerr := os.ReadDir(dir)
			require.NoError(t, rerr)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, path)
				require.ErrorContains(t, err, tc.wantErr)
				assert.Empty(t, entries, "files left behind")
				return
			}
			require.NoError(t, err)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.data, string(b))
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
			assert.Len(t, entries, 1, "files in %s", dir)
		})
	}
}
