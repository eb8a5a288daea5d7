package experiment

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
)

func sparseConfig() config.Config {
	return config.Config{Workload: "mc", Storage: config.StorageSparse, D: 60, R: 3, RHat: 6, Eta: 6, Alpha: 5, Params: config.Params{"p": 0.3},
		Steps: 4000, Tol: 1e-9, Seed: 1, Methods: []string{methods.Compressed, methods.Narrow, methods.BM}}
}

// TestSparseRun: a sparse MC instance trains with the sampled step, the
// compressed network converges, and its checks pass (flops of the sampled
// step, balancedness, incremental learning).
func TestSparseRun(t *testing.T) {
	run, err := Run(sparseConfig(), Options{})
	require.NoError(t, err)
	comp := run.Method(methods.Compressed)
	require.Equal(t, results.Converged, comp.Status, comp.Message)
	require.Equal(t, config.PathSampled, comp.Path)
	require.Less(t, *comp.FinalError, 1e-2)
	for _, c := range run.Checks {
		require.NotEqual(t, results.Fail, c.Status, "%s %s: %s", c.Name, c.Method, c.Detail)
	}
}

// TestSparseSpectra: top and spread give different sparse targets, both
// with the requested rank.
func TestSparseSpectra(t *testing.T) {
	c := sparseConfig().WithDefaults()
	spread, err := instance.Build(c)
	require.NoError(t, err)
	c.Spectrum = "top"
	top, err := instance.Build(c)
	require.NoError(t, err)
	require.Len(t, spread.Factored.S, 3)
	require.Len(t, top.Factored.S, 3)
	require.NotEqual(t, spread.Factored.S, top.Factored.S)
	require.Greater(t, top.Factored.S[2], spread.Factored.S[2], "the top r values decrease more slowly")
}

// TestSparseRefusesDenseNetworks: the original and lop networks form a
// d x d matrix, which a sparse instance does not hold.
func TestSparseRefusesDenseNetworks(t *testing.T) {
	c := sparseConfig()
	c.Methods = []string{methods.Original, methods.Compressed}
	_, err := Run(c, Options{})
	var ce *config.ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Equal(t, "methods", ce.Flag)
}
