package blasbackend_test

// The shared suite: it tests whatever blas64 runs (gonum's pure Go without
// build tags, OpenBLAS under -tags openblas) against a naive reference and
// against gonum's argument checks, so both backends pass the same tests.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/lowdim/lowdim/blasbackend"
	"github.com/lowdim/lowdim/machine"
)

// seed seeds every random draw of this package's tests.
const seed = 20260101

// sentinel fills the gaps of strided outputs (entries a routine must not
// write); NaN fills the gaps of inputs (entries it must not read) and the
// outputs that beta = 0 must overwrite.
const sentinel = -12345.5

// roundOff is the unit of the tolerance of a computed entry: with
// u = 2^-53, a k-term dot product carries |error| <= k u sum |terms| (the
// standard bound, gamma_k ~ k u), the implementation and the reference each;
// the alpha scaling, the beta term and the final sum add two roundings
// each. So |got - want| <= 2(k + 2) u M = (k + 2) 2^-52 M, with M the sum of
// the magnitudes of all terms (|alpha| sum_l |a_il b_lj| + |beta c_ij|).
const roundOff = 0x1p-52

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans}

// scalars are the (alpha, beta) pairs tried: the plain product, beta = 0
// over NaN, general values, alpha = 0, both zero, beta = 1. (gonum's Dgemv
// reads neither A nor x when alpha = 0, which TestDgemv checks with NaN;
// its Dgemm multiplies the product by 0.)
var scalars = [][2]float64{{1, 0}, {0.7, -1.3}, {-2, 1}, {0, 0.5}, {0, 0}, {0, 1}}

func TestActiveBackend(t *testing.T) {
	want := map[string]string{"gonum": "gonum.Implementation", "openblas": "blasbackend.OpenBLAS"}[machine.BLASBackend]
	require.NotEmpty(t, want, "unknown backend %q", machine.BLASBackend)
	require.Equal(t, want, fmt.Sprintf("%T", blas64.Implementation()))
	require.NotEmpty(t, blasbackend.Detail())
	t.Logf("backend %s: %s", machine.BLASBackend, blasbackend.Detail())
}

// stored returns a rows x cols row-major matrix with leading dimension
// max(1, cols+pad) and the minimal length (rows-1)*ld + cols (nil when it
// has no rows; gaps only when it has no columns): the
// entries from rng in [-1, 1), the gaps filled with gap.
func stored(rng *rand.Rand, rows, cols, pad int, gap float64) (data []float64, ld int) {
	ld = max(1, cols+pad)
	if rows == 0 {
		return nil, ld
	}
	data = make([]float64, (rows-1)*ld+cols)
	for i := range data {
		if i%ld < cols {
			data[i] = 2*rng.Float64() - 1
		} else {
			data[i] = gap
		}
	}
	return data, ld
}

// refGemm computes the reference C = alpha op(A) op(B) + beta C into want
// (entries of the m x n result, row-major, stride n) and the magnitudes M
// of the tolerance. alpha = 0 reads neither A nor B, beta = 0 does not read C.
func refGemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	at := func(i, l int) float64 {
		if tA == blas.NoTrans {
			return a[i*lda+l]
		}
		return a[l*lda+i]
	}
	bt := func(l, j int) float64 {
		if tB == blas.NoTrans {
			return b[l*ldb+j]
		}
		return b[j*ldb+l]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sm float64
			for l := 0; l < k; l++ {
				p := at(i, l) * bt(l, j)
				s += p
				sm += math.Abs(p)
			}
			v, vm := alpha*s, math.Abs(alpha)*sm
			if beta != 0 {
				v += beta * c[i*ldc+j]
				vm += math.Abs(beta * c[i*ldc+j])
			}
			want[i*n+j], mag[i*n+j] = v, vm
		}
	}
	return want, mag
}

func TestDgemm(t *testing.T) {
	impl := blas64.Implementation()
	rng := rand.New(rand.NewPCG(seed, 1))
	// Odd sizes on both sides of gonum's 64 x 64 block and OpenBLAS's
	// small-matrix paths, and every kind of empty product.
	sizes := [][3]int{
		{0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {4, 6, 0}, {1, 1, 1}, {1, 7, 1}, {3, 5, 7},
		{17, 9, 33}, {65, 70, 66}, {130, 67, 129},
	}
	for _, sz := range sizes {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, pad := range []int{0, 3} {
					for _, ab := range scalars {
						alpha, beta := ab[0], ab[1]
						name := fmt.Sprintf("m=%d/n=%d/k=%d/tA=%c/tB=%c/pad=%d/alpha=%g/beta=%g", m, n, k, tA, tB, pad, alpha, beta)
						ar, ac := m, k
						if tA != blas.NoTrans {
							ar, ac = k, m
						}
						br, bc := k, n
						if tB != blas.NoTrans {
							br, bc = n, k
						}
						a, lda := stored(rng, ar, ac, pad, math.NaN())
						b, ldb := stored(rng, br, bc, pad, math.NaN())
						c, ldc := stored(rng, m, n, pad, sentinel)
						if beta == 0 {
							// C must be overwritten, not scaled.
							for i := range c {
								if i%ldc < n {
									c[i] = math.NaN()
								}
							}
						}
						want, mag := refGemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
						impl.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
						checkMatrix(t, name, c, ldc, m, n, want, mag, float64(k+2)*roundOff)
					}
				}
			}
		}
	}
}

func fill(s []float64, v float64) {
	for i := range s {
		s[i] = v
	}
}

// checkMatrix compares the m x n matrix stored in got (stride ld) with want
// (stride n) entry by entry within rel*mag, and checks that the gaps still
// hold the sentinel.
func checkMatrix(t *testing.T, name string, got []float64, ld, m, n int, want, mag []float64, rel float64) {
	t.Helper()
	for i := 0; i < m; i++ {
		for j := 0; j < ld && i*ld+j < len(got); j++ {
			g := got[i*ld+j]
			if j >= n {
				if g != sentinel {
					t.Fatalf("%s: gap C[%d, %d] written: %v", name, i, j, g)
				}
				continue
			}
			w, tol := want[i*n+j], rel*mag[i*n+j]
			if math.IsNaN(g) || math.Abs(g-w) > tol {
				t.Fatalf("%s: C[%d, %d] = %v, want %v (tolerance %.3g)", name, i, j, g, w, tol)
			}
		}
	}
}

// strided returns a vector of n elements at increment inc (elements at
// |inc| spacing, in reverse order when inc < 0, as BLAS stores them) with
// the minimal length, its values from rng and its gaps filled with gap, and
// the index of logical element i.
func strided(rng *rand.Rand, n, inc int, gap float64) (data []float64, idx func(i int) int) {
	step := inc
	if step < 0 {
		step = -step
	}
	idx = func(i int) int {
		if inc > 0 {
			return i * step
		}
		return (n - 1 - i) * step
	}
	if n == 0 {
		return nil, idx
	}
	data = make([]float64, (n-1)*step+1)
	fill(data, gap)
	for i := 0; i < n; i++ {
		data[idx(i)] = 2*rng.Float64() - 1
	}
	return data, idx
}

func TestDgemv(t *testing.T) {
	impl := blas64.Implementation()
	rng := rand.New(rand.NewPCG(seed, 2))
	sizes := [][2]int{{0, 3}, {3, 0}, {1, 1}, {5, 7}, {70, 33}, {129, 130}}
	for _, sz := range sizes {
		m, n := sz[0], sz[1]
		for _, tA := range transposes {
			for _, pad := range []int{0, 3} {
				for _, incX := range []int{1, 2, -1, -3} {
					for _, incY := range []int{1, -2, 3} {
						for _, ab := range scalars {
							alpha, beta := ab[0], ab[1]
							name := fmt.Sprintf("m=%d/n=%d/tA=%c/pad=%d/incX=%d/incY=%d/alpha=%g/beta=%g", m, n, tA, pad, incX, incY, alpha, beta)
							lenX, lenY := n, m
							if tA != blas.NoTrans {
								lenX, lenY = m, n
							}
							a, lda := stored(rng, m, n, pad, math.NaN())
							x, ix := strided(rng, lenX, incX, math.NaN())
							y, iy := strided(rng, lenY, incY, sentinel)
							if alpha == 0 {
								fill(a, math.NaN())
								fill(x, math.NaN())
							}
							if beta == 0 {
								for i := 0; i < lenY; i++ {
									y[iy(i)] = math.NaN()
								}
							}
							want := make([]float64, lenY)
							mag := make([]float64, lenY)
							for i := 0; i < lenY; i++ {
								var s, sm float64
								if alpha != 0 {
									for j := 0; j < lenX; j++ {
										var aij float64
										if tA == blas.NoTrans {
											aij = a[i*lda+j]
										} else {
											aij = a[j*lda+i]
										}
										s += aij * x[ix(j)]
										sm += math.Abs(aij * x[ix(j)])
									}
								}
								want[i], mag[i] = alpha*s, math.Abs(alpha)*sm
								if beta != 0 {
									want[i] += beta * y[iy(i)]
									mag[i] += math.Abs(beta * y[iy(i)])
								}
							}
							impl.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
							if m == 0 || n == 0 {
								// Quick return: y untouched (NaN stays NaN).
								continue
							}
							tol := float64(lenX+2) * roundOff
							for i := 0; i < lenY; i++ {
								g := y[iy(i)]
								if math.IsNaN(g) || math.Abs(g-want[i]) > tol*mag[i] {
									t.Fatalf("%s: y[%d] = %v, want %v (tolerance %.3g)", name, i, g, want[i], tol*mag[i])
								}
							}
							for i, v := range y {
								if i%max(1, abs(incY)) != 0 && v != sentinel {
									t.Fatalf("%s: gap y[%d] written: %v", name, i, v)
								}
							}
						}
					}
				}
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// recovered returns the value f panics with, or nil.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestArgumentChecks: the active implementation panics exactly as gonum's
// does (same message, and the same check first when several fail).
func TestArgumentChecks(t *testing.T) {
	impl := blas64.Implementation()
	ref := gonum.Implementation{}
	s := func(n int) []float64 { return make([]float64, n) }
	const N, T, bad = blas.NoTrans, blas.Trans, blas.Transpose('X')
	type gemm struct {
		tA, tB      blas.Transpose
		m, n, k     int
		a           []float64
		lda         int
		b           []float64
		ldb         int
		c           []float64
		ldc         int
		alpha, beta float64
	}
	gemms := map[string]gemm{
		"bad tA":             {bad, N, 2, 2, 2, s(4), 2, s(4), 2, s(4), 2, 1, 0},
		"bad tB":             {N, bad, 2, 2, 2, s(4), 2, s(4), 2, s(4), 2, 1, 0},
		"m < 0":              {N, N, -1, 2, 2, s(4), 2, s(4), 2, s(4), 2, 1, 0},
		"n < 0":              {N, N, 2, -1, 2, s(4), 2, s(4), 2, s(4), 2, 1, 0},
		"k < 0":              {N, N, 2, 2, -1, s(4), 2, s(4), 2, s(4), 2, 1, 0},
		"lda":                {N, N, 2, 2, 3, s(6), 2, s(6), 2, s(4), 2, 1, 0},
		"lda trans":          {T, N, 3, 2, 2, s(6), 2, s(4), 2, s(6), 2, 1, 0},
		"ldb":                {N, N, 2, 3, 2, s(4), 2, s(6), 2, s(6), 3, 1, 0},
		"ldb trans":          {N, T, 2, 2, 3, s(6), 3, s(6), 2, s(4), 2, 1, 0},
		"ldc":                {N, N, 2, 3, 2, s(4), 2, s(6), 3, s(6), 2, 1, 0},
		"lda zero size":      {N, N, 0, 0, 0, nil, 0, nil, 1, nil, 1, 1, 0},
		"short a":            {N, N, 2, 2, 2, s(3), 2, s(4), 2, s(4), 2, 1, 0},
		"short b":            {N, N, 2, 2, 2, s(4), 2, s(3), 2, s(4), 2, 1, 0},
		"short c":            {N, N, 2, 2, 2, s(4), 2, s(4), 2, s(3), 2, 1, 0},
		"short c alpha 0":    {N, N, 2, 2, 2, s(4), 2, s(4), 2, s(3), 2, 0, 0},
		"m < 0 and bad ldc":  {N, N, -1, 2, 2, s(4), 2, s(4), 2, s(4), 1, 1, 0},
		"short a and b":      {N, N, 2, 2, 2, s(1), 2, s(1), 2, s(4), 2, 1, 0},
		"empty, short slice": {N, N, 0, 2, 2, nil, 2, nil, 2, nil, 2, 1, 0},
	}
	for name, g := range gemms {
		t.Run("Dgemm/"+name, func(t *testing.T) {
			call := func(impl blas.Float64) func() {
				return func() {
					impl.Dgemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
				}
			}
			require.Equal(t, recovered(call(ref)), recovered(call(impl)))
		})
	}
	type gemv struct {
		tA          blas.Transpose
		m, n        int
		a           []float64
		lda         int
		x           []float64
		incX        int
		y           []float64
		incY        int
		alpha, beta float64
	}
	gemvs := map[string]gemv{
		"bad tA":           {bad, 2, 2, s(4), 2, s(2), 1, s(2), 1, 1, 0},
		"m < 0":            {N, -1, 2, s(4), 2, s(2), 1, s(2), 1, 1, 0},
		"n < 0":            {N, 2, -1, s(4), 2, s(2), 1, s(2), 1, 1, 0},
		"lda":              {N, 2, 3, s(6), 2, s(3), 1, s(2), 1, 1, 0},
		"incX 0":           {N, 2, 2, s(4), 2, s(2), 0, s(2), 1, 1, 0},
		"incY 0":           {N, 2, 2, s(4), 2, s(2), 1, s(2), 0, 1, 0},
		"short x":          {N, 2, 3, s(6), 3, s(2), 1, s(2), 1, 1, 0},
		"short x negative": {N, 2, 2, s(4), 2, s(2), -2, s(2), 1, 1, 0},
		"short x trans":    {T, 3, 2, s(6), 2, s(2), 1, s(2), 1, 1, 0},
		"short y":          {N, 3, 2, s(6), 2, s(2), 1, s(2), 1, 1, 0},
		"short y negative": {N, 2, 2, s(4), 2, s(2), 1, s(2), -2, 1, 0},
		"short a":          {N, 2, 2, s(3), 2, s(2), 1, s(2), 1, 1, 0},
		"short a alpha 0":  {N, 2, 2, s(3), 2, s(2), 1, s(2), 1, 0, 0},
		"empty, short x":   {N, 0, 2, nil, 2, nil, 1, nil, 1, 1, 0},
		"incX 0 and short": {N, 2, 2, s(1), 2, s(2), 0, s(2), 1, 1, 0},
		"m < 0 and incY 0": {N, -1, 2, s(4), 2, s(2), 1, s(2), 0, 1, 0},
	}
	for name, g := range gemvs {
		t.Run("Dgemv/"+name, func(t *testing.T) {
			call := func(impl blas.Float64) func() {
				return func() {
					impl.Dgemv(g.tA, g.m, g.n, g.alpha, g.a, g.lda, g.x, g.incX, g.beta, g.y, g.incY)
				}
			}
			require.Equal(t, recovered(call(ref)), recovered(call(impl)))
		})
	}
}
