package workloads_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// rankSeed is the seed of the rank tests' one source (newRNG).
const rankSeed = 20240607

// requireRank checks that Rank of the values s of a rows x cols matrix of
// precision p is want, printing both.
func requireRank(t *testing.T, s []float64, rows, cols int, p workloads.Precision, want int) {
	t.Helper()
	got, err := workloads.Rank(s, rows, cols, p)
	require.NoError(t, err)
	require.Equalf(t, want, got, "Rank(%g, %d x %d, %s) = %d, want %d (relative tolerance %g)",
		s, rows, cols, p.Name, got, want, workloads.RankTol(s[0], rows, cols, p))
}

// TestRankNumPy: Rank of given singular values, each expectation derived
// from NumPy's rule S > S.max() * max(M, N) * eps.
func TestRankNumPy(t *testing.T) {
	// The singular values NumPy 1.24 reports for the 100 x 100 float32
	// rank-5 target of ../shared/cases/rank-inference-float32
	// (numpy_says.txt), the first nine of them relative to s1.
	f4 := []float64{1, 8.50615084e-01, 7.39513693e-01, 6.21921293e-01, 5.57009976e-01,
		1.10646067e-08, 1.04169747e-08, 9.56060945e-09, 9.01456605e-09}
	for _, tt := range []struct {
		name       string
		s          []float64
		rows, cols int
		p          workloads.Precision
		want       int
	}{
		// float32: tol = 100 * 2^-23 = 1.19e-5 lies between s5 = 0.557 and
		// s6 = 1.1e-8: rank 5, NumPy's matrix_rank of the float32 array.
		{"float32 case as float32", f4, 100, 100, workloads.Float32, 5},
		// The same values taken as float64: tol = 100 * 2^-52 = 2.2e-14 is
		// below every listed value, so all 9 count (NumPy gives 100 for the
		// whole float64 array): the source dtype decides.
		{"float32 case as float64", f4, 100, 100, workloads.Float64, 9},
		// A rectangular matrix uses max(M, N): 3 x 1e6 gives tol =
		// 1e6 * 2^-52 = 2.2e-10, above 1e-10 and below 1e-9.
		{"rectangular", []float64{1, 1e-9, 1e-10}, 3, 1_000_000, workloads.Float64, 2},
		// The order of s does not matter; tol from the largest, 4:
		// 2 * 2^-23 = 2.4e-7 relative, 9.5e-7 absolute, above 5e-7.
		{"unordered", []float64{5e-7, 4, 2}, 2, 2, workloads.Float32, 2},
		// A value equal to the tolerance does not count (NumPy: S > tol).
		{"at the tolerance", []float64{1, 10 * 0x1p-52}, 10, 10, workloads.Float64, 1},
		// Zero singular values of a rank-deficient matrix never count.
		{"exact zeros", []float64{3, 2, 0, 0}, 4, 4, workloads.Float64, 2},
	} {
		t.Run(tt.name, func(t *testing.T) { requireRank(t, tt.s, tt.rows, tt.cols, tt.p, tt.want) })
	}
}

// TestRankScale: the rank does not depend on the matrix's scale where
// rel*smax would underflow (the old threshold compared s_i with 1e-8 s_1,
// which is 0 for s_1 = 1e-320, so every nonzero value counted).
func TestRankScale(t *testing.T) {
	for _, scale := range []float64{1, 1e-300, 1e-310, 1e300} {
		// Values 1, 0.5, 1e-20 scaled: 1e-20 is below 3 * 2^-52 = 6.7e-16
		// relative at every scale, so the rank is 2.
		s := []float64{scale, 0.5 * scale, 1e-20 * scale}
		requireRank(t, s, 3, 3, workloads.Float64, 2)
	}
}

// TestMatrixRank: ranks of matrices, through their SVD.
func TestMatrixRank(t *testing.T) {
	rng := newRNG(rankSeed)
	const d = 10
	// A rank-3 target with singular values 6, 4, 2.5 (WithValues). Its
	// other singular values are rounding noise: forming U diag(s) V^T
	// rounds each entry of a 3-term sum (relative error ~u = 2^-53 each),
	// and the SVD adds a backward error of a few u ||phi||. Random rounding
	// errors add up like sqrt(d) u s1 ~ 4e-16 s1 in 2-norm, below the
	// tolerance d 2^-52 = 2.2e-15 (the worst-case bound, ~(r^2 + d) u s1,
	// is not: the same risk NumPy takes), while s3 / s1 = 2.5/6: rank 3.
	phi, err := workloads.WithValues(d, []float64{6, 4, 2.5}, rng)
	require.NoError(t, err)
	amax := mat.Norm(phi, math.Inf(1)) // an upper bound of max |entry| is enough for scaling
	for _, tt := range []struct {
		name  string
		scale float64 // of the largest entry
		want  int
	}{
		{"unit scale", 1, 3},
		{"huge", 1e300, 3},
		// Scaled to 1e-320 the entries are subnormal: stored to within
		// Tiny/2 = 2^-1075 each, an error matrix of 2-norm at most
		// sqrt(100) 2^-1075 = 5 Tiny, while the tolerance is
		// max(10 eps, 10 Tiny / s1) s1 >= 10 Tiny: the noise never counts,
		// and s3 / s1 = 2.5/6 is far above 10 Tiny / s1 (s1 ~ 1e-320,
		// Tiny / s1 ~ 5e-4): rank 3, not "rank 7".
		{"subnormal 1e-320", 1e-320, 3},
		{"smallest normal", 0x1p-1022, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := mat.NewDense(d, d, nil)
			m.Scale(tt.scale/amax, phi)
			info, err := workloads.MatrixRank(m, workloads.Float64)
			require.NoError(t, err)
			require.Equalf(t, tt.want, info.Rank, "rank of the rank-3 target scaled to %g (relative tolerance %g, s1 %g)", tt.scale, info.RelTol, info.SMax)
		})
	}
	// A matrix with one nonzero entry at the smallest subnormal: the
	// tolerance, 3 Tiny / s1 = 3, exceeds 1, but a nonzero matrix has rank
	// at least 1.
	m := mat.NewDense(3, 3, nil)
	m.Set(1, 2, 0x1p-1074)
	info, err := workloads.MatrixRank(m, workloads.Float64)
	require.NoError(t, err)
	require.Equal(t, 1, info.Rank)
}

// TestMatrixRankFloat32: a float32 matrix's rounding noise is not rank.
func TestMatrixRankFloat32(t *testing.T) {
	rng := newRNG(rankSeed + 1)
	const d = 60
	phi, err := workloads.WithValues(d, []float64{10, 8, 5, 3, 2}, rng)
	require.NoError(t, err)
	// Rounding every entry to float32 adds E with |E_ij| <= 2^-24 |phi_ij|,
	// ||E||_2 <= ||E||_F <= 2^-24 ||phi||_F = 2^-24 sqrt(202) = 8.5e-7,
	// i.e. 8.5e-8 of s1 = 10: below the float32 tolerance 60 * 2^-23 =
	// 7.2e-6 (rank 5, as NumPy says) and far above the float64 one,
	// 60 * 2^-52 = 1.3e-14 (rank well above 5).
	phi.Apply(func(_, _ int, v float64) float64 { return float64(float32(v)) }, phi)
	info, err := workloads.MatrixRank(phi, workloads.Float32)
	require.NoError(t, err)
	require.Equal(t, 5, info.Rank, "float32 precision")
	info, err = workloads.MatrixRank(phi, workloads.Float64)
	require.NoError(t, err)
	require.Greater(t, info.Rank, 5, "the same data taken as float64")
}

// TestRankErrors: a zero or non-finite matrix has no rank: an error, never
// rank 0 or NaN.
func TestRankErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    []float64
	}{
		{"empty", nil},
		{"zero", []float64{0, 0, 0}},
		{"NaN", []float64{1, math.NaN()}},
		{"Inf", []float64{math.Inf(1), 1}},
		{"negative", []float64{1, -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := workloads.Rank(tt.s, 3, 3, workloads.Float64)
			require.Error(t, err)
		})
	}
	for _, tt := range []struct {
		name string
		v    float64
		msg  string
	}{
		{"zero matrix", 0, "zero"},
		{"NaN entry", math.NaN(), "entry (2, 3) is NaN"},
		{"Inf entry", math.Inf(-1), "entry (2, 3) is -Inf"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := mat.NewDense(3, 3, nil)
			m.Set(1, 2, tt.v)
			_, err := workloads.MatrixRank(m, workloads.Float64)
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestPrecisionOf(t *testing.T) {
	require.Equal(t, workloads.Float32, workloads.PrecisionOf("float32"))
	for _, d := range []string{"float64", "int64", "uint8", "bool", ""} {
		require.Equal(t, workloads.Float64, workloads.PrecisionOf(d), d)
	}
	// The constants are NumPy's finfo(float32/float64).eps and smallest_subnormal.
	require.Equal(t, float64(math.Nextafter32(1, 2)-1), workloads.Float32.Eps)
	require.Equal(t, math.Nextafter(1, 2)-1, workloads.Float64.Eps)
	require.Equal(t, float64(math.SmallestNonzeroFloat32), workloads.Float32.Tiny)
	require.Equal(t, math.SmallestNonzeroFloat64, workloads.Float64.Tiny)
}
