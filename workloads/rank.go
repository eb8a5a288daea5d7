package workloads

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Precision is the rounding of the number format a matrix came in (its
// source dtype), which bounds how small a singular value can be told from
// rounding noise.
type Precision struct {
	// Name is the dtype's NumPy name: "float64", "float32".
	Name string
	// Eps is the spacing of the format's numbers just above 1 (NumPy's
	// finfo(dtype).eps): 2^-52 for float64, 2^-23 for float32. A value x
	// in the normal range is stored to within Eps/2 |x|.
	Eps float64
	// Tiny is the spacing of the format's numbers below its smallest
	// normal number (its smallest subnormal): 2^-1074 for float64, 2^-149
	// for float32. A subnormal value is stored to within Tiny/2, so a
	// matrix scaled into the subnormal range has lost relative precision.
	Tiny float64
}

// The precisions of the source dtypes lowdim reads. Integer and bool
// arrays, and text (.csv, .mtx) parsed to float64, are Float64, as in
// NumPy, whose linalg computes on them in float64.
var (
	Float64 = Precision{Name: "float64", Eps: 0x1p-52, Tiny: 0x1p-1074}
	Float32 = Precision{Name: "float32", Eps: 0x1p-23, Tiny: 0x1p-149}
)

// PrecisionOf returns the precision of the source dtype named dtype (as npy
// and matfile report it: "float32", "float64", "int16", "bool", ...):
// Float32 for "float32", Float64 otherwise (integers and bools are exact
// in float64, and text is parsed to float64).
func PrecisionOf(dtype string) Precision {
	if dtype == Float32.Name {
		return Float32
	}
	return Float64
}

// RankTol returns the relative tolerance of Rank: a singular value counts
// toward the rank when it exceeds RankTol(smax, rows, cols, p) times the
// largest singular value smax of a rows x cols matrix of precision p. It is
// NumPy's matrix_rank tolerance, max(rows, cols) p.Eps, for a matrix in the
// normal range, raised to max(rows, cols) p.Tiny / smax when the matrix's
// scale is so small that its entries were stored as subnormals (then
// rounding perturbs each entry by up to Tiny/2, a matrix of 2-norm at most
// sqrt(rows cols) Tiny/2 <= max(rows, cols) Tiny). For smax in the normal
// range the result does not depend on smax.
func RankTol(smax float64, rows, cols int, p Precision) float64 {
	return float64(max(rows, cols)) * max(p.Eps, p.Tiny/smax)
}

// Rank returns the numerical rank of a rows x cols matrix of precision p
// whose singular values are s (in any order): the number of s_i with
// s_i / smax > RankTol(smax, rows, cols, p), smax = max_i s_i. This is
// NumPy's matrix_rank (tol = S.max() * max(M, N) * eps of the dtype),
// computed relative to smax so that it does not depend on the matrix's
// scale, even where smax times the tolerance would underflow. The largest
// value always counts (a nonzero matrix has rank at least 1, even at a
// scale so small that the tolerance exceeds 1). It returns an
// error when s is empty, holds a negative, NaN or infinite value, or is
// all zero (a zero matrix has no rank to fit). It does not allocate.
func Rank(s []float64, rows, cols int, p Precision) (int, error) {
	if len(s) == 0 {
		return 0, errors.New("no singular values")
	}
	smax := 0.0
	for _, v := range s {
		if !(v >= 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("singular value %v is not finite and non-negative", v)
		}
		smax = max(smax, v)
	}
	if smax == 0 {
		return 0, errors.New("the matrix is zero")
	}
	return countRel(s, smax, RankTol(smax, rows, cols, p)), nil
}

// countRel returns how many of s exceed rel times smax, comparing s_i/smax
// with rel (rel*smax may underflow), and at least 1.
func countRel(s []float64, smax, rel float64) int {
	n := 0
	for _, v := range s {
		if v/smax > rel {
			n++
		}
	}
	return max(n, 1)
}

// RankInfo is a matrix's numerical rank and how it was found.
type RankInfo struct {
	Rank int
	// SMax is the largest singular value; RelTol the tolerance relative
	// to it (RankTol).
	SMax, RelTol float64
	// Precision is the source precision the tolerance is for.
	Precision Precision
}

// MatrixRank returns the numerical rank of m (as Rank does) from its
// singular values. It first scales m by the power of two that brings its
// largest entry into [1/2, 1) — exact, so the singular values it computes
// are m's scaled exactly, however small or large m's scale — and then
// compares their ratios with RankTol at m's own scale. It returns an error
// naming the entry when m holds NaN or ±Inf, when m is zero, or when the
// SVD does not converge. It allocates a copy of m and its SVD (O(mn
// min(m, n)) time).
func MatrixRank(m mat.Matrix, p Precision) (RankInfo, error) {
	rows, cols := m.Dims()
	amax := 0.0
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return RankInfo{}, fmt.Errorf("entry (%d, %d) is %v; a rank needs finite values", i+1, j+1, v)
			}
			amax = max(amax, math.Abs(v))
		}
	}
	if amax == 0 {
		return RankInfo{}, fmt.Errorf("the %d x %d matrix is zero", rows, cols)
	}
	_, e := math.Frexp(amax) // amax = f 2^e, f in [1/2, 1)
	scaled := mat.NewDense(rows, cols, nil)
	scaled.Apply(func(_, _ int, v float64) float64 { return math.Ldexp(v, -e) }, m)
	s, err := SingularValues(scaled)
	if err != nil {
		return RankInfo{}, err
	}
	// s[0] >= the largest scaled entry >= 1/2: the ratios are exact in
	// scale, and smax below is m's largest singular value.
	smax := math.Ldexp(s[0], e)
	rel := RankTol(smax, rows, cols, p)
	return RankInfo{Rank: countRel(s, s[0], rel), SMax: smax, RelTol: rel, Precision: p}, nil
}
