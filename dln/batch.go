package dln

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Batch passes a batch of vectors through a network's factors, one layer at
// a time, and back-propagates through them: the network as a linear block
// inside a larger model, where the end-to-end matrix is never needed. Rows
// of a batch are samples (row-major, like the rest of the package): for an
// input X (m x n_0) the output is
//
//	Y = X W_1^T W_2^T ... W_L^T   (m x n_L), that is y_i = W x_i per row,
//
// and for the gradient dY of a loss with respect to Y, Backward sets every
// layer's gradient of the network (read by Network.Grad and applied by
// Network.Step) to
//
//	grad_l = dZ_l^T Z_{l-1},  Z_{-1} = X, Z_l = Z_{l-1} W_l^T, dZ_{L-1} = dY, dZ_{l-1} = dZ_l W_l,
//
// which equals Network.Backward(G) with G = dY^T X, the gradient with
// respect to the end-to-end matrix, at a cost of 2 m sum_l n_{l+1} n_l
// flops per pass instead of products with n_L x n_0 matrices: for a
// compressed network (n_0 = n_L = d, inner width rh) that is O(m d rh), and
// no d x d matrix is formed.
//
// A Batch holds the activations and back-propagated products of up to
// MaxRows rows, allocated by NewBatch; Forward and Backward allocate nothing
// beyond gonum's Dgemm goroutines (see the package comment). The products
// are counted in the network's Flops. A network may have several Batches
// (one per batch size, say); Backward overwrites the network's gradients,
// so use one Batch's Backward at a time before Step. Backward also
// overwrites the gradient buffers a later Network.Backward would use: mix
// the two only with a full Forward/Backward pair of one kind before Step.
type Batch struct {
	n       *Network
	maxRows int
	act     [][]float64 // act[l]: Z_l, maxRows x n_{l+1}
	delta   [][]float64 // delta[l]: dZ_l, maxRows x n_{l+1}, l < L-1
	grad0   *mat.Dense  // layer 0's gradient when L = 1 (n.grad[0] is G then)
	x       blas64.General
	rows    int // rows of the last Forward; 0 before the first
}

// NewBatch returns the workspace for batches of at most maxRows rows. It
// panics with ErrShape when maxRows < 1.
func (n *Network) NewBatch(maxRows int) *Batch {
	if maxRows < 1 {
		panic(fmt.Errorf("%w: batch of %d rows", ErrShape, maxRows))
	}
	L := len(n.w)
	b := &Batch{n: n, maxRows: maxRows, act: make([][]float64, L), delta: make([][]float64, L)}
	for l, w := range n.w {
		r, _ := w.Dims()
		b.act[l] = make([]float64, maxRows*r)
		if l < L-1 {
			b.delta[l] = make([]float64, maxRows*r)
		}
	}
	if L == 1 {
		r, c := n.w[0].Dims()
		b.grad0 = mat.NewDense(r, c, nil)
	}
	return b
}

// MaxRows returns the largest batch the workspace holds.
func (b *Batch) MaxRows() int { return b.maxRows }

// WorkspaceBytes returns the bytes of the activations and back-propagated
// products the Batch holds.
func (b *Batch) WorkspaceBytes() int64 {
	var s int64
	for l := range b.act {
		s += 8 * int64(len(b.act[l])+len(b.delta[l]))
	}
	if b.grad0 != nil {
		r, c := b.grad0.Dims()
		s += 8 * int64(r*c)
	}
	return s
}

// Forward computes Y = X W_1^T ... W_L^T for the m rows of x (m x n_0,
// 1 <= m <= MaxRows) and returns it, m x n_L. The result is the Batch's
// storage, valid until its next Forward; it must not be modified. The Batch
// keeps a reference to x for Backward: x must not change until then.
// Forward panics with ErrShape on a shape mismatch and allocates nothing.
func (b *Batch) Forward(x blas64.General) blas64.General {
	n := b.n
	_, n0 := n.w[0].Dims()
	if x.Cols != n0 || x.Rows < 1 || x.Rows > b.maxRows {
		panic(fmt.Errorf("%w: batch input is %d x %d, want at most %d rows and %d columns",
			ErrShape, x.Rows, x.Cols, b.maxRows, n0))
	}
	b.x, b.rows = x, x.Rows
	in := x
	for l, w := range n.w {
		out := b.view(b.act[l], w)
		n.gemm(blas.NoTrans, blas.Trans, in, w.RawMatrix(), out)
		in = out
	}
	return in
}

// Backward takes dy (m x n_L), the gradient of a loss with respect to the
// output of the last Forward, computes the gradient of every layer into the
// network's gradient buffers (Network.Grad, then Network.Step), and, when
// dx has data, the gradient with respect to the input, dx = dY W (m x n_0).
// A zero dx (blas64.General{}) skips that product. dy must not alias the
// Batch's output. Backward panics with ErrShape on a shape mismatch or
// before any Forward, and allocates nothing.
func (b *Batch) Backward(dy, dx blas64.General) {
	n := b.n
	L := len(n.w)
	nL, n0 := n.Dims()
	if b.rows == 0 || dy.Rows != b.rows || dy.Cols != nL {
		panic(fmt.Errorf("%w: output gradient is %d x %d, want %d x %d", ErrShape, dy.Rows, dy.Cols, b.rows, nL))
	}
	if dx.Data != nil && (dx.Rows != b.rows || dx.Cols != n0) {
		panic(fmt.Errorf("%w: input gradient is %d x %d, want %d x %d", ErrShape, dx.Rows, dx.Cols, b.rows, n0))
	}
	if L == 1 {
		n.grad[0] = b.grad0
	}
	d := dy
	for l := L - 1; l >= 0; l-- {
		w := n.w[l]
		in := b.x
		if l > 0 {
			in = b.view(b.act[l-1], n.w[l-1])
		}
		// grad_l = dZ_l^T Z_{l-1}
		n.gemm(blas.Trans, blas.NoTrans, d, in, n.grad[l].RawMatrix())
		switch {
		case l > 0:
			next := b.view(b.delta[l-1], n.w[l-1])
			n.gemm(blas.NoTrans, blas.NoTrans, d, w.RawMatrix(), next)
			d = next
		case dx.Data != nil:
			n.gemm(blas.NoTrans, blas.NoTrans, d, w.RawMatrix(), dx)
		}
	}
}

// view returns the first rows of buf as a rows x (rows of w) matrix.
func (b *Batch) view(buf []float64, w *mat.Dense) blas64.General {
	r, _ := w.Dims()
	return blas64.General{Rows: b.rows, Cols: r, Stride: r, Data: buf[:b.rows*r]}
}

// gemm computes c = op(a) op(b) and counts its flops.
func (n *Network) gemm(ta, tb blas.Transpose, a, b, c blas64.General) {
	k := a.Cols
	if ta == blas.Trans {
		k = a.Rows
	}
	blas64.Gemm(ta, tb, 1, a, b, 0, c)
	n.flops += uint64(2 * c.Rows * c.Cols * k)
}

// Momentum holds one velocity per layer of a network for heavy-ball
// steps. Make it with NewMomentum; velocities start at zero.
type Momentum struct {
	n *Network
	v [][]float64
}

// NewMomentum returns zero velocities for the layers of n.
func (n *Network) NewMomentum() *Momentum {
	m := &Momentum{n: n, v: make([][]float64, len(n.w))}
	for l, w := range n.w {
		r, c := w.Dims()
		m.v[l] = make([]float64, r*c)
	}
	return m
}

// Step applies one heavy-ball step with the gradients of the last Backward
// (Network's or a Batch's): V_l <- mu V_l + grad_l, W_l <- W_l - eta mult[l] V_l.
// With mu = 0 it is Network.Step. mult may be nil (all ones); otherwise it
// must have one entry per layer (else Step panics with ErrShape). It counts
// 4 flops per weight and allocates nothing.
func (m *Momentum) Step(eta, mu float64, mult []float64) {
	n := m.n
	n.checkMult(mult)
	for l, w := range n.w {
		a := -rate(eta, mult, l)
		wd := w.RawMatrix().Data
		gd := n.grad[l].RawMatrix().Data
		vd := m.v[l]
		for i, g := range gd {
			v := mu*vd[i] + g
			vd[i] = v
			wd[i] += a * v
		}
		n.flops += uint64(4 * len(wd))
	}
}
