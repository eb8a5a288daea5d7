package dln

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// TestTransposeTo covers shapes that are not multiples of the block size.
func TestTransposeTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][2]int{{1, 1}, {70, 45}, {32, 33}, {5, 100}} {
		src := mat.NewDense(s[0], s[1], nil)
		for i := range src.RawMatrix().Data {
			src.RawMatrix().Data[i] = rng.NormFloat64()
		}
		dst := blas64.General{Rows: s[1], Cols: s[0], Stride: s[0], Data: make([]float64, s[0]*s[1])}
		transposeTo(dst, src.RawMatrix())
		for i := 0; i < s[0]; i++ {
			for j := 0; j < s[1]; j++ {
				require.Equal(t, src.At(i, j), dst.Data[j*dst.Stride+i])
			}
		}
	}
}

// TestMulTransAMatchesGemm: the copied-transpose product equals Dgemm's
// transposed one and counts the same flops.
func TestMulTransAMatchesGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	n := New(Chain(40, 70, 45))
	a := n.Layer(1) // 45 x 70
	for i := range a.RawMatrix().Data {
		a.RawMatrix().Data[i] = rng.NormFloat64()
	}
	b := mat.NewDense(45, 40, nil)
	for i := range b.RawMatrix().Data {
		b.RawMatrix().Data[i] = rng.NormFloat64()
	}
	got, want := mat.NewDense(70, 40, nil), mat.NewDense(70, 40, nil)
	n.mulTransA(a, b, got)
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, a.RawMatrix(), b.RawMatrix(), 0, want.RawMatrix())
	require.True(t, mat.EqualApprox(got, want, 1e-12))
	require.Equal(t, uint64(2*70*40*45), n.Flops())
}
