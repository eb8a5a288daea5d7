package workloads

import (
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// csrParallelMin is the number of multiply-adds (entries times columns of
// x) below which csrProducts runs on the calling goroutine alone.
const csrParallelMin = 1 << 16

// csrProducts returns dst = S x and dst = S^T x for the rows-row sparse
// matrix S in CSR form (columns increasing within a row), x and dst dense
// with the same number of columns.
//
// Both run on up to GOMAXPROCS goroutines, each over its own rows of dst:
// apply splits the rows of S; applyT splits the columns of S, each
// goroutine reading every row of S and taking the entries in its columns
// (found by binary search). Either way every entry of dst is summed in the
// order of a single loop over the entries of S in CSR order, so the
// results are bit-identical at any GOMAXPROCS. They allocate only the
// goroutines' bookkeeping.
func csrProducts(rows int, rowPtr []int, cols []int32, vals []float64) (apply, applyT func(dst, x *mat.Dense)) {
	apply = func(dst, x *mat.Dense) {
		_, l := x.Dims()
		parallelRanges(rows, len(cols)*l, func(r0, r1 int) {
			for i := r0; i < r1; i++ {
				di := dst.RawRowView(i)
				clear(di)
				for t := rowPtr[i]; t < rowPtr[i+1]; t++ {
					xj := x.RawRowView(int(cols[t]))[:len(di)]
					s := vals[t]
					for m := range di {
						di[m] += s * xj[m]
					}
				}
			}
		})
	}
	applyT = func(dst, x *mat.Dense) {
		n, l := dst.Dims()
		parallelRanges(n, len(cols)*l, func(c0, c1 int) {
			for j := c0; j < c1; j++ {
				clear(dst.RawRowView(j))
			}
			lo, hi := int32(c0), int32(c1)
			for i := 0; i < rows; i++ {
				row := cols[rowPtr[i]:rowPtr[i+1]]
				a, b := 0, len(row)
				if c0 > 0 {
					a, _ = slices.BinarySearch(row, lo)
				}
				if c1 < n {
					b, _ = slices.BinarySearch(row, hi)
				}
				if a == b {
					continue
				}
				xi := x.RawRowView(i)[:l]
				for t := rowPtr[i] + a; t < rowPtr[i]+b; t++ {
					dj := dst.RawRowView(int(cols[t]))[:l]
					s := vals[t]
					for m := range dj {
						dj[m] += s * xi[m]
					}
				}
			}
		})
	}
	return apply, applyT
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
