package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/orth"
	"github.com/lowdim/lowdim/randmat"
)

// Factored is a rank-r target held as its singular value decomposition
// Phi = U diag(S) V^T (U: rows x r, V: cols x r, orthonormal columns), for
// problems too large to hold Phi densely.
type Factored struct {
	U, V *mat.Dense
	S    []float64 // decreasing, positive
}

// Dims returns the shape of Phi.
func (f *Factored) Dims() (rows, cols int) {
	rows, _ = f.U.Dims()
	cols, _ = f.V.Dims()
	return rows, cols
}

// At returns Phi_ij = sum_k U_ik S_k V_jk (O(r)).
func (f *Factored) At(i, j int) float64 {
	u, v := f.U.RawRowView(i), f.V.RawRowView(j)
	var s float64
	for k, sk := range f.S {
		s += u[k] * sk * v[k]
	}
	return s
}

// Norm returns ||Phi||_F = ||S||_2.
func (f *Factored) Norm() float64 {
	var ss float64
	for _, s := range f.S {
		ss += s * s
	}
	return math.Sqrt(ss)
}

// Dense returns Phi as a dense matrix (rows*cols memory).
func (f *Factored) Dense() *mat.Dense {
	r, c := f.Dims()
	us := mat.DenseCopyOf(f.U)
	for i := 0; i < r; i++ {
		row := us.RawRowView(i)
		for k := range row {
			row[k] *= f.S[k]
		}
	}
	phi := mat.NewDense(r, c, nil)
	phi.Mul(us, f.V.T())
	return phi
}

// QuarterCircle returns r singular values spread like the paper's
// generator, in the large-d limit: the singular values of a d x d standard
// Gaussian matrix, divided by sqrt(d), follow the quarter-circle law with
// density sqrt(4 - x^2)/pi on [0, 2]; the k-th value (k = 0..r-1) is
// sqrt(d) x_k with x_k the point above which a fraction k/(2r) of that law
// lies (x_0 = 2, the edge). Dense Spread draws these values with
// fluctuations; QuarterCircle gives their limits, at any d, without an
// O(d^3) SVD.
func QuarterCircle(d, r int) []float64 {
	s := make([]float64, r)
	for k := range s {
		s[k] = quarterCircleAt(d, float64(k)/float64(2*r))
	}
	return s
}

// quarterCircleAt returns sqrt(d) x with x the point above which a fraction
// q of the quarter-circle law lies.
func quarterCircleAt(d int, q float64) float64 {
	// tail(x) = fraction of the law above x, decreasing from 1 at 0 to 0 at 2:
	// tail(x) = 1 - (x sqrt(4 - x^2)/2 + 2 asin(x/2)) / pi.
	tail := func(x float64) float64 {
		return 1 - (x*math.Sqrt(4-x*x)/2+2*math.Asin(x/2))/math.Pi
	}
	lo, hi := 0.0, 2.0
	for it := 0; it < 100; it++ {
		mid := (lo + hi) / 2
		if tail(mid) > q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Sqrt(float64(d)) * (lo + hi) / 2
}

// NewFactored draws Haar-distributed frames U, V (the Q factors of d x r
// Gaussian matrices, signs fixed, drawn in that order from rng) for the given
// decreasing positive singular values. It is NewFactoredRect(d, d, s, rng).
func NewFactored(d int, s []float64, rng *rand.Rand) (*Factored, error) {
	return NewFactoredRect(d, d, s, rng)
}

// NewFactoredRect is NewFactored for a rows x cols target: U is rows x r and
// V cols x r, drawn in that order; r = len(s) must be at most
// min(rows, cols).
func NewFactoredRect(rows, cols int, s []float64, rng *rand.Rand) (*Factored, error) {
	r := len(s)
	if r < 1 || r > min(rows, cols) {
		return nil, fmt.Errorf("workloads: %d singular values for a %d x %d target", r, rows, cols)
	}
	for i, v := range s {
		if !(v > 0) || math.IsInf(v, 0) || (i > 0 && v > s[i-1]) {
			return nil, fmt.Errorf("workloads: singular value %d is %v, want positive, finite and not above the previous", i+1, v)
		}
	}
	u := mat.NewDense(rows, r, nil)
	v := mat.NewDense(cols, r, nil)
	randmat.Orthogonal(u, 1, rng)
	randmat.Orthogonal(v, 1, rng)
	return &Factored{U: u, V: v, S: append([]float64(nil), s...)}, nil
}

// GaussianQuantiles returns the large-size limits of singular values of a
// rows x cols standard Gaussian matrix: for each fraction f of fracs (in
// [0, 1)), the value above which a fraction f of its min(rows, cols)
// singular values lies. With q = min and p = max of the shape and
// lambda = q/p, s^2/p follows the Marchenko-Pastur law of ratio lambda,
// density sqrt((b - x)(x - a)) / (2 pi lambda x) on [a, b] with
// a = (1 - sqrt(lambda))^2, b = (1 + sqrt(lambda))^2; the quantile is found
// by bisection on its tail, integrated by Simpson's rule in the angle
// x = a + (b - a)(1 - cos t)/2 (which removes the square roots at the edges;
// 2048 panels, relative error below 1e-9 for lambda >= 0.01). A square shape
// is the quarter-circle law of QuarterCircle, which is used for it.
func GaussianQuantiles(rows, cols int, fracs []float64) []float64 {
	out := make([]float64, len(fracs))
	if rows == cols {
		for i, f := range fracs {
			out[i] = quarterCircleAt(rows, f)
		}
		return out
	}
	q, p := min(rows, cols), max(rows, cols)
	lambda := float64(q) / float64(p)
	a := (1 - math.Sqrt(lambda)) * (1 - math.Sqrt(lambda))
	b := (1 + math.Sqrt(lambda)) * (1 + math.Sqrt(lambda))
	h := (b - a) / 2
	g := func(t float64) float64 { // density times dx/dt
		x := a + h*(1-math.Cos(t))
		st := math.Sin(t)
		return h * h * st * st / (2 * math.Pi * lambda * x)
	}
	tail := func(t0 float64) float64 { // integral of g over [t0, pi]
		const n = 2048
		w := (math.Pi - t0) / n
		sum := g(t0) + g(math.Pi)
		for k := 1; k < n; k++ {
			c := 2.0
			if k%2 == 1 {
				c = 4
			}
			sum += c * g(t0+float64(k)*w)
		}
		return sum * w / 3
	}
	for i, f := range fracs {
		lo, hi := 0.0, math.Pi
		for it := 0; it < 60; it++ {
			mid := (lo + hi) / 2
			if tail(mid) > f {
				lo = mid
			} else {
				hi = mid
			}
		}
		t := (lo + hi) / 2
		out[i] = math.Sqrt(float64(p) * (a + h*(1-math.Cos(t))))
	}
	return out
}

// topSingular returns the k leading singular triplets of the linear map
// given by its products with blocks (apply: Y = M X, applyT: Y = M^T X) by
// randomized subspace iteration (Halko, Martinsson and Tropp 2011,
// algorithm 4.4) with oversampling 10 and q power iterations, each
// re-orthonormalised. Its cost is (2q+2)(k+10) products with M plus O((rows
// + cols)(k+10)^2). It holds two blocks, rows x l and cols x l (l = k+10),
// orthonormalised in place; the SVD at the end adds three cols x l and one
// rows x l matrix, and the result is rows x k and cols x k.
func topSingular(rows, cols, k, q int, apply, applyT func(dst, x *mat.Dense), rng *rand.Rand) (u, v *mat.Dense, s []float64, err error) {
	l := min(k+10, rows, cols)
	y := mat.NewDense(rows, l, nil)
	z := mat.NewDense(cols, l, nil)
	randmat.Gaussian(z, 1, rng) // Omega
	apply(y, z)
	orth.Q(y, false)
	for it := 0; it < q; it++ {
		applyT(z, y)
		orth.Q(z, false)
		apply(y, z)
		orth.Q(y, false)
	}
	// B^T = M^T Q (cols x l); B = Q^T M.
	applyT(z, y)
	var svd mat.SVD
	ok := svd.Factorize(z, mat.SVDThin)
	z = nil
	if !ok {
		return nil, nil, nil, errors.New("workloads: SVD in the randomized range finder did not converge")
	}
	var zu, zv mat.Dense
	svd.UTo(&zu) // cols x l: right singular vectors of M
	svd.VTo(&zv) // l x l
	sv := svd.Values(nil)
	svd = mat.SVD{}
	var lu mat.Dense
	lu.Mul(y, &zv) // rows x l: left singular vectors of M
	y = nil
	order := make([]int, len(sv))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sv[order[a]] > sv[order[b]] })
	u = mat.NewDense(rows, k, nil)
	v = mat.NewDense(cols, k, nil)
	s = make([]float64, k)
	for t := 0; t < k; t++ {
		j := order[t]
		u.SetCol(t, mat.Col(nil, j, &lu))
		v.SetCol(t, mat.Col(nil, j, &zu))
		s[t] = sv[j]
	}
	return u, v, s, nil
}
