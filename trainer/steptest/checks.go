package steptest

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/trainer"
)

// Tolerances. u = 2^-53 is the unit roundoff.
const (
	// fdStep is the finite-difference step on one weight (weights are of
	// order initScale). The loss is quadratic in each single weight (W is
	// affine in it and f quadratic in W), so the central difference
	// (f(w+h) - f(w-h)) / 2h has no truncation error: what is left is the
	// rounding of the two losses, about 1e-15 f(0) for a loss formed from W
	// and 1e-16 c ||Phi||_F^2 * (a few) for the factored MF loss, divided
	// by h: below 1e-11 of f(0), and f(0) is of the order of the gradient's
	// norm here.
	fdStep = 1e-3
	// fdRelTol bounds ||grad - fd||_F / ||grad||_F over all layers: the
	// rounding above with a margin of about 1e3, while a gradient entry
	// wrong by 1e-6 of the gradient's norm still fails.
	fdRelTol = 1e-8
	// refRelTol bounds the distance to the naive reference of the loss (in
	// units of f(0): a path may compute the loss as a difference of terms
	// of that size), of the gradients (relative to the reference's norm over
	// all layers), of the weights (relative to each layer's norm) and of
	// the measurements (relative to the value, or to the largest singular
	// value). A product of k <= 5 factors of inner size n <= 16 formed in
	// another order or blocking differs by about 2 (k-1) n u prod ||A_i||_F,
	// ~1e-14 prod ||A_i||_F, and prod ||A_i||_F / ||product||_F is at most
	// about n here: ~2e-13 per evaluation; refSteps steps of a contracting
	// iteration add such errors at most linearly, ~4e-12: a margin of 25.
	refRelTol = 1e-10
	// updateRelTol bounds ||after - (before - eta mult grad)||_F relative to
	// ||before||_F + eta mult ||grad||_F: one rounding of the update per
	// weight (u) and one of the product eta mult grad (u), with a factor 2.
	updateRelTol = 4 * 0x1p-53
	// refSteps is the length of the trajectory compared with the reference.
	refSteps = 20
)

// Run applies every check to every case of p's kinds, each as a subtest
// named Cases' name / check.
func Run(t *testing.T, p Path) {
	for _, c := range Cases(p) {
		t.Run(c.String(), func(t *testing.T) {
			t.Run("gradient", func(t *testing.T) { CheckGradient(t, p, c) })
			t.Run("reference", func(t *testing.T) { CheckReference(t, p, c) })
			t.Run("allocs", func(t *testing.T) { CheckAllocs(t, p, c) })
			t.Run("flops", func(t *testing.T) { CheckFlops(t, p, c) })
			t.Run("measure after step", func(t *testing.T) { CheckMeasureAfterStep(t, p, c) })
		})
	}
	t.Run("shape panics", func(t *testing.T) { CheckShapePanics(t, p) })
}

// fillNaN sets every entry of m (when not nil) to NaN.
func fillNaN(m *mat.Dense) {
	if m == nil {
		return
	}
	raw := m.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j := range row {
			row[j] = math.NaN()
		}
	}
}

// poison fills with NaN the buffers a step writes that the suite can reach:
// the network's gradients, LastGrad, OuterBack and end-to-end matrix, and
// the objective's workspace when it is a WorkspaceFiller.
func poison(net *dln.Network, obj trainer.Objective) {
	for l := 0; l < net.Layers(); l++ {
		fillNaN(net.Grad(l))
	}
	fillNaN(net.LastGrad())
	fillNaN(net.OuterBack())
	fillNaN(net.EndToEnd())
	if f, ok := obj.(WorkspaceFiller); ok {
		f.FillWorkspace(math.NaN())
	}
}

// evaluate poisons the buffers, then evaluates.
func evaluate(net *dln.Network, obj trainer.Objective) float64 {
	poison(net, obj)
	return obj.Evaluate()
}

// copyLayers returns copies of the network's layers.
func copyLayers(net *dln.Network) []*mat.Dense {
	out := make([]*mat.Dense, net.Layers())
	for l := range out {
		out[l] = mat.DenseCopyOf(net.Layer(l))
	}
	return out
}

// copyGrads returns copies of the network's gradients.
func copyGrads(net *dln.Network) []*mat.Dense {
	out := make([]*mat.Dense, net.Layers())
	for l := range out {
		out[l] = mat.DenseCopyOf(net.Grad(l))
	}
	return out
}

// CheckGradient evaluates the path on case c and takes a step with eta = 0
// (which must leave the weights as they are), then compares every layer's
// gradient, as the network holds it after the step, with central finite
// differences of the path's own loss over every weight (fdStep, fdRelTol).
func CheckGradient(t testing.TB, p Path, c Case) {
	t.Helper()
	pr := build(c)
	net := pr.net
	obj := p.New(net, pr.work, pr.mult)
	before := copyLayers(net)
	evaluate(net, obj)
	obj.Step(0)
	for l, w := range before {
		if !mat.Equal(w, net.Layer(l)) {
			t.Fatalf("%s %v: a step with eta = 0 changed layer %d (a NaN or Inf in its gradient?)", p.Name, c, l)
		}
	}
	grads := copyGrads(net) // before the evaluations below overwrite them
	fds := make([]*mat.Dense, net.Layers())
	for l := range grads {
		r, cols := grads[l].Dims()
		fd := mat.NewDense(r, cols, nil)
		w := net.Layer(l)
		for i := 0; i < r; i++ {
			for j := 0; j < cols; j++ {
				x := w.At(i, j)
				xp, xm := x+fdStep, x-fdStep
				w.Set(i, j, xp)
				fp := evaluate(net, obj)
				w.Set(i, j, xm)
				fm := evaluate(net, obj)
				w.Set(i, j, x)
				fd.Set(i, j, (fp-fm)/(xp-xm))
			}
		}
		fds[l] = fd
	}
	norm := totalNorm(grads)
	var diff float64
	worst, wl, wi, wj := 0.0, 0, 0, 0
	for l := range grads {
		r, cols := grads[l].Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < cols; j++ {
				e := grads[l].At(i, j) - fds[l].At(i, j)
				diff += e * e
				if !(math.Abs(e) <= worst) {
					worst, wl, wi, wj = math.Abs(e), l, i, j
				}
			}
		}
	}
	if e := math.Sqrt(diff) / norm; !(e <= fdRelTol) {
		t.Errorf("%s %v: ||grad - finite differences||_F / ||grad||_F = %.3g > %.3g; worst entry: layer %d [%d,%d] grad %.17g fd %.17g",
			p.Name, c, e, fdRelTol, wl, wi, wj, grads[wl].At(wi, wj), fds[wl].At(wi, wj))
	}
}

// CheckReference trains the path and the naive reference from the same
// weights for refSteps steps and requires, within refRelTol, the same loss
// at every evaluation, the same gradients at every step, the same weights
// at the end and the same measurements (k = 0, 1 and more singular values
// than there are) at the first, middle and last evaluation. It also
// requires each step to apply -eta mult[l] grad_l with the gradients the
// network holds (updateRelTol), and the reference's loss to decrease, so
// that the comparison is of a trajectory that moves.
func CheckReference(t testing.TB, p Path, c Case) {
	t.Helper()
	pr := build(c)
	net := pr.net
	obj := p.New(net, pr.work, pr.mult)
	ref := newNaive(net, pr.work, pr.mult)
	rows, cols := net.Dims()
	var firstLoss, lastLoss float64
	for step := 0; ; step++ {
		loss := evaluate(net, obj)
		refLoss, refGrads := ref.gradients()
		if e := math.Abs(loss-refLoss) / pr.f0; !(e <= refRelTol) {
			t.Fatalf("%s %v: step %d: loss %.17g, reference %.17g: |difference| / f(0) = %.3g > %.3g",
				p.Name, c, step, loss, refLoss, e, refRelTol)
		}
		if step == 0 {
			firstLoss = refLoss
		}
		lastLoss = refLoss
		if step == 0 || step == refSteps/2 || step == refSteps {
			for _, k := range []int{0, 1, min(rows, cols) + 3} {
				checkMeasure(t, p, c, step, k, obj.Measure(k), ref.measure(k))
			}
		}
		if step == refSteps {
			break
		}
		before := copyLayers(net)
		obj.Step(pr.eta)
		got := make([]*mat.Dense, net.Layers())
		for l := range got {
			got[l] = net.Grad(l)
		}
		if e := totalDist(got, refGrads) / totalNorm(refGrads); !(e <= refRelTol) {
			t.Fatalf("%s %v: step %d: ||grad - reference||_F / ||reference||_F = %.3g > %.3g", p.Name, c, step, e, refRelTol)
		}
		for l, b := range before {
			rate := pr.eta * multOf(pr.mult, l)
			var want mat.Dense
			want.Scale(-rate, got[l])
			want.Add(&want, b)
			scale := mat.Norm(b, 2) + rate*mat.Norm(got[l], 2)
			if e := relDist(net.Layer(l), &want, scale); !(e <= updateRelTol) {
				t.Fatalf("%s %v: step %d: layer %d moved by other than -eta mult grad: ||after - (before - %.3g grad)||_F / scale = %.3g > %.3g",
					p.Name, c, step, l, rate, e, updateRelTol)
			}
		}
		ref.step(pr.eta, refGrads)
	}
	for l, w := range ref.layers {
		if e := relDist(net.Layer(l), w, mat.Norm(w, 2)); !(e <= refRelTol) {
			t.Errorf("%s %v: after %d steps: layer %d: ||W - reference||_F / ||reference||_F = %.3g > %.3g", p.Name, c, refSteps, l, e, refRelTol)
		}
	}
	if !(lastLoss < firstLoss) {
		t.Errorf("%s %v: the reference's loss went from %.6g to %.6g in %d steps: the test problem does not move", p.Name, c, firstLoss, lastLoss, refSteps)
	}
}

// totalDist returns sqrt(sum_l ||a[l] - b[l]||_F^2).
func totalDist(a, b []*mat.Dense) float64 {
	var s float64
	for l := range a {
		var d mat.Dense
		d.Sub(a[l], b[l])
		v := mat.Norm(&d, 2)
		s += v * v
	}
	return math.Sqrt(s)
}

// checkMeasure compares a path's measurement with the reference's.
func checkMeasure(t testing.TB, p Path, c Case, step, k int, got, want trainer.Measurement) {
	t.Helper()
	where := fmt.Sprintf("%s %v: step %d: Measure(%d)", p.Name, c, step, k)
	if e := math.Abs(got.RecoveryError-want.RecoveryError) / want.RecoveryError; !(e <= refRelTol) {
		t.Errorf("%s: recovery error %.17g, reference %.17g (relative difference %.3g > %.3g)", where, got.RecoveryError, want.RecoveryError, e, refRelTol)
	}
	if got.HasTestLoss != want.HasTestLoss {
		t.Errorf("%s: HasTestLoss %v, reference %v", where, got.HasTestLoss, want.HasTestLoss)
	} else if want.HasTestLoss {
		if e := math.Abs(got.TestLoss-want.TestLoss) / want.TestLoss; !(e <= refRelTol) {
			t.Errorf("%s: test loss %.17g, reference %.17g (relative difference %.3g > %.3g)", where, got.TestLoss, want.TestLoss, e, refRelTol)
		}
	} else if got.TestLoss != 0 {
		t.Errorf("%s: test loss %v without HasTestLoss", where, got.TestLoss)
	}
	if got.HasValidation != want.HasValidation {
		t.Errorf("%s: HasValidation %v, reference %v", where, got.HasValidation, want.HasValidation)
	} else if want.HasValidation {
		if e := math.Abs(got.Validation-want.Validation) / want.Validation; !(e <= refRelTol) {
			t.Errorf("%s: validation error %.17g, reference %.17g (relative difference %.3g > %.3g)", where, got.Validation, want.Validation, e, refRelTol)
		}
	} else if got.Validation != 0 {
		t.Errorf("%s: validation error %v without HasValidation", where, got.Validation)
	}
	if len(got.SingularValues) != len(want.SingularValues) || (k == 0) != (got.SingularValues == nil) {
		t.Errorf("%s: %d singular values %v, want %d", where, len(got.SingularValues), got.SingularValues, len(want.SingularValues))
		return
	}
	for i, s := range got.SingularValues {
		if e := math.Abs(s-want.SingularValues[i]) / want.SingularValues[0]; !(e <= refRelTol) {
			t.Errorf("%s: singular value %d: %.17g, reference %.17g (difference / largest %.3g > %.3g)", where, i, s, want.SingularValues[i], e, refRelTol)
		}
	}
}

// CheckMeasureAfterStep requires Measure to report the parameters of the
// last Evaluate (trainer.Objective's contract) even when a Step has moved
// them since: Measure(k) after Evaluate and after the Step that follows it
// must agree exactly (the same matrix measured by the same code), for k = 0
// and k = 2.
func CheckMeasureAfterStep(t testing.TB, p Path, c Case) {
	t.Helper()
	pr := build(c)
	obj := p.New(pr.net, pr.work, pr.mult)
	evaluate(pr.net, obj)
	before := []trainer.Measurement{obj.Measure(0), obj.Measure(2)}
	obj.Step(pr.eta)
	for i, k := range []int{0, 2} {
		got, want := obj.Measure(k), before[i]
		same := got.RecoveryError == want.RecoveryError && got.TestLoss == want.TestLoss &&
			got.HasTestLoss == want.HasTestLoss && len(got.SingularValues) == len(want.SingularValues)
		for j := range got.SingularValues {
			same = same && j < len(want.SingularValues) && got.SingularValues[j] == want.SingularValues[j]
		}
		if !same {
			t.Errorf("%s %v: Measure(%d) after a Step without Evaluate %+v, before the Step %+v: not the parameters of the last Evaluate",
				p.Name, c, k, got, want)
		}
	}
}

// CheckAllocs requires a steady-state Step + Evaluate on case c to allocate
// nothing (after two warm-up steps; all products are below gonum's 64 x 64
// threshold for goroutines).
func CheckAllocs(t testing.TB, p Path, c Case) {
	t.Helper()
	pr := build(c)
	obj := p.New(pr.net, pr.work, pr.mult)
	// A small rate: the allocation count must not depend on where the
	// weights go.
	eta := pr.eta * 1e-3
	obj.Evaluate()
	for range 2 {
		obj.Step(eta)
		obj.Evaluate()
	}
	if a := testing.AllocsPerRun(10, func() {
		obj.Step(eta)
		obj.Evaluate()
	}); a != 0 {
		t.Errorf("%s %v: a steady-state Step + Evaluate allocates %v times", p.Name, c, a)
	}
}

// CheckFlops requires the network's flop counter to advance by
// p.EvalFlops in an Evaluate and by p.StepFlops in the Step after it, twice
// (the counts are exact integers).
func CheckFlops(t testing.TB, p Path, c Case) {
	t.Helper()
	pr := build(c)
	net := pr.net
	obj := p.New(net, pr.work, pr.mult)
	wantEval, wantStep := p.EvalFlops(c.Dims, pr.work), p.StepFlops(c.Dims, pr.work)
	net.ResetFlops()
	for i := range 2 {
		f0 := net.Flops()
		obj.Evaluate()
		f1 := net.Flops()
		obj.Step(pr.eta)
		f2 := net.Flops()
		if f1-f0 != wantEval {
			t.Errorf("%s %v: evaluation %d counted %d flops, the formula says %d", p.Name, c, i, f1-f0, wantEval)
		}
		if f2-f1 != wantStep {
			t.Errorf("%s %v: step %d counted %d flops, the formula says %d", p.Name, c, i, f2-f1, wantStep)
		}
	}
}

// CheckShapePanics requires p.New to panic with an error wrapping
// dln.ErrShape for a network whose end-to-end shape differs from the
// workload's (either dimension) and for multipliers of the wrong length.
func CheckShapePanics(t testing.TB, p Path) {
	t.Helper()
	pr := build(Case{Dims: []int{8, 4, 4, 8}, Kind: p.Kinds[0]})
	for _, tc := range []struct {
		name string
		dims []int
		mult []float64
	}{
		{"network 8 -> 6 on an 8 x 8 workload", []int{8, 4, 6}, nil},
		{"network 6 -> 8 on an 8 x 8 workload", []int{6, 4, 8}, nil},
		{"2 multipliers for 3 layers", []int{8, 4, 4, 8}, []float64{1, 1}},
		{"4 multipliers for 3 layers", []int{8, 4, 4, 8}, []float64{1, 1, 1, 1}},
	} {
		err := func() (err error) {
			defer func() {
				r := recover()
				if r == nil {
					err = errors.New("no panic")
					return
				}
				e, ok := r.(error)
				if !ok || !errors.Is(e, dln.ErrShape) {
					err = fmt.Errorf("panic %v, not a dln.ErrShape", r)
				}
			}()
			p.New(dln.New(dln.Chain(tc.dims...)), pr.work, tc.mult)
			return nil
		}()
		if err != nil {
			t.Errorf("%s: %s: %v", p.Name, tc.name, err)
		}
	}
}
