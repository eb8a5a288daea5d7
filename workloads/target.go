package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Spread is the paper's target generator (Kwon et al., data.py): draw a
// d x d matrix G with iid N(0,1) entries, take its SVD G = U diag(s) V^T and
// keep the r triplets with indices floor(k d / (2r)), k = 0..r-1, spread over
// the top half of the spectrum, so the target's singular values are well
// separated: Phi = U[:,idx] diag(s[idx]) V[:,idx]^T. It needs 1 <= r <= d/2.
// It is SpreadRect(d, d, r, rng).
func Spread(d, r int, rng *rand.Rand) (*mat.Dense, error) { return SpreadRect(d, d, r, rng) }

// SpreadRect is Spread for a rows x cols target: G is rows x cols (filled
// row-major from rng) and the indices are floor(k q / (2r)) with
// q = min(rows, cols), the number of its singular values. It needs
// 1 <= r <= q/2. A square shape draws exactly what Spread draws.
func SpreadRect(rows, cols, r int, rng *rand.Rand) (*mat.Dense, error) {
	q := min(rows, cols)
	if r < 1 || 2*r > q {
		if rows == cols {
			return nil, fmt.Errorf("workloads: spread target needs 1 <= r <= d/2, got d=%d r=%d", rows, r)
		}
		return nil, fmt.Errorf("workloads: spread target needs 1 <= r <= min(m, n)/2, got %d x %d, r=%d", rows, cols, r)
	}
	idx := make([]int, r)
	for k := range idx {
		idx[k] = k * q / (2 * r)
	}
	return fromGaussianSVD(rows, cols, idx, rng)
}

// Top is a target of rank r from the top r singular triplets of a d x d
// standard Gaussian matrix (TopRect(d, d, r, rng)).
func Top(d, r int, rng *rand.Rand) (*mat.Dense, error) { return TopRect(d, d, r, rng) }

// TopRect is a rows x cols target of rank r from the top r singular
// triplets of a rows x cols standard Gaussian matrix; 1 <= r <=
// min(rows, cols).
func TopRect(rows, cols, r int, rng *rand.Rand) (*mat.Dense, error) {
	if r < 1 || r > min(rows, cols) {
		if rows == cols {
			return nil, fmt.Errorf("workloads: top-r target needs 1 <= r <= d, got d=%d r=%d", rows, r)
		}
		return nil, fmt.Errorf("workloads: top-r target needs 1 <= r <= min(m, n), got %d x %d, r=%d", rows, cols, r)
	}
	idx := make([]int, r)
	for k := range idx {
		idx[k] = k
	}
	return fromGaussianSVD(rows, cols, idx, rng)
}

// WithValues is Phi = U diag(values) V^T with U, V the first len(values)
// singular vectors of a d x d standard Gaussian matrix (Haar-distributed
// frames). Values must be positive, finite and at most d of them; they are
// used in the given order, so decreasing values give decreasing singular
// values (e.g. a geometric sequence for incremental-learning demos). It is
// WithValuesRect(d, d, values, rng).
func WithValues(d int, values []float64, rng *rand.Rand) (*mat.Dense, error) {
	return WithValuesRect(d, d, values, rng)
}

// WithValuesRect is WithValues for a rows x cols target: U and V are the
// leading singular vectors of a rows x cols Gaussian matrix, and at most
// min(rows, cols) values are allowed.
func WithValuesRect(rows, cols int, values []float64, rng *rand.Rand) (*mat.Dense, error) {
	if len(values) < 1 || len(values) > min(rows, cols) {
		return nil, fmt.Errorf("workloads: %d singular values for a %d x %d target", len(values), rows, cols)
	}
	for i, v := range values {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("workloads: singular value %d is %v, want positive and finite", i+1, v)
		}
	}
	u, _, v, err := gaussianSVD(rows, cols, rng)
	if err != nil {
		return nil, err
	}
	r := len(values)
	return compose(u.Slice(0, rows, 0, r), values, v.Slice(0, cols, 0, r)), nil
}

// Geometric returns r values top, top*ratio, ..., top*ratio^(r-1).
func Geometric(top, ratio float64, r int) []float64 {
	v := make([]float64, r)
	for i := range v {
		v[i] = top * math.Pow(ratio, float64(i))
	}
	return v
}

func fromGaussianSVD(rows, cols int, idx []int, rng *rand.Rand) (*mat.Dense, error) {
	u, s, v, err := gaussianSVD(rows, cols, rng)
	if err != nil {
		return nil, err
	}
	r := len(idx)
	uk := mat.NewDense(rows, r, nil)
	vk := mat.NewDense(cols, r, nil)
	sk := make([]float64, r)
	for k, i := range idx {
		uk.SetCol(k, mat.Col(nil, i, u))
		vk.SetCol(k, mat.Col(nil, i, v))
		sk[k] = s[i]
	}
	return compose(uk, sk, vk), nil
}

// gaussianSVD draws a rows x cols matrix of iid N(0, 1) entries from rng,
// row-major, and returns its full SVD (U rows x rows, V cols x cols).
func gaussianSVD(rows, cols int, rng *rand.Rand) (u *mat.Dense, s []float64, v *mat.Dense, err error) {
	g := mat.NewDense(rows, cols, nil)
	raw := g.RawMatrix().Data
	for i := range raw {
		raw[i] = rng.NormFloat64()
	}
	var svd mat.SVD
	if !svd.Factorize(g, mat.SVDFull) {
		return nil, nil, nil, errors.New("workloads: SVD of the Gaussian matrix did not converge")
	}
	u, v = new(mat.Dense), new(mat.Dense)
	svd.UTo(u)
	svd.VTo(v)
	return u, svd.Values(nil), v, nil
}

// compose returns U diag(s) V^T.
func compose(u mat.Matrix, s []float64, v mat.Matrix) *mat.Dense {
	r, k := u.Dims()
	us := mat.NewDense(r, k, nil)
	us.Apply(func(_, j int, x float64) float64 { return x * s[j] }, u)
	c, _ := v.Dims()
	phi := mat.NewDense(r, c, nil)
	phi.Mul(us, v.T())
	return phi
}

// SingularValues returns the singular values of m in decreasing order, or an
// error when the SVD does not converge. It allocates.
func SingularValues(m mat.Matrix) ([]float64, error) {
	var svd mat.SVD
	if !svd.Factorize(m, mat.SVDNone) {
		return nil, errors.New("workloads: SVD did not converge")
	}
	s := svd.Values(nil)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	return s, nil
}
