//go:build openblas

package blasbackend_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/blasbackend"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/randmat"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// agreeRel bounds the relative difference between the two backends'
// trajectories. Each product differs by rounding only (a few ulps, from a
// different summation order); a few hundred gradient steps from a small
// initialization amplify that by orders of magnitude but stay far from
// 1e-10 (observed here: below 5e-14).
const agreeRel = 1e-10

// useGonum makes gonum's pure-Go implementation blas64's for the rest of
// the test and restores the previous one after it. Tests that call it must
// not run in parallel: blas64's implementation is a global.
func useGonum(t *testing.T) {
	prev := blas64.Implementation()
	blas64.Use(gonum.Implementation{})
	t.Cleanup(func() { blas64.Use(prev) })
}

// TestBackendsAgree trains the quick preset's three workloads (every
// default method) for a few hundred steps with OpenBLAS and with gonum's
// pure Go, and compares the trajectories.
func TestBackendsAgree(t *testing.T) {
	testenv.SkipIfShort(t, "trains three workloads twice")
	p, err := config.LookupPreset("quick")
	require.NoError(t, err)
	for _, c := range p.Runs {
		c.Steps, c.Tol, c.Every = 300, 0, 25
		t.Run(c.Name, func(t *testing.T) {
			require.IsType(t, blasbackend.OpenBLAS{}, blas64.Implementation())
			fast := train(t, c)
			t.Run("gonum", func(t *testing.T) {
				useGonum(t)
				slow := train(t, c)
				worst, where := compareRuns(t, slow, fast)
				if worst > agreeRel {
					t.Fatalf("%s: relative difference %.3g > %g", where, worst, agreeRel)
				}
				t.Logf("largest relative difference %.3g (%s)", worst, where)
			})
		})
	}
}

// TestCompareRunsFails: the comparison sees a change of 1e-9 in the
// learning rate, on one backend.
func TestCompareRunsFails(t *testing.T) {
	p, err := config.LookupPreset("quick")
	require.NoError(t, err)
	c := p.Runs[0]
	c.Steps, c.Tol, c.Every = 100, 0, 25
	a := train(t, c)
	c.Eta *= 1 + 1e-9
	b := train(t, c)
	worst, where := compareRuns(t, a, b)
	require.Greater(t, worst, agreeRel, where)
}

func train(t *testing.T, c config.Config) *results.Run {
	t.Helper()
	run, err := experiment.Run(c, experiment.Options{})
	require.NoError(t, err)
	return run
}

// compareRuns checks that a and b trained the same methods for the same
// steps and returns the largest relative difference between their
// checkpoints' training loss, recovery error and test loss, and where it is.
func compareRuns(t *testing.T, a, b *results.Run) (worst float64, where string) {
	t.Helper()
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
			for _, v := range []struct {
				what string
				x, y float64
			}{
				{"train loss", ca.TrainLoss, cb.TrainLoss},
				{"recovery error", ca.RecoveryError, cb.RecoveryError},
				{"test loss", ca.TestLoss, cb.TestLoss},
			} {
				if d := relDiff(v.x, v.y); d > worst || math.IsNaN(d) {
					worst = d
					where = fmt.Sprintf("%s step %d %s: %v vs %v", ma.Method, ca.Step, v.what, v.x, v.y)
				}
			}
		}
	}
	return worst, where
}

// relDiff is |x - y| / max(|x|, |y|), 0 when both are 0.
func relDiff(x, y float64) float64 {
	m := max(math.Abs(x), math.Abs(y))
	if m == 0 {
		return 0
	}
	return math.Abs(x-y) / m
}

// TestOpenBLASAllocatesNothing: the overrides pass pointers, not copies.
func TestOpenBLASAllocatesNothing(t *testing.T) {
	impl := blasbackend.OpenBLAS{}
	const n = 200
	a, b, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	x, y := make([]float64, n), make([]float64, n)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Dgemm", func() { impl.Dgemm(blas.NoTrans, blas.Trans, n, n, n, 1, a, n, b, n, 0, c, n) }},
		{"Dgemv", func() { impl.Dgemv(blas.Trans, n, n, 1, a, n, x, 1, 0, y, -1) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Zero(t, testing.AllocsPerRun(20, tt.f))
		})
	}
}

// TestDLNStepAllocatesNothing: with OpenBLAS a whole training step of a
// d = 256 network allocates nothing (gonum's Dgemm would start goroutines
// at this size).
func TestDLNStepAllocatesNothing(t *testing.T) {
	const d, rh = 256, 16
	rng := rand.New(rand.NewPCG(seed, 3))
	target := mat.NewDense(d, d, nil)
	randmat.Gaussian(target, 1, rng)
	mf, err := workloads.NewMF(target, workloads.Mean)
	require.NoError(t, err)
	for _, dims := range [][]int{{d, d, d, d}, {d, rh, rh, d}} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			net := dln.New(dln.Chain(dims...))
			net.InitOrthogonal(0.1, rng)
			g := mat.NewDense(d, d, nil)
			mult := []float64{2, 1, 2}
			allocs := testing.AllocsPerRun(10, func() {
				mf.Gradient(g, net.Forward())
				net.Backward(g)
				net.Step(1e-3, mult)
			})
			require.Zero(t, allocs)
		})
	}
}

// TestObjectivesAllocateNothing: with OpenBLAS the factored MF step and the
// sampled MC step (several shares on two goroutines) allocate nothing. The
// Go runtime allocates a few wait records (sudogs) of its own when the
// helpers block and wake, until its per-P caches settle, and again after a
// GC cycle empties them: so the test allows 5 mallocs in 100 steps, where
// an allocation per step would make 100. (testing.AllocsPerRun would set
// GOMAXPROCS to 1; mallocs are counted here.)
func TestObjectivesAllocateNothing(t *testing.T) {
	const d, rh, steps = 768, 8, 100
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	rng := rand.New(rand.NewPCG(seed, 5))
	target, err := workloads.Top(d, 3, rng)
	require.NoError(t, err)
	mask, err := workloads.SampleMask(d, d, 0.4, rng)
	require.NoError(t, err)
	mc, err := workloads.NewMC(target, mask)
	require.NoError(t, err)
	mf, err := workloads.NewMF(target, workloads.Sum)
	require.NoError(t, err)
	_, cols, _ := mc.Observations()
	require.Greater(t, trainer.SampledShares(len(cols), d), 1)
	for name, mk := range map[string]func(*dln.Network) trainer.Objective{
		"sampled":  func(n *dln.Network) trainer.Objective { return trainer.NewSampledMC(n, mc, nil) },
		"factored": func(n *dln.Network) trainer.Objective { return trainer.NewFactoredMF(n, mf, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			net := dln.New(dln.Chain(d, rh, rh, d))
			net.InitOrthogonal(0.1, rng)
			obj := mk(net)
			runtime.GC()
			for range 20 {
				obj.Evaluate()
				obj.Step(1e-6)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range steps {
				obj.Evaluate()
				obj.Step(1e-6)
			}
			runtime.ReadMemStats(&after)
			require.LessOrEqual(t, after.Mallocs-before.Mallocs, uint64(5))
		})
	}
}

// TestThreadsFollowGOMAXPROCS: OpenBLAS's thread count follows GOMAXPROCS,
// so that go test -cpu=1,2 bounds its products.
func TestThreadsFollowGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	a := []float64{1, 2, 3, 4}
	c := make([]float64, 4)
	for _, n := range []int{1, 2} {
		runtime.GOMAXPROCS(n)
		blasbackend.OpenBLAS{}.Dgemm(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2)
		require.Contains(t, blasbackend.Detail(), fmt.Sprintf("; %d threads", n))
	}
}
