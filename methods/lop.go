package methods

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/orth"
	"github.com/lowdim/lowdim/workloads"
)

// lop (Law of Parsimony, Yaras et al.): 2r x cols, L inner 2r x 2r,
// rows x 2r (L+2 factors), the original network's initialization
// restricted to its invariant 2r-dimensional subspace; gamma on the outer
// factors. Not trained by default (verification uses it).
func init() {
	Register(Spec{
		MethodInfo: config.MethodInfo{Name: LoP, Order: 5, FormsProduct: true, Uses: []string{"gamma"},
			Check: func(c config.Config) error {
				if rows, cols := c.Dims(); rows != cols {
					return config.Bad("methods", joinMethods(c), "the lop network needs a square target: it is the original network's exact equivalent by the Law of Parsimony (Yaras et al.), which is stated for L layers of d x d, and the original's outer layers on a %d x %d target are not square", rows, cols)
				}
				if !c.SquareLayers() {
					return config.Bad("methods", joinMethods(c), "the lop network needs the original's default width d = %d (--width %d makes its outer layers non-square, outside the Law of Parsimony it is built on)", c.D, c.Width)
				}
				if 2*c.R >= c.D {
					return config.Bad("methods", joinMethods(c), "the lop network needs 2r < d (r = %d, d = %d)", c.R, c.D)
				}
				return nil
			}},
		Help: "the Law of Parsimony network: L+2 factors of width 2r from the original's init, gamma on the outer factors",
		Shapes: func(c config.Config, rows, cols int) []dln.Shape {
			return dln.Chain(Widths(cols, 2*c.R, rows, c.Depth+2)...)
		},
		Multipliers: func(c config.Config, layers int) []float64 {
			m := Ones(layers)
			m[0], m[layers-1] = c.Gamma, c.Gamma
			return m
		},
		Init: func(net *dln.Network, c config.Config, env Env) error {
			orig, err := env.Network(Original)
			if err != nil {
				return err
			}
			return lopInit(net, orig, env.Work, c.R)
		},
		Params: func(c config.Config, rows, cols int) int {
			w := 2 * c.R
			return w*cols + c.Depth*w*w + rows*w
		},
		// lopInit: the original network it starts from (with its
		// end-to-end matrix and gradients), copies of W(0) and of the
		// workload's gradient, and the SVD of the first layer's gradient.
		InitBytes: func(c config.Config, rows, cols int, _ bool) uint64 {
			p, ws := dln.Footprint(Shapes(Original, c, rows, cols))
			square := 8 * uint64(rows) * uint64(cols)
			return 8*uint64(p) + uint64(ws) + 2*square + SVDBytes(rows, cols)
		},
	})
}

func joinMethods(c config.Config) string {
	s := ""
	for i, m := range c.Methods {
		if i > 0 {
			s += ","
		}
		s += m
	}
	return s
}

// lopInit sets the L+2 factors of net from the original network orig at its
// initialization (Yaras et al., "Law of Parsimony"): with the gradient
// grad_1 = U_g S_g V_g^T of the first layer at t = 0 and the scale
// eps = ||W_1(0)||_F / sqrt(n_1), the invariant subspace of the input side is
// S = span(V_g[:, :r], W_1(0)^T U_g[:, :r]) (dimension 2r, orthonormal basis
// Q, d x 2r); the factors are Q^T, L copies of eps I, and W(0) Q / eps^L. The
// end-to-end matrix is then W(0) Q Q^T, and on MF the inner factors follow the
// original network's dynamics on S exactly while its outer factors are
// frozen (gamma = 0).
func lopInit(net, orig *dln.Network, work workloads.Workload, r int) error {
	rows, cols := work.Dims()
	L := orig.Layers()
	g := mat.NewDense(rows, cols, nil)
	w0 := mat.DenseCopyOf(orig.Forward())
	work.Gradient(g, w0)
	orig.Backward(g)
	w1 := orig.Layer(0)
	h, _ := w1.Dims()
	eps := mat.Norm(w1, 2) / math.Sqrt(float64(h))

	var svd mat.SVD
	if !svd.Factorize(orig.Grad(0), mat.SVDThin) {
		return errors.New("methods: SVD of the original network's initial gradient did not converge")
	}
	var ug, vg mat.Dense
	svd.UTo(&ug)
	svd.VTo(&vg)
	basis := mat.NewDense(cols, 2*r, nil)
	basis.Slice(0, cols, 0, r).(*mat.Dense).Copy(vg.Slice(0, cols, 0, r))
	basis.Slice(0, cols, r, 2*r).(*mat.Dense).Mul(w1.T(), ug.Slice(0, h, 0, r))
	orth.Q(basis, false)
	q1 := basis

	layers := make([]mat.Matrix, net.Layers())
	layers[0] = q1.T()
	for l := 1; l <= L; l++ {
		layers[l] = scaledIdentity(2*r, eps)
	}
	var ul mat.Dense
	ul.Mul(w0, q1)
	ul.Scale(1/math.Pow(eps, float64(L)), &ul)
	layers[L+1] = &ul
	net.SetLayers(layers)
	return nil
}

func scaledIdentity(n int, v float64) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, v)
	}
	return m
}
