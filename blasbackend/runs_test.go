package blasbackend_test

// Whole training runs under the active backend: the helpers that train the
// quick preset and compare runs, and the determinism test that holds both
// backends to bit-identical results at any GOMAXPROCS.

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/results"
)

// determinismSteps is the length of the runs of TestDeterministicAcrossGOMAXPROCS:
// every step does the products of a full run (the forward and backward
// products, the MS operator's two Dgemv), so a few hundred steps give
// every thread-dependent rounding room to show.
const determinismSteps = 300

// TestDeterministicAcrossGOMAXPROCS trains the quick preset's runs (one per
// workload, every default method) at GOMAXPROCS 1, 2 and 3 with the active
// backend and requires every recorded value (training loss, recovery
// error, test loss, singular values at every checkpoint, and the summaries)
// to be bit-identical to those at GOMAXPROCS 1. GOMAXPROCS 3 exceeds the
// two cores of the development machine on purpose: a thread count that is
// not a divisor of the sizes splits them unevenly.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	testenv.SkipIfShort(t, "trains three workloads three times")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	p, err := config.LookupPreset("quick")
	require.NoError(t, err)
	for _, c := range p.Runs {
		c.Steps, c.Tol, c.Every = determinismSteps, 0, 25
		t.Run(c.Name, func(t *testing.T) {
			var ref *results.Run
			for _, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				run := train(t, c)
				if ref == nil {
					ref = run
					continue
				}
				if n, total, first := diffBits(t, ref, run); n > 0 {
					t.Errorf("GOMAXPROCS=%d: %d of %d values differ from GOMAXPROCS=1; first: %s", procs, n, total, first)
				}
			}
		})
	}
}

func train(t *testing.T, c config.Config) *results.Run {
	t.Helper()
	run, err := experiment.Run(c, experiment.Options{})
	require.NoError(t, err)
	return run
}

// diffBits checks that a and b trained the same methods for the same steps
// and counts the recorded values whose bits differ, out of total, with the
// first such value.
func diffBits(t *testing.T, a, b *results.Run) (n, total int, first string) {
	t.Helper()
	cmp := func(what string, x, y float64) {
		total++
		if math.Float64bits(x) != math.Float64bits(y) {
			if n == 0 {
				first = fmt.Sprintf("%s: %v vs %v (relative %.3g)", what, x, y, relDiff(x, y))
			}
			n++
		}
	}
	opt := func(what string, x, y *float64) {
		require.Equal(t, x == nil, y == nil, what)
		if x != nil {
			cmp(what, *x, *y)
		}
	}
	require.Equal(t, len(a.Methods), len(b.Methods))
	for i, ma := range a.Methods {
		mb := b.Methods[i]
		require.Equal(t, ma.Method, mb.Method)
		require.Equal(t, ma.Status, mb.Status, ma.Method)
		require.Equal(t, ma.Steps, mb.Steps, ma.Method)
		require.Equal(t, ma.StepsToTol, mb.StepsToTol, ma.Method)
		opt(ma.Method+" final error", ma.FinalError, mb.FinalError)
		opt(ma.Method+" best error", ma.BestError, mb.BestError)
		opt(ma.Method+" final train loss", ma.FinalTrainLoss, mb.FinalTrainLoss)
		require.Equal(t, len(ma.Trajectory), len(mb.Trajectory), ma.Method)
		for j, ca := range ma.Trajectory {
			cb := mb.Trajectory[j]
			require.Equal(t, ca.Step, cb.Step)
			at := fmt.Sprintf("%s step %d", ma.Method, ca.Step)
			cmp(at+" train loss", ca.TrainLoss, cb.TrainLoss)
			cmp(at+" recovery error", ca.RecoveryError, cb.RecoveryError)
			require.Equal(t, ca.HasTestLoss, cb.HasTestLoss, at)
			cmp(at+" test loss", ca.TestLoss, cb.TestLoss)
			require.Equal(t, len(ca.SingularValues), len(cb.SingularValues), at)
			for k := range ca.SingularValues {
				cmp(fmt.Sprintf("%s singular value %d", at, k), ca.SingularValues[k], cb.SingularValues[k])
			}
		}
	}
	return n, total, first
}

// quantities are the recorded values compareRuns compares.
var quantities = []string{"train loss", "recovery error", "test loss"}

// worstDiff is the largest relative difference of one quantity and where
// it is.
type worstDiff struct {
	rel   float64
	where string
}

// compareRuns checks that a and b trained the same methods for the same
// steps and returns, per quantity, the largest relative difference between
// their checkpoints' values and where it is.
func compareRuns(t *testing.T, a, b *results.Run) map[string]worstDiff {
	t.Helper()
	worst := map[string]worstDiff{}
	require.Equal(t, len(a.Methods), len(b.Methods))
	for i, ma := range a.Methods {
		mb := b.Methods[i]
		require.Equal(t, ma.Method, mb.Method)
		require.Equal(t, ma.Status, mb.Status, ma.Method)
		require.Equal(t, ma.Steps, mb.Steps, ma.Method)
		require.Equal(t, len(ma.Trajectory), len(mb.Trajectory), ma.Method)
		for j, ca := range ma.Trajectory {
			cb := mb.Trajectory[j]
			require.Equal(t, ca.Step, cb.Step)
			for k, v := range [][2]float64{
				{ca.TrainLoss, cb.TrainLoss},
				{ca.RecoveryError, cb.RecoveryError},
				{ca.TestLoss, cb.TestLoss},
			} {
				q := quantities[k]
				if d := relDiff(v[0], v[1]); d > worst[q].rel || math.IsNaN(d) {
					worst[q] = worstDiff{d, fmt.Sprintf("%s step %d: %v vs %v", ma.Method, ca.Step, v[0], v[1])}
				}
			}
		}
	}
	return worst
}

// relDiff is |x - y| / max(|x|, |y|), 0 when both are 0.
func relDiff(x, y float64) float64 {
	m := max(math.Abs(x), math.Abs(y))
	if m == 0 {
		return 0
	}
	return math.Abs(x-y) / m
}
