package dln_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/randmat"
	"github.com/lowdim/lowdim/workloads"
)

// Tolerances.
const (
	// gradRelTol bounds ||grad - FD||_F / ||grad||_F. Central differences with
	// step h have truncation error O(h^2 ||f'''||) and rounding error
	// O(eps_mach |f| / h); with h = 1e-5 relative to the weights' scale both
	// stay near 1e-9 for these O(1) problems, so 1e-6 leaves a wide margin.
	gradRelTol = 1e-6
	// orthoTol: W^T W = eps^2 I up to QR rounding, a few ulps times k.
	orthoTol = 1e-12
)

// workload draws one of the three workloads for a rows x cols problem.
func workload(t *rapid.T, rng *rand.Rand, rows, cols int) workloads.Workload {
	target := mat.NewDense(rows, cols, nil)
	randmat.Gaussian(target, 1, rng)
	switch kind := rapid.SampledFrom([]string{"mf-mean", "mf-sum", "mc", "ms"}).Draw(t, "workload"); kind {
	case "mf-mean", "mf-sum":
		red := workloads.Mean
		if kind == "mf-sum" {
			red = workloads.Sum
		}
		w, err := workloads.NewMF(target, red)
		require.NoError(t, err)
		return w
	case "mc":
		mask, err := workloads.SampleMask(rows, cols, 0.7, rng) // dims >= 2: at least 2 observed
		require.NoError(t, err)
		w, err := workloads.NewMC(target, mask)
		require.NoError(t, err)
		return w
	default:
		op, y, err := workloads.SampleSensing(target, 3*rows*cols, 0.1, rng)
		require.NoError(t, err)
		w, err := workloads.NewMS(target, op, y)
		require.NoError(t, err)
		return w
	}
}

// TestGradientFiniteDifference checks every layer's gradient against a
// central finite difference of the loss, for random shapes, depths 2-5 and
// all workloads.
func TestGradientFiniteDifference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		depth := rapid.IntRange(2, 5).Draw(t, "depth")
		dims := make([]int, depth+1)
		for i := range dims {
			dims[i] = rapid.IntRange(2, 6).Draw(t, "dim")
		}
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		net := dln.New(dln.Chain(dims...))
		net.InitGaussian(1, rng)
		work := workload(t, rng, dims[depth], dims[0])

		g := mat.NewDense(dims[depth], dims[0], nil)
		work.Gradient(g, net.Forward())
		net.Backward(g)

		for l := 0; l < depth; l++ {
			w := net.Layer(l)
			r, c := w.Dims()
			fd := mat.NewDense(r, c, nil)
			for i := 0; i < r; i++ {
				for j := 0; j < c; j++ {
					h := 1e-5 * max(1, math.Abs(w.At(i, j)))
					orig := w.At(i, j)
					w.Set(i, j, orig+h)
					fp := work.Loss(net.Forward())
					w.Set(i, j, orig-h)
					fm := work.Loss(net.Forward())
					w.Set(i, j, orig)
					fd.Set(i, j, (fp-fm)/(2*h))
				}
			}
			var diff mat.Dense
			diff.Sub(net.Grad(l), fd)
			scale := math.Max(mat.Norm(fd, 2), 1e-8)
			if e := mat.Norm(&diff, 2) / scale; e > gradRelTol {
				t.Fatalf("layer %d of %v on %s: relative gradient error %.3g > %g\ngot  %v\nwant %v",
					l+1, dims, work.Name(), e, gradRelTol, mat.Formatted(net.Grad(l)), mat.Formatted(fd))
			}
		}
	})
}

// TestGradientDetectsWrongOrder shows the finite-difference comparison can
// fail: the transposed product order of a layer gradient is not accepted.
func TestGradientDetectsWrongOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	net := dln.New(dln.Chain(3, 4, 5, 3))
	net.InitGaussian(1, rng)
	target := mat.NewDense(3, 3, nil)
	randmat.Gaussian(target, 1, rng)
	work, err := workloads.NewMF(target, workloads.Sum)
	require.NoError(t, err)
	g := mat.NewDense(3, 3, nil)
	work.Gradient(g, net.Forward())
	net.Backward(g)
	// A wrong formula: grad_1 = W_2^T W_3^T G without... use G^T in place of G.
	var wrong, tmp mat.Dense
	tmp.Mul(net.Layer(2).T(), g.T())
	wrong.Mul(net.Layer(1).T(), &tmp)
	var diff mat.Dense
	diff.Sub(&wrong, net.Grad(0))
	require.Greater(t, mat.Norm(&diff, 2)/mat.Norm(net.Grad(0), 2), gradRelTol)
}

func TestOrthogonalInit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rows, cols int
	}{{"square", 6, 6}, {"wide", 3, 7}, {"tall", 7, 3}, {"vector", 1, 5}} {
		t.Run(tc.name, func(t *testing.T) {
			const eps = 0.3
			w := mat.NewDense(tc.rows, tc.cols, nil)
			randmat.Orthogonal(w, eps, rand.New(rand.NewPCG(1, 2)))
			var g mat.Dense
			k := min(tc.rows, tc.cols)
			if tc.rows <= tc.cols {
				g.Mul(w, w.T()) // W W^T = eps^2 I_r
			} else {
				g.Mul(w.T(), w) // W^T W = eps^2 I_c
			}
			for i := 0; i < k; i++ {
				for j := 0; j < k; j++ {
					want := 0.0
					if i == j {
						want = eps * eps
					}
					require.InDelta(t, want, g.At(i, j), orthoTol, "entry (%d,%d)", i, j)
				}
			}
		})
	}
}

// TestOrthogonalIsHaar: the sign fix makes the first column's first entry
// symmetric in distribution; without it, QR's convention biases it. Over
// 2000 draws of a 2 x 2 matrix the fraction of positive (0,0) entries must
// be near 1/2 (binomial sd 0.011; 5 sd bound).
func TestOrthogonalIsHaar(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := mat.NewDense(2, 2, nil)
	pos := 0
	const n = 2000
	for i := 0; i < n; i++ {
		randmat.Orthogonal(w, 1, rng)
		if w.At(0, 0) > 0 {
			pos++
		}
	}
	require.InDelta(t, 0.5, float64(pos)/n, 5*0.5/math.Sqrt(n))
}

func TestSpectralInit(t *testing.T) {
	const d, rh, eps = 8, 3, 0.1
	rng := rand.New(rand.NewPCG(5, 6))
	s := mat.NewDense(d, d, nil)
	randmat.Gaussian(s, 1, rng)
	for _, depth := range []int{2, 3, 5} {
		net := dln.New(dln.Chain(append(append([]int{d}, repeat(rh, depth-1)...), d)...))
		require.NoError(t, net.InitSpectral(s, eps))
		var svd mat.SVD
		require.True(t, svd.Factorize(s, mat.SVDThin))
		var u, v, want mat.Dense
		svd.UTo(&u)
		svd.VTo(&v)
		want.Mul(u.Slice(0, d, 0, rh), v.Slice(0, d, 0, rh).T())
		want.Scale(math.Pow(eps, float64(depth)), &want)
		var diff mat.Dense
		diff.Sub(net.Forward(), &want)
		require.Less(t, mat.Norm(&diff, 2)/mat.Norm(&want, 2), 1e-12, "depth %d", depth)
	}
	// A width beyond the surrogate's dimensions is an error, not a panic.
	net := dln.New(dln.Chain(2, 3, 3, 2))
	require.ErrorIs(t, net.InitSpectral(mat.NewDense(2, 2, nil), 1), dln.ErrSpectralWidth)
}

func repeat(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestParamsAndFootprint(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dims   []int
		params int // derivation in the name's formula
	}{
		// original: L d^2 = 3 * 100^2
		{"original d=100 L=3", []int{100, 100, 100, 100}, 30000},
		// compressed: 2 d rh + (L-2) rh^2 = 2*100*20 + 1*400
		{"compressed d=100 rh=20 L=3", []int{100, 20, 20, 100}, 4400},
		// compressed L=5: 2*50*6 + 3*36
		{"compressed d=50 rh=6 L=5", []int{50, 6, 6, 6, 6, 50}, 708},
		// bm: 2 d rh
		{"bm d=10 rh=4", []int{10, 4, 10}, 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := dln.New(dln.Chain(tc.dims...))
			require.Equal(t, tc.params, net.Params())
			p, ws := dln.Footprint(dln.Chain(tc.dims...))
			require.Equal(t, tc.params, p)
			pi, inner := dln.InnerFootprint(dln.Chain(tc.dims...))
			require.Equal(t, tc.params, pi)
			rows, cols := net.Dims()
			require.Equal(t, ws-int64(8*rows*cols), inner, "the end-to-end matrix")
			require.Equal(t, inner, net.WorkspaceBytes(), "before the first Forward")
			net.Forward()
			require.Equal(t, ws, net.WorkspaceBytes(), "after it")
		})
	}
}

// TestFlops: a step of L square d x d layers performs 3(L-1) products of
// 2 d^3 flops plus 2 d^2 per layer for the update.
func TestFlops(t *testing.T) {
	const d, L = 10, 4
	net := dln.New(dln.Chain(repeat(d, L+1)...))
	net.InitOrthogonal(0.5, rand.New(rand.NewPCG(1, 1)))
	g := mat.NewDense(d, d, nil)
	net.ResetFlops()
	net.Forward()
	net.Backward(g)
	net.Step(0.1, nil)
	require.Equal(t, uint64(3*(L-1)*2*d*d*d+L*2*d*d), net.Flops())
}

// TestStepAllocatesNothing: at d <= 64 gonum's Dgemm runs serially, so a
// whole step (forward, workload gradient, backward, update) allocates
// nothing.
func TestStepAllocatesNothing(t *testing.T) {
	const d, rh = 64, 8
	rng := rand.New(rand.NewPCG(1, 1))
	target := mat.NewDense(d, d, nil)
	randmat.Gaussian(target, 1, rng)
	mask, err := workloads.SampleMask(d, d, 0.3, rng)
	require.NoError(t, err)
	mf, err := workloads.NewMF(target, workloads.Mean)
	require.NoError(t, err)
	mc, err := workloads.NewMC(target, mask)
	require.NoError(t, err)
	op, y, err := workloads.SampleSensing(target, 50, 0, rng)
	require.NoError(t, err)
	ms, err := workloads.NewMS(target, op, y)
	require.NoError(t, err)
	for _, work := range []workloads.Workload{mf, mc, ms} {
		for _, dims := range [][]int{{d, d, d, d}, {d, rh, rh, d}} {
			net := dln.New(dln.Chain(dims...))
			net.InitOrthogonal(0.1, rng)
			g := mat.NewDense(d, d, nil)
			mult := []float64{2, 1, 2}
			allocs := testing.AllocsPerRun(20, func() {
				work.Gradient(g, net.Forward())
				net.Backward(g)
				net.Step(1e-3, mult)
			})
			require.Zero(t, allocs, "%s %v", work.Name(), dims)
		}
	}
}

func TestShapePanics(t *testing.T) {
	require.PanicsWithError(t, "dln: dimension mismatch: layer 2 is 3 x 5 but layer 1 has 4 rows", func() {
		dln.New([]dln.Shape{{4, 2}, {3, 5}})
	})
	net := dln.New(dln.Chain(2, 3, 2))
	require.Panics(t, func() { net.Backward(mat.NewDense(3, 3, nil)) })
	require.Panics(t, func() { net.Step(1, []float64{1}) })
}
