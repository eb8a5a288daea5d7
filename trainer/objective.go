package trainer

import (
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/workloads"
)

// Objective is a trainable model on a loss.
type Objective interface {
	// Evaluate returns the training loss at the current parameters and
	// prepares the gradient for the next Step.
	Evaluate() float64
	// Step applies one gradient-descent step with base learning rate eta,
	// using the gradient prepared by the last Evaluate.
	Step(eta float64)
	// Measure returns the checkpoint metrics at the parameters of the last
	// Evaluate, with the k largest singular values of the end-to-end matrix
	// when k > 0. It may allocate.
	Measure(k int) Measurement
}

// Measurement holds the metrics recorded at a checkpoint.
type Measurement struct {
	RecoveryError  float64
	TestLoss       float64
	HasTestLoss    bool
	SingularValues []float64
	// Validation is the error on the workload's validation entries
	// (workloads.EntriesMC: their RMSE), valid only when HasValidation:
	// what Config.Patience stops on, never a reported error.
	Validation    float64
	HasValidation bool
}

// validator is implemented by workloads that hold validation entries
// (workloads.EntriesMC): the validation error of a formed W.
type validator interface {
	ValidationRMSE(w *mat.Dense) (float64, bool)
}

// Dense trains a deep linear network on a workload through the dense
// end-to-end gradient: Evaluate forms W = W_L...W_1 and G = grad f(W), Step
// back-propagates G to every layer and updates layer l with learning rate
// eta*Mult[l].
type Dense struct {
	net  *dln.Network
	work workloads.Workload
	mult []float64
	g    *mat.Dense
}

var _ Objective = (*Dense)(nil)

// NewDense binds net to work with per-layer learning-rate multipliers mult
// (nil for all ones). It panics with dln.ErrShape when the network's
// end-to-end shape differs from the workload's or mult has the wrong length.
// It allocates the end-to-end gradient buffer.
func NewDense(net *dln.Network, work workloads.Workload, mult []float64) *Dense {
	r, c := net.Dims()
	wr, wc := work.Dims()
	if r != wr || c != wc || (mult != nil && len(mult) != net.Layers()) {
		panic(dln.ErrShape)
	}
	return &Dense{net: net, work: work, mult: mult, g: mat.NewDense(r, c, nil)}
}

// Network returns the trained network.
func (d *Dense) Network() *dln.Network { return d.net }

// WorkspaceBytes is the network's workspace plus the end-to-end gradient.
func (d *Dense) WorkspaceBytes() int64 {
	r, c := d.g.Dims()
	return d.net.WorkspaceBytes() + int64(8*r*c)
}

// Evaluate implements Objective. It allocates nothing.
func (d *Dense) Evaluate() float64 {
	return d.work.Gradient(d.g, d.net.Forward())
}

// Step implements Objective. It allocates nothing.
func (d *Dense) Step(eta float64) {
	d.net.Backward(d.g)
	d.net.Step(eta, d.mult)
}

// FillWorkspace sets every entry of the workspace the objective owns besides
// the network's (the end-to-end gradient) to v. It is for tests: the
// conformance suite (trainer/steptest) fills it with NaN before Evaluate so
// that an entry read before it is written shows. Evaluate overwrites it all.
func (d *Dense) FillWorkspace(v float64) { fill(d.g, v) }

// fill sets every entry of m (when not nil) to v.
func fill(m *mat.Dense, v float64) {
	if m == nil {
		return
	}
	raw := m.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j := range row {
			row[j] = v
		}
	}
}

// Measure implements Objective.
func (d *Dense) Measure(k int) Measurement {
	w := d.net.EndToEnd()
	m := Measurement{RecoveryError: workloads.Recovery(d.work, w)}
	if t, ok := d.work.(workloads.TestLosser); ok {
		m.TestLoss, m.HasTestLoss = t.TestLoss(w)
	}
	if v, ok := d.work.(validator); ok {
		m.Validation, m.HasValidation = v.ValidationRMSE(w)
	}
	if k > 0 {
		if s, err := workloads.SingularValues(w); err == nil {
			m.SingularValues = s[:min(k, len(s))]
		}
	}
	return m
}
