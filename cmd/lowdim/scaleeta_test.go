package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/results"
)

// TestRunScaleEtaRecorded: a sparse completion instance without --eta
// trains at the default --eta-frac, and both the printed configuration and
// the run record say so and why (config.Config.EtaFrom); with --eta given
// neither does, and eta is the one given.
func TestRunScaleEtaRecorded(t *testing.T) {
	base := []string{"run", "--workload", "mc", "--d", "16", "--r", "2", "--r-hat", "4", "--p", "0.5", "--steps", "20",
		"--storage", "sparse", "--methods", "compressed", "--quiet"}
	runOnce := func(extra ...string) (string, *results.Run) {
		out := filepath.Join(t.TempDir(), "out")
		var so, se bytes.Buffer
		code := run(append(append(append([]string{}, base...), extra...), "--out", out), &so, &se)
		require.Contains(t, []int{exitOK, exitFailure}, code, se.String())
		r, err := results.ReadRun(filepath.Join(out, "run.json"))
		require.NoError(t, err)
		return so.String(), r
	}
	stdout, r := runOnce()
	require.Equal(t, config.DefaultUserEtaFrac, r.Config.EtaFrac)
	require.Contains(t, r.Config.EtaFrom, "sparse completion instance")
	require.Contains(t, stdout, "0.8 of the stable learning rate")
	require.Contains(t, stdout, "(--eta-frac 0.8 is the default for a sparse completion instance")
	require.InDelta(t, 0.8*r.Instance.StableEta, r.Config.Eta, 1e-12*r.Config.Eta)

	stdout, r = runOnce("--eta", "1.5")
	require.Zero(t, r.Config.EtaFrac)
	require.Empty(t, r.Config.EtaFrom)
	require.Equal(t, 1.5, r.Config.Eta)
	require.NotContains(t, stdout, "stable learning rate")
}
