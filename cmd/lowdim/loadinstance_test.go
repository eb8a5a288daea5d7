package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/results"
)

// Instance folders written by NumPy 1.24 (np.save), from the cases
// load-instance-lop-probe-d, load-instance-mc-p-not-from-mask and
// bad-inputs/ms_instance.
var (
	mfRank1 = filepath.Join("testdata", "instances", "mf_rank1_8") // target.npy: 8 x 8, rank 1
	mc12    = filepath.Join("testdata", "instances", "mc_12of36")  // target.npy 6 x 6, mask.npy
	ms50    = filepath.Join("testdata", "instances", "ms_m50")     // target.npy 6 x 6, A.npy, y.npy
)

// observedFraction reads mask.npy of dir: its nonzero entries and their
// fraction of all entries.
func observedFraction(t *testing.T, dir string) (observed, n int, p float64) {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join(dir, "mask.npy"))
	require.NoError(t, err)
	for _, v := range a.Data {
		if v != 0 {
			observed++
		}
	}
	n = len(a.Data)
	return observed, n, float64(observed) / float64(n)
}

// TestLoadInstanceFromFiles: a loaded instance's sizes (d, m, p) and
// workload come from its files; validation uses them, and a flag that
// contradicts them exits 2 naming the flag and the file.
func TestLoadInstanceFromFiles(t *testing.T) {
	observed, n, p := observedFraction(t, mc12)
	require.Less(t, p, 0.9, "the --p 0.9 row needs a mask observing another fraction")
	a, err := npy.ReadFile(filepath.Join(ms50, "A.npy"))
	require.NoError(t, err)
	m, d := a.Shape[0], a.Shape[1] // A.npy is (m, d, d)

	tests := []struct {
		name     string
		args     []string
		code     int
		workload string  // run.json's config.workload when code is 0
		d        int     // and its config.d
		p        float64 // and config.p (mc), 0 when not mc
		m        int     // and config.m (ms), 0 when not ms
		stderr   []string
	}{
		// d = 8 from target.npy: 2r = 2 < 8 admits lop (the pre-load
		// check used a placeholder d = 2 and refused it).
		{"lop on the file's d", []string{"--load-instance", mfRank1, "--r", "1", "--methods", "original,lop"}, exitOK, "mf", 8, 0, 0, nil},
		// --svals 3 <= d = 8 (the placeholder d = 2 refused it).
		{"svals on the file's d", []string{"--load-instance", mfRank1, "--r", "1", "--svals", "3", "--methods", "original"}, exitOK, "mf", 8, 0, 0, nil},
		// p is the mask's observed fraction, whatever the preset says.
		{"p from the mask", []string{"--load-instance", mc12, "--workload", "mc", "--r", "1", "--methods", "compressed"}, exitOK, "mc", 6, p, 0, nil},
		{"p contradicting the mask", []string{"--load-instance", mc12, "--workload", "mc", "--r", "1", "--p", "0.9", "--methods", "compressed"}, exitUsage, "", 0, 0, 0,
			[]string{"invalid --p 0.9", filepath.Join(mc12, "mask.npy"), "observes"}},
		// mask.npy makes the folder mc without --workload.
		{"mc from the files", []string{"--load-instance", mc12, "--r", "1", "--methods", "compressed"}, exitOK, "mc", 6, p, 0, nil},
		// A.npy and y.npy make it ms (it used to train MF silently).
		{"ms from the files", []string{"--load-instance", ms50, "--r", "1", "--methods", "original"}, exitOK, "ms", d, 0, m, nil},
		{"mf contradicting A.npy", []string{"--load-instance", ms50, "--workload", "mf", "--r", "1"}, exitUsage, "", 0, 0, 0,
			[]string{"invalid --workload mf", "A.npy", "y.npy", "(ms)"}},
		{"ms contradicting mask.npy", []string{"--load-instance", mc12, "--workload", "ms", "--r", "1"}, exitUsage, "", 0, 0, 0,
			[]string{"invalid --workload ms", "mask.npy", "(mc)"}},
		{"mc on a target alone", []string{"--load-instance", mfRank1, "--workload", "mc", "--r", "1"}, exitUsage, "", 0, 0, 0,
			[]string{"invalid --workload mc", "target.npy", "(mf)", filepath.Join(mfRank1, "mask.npy")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"run", "--steps", "5", "--quiet", "--out", out}, tt.args...)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			require.Equal(t, tt.code, code, "stderr: %s", stderr.String())
			for _, s := range tt.stderr {
				require.Contains(t, stderr.String(), s)
			}
			if tt.code != exitOK {
				return
			}
			r, err := results.ReadRun(filepath.Join(out, "run.json"))
			require.NoError(t, err)
			require.Equal(t, tt.workload, r.Config.Workload)
			require.Equal(t, tt.d, r.Config.D)
			if tt.p != 0 {
				// Exact: both are observed/n in float64 (run.json keeps
				// every digit); the instance records the count itself.
				require.Equal(t, tt.p, r.Config.Float("p"))
				require.Equal(t, observed, r.Instance.Observed)
				require.Contains(t, stdout.String(), fmt.Sprintf("p=%.3g", p), "the header shows %d of %d", observed, n)
			}
			if tt.m != 0 {
				require.Equal(t, tt.m, r.Config.Int("m"))
				require.Equal(t, tt.m, r.Instance.Measurements)
			}
		})
	}
}
