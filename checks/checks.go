// Package checks compares observations of trained networks with what
// theory predicts, and says pass or fail.
//
// Each function takes what was observed (a series of values at checkpoint
// steps, a count, a deviation) and what package theory predicts, applies a
// named tolerance, and returns a results.Check that states the regime it
// assumed, the worst observed value, the prediction or bound there, the
// tolerance, and the verdict. The functions neither train nor predict, so a
// check never shares code with what it checks; and each can fail (the tests
// feed broken observations to every one).
//
// Tolerances (DESIGN.md section 4):
//
//	RecursionRelTol, RecursionAbsTol  scalar recursion vs compressed MF, per checkpoint
//	RhoRelTol                         a layer singular value "equals" rho(t)
//	GapRelTol                         LoP equivalence gap vs rho^L sqrt(d - 2r)
//	BoundSlack                        compressed error <= original error
//	BalanceTol                        balancedness at initialization
//	GapRoundTol                       rounding floor of the LoP gap, in ulps of ||Phi||_F
//	KwonAbsSlack                      recovery errors from training losses
//	FloorRelTol, FloorAbsTol          the compressed network's MF floor
//	FloorOriginalRelTol               the original's MF floor (an estimate)
//	LearnStepTol                      learn steps of the compressed network, in steps
//
// A check has four outcomes (results.CheckStatus): pass, fail, skipped
// (outside its regime) and not evaluable (inside it, but nothing to judge).
// A figure that does not exist is results.Absent, never 0; a figure that
// is not finite makes the check fail with that figure absent.
package checks

import (
	"fmt"
	"math"
	"strings"

	"github.com/lowdim/lowdim/results"
)

// Tolerances.
const (
	// RecursionRelTol and RecursionAbsTol bound |observed - predicted| of the
	// relative recovery error by RecursionRelTol*|predicted| + RecursionAbsTol.
	// Both sides are float64 computations of the same exact dynamics; their
	// rounding differs by a few ulps per step and the dynamics preserve
	// relative perturbations (every mode grows or decays multiplicatively), so
	// 1e-9 leaves room for 1e5 steps. The absolute term covers errors near 0,
	// where ||W - Phi||_F is a difference of O(||Phi||) matrices whose
	// rounding is about 1e-15 ||Phi||_F.
	RecursionRelTol = 1e-9
	RecursionAbsTol = 1e-12
	// RhoRelTol: a layer singular value sigma counts as equal to rho(t) when
	// |sigma - rho| <= RhoRelTol*rho. The SVD is backward stable, so its
	// absolute error is a few ulps of the layer's largest singular value
	// (O(1) after learning) while rho is about eps = 1e-2: 1e-8 relative is
	// 1e-10 absolute, far above the SVD's 1e-15 and far below the 2r moving
	// values' distance from rho.
	RhoRelTol = 1e-8
	// GapRelTol bounds |gap - rho^L sqrt(d-2r)| / (rho^L sqrt(d-2r)). The
	// gap is the norm of a difference of two O(||Phi||) matrices that agree
	// up to rho^L (1e-6 at eps = 1e-2, L = 3); rounding of 1e-15 ||Phi|| is
	// then about 1e-9 of the gap per step, so 1e-6 covers long runs.
	GapRelTol = 1e-6
	// BoundSlack: compressed error <= (1 + BoundSlack) * original error. The
	// bound is an inequality between two trajectories; the slack only
	// absorbs rounding where they coincide (both near 1 at step 0).
	BoundSlack = 1e-12
	// BalanceTol bounds ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F / eps^2: both
	// products equal eps^2 I up to QR/SVD rounding of a few ulps times the
	// width.
	BalanceTol = 1e-12
	// GapRoundTol: the LoP gap is the norm of a difference of two end-to-end
	// matrices of norm about ||Phi||_F, each rounded to a few ulps per
	// entry and step; its allowance is GapRelTol times the prediction plus
	// GapRoundTol u ||Phi||_F (u = 2^-53), so a gap rho^L sqrt(d-2r) near
	// the rounding floor (eps^L = 1e-14 at L = 2, eps = 1e-7: a relative
	// deviation of 0.044 there is 3e-15 absolute, about u ||Phi||_F, and
	// grew to 15 u ||Phi||_F over that run's 97 steps) does not fail, and a
	// gap that never rises above the floor is not evaluable.
	GapRoundTol = 64
	// KwonAbsSlack is the absolute slack of kwon-bound on relative recovery
	// errors computed from the training losses, e = sqrt(2 f / c) /
	// ||Phi||_F. A loss rounded by delta ||Phi||^2 c / 2 moves e^2 by delta
	// and e by at most sqrt(delta); the factored MF loss (an expansion of
	// three terms of size ||Phi||^2) is accurate to delta = 1e-14, so the
	// errors are to 1e-7.
	KwonAbsSlack = 1e-7
	// FloorRelTol and FloorAbsTol bound |observed - predicted| of the
	// compressed network's floor (relative to ||Phi||_F), an exact
	// identity of its zero-target modes: as RecursionRelTol, plus 64 u
	// for the rounding of the projections of W (entries of size ||Phi||).
	FloorRelTol = 1e-9
	FloorAbsTol = 64 * 0x1p-53
	// FloorOriginalRelTol bounds the relative deviation of the original
	// network's floor from theory.FloorOriginal, an estimate (the r
	// directions beside the learned ones in its 2r-dimensional moving
	// subspace need not sit at rho), and of the ratio of the floors.
	FloorOriginalRelTol = 0.25
	// LearnStepTol: the observed learn step of a compressed mode may differ
	// from theory.LearnSteps by one step, when rounding puts the mode's
	// product on the other side of the threshold at the crossing.
	LearnStepTol = 1
)

// Point is an observed or predicted value at a step.
type Point struct {
	Step  int
	Value float64
}

// absent is results.Absent.
var absent = results.Absent

// Skip returns a skipped check: the configuration is outside its regime,
// for the reason why. Its figures are absent.
func Skip(name, method, regime, why string) results.Check {
	return results.Check{Name: name, Method: method, Regime: regime, Status: results.Skipped, Detail: why,
		Observed: absent, Predicted: absent, Tolerance: absent}
}

// NotEvaluable returns a check that applies but could not be judged, for
// the reason why (the run never reached the tolerance, a quantity
// underflowed, a method diverged). Its figures are absent; tol, when not
// absent, is the tolerance that would have been in force.
func NotEvaluable(name, method, regime, quantity, why string, tol float64) results.Check {
	return results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity, Status: results.NotEvaluable,
		Detail: why, Observed: absent, Predicted: absent, Tolerance: tol}
}

func status(ok bool) results.CheckStatus {
	if ok {
		return results.Pass
	}
	return results.Fail
}

// Series compares observed with predicted at every step of observed; a
// step missing from predicted fails the check. The deviation allowed at a
// point is rel*|p| + abs. The result reports the point with the largest
// ratio of deviation to allowance.
func Series(name, method, regime, quantity string, observed, predicted []Point, rel, abs float64) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity, Status: results.Pass}
	if len(observed) == 0 {
		return NotEvaluable(name, method, regime, quantity, "no observation", absent)
	}
	pred := make(map[int]float64, len(predicted))
	for _, p := range predicted {
		pred[p.Step] = p.Value
	}
	worst, worstRel := -1.0, 0.0
	for _, o := range observed {
		p, ok := pred[o.Step]
		if !ok {
			c.Status, c.Detail = results.Fail, fmt.Sprintf("no prediction at step %d", o.Step)
			return c
		}
		allow := rel*math.Abs(p) + abs
		dev := math.Abs(o.Value - p)
		if math.IsNaN(dev) || math.IsInf(p, 0) || math.IsNaN(p) || math.IsInf(o.Value, 0) {
			dev, allow = math.Inf(1), 1 // a non-finite figure never passes
		}
		ratio := dev / allow
		if ratio > worst {
			worst = ratio
			c.Observed, c.Predicted, c.Tolerance = o.Value, p, allow
			worstRel = dev / math.Max(math.Abs(p), math.SmallestNonzeroFloat64)
			c.Detail = fmt.Sprintf("worst at step %d", o.Step)
		}
		if !(dev <= allow) {
			c.Status = results.Fail
		}
	}
	c.Detail += fmt.Sprintf(": relative deviation %.3g over %d steps", worstRel, len(observed))
	return finite(c)
}

// AtLeast passes when every observed count is >= need; the result reports
// the smallest count.
func AtLeast(name, method, regime, quantity string, observed []Point, need int) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity, Predicted: float64(need), Tolerance: 0, Status: results.Pass}
	if len(observed) == 0 {
		return NotEvaluable(name, method, regime, quantity, "no observation", absent)
	}
	c.Observed = math.Inf(1)
	for _, o := range observed {
		if o.Value < c.Observed {
			c.Observed = o.Value
			c.Detail = fmt.Sprintf("smallest at step %d over %d steps", o.Step, len(observed))
		}
	}
	c.Status = status(c.Observed >= float64(need))
	return c
}

// Below passes when observed[i] <= bound[i] + slack |bound[i]| + abs at
// every step the two series share; it reports the step with the largest
// excess observed - bound. With no shared step it is not evaluable.
func Below(name, method, regime, quantity string, observed, bound []Point, slack, abs float64) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity, Status: results.Pass}
	b := make(map[int]float64, len(bound))
	for _, p := range bound {
		b[p.Step] = p.Value
	}
	shared := 0
	worst := math.Inf(-1)
	for _, o := range observed {
		v, ok := b[o.Step]
		if !ok {
			continue
		}
		shared++
		excess := o.Value - v
		if excess > worst {
			worst = excess
			c.Observed, c.Predicted, c.Tolerance = o.Value, v, slack*math.Abs(v)+abs
			c.Detail = fmt.Sprintf("largest excess %.3g at step %d", excess, o.Step)
		}
		if !(o.Value <= v+slack*math.Abs(v)+abs) || math.IsInf(o.Value, 0) || math.IsInf(v, 0) {
			c.Status = results.Fail
		}
	}
	if shared == 0 {
		return NotEvaluable(name, method, regime, quantity, "the two trajectories share no step", absent)
	}
	c.Detail += fmt.Sprintf(" (%d shared steps)", shared)
	return finite(c)
}

// Exact passes when observed == predicted (integers: counts of
// parameters or flops).
func Exact(name, method, regime, quantity string, observed, predicted uint64) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity,
		Observed: float64(observed), Predicted: float64(predicted), Status: status(observed == predicted)}
	if observed != predicted {
		c.Detail = fmt.Sprintf("off by %d", int64(observed)-int64(predicted))
	}
	return c
}

// AtMost passes when observed <= tol: a deviation that should be 0
// (Predicted 0).
func AtMost(name, method, regime, quantity string, observed, tol float64, detail string) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity,
		Observed: observed, Tolerance: tol, Status: status(observed <= tol), Detail: detail}
	return finite(c)
}

// Bounded passes when observed <= bound: a ratio or a share that must not
// exceed a limit (Predicted and Tolerance absent: the bound is the
// tolerance).
func Bounded(name, method, regime, quantity string, observed, bound float64, detail string) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity,
		Observed: observed, Predicted: absent, Tolerance: bound, Status: status(observed <= bound), Detail: detail}
	return finite(c)
}

// Near passes when |observed - predicted| <= rel |predicted| + abs: one
// value against its prediction. Tolerance is the allowance in force.
func Near(name, method, regime, quantity string, observed, predicted, rel, abs float64, detail string) results.Check {
	allow := rel*math.Abs(predicted) + abs
	dev := math.Abs(observed - predicted)
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity,
		Observed: observed, Predicted: predicted, Tolerance: allow, Status: status(dev <= allow), Detail: detail}
	if predicted != 0 {
		c.Detail = strings.TrimSpace(fmt.Sprintf("relative deviation %.3g; %s", dev/math.Abs(predicted), detail))
		c.Detail = strings.TrimSuffix(c.Detail, ";")
	}
	return finite(c)
}

// StepsMatch passes when every observed step is within tol steps of its
// prediction (-1: never, which must match exactly). observed and
// predicted are per mode, labelled by svals in the detail; the result
// reports the largest difference in steps.
func StepsMatch(name, method, regime string, observed, predicted []int, svals []float64, tol int) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime,
		Quantity: "largest |observed - predicted| learn step over the modes (steps)", Predicted: 0, Tolerance: float64(tol), Status: results.Pass}
	if len(observed) == 0 || len(observed) != len(predicted) {
		return NotEvaluable(name, method, regime, c.Quantity, fmt.Sprintf("%d observed modes against %d predicted", len(observed), len(predicted)), float64(tol))
	}
	worst := 0
	parts := make([]string, len(observed))
	for i := range observed {
		o, p := observed[i], predicted[i]
		d := o - p
		if d < 0 {
			d = -d
		}
		if (o < 0) != (p < 0) {
			d = math.MaxInt32
		}
		worst = max(worst, d)
		parts[i] = fmt.Sprintf("s=%.3g@%s/%s", svals[i], stepText(o), stepText(p))
	}
	c.Observed = float64(worst)
	if worst == math.MaxInt32 {
		c.Observed = absent
	}
	c.Status = status(worst <= tol)
	c.Detail = "observed/predicted learn steps " + strings.Join(parts, ", ")
	if worst == math.MaxInt32 {
		c.Detail = "a mode was learned on one side only: " + c.Detail
	}
	return c
}

func stepText(s int) string {
	if s < 0 {
		return "never"
	}
	return fmt.Sprint(s)
}

// Ordered passes when target modes are learned largest first wherever
// their singular values are apart: for every pair i < j with
// svals[j] < (1 - gap) svals[i], mode j is not learned before mode i, and
// -1 (never learned) may only follow a learned mode. Pairs closer than gap
// (relative) have no predicted order. The result reports the number of
// out-of-order pairs (Predicted 0, Tolerance 0) and the pairs compared.
func Ordered(name, method, regime string, steps []int, svals []float64, gap float64) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime,
		Quantity: fmt.Sprintf("out-of-order pairs of learn steps among modes more than %g apart (learned largest first)", gap), Status: results.Pass}
	inversions, pairs := 0, 0
	for i := 0; i < len(steps); i++ {
		for j := i + 1; j < len(steps); j++ {
			if !(svals[j] < (1-gap)*svals[i]) {
				continue
			}
			pairs++
			a, b := steps[i], steps[j]
			if (a == -1 && b != -1) || (a != -1 && b != -1 && b < a) {
				inversions++
			}
		}
	}
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = fmt.Sprintf("s=%.3g@%s", svals[i], stepText(s))
	}
	c.Observed = float64(inversions)
	c.Status = status(inversions == 0)
	c.Detail = fmt.Sprintf("%d pairs compared; learn steps %s", pairs, strings.Join(parts, ", "))
	return c
}

// Separated reports whether some pair of the decreasing values s is more
// than gap apart (relative): whether Ordered has a pair to compare.
func Separated(s []float64, gap float64) bool {
	return len(s) > 1 && s[len(s)-1] < (1-gap)*s[0]
}

// finite turns a check with a non-finite figure into a failure with that
// figure absent (never 0), so that no Inf reaches a results file. A figure
// that was absent on purpose (Predicted of Bounded) stays absent and is not
// counted.
func finite(c results.Check) results.Check {
	bad := false
	for _, v := range []*float64{&c.Observed, &c.Predicted, &c.Tolerance} {
		if math.IsInf(*v, 0) || math.IsNaN(*v) && v == &c.Observed {
			*v = absent
			bad = true
		}
	}
	if bad {
		c.Status = results.Fail
		c.Detail = strings.TrimSpace(c.Detail + " (a figure was not finite)")
	}
	return c
}

// Failed returns the checks that failed.
func Failed(cs []results.Check) []results.Check {
	var out []results.Check
	for _, c := range cs {
		if c.Status == results.Fail {
			out = append(out, c)
		}
	}
	return out
}
