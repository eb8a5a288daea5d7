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
// csrParallelMin, in one column panel and in many (csrPanelBytes and
// csrPanelEntries made small: up to one panel a column), on blocks of
// 1 to 30 columns (the sixteen-, eight- and four-column steps of
// gatherRow and scatterRow and their remainders), through the AVX kernels
// where the CPU has them and through the Go loops (at GOMAXPROCS 3), with
// dst filled with NaN before each call (an entry left unwritten shows).
func TestCSRProductsBitIdentical(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(b, e int) { csrPanelBytes, csrPanelEntries = b, e }(csrPanelBytes, csrPanelEntries)
	for _, tc := range []struct {
		rows, cols, l int
		p             float64
	}{
		{5, 7, 3, 0.5}, {300, 200, 11, 0.05}, {2000, 3000, 30, 0.004}, {4000, 9, 4, 0.6},
		{700, 500, 1, 0.1}, {600, 800, 13, 0.2}, {900, 400, 30, 0.3},
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
		for _, panels := range []struct {
			name          string
			bytes, perRow int
		}{{"default", 4 << 20, 16}, {"many", 64, 1}} {
			for _, procs := range []int{1, 2, 3, 7} {
				vector := csrVector && procs != 3 // the Go loops at 3
				t.Run(fmt.Sprintf("%dx%d/l=%d/panels=%s/procs=%d/vector=%t", tc.rows, tc.cols, tc.l, panels.name, procs, vector), func(t *testing.T) {
					defer func(v bool) { csrVector = v }(csrVector)
					csrVector = vector
					csrPanelBytes, csrPanelEntries = panels.bytes, panels.perRow
					if panels.name == "many" {
						require.Greater(t, csrPanels(tc.rows, tc.cols, len(cols), tc.l), 1, "several panels")
					}
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
}

func nanDense(r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = math.NaN()
	}
	return m
}

// TestFactoredValues: the target's values on the observed entries, in
// column panels on several goroutines, equal Factored.At bit for bit, in
// one panel and in many, at GOMAXPROCS 1, 2 and 3.
func TestFactoredValues(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(b, e int) { csrPanelBytes, csrPanelEntries = b, e }(csrPanelBytes, csrPanelEntries)
	rng := rand.New(rand.NewPCG(8, 1))
	const rows, cols = 900, 1300
	phi, err := NewFactoredRect(rows, cols, QuarterCircle(rows, 7), rng)
	require.NoError(t, err)
	rowPtr, idx, err := SampleObserved(rows, cols, 0.2, rng)
	require.NoError(t, err)
	want := make([]float64, len(idx))
	for i := range rows {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			want[k] = phi.At(i, int(idx[k]))
		}
	}
	for _, panels := range []struct{ bytes, perRow int }{{4 << 20, 16}, {512, 1}} {
		csrPanelBytes, csrPanelEntries = panels.bytes, panels.perRow
		for _, procs := range []int{1, 2, 3} {
			runtime.GOMAXPROCS(procs)
			got := make([]float64, len(idx))
			phi.values(rowPtr, idx, got)
			require.Equal(t, want, got, "panels of %d bytes (%d panels), GOMAXPROCS %d", panels.bytes, csrPanels(rows, cols, len(idx), 7), procs)
		}
	}
}
