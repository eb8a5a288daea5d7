package orth

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// qTol: Householder QR is backward stable; Q^T Q = I and Q R = A hold to a
// few ulps times m (here 1e-13 for m = 300).
const qTol = 1e-13

func TestQ(t *testing.T) {
	for _, positive := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(1, 2))
		a := mat.NewDense(300, 7, nil)
		for i := 0; i < 300; i++ {
			for j := 0; j < 7; j++ {
				a.Set(i, j, rng.NormFloat64())
			}
		}
		q := mat.DenseCopyOf(a)
		Q(q, positive)
		var qtq, r, back mat.Dense
		qtq.Mul(q.T(), q)
		require.True(t, mat.EqualApprox(&qtq, eye(7), qTol))
		r.Mul(q.T(), a) // R = Q^T A, upper triangular
		for i := 0; i < 7; i++ {
			for j := 0; j < i; j++ {
				require.InDelta(t, 0, r.At(i, j), qTol*mat.Norm(a, 2))
			}
			if positive {
				require.Positive(t, r.At(i, i))
			}
		}
		back.Mul(q, &r)
		require.True(t, mat.EqualApprox(&back, a, qTol*mat.Norm(a, 2)))
	}
	require.Panics(t, func() { Q(mat.NewDense(2, 3, nil), false) })
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}
