package results_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/mlp/mlprun"
	"github.com/lowdim/lowdim/results"
)

// The run.json of a real short run of each kind, written by the writer the
// commands use, reads back to the run in memory, every field.

func TestReadRunLinear(t *testing.T) {
	// A small deep MF run (mean loss, eta 1 as in the paper's notebook)
	// that records singular values and reaches its tolerance.
	c := config.Config{Name: "mf", Workload: "mf", D: 20, R: 2, Eta: 1, Steps: 300, Every: 30, Tol: 1e-6, SVals: 2, Seed: 7}
	run, err := experiment.Run(c, experiment.Options{})
	require.NoError(t, err)
	require.Equal(t, results.KindLinear, run.Kind)
	b, err := results.MarshalRun(run)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "run.json")
	require.NoError(t, results.WriteFileAtomic(path, b))
	back, err := results.ReadRun(path)
	require.NoError(t, err)
	requireSameRun(t, run, back)
}

func TestReadRunMLP(t *testing.T) {
	data := t.TempDir()
	require.NoError(t, idx.WriteDir(data, idx.Synthetic(4, 6, 160, 80, 80, 2), true))
	c, err := mlprun.Preset("fmnist")
	require.NoError(t, err)
	c.Data, c.Width, c.Width2, c.RHat = data, 16, 8, 4
	c.Batch, c.Epochs, c.Every, c.LatencySeconds = 16, 1, 5, 0
	d, err := mlprun.LoadData(c)
	require.NoError(t, err)
	run, err := mlprun.Run(c, d, mlprun.Options{})
	require.NoError(t, err)
	require.Equal(t, results.KindMLP, run.Kind)
	dir := t.TempDir()
	require.NoError(t, mlprun.WriteOutputs(dir, run))
	back, err := results.ReadRun(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	requireSameRun(t, run, back)
}

// requireSameRun is require.Equal for runs whose checks may hold Absent
// figures (NaN, which is not equal to itself): the checks are compared
// with Absent equal to Absent, the rest field for field.
func requireSameRun(t *testing.T, want, got *results.Run) {
	t.Helper()
	require.Len(t, got.Checks, len(want.Checks))
	same := func(a, b float64) bool { return a == b || results.IsAbsent(a) && results.IsAbsent(b) }
	for i, w := range want.Checks {
		g := got.Checks[i]
		require.True(t, same(w.Observed, g.Observed) && same(w.Predicted, g.Predicted) && same(w.Tolerance, g.Tolerance),
			"check %d: want %+v, got %+v", i, w, g)
		w.Observed, w.Predicted, w.Tolerance = 0, 0, 0
		g.Observed, g.Predicted, g.Tolerance = 0, 0, 0
		require.Equal(t, w, g, "check %d", i)
	}
	wc, gc := *want, *got
	wc.Checks, gc.Checks = nil, nil
	require.Equal(t, &wc, &gc)
}
