//go:build openblas

package blasbackend

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>

// Declared by OpenBLAS's cblas.h; repeated for a cblas.h from elsewhere.
char *openblas_get_config(void);
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
*/
import "C"

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// OpenBLAS is gonum's pure-Go BLAS with Dgemm and Dgemv computed by
// OpenBLAS (see the package comment for the contract).
type OpenBLAS struct {
	gonum.Implementation
}

var _ blas.Float64 = OpenBLAS{}

// init makes OpenBLAS single-threaded (every call runs on its caller's
// thread; split.go divides the products) and installs it.
func init() {
	C.openblas_set_num_threads(1)
	blas64.Use(OpenBLAS{})
}

// Detail describes the OpenBLAS library in use: its build configuration,
// the kernel it chose for this CPU and how calls are threaded, e.g.
// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64; core Haswell; 1 thread per piece, up to 4 pieces on GOMAXPROCS goroutines".
func Detail() string {
	return fmt.Sprintf("%s; core %s; %d thread per piece, up to %d pieces on GOMAXPROCS goroutines",
		strings.TrimSpace(C.GoString(C.openblas_get_config())),
		strings.TrimSpace(C.GoString(C.openblas_get_corename())),
		int(C.openblas_get_num_threads()), maxPieces)
}

// Panic strings of gonum's argument checks (gonum.org/v1/gonum/blas/gonum,
// errors.go), which the overrides reproduce.
const (
	zeroIncX     = "blas: zero x index increment"
	zeroIncY     = "blas: zero y index increment"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badTranspose = "blas: illegal transpose"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortX       = "blas: insufficient length of x"
	shortY       = "blas: insufficient length of y"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// fitsC reports whether every v fits OpenBLAS's 32-bit blasint.
func fitsC(vs ...int) bool {
	for _, v := range vs {
		if v > math.MaxInt32 || v < math.MinInt32 {
			return false
		}
	}
	return true
}

// cTrans maps a transpose flag gonum has accepted to CBLAS's; ConjTrans is
// Trans for real matrices.
func cTrans(t blas.Transpose) C.enum_CBLAS_TRANSPOSE {
	if t == blas.NoTrans {
		return C.CblasNoTrans
	}
	return C.CblasTrans
}

// Dgemm computes
//
//	C = alpha * op(A) * op(B) + beta * C
//
// with op(X) = X or Xᵀ, A m×k after op, B k×n after op, C m×n, all row-major,
// as gonum's Dgemm does (same checks and panics, same quick returns); the
// product itself is OpenBLAS's cblas_dgemm. It allocates nothing.
func (impl OpenBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	switch tA {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	switch tB {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	aTrans := tA != blas.NoTrans
	if aTrans {
		if lda < max(1, m) {
			panic(badLdA)
		}
	} else if lda < max(1, k) {
		panic(badLdA)
	}
	bTrans := tB != blas.NoTrans
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else if ldb < max(1, n) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return
	}
	if aTrans {
		if len(a) < (k-1)*lda+m {
			panic(shortA)
		}
	} else if len(a) < (m-1)*lda+k {
		panic(shortA)
	}
	if bTrans {
		if len(b) < (n-1)*ldb+k {
			panic(shortB)
		}
	} else if len(b) < (k-1)*ldb+n {
		panic(shortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}
	if alpha == 0 || k == 0 || !fitsC(m, n, k, lda, ldb, ldc) {
		// No product to form (C = beta*C, A and B unread; a and b may be
		// empty), or too large for OpenBLAS's int: gonum's code.
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	j := newJob()
	j.gemm, j.tA, j.tB, j.m, j.n, j.k = true, cTrans(tA), cTrans(tB), m, n, k
	j.alpha, j.a, j.lda, j.b, j.ldb, j.beta, j.c, j.ldc = alpha, a, lda, b, ldb, beta, c, ldc
	// Bands of the larger side of C; the other operand is packed whole by
	// every piece.
	j.splitM = m >= n
	j.width, j.count = bands(max(m, n), m*n*k, gemmPieceWork)
	split(j)
}

// Dgemv computes
//
//	y = alpha * op(A) * x + beta * y
//
// with op(A) = A or Aᵀ, A m×n row-major, x and y strided vectors (a negative
// increment walks the slice backwards, as in gonum), as gonum's Dgemv does
// (same checks and panics, same quick returns); the product itself is
// OpenBLAS's cblas_dgemv. When beta = 0, y is zeroed first so that NaN in y
// never survives, whatever OpenBLAS's version does. It allocates nothing.
func (impl OpenBLAS) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if tA != blas.NoTrans && tA != blas.Trans && tA != blas.ConjTrans {
		panic(badTranspose)
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if lda < max(1, n) {
		panic(badLdA)
	}
	if incX == 0 {
		panic(zeroIncX)
	}
	if incY == 0 {
		panic(zeroIncY)
	}
	lenX, lenY := m, n
	if tA == blas.NoTrans {
		lenX, lenY = n, m
	}
	if m == 0 || n == 0 {
		return
	}
	if (incX > 0 && (lenX-1)*incX >= len(x)) || (incX < 0 && (1-lenX)*incX >= len(x)) {
		panic(shortX)
	}
	if (incY > 0 && (lenY-1)*incY >= len(y)) || (incY < 0 && (1-lenY)*incY >= len(y)) {
		panic(shortY)
	}
	if len(a) < lda*(m-1)+n {
		panic(shortA)
	}
	if alpha == 0 || !fitsC(m, n, lda, incX, incY) {
		impl.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	if beta == 0 {
		// y's elements are y[i*|incY|], i < lenY, in either direction.
		step := incY
		if step < 0 {
			step = -step
		}
		for i := 0; i < lenY; i++ {
			y[i*step] = 0
		}
	}
	j := newJob()
	j.gemm, j.trans, j.m, j.n = false, tA != blas.NoTrans, m, n
	j.alpha, j.a, j.lda, j.x, j.incX, j.beta, j.y, j.incY, j.lenY = alpha, a, lda, x, incX, beta, y, incY, lenY
	j.width, j.count = bands(lenY, m*n, gemvPieceWork)
	split(j)
}
