package workloads_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// TestRectGenerators: the rows x cols generators build a target of the
// given shape from the rows x cols Gaussian matrix they draw (row-major
// from the seed), with the singular values of that matrix at the spread
// indices floor(k min(m, n) / (2r)) (or the top r, or the given values),
// and rank r. Tolerances are those of the square generators (svRelTol,
// rankRelTol): the bounds behind them depend on max(m, n) <= 100 the same
// way.
func TestRectGenerators(t *testing.T) {
	for _, shape := range [][2]int{{30, 45}, {45, 30}, {12, 40}} {
		m, n := shape[0], shape[1]
		q := min(m, n)
		const r, seed = 3, 7
		g := gaussian(m, n, newRNG(seed))
		var svd mat.SVD
		require.True(t, svd.Factorize(g, mat.SVDNone))
		s := svd.Values(nil)
		t.Run("spread", func(t *testing.T) {
			phi, err := workloads.SpreadRect(m, n, r, newRNG(seed))
			require.NoError(t, err)
			rows, cols := phi.Dims()
			require.Equal(t, [2]int{m, n}, [2]int{rows, cols})
			want := make([]float64, r)
			for k := range want {
				want[k] = s[k*q/(2*r)]
			}
			requireSpectrum(t, phi, want, svRelTol)
		})
		t.Run("top", func(t *testing.T) {
			phi, err := workloads.TopRect(m, n, r, newRNG(seed))
			require.NoError(t, err)
			requireSpectrum(t, phi, s[:r], svRelTol)
		})
		t.Run("values", func(t *testing.T) {
			vals := workloads.Geometric(10, 0.5, r)
			phi, err := workloads.WithValuesRect(m, n, vals, newRNG(seed))
			require.NoError(t, err)
			rows, cols := phi.Dims()
			require.Equal(t, [2]int{m, n}, [2]int{rows, cols})
			requireSpectrum(t, phi, vals, withValuesRelTol)
		})
	}
}

// TestRectGeneratorsSquareIsSquare: the rectangular generators at a square
// shape draw exactly what the square ones draw (the square ones are them).
func TestRectGeneratorsSquareIsSquare(t *testing.T) {
	a, err := workloads.Spread(20, 3, newRNG(1))
	require.NoError(t, err)
	b, err := workloads.SpreadRect(20, 20, 3, newRNG(1))
	require.NoError(t, err)
	require.True(t, mat.Equal(a, b))
}

// TestRectGeneratorRules: the rank rules follow min(m, n).
func TestRectGeneratorRules(t *testing.T) {
	_, err := workloads.SpreadRect(10, 40, 6, newRNG(1)) // 2r = 12 > min = 10
	require.ErrorContains(t, err, "min(m, n)/2")
	_, err = workloads.TopRect(40, 10, 11, newRNG(1))
	require.ErrorContains(t, err, "min(m, n)")
	_, err = workloads.WithValuesRect(40, 10, make([]float64, 11), newRNG(1))
	require.ErrorContains(t, err, "11 singular values for a 40 x 10 target")
	_, err = workloads.NewFactoredRect(40, 10, []float64{3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1}, newRNG(1))
	require.ErrorContains(t, err, "11 singular values for a 40 x 10 target")
}

// TestNewFactoredRect: U is rows x r and V cols x r with orthonormal
// columns (to 1e-13: a Householder QR of a 40 x 3 block is accurate to a
// small multiple of the unit roundoff times the size), and Dense has the
// given singular values.
func TestNewFactoredRect(t *testing.T) {
	s := []float64{5, 3, 1}
	f, err := workloads.NewFactoredRect(40, 25, s, newRNG(3))
	require.NoError(t, err)
	rows, cols := f.Dims()
	require.Equal(t, [2]int{40, 25}, [2]int{rows, cols})
	for _, q := range []*mat.Dense{f.U, f.V} {
		var g mat.Dense
		g.Mul(q.T(), q)
		for i := range 3 {
			for j := range 3 {
				want := 0.0
				if i == j {
					want = 1
				}
				require.InDelta(t, want, g.At(i, j), 1e-13)
			}
		}
	}
	requireSpectrum(t, f.Dense(), s, svRelTol)
}

// TestGaussianQuantiles: the Marchenko-Pastur quantiles start at the upper
// edge sqrt(p) (1 + sqrt(lambda)) (the fraction 0), agree with the
// quarter-circle law as lambda approaches 1 (m = 999, n = 1000: the edges
// differ by (1 - sqrt(0.999)) ~ 5e-4 relative, so 2e-3), are decreasing,
// and match the singular values of a drawn 300 x 600 Gaussian matrix at the
// fractions 0.1..0.5 within 3% (finite-size fluctuations at this size are
// about n^(-2/3) ~ 1% at the edge and smaller in the bulk).
func TestGaussianQuantiles(t *testing.T) {
	fr := []float64{0, 0.1, 0.25, 0.5, 0.75}
	got := workloads.GaussianQuantiles(300, 600, fr)
	edge := math.Sqrt(600) * (1 + math.Sqrt(0.5))
	require.InDelta(t, edge, got[0], 1e-6*edge)
	for i := 1; i < len(got); i++ {
		require.Less(t, got[i], got[i-1])
	}
	near := workloads.GaussianQuantiles(999, 1000, fr[:4])
	square := workloads.GaussianQuantiles(1000, 1000, fr[:4])
	for i := range near {
		require.InDelta(t, square[i], near[i], 2e-3*square[0], "fraction %g", fr[i])
	}
	// The square case is QuarterCircle's law.
	qc := workloads.QuarterCircle(1000, 2) // fractions 0, 1/4
	require.Equal(t, qc[0], square[0])
	require.Equal(t, qc[1], square[2])

	g := gaussian(300, 600, newRNG(11))
	var svd mat.SVD
	require.True(t, svd.Factorize(g, mat.SVDNone))
	s := svd.Values(nil)
	for i, f := range fr[1:] {
		emp := s[int(f*300)]
		require.InDelta(t, emp, got[i+1], 0.03*emp, "fraction %g", f)
	}
}
