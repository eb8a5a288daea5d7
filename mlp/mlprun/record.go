package mlprun

import (
	"fmt"

	"github.com/lowdim/lowdim/results"
)

// The paper's claim, as the issue states its acceptance: the compressed
// block's test accuracy within MaxAccuracyGapPP percentage points of the
// wide block's, in at most 1/MinSpeedup of its training time.
const (
	MaxAccuracyGapPP = 0.5
	MinSpeedup       = 1.8
)

// ratioPairs are the methods an MLP run compares, a over b.
var ratioPairs = [][2]string{{"cdln", "dln"}, {"cdln", "original"}, {"dln", "original"}}

// finish computes the ratios and the checks of r. A pair with a method
// an interruption cut short compares only time per step and parameters:
// its times and accuracies are of different amounts of training.
func finish(r *results.Run) {
	r.Ratios = map[string]results.Ratio{}
	for _, p := range ratioPairs {
		a, b := r.Method(p[0]), r.Method(p[1])
		if a == nil || b == nil || a.Seconds <= 0 || b.Seconds <= 0 {
			continue
		}
		q := results.Ratio{
			SecondsPerStep: results.Quotient(a.SecondsPerStep, b.SecondsPerStep),
			Params:         results.Quotient(float64(a.Params), float64(b.Params)),
		}
		if a.Status == results.Interrupted || b.Status == results.Interrupted {
			r.Ratios[p[0]+"/"+p[1]] = q
			continue
		}
		q.Seconds = results.Quotient(a.Seconds, b.Seconds)
		if ca, cb := a.MLP.CPUSeconds, b.MLP.CPUSeconds; ca != nil && cb != nil && *ca > 0 && *cb > 0 {
			q.CPUSeconds = results.Quotient(*ca, *cb)
		}
		if fa, fb := a.MLP.FinalTestAccuracy, b.MLP.FinalTestAccuracy; fa != nil && fb != nil {
			d := *fa - *fb
			q.TestAccuracyDiff = &d
		}
		r.Ratios[p[0]+"/"+p[1]] = q
	}
	if len(r.Ratios) == 0 {
		r.Ratios = nil
	}
	r.Checks = claimChecks(r.Method("dln"), r.Method("cdln"))
}

const claimRegime = "dln and cdln trained with the same outer layers, data order, batch and steps; one run on one machine"

// speedRegime is the regime of cdln-speedup: CPU time, since wall time
// follows the machine's load (3.08x wall against 1.43x CPU on one run,
// 1.45x against 2.08x on another: issue 11).
const speedRegime = claimRegime + "; process CPU time (all threads) per variant, not wall time, which follows the machine's load; " +
	"a timing measurement: it never gates an exit code"

// claimChecks returns the two checks of the claim. wide and comp are
// methods of an MLP run (their MLP parts set) or nil. Both are skipped when
// a method is missing, and not evaluable when an interruption cut one
// short or one diverged; cdln-accuracy
// is not evaluable without a test accuracy. cdln-speedup compares CPU
// seconds: it is skipped when either is missing (nil: the platform does
// not report it) and not evaluable when either is zero (too short to
// measure), never computed from 0. The wall times are in its Detail. A
// check that is not evaluated has Observed results.Absent.
func claimChecks(wide, comp *results.MethodResult) []results.Check {
	acc := results.Check{
		Name: "cdln-accuracy", Method: "cdln/dln", Regime: claimRegime,
		Quantity:  "final test accuracy of dln minus cdln, percentage points (bound: at most the tolerance)",
		Predicted: 0, Tolerance: MaxAccuracyGapPP,
	}
	speed := results.Check{
		Name: "cdln-speedup", Method: "cdln/dln", Regime: speedRegime,
		Quantity:  "training CPU time (process CPU seconds) of dln over cdln (bound: at least predicted); wall times in the detail",
		Predicted: MinSpeedup,
	}
	acc.Observed, speed.Observed = results.Absent, results.Absent
	switch {
	case wide == nil || comp == nil:
		why := "needs both dln and cdln in --methods"
		acc.Status, acc.Detail = results.Skipped, why
		speed.Status, speed.Detail = results.Skipped, why
		return []results.Check{acc, speed}
	case wide.Status == results.Interrupted || comp.Status == results.Interrupted:
		m := wide
		if m.Status != results.Interrupted {
			m = comp
		}
		why := fmt.Sprintf("the run was interrupted (%s %s): a partial run is no test of the claim", m.Method, m.Message)
		acc.Status, acc.Detail = results.NotEvaluable, why
		speed.Status, speed.Detail = results.NotEvaluable, why
		return []results.Check{acc, speed}
	case wide.Status == results.Diverged || comp.Status == results.Diverged:
		why := "a method diverged"
		acc.Status, acc.Detail = results.NotEvaluable, why
		speed.Status, speed.Detail = results.NotEvaluable, why
		return []results.Check{acc, speed}
	}

	if wa, ca := wide.MLP.FinalTestAccuracy, comp.MLP.FinalTestAccuracy; wa == nil || ca == nil {
		acc.Status, acc.Detail = results.NotEvaluable, "no test accuracy recorded"
	} else {
		acc.Observed = 100 * (*wa - *ca)
		acc.Status = verdict(acc.Observed <= MaxAccuracyGapPP)
		acc.Detail = fmt.Sprintf("dln %.4f, cdln %.4f", *wa, *ca)
	}

	wall := fmt.Sprintf("wall time dln %.3g s, cdln %.3g s", wide.Seconds, comp.Seconds)
	if wide.Seconds > 0 && comp.Seconds > 0 {
		wall += fmt.Sprintf(" (ratio %.3g)", wide.Seconds/comp.Seconds)
	}
	switch wc, cc := wide.MLP.CPUSeconds, comp.MLP.CPUSeconds; {
	case wc == nil || cc == nil:
		speed.Status = results.Skipped
		speed.Detail = "no CPU time recorded (the platform does not report process CPU time); " + wall
	case *wc <= 0 || *cc <= 0:
		speed.Status = results.NotEvaluable
		speed.Detail = fmt.Sprintf("CPU time dln %.3g s, cdln %.3g s: too short to measure; %s", *wc, *cc, wall)
	default:
		speed.Observed = *wc / *cc
		speed.Status = verdict(speed.Observed >= MinSpeedup)
		speed.Detail = fmt.Sprintf("CPU time dln %.3g s, cdln %.3g s; %s", *wc, *cc, wall)
	}
	return []results.Check{acc, speed}
}

func verdict(ok bool) results.CheckStatus {
	if ok {
		return results.Pass
	}
	return results.Fail
}
