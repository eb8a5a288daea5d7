package experiment

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/orth"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// Shapes returns the layer shapes of a method for a rows x cols problem:
//
//	original:   L layers, hidden width max(rows, cols) (d x d for a square target)
//	compressed: r_hat x cols, (L-2) r_hat x r_hat, rows x r_hat
//	narrow:     the same shapes as compressed
//	bm:         r_hat x cols, rows x r_hat (depth 2)
//	lop:        2r x cols, L inner 2r x 2r, rows x 2r (L+2 factors)
//
// It panics on an unknown method (Validate rejects those first).
func Shapes(method string, c Config, rows, cols int) []dln.Shape {
	widths := func(w, depth int) []int {
		dims := make([]int, depth+1)
		for i := range dims {
			dims[i] = w
		}
		dims[0], dims[depth] = cols, rows
		return dims
	}
	switch method {
	case Original:
		return dln.Chain(widths(max(rows, cols), c.Depth)...)
	case Compressed, Narrow:
		return dln.Chain(widths(c.RHat, c.Depth)...)
	case BM:
		return dln.Chain(widths(c.RHat, 2)...)
	case LoP:
		return dln.Chain(widths(2*c.R, c.Depth+2)...)
	}
	panic(fmt.Sprintf("experiment: unknown method %q", method))
}

// Multipliers returns the per-layer learning-rate multipliers of a method:
// alpha on the outer layers of the compressed network, gamma on the outer
// factors of the LoP network, 1 elsewhere.
func Multipliers(method string, c Config, layers int) []float64 {
	m := make([]float64, layers)
	for i := range m {
		m[i] = 1
	}
	switch method {
	case Compressed:
		m[0], m[layers-1] = c.Alpha, c.Alpha
	case LoP:
		m[0], m[layers-1] = c.Gamma, c.Gamma
	}
	return m
}

// NewNetwork builds and initialises a method's network on an instance:
//
//	original:   eps times Haar orthogonal layers
//	compressed: spectral from the workload's surrogate (Kwon et al.)
//	narrow:     eps times rectangular Haar orthogonal layers
//	bm:         Gaussian with singular values about eps (dln.InitGaussian)
//	lop:        the original network's initialization restricted to its
//	            invariant 2r-dimensional subspace (see lopInit)
//
// Random draws come from the method's own stream of the seed, so the lop
// network starts from the same draw as the original. Initial weights loaded
// with the instance are used instead where present (shapes must match).
func NewNetwork(method string, c Config, in *Instance) (*dln.Network, error) {
	rows, cols := in.Work.Dims()
	net := dln.New(Shapes(method, c, rows, cols))
	if init := in.Inits[method]; init != nil {
		ms := make([]mat.Matrix, len(init))
		for i, w := range init {
			ms[i] = w
		}
		net.SetLayers(ms)
		return net, nil
	}
	switch method {
	case Original, Narrow:
		net.InitOrthogonal(c.Eps, methodRand(c, method))
	case Compressed:
		if ts, ok := in.Work.(topSingular); ok {
			u, v, err := ts.TopSingular(c.RHat)
			if err != nil {
				return nil, err
			}
			net.InitSpectralVectors(u, v, c.Eps)
			break
		}
		if err := net.InitSpectral(in.Work.Surrogate(), c.Eps); err != nil {
			return nil, bad("r-hat", c.RHat, "%v", err)
		}
	case BM:
		net.InitGaussian(c.Eps, methodRand(c, method))
	case LoP:
		orig, err := NewNetwork(Original, c, in)
		if err != nil {
			return nil, err
		}
		if err := lopInit(net, orig, in.Work, c.R); err != nil {
			return nil, err
		}
	}
	return net, nil
}

// topSingular is implemented by workloads whose surrogate is not held
// densely (workloads.SparseMC).
type topSingular interface {
	TopSingular(k int) (u, v *mat.Dense, err error)
}

// methodRand is the random stream of a method's initialization: stream
// MethodStream(method) of the seed, so that a method's draws depend on its
// name alone, not on which other methods exist.
func methodRand(c Config, method string) *rand.Rand {
	return newRand(c.Seed, MethodStream(method))
}

// MethodStream is the PCG stream of a method's random draws: the FNV-1a
// 64-bit hash of its name.
func MethodStream(method string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(method))
	return h.Sum64()
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
		return errors.New("experiment: SVD of the original network's initial gradient did not converge")
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

// Objective is what trainMethod trains: a trainer.Objective that also
// reports its workspace.
type Objective interface {
	trainer.Objective
	WorkspaceBytes() int64
}

// NewObjective binds a method's network to the instance's workload with the
// step algorithm of c.Path (see pathOf; a sparse instance always trains
// with the sampled step) and returns it with the algorithm's name
// (PathDense, PathSampled or PathFactored).
func NewObjective(method string, c Config, in *Instance, net *dln.Network) (Objective, string) {
	mult := Multipliers(method, c, net.Layers())
	path := pathOf(c, net.Shapes())
	if mc, ok := in.Work.(trainer.Observed); ok && (path == PathSampled || in.Factored != nil) {
		return trainer.NewSampledMC(net, mc, mult), PathSampled
	}
	if mf, ok := in.Work.(*workloads.MF); ok && path == PathFactored {
		return trainer.NewFactoredMF(net, mf, mult), PathFactored
	}
	return trainer.NewDense(net, in.Work, mult), PathDense
}
