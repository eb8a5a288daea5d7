package mlp

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/randmat"
)

// Variant names a model.
type Variant string

// The variants (see the package comment).
const (
	Original Variant = "original"
	DLN      Variant = "dln"
	CDLN     Variant = "cdln"
)

// Variants lists the variants in the order a run trains them.
var Variants = []Variant{Original, DLN, CDLN}

// ParseVariant returns the variant named s.
func ParseVariant(s string) (Variant, error) {
	for _, v := range Variants {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown variant %q (want original, dln or cdln)", s)
}

// Config describes a model. Zero fields take the defaults noted, except
// Inputs, Classes, Hidden1 and Hidden2, which must be set.
type Config struct {
	Variant Variant // default Original
	// Inputs is the number of input features (pixels), Classes the number
	// of outputs.
	Inputs, Classes int
	// Hidden1 and Hidden2 are the widths of the hidden layers; the block
	// maps R^Hidden1 to itself.
	Hidden1, Hidden2 int
	// Depth is the number of block layers L (dln, cdln; default 3, at
	// least 2 for cdln).
	Depth int
	// RHat is the compressed width r of cdln (default Hidden1/8), at most
	// Hidden1.
	RHat int
	// Eps is the scale of the block's orthogonal initialisation (default 1).
	Eps float64
	// Alpha multiplies the learning rate of cdln's outer block layers
	// (default 1).
	Alpha float64
	// Seed seeds every weight.
	Seed uint64
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Variant == "" {
		c.Variant = Original
	}
	if c.Depth == 0 {
		c.Depth = 3
	}
	if c.RHat == 0 {
		c.RHat = max(1, c.Hidden1/8)
	}
	if c.Eps == 0 {
		c.Eps = 1
	}
	if c.Alpha == 0 {
		c.Alpha = 1
	}
	return c
}

// ErrConfig is wrapped by the errors of Config.Validate.
var ErrConfig = errors.New("mlp: invalid configuration")

// FieldError is the error of Config.Validate and TrainConfig.Validate: the
// field (named as in the validation messages: hidden1, r-hat, eta, ...),
// its value and what is wrong with it. It wraps ErrConfig or
// ErrTrainConfig.
type FieldError struct {
	Field string
	Value any
	Why   string
	kind  error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%v: %s %v: %s", e.kind, e.Field, e.Value, e.Why)
}

// Unwrap returns ErrConfig or ErrTrainConfig.
func (e *FieldError) Unwrap() error { return e.kind }

// Validate returns a *FieldError wrapping ErrConfig when c (after
// WithDefaults) does not describe a model.
func (c Config) Validate() error {
	bad := func(field string, v any, why string) error {
		return &FieldError{Field: field, Value: v, Why: why, kind: ErrConfig}
	}
	switch {
	case c.Variant != Original && c.Variant != DLN && c.Variant != CDLN:
		return bad("variant", c.Variant, "want original, dln or cdln")
	case c.Inputs < 1:
		return bad("inputs", c.Inputs, "must be at least 1")
	case c.Classes < 2:
		return bad("classes", c.Classes, "must be at least 2")
	case c.Hidden1 < 1:
		return bad("hidden1", c.Hidden1, "must be at least 1")
	case c.Hidden2 < 1:
		return bad("hidden2", c.Hidden2, "must be at least 1")
	case c.Depth < 1 || (c.Variant == CDLN && c.Depth < 2):
		return bad("depth", c.Depth, "must be at least 1 (2 for cdln)")
	case c.RHat < 1 || c.RHat > c.Hidden1:
		return bad("r-hat", c.RHat, fmt.Sprintf("must be in 1..%d (the first hidden width)", c.Hidden1))
	case !(c.Eps > 0) || math.IsInf(c.Eps, 0):
		return bad("eps", c.Eps, "must be positive and finite")
	case !(c.Alpha > 0) || math.IsInf(c.Alpha, 0):
		return bad("alpha", c.Alpha, "must be positive and finite")
	}
	return nil
}

// BlockShapes returns the shapes of the block's layers (nil for Original).
func (c Config) BlockShapes() []dln.Shape {
	c = c.WithDefaults()
	h, L := c.Hidden1, c.Depth
	switch c.Variant {
	case DLN:
		dims := make([]int, L+1)
		for i := range dims {
			dims[i] = h
		}
		return dln.Chain(dims...)
	case CDLN:
		dims := make([]int, L+1)
		for i := range dims {
			dims[i] = c.RHat
		}
		dims[0], dims[L] = h, h
		return dln.Chain(dims...)
	}
	return nil
}

// Shapes returns the shapes of every weight matrix in the order the input
// meets them: A1, the block's W_1 .. W_L, A2, A3.
func (c Config) Shapes() []dln.Shape {
	c = c.WithDefaults()
	s := []dln.Shape{{Rows: c.Hidden1, Cols: c.Inputs}}
	s = append(s, c.BlockShapes()...)
	return append(s, dln.Shape{Rows: c.Hidden2, Cols: c.Hidden1}, dln.Shape{Rows: c.Classes, Cols: c.Hidden2})
}

// Params returns the number of trainable parameters: the entries of every
// weight matrix and the h1 + h2 + c biases.
func (c Config) Params() int {
	c = c.WithDefaults()
	p := c.Hidden1 + c.Hidden2 + c.Classes
	for _, s := range c.Shapes() {
		p += s.Rows * s.Cols
	}
	return p
}

// ForwardFlops returns the flops of the products of a forward pass of m
// rows: 2 m sum over weight matrices of rows*cols.
func (c Config) ForwardFlops(m int) uint64 {
	var f uint64
	for _, s := range c.Shapes() {
		f += uint64(2 * m * s.Rows * s.Cols)
	}
	return f
}

// StepFlops returns the flops a training step of m rows performs in the
// products and the weight updates, as the networks count them: the forward
// products, a weight-gradient product per matrix, an input-gradient product
// per matrix but A1, and 2 flops per updated weight (4 with momentum).
// Biases, ReLU and the softmax are not counted.
func (c Config) StepFlops(m int, momentum bool) uint64 {
	shapes := c.Shapes()
	upd := uint64(2)
	if momentum {
		upd = 4
	}
	var f uint64
	for i, s := range shapes {
		rc := uint64(s.Rows * s.Cols)
		f += 2*uint64(m)*rc*2 + upd*rc
		if i > 0 {
			f += 2 * uint64(m) * rc
		}
	}
	return f
}

// affine is an affine layer y = A x + b: a one-layer dln.Network and a bias.
type affine struct {
	net          *dln.Network
	batch        *dln.Batch
	mom          *dln.Momentum
	bias, gbias  []float64
	vbias        []float64
	out          blas64.General // the output of the last forward
	relu         bool           // apply ReLU to the output
	gradIn, gOut []float64      // gradient w.r.t. the input (nil for A1) and the output
}

func newAffine(out, in, rows int, relu, gradIn bool) *affine {
	net := dln.New([]dln.Shape{{Rows: out, Cols: in}})
	a := &affine{
		net: net, batch: net.NewBatch(rows), mom: net.NewMomentum(),
		bias: make([]float64, out), gbias: make([]float64, out), vbias: make([]float64, out),
		relu: relu, gOut: make([]float64, rows*out),
	}
	if gradIn {
		a.gradIn = make([]float64, rows*in)
	}
	return a
}

// forward computes relu?(x A^T + b) into the layer's storage.
func (a *affine) forward(x blas64.General) blas64.General {
	y := a.batch.Forward(x)
	for i := 0; i < y.Rows; i++ {
		row := y.Data[i*y.Stride : i*y.Stride+y.Cols]
		for j, b := range a.bias {
			v := row[j] + b
			if a.relu && v < 0 {
				v = 0
			}
			row[j] = v
		}
	}
	a.out = y
	return y
}

// backward takes the gradient with respect to the layer's output after
// the activation, in g (rows x out; the layer's own gOut buffer or another
// one), masks it by the ReLU in place, computes the weight and bias
// gradients, and returns the gradient with respect to the input (zero
// value when the layer has no gradIn buffer).
func (a *affine) backward(g blas64.General) blas64.General {
	y := a.out
	for j := range a.gbias {
		a.gbias[j] = 0
	}
	for i := 0; i < g.Rows; i++ {
		grow := g.Data[i*g.Stride : i*g.Stride+g.Cols]
		yrow := y.Data[i*y.Stride : i*y.Stride+y.Cols]
		for j := range grow {
			if a.relu && yrow[j] <= 0 {
				grow[j] = 0
			}
			a.gbias[j] += grow[j]
		}
	}
	var dx blas64.General
	if a.gradIn != nil {
		_, in := a.net.Dims()
		dx = blas64.General{Rows: g.Rows, Cols: in, Stride: in, Data: a.gradIn[:g.Rows*in]}
	}
	a.batch.Backward(g, dx)
	return dx
}

// outGrad returns the layer's buffer for the gradient with respect to its
// output, for rows rows.
func (a *affine) outGrad(rows int) blas64.General {
	out, _ := a.net.Dims()
	return blas64.General{Rows: rows, Cols: out, Stride: out, Data: a.gOut[:rows*out]}
}

func (a *affine) step(eta, mu float64) {
	if mu == 0 {
		a.net.Step(eta, nil)
	} else {
		a.mom.Step(eta, mu, nil)
	}
	for j, g := range a.gbias {
		v := mu*a.vbias[j] + g
		a.vbias[j] = v
		a.bias[j] -= eta * v
	}
}

// Model is an MLP of one of the variants with its workspace. Make it with
// New.
type Model struct {
	cfg     Config
	maxRows int
	a1      *affine
	block   *dln.Network // nil for Original
	bbatch  *dln.Batch
	bmom    *dln.Momentum
	bmult   []float64
	bgradIn []float64 // gradient w.r.t. the block's input, maxRows x h1
	a2, a3  *affine
	probs   []float64 // softmax probabilities, then the logits' gradient, maxRows x classes
}

// New returns the model cfg describes (after WithDefaults), initialised
// from cfg.Seed, with a workspace for batches of up to maxRows rows. It
// returns an error wrapping ErrConfig when cfg is invalid or maxRows < 1.
func New(cfg Config, maxRows int) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if maxRows < 1 {
		return nil, fmt.Errorf("%w: batch capacity %d must be at least 1", ErrConfig, maxRows)
	}
	h1, h2 := cfg.Hidden1, cfg.Hidden2
	m := &Model{
		cfg: cfg, maxRows: maxRows,
		a1:    newAffine(h1, cfg.Inputs, maxRows, true, false),
		a2:    newAffine(h2, h1, maxRows, true, true),
		a3:    newAffine(cfg.Classes, h2, maxRows, false, true),
		probs: make([]float64, maxRows*cfg.Classes),
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6d6c70)) // "mlp"
	randmat.Gaussian(m.a1.net.Layer(0), math.Sqrt(2/float64(cfg.Inputs)), rng)
	randmat.Gaussian(m.a2.net.Layer(0), math.Sqrt(2/float64(h1)), rng)
	randmat.Gaussian(m.a3.net.Layer(0), math.Sqrt(1/float64(h2)), rng)
	if shapes := cfg.BlockShapes(); shapes != nil {
		m.block = dln.New(shapes)
		m.block.InitOrthogonal(cfg.Eps, rng)
		m.bbatch = m.block.NewBatch(maxRows)
		m.bmom = m.block.NewMomentum()
		m.bgradIn = make([]float64, maxRows*h1)
		if cfg.Variant == CDLN && cfg.Alpha != 1 {
			m.bmult = make([]float64, cfg.Depth)
			for l := range m.bmult {
				m.bmult[l] = 1
			}
			m.bmult[0], m.bmult[cfg.Depth-1] = cfg.Alpha, cfg.Alpha
		}
	}
	return m, nil
}

// Config returns the model's configuration, defaults filled in.
func (m *Model) Config() Config { return m.cfg }

// MaxRows returns the largest batch the workspace holds.
func (m *Model) MaxRows() int { return m.maxRows }

// Block returns the inserted linear block, or nil for Original.
func (m *Model) Block() *dln.Network { return m.block }

// Params returns the number of trainable parameters (Config.Params).
func (m *Model) Params() int { return m.cfg.Params() }

// WorkspaceBytes returns the bytes the model holds besides its parameters:
// activations, gradients, velocities and buffers of the networks.
func (m *Model) WorkspaceBytes() int64 {
	var b int64
	for _, a := range []*affine{m.a1, m.a2, m.a3} {
		b += a.net.WorkspaceBytes() + a.batch.WorkspaceBytes()
		b += 8 * int64(a.net.Params()+2*len(a.bias)+len(a.gOut)+len(a.gradIn))
	}
	if m.block != nil {
		b += m.block.WorkspaceBytes() + m.bbatch.WorkspaceBytes()
		b += 8 * int64(m.block.Params()+len(m.bgradIn))
	}
	return b + 8*int64(len(m.probs))
}

// Flops returns the flops the model's networks have counted (products and
// weight updates; see Config.StepFlops).
func (m *Model) Flops() uint64 {
	f := m.a1.net.Flops() + m.a2.net.Flops() + m.a3.net.Flops()
	if m.block != nil {
		f += m.block.Flops()
	}
	return f
}

// Forward computes the logits of the rows of x (m x Inputs, m <= MaxRows)
// and returns them, m x Classes, in the model's storage (valid until the
// next Forward or LossGrad). It allocates nothing.
func (m *Model) Forward(x blas64.General) blas64.General {
	if x.Cols != m.cfg.Inputs || x.Rows < 1 || x.Rows > m.maxRows {
		panic(fmt.Errorf("%w: batch is %d x %d, want at most %d rows of %d", dln.ErrShape, x.Rows, x.Cols, m.maxRows, m.cfg.Inputs))
	}
	h := m.a1.forward(x)
	if m.block != nil {
		h = m.bbatch.Forward(h)
	}
	return m.a3.forward(m.a2.forward(h))
}

// LossGrad computes the mean softmax cross-entropy of the rows of x with
// their labels (len(labels) == rows of x, each below Classes) and the
// gradient of every parameter, and returns the loss and the number of rows
// whose largest logit is their label's. It allocates nothing.
func (m *Model) LossGrad(x blas64.General, labels []byte) (loss float64, correct int) {
	z := m.Forward(x)
	if len(labels) != z.Rows {
		panic(fmt.Errorf("%w: %d labels for %d rows", dln.ErrShape, len(labels), z.Rows))
	}
	g := m.a3.outGrad(z.Rows)
	loss, correct = softmaxCE(g, z, labels, true)
	g = m.a3.backward(g)
	g = m.a2.backward(g) // masks g (a3's gradIn) in place by a2's ReLU
	if m.block != nil {
		dx := blas64.General{Rows: g.Rows, Cols: m.cfg.Hidden1, Stride: m.cfg.Hidden1, Data: m.bgradIn[:g.Rows*m.cfg.Hidden1]}
		m.bbatch.Backward(g, dx)
		g = dx
	}
	m.a1.backward(g)
	return loss, correct
}

// Step applies one SGD step with learning rate eta and momentum mu (0:
// plain SGD) using the gradients of the last LossGrad. It allocates
// nothing.
func (m *Model) Step(eta, mu float64) {
	m.a1.step(eta, mu)
	m.a2.step(eta, mu)
	m.a3.step(eta, mu)
	switch {
	case m.block == nil:
	case mu == 0:
		m.block.Step(eta, m.bmult)
	default:
		m.bmom.Step(eta, mu, m.bmult)
	}
}

// TrainStep is LossGrad followed by Step; it returns the batch's loss.
func (m *Model) TrainStep(x blas64.General, labels []byte, eta, mu float64) float64 {
	loss, _ := m.LossGrad(x, labels)
	m.Step(eta, mu)
	return loss
}

// Evaluate returns the mean loss and the number of correct predictions of
// the rows of x with their labels, without computing gradients. It
// allocates nothing.
func (m *Model) Evaluate(x blas64.General, labels []byte) (loss float64, correct int) {
	z := m.Forward(x)
	if len(labels) != z.Rows {
		panic(fmt.Errorf("%w: %d labels for %d rows", dln.ErrShape, len(labels), z.Rows))
	}
	return softmaxCE(m.a3.outGrad(z.Rows), z, labels, false)
}

// softmaxCE returns the mean cross-entropy of the softmax of the rows of z
// against labels and the number of rows whose largest logit is the label's;
// with grad it also writes the gradient of the mean loss with respect to z,
// (softmax(z) - onehot)/m, into g.
func softmaxCE(g, z blas64.General, labels []byte, grad bool) (loss float64, correct int) {
	m := z.Rows
	inv := 1 / float64(m)
	for i := 0; i < m; i++ {
		row := z.Data[i*z.Stride : i*z.Stride+z.Cols]
		y := int(labels[i])
		if y >= z.Cols {
			panic(fmt.Errorf("mlp: label %d of row %d is not below the %d classes", y, i, z.Cols))
		}
		zmax, arg := row[0], 0
		for j, v := range row {
			if v > zmax {
				zmax, arg = v, j
			}
		}
		if arg == y {
			correct++
		}
		var s float64
		for _, v := range row {
			s += math.Exp(v - zmax)
		}
		loss += math.Log(s) - (row[y] - zmax)
		if grad {
			grow := g.Data[i*g.Stride : i*g.Stride+g.Cols]
			for j, v := range row {
				grow[j] = math.Exp(v-zmax) / s * inv
			}
			grow[y] -= inv
		}
	}
	return loss * inv, correct
}

// Param is one trainable tensor of a model: its values and the gradient
// of the last LossGrad, both the model's storage.
type Param struct {
	Name string
	W, G []float64
}

// ParamList returns the model's tensors in forward order: layer1 A and b,
// the block's W1 .. WL, layer2, layer3. Writing to W changes the model. G
// is nil for the weight matrices before the first LossGrad.
func (m *Model) ParamList() []Param {
	dense := func(name string, a *affine) []Param {
		return []Param{
			{Name: name + ".A", W: raw(a.net.Layer(0)), G: raw(a.net.Grad(0))},
			{Name: name + ".b", W: a.bias, G: a.gbias},
		}
	}
	ps := dense("layer1", m.a1)
	if m.block != nil {
		for l := 0; l < m.block.Layers(); l++ {
			ps = append(ps, Param{Name: fmt.Sprintf("block.W%d", l+1), W: raw(m.block.Layer(l)), G: raw(m.block.Grad(l))})
		}
	}
	ps = append(ps, dense("layer2", m.a2)...)
	return append(ps, dense("layer3", m.a3)...)
}

func raw(d *mat.Dense) []float64 {
	if d == nil {
		return nil
	}
	return d.RawMatrix().Data
}
