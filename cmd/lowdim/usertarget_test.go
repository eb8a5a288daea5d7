package main

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// userData is where the user-target cases of ../shared/cases are kept as
// test inputs (see instance/user_test.go for each file).
var userData = filepath.Join("..", "..", "instance", "testdata")

// TestVerifyUserTargetCases runs lowdim verify on the cases' files: values
// read from a file are reported as the file's, degenerate targets exit 2
// with the file named (never a panic), a user target's rank is read at its
// dtype's precision, and the generator's rules do not refuse it.
func TestVerifyUserTargetCases(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		// code 2 with stderr holding errWant, or (errWant empty) a verify
		// that ran (exit 0 or 1: one step never reaches the tolerance) with
		// the header holding title.
		errWant, title string
	}{
		// rank-inference-float32: NumPy's matrix_rank says 5, so r = 5 and
		// the default width 2r = 10.
		{"float32 rank 5", []string{"target_f4.npy"}, "", "d=100 r=5 r̂=10 "},
		// generator-rules-on-user-target, bad-inputs: rank 20 of 30 and 6 of
		// 10 are trained, the default width 2r capped at d.
		{"rank 20 of 30", []string{"rank20_30x30.npy"}, "", "d=30 r=20 r̂=30 "},
		{"rank 6 of 10", []string{"rank6_10x10.npy"}, "", "d=10 r=6 r̂=10 "},
		// target-derived-values-blamed-on-flags.
		{"1 x 1", []string{"one_by_one.npy"}, "one_by_one.npy: a 1 x 1 target; lowdim needs d >= 2", ""},
		{"full rank", []string{"fullrank2.csv"}, "fullrank2.csv: the target has full numerical rank 2 (= d", ""},
		// bad-inputs: a zero target (it panicked with --r 1) and a 10000 x
		// 10000 coordinate file with one entry (1.59 GB and 101 s).
		{"zero --r 1", []string{"zero10.npy", "--r", "1"}, "zero10.npy: the target is zero", ""},
		{"mtx one entry", []string{"mtx_10k_1entry.mtx", "--workload", "mc", "--r", "1"}, "mtx_10k_1entry.mtx: 1 units cannot give 1 to test, 1 to validation and at least one to training", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"verify", "--target", filepath.Join(userData, tt.args[0])}, tt.args[1:]...)
			args = append(args, "--steps", "1", "--quiet", "--out", t.TempDir())
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			code, stdout, stderr := lowdim(t, args...)
			runtime.ReadMemStats(&after)
			if tt.errWant != "" {
				// Refusals read a small file (or a size line) only, never
				// the matrix a header declares (the 10000 x 10000 file
				// once took 1.59 GB): 64 MiB is slack of orders of
				// magnitude over a run's flags and a small file, and far
				// below one dense 10000 x 10000 (800 MB).
				require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20))
				require.Equal(t, exitUsage, code, stderr)
				require.Contains(t, stderr, tt.errWant)
				require.NotContains(t, stderr, "invalid --", "a value read from a file is not a flag's")
				return
			}
			require.Contains(t, []int{exitOK, exitFailure}, code, stderr)
			require.Contains(t, stdout, tt.title)
		})
	}
}
