package workloads

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// csrParallelMin is the number of multiply-adds (entries times columns of
// x) below which csrProducts runs on the calling goroutine alone.
const csrParallelMin = 1 << 16

// csrPanelBytes is the size of the panel of x's rows (S x) or of dst's
// rows (S^T x) that one column panel of csrProducts gathers from or
// scatters into: about a quarter of this machine's last-level cache share,
// so that the random row reads and writes hit the cache instead of memory
// (at d = 262,144 and 30 columns, the whole of x is 63 MB). Tests change
// it to exercise many panels on small matrices.
var csrPanelBytes = 4 << 20

// csrPanelEntries is the fewest observed entries per row that a column
// panel of csrProducts holds on average: each row of a panel costs a read
// and a write of its row of dst (S x) or a pass over the row's entries'
// bounds (S^T x), which narrower panels would repeat for a few entries.
// Tests change it.
var csrPanelEntries = 16

// csrPanels returns the number of column panels of csrProducts for a
// rows x cols matrix S with nnz entries and blocks of l columns: cols
// rows of l float64s in panels of csrPanelBytes, but no more panels than
// leave csrPanelEntries entries per row of a panel; at least 1, at most
// cols.
func csrPanels(rows, cols, nnz, l int) int {
	p := (cols*l*8 + csrPanelBytes - 1) / csrPanelBytes
	if rows > 0 {
		p = min(p, nnz/(rows*csrPanelEntries))
	}
	return max(1, min(p, cols))
}

// csrProducts returns dst = S x and dst = S^T x for the rows-row sparse
// matrix S in CSR form (columns increasing within a row), x and dst dense
// with the same number of columns l.
//
// Both visit S in column panels (csrPanels): the entries of the columns
// [b_q, b_q+1) of every row, panel after panel, so that the rows of x they
// gather (S x) or of dst they scatter into (S^T x) are a panel of
// csrPanelBytes that stays in cache, where a pass over all of S would read
// a random row from memory per entry. Each row keeps a cursor to its first
// entry in the current panel (8 bytes a row of S per goroutine). apply
// splits the rows of S among up to GOMAXPROCS goroutines, each over its
// own rows of dst, accumulating a row's entries in registers eight
// columns at a time; applyT splits the panels (at least one a goroutine),
// each goroutine reading every row of S and adding its entries in its
// panels to their rows of dst. Either way every entry of dst is summed in
// the order of a single loop over the entries of S in CSR order, so the
// results are bit-identical at any GOMAXPROCS and to that loop
// (TestCSRProductsBitIdentical). They allocate the cursors and the
// goroutines' bookkeeping, never an |O| x l or a dense rows x cols
// temporary.
func csrProducts(rows int, rowPtr []int, cols []int32, vals []float64) (apply, applyT func(dst, x *mat.Dense)) {
	// The panels bound the columns above; the kernels (csrVector) trust
	// them to be non-negative too.
	for _, j := range cols {
		if j < 0 {
			panic(fmt.Errorf("workloads: csrProducts: column %d", j))
		}
	}
	apply = func(dst, x *mat.Dense) {
		n, l := x.Dims()
		xr, dr := x.RawMatrix(), dst.RawMatrix()
		bounds := panelBounds(n, csrPanels(rows, n, len(cols), l))
		parallelRanges(rows, len(cols)*l, func(r0, r1 int) {
			cur := make([]int, r1-r0)
			copy(cur, rowPtr[r0:r1])
			for i := r0; i < r1; i++ {
				clear(dr.Data[i*dr.Stride : i*dr.Stride+l])
			}
			panelRuns(rowPtr, cols, bounds[1:], r0, r1, cur, func(i, t0, t1 int) {
				gatherRow(dr.Data[i*dr.Stride:i*dr.Stride+l], xr.Data, xr.Stride, cols[t0:t1], vals[t0:t1])
			})
		})
	}
	applyT = func(dst, x *mat.Dense) {
		n, l := dst.Dims()
		xr, dr := x.RawMatrix(), dst.RawMatrix()
		np := csrPanels(rows, n, len(cols), l)
		if g := runtime.GOMAXPROCS(0); len(cols)*l >= csrParallelMin {
			np = max(np, min(g, n)) // one panel a goroutine at least
		}
		bounds := panelBounds(n, np)
		parallelRanges(np, len(cols)*l, func(q0, q1 int) {
			c0 := bounds[q0]
			for j := c0; j < bounds[q1]; j++ {
				clear(dr.Data[j*dr.Stride : j*dr.Stride+l])
			}
			// Each row's first entry in column c0 or after.
			cur := make([]int, rows)
			for i := range rows {
				t := rowPtr[i]
				if c0 > 0 {
					a, _ := slices.BinarySearch(cols[t:rowPtr[i+1]], int32(c0))
					t += a
				}
				cur[i] = t
			}
			panelRuns(rowPtr, cols, bounds[q0+1:q1+1], 0, rows, cur, func(i, t0, t1 int) {
				scatterRow(dr.Data, dr.Stride, xr.Data[i*xr.Stride:i*xr.Stride+l], cols[t0:t1], vals[t0:t1])
			})
		})
	}
	return apply, applyT
}

// panelRuns visits the CSR entries of rows [r0, r1) panel by panel: for
// each upper column bound hi in his, in order, and each row i in order, it
// calls f(i, t0, t1) with [t0, t1) the row's entries from cur[i-r0] on whose
// columns are below hi, when there is at least one, and advances cur[i-r0]
// to t1. cur holds, per row, its first entry not yet visited.
func panelRuns(rowPtr []int, cols []int32, his []int, r0, r1 int, cur []int, f func(i, t0, t1 int)) {
	for _, hi := range his {
		hi := int32(hi)
		for i := r0; i < r1; i++ {
			t0 := cur[i-r0]
			t1, end := t0, rowPtr[i+1]
			for t1 < end && cols[t1] < hi {
				t1++
			}
			if t1 == t0 {
				continue
			}
			cur[i-r0] = t1
			f(i, t0, t1)
		}
	}
}

// panelBounds returns the np+1 bounds q*n/np, q = 0..np, of np panels
// covering [0, n).
func panelBounds(n, np int) []int {
	b := make([]int, np+1)
	for q := range b {
		b[q] = q * n / np
	}
	return b
}

// gatherRow adds vals[t] times row cols[t] of x (row-major, stride
// stride) to d, for t in order: d[m] += vals[t] x[cols[t], m], each
// column's sum kept in a register over the entries, sixteen, eight or
// four columns at a time through the AVX kernels (csrVector), then eight,
// four and one at a time in Go. The sums are those of the plain loop, in
// its order.
func gatherRow(d, x []float64, stride int, cols []int32, vals []float64) {
	l := len(d)
	m := gatherVector(d, x, stride, cols, vals)
	for ; m+8 <= l; m += 8 {
		a0, a1, a2, a3, a4, a5, a6, a7 := d[m], d[m+1], d[m+2], d[m+3], d[m+4], d[m+5], d[m+6], d[m+7]
		for t, j := range cols {
			s := vals[t]
			xj := x[int(j)*stride+m : int(j)*stride+m+8 : int(j)*stride+m+8]
			a0 += s * xj[0]
			a1 += s * xj[1]
			a2 += s * xj[2]
			a3 += s * xj[3]
			a4 += s * xj[4]
			a5 += s * xj[5]
			a6 += s * xj[6]
			a7 += s * xj[7]
		}
		d[m], d[m+1], d[m+2], d[m+3], d[m+4], d[m+5], d[m+6], d[m+7] = a0, a1, a2, a3, a4, a5, a6, a7
	}
	for ; m+4 <= l; m += 4 {
		a0, a1, a2, a3 := d[m], d[m+1], d[m+2], d[m+3]
		for t, j := range cols {
			s := vals[t]
			xj := x[int(j)*stride+m : int(j)*stride+m+4 : int(j)*stride+m+4]
			a0 += s * xj[0]
			a1 += s * xj[1]
			a2 += s * xj[2]
			a3 += s * xj[3]
		}
		d[m], d[m+1], d[m+2], d[m+3] = a0, a1, a2, a3
	}
	for ; m < l; m++ {
		a := d[m]
		for t, j := range cols {
			a += vals[t] * x[int(j)*stride+m]
		}
		d[m] = a
	}
}

// scatterRow adds vals[t] times xi to row cols[t] of d (row-major, stride
// stride), for t in order: d[cols[t], m] += vals[t] xi[m], holding
// sixteen, eight or four entries of xi in registers at a time through the
// AVX kernels (csrVector), then eight, four and one in Go. The sums are
// those of the plain loop, in its order.
func scatterRow(d []float64, stride int, xi []float64, cols []int32, vals []float64) {
	l := len(xi)
	m := scatterVector(d, stride, xi, cols, vals)
	for ; m+8 <= l; m += 8 {
		x0, x1, x2, x3, x4, x5, x6, x7 := xi[m], xi[m+1], xi[m+2], xi[m+3], xi[m+4], xi[m+5], xi[m+6], xi[m+7]
		for t, j := range cols {
			s := vals[t]
			dj := d[int(j)*stride+m : int(j)*stride+m+8 : int(j)*stride+m+8]
			dj[0] += s * x0
			dj[1] += s * x1
			dj[2] += s * x2
			dj[3] += s * x3
			dj[4] += s * x4
			dj[5] += s * x5
			dj[6] += s * x6
			dj[7] += s * x7
		}
	}
	for ; m+4 <= l; m += 4 {
		x0, x1, x2, x3 := xi[m], xi[m+1], xi[m+2], xi[m+3]
		for t, j := range cols {
			s := vals[t]
			dj := d[int(j)*stride+m : int(j)*stride+m+4 : int(j)*stride+m+4]
			dj[0] += s * x0
			dj[1] += s * x1
			dj[2] += s * x2
			dj[3] += s * x3
		}
	}
	for ; m < l; m++ {
		xm := xi[m]
		for t, j := range cols {
			d[int(j)*stride+m] += vals[t] * xm
		}
	}
}

// parallelRanges calls f on consecutive ranges [lo, hi) covering [0, n),
// one per goroutine, on min(GOMAXPROCS, n) goroutines when work (a count
// of multiply-adds) is at least csrParallelMin, and f(0, n) on the calling
// goroutine otherwise. It returns when every call has.
func parallelRanges(n, work int, f func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), n)
	if p <= 1 || work < csrParallelMin {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for g := range p {
		lo, hi := g*n/p, (g+1)*n/p
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
