package trainer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// sampledProblem draws a rank-r d x d completion problem observed at fraction p.
func sampledProblem(t testing.TB, d, r int, p float64, seed uint64) *workloads.MC {
	rng := rand.New(rand.NewPCG(seed, 1))
	target, err := workloads.Top(d, r, rng)
	require.NoError(t, err)
	mask, err := workloads.SampleMask(d, d, p, rng)
	require.NoError(t, err)
	w, err := workloads.NewMC(target, mask)
	require.NoError(t, err)
	return w
}

// pair builds two identical networks of the given widths.
func pair(dims []int, seed uint64) (*dln.Network, *dln.Network) {
	a := dln.New(dln.Chain(dims...))
	b := dln.New(dln.Chain(dims...))
	a.InitOrthogonal(0.3, rand.New(rand.NewPCG(seed, 2)))
	b.InitOrthogonal(0.3, rand.New(rand.NewPCG(seed, 2)))
	return a, b
}

// sampledRelTol: the sampled and dense paths compute the same sums in
// different orders (a dot product per observed entry against a Dgemm), so
// their rounding differs by a few ulps per step; over 200 steps of a
// contracting iteration that stays below 1e-11 relative.
const sampledRelTol = 1e-11

// requireLayersClose requires every layer of b within rel (spectral norm,
// relative to a's layer) of a's.
func requireLayersClose(t *testing.T, a, b *dln.Network, rel float64) {
	t.Helper()
	for l := 0; l < a.Layers(); l++ {
		var diff mat.Dense
		diff.Sub(a.Layer(l), b.Layer(l))
		require.Less(t, mat.Norm(&diff, 2), rel*mat.Norm(a.Layer(l), 2), "layer %d", l+1)
	}
}

// TestSampledMatchesDense: the sampled MC step follows the dense step's
// trajectory (loss, recovery error, test loss) on networks of depth 2-4.
func TestSampledMatchesDense(t *testing.T) {
	for _, dims := range [][]int{{12, 3, 12}, {16, 4, 4, 16}, {10, 5, 5, 5, 10}, {9, 9, 9}} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			work := sampledProblem(t, dims[0], 2, 0.4, 7)
			a, b := pair(dims, 3)
			mult := make([]float64, len(dims)-1)
			for i := range mult {
				mult[i] = 1 + float64(i)
			}
			dense := trainer.NewDense(a, work, mult)
			sampled := trainer.NewSampledMC(b, work, mult)
			for step := 0; step < 200; step++ {
				ld, ls := dense.Evaluate(), sampled.Evaluate()
				require.InDelta(t, ld, ls, sampledRelTol*math.Abs(ld), "loss at step %d", step)
				if step%50 == 0 {
					md, ms := dense.Measure(2), sampled.Measure(2)
					require.InDelta(t, md.RecoveryError, ms.RecoveryError, sampledRelTol*md.RecoveryError, "step %d", step)
					require.InDelta(t, md.TestLoss, ms.TestLoss, sampledRelTol*md.TestLoss, "step %d", step)
					require.InDeltaSlice(t, md.SingularValues, ms.SingularValues, sampledRelTol*md.SingularValues[0])
				}
				dense.Step(0.05)
				sampled.Step(0.05)
			}
			requireLayersClose(t, a, b, sampledRelTol)
		})
	}
}

// TestSampledDetectsWrongGradient: a corrupted residual (one observed
// target value changed) makes the trajectories part, so the comparison
// above can fail.
func TestSampledDetectsWrongGradient(t *testing.T) {
	work := sampledProblem(t, 12, 2, 0.4, 7)
	_, _, vals := work.Observations()
	a, b := pair([]int{12, 3, 12}, 3)
	dense := trainer.NewDense(a, work, nil)
	vals[0] += 1e-3 // the sampled path copies the CSR values; the dense one reads the target
	sampled := trainer.NewSampledMC(b, work, nil)
	vals[0] -= 1e-3
	ld, ls := dense.Evaluate(), sampled.Evaluate()
	require.Greater(t, math.Abs(ld-ls), sampledRelTol*math.Abs(ld))
}

func TestSampledAllocatesNothing(t *testing.T) {
	work := sampledProblem(t, 64, 3, 0.3, 1)
	_, b := pair([]int{64, 8, 8, 64}, 1)
	s := trainer.NewSampledMC(b, work, []float64{2, 1, 2})
	s.Evaluate()
	require.Zero(t, testing.AllocsPerRun(20, func() {
		s.Step(1e-3)
		s.Evaluate()
	}))
}

// TestSampledParallelMatchesDense: above ParallelMinEntries the sampled step
// splits the rows into shares run on several goroutines (on a machine with
// more than one CPU) and still follows the dense step.
func TestSampledParallelMatchesDense(t *testing.T) {
	const d = 768 // 0.4 d^2 = 235929 observed entries: 3 shares
	work := sampledProblem(t, d, 3, 0.4, 5)
	_, cols, _ := work.Observations()
	require.Equal(t, 3, trainer.SampledShares(len(cols), d))
	a, b := pair([]int{d, 6, 6, d}, 9)
	dense := trainer.NewDense(a, work, nil)
	sampled := trainer.NewSampledMC(b, work, nil)
	for step := 0; step < 20; step++ {
		ld, ls := dense.Evaluate(), sampled.Evaluate()
		require.InDelta(t, ld, ls, sampledRelTol*math.Abs(ld), "loss at step %d", step)
		dense.Step(50)
		sampled.Step(50)
	}
	requireLayersClose(t, a, b, sampledRelTol)
}

// TestSampledBitIdenticalAcrossGOMAXPROCS: the shares depend on the problem
// alone, so one goroutine and several give the same bits.
func TestSampledBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	const d = 768
	work := sampledProblem(t, d, 3, 0.4, 5)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var nets []*dln.Network
	var losses [][]float64
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		net, _ := pair([]int{d, 6, 6, d}, 9)
		s := trainer.NewSampledMC(net, work, nil)
		var ls []float64
		for step := 0; step < 5; step++ {
			ls = append(ls, s.Evaluate())
			s.Step(50)
		}
		nets, losses = append(nets, net), append(losses, ls)
	}
	for i := 1; i < len(nets); i++ {
		require.Equal(t, losses[0], losses[i])
		for l := 0; l < nets[0].Layers(); l++ {
			require.True(t, mat.Equal(nets[0].Layer(l), nets[i].Layer(l)), "layer %d", l+1)
		}
	}
}

// TestSampledParallelAllocatesNothing: with several shares on several
// goroutines the sampled pass allocates nothing (the helpers are started
// once): a step allocates what its dense products at width h allocate
// (gonum's goroutine fan-out under pure Go; nothing under OpenBLAS, see
// blasbackend's tests), give or take the few wait records (sudogs) the Go
// runtime allocates for the helpers' channel and wait group until its
// caches settle, and again after each GC cycle (which gonum's allocations
// bring about): at most 20 in 100 steps, where an allocation per step
// would make 100. (testing.AllocsPerRun would set GOMAXPROCS to 1.)
func TestSampledParallelAllocatesNothing(t *testing.T) {
	const d, steps = 768, 100
	work := sampledProblem(t, d, 3, 0.4, 5)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	_, b := pair([]int{d, 6, 6, d}, 9)
	s := trainer.NewSampledMC(b, work, nil)
	for range 20 {
		s.Evaluate()
		s.Step(1)
	}
	mallocs := func(f func()) int64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range steps {
			f()
		}
		runtime.ReadMemStats(&after)
		return int64(after.Mallocs - before.Mallocs)
	}
	step := mallocs(func() { s.Evaluate(); s.Step(1) })
	products := mallocs(func() { b.ForwardInner(); b.BackwardInner() })
	require.InDelta(t, products, step, 20)
}

// TestSampledHelpersStop: the helper goroutines of a SampledMC end once it
// is unreachable.
func TestSampledHelpersStop(t *testing.T) {
	const d = 768
	work := sampledProblem(t, d, 3, 0.4, 5)
	base := runtime.NumGoroutine()
	var objs []*trainer.SampledMC
	for range 5 {
		_, b := pair([]int{d, 6, 6, d}, 9)
		s := trainer.NewSampledMC(b, work, nil)
		s.Evaluate()
		objs = append(objs, s)
	}
	require.GreaterOrEqual(t, runtime.NumGoroutine(), base+5, "the helpers were started")
	runtime.KeepAlive(objs) // from here on they are unreachable
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), base)
}

// TestSampledMethodValueKeepsHelpers: a method value holds the SampledMC,
// so its helpers are not stopped under it.
func TestSampledMethodValueKeepsHelpers(t *testing.T) {
	const d = 768
	work := sampledProblem(t, d, 3, 0.4, 5)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	_, b := pair([]int{d, 6, 6, d}, 9)
	eval := trainer.NewSampledMC(b, work, nil).Evaluate
	for range 5 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	require.NotPanics(t, func() { eval() })
}

// BenchmarkSampledScaling is the compressed sampled MC step (r = 10,
// r_hat = 20, L = 3) on factored targets with a fixed number of observed
// entries per row (160), so |O| = 160 d: its time should grow linearly in d.
// Run with -cpu=1,2 for the goroutine scaling.
func BenchmarkSampledScaling(b *testing.B) {
	const perRow, r, h = 160, 10, 20
	for _, d := range []int{1024, 4096, 16384} {
		rng := rand.New(rand.NewPCG(uint64(d), 3))
		phi, err := workloads.NewFactored(d, workloads.QuarterCircle(d, r), rng)
		require.NoError(b, err)
		rowPtr, cols, err := workloads.SampleObserved(d, d, float64(perRow)/float64(d), rng)
		require.NoError(b, err)
		work, err := workloads.NewSparseMC(phi, rowPtr, cols, rng)
		require.NoError(b, err)
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			net := dln.New(dln.Chain(d, h, h, d))
			net.InitOrthogonal(1e-2, rand.New(rand.NewPCG(1, 1)))
			obj := trainer.NewSampledMC(net, work, nil)
			obj.Evaluate()
			f0 := net.Flops()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				obj.Step(1e-9)
				obj.Evaluate()
			}
			b.StopTimer()
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(net.Flops()-f0)/sec/1e9, "GFLOP/s")
			b.ReportMetric(sec/float64(b.N)/float64(len(cols))*1e9, "ns/entry")
		})
	}
}

// TestSampledWorkspaceIsWhatItAllocates: the workspace a SampledMC reports
// is what its constructor allocates (besides the temporary counting-sort
// cursor, a few small headers and the rounding of large allocations up to
// whole 8 KiB pages: at most 2% here).
func TestSampledWorkspaceIsWhatItAllocates(t *testing.T) {
	const d, h = 300, 7
	work := sampledProblem(t, d, 3, 0.2, 11)
	_, cols, _ := work.Observations()
	net := dln.New(dln.Chain(d, h, h, d))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := trainer.NewSampledMC(net, work, nil)
	runtime.ReadMemStats(&after)
	want := trainer.SampledWorkspaceBytes(d, d, len(cols), h, true)
	require.Equal(t, net.WorkspaceBytes()+want, s.WorkspaceBytes())
	panels := (d + trainer.PanelWidth(h) - 1) / trainer.PanelWidth(h)
	got := int64(after.TotalAlloc - before.TotalAlloc)
	require.GreaterOrEqual(t, got, want)
	require.LessOrEqual(t, got, want+8*int64(panels*d)+want/50+4096)
}
