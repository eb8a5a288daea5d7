package steptest

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// naive is the reference step: the definition of DESIGN.md section 3
// written with mat.Mul and nothing shared with the paths under test but the
// workload. It forms W = W_L ... W_1, G = grad f(W) by the workload's
// Gradient and grad_l = S_l^T G P_{l-1}^T with P_{l-1} = W_{l-1} ... W_1 and
// S_l = W_L ... W_{l+1} (identities at the ends), each product formed
// afresh. It allocates freely.
type naive struct {
	layers []*mat.Dense
	work   workloads.Workload
	mult   []float64
}

// newNaive copies the layers of net.
func newNaive(net *dln.Network, work workloads.Workload, mult []float64) *naive {
	n := &naive{work: work, mult: mult}
	for l := 0; l < net.Layers(); l++ {
		n.layers = append(n.layers, mat.DenseCopyOf(net.Layer(l)))
	}
	return n
}

// product returns W_hi ... W_lo, or the identity of size n when hi < lo.
func (n *naive) product(lo, hi, size int) *mat.Dense {
	if hi < lo {
		id := mat.NewDense(size, size, nil)
		for i := 0; i < size; i++ {
			id.Set(i, i, 1)
		}
		return id
	}
	w := mat.DenseCopyOf(n.layers[lo])
	for l := lo + 1; l <= hi; l++ {
		var p mat.Dense
		p.Mul(n.layers[l], w)
		w = &p
	}
	return w
}

// endToEnd returns W = W_L ... W_1.
func (n *naive) endToEnd() *mat.Dense { return n.product(0, len(n.layers)-1, 0) }

// gradients returns the loss and every layer's gradient at the current
// layers.
func (n *naive) gradients() (float64, []*mat.Dense) {
	w := n.endToEnd()
	rows, cols := w.Dims()
	g := mat.NewDense(rows, cols, nil)
	loss := n.work.Gradient(g, w)
	L := len(n.layers)
	grads := make([]*mat.Dense, L)
	for l := 0; l < L; l++ {
		s := n.product(l+1, L-1, rows)
		p := n.product(0, l-1, cols)
		var sg, gr mat.Dense
		sg.Mul(s.T(), g)
		gr.Mul(&sg, p.T())
		grads[l] = &gr
	}
	return loss, grads
}

// step applies W_l <- W_l - eta mult[l] grad_l.
func (n *naive) step(eta float64, grads []*mat.Dense) {
	for l, g := range grads {
		var upd mat.Dense
		upd.Scale(-eta*multOf(n.mult, l), g)
		n.layers[l].Add(n.layers[l], &upd)
	}
}

// measure returns the checkpoint metrics of W as trainer.Dense defines
// them: the workload's recovery error and test loss, the k largest
// singular values.
func (n *naive) measure(k int) trainer.Measurement {
	w := n.endToEnd()
	m := trainer.Measurement{RecoveryError: workloads.Recovery(n.work, w)}
	if t, ok := n.work.(workloads.TestLosser); ok {
		m.TestLoss, m.HasTestLoss = t.TestLoss(w)
	}
	if l, ok := n.work.(interface {
		Lists() (train, validation, test workloads.EntryList)
	}); ok {
		// The validation RMSE, entry by entry from the list.
		_, val, _ := l.Lists()
		var ss float64
		for t, v := range val.Value {
			e := w.At(val.Row[t], val.Col[t]) - v
			ss += e * e
		}
		if val.Len() > 0 {
			m.Validation, m.HasValidation = math.Sqrt(ss/float64(val.Len())), true
		}
	}
	if k > 0 {
		var svd mat.SVD
		if !svd.Factorize(w, mat.SVDNone) {
			panic("steptest: SVD of the reference end-to-end matrix failed")
		}
		s := svd.Values(nil)
		m.SingularValues = s[:min(k, len(s))]
	}
	return m
}

// relDist returns ||a - b||_F / scale (a and b of the same shape).
func relDist(a, b mat.Matrix, scale float64) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / scale
}

// totalNorm returns sqrt(sum_l ||ms[l]||_F^2).
func totalNorm(ms []*mat.Dense) float64 {
	var s float64
	for _, m := range ms {
		v := mat.Norm(m, 2)
		s += v * v
	}
	return math.Sqrt(s)
}
