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
)

// Point is an observed or predicted value at a step.
type Point struct {
	Step  int
	Value float64
}

// Skip returns a skipped check: it does not apply, for the reason why.
func Skip(name, method, regime, why string) results.Check {
	return results.Check{Name: name, Method: method, Regime: regime, Status: results.Skipped, Detail: why}
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
		c.Status, c.Detail = results.Fail, "no observation"
		return c
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
	c.Detail += fmt.Sprintf(": relative deviation %.3g over %d checkpoints", worstRel, len(observed))
	return finite(c)
}

// AtLeast passes when every observed count is >= need; the result reports
// the smallest count.
func AtLeast(name, method, regime, quantity string, observed []Point, need int) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity, Predicted: float64(need), Status: results.Pass}
	if len(observed) == 0 {
		c.Status, c.Detail = results.Fail, "no observation"
		return c
	}
	c.Observed = math.Inf(1)
	for _, o := range observed {
		if o.Value < c.Observed {
			c.Observed = o.Value
			c.Detail = fmt.Sprintf("smallest at step %d over %d checkpoints", o.Step, len(observed))
		}
	}
	c.Status = status(c.Observed >= float64(need))
	return c
}

// Below passes when observed[i] <= (1 + slack) bound[i] at every step the
// two series share (at least one); it reports the step with the largest
// excess observed - bound.
func Below(name, method, regime, quantity string, observed, bound []Point, slack float64) results.Check {
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
			c.Observed, c.Predicted, c.Tolerance = o.Value, v, slack*math.Abs(v)
			c.Detail = fmt.Sprintf("largest excess %.3g at step %d", excess, o.Step)
		}
		if !(o.Value <= v+slack*math.Abs(v)) || math.IsInf(o.Value, 0) || math.IsInf(v, 0) {
			c.Status = results.Fail
		}
	}
	if shared == 0 {
		c.Status, c.Detail = results.Fail, "the two trajectories share no checkpoint"
		return c
	}
	c.Detail += fmt.Sprintf(" (%d shared checkpoints)", shared)
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

// AtMost passes when observed <= tol (a deviation that should be 0).
func AtMost(name, method, regime, quantity string, observed, tol float64, detail string) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime, Quantity: quantity,
		Observed: observed, Tolerance: tol, Status: status(observed <= tol), Detail: detail}
	return finite(c)
}

// Ordered passes when the steps at which successive target singular values
// are learned never decrease (-1, never learned, may only follow learned
// ones): singular values are fitted largest first.
func Ordered(name, method, regime string, steps []int, svals []float64) results.Check {
	c := results.Check{Name: name, Method: method, Regime: regime,
		Quantity: "out-of-order pairs of learn steps (learned largest first)", Status: results.Pass}
	inversions := 0
	for i := 0; i < len(steps); i++ {
		for j := i + 1; j < len(steps); j++ {
			a, b := steps[i], steps[j]
			if (a == -1 && b != -1) || (a != -1 && b != -1 && b < a) {
				inversions++
			}
		}
	}
	parts := make([]string, len(steps))
	for i, s := range steps {
		v := "never"
		if s >= 0 {
			v = fmt.Sprint(s)
		}
		if i < len(svals) {
			parts[i] = fmt.Sprintf("s=%.3g@%s", svals[i], v)
		} else {
			parts[i] = v
		}
	}
	c.Observed = float64(inversions)
	c.Status = status(inversions == 0)
	c.Detail = "learn steps " + strings.Join(parts, ", ")
	if len(steps) == 0 || steps[0] == -1 {
		c.Status = results.Fail
		c.Detail = "no singular value was learned: " + c.Detail
	}
	return c
}

// finite turns a check with a non-finite figure into a failure with the
// figures zeroed, so that no NaN or Inf reaches a results file.
func finite(c results.Check) results.Check {
	bad := false
	for _, v := range []*float64{&c.Observed, &c.Predicted, &c.Tolerance} {
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = 0
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
