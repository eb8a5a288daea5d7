package trainer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/trainer/steptest"
	"github.com/lowdim/lowdim/workloads"
)

// TestSampledMCConformance: gradient, reference trajectory and
// measurements, allocations, flops and shape panics (trainer/steptest), on
// problems with one share (the parallel pass is tested below).
func TestSampledMCConformance(t *testing.T) { steptest.Run(t, steptest.SampledMC) }

// sampledProblem draws a d x d completion problem observed at fraction p
// whose target has the r singular values workloads.QuarterCircle(d, r) (the
// scale of workloads.Top's, without its O(d^3) SVD).
func sampledProblem(t testing.TB, d, r int, p float64, seed uint64) *workloads.MC {
	rng := rand.New(rand.NewPCG(seed, 1))
	target := steptest.Target(d, d, workloads.QuarterCircle(d, r), rng)
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

// parallelD is the size of the problems with several shares: 0.4 d^2 =
// 235929 observed entries make 3 shares (SampledShares).
const parallelD = 768

// sampledRelTol: the sampled and dense paths compute the same sums in
// different orders (a dot product per observed entry against a Dgemm, in
// shares), so their rounding differs by a few ulps per step; over the 20
// steps of a contracting iteration below that stays far below 1e-11
// relative.
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

// TestSampledParallelMatchesDense: above ParallelMinEntries the sampled step
// splits the rows into shares run on several goroutines (on a machine with
// more than one CPU) and still follows the dense step.
func TestSampledParallelMatchesDense(t *testing.T) {
	const d = parallelD
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
	const d = parallelD
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
	const d, steps = parallelD, 100
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
	// The runtime's share varies with when GC cycles fall (CI once saw 32
	// in 100 steps): the closest of three rounds is held to 20. A real
	// allocation per step adds 100 to every round.
	var diffs []int64
	for range 3 {
		step := mallocs(func() { s.Evaluate(); s.Step(1) })
		products := mallocs(func() { b.ForwardInner(); b.BackwardInner() })
		diffs = append(diffs, step-products)
	}
	closest := diffs[0]
	for _, d := range diffs[1:] {
		if abs64(d) < abs64(closest) {
			closest = d
		}
	}
	require.LessOrEqual(t, abs64(closest), int64(20), "mallocs of 100 steps beyond the products' own, in three rounds: %v", diffs)
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// gcRounds bounds the garbage collections a test waits through for a
// cleanup, and yields the scheduling yields after each: runtime.GC returns
// once the cycle (sweep included) is done, so the cleanup of a handle that
// was unreachable when it started is queued by then; the yields let the
// cleanup goroutine close the jobs channel and the helpers see it. A correct
// SampledMC takes one or two rounds; the bound counts cycles, not time.
const gcRounds, yields = 100, 100

// collectUntil runs up to rounds garbage collections, yielding after each,
// until done holds, and reports whether it did.
func collectUntil(rounds int, done func() bool) bool {
	for range rounds {
		runtime.GC()
		for range yields {
			if done() {
				return true
			}
			runtime.Gosched()
		}
	}
	return done()
}

// TestSampledHelpersStop: the helper goroutines of a SampledMC stop once it
// is unreachable, all of them and each once; the test fails if they have not
// after gcRounds collections.
func TestSampledHelpersStop(t *testing.T) {
	work := sampledProblem(t, parallelD, 3, 0.4, 5)
	helpers := trainer.SampledShares(work.Observed(), parallelD) - 1
	require.Equal(t, 2, helpers)
	var ids []trainer.Helpers
	func() {
		for range 5 {
			_, b := pair([]int{parallelD, 6, 6, parallelD}, 9)
			s := trainer.NewSampledMC(b, work, nil)
			s.Evaluate()
			ids = append(ids, trainer.HelpersOf(s))
		}
	}() // the SampledMCs are unreachable from here on
	allStopped := func() bool {
		for _, id := range ids {
			if id.Stopped() < helpers {
				return false
			}
		}
		return true
	}
	require.True(t, collectUntil(gcRounds, allStopped), "helpers still running after %d collections", gcRounds)
	for i, id := range ids {
		require.Equal(t, helpers, id.Stopped(), "SampledMC %d", i)
	}
}

// TestSampledMethodValueKeepsHelpers: a method value holds the SampledMC,
// so its helpers are not stopped under it. A control SampledMC made at the
// same time and dropped shows that the collections that would have stopped
// them did run: had the method value not held its SampledMC, both would
// have become unreachable together and both cleanups queued by the same
// cycle. Once the method value is dropped, its helpers stop too.
func TestSampledMethodValueKeepsHelpers(t *testing.T) {
	work := sampledProblem(t, parallelD, 3, 0.4, 5)
	helpers := trainer.SampledShares(work.Observed(), parallelD) - 1
	// Several procs, so that Evaluate hands shares to the helpers (and would
	// panic on a closed jobs channel).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var eval func() float64
	var held, control trainer.Helpers
	func() {
		_, b := pair([]int{parallelD, 6, 6, parallelD}, 9)
		s := trainer.NewSampledMC(b, work, nil)
		eval, held = s.Evaluate, trainer.HelpersOf(s)
		_, c := pair([]int{parallelD, 6, 6, parallelD}, 9)
		control = trainer.HelpersOf(trainer.NewSampledMC(c, work, nil))
	}()
	require.True(t, collectUntil(gcRounds, func() bool { return control.Stopped() == helpers }),
		"the control's helpers still running after %d collections", gcRounds)
	// A cleanup queued in the control's cycle would have run within a few
	// more rounds.
	require.False(t, collectUntil(5, func() bool { return held.Stopped() > 0 }), "helpers stopped under a method value")
	var loss float64
	require.NotPanics(t, func() { loss = eval() })
	require.False(t, math.IsNaN(loss))
	eval = nil
	require.True(t, collectUntil(gcRounds, func() bool { return held.Stopped() == helpers }),
		"helpers still running after %d collections without the method value", gcRounds)
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
