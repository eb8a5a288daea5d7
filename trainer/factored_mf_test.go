package trainer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// lowRankMF draws a rows x cols factorization problem of rank r and
// spectral norm 1 with the given reduction.
func lowRankMF(t testing.TB, rows, cols, r int, red workloads.Reduction, seed uint64) *workloads.MF {
	rng := rand.New(rand.NewPCG(seed, 1))
	u, v := mat.NewDense(rows, r, nil), mat.NewDense(r, cols, nil)
	for _, m := range []*mat.Dense{u, v} {
		raw := m.RawMatrix()
		for i := range raw.Data {
			raw.Data[i] = rng.NormFloat64()
		}
	}
	var phi mat.Dense
	phi.Mul(u, v)
	phi.Scale(1/mat.Norm(&phi, 2), &phi)
	w, err := workloads.NewMF(&phi, red)
	require.NoError(t, err)
	return w
}

// factoredRelTol bounds the relative difference of the factored and dense
// MF trajectories. The factored loss is a difference of terms of size
// ||Phi||^2, so it agrees to about 1e-16 ||Phi||^2 absolute, not relative:
// the loss comparison below is against the initial loss.
const factoredRelTol = 1e-10

// TestFactoredMFMatchesDense: the factored MF step follows the dense step's
// trajectory (loss, recovery error, singular values, weights) on square and
// rectangular networks of depth 2-4 under both reductions.
func TestFactoredMFMatchesDense(t *testing.T) {
	for _, dims := range [][]int{{12, 3, 12}, {16, 4, 4, 16}, {10, 5, 5, 5, 10}, {9, 3, 3, 14}, {9, 9, 9}} {
		for _, red := range []workloads.Reduction{workloads.Mean, workloads.Sum} {
			t.Run(fmt.Sprint(dims, red), func(t *testing.T) {
				work := lowRankMF(t, dims[len(dims)-1], dims[0], 2, red, 7)
				a, b := pair(dims, 3)
				mult := make([]float64, len(dims)-1)
				for i := range mult {
					mult[i] = 1 + float64(i)
				}
				eta := 0.2
				if red == workloads.Mean {
					eta *= float64(dims[0] * dims[len(dims)-1])
				}
				dense := trainer.NewDense(a, work, mult)
				fact := trainer.NewFactoredMF(b, work, mult)
				l0 := dense.Evaluate()
				for step := 0; step < 200; step++ {
					ld, lf := dense.Evaluate(), fact.Evaluate()
					require.InDelta(t, ld, lf, factoredRelTol*l0, "loss at step %d", step)
					if step%50 == 0 {
						md, mf := dense.Measure(2), fact.Measure(2)
						require.InDelta(t, md.RecoveryError, mf.RecoveryError, factoredRelTol*md.RecoveryError, "step %d", step)
						require.InDeltaSlice(t, md.SingularValues, mf.SingularValues, factoredRelTol*md.SingularValues[0])
					}
					dense.Step(eta)
					fact.Step(eta)
				}
				require.Less(t, dense.Evaluate(), l0/10, "the test problem must make progress")
				requireLayersClose(t, a, b, factoredRelTol)
			})
		}
	}
}

// TestFactoredMFDetectsWrongTarget: a factored objective on a slightly
// different target (one entry changed by 1e-3) parts from the dense one,
// so the comparison above can fail.
func TestFactoredMFDetectsWrongTarget(t *testing.T) {
	work := lowRankMF(t, 12, 12, 2, workloads.Sum, 7)
	phi := mat.DenseCopyOf(work.Target())
	phi.Set(3, 4, phi.At(3, 4)+1e-3)
	wrong, err := workloads.NewMF(phi, workloads.Sum)
	require.NoError(t, err)
	a, b := pair([]int{12, 3, 12}, 3)
	dense := trainer.NewDense(a, work, nil)
	fact := trainer.NewFactoredMF(b, wrong, nil)
	for step := 0; step < 50; step++ {
		dense.Evaluate()
		fact.Evaluate()
		dense.Step(0.02)
		fact.Step(0.02)
	}
	var diff mat.Dense
	diff.Sub(a.Layer(0), b.Layer(0))
	require.Greater(t, mat.Norm(&diff, 2), factoredRelTol*mat.Norm(a.Layer(0), 2))
}

func TestFactoredMFAllocatesNothing(t *testing.T) {
	work := lowRankMF(t, 64, 64, 3, workloads.Sum, 1)
	_, b := pair([]int{64, 8, 8, 64}, 1)
	f := trainer.NewFactoredMF(b, work, []float64{2, 1, 2})
	f.Evaluate()
	require.Zero(t, testing.AllocsPerRun(20, func() {
		f.Step(1e-4)
		f.Evaluate()
	}))
}

// TestFactoredMFCountsItsFlops: the flops the network counts in an
// evaluation and a step are the inner forward and backward passes, the
// products of FactoredMFFlops and the update.
func TestFactoredMFCountsItsFlops(t *testing.T) {
	const rows, cols, h = 20, 15, 4
	work := lowRankMF(t, rows, cols, 2, workloads.Sum, 1)
	net := dln.New(dln.Chain(cols, h, h, rows))
	net.InitOrthogonal(0.1, rand.New(rand.NewPCG(1, 1)))
	f := trainer.NewFactoredMF(net, work, nil)
	f.Evaluate()
	evalFlops := net.Flops()
	// inner forward: W_2 W_1 (h x h times h x cols)
	require.Equal(t, uint64(2*h*h*cols)+trainer.FactoredMFFlops(rows, cols, h), evalFlops)
	f.Step(1e-3)
	params := uint64(h*cols + h*h + rows*h)
	// inner backward: grad_2 = back P_1^T and back_1 = W_2^T back (2 h h cols each), update 2 params
	require.Equal(t, evalFlops+uint64(4*h*h*cols)+2*params, net.Flops())
	require.False(t, math.IsNaN(f.Evaluate()))
}
