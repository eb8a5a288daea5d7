package experiment

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/workloads"
)

// Shapes returns the layer shapes of a method for a rows x cols problem:
//
//	original:   L layers, hidden width max(rows, cols) (d x d for a square target)
//	compressed: r_hat x cols, (L-2) r_hat x r_hat, rows x r_hat
//	narrow:     the same shapes as compressed
//	bm:         r_hat x cols, rows x r_hat (depth 2)
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
	}
	panic(fmt.Sprintf("experiment: unknown method %q", method))
}

// Multipliers returns the per-layer learning-rate multipliers of a method:
// alpha on the outer layers of the compressed network, 1 elsewhere.
func Multipliers(method string, c Config, layers int) []float64 {
	m := make([]float64, layers)
	for i := range m {
		m[i] = 1
	}
	if method == Compressed {
		m[0], m[layers-1] = c.Alpha, c.Alpha
	}
	return m
}

// NewNetwork builds and initialises a method's network:
//
//	original:   eps times Haar orthogonal layers
//	compressed: spectral from the workload's surrogate (Kwon et al.)
//	narrow:     eps times rectangular Haar orthogonal layers
//	bm:         Gaussian with singular values about eps (dln.InitGaussian)
//
// Random draws come from the method's own stream of the seed. When init is
// not nil it is used instead (shapes must match).
func NewNetwork(method string, c Config, work workloads.Workload, init []*mat.Dense) (*dln.Network, error) {
	rows, cols := work.Dims()
	net := dln.New(Shapes(method, c, rows, cols))
	if init != nil {
		ms := make([]mat.Matrix, len(init))
		for i, w := range init {
			ms[i] = w
		}
		net.SetLayers(ms)
		return net, nil
	}
	rng := newRand(c.Seed, streamMethod+uint64(slices.Index(Methods, method)))
	switch method {
	case Original, Narrow:
		net.InitOrthogonal(c.Eps, rng)
	case Compressed:
		if err := net.InitSpectral(work.Surrogate(), c.Eps); err != nil {
			return nil, bad("r-hat", c.RHat, "%v", err)
		}
	case BM:
		net.InitGaussian(c.Eps, rng)
	}
	return net, nil
}
