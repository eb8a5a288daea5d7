package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCommandLineOnlyKeys (issue item 17): a key of a command-line only
// flag is refused by a message that says which flags those are.
func TestCommandLineOnlyKeys(t *testing.T) {
	for _, k := range []string{"out", "quiet", "save-instance", "load-instance", "cpuprofile"} {
		p := filepath.Join(t.TempDir(), "c.toml")
		require.NoError(t, os.WriteFile(p, []byte(k+" = \"x\"\n"), 0o644))
		_, err := Resolve(Layers{File: p})
		require.Error(t, err, k)
		require.Contains(t, err.Error(), "unknown key \""+k+"\"")
		require.Contains(t, err.Error(), "command-line only flags out, quiet, config, save-instance, load-instance and cpuprofile")
	}
}
