package dln_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
)

// batchTol bounds the relative Frobenius difference of two float64
// computations of one product chain in a different order: a few ulps times
// the inner dimensions (at most ~50 here), far below 1e-12.
const batchTol = 1e-12

// batchLoss is f(Y) = <C, Y> + ||Y||_F^2 / 2, with gradient dY = C + Y.
func batchLoss(c, y blas64.General) float64 {
	var f float64
	for i := 0; i < y.Rows; i++ {
		for j := 0; j < y.Cols; j++ {
			v := y.Data[i*y.Stride+j]
			f += c.Data[i*c.Stride+j]*v + v*v/2
		}
	}
	return f
}

func general(rows, cols int) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: make([]float64, rows*cols)}
}

func gaussianGeneral(rows, cols int, rng *rand.Rand) blas64.General {
	g := general(rows, cols)
	for i := range g.Data {
		g.Data[i] = rng.NormFloat64()
	}
	return g
}

func relDiff(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / math.Max(mat.Norm(b, 2), 1e-300)
}

var batchShapes = []struct {
	name string
	dims []int
	rows int
}{
	{"L=1", []int{5, 3}, 4},
	{"L=2", []int{6, 2, 6}, 7},
	{"L=3 compressed", []int{8, 3, 3, 8}, 5},
	{"L=4 square", []int{4, 4, 4, 4, 4}, 1},
	{"L=3 rectangular", []int{7, 5, 2, 9}, 6},
}

// TestBatchMatchesEndToEnd checks Forward against X W^T with the
// end-to-end W, and Backward against Network.Backward(dY^T X) and dX = dY W.
func TestBatchMatchesEndToEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tt := range batchShapes {
		t.Run(tt.name, func(t *testing.T) {
			n := dln.New(dln.Chain(tt.dims...))
			n.InitGaussian(1, rng)
			L, n0, nL := n.Layers(), tt.dims[0], tt.dims[len(tt.dims)-1]
			b := n.NewBatch(tt.rows + 2)
			x := gaussianGeneral(tt.rows, n0, rng)
			c := gaussianGeneral(tt.rows, nL, rng)

			y := b.Forward(x)
			w := mat.DenseCopyOf(n.Forward())
			var want mat.Dense
			want.Mul(mat.NewDense(tt.rows, n0, x.Data), w.T())
			require.Less(t, relDiff(mat.NewDense(y.Rows, y.Cols, y.Data), &want), batchTol)

			dy := general(tt.rows, nL)
			for i := range dy.Data {
				dy.Data[i] = c.Data[i] + y.Data[i]
			}
			dx := general(tt.rows, n0)
			for i := range dx.Data {
				dx.Data[i] = math.NaN() // unwritten entries show
			}
			b.Backward(dy, dx)
			got := make([]*mat.Dense, L)
			for l := range got {
				got[l] = mat.DenseCopyOf(n.Grad(l))
			}
			var wantDx mat.Dense
			wantDx.Mul(mat.NewDense(tt.rows, nL, dy.Data), w)
			require.Less(t, relDiff(mat.NewDense(tt.rows, n0, dx.Data), &wantDx), batchTol)

			var g mat.Dense
			g.Mul(mat.NewDense(tt.rows, nL, dy.Data).T(), mat.NewDense(tt.rows, n0, x.Data))
			n.Forward()
			n.Backward(&g)
			for l := range got {
				require.Less(t, relDiff(got[l], n.Grad(l)), batchTol, "layer %d", l+1)
			}
		})
	}
}

// TestBatchFiniteDifference checks every layer's gradient from Backward
// against central differences of batchLoss.
func TestBatchFiniteDifference(t *testing.T) {
	// Central differences with h = 1e-6 on these O(1)-O(10) losses: rounding
	// error ~ 1e-16 * |f| / h ~ 1e-9, truncation zero (f is quadratic in
	// each weight); 1e-6 relative to the gradient's norm leaves a margin.
	const h, tol = 1e-6, 1e-6
	rng := rand.New(rand.NewPCG(13, 14))
	for _, tt := range batchShapes {
		t.Run(tt.name, func(t *testing.T) {
			n := dln.New(dln.Chain(tt.dims...))
			n.InitGaussian(1, rng)
			b := n.NewBatch(tt.rows)
			nL := tt.dims[len(tt.dims)-1]
			x := gaussianGeneral(tt.rows, tt.dims[0], rng)
			c := gaussianGeneral(tt.rows, nL, rng)
			y := b.Forward(x)
			dy := general(tt.rows, nL)
			for i := range dy.Data {
				dy.Data[i] = c.Data[i] + y.Data[i]
			}
			b.Backward(dy, blas64.General{})
			for l := 0; l < n.Layers(); l++ {
				w := n.Layer(l).RawMatrix().Data
				grad := mat.DenseCopyOf(n.Grad(l))
				fd := mat.NewDense(grad.RawMatrix().Rows, grad.RawMatrix().Cols, nil)
				for i := range w {
					v := w[i]
					w[i] = v + h
					fp := batchLoss(c, b.Forward(x))
					w[i] = v - h
					fm := batchLoss(c, b.Forward(x))
					w[i] = v
					fd.RawMatrix().Data[i] = (fp - fm) / (2 * h)
				}
				require.Less(t, relDiff(grad, fd), tol, "layer %d", l+1)
			}
		})
	}
}

// TestBatchDetectsWrongGradient feeds a gradient of the wrong loss (dY
// without the quadratic term) and checks that the comparison above fails:
// the check can fail.
func TestBatchDetectsWrongGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	n := dln.New(dln.Chain(6, 3, 6))
	n.InitGaussian(1, rng)
	b := n.NewBatch(4)
	x := gaussianGeneral(4, 6, rng)
	c := gaussianGeneral(4, 6, rng)
	b.Forward(x)
	b.Backward(c, blas64.General{}) // wrong: misses + Y
	w := n.Layer(0).RawMatrix().Data
	g := n.Grad(0).RawMatrix().Data[0]
	const h = 1e-6
	v := w[0]
	w[0] = v + h
	fp := batchLoss(c, b.Forward(x))
	w[0] = v - h
	fm := batchLoss(c, b.Forward(x))
	w[0] = v
	require.Greater(t, math.Abs(g-(fp-fm)/(2*h)), 1e-3)
}

func TestBatchFlops(t *testing.T) {
	// Forward: 2 m sum_l n_{l+1} n_l; Backward: the same for the weight
	// gradients, plus the same less layer 0's share for the
	// back-propagated products, plus layer 0's share again with dx.
	n := dln.New(dln.Chain(8, 3, 3, 8))
	b := n.NewBatch(5)
	m := 5
	sum := 2 * m * (3*8 + 3*3 + 8*3)
	first := 2 * m * 3 * 8
	b.Forward(general(m, 8))
	require.Equal(t, uint64(sum), n.Flops())
	n.ResetFlops()
	b.Backward(general(m, 8), blas64.General{})
	require.Equal(t, uint64(2*sum-first), n.Flops())
	n.ResetFlops()
	b.Backward(general(m, 8), general(m, 8))
	require.Equal(t, uint64(2*sum), n.Flops())
}

func TestBatchAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	n := dln.New(dln.Chain(32, 8, 8, 32)) // products of at most 64 x 64 outputs: serial Dgemm
	n.InitGaussian(1, rng)
	b := n.NewBatch(16)
	mom := n.NewMomentum()
	x := gaussianGeneral(16, 32, rng)
	dy := gaussianGeneral(16, 32, rng)
	dx := general(16, 32)
	mult := []float64{2, 1, 2}
	allocs := testing.AllocsPerRun(20, func() {
		b.Forward(x)
		b.Backward(dy, dx)
		n.Step(1e-3, mult)
		mom.Step(1e-3, 0.9, mult)
	})
	require.Zero(t, allocs)
}

func TestMomentum(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	mk := func() *dln.Network {
		n := dln.New(dln.Chain(4, 3, 4))
		n.InitGaussian(1, rand.New(rand.NewPCG(1, 1)))
		return n
	}
	x := gaussianGeneral(3, 4, rng)
	dy := gaussianGeneral(3, 4, rng)
	mult := []float64{2, 0.5}
	const eta, mu = 0.1, 0.9

	t.Run("mu=0 is Step", func(t *testing.T) {
		a, c := mk(), mk()
		for _, n := range []*dln.Network{a, c} {
			b := n.NewBatch(3)
			b.Forward(x)
			b.Backward(dy, blas64.General{})
		}
		a.Step(eta, mult)
		c.NewMomentum().Step(eta, 0, mult)
		for l := 0; l < 2; l++ {
			require.True(t, mat.Equal(a.Layer(l), c.Layer(l)))
		}
	})
	t.Run("two steps", func(t *testing.T) {
		// With a fixed gradient g: V1 = g, V2 = mu g + g, so
		// W2 = W0 - eta mult (2 + mu) g.
		n := mk()
		w0 := []*mat.Dense{mat.DenseCopyOf(n.Layer(0)), mat.DenseCopyOf(n.Layer(1))}
		b := n.NewBatch(3)
		b.Forward(x)
		b.Backward(dy, blas64.General{})
		g := []*mat.Dense{mat.DenseCopyOf(n.Grad(0)), mat.DenseCopyOf(n.Grad(1))}
		m := n.NewMomentum()
		m.Step(eta, mu, mult)
		m.Step(eta, mu, mult)
		for l := 0; l < 2; l++ {
			var want mat.Dense
			want.Scale(-eta*mult[l]*(2+mu), g[l])
			want.Add(&want, w0[l])
			require.Less(t, relDiff(n.Layer(l), &want), batchTol)
		}
	})
}

func TestBatchPanics(t *testing.T) {
	n := dln.New(dln.Chain(4, 2, 4))
	b := n.NewBatch(3)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"zero capacity", func() { n.NewBatch(0) }},
		{"backward before forward", func() { b.Backward(general(3, 4), blas64.General{}) }},
		{"too many rows", func() { b.Forward(general(4, 4)) }},
		{"wrong width", func() { b.Forward(general(2, 3)) }},
		{"wrong dy rows", func() { b.Forward(general(2, 4)); b.Backward(general(3, 4), blas64.General{}) }},
		{"wrong dx", func() { b.Forward(general(2, 4)); b.Backward(general(2, 4), general(2, 3)) }},
		{"momentum multipliers", func() { n.NewMomentum().Step(1, 0, []float64{1}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				err, ok := recover().(error)
				require.True(t, ok, "no error panic")
				require.ErrorIs(t, err, dln.ErrShape)
			}()
			tt.f()
		})
	}
}
