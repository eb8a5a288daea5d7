package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/methods"
)

// toy-panic is a method whose initialization panics: a bug in the library,
// which must exit 3 (an internal failure), not the Go runtime's 2 (which
// would read as a usage error).
func init() {
	methods.Register(methods.Spec{
		MethodInfo: config.MethodInfo{Name: "toy-panic", Order: 101},
		Shapes: func(c config.Config, rows, cols int) []dln.Shape {
			return dln.Chain(methods.Widths(cols, c.RHat, rows, 2)...)
		},
		Init: func(*dln.Network, config.Config, methods.Env) error { panic("toy-panic: a bug") },
	})
}

// TestExitCodeTable checks the exit-code table of every command (main.go,
// README): 0 success, 1 a failed verdict or a regression, 2 usage or input,
// 3 an internal failure. Each row is the cheapest way to reach the code; a
// code a command cannot reach says why.
func TestExitCodeTable(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // never the real calibration cache
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file") // a file where a folder is wanted
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	rng := rand.New(rand.NewPCG(compareSeed, 2))
	base := writeBench(t, rng, dir, "base.txt", 10, 1000, "")
	same := writeBench(t, rng, dir, "same.txt", 10, 1000, "")
	slow := writeBench(t, rng, dir, "slow.txt", 10, 1200, "")
	tiny := []string{"--d", "12", "--r", "2", "--steps", "5", "--quiet"}
	out := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		cmd  string
		name string
		args []string
		code int
	}{
		{"run", "success", append([]string{"run", "--out", out("run0")}, tiny...), exitOK},
		{"run", "bad flag value", []string{"run", "--d", "x"}, exitUsage},
		{"run", "invalid configuration", append([]string{"run", "--r", "0", "--out", out("run2")}, tiny[:2]...), exitUsage},
		{"run", "missing instance", append([]string{"run", "--load-instance", out("none"), "--out", out("run2b")}, tiny...), exitUsage},
		{"run", "bad config file", []string{"run", "--config", out("none.toml")}, exitUsage},
		{"run", "output not usable (checked before training)", append([]string{"run", "--out", file}, tiny...), exitUsage},
		{"run", "panic in the library", append([]string{"run", "--methods", "toy-panic", "--out", out("run3")}, tiny...), exitInternal},
		// run has no verdict: its checks are reported, never gated (1 is verify's).
		{"verify", "pass", verifyArgs(out("v0")), exitOK},
		{"verify", "no width is sufficient", verifyArgs(out("v1"), "--r-hat", "1"), exitFailure},
		{"verify", "a narrow width beside a sufficient one", verifyArgs(out("v1b"), "--r-hat", "1,4"), exitOK},
		{"verify", "a network diverges", verifyArgs(out("v1c"), "--eta", "100", "--steps", "50"), exitFailure},
		{"verify", "bad input", verifyArgs(out("v2"), "--target", out("none.npy")), exitUsage},
		{"verify", "output not usable (checked before training)", verifyArgs(file), exitUsage},
		// verify reaches 3 only on a library panic or a failed write after the
		// --out check (a disk that fills up).
		{"compare", "no regression", []string{"compare", base, same}, exitOK},
		{"compare", "regression", []string{"compare", base, slow}, exitFailure},
		{"compare", "missing file", []string{"compare", base, out("none.txt")}, exitUsage},
		// compare reaches 3 only when stdout fails while writing the report.
		{"bench", "list", []string{"bench", "--list"}, exitOK},
		{"bench", "bad flag", []string{"bench", "--count", "0"}, exitUsage},
		{"bench", "bad benchtime", []string{"bench", "--filter", "Infer/method=bm/d=64", "--sizes", "64", "--benchtime", "x"}, exitUsage},
		{"bench", "output not usable (checked before the suite)", []string{"bench", "--filter", "Infer/method=bm/d=64/", "--sizes", "64", "--count", "1", "--benchtime", "1x", "--out", filepath.Join(file, "x")}, exitUsage},
		// bench has no regression: lowdim compare judges its output.
		{"calibrate", "bad flag", []string{"calibrate", "--reps", "0"}, exitUsage},
		{"calibrate", "not writable (checked before measuring)", []string{"calibrate", "--sizes", "8", "--reps", "1", "--triad-mb", "1", "--out", filepath.Join(file, "x.json")}, exitUsage},
		{"presets", "success", []string{"presets"}, exitOK},
		{"version", "success", []string{"version"}, exitOK},
		{"lowdim", "unknown command", []string{"frobnicate"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+"/"+tt.name, func(t *testing.T) {
			code, stdout, stderr := lowdim(t, tt.args...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		})
	}
}
