package workloads_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// unitRoundoff is u = 2^-53, the relative error of one correctly rounded
// float64 operation.
const unitRoundoff = 0x1p-53

// handTol is the relative tolerance of the hand-computed expectations. Every
// expected value below is an exact binary number (small integers, halves,
// quarters, 1/3 and 2/3 aside) that the code reaches through at most four
// correctly rounded operations (difference, square, sum of a handful of
// exact integers, one scale or division), each adding at most u relative
// error: 4u bounds it, 8u leaves a factor two.
const handTol = 8 * unitRoundoff

// gamma is Higham's gamma_n = n u / (1 - n u): a sum of n products computed
// in any order has an absolute error at most gamma_n times the sum of the
// products' magnitudes. Two such computations (the code and the test's
// reference loop) differ by at most twice that.
func gamma(n int) float64 {
	nu := float64(n) * unitRoundoff
	return nu / (1 - nu)
}

// newRNG is the one seeded source of a test's randomness.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x10d1)) }

// gaussian returns a rows x cols matrix of iid N(0,1) entries, row-major.
func gaussian(rows, cols int, rng *rand.Rand) *mat.Dense {
	m := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	return m
}

// nanDense returns a rows x cols matrix filled with NaN, so that entries a
// call does not write show up.
func nanDense(rows, cols int) *mat.Dense {
	m := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m.Set(i, j, math.NaN())
		}
	}
	return m
}

// requireClose checks |got - want| <= relTol*|want| + absTol and prints both.
func requireClose(t testing.TB, what string, got, want, absTol, relTol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= absTol+relTol*math.Abs(want)) {
		t.Fatalf("%s: got %.17g, want %.17g (|diff| %.3g > abs %.3g + rel %.3g)",
			what, got, want, math.Abs(got-want), absTol, relTol)
	}
}

// requireMatClose checks ||got - want||_F <= relTol*||want||_F + absTol
// entrywise-shaped, printing both matrices on failure. NaN anywhere fails.
func requireMatClose(t testing.TB, what string, got, want mat.Matrix, absTol, relTol float64) {
	t.Helper()
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	require.Equal(t, [2]int{wr, wc}, [2]int{gr, gc}, "%s: shape", what)
	var diff mat.Dense
	diff.Sub(got, want)
	d, n := mat.Norm(&diff, 2), mat.Norm(want, 2)
	if !(d <= absTol+relTol*n) {
		t.Fatalf("%s: ||got - want||_F = %.3g > abs %.3g + rel %.3g * %.3g\ngot  %.6g\nwant %.6g",
			what, d, absTol, relTol, n, mat.Formatted(got), mat.Formatted(want))
	}
}

// requireShapePanic checks that f panics with an error wrapping
// workloads.ErrShape.
func requireShapePanic(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		require.NotNil(t, r, "%s: no panic", what)
		err, ok := r.(error)
		require.True(t, ok, "%s: panic value %v (%T) is not an error", what, r, r)
		require.True(t, errors.Is(err, workloads.ErrShape), "%s: panic %v does not wrap ErrShape", what, err)
	}()
	f()
}

// svdValues returns the singular values of m, decreasing (gonum's order).
func svdValues(t testing.TB, m mat.Matrix) []float64 {
	t.Helper()
	var svd mat.SVD
	require.True(t, svd.Factorize(m, mat.SVDNone), "SVD did not converge")
	return svd.Values(nil)
}

// formatFloat names a float in a subtest name.
func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// noPanic runs f and turns a panic into a test failure, so that one
// failing case does not abort the whole test binary.
func noPanic(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", what, r)
		}
	}()
	f()
}
