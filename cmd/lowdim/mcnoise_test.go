package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
)

// mcGoldenRuns are the runs of testdata/mc_noise0_golden_gonum.json: each
// method's trajectory (step, train loss, recovery error, test loss) as the
// lowdim of the commit before mc had observation noise (cefe3a6, the gonum
// backend on amd64) wrote it, run with these flags and the seed 3.
var mcGoldenRuns = map[string][]string{
	"dense":   {"--methods", "original,compressed", "--path", "dense"},
	"sampled": {"--methods", "compressed,narrow"},
	"sparse":  {"--storage", "sparse", "--methods", "compressed"},
}

// TestMCNoiseZeroBitIdentical: mc without --noise and with --noise 0
// trains bit for bit alike, and, with the gonum backend on amd64, as before
// mc had noise (dense, sampled and sparse paths: the golden trajectories);
// --noise 0.05 changes every method's training loss. The golden figures
// hold for one backend and architecture only: OpenBLAS picks its kernels
// by CPU, and Go fuses multiply-adds on arm64, each changing the last
// bits; so does the sampled step's AVX2/FMA kernel (summation order and
// fused multiply-adds), whose 1-ulp differences this chaotic run (eta 6)
// amplifies after 250 steps: the golden trajectories are the portable
// loop's, checked in make test's purego pass.
func TestMCNoiseZeroBitIdentical(t *testing.T) {
	var golden map[string]map[string][][]float64
	if machine.BLASBackend == "gonum" && runtime.GOARCH == "amd64" && trainer.SampledKernel() == "go" {
		b, err := os.ReadFile("testdata/mc_noise0_golden_gonum.json")
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &golden))
		require.Len(t, golden, len(mcGoldenRuns))
	} else {
		t.Logf("backend %s on %s, sampled kernel %s: the trajectories are compared with each other, not with the gonum/amd64 portable-loop golden ones", machine.BLASBackend, runtime.GOARCH, trainer.SampledKernel())
	}
	base := []string{"run", "--workload", "mc", "--d", "16", "--r", "2", "--r-hat", "4", "--p", "0.5", "--steps", "800",
		"--every", "50", "--seed", "3", "--eta", "6", "--quiet"}
	traj := func(t *testing.T, args ...string) map[string][][]float64 {
		out := filepath.Join(t.TempDir(), "out")
		var so, se bytes.Buffer
		code := run(append(append(append([]string{}, base...), args...), "--out", out), &so, &se)
		require.Contains(t, []int{exitOK, exitFailure}, code, se.String())
		r, err := results.ReadRun(filepath.Join(out, "run.json"))
		require.NoError(t, err)
		got := map[string][][]float64{}
		for _, m := range r.Methods {
			for _, c := range m.Trajectory {
				got[m.Method] = append(got[m.Method], []float64{float64(c.Step), c.TrainLoss, c.RecoveryError, c.TestLoss})
			}
		}
		return got
	}
	for name, args := range mcGoldenRuns {
		t.Run(name, func(t *testing.T) {
			want := traj(t, args...)
			if golden != nil {
				require.Equal(t, golden[name], want, "no --noise, against the commit before mc had noise")
			}
			require.Equal(t, want, traj(t, append(args, "--noise", "0")...), "--noise 0")
			noisy := traj(t, append(args, "--noise", "0.05")...)
			for m, w := range want {
				require.NotEqual(t, w[0][1], noisy[m][0][1], "%s: the initial training loss with noise", m)
			}
		})
	}
}
