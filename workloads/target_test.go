package workloads_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// Tolerances of the target generators, relative to the largest singular
// value s_max (matrices relative to a norm).
//
// Forming U_r diag(s) V_r^T rounds each entry of a sum of r products, so the
// error matrix E has ||E||_2 <= ||E||_F <= gamma_r * s_max * sum_k ||u_k|| ||v_k||
// = r gamma_r s_max: at most 100 u s_max for r = 10. A backward-stable SVD
// then moves the singular values by at most p(d) u ||Phi||_2 with p(d) a
// modest multiple of d (LAPACK's dgesvd: about d). For d <= 100 both terms
// stay below ~1e-13 s_max.
const (
	// svRelTol: singular values of a generated target against the values
	// it was built from; 1e-11 leaves two decades above the bound. The
	// brief's value for WithValues is the tighter constant below.
	svRelTol = 1e-11
	// withValuesRelTol: "exactly the given singular values"; d = 30 and
	// r <= 6 keep the bound above near 1e-14, so 1e-12 holds with margin.
	withValuesRelTol = 1e-12
	// rankRelTol: the singular values beyond the rank are rounding noise of
	// size ~1e-14 s_max by the bound above; 1e-10 is the brief's threshold.
	rankRelTol = 1e-10
	// composeRelTol: ||Phi - Phi_ref||_F / ||Phi_ref||_F when both are
	// formed from the same SVD factors in different summation orders: at
	// most 2 r gamma_r (1e-13 for r = 10) relative to ||Phi||_2 <= ||Phi||_F.
	composeRelTol = 1e-12
)

// refSVD re-draws the d x d standard Gaussian matrix a generator draws
// (row-major NormFloat64 from a fresh source with the same seed) and
// returns its full SVD.
func refSVD(t *testing.T, d int, seed uint64) (u *mat.Dense, s []float64, v *mat.Dense) {
	t.Helper()
	g := gaussian(d, d, newRNG(seed))
	var svd mat.SVD
	require.True(t, svd.Factorize(g, mat.SVDFull))
	u, v = new(mat.Dense), new(mat.Dense)
	svd.UTo(u)
	svd.VTo(v)
	return u, svd.Values(nil), v
}

// refCompose returns sum_k vals[k] u_{idx[k]} v_{idx[k]}^T by explicit loops.
func refCompose(u, v *mat.Dense, idx []int, vals []float64) *mat.Dense {
	d, _ := u.Dims()
	phi := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			var x float64
			for k, c := range idx {
				x += u.At(i, c) * vals[k] * v.At(j, c)
			}
			phi.Set(i, j, x)
		}
	}
	return phi
}

// requireSpectrum checks that phi has singular values want (in decreasing
// order) within relTol*want[0], and that the others are below rankRelTol*want[0].
func requireSpectrum(t *testing.T, phi *mat.Dense, want []float64, relTol float64) {
	t.Helper()
	got := svdValues(t, phi)
	smax := want[0]
	for k, w := range want {
		requireClose(t, "singular value "+formatFloat(float64(k)), got[k], w, relTol*smax, 0)
	}
	for k := len(want); k < len(got); k++ {
		require.Less(t, got[k], rankRelTol*smax, "singular value %d beyond the rank %d", k, len(want))
	}
}

func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		name string
		d, r int
		idx  []int // floor(k d / (2r)), k = 0..r-1
	}{
		// floor(k*100/20) = 5k
		{"d=100 r=10", 100, 10, []int{0, 5, 10, 15, 20, 25, 30, 35, 40, 45}},
		// floor(k*30/8) = floor(3.75k)
		{"d=30 r=4", 30, 4, []int{0, 3, 7, 11}},
		// floor(k*7/6) = floor(1.1667k)
		{"d=7 r=3", 7, 3, []int{0, 1, 2}},
		// r = d/2: floor(k*10/10) = k
		{"d=10 r=5", 10, 5, []int{0, 1, 2, 3, 4}},
		// floor(k*9/4) = floor(2.25k)
		{"d=9 r=2", 9, 2, []int{0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const seed = 31
			phi, err := workloads.Spread(tc.d, tc.r, newRNG(seed))
			require.NoError(t, err)
			r, c := phi.Dims()
			require.Equal(t, [2]int{tc.d, tc.d}, [2]int{r, c})

			u, s, v := refSVD(t, tc.d, seed)
			want := make([]float64, tc.r)
			for k, i := range tc.idx {
				want[k] = s[i]
			}
			requireSpectrum(t, phi, want, svRelTol)
			requireMatClose(t, "Phi = U[:,idx] diag(s[idx]) V[:,idx]^T", phi, refCompose(u, v, tc.idx, want), 0, composeRelTol)
		})
	}
}

// TestSpreadIsNotTop: the spread and top-r targets of one Gaussian matrix
// differ (the comparisons above can tell the index sets apart).
func TestSpreadIsNotTop(t *testing.T) {
	spread, err := workloads.Spread(20, 3, newRNG(32))
	require.NoError(t, err)
	top, err := workloads.Top(20, 3, newRNG(32))
	require.NoError(t, err)
	sv, tv := svdValues(t, spread), svdValues(t, top)
	// The largest value is shared (index 0); the second is s[3] against s[1].
	requireClose(t, "top singular value", sv[0], tv[0], svRelTol*tv[0], 0)
	require.Less(t, sv[1], tv[1]*(1-1e-3), "spread skips indices 1 and 2")
}

func TestTop(t *testing.T) {
	for _, tc := range []struct {
		name string
		d, r int
	}{{"d=40 r=6", 40, 6}, {"d=8 r=8 full rank", 8, 8}, {"d=5 r=1", 5, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			const seed = 33
			phi, err := workloads.Top(tc.d, tc.r, newRNG(seed))
			require.NoError(t, err)
			u, s, v := refSVD(t, tc.d, seed)
			idx := make([]int, tc.r)
			for k := range idx {
				idx[k] = k
			}
			requireSpectrum(t, phi, s[:tc.r], svRelTol)
			requireMatClose(t, "Phi = U_r diag(s_r) V_r^T", phi, refCompose(u, v, idx, s[:tc.r]), 0, composeRelTol)
		})
	}
}

func TestWithValues(t *testing.T) {
	const d = 30
	for _, tc := range []struct {
		name   string
		values []float64
		sorted []float64 // decreasing
	}{
		// Geometric(10, 1/2, 6): exact binary numbers
		{"geometric", workloads.Geometric(10, 0.5, 6), []float64{10, 5, 2.5, 1.25, 0.625, 0.3125}},
		{"not sorted", []float64{1, 3, 2}, []float64{3, 2, 1}},
		{"one value", []float64{7}, []float64{7}},
		{"repeated", []float64{2, 2, 1}, []float64{2, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const seed = 34
			phi, err := workloads.WithValues(d, tc.values, newRNG(seed))
			require.NoError(t, err)
			requireSpectrum(t, phi, tc.sorted, withValuesRelTol)
			// The frames are the leading singular vectors of the Gaussian
			// matrix of the same seed, used in the given order.
			u, _, v := refSVD(t, d, seed)
			idx := make([]int, len(tc.values))
			for k := range idx {
				idx[k] = k
			}
			requireMatClose(t, "Phi = U_r diag(values) V_r^T", phi, refCompose(u, v, idx, tc.values), 0, composeRelTol)
		})
	}
}

func TestGeometric(t *testing.T) {
	for _, tc := range []struct {
		name       string
		top, ratio float64
		r          int
		want       []float64
	}{
		{"8 halving", 8, 0.5, 4, []float64{8, 4, 2, 1}},
		// 0.1^k is not exact in binary: Pow and the product round, 2u each.
		{"tenths", 1, 0.1, 3, []float64{1, 0.1, 0.01}},
		{"one", 3, 7, 1, []float64{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := workloads.Geometric(tc.top, tc.ratio, tc.r)
			require.Len(t, got, tc.r)
			for i := range got {
				requireClose(t, "value", got[i], tc.want[i], 0, handTol)
			}
		})
	}
}

func TestTargetErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  func(rng *rand.Rand) (*mat.Dense, error)
	}{
		{"spread r > d/2 (d=100 r=51)", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Spread(100, 51, rng) }},
		{"spread r > d/2 (d=5 r=3)", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Spread(5, 3, rng) }},
		{"spread r = 0", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Spread(10, 0, rng) }},
		{"spread d=1 r=1", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Spread(1, 1, rng) }},
		{"top r = 0", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Top(10, 0, rng) }},
		{"top r > d", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Top(10, 11, rng) }},
		{"values empty", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.WithValues(5, nil, rng) }},
		{"values more than d", func(rng *rand.Rand) (*mat.Dense, error) {
			return workloads.WithValues(2, []float64{3, 2, 1}, rng)
		}},
		{"value 0", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.WithValues(5, []float64{1, 0}, rng) }},
		{"value negative", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.WithValues(5, []float64{-1}, rng) }},
		{"value NaN", func(rng *rand.Rand) (*mat.Dense, error) {
			return workloads.WithValues(5, []float64{1, math.NaN()}, rng)
		}},
		{"value +Inf", func(rng *rand.Rand) (*mat.Dense, error) {
			return workloads.WithValues(5, []float64{math.Inf(1)}, rng)
		}},
		{"value -Inf", func(rng *rand.Rand) (*mat.Dense, error) {
			return workloads.WithValues(5, []float64{math.Inf(-1)}, rng)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			phi, err := tc.gen(newRNG(1))
			require.Error(t, err)
			require.Nil(t, phi)
		})
	}
}

func TestTargetDeterminism(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  func(rng *rand.Rand) (*mat.Dense, error)
	}{
		{"spread", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Spread(12, 3, rng) }},
		{"top", func(rng *rand.Rand) (*mat.Dense, error) { return workloads.Top(12, 3, rng) }},
		{"values", func(rng *rand.Rand) (*mat.Dense, error) {
			return workloads.WithValues(12, []float64{4, 2, 1}, rng)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.gen(newRNG(35))
			require.NoError(t, err)
			b, err := tc.gen(newRNG(35))
			require.NoError(t, err)
			require.Equal(t, a.RawMatrix().Data, b.RawMatrix().Data, "same seed, bit-identical target")
			c, err := tc.gen(newRNG(36))
			require.NoError(t, err)
			require.NotEqual(t, a.RawMatrix().Data, c.RawMatrix().Data, "another seed, another target")
		})
	}
}

func TestSingularValues(t *testing.T) {
	// diag(1, 3, 2) has singular values 3, 2, 1; a backward-stable SVD of
	// a 3 x 3 matrix is within a few u of them (handTol relative to 3).
	s, err := workloads.SingularValues(mat.NewDiagDense(3, []float64{1, 3, 2}))
	require.NoError(t, err)
	require.Len(t, s, 3)
	for i, want := range []float64{3, 2, 1} {
		requireClose(t, "singular value", s[i], want, 3*handTol, 0)
	}
	// Decreasing on a random rectangular matrix, and equal to gonum's.
	g := gaussian(7, 4, newRNG(37))
	s, err = workloads.SingularValues(g)
	require.NoError(t, err)
	require.Equal(t, svdValues(t, g), s)
	for i := 1; i < len(s); i++ {
		require.GreaterOrEqual(t, s[i-1], s[i])
	}
}
