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
func Spread(d, r int, rng *rand.Rand) (*mat.Dense, error) {
	if r < 1 || 2*r > d {
		return nil, fmt.Errorf("workloads: spread target needs 1 <= r <= d/2, got d=%d r=%d", d, r)
	}
	idx := make([]int, r)
	for k := range idx {
		idx[k] = k * d / (2 * r)
	}
	return fromGaussianSVD(d, idx, rng)
}

// Top is a target of rank r from the top r singular triplets of a d x d
// standard Gaussian matrix.
func Top(d, r int, rng *rand.Rand) (*mat.Dense, error) {
	if r < 1 || r > d {
		return nil, fmt.Errorf("workloads: top-r target needs 1 <= r <= d, got d=%d r=%d", d, r)
	}
	idx := make([]int, r)
	for k := range idx {
		idx[k] = k
	}
	return fromGaussianSVD(d, idx, rng)
}

// WithValues is Phi = U diag(values) V^T with U, V the first len(values)
// singular vectors of a d x d standard Gaussian matrix (Haar-distributed
// frames). Values must be positive, finite and at most d of them; they are
// used in the given order, so decreasing values give decreasing singular
// values (e.g. a geometric sequence for incremental-learning demos).
func WithValues(d int, values []float64, rng *rand.Rand) (*mat.Dense, error) {
	if len(values) < 1 || len(values) > d {
		return nil, fmt.Errorf("workloads: %d singular values for a %d x %d target", len(values), d, d)
	}
	for i, v := range values {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("workloads: singular value %d is %v, want positive and finite", i+1, v)
		}
	}
	u, _, v, err := gaussianSVD(d, rng)
	if err != nil {
		return nil, err
	}
	r := len(values)
	return compose(u.Slice(0, d, 0, r), values, v.Slice(0, d, 0, r)), nil
}

// Geometric returns r values top, top*ratio, ..., top*ratio^(r-1).
func Geometric(top, ratio float64, r int) []float64 {
	v := make([]float64, r)
	for i := range v {
		v[i] = top * math.Pow(ratio, float64(i))
	}
	return v
}

func fromGaussianSVD(d int, idx []int, rng *rand.Rand) (*mat.Dense, error) {
	u, s, v, err := gaussianSVD(d, rng)
	if err != nil {
		return nil, err
	}
	r := len(idx)
	uk := mat.NewDense(d, r, nil)
	vk := mat.NewDense(d, r, nil)
	sk := make([]float64, r)
	for k, i := range idx {
		uk.SetCol(k, mat.Col(nil, i, u))
		vk.SetCol(k, mat.Col(nil, i, v))
		sk[k] = s[i]
	}
	return compose(uk, sk, vk), nil
}

func gaussianSVD(d int, rng *rand.Rand) (u *mat.Dense, s []float64, v *mat.Dense, err error) {
	g := mat.NewDense(d, d, nil)
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
