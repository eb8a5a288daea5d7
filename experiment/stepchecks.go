package experiment

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/results"
)

// This file holds what the checks observe at every gradient step (through
// trainer.Config.Observe), whatever the checkpoint interval --every is, so
// that no verdict depends on how often a run is looked at:
//
//   - the recovery error of an MF run from its training loss, O(1) per step
//     (kwon-bound);
//   - the learning projections u_i^T W v_i of W on the target's singular
//     pairs, through the layers, sum_l n_l n_{l-1} k flops for k modes
//     (incremental-learning, learn-steps, the per-mode part of
//     compressed-mf-recursion);
//   - the LoP gap ||W_orig - W_lop||_F from the formed end-to-end
//     matrices, O(d^2) (lop-equivalence).
//
// The checks that need an SVD of every layer (lop-singular-values, O(d^3))
// or the compressed network's full end-to-end matrix (the full-error part
// of compressed-mf-recursion, O(d^2 r_hat)) run at every step up to
// DenseCheckMaxD and on denseSchedule above it.

// DenseCheckMaxD is the largest size at which the O(d^3) and O(d^2 r_hat)
// observations run at every step. Above it they run on denseSchedule: at
// d = 128 three layer SVDs cost about as much as three training steps of the
// original network (measured: BenchmarkStepChecks).
const DenseCheckMaxD = 128

// scheduleDense is the number of first steps denseSchedule always includes;
// schedulePerDoubling the steps it takes in each doubling of t after them.
const (
	scheduleDense       = 16
	schedulePerDoubling = 4
)

// denseSchedule returns the steps 0..steps at which the expensive checks
// run when d > DenseCheckMaxD: every step below scheduleDense, then
// schedulePerDoubling steps per doubling (floor(16 2^(j/4))). It does not
// depend on --every. The start is dense because that is where the layers
// leave their initialization and where violations of the identities
// happened (a rounding or a bug shows within the first steps, and rho(t)
// changes on a logarithmic time scale: rho(t)^-(2L-2) grows linearly in
// t). A run of T steps gets about 17 + 4 log2(T/16) evaluations: 67 at
// T = 1e5. The last step is added by the checker. It returns the steps in
// increasing order, so its length grows with log(steps), not with steps.
func denseSchedule(steps int) []int {
	var on []int
	for t := 0; t <= steps && t < scheduleDense; t++ {
		on = append(on, t)
	}
	for j := 0; ; j++ {
		f := math.Floor(scheduleDense * math.Pow(2, float64(j)/schedulePerDoubling))
		if f > float64(steps) || f >= 0x1p63 { // as floats: f may exceed MaxInt
			break
		}
		if t := int(f); t <= steps && (len(on) == 0 || t > on[len(on)-1]) {
			on = append(on, t)
		}
	}
	return on
}

// projector computes u_i^T W v_i for the first k target modes, with W the
// network's end-to-end map applied to V_k layer by layer (never forming W).
// Its buffers are allocated once; project allocates nothing of its own.
type projector struct {
	net  *dln.Network
	u, v *mat.Dense // d x k
	x    []*mat.Dense
	p    []float64
}

func newProjector(net *dln.Network, u, v *mat.Dense, k int) *projector {
	rows, _ := u.Dims()
	cols, _ := v.Dims()
	pr := &projector{net: net, u: mat.DenseCopyOf(u.Slice(0, rows, 0, k)), v: mat.DenseCopyOf(v.Slice(0, cols, 0, k)), p: make([]float64, k)}
	for _, s := range net.Shapes() {
		pr.x = append(pr.x, mat.NewDense(s.Rows, k, nil))
	}
	return pr
}

// project returns u_i^T W v_i, i < k (a slice it owns).
func (pr *projector) project() []float64 {
	var x mat.Matrix = pr.v
	for l := 0; l < pr.net.Layers(); l++ {
		pr.x[l].Mul(pr.net.Layer(l), x)
		x = pr.x[l]
	}
	last := pr.x[len(pr.x)-1]
	for i := range pr.p {
		pr.p[i] = mat.Dot(pr.u.ColView(i), last.ColView(i))
	}
	return pr.p
}

// worst keeps the worst point of a comparison of an observation with its
// prediction over many steps without storing the series: the largest ratio
// of deviation to allowance (rel |predicted| + abs).
type worst struct {
	n                     int
	ratio                 float64
	step, mode            int
	obs, pred, allow, rel float64
	bad                   bool
}

func (w *worst) add(step, mode int, obs, pred, rel, abs float64) {
	allow := rel*math.Abs(pred) + abs
	dev := math.Abs(obs - pred)
	if math.IsNaN(dev) || math.IsInf(dev, 0) || math.IsInf(pred, 0) {
		dev, allow = math.Inf(1), 1
	}
	w.n++
	r := dev / allow
	if w.n == 1 || r > w.ratio {
		w.ratio, w.step, w.mode, w.obs, w.pred, w.allow = r, step, mode, obs, pred, allow
		w.rel = dev / math.Max(math.Abs(pred), math.SmallestNonzeroFloat64)
	}
	if !(dev <= allow) {
		w.bad = true
	}
}

// check returns the result of the comparison (n == 0: not evaluable).
func (w *worst) check(name, method, regime, quantity, where string) results.Check {
	if w.n == 0 {
		return results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity, Status: results.NotEvaluable,
			Observed: results.Absent, Predicted: results.Absent, Tolerance: results.Absent, Detail: "no step was observed"}
	}
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity,
		Observed: w.obs, Predicted: w.pred, Tolerance: w.allow, Status: results.Pass,
		Detail: fmt.Sprintf("worst at step %d%s: relative deviation %.3g over %d comparisons", w.step, where, w.rel, w.n)}
	if math.IsInf(w.allow, 0) || math.IsNaN(w.obs) || math.IsInf(w.obs, 0) {
		c.Observed, c.Tolerance = results.Absent, results.Absent
		c.Detail += " (a figure was not finite)"
	}
	if w.bad {
		c.Status = results.Fail
	}
	return c
}

// errFromLoss returns the relative recovery error ||W - Phi||_F / ||Phi||_F
// of an MF loss f = c ||W - Phi||_F^2 / 2: sqrt(2 f / c) / ||Phi||_F.
func errFromLoss(loss, c, phiNorm float64) float64 {
	return math.Sqrt(2*math.Max(loss, 0)/c) / phiNorm
}

// floorComponent returns ||(I - U U^T) A B (I - V V^T)||_F, the part of
// W = A B on the directions the target does not span (U, V: the target's
// first r singular vectors), without forming W: A' = A - U (U^T A),
// B' = B - (B V) V^T and ||A' B'||_F^2 = tr((A'^T A') (B' B'^T)). Cost
// O((rows + cols) k r + (rows + cols) k^2) for k = A's columns.
func floorComponent(a, b, u, v mat.Matrix) float64 {
	var ua, ap, bv, bp mat.Dense
	ua.Mul(u.T(), a)
	ap.Mul(u, &ua)
	ap.Sub(a, &ap)
	bv.Mul(b, v)
	bp.Mul(&bv, v.T())
	bp.Sub(b, &bp)
	var ga, gb, g mat.Dense
	ga.Mul(ap.T(), &ap)
	gb.Mul(&bp, bp.T())
	g.MulElem(&ga, &gb)
	return math.Sqrt(math.Max(mat.Sum(&g), 0))
}

// factors returns A = W_L and B = W_{L-1} ... W_1 of a network of at least
// two layers (B is allocated).
func factors(net *dln.Network) (a, b *mat.Dense) {
	b = mat.DenseCopyOf(net.Layer(0))
	for l := 1; l < net.Layers()-1; l++ {
		var next mat.Dense
		next.Mul(net.Layer(l), b)
		b = &next
	}
	return net.Layer(net.Layers() - 1), b
}

// floorOfMatrix returns ||(I - U U^T) W (I - V V^T)||_F for a formed W
// (one rows x cols temporary besides rows x r and r x cols ones): the
// projections are subtracted, never expanded into a difference of norms,
// so a floor 1e-7 below ||W|| keeps its digits.
func floorOfMatrix(w, u, v mat.Matrix) float64 {
	var uw, x, xv, t mat.Dense
	uw.Mul(u.T(), w)
	x.Mul(u, &uw)
	x.Sub(w, &x)
	xv.Mul(&x, v)
	t.Mul(&xv, v.T())
	x.Sub(&x, &t)
	return mat.Norm(&x, 2)
}

// AlignPowerIters is the number of power iterations that estimate the top
// singular vectors of a layer for the alignment (results.Checkpoint.AlignU
// and AlignV). Once the top mode is learned, a layer's top singular value
// stands apart from the rest (about s_1^(1/L) against eps), so a few
// iterations converge; before that the layer is eps times an orthogonal
// matrix and its top singular vector, like the alignment, is arbitrary.
const AlignPowerIters = 64

// topVector returns the unit top eigenvector estimate of a^T a (trans
// false: a's top right singular vector) or a a^T (trans true: its top left
// one) after AlignPowerIters power iterations from start (not modified).
func topVector(a mat.Matrix, start *mat.VecDense, trans bool) *mat.VecDense {
	x := mat.VecDenseCopyOf(start)
	var y mat.VecDense
	for range AlignPowerIters {
		if trans {
			y.MulVec(a.T(), x)
			x.MulVec(a, &y)
		} else {
			y.MulVec(a, x)
			x.MulVec(a.T(), &y)
		}
		n := mat.Norm(x, 2)
		if !(n > 0) || math.IsInf(n, 0) {
			return x
		}
		x.ScaleVec(1/n, x)
	}
	return x
}

// alignment returns |<u_1(W_L), u*_1>| and |<v_1(W_1), v*_1>| of net, with
// u*_1, v*_1 the first columns of u and v. start has max(m, n) entries; the
// iterations on the m-dimensional left and the n-dimensional right side
// start from its first m and n (all of it for a square target).
func alignment(net *dln.Network, u, v *mat.Dense, start *mat.VecDense) (au, av float64) {
	wl, w1 := net.Layer(net.Layers()-1), net.Layer(0)
	rows, cols := net.Dims()
	ul := topVector(wl, start.SliceVec(0, rows).(*mat.VecDense), true)
	v1 := topVector(w1, start.SliceVec(0, cols).(*mat.VecDense), false)
	return math.Abs(mat.Dot(ul, u.ColView(0))), math.Abs(mat.Dot(v1, v.ColView(0)))
}
