//go:build openblas

package blasbackend

/*
#include <cblas.h>
*/
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The split: OpenBLAS runs every call on one thread (init sets its thread
// count to 1), and the products are divided here into pieces of the output
// that depend on the shapes only, never on GOMAXPROCS or the machine's
// cores; min(GOMAXPROCS, pieces) goroutines compute them. Each output
// element is then computed by the same single-threaded OpenBLAS call
// whoever runs it, so the result is bit-identical at any GOMAXPROCS.
// (OpenBLAS's own threading divides the output by the thread count, and its
// kernels round an element differently depending on where it falls in the
// division: dgemm 1024^3 differs at 3 threads from 1 in 3,700 of 1M
// elements, 300 x 301 x 302 already at 2 threads; dgemv at every thread
// count from 2 on.)
const (
	// gemmPieceWork is the least work of a Dgemm piece, m*n*k
	// multiply-adds: 2^21, about 0.1 ms at 40 GFLOP/s, far above the few
	// microseconds of handing a piece to a goroutine. A product with less
	// than twice this work is one call.
	gemmPieceWork = 1 << 21
	// gemvPieceWork is the least work of a Dgemv piece, m*n elements of A:
	// 2^17 (1 MiB of A, about 0.1 ms at 10 GB/s).
	gemvPieceWork = 1 << 17
	// maxPieces bounds the pieces of one call, and so the goroutines that
	// can share it. Each Dgemm piece packs the whole operand it does not
	// split again; 4 pieces cost 3 extra packings of it (at d = 1024, a
	// few per cent of the product), for up to 4 cores of speed-up.
	maxPieces = 4
	// bandAlign is the multiple of rows (or columns) a band holds, but the
	// last: OpenBLAS's double kernels work on blocks of 4 or 8 of them.
	bandAlign = 8
)

// bands divides dim rows (or columns) into the bands of a product of the
// given work and least work per piece: the band width (a multiple of
// bandAlign) and the count. It depends on its arguments only.
func bands(dim, work, pieceWork int) (width, count int) {
	count = min(maxPieces, work/pieceWork, (dim+bandAlign-1)/bandAlign)
	if count <= 1 {
		return dim, 1
	}
	width = (dim + count - 1) / count
	width = (width + bandAlign - 1) / bandAlign * bandAlign
	return width, (dim + width - 1) / width
}

// job is one split call: its arguments, its pieces and who computes them.
// Workers and the caller claim pieces from next until none is left.
type job struct {
	gemm bool
	// Dgemm's arguments (CBLAS's), with splitM: bands of C's rows, else of
	// its columns.
	tA, tB        C.enum_CBLAS_TRANSPOSE
	m, n, k       int
	alpha, beta   float64
	a, b, c       []float64
	lda, ldb, ldc int
	splitM        bool
	// Dgemv's arguments (m, n, alpha, beta, a, lda shared with Dgemm's;
	// x and y the vectors, lenY y's length).
	trans            bool
	x, y             []float64
	incX, incY, lenY int
	width, count     int
	next             atomic.Int64
	done             sync.WaitGroup
}

// run computes the pieces of j that are left.
func (j *job) run() {
	for {
		p := int(j.next.Add(1)) - 1
		if p >= j.count {
			return
		}
		lo := p * j.width
		hi := min(lo+j.width, j.dims())
		if j.gemm {
			j.gemmPiece(lo, hi)
		} else {
			j.gemvPiece(lo, hi)
		}
	}
}

// dims is the length of the split dimension.
func (j *job) dims() int {
	switch {
	case !j.gemm:
		return j.lenY
	case j.splitM:
		return j.m
	default:
		return j.n
	}
}

// gemmPiece computes rows (splitM) or columns lo:hi of C.
func (j *job) gemmPiece(lo, hi int) {
	m, n := j.m, j.n
	aOff, bOff, cOff := 0, 0, 0
	if j.splitM {
		m = hi - lo
		if j.tA == C.CblasNoTrans {
			aOff = lo * j.lda
		} else {
			aOff = lo
		}
		cOff = lo * j.ldc
	} else {
		n = hi - lo
		if j.tB == C.CblasNoTrans {
			bOff = lo
		} else {
			bOff = lo * j.ldb
		}
		cOff = lo
	}
	C.cblas_dgemm(C.CblasRowMajor, j.tA, j.tB, C.int(m), C.int(n), C.int(j.k),
		C.double(j.alpha), (*C.double)(&j.a[aOff]), C.int(j.lda), (*C.double)(&j.b[bOff]), C.int(j.ldb),
		C.double(j.beta), (*C.double)(&j.c[cOff]), C.int(j.ldc))
}

// gemvPiece computes elements lo:hi of y: rows lo:hi of A without
// transpose, columns lo:hi with.
func (j *job) gemvPiece(lo, hi int) {
	m, n := j.m, j.n
	aOff := 0
	if j.trans {
		n = hi - lo
		aOff = lo
	} else {
		m = hi - lo
		aOff = lo * j.lda
	}
	// Element i of y is at y[i*incY], or at y[(lenY-1-i)*|incY|] when incY
	// < 0; elements lo:hi then start at y[(lenY-hi)*|incY|].
	yOff := lo * j.incY
	if j.incY < 0 {
		yOff = (j.lenY - hi) * -j.incY
	}
	C.cblas_dgemv(C.CblasRowMajor, cTransBool(j.trans), C.int(m), C.int(n),
		C.double(j.alpha), (*C.double)(&j.a[aOff]), C.int(j.lda), (*C.double)(&j.x[0]), C.int(j.incX),
		C.double(j.beta), (*C.double)(&j.y[yOff]), C.int(j.incY))
}

func cTransBool(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}

// freeJobs recycles jobs, so that a call allocates nothing once warm (a
// channel rather than a sync.Pool, which drops items at random under the
// race detector). It holds as many as calls may run at once in practice;
// beyond that a job is allocated and dropped.
var freeJobs = make(chan *job, 64)

// newJob returns a recycled job, or a new one.
func newJob() *job {
	select {
	case j := <-freeJobs:
		return j
	default:
		return new(job)
	}
}

// helpers hands jobs to idle helper goroutines; nHelpers counts them. A
// call offers its job to at most min(GOMAXPROCS, pieces) - 1 helpers, starts
// one when none is idle and fewer than GOMAXPROCS - 1 exist, and computes
// what no helper claimed itself.
var (
	helpers  = make(chan *job)
	nHelpers atomic.Int64
)

func helper() {
	for j := range helpers {
		j.run()
		j.done.Done()
	}
}

// split runs the pieces of j on the caller and up to GOMAXPROCS - 1
// helpers, returns when all are computed and recycles j.
func split(j *job) {
	if j.count > 1 {
		procs := runtime.GOMAXPROCS(0)
		for i := 1; i < min(procs, j.count); i++ {
			j.done.Add(1)
			select {
			case helpers <- j:
				continue
			default:
			}
			if n := nHelpers.Load(); n < int64(procs-1) && nHelpers.CompareAndSwap(n, n+1) {
				go helper()
				helpers <- j
				continue
			}
			j.done.Done()
			break
		}
	}
	j.run()
	j.done.Wait()
	j.a, j.b, j.c, j.x, j.y = nil, nil, nil, nil, nil
	j.next.Store(0)
	select {
	case freeJobs <- j:
	default:
	}
}
