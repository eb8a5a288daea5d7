package workloads_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

func TestRecoveryError(t *testing.T) {
	for _, tc := range []struct {
		name      string
		w, target *mat.Dense
		want      float64
	}{
		// ||Phi||_F = 5 in the diagonal cases.
		{"exact", mat.NewDense(2, 2, []float64{3, 0, 0, 4}), mat.NewDense(2, 2, []float64{3, 0, 0, 4}), 0},
		{"zero W", mat.NewDense(2, 2, nil), mat.NewDense(2, 2, []float64{3, 0, 0, 4}), 1},
		// W - Phi = [0 3; 4 0]: 5/5
		{"off-diagonal error", mat.NewDense(2, 2, []float64{3, 3, 4, 4}), mat.NewDense(2, 2, []float64{3, 0, 0, 4}), 1},
		// W - Phi = [1 0; 0 0]: 1/5
		{"one entry", mat.NewDense(2, 2, []float64{4, 0, 0, 4}), mat.NewDense(2, 2, []float64{3, 0, 0, 4}), 0.2},
		// Phi = [1 2 2] (norm 3), W - Phi = [0 0 -3]: 3/3
		{"rectangular", mat.NewDense(1, 3, []float64{1, 2, -1}), mat.NewDense(1, 3, []float64{1, 2, 2}), 1},
		// zero target: ||W||_F = sqrt(9 + 16)
		{"zero target", mat.NewDense(2, 2, []float64{3, 4, 0, 0}), mat.NewDense(2, 2, nil), 5},
		{"zero target and W", mat.NewDense(2, 2, nil), mat.NewDense(2, 2, nil), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireClose(t, "recovery error", workloads.RecoveryError(tc.w, tc.target), tc.want, 0, handTol)
		})
	}
}

// TestRecoveryErrorViews: views with stride != cols give the same value as
// their contiguous copies (bit for bit: same operations in the same order).
func TestRecoveryErrorViews(t *testing.T) {
	rng := newRNG(41)
	a, b := gaussian(6, 8, rng), gaussian(7, 9, rng)
	w := a.Slice(1, 5, 2, 7).(*mat.Dense)
	phi := b.Slice(2, 6, 1, 6).(*mat.Dense)
	require.Equal(t, workloads.RecoveryError(mat.DenseCopyOf(w), mat.DenseCopyOf(phi)), workloads.RecoveryError(w, phi))
}

func TestRecoveryErrorPanics(t *testing.T) {
	requireShapePanic(t, "2x2 vs 2x3", func() {
		workloads.RecoveryError(mat.NewDense(2, 2, nil), mat.NewDense(2, 3, nil))
	})
	requireShapePanic(t, "3x2 vs 2x3", func() {
		workloads.RecoveryError(mat.NewDense(3, 2, nil), mat.NewDense(2, 3, nil))
	})
}

// TestAllocations: Loss, Gradient, TestLoss and RecoveryError allocate
// nothing on a 32 x 32 problem (the package's contract).
func TestAllocations(t *testing.T) {
	const d = 32
	rng := newRNG(42)
	ws := everyWorkload(t, d, 0.3, 100, 0.01, rng)
	w := gaussian(d, d, rng)
	dst := mat.NewDense(d, d, nil)
	for _, tc := range []struct {
		name string
		work workloads.Workload
	}{{"mf-mean", ws["mf-mean"]}, {"mf-sum", ws["mf-sum"]}, {"mc", ws["mc"]}, {"mc-held-out", ws["mc-held-out"]}, {"ms", ws["ms"]}} {
		t.Run(tc.name, func(t *testing.T) {
			require.Zero(t, testing.AllocsPerRun(20, func() { tc.work.Loss(w) }), "Loss")
			require.Zero(t, testing.AllocsPerRun(20, func() { tc.work.Gradient(dst, w) }), "Gradient")
			require.Zero(t, testing.AllocsPerRun(20, func() { workloads.RecoveryError(w, tc.work.Target()) }), "RecoveryError")
			require.Zero(t, testing.AllocsPerRun(20, func() { workloads.Recovery(tc.work, w) }), "Recovery")
			if tl, ok := tc.work.(workloads.TestLosser); ok {
				require.Zero(t, testing.AllocsPerRun(20, func() { tl.TestLoss(w) }), "TestLoss")
			}
		})
	}
}

// TestBytes: the memory each workload reports, 8 bytes per float64 held.
func TestBytes(t *testing.T) {
	const d, m = 6, 10
	ws := everyWorkload(t, d, 0.5, m, 0, newRNG(43))
	for _, tc := range []struct {
		name string
		work workloads.Workload
		want int64
	}{
		// target
		{"mf", ws["mf-mean"], 8 * d * d},
		// target, mask, surrogate
		// plus the CSR observations: d+1 row pointers (8 bytes), and per
		// observed entry (floor(0.5 d^2) = 18) a 4-byte column and an
		// 8-byte value
		{"mc", ws["mc"], 3*8*d*d + 8*(d+1) + 12*(d*d/2)},
		// and the held-out mask
		{"mc-held-out", ws["mc-held-out"], 4*8*d*d + 8*(d+1) + 12*(d*d/2)},
		// target, surrogate, staging buffer, operator m x d^2, y and the residual workspace
		{"ms", ws["ms"], 3*8*d*d + 8*m*d*d + 2*8*m}, // + the staging buffer for views
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.work.Bytes())
		})
	}
}

// TestWorkloadsAcceptViews: a W that is a view into a larger matrix
// (stride != cols) has the right shape, so every workload's Loss and
// Gradient must accept it (the package panics only on a wrong shape) and
// give what its contiguous copy gives.
//
// MF and MC pass. MS fails at the time of writing: MS.Gradient views W as a
// vector with vec, which panics with ErrShape ("matrix is not contiguous")
// on a view; see the report.
func TestWorkloadsAcceptViews(t *testing.T) {
	const d = 5
	rng := newRNG(44)
	ws := everyWorkload(t, d, 0.5, 30, 0, rng)

	big := gaussian(d+2, d+3, rng)
	view := big.Slice(1, 1+d, 2, 2+d).(*mat.Dense)
	cp := mat.DenseCopyOf(view)
	for _, tc := range []struct {
		name string
		work workloads.Workload
	}{{"mf", ws["mf-mean"]}, {"mc", ws["mc"]}, {"mc-held-out", ws["mc-held-out"]}, {"ms", ws["ms"]}} {
		t.Run(tc.name, func(t *testing.T) {
			noPanic(t, "Recovery of a view", func() {
				require.Equal(t, workloads.Recovery(tc.work, cp), workloads.Recovery(tc.work, view))
			})
			want := tc.work.Loss(cp)
			wantG := mat.NewDense(d, d, nil)
			tc.work.Gradient(wantG, cp)
			noPanic(t, "Loss of a view", func() {
				// Same values, same operations: bit-identical.
				require.Equal(t, want, tc.work.Loss(view))
			})
			noPanic(t, "Gradient of a view", func() {
				g := nanDense(d, d)
				require.Equal(t, want, tc.work.Gradient(g, view))
				require.Equal(t, wantG.RawMatrix().Data, g.RawMatrix().Data)
			})
		})
	}
}

// everyWorkload returns, by name, each workload on one d x d Gaussian
// target: MF with the mean and the sum loss ("mf-mean", "mf-sum"), MC
// observing a fraction p ("mc") and the same with the diagonal's
// unobserved entries held out ("mc-held-out"), MS with m measurements of
// the given noise ("ms").
func everyWorkload(t *testing.T, d int, p float64, m int, noise float64, rng *rand.Rand) map[string]workloads.Workload {
	t.Helper()
	phi := gaussian(d, d, rng)
	mfMean, err := workloads.NewMF(phi, workloads.Mean)
	require.NoError(t, err)
	mfSum, err := workloads.NewMF(phi, workloads.Sum)
	require.NoError(t, err)
	mask, err := workloads.SampleMask(d, d, p, rng)
	require.NoError(t, err)
	mc, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	held := mat.NewDense(d, d, nil)
	for i := range d {
		if mask.At(i, i) == 0 {
			held.Set(i, i, 1)
		}
	}
	mcHeld, err := workloads.NewMCHeldOut(phi, mask, held)
	require.NoError(t, err)
	op, y, err := workloads.SampleSensing(phi, m, noise, rng)
	require.NoError(t, err)
	ms, err := workloads.NewMS(phi, op, y)
	require.NoError(t, err)
	return map[string]workloads.Workload{"mf-mean": mfMean, "mf-sum": mfSum, "mc": mc, "mc-held-out": mcHeld, "ms": ms}
}

// TestScale: the curvature each workload reports, and its meaning: the
// exact quadratic term of the loss along a direction D, averaged over
// random Gaussian directions, is Scale ||D||^2 / 2.
func TestScale(t *testing.T) {
	const d = 12
	ws := everyWorkload(t, d, 0.5, 150, 0, newRNG(45))
	requireClose(t, "mf-mean", ws["mf-mean"].(workloads.Scaler).Scale(), 1.0/(d*d), 0, 1e-15)
	requireClose(t, "mf-sum", ws["mf-sum"].(workloads.Scaler).Scale(), 1, 0, 0)
	requireClose(t, "mc", ws["mc"].(workloads.Scaler).Scale(), 1.0/(d*d), 0, 1e-15)
	// SampleSensing's N(0, 1/m^2) entries: ||A||_F^2 ~ m d^2 / m^2, so
	// about 1/m (chi-square with m d^2 degrees: 0.4% relative spread).
	requireClose(t, "ms", ws["ms"].(workloads.Scaler).Scale(), 1.0/150, 0, 0.03)
	for _, name := range []string{"mf-mean", "mf-sum", "mc", "ms"} {
		work := ws[name]
		rng := newRNG(46)
		w := gaussian(d, d, rng)
		f0 := work.Loss(w)
		g := mat.NewDense(d, d, nil)
		work.Gradient(g, w)
		var sum float64
		const n = 400
		for range n {
			dir := gaussian(d, d, rng)
			var wd mat.Dense
			wd.Add(w, dir)
			// The losses are quadratic: the remainder is exactly the
			// quadratic term, ||D||^2 = d^2 in expectation.
			sum += 2 * (work.Loss(&wd) - f0 - frobDot(g, dir)) / frobDot(dir, dir)
		}
		requireClose(t, name+": mean curvature over random directions", sum/n, work.(workloads.Scaler).Scale(), 0, 0.1)
	}
}

// TestTargetTop: the randomized estimate of the target's top singular
// value: the surrogate's against an SVD for MF and MC (lower bounds), the
// target's for MS within the sampling error of the operator, and for a
// sparse MC (whose surrogate is never formed) the dense MC's of the same
// entries.
func TestTargetTop(t *testing.T) {
	ws := everyWorkload(t, 40, 0.5, 800, 0, newRNG(47))
	for _, name := range []string{"mf-mean", "mc"} {
		got, err := workloads.TargetTop(ws[name], newRNG(48))
		require.NoError(t, err)
		// Gaussian targets have no gap at the top (the hardest case):
		// still within 1e-3, and a lower bound.
		want := svdValues(t, ws[name].Surrogate())[0]
		requireClose(t, name, got, want, 0, 1e-3)
		require.LessOrEqual(t, got, want*(1+1e-12), name)
	}
	// MS: TargetTop is the surrogate's top value times m/Scale; on a
	// rank-2 target with values 10 and 6 and 4 d^2 measurements, it
	// estimates s1 = 10 to within the operator's sampling error.
	got, err := workloads.TargetTop(ws["ms"], newRNG(48))
	require.NoError(t, err)
	sur := svdValues(t, ws["ms"].Surrogate())[0]
	requireClose(t, "ms: the surrogate's, times m/Scale", got, sur*800/ws["ms"].(workloads.Scaler).Scale(), 0, 1e-3)
	lowRank, err := workloads.WithValues(16, []float64{10, 6}, newRNG(50))
	require.NoError(t, err)
	op, y, err := workloads.SampleSensing(lowRank, 4*16*16, 0, newRNG(51))
	require.NoError(t, err)
	ms, err := workloads.NewMS(lowRank, op, y)
	require.NoError(t, err)
	got, err = workloads.TargetTop(ms, newRNG(52))
	require.NoError(t, err)
	requireClose(t, "ms on a rank-2 target", got, 10, 0, 0.15)
	t.Logf("ms: rank-2 target, s1 = 10, estimate %.4g", got)

	const d = 64
	sp, phi := sparseProblem(t, d, 4, 0.3)
	rowPtr, cols, _ := sp.Observations()
	target := mat.NewDense(d, d, nil)
	mask := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			target.Set(i, j, phi.At(i, j))
		}
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			mask.Set(i, int(cols[k]), 1)
		}
	}
	dense, err := workloads.NewMC(target, mask)
	require.NoError(t, err)
	want := svdValues(t, dense.Surrogate())[0]
	got, err = workloads.TargetTop(sp, newRNG(49))
	require.NoError(t, err)
	requireClose(t, "sparse mc", got, want, 0, 1e-3)
	require.LessOrEqual(t, got, want*(1+1e-12))
	require.Equal(t, dense.Scale(), sp.Scale())
}

// frobDot returns the Frobenius inner product sum_ij a_ij b_ij.
func frobDot(a, b *mat.Dense) float64 {
	var p mat.Dense
	p.MulElem(a, b)
	return mat.Sum(&p)
}
