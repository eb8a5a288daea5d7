package workloads_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// sparseTol: the factored error formula subtracts O(||Phi||^2) terms, so
// it agrees with the dense error to about 1e-16 ||Phi||^2 / ||W - Phi||^2
// relative; with errors of order 1 here, 1e-9 is ample.
const sparseTol = 1e-9

func sparseProblem(t *testing.T, d, r int, p float64) (*workloads.SparseMC, *workloads.Factored) {
	t.Helper()
	phi, err := workloads.NewFactored(d, workloads.QuarterCircle(d, r), rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, err)
	rowPtr, cols, err := workloads.SampleObserved(d, d, p, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	w, err := workloads.NewSparseMC(phi, rowPtr, cols, rand.New(rand.NewPCG(1, 3)))
	require.NoError(t, err)
	return w, phi
}

// TestSampleObserved: exactly floor(p d^2) distinct entries, each row's
// columns increasing.
func TestSampleObserved(t *testing.T) {
	rowPtr, cols, err := workloads.SampleObserved(37, 41, 0.3, rand.New(rand.NewPCG(5, 5)))
	require.NoError(t, err)
	require.Len(t, cols, 455) // floor(0.3 * 37 * 41) = floor(455.1)
	require.Equal(t, len(cols), rowPtr[37])
	for i := 0; i < 37; i++ {
		for k := rowPtr[i] + 1; k < rowPtr[i+1]; k++ {
			require.Less(t, cols[k-1], cols[k])
		}
	}
	_, _, err = workloads.SampleObserved(3, 3, 0, rand.New(rand.NewPCG(5, 5)))
	require.Error(t, err)
}

// TestQuarterCircle: the first value is the edge 2 sqrt(d); values decrease.
func TestQuarterCircle(t *testing.T) {
	s := workloads.QuarterCircle(400, 5)
	require.InDelta(t, 40, s[0], 1e-9)
	for i := 1; i < len(s); i++ {
		require.Less(t, s[i], s[i-1])
	}
}

// TestSparseMatchesDense: loss, gradient and the factored recovery error
// equal those of the dense MC workload on the same target and pattern.
func TestSparseMatchesDense(t *testing.T) {
	const d = 30
	sp, phi := sparseProblem(t, d, 3, 0.4)
	rowPtr, cols, _ := sp.Observations()
	mask := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			mask.Set(i, int(cols[k]), 1)
		}
	}
	dense, err := workloads.NewMC(phi.Dense(), mask)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(9, 9))
	a := mat.NewDense(d, 4, nil)
	bt := mat.NewDense(d, 4, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < 4; j++ {
			a.Set(i, j, rng.NormFloat64())
			bt.Set(i, j, rng.NormFloat64())
		}
	}
	var w mat.Dense
	w.Mul(a, bt.T())
	gs, gd := mat.NewDense(d, d, nil), mat.NewDense(d, d, nil)
	require.InDelta(t, dense.Gradient(gd, &w), sp.Gradient(gs, &w), 1e-12)
	require.True(t, mat.EqualApprox(gs, gd, 1e-15))
	rel, _ := sp.FactoredError(a, bt)
	want := workloads.RecoveryError(&w, dense.Target())
	require.InDelta(t, want, rel, sparseTol*want)
}

// TestTopSingular: the randomized SVD spans the leading singular
// subspace of the sparse surrogate: its vectors agree with a dense SVD of
// P_O(Phi) up to sign (|u_i . u_i'| near 1).
func TestTopSingular(t *testing.T) {
	const d, r = 60, 3
	sp, phi := sparseProblem(t, d, r, 0.5)
	u, v, err := sp.TopSingular(r)
	require.NoError(t, err)
	rowPtr, cols, vals := sp.Observations()
	s := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			s.Set(i, int(cols[k]), vals[k])
		}
	}
	var svd mat.SVD
	require.True(t, svd.Factorize(s, mat.SVDThin))
	var du, dv mat.Dense
	svd.UTo(&du)
	svd.VTo(&dv)
	for i := 0; i < r; i++ {
		require.InDelta(t, 1, math.Abs(mat.Dot(u.ColView(i), du.ColView(i))), 1e-6, "u %d", i)
		require.InDelta(t, 1, math.Abs(mat.Dot(v.ColView(i), dv.ColView(i))), 1e-6, "v %d", i)
	}
	_ = phi
}
