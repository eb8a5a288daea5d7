package dln

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"
)

// ErrShape is the panic value of a shape mismatch.
var ErrShape = errors.New("dln: dimension mismatch")

// Shape is the shape of one layer: Rows x Cols (output x input).
type Shape struct{ Rows, Cols int }

// Chain returns the shapes of a network mapping n_0 = dims[0] to
// n_L = dims[len(dims)-1] through the given widths: layer l is
// dims[l+1] x dims[l]. It panics if fewer than two dims are given.
func Chain(dims ...int) []Shape {
	if len(dims) < 2 {
		panic(ErrShape)
	}
	s := make([]Shape, len(dims)-1)
	for l := range s {
		s[l] = Shape{Rows: dims[l+1], Cols: dims[l]}
	}
	return s
}

// Network is a deep linear network with its workspace. The zero value is not
// usable; call New.
type Network struct {
	w      []*mat.Dense // w[l] is layer l (W_{l+1} in 1-based notation)
	prefix []*mat.Dense // prefix[l] = w[l]...w[0]; prefix[0] aliases w[0]; prefix[L-1] (W) nil until the first Forward
	back   []*mat.Dense // back[l] = S_l^T G for l < L-1; back[0] doubles as grad[0]
	grad   []*mat.Dense // grad[l] for l >= 1; grad[0] aliases back[0] (or G when L = 1)
	g      *mat.Dense   // the end-to-end gradient given to the last Backward
	// wt holds W_l^T for the backward product W_l^T B_l (see mulTransA):
	// max over layers 2..L of n_{l+1} n_l values.
	wt    []float64
	flops uint64
}

// New returns a network with the given layer shapes, all weights zero, and
// its workspace allocated. Consecutive shapes must chain
// (shapes[l+1].Cols == shapes[l].Rows); New panics with ErrShape otherwise or
// when a dimension is not positive.
func New(shapes []Shape) *Network {
	if len(shapes) == 0 {
		panic(ErrShape)
	}
	for l, s := range shapes {
		if s.Rows < 1 || s.Cols < 1 {
			panic(fmt.Errorf("%w: layer %d has shape %d x %d", ErrShape, l+1, s.Rows, s.Cols))
		}
		if l > 0 && s.Cols != shapes[l-1].Rows {
			panic(fmt.Errorf("%w: layer %d is %d x %d but layer %d has %d rows",
				ErrShape, l+1, s.Rows, s.Cols, l, shapes[l-1].Rows))
		}
	}
	L := len(shapes)
	n0 := shapes[0].Cols
	n := &Network{
		w:      make([]*mat.Dense, L),
		prefix: make([]*mat.Dense, L),
		back:   make([]*mat.Dense, L),
		grad:   make([]*mat.Dense, L),
	}
	for l, s := range shapes {
		n.w[l] = mat.NewDense(s.Rows, s.Cols, nil)
		if l == 0 {
			n.prefix[0] = n.w[0]
		} else {
			if l < L-1 {
				n.prefix[l] = mat.NewDense(s.Rows, n0, nil)
			}
			n.grad[l] = mat.NewDense(s.Rows, s.Cols, nil)
		}
		if l < L-1 {
			n.back[l] = mat.NewDense(s.Rows, n0, nil)
		}
	}
	if L > 1 {
		n.grad[0] = n.back[0]
	}
	n.wt = make([]float64, transBufLen(shapes))
	return n
}

// transBufLen is the length of the transposed-layer buffer: the largest
// layer after the first.
func transBufLen(shapes []Shape) int {
	m := 0
	for _, s := range shapes[1:] {
		m = max(m, s.Rows*s.Cols)
	}
	return m
}

// Layers returns the depth L.
func (n *Network) Layers() int { return len(n.w) }

// Layer returns layer l (0-based; Layer(0) is W_1, applied first). The
// returned matrix is the network's own storage: writing to it changes the
// network.
func (n *Network) Layer(l int) *mat.Dense { return n.w[l] }

// Shapes returns the layer shapes, layer 0 first.
func (n *Network) Shapes() []Shape {
	s := make([]Shape, len(n.w))
	for l, w := range n.w {
		r, c := w.Dims()
		s[l] = Shape{r, c}
	}
	return s
}

// Dims returns the shape n_L x n_0 of the end-to-end matrix.
func (n *Network) Dims() (rows, cols int) {
	rows, _ = n.w[len(n.w)-1].Dims()
	_, cols = n.w[0].Dims()
	return rows, cols
}

// Params returns the number of weights, sum over layers of rows*cols.
func (n *Network) Params() int {
	p := 0
	for _, w := range n.w {
		r, c := w.Dims()
		p += r * c
	}
	return p
}

// WorkspaceBytes returns the bytes of the buffers the network holds besides
// its weights (prefix products, back-propagated products, gradients, the
// transposed-layer buffer, and the end-to-end matrix once a Forward has
// allocated it): Footprint's figure after a Forward, InnerFootprint's
// before.
func (n *Network) WorkspaceBytes() int64 {
	_, ws := InnerFootprint(n.Shapes())
	if L := len(n.w); L > 1 && n.prefix[L-1] != nil {
		r, c := n.prefix[L-1].Dims()
		ws += int64(8 * r * c)
	}
	return ws
}

// InnerFootprint is Footprint without the n_L x n_0 end-to-end matrix,
// which only Forward allocates: the workspace of a network trained through
// ForwardInner and BackwardInner (a step that never forms W).
func InnerFootprint(shapes []Shape) (params int, workspace int64) {
	params, workspace = Footprint(shapes)
	if L := len(shapes); L > 1 {
		workspace -= 8 * int64(shapes[L-1].Rows) * int64(shapes[0].Cols)
	}
	return params, workspace
}

// Footprint returns the parameter count and the workspace bytes of a
// network with the given shapes, without allocating it: for L layers of
// shapes n_{l+1} x n_l, the workspace holds L-1 prefix products and L-1
// back-propagated products (n_{l+1} x n_0 each; the last prefix product is
// the end-to-end matrix, allocated by the first Forward), the gradients of
// layers 1..L-1 and a buffer for the largest of layers 1..L-1 transposed.
// Use it to check that a network fits in memory before New.
func Footprint(shapes []Shape) (params int, workspace int64) {
	n0 := int64(shapes[0].Cols)
	for l, s := range shapes {
		params += s.Rows * s.Cols
		if l > 0 {
			workspace += 8 * (int64(s.Rows)*n0 + int64(s.Rows)*int64(s.Cols))
		}
		if l < len(shapes)-1 {
			workspace += 8 * int64(s.Rows) * n0
		}
	}
	workspace += 8 * int64(transBufLen(shapes))
	return params, workspace
}

// Flops returns the floating-point operations the network has performed in
// Forward, Backward and Step since it was made or since ResetFlops: 2mnk per
// m x k by k x n product and 2 per updated weight.
func (n *Network) Flops() uint64 { return n.flops }

// ResetFlops sets the flop counter to zero.
func (n *Network) ResetFlops() { n.flops = 0 }

// SetLayers copies ws into the layers; ws[l] must have the shape of layer l,
// otherwise SetLayers panics with ErrShape.
func (n *Network) SetLayers(ws []mat.Matrix) {
	if len(ws) != len(n.w) {
		panic(fmt.Errorf("%w: %d matrices for %d layers", ErrShape, len(ws), len(n.w)))
	}
	for l, m := range ws {
		r, c := m.Dims()
		wr, wc := n.w[l].Dims()
		if r != wr || c != wc {
			panic(fmt.Errorf("%w: layer %d is %d x %d, got %d x %d", ErrShape, l+1, wr, wc, r, c))
		}
		n.w[l].Copy(m)
	}
}

// Forward computes the prefix products and returns the end-to-end matrix
// W = W_L ... W_1 (n_L x n_0). The result is the network's storage: it is
// valid until the next Step or change of a layer and must not be modified.
// The first Forward allocates the end-to-end matrix; later ones allocate
// nothing (see the package comment on BLAS goroutines).
func (n *Network) Forward() *mat.Dense {
	L := len(n.w)
	if L > 1 && n.prefix[L-1] == nil {
		r, _ := n.w[L-1].Dims()
		_, c := n.w[0].Dims()
		n.prefix[L-1] = mat.NewDense(r, c, nil)
	}
	for l := 1; l < L; l++ {
		n.mul(blas.NoTrans, blas.NoTrans, n.w[l], n.prefix[l-1], n.prefix[l])
	}
	return n.prefix[L-1]
}

// EndToEnd returns the end-to-end matrix computed by the last Forward (nil
// before the first Forward of a network of two or more layers).
func (n *Network) EndToEnd() *mat.Dense { return n.prefix[len(n.w)-1] }

// Backward computes the gradient of every layer from g, the gradient of the
// loss with respect to the end-to-end matrix at the weights of the last
// Forward. g must be n_L x n_0 (else Backward panics with ErrShape) and must
// not change until Step; the network keeps a reference to it. Backward
// allocates nothing.
func (n *Network) Backward(g *mat.Dense) {
	r, c := g.Dims()
	wr, wc := n.Dims()
	if r != wr || c != wc {
		panic(fmt.Errorf("%w: gradient is %d x %d, end-to-end matrix is %d x %d", ErrShape, r, c, wr, wc))
	}
	L := len(n.w)
	n.g = g
	if L == 1 {
		n.grad[0] = g
		return
	}
	// B_{L-1} = G; B_{l-1} = W_l^T B_l.
	b := g
	for l := L - 1; l >= 1; l-- {
		// grad_l = B_l P_{l-1}^T
		n.mul(blas.NoTrans, blas.Trans, b, n.prefix[l-1], n.grad[l])
		n.mulTransA(n.w[l], b, n.back[l-1])
		b = n.back[l-1]
	}
	// grad_0 = B_0, which n.grad[0] aliases.
}

// Grad returns the gradient of layer l computed by the last Backward. It is
// the network's storage and must not be modified.
func (n *Network) Grad(l int) *mat.Dense { return n.grad[l] }

// Step applies one gradient-descent step W_l <- W_l - eta*mult[l]*grad_l to
// every layer with the gradients of the last Backward. mult may be nil (all
// ones); otherwise it must have one entry per layer (else Step panics with
// ErrShape). Step allocates nothing.
func (n *Network) Step(eta float64, mult []float64) {
	n.checkMult(mult)
	for l, w := range n.w {
		a := -rate(eta, mult, l)
		wd := w.RawMatrix().Data
		gd := n.grad[l].RawMatrix().Data
		for i, v := range gd {
			wd[i] += a * v
		}
		n.flops += uint64(2 * len(wd))
	}
}

// checkMult panics with ErrShape unless mult is nil or has one entry per
// layer.
func (n *Network) checkMult(mult []float64) {
	if mult != nil && len(mult) != len(n.w) {
		panic(fmt.Errorf("%w: %d learning-rate multipliers for %d layers", ErrShape, len(mult), len(n.w)))
	}
}

// rate is layer l's learning rate eta*mult[l] (eta when mult is nil).
func rate(eta float64, mult []float64, l int) float64 {
	if mult == nil {
		return eta
	}
	return eta * mult[l]
}

// mul computes c = op(a) op(b) and counts its flops.
func (n *Network) mul(ta, tb blas.Transpose, a, b, c *mat.Dense) {
	ra := a.RawMatrix()
	rb := b.RawMatrix()
	rc := c.RawMatrix()
	k := ra.Cols
	if ta == blas.Trans {
		k = ra.Rows
	}
	blas64.Gemm(ta, tb, 1, ra, rb, 0, rc)
	n.flops += uint64(2 * rc.Rows * rc.Cols * k)
}

// mulTransA does c = a^T b like mul(Trans, NoTrans, ...), but under gonum's
// pure-Go BLAS as a^T copied into the network's buffer times b: gonum's
// Dgemm with a transposed A runs at about 40% of its rate without (4 against
// 11 GFLOP/s at n = 1024 on a 2-core EPYC), and the copy costs O(size of a).
// OpenBLAS is as fast either way and takes the transposed form directly.
// Counted as mul counts it.
func (n *Network) mulTransA(a, b, c *mat.Dense) {
	if !pureGoBLAS() {
		n.mul(blas.Trans, blas.NoTrans, a, b, c)
		return
	}
	ra := a.RawMatrix()
	t := blas64.General{Rows: ra.Cols, Cols: ra.Rows, Stride: ra.Rows, Data: n.wt[:ra.Rows*ra.Cols]}
	transposeTo(t, ra)
	rc := c.RawMatrix()
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, t, b.RawMatrix(), 0, rc)
	n.flops += uint64(2 * rc.Rows * rc.Cols * ra.Rows)
}

// pureGoBLAS reports whether blas64's implementation is gonum's pure Go.
func pureGoBLAS() bool {
	_, ok := blas64.Implementation().(gonum.Implementation)
	return ok
}

// transposeTo writes src^T into dst (src.Cols x src.Rows) in 32 x 32
// blocks, so that neither side is walked with a large stride for long.
func transposeTo(dst, src blas64.General) {
	const bs = 32
	for i0 := 0; i0 < src.Rows; i0 += bs {
		i1 := min(i0+bs, src.Rows)
		for j0 := 0; j0 < src.Cols; j0 += bs {
			j1 := min(j0+bs, src.Cols)
			for i := i0; i < i1; i++ {
				row := src.Data[i*src.Stride+j0 : i*src.Stride+j1]
				for j, v := range row {
					dst.Data[(j0+j)*dst.Stride+i] = v
				}
			}
		}
	}
}

// Widths returns the widths [n_0, n_1, ..., n_L] of a chain of layer shapes
// (layer l is n_{l+1} x n_l), the form package theory counts in.
func Widths(shapes []Shape) []int {
	w := make([]int, 0, len(shapes)+1)
	for i, s := range shapes {
		if i == 0 {
			w = append(w, s.Cols)
		}
		w = append(w, s.Rows)
	}
	return w
}

// ForwardInner computes the prefix products up to P_{L-2} = W_{L-1} ... W_1
// and returns it (n_{L-1} x n_0): everything but the last layer, without
// forming the end-to-end matrix. Together with BackwardInner it serves
// gradients G that are never formed densely (a sampled residual): the
// caller computes the last layer's gradient G P_{L-2}^T into LastGrad() and
// W_L^T G into OuterBack(), then calls BackwardInner. It panics with
// ErrShape when L < 2 and allocates nothing.
func (n *Network) ForwardInner() *mat.Dense {
	L := len(n.w)
	if L < 2 {
		panic(fmt.Errorf("%w: ForwardInner needs at least 2 layers", ErrShape))
	}
	for l := 1; l < L-1; l++ {
		n.mul(blas.NoTrans, blas.NoTrans, n.w[l], n.prefix[l-1], n.prefix[l])
	}
	return n.prefix[L-2]
}

// LastGrad returns the buffer of the last layer's gradient (n_L x n_{L-1})
// for a caller of ForwardInner to fill.
func (n *Network) LastGrad() *mat.Dense { return n.grad[len(n.w)-1] }

// OuterBack returns the buffer for W_L^T G (n_{L-1} x n_0) for a caller of
// ForwardInner to fill.
func (n *Network) OuterBack() *mat.Dense { return n.back[len(n.w)-2] }

// BackwardInner completes the gradients of layers L-1 .. 1 from the
// contents of OuterBack, after ForwardInner; LastGrad must hold the last
// layer's gradient before Step. It allocates nothing.
func (n *Network) BackwardInner() {
	L := len(n.w)
	b := n.back[L-2]
	for l := L - 2; l >= 1; l-- {
		n.mul(blas.NoTrans, blas.Trans, b, n.prefix[l-1], n.grad[l])
		n.mulTransA(n.w[l], b, n.back[l-1])
		b = n.back[l-1]
	}
}

// AddFlops adds flops done on the network's behalf by a caller (a sampled
// product in place of a dense one) to its counter.
func (n *Network) AddFlops(f uint64) { n.flops += f }
