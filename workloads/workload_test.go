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
