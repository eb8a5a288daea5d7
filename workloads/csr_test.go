package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/randmat"
)

// csrReference is the single loop over S's entries in CSR order that
// csrProducts's goroutines must reproduce bit for bit.
func csrReference(rows, n int, rowPtr []int, cols []int32, vals []float64, x *mat.Dense, transpose bool) *mat.Dense {
	_, l := x.Dims()
	out := rows
	if transpose {
		out = n
	}
	dst := mat.NewDense(out, l, nil)
	for i := 0; i < rows; i++ {
		for t := rowPtr[i]; t < rowPtr[i+1]; t++ {
			j := int(cols[t])
			for m := 0; m < l; m++ {
				if transpose {
					dst.Set(j, m, dst.At(j, m)+vals[t]*x.At(i, m))
				} else {
					dst.Set(i, m, dst.At(i, m)+vals[t]*x.At(j, m))
				}
			}
		}
	}
	return dst
}

// TestCSRProductsBitIdentical: S x and S^T x equal the single loop's
// results exactly at GOMAXPROCS 1, 2, 3 and 7, on shapes above and below
// csrParallelMin, with dst filled with NaN before each call (an entry left
// unwritten shows).
func TestCSRProductsBitIdentical(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range []struct {
		rows, cols, l int
		p             float64
	}{
		{5, 7, 3, 0.5}, {300, 200, 11, 0.05}, {2000, 3000, 30, 0.004}, {4000, 9, 4, 0.6},
	} {
		rng := rand.New(rand.NewPCG(3, uint64(tc.rows)))
		rowPtr, cols, err := SampleObserved(tc.rows, tc.cols, tc.p, rng)
		require.NoError(t, err)
		vals := make([]float64, len(cols))
		for k := range vals {
			vals[k] = rng.NormFloat64()
		}
		x := mat.NewDense(tc.cols, tc.l, nil)
		xt := mat.NewDense(tc.rows, tc.l, nil)
		randmat.Gaussian(x, 1, rng)
		randmat.Gaussian(xt, 1, rng)
		want := csrReference(tc.rows, tc.cols, rowPtr, cols, vals, x, false)
		wantT := csrReference(tc.rows, tc.cols, rowPtr, cols, vals, xt, true)
		apply, applyT := csrProducts(tc.rows, rowPtr, cols, vals)
		for _, procs := range []int{1, 2, 3, 7} {
			t.Run(fmt.Sprintf("%dx%d/l=%d/procs=%d", tc.rows, tc.cols, tc.l, procs), func(t *testing.T) {
				runtime.GOMAXPROCS(procs)
				got := nanDense(tc.rows, tc.l)
				apply(got, x)
				require.Equal(t, want.RawMatrix().Data, got.RawMatrix().Data, "S x")
				gotT := nanDense(tc.cols, tc.l)
				applyT(gotT, xt)
				require.Equal(t, wantT.RawMatrix().Data, gotT.RawMatrix().Data, "S^T x")
			})
		}
	}
}

func nanDense(r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = math.NaN()
	}
	return m
}
