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

// finish computes the ratios and the checks of r.
func finish(r *results.Run) {
	r.Ratios = map[string]results.Ratio{}
	for _, p := range ratioPairs {
		a, b := r.Method(p[0]), r.Method(p[1])
		if a == nil || b == nil || a.Seconds <= 0 || b.Seconds <= 0 {
			continue
		}
		q := results.Ratio{
			Seconds:        results.Quotient(a.Seconds, b.Seconds),
			SecondsPerStep: results.Quotient(a.SecondsPerStep, b.SecondsPerStep),
			Params:         results.Quotient(float64(a.Params), float64(b.Params)),
		}
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

// claimChecks returns the two checks of the claim, skipped when a method
// is missing, diverged or has no test accuracy. wide and comp are methods
// of an MLP run (their MLP parts set) or nil.
func claimChecks(wide, comp *results.MethodResult) []results.Check {
	acc := results.Check{
		Name: "cdln-accuracy", Method: "cdln/dln", Regime: claimRegime,
		Quantity:  "final test accuracy of dln minus cdln, percentage points (bound: at most the tolerance)",
		Predicted: 0, Tolerance: MaxAccuracyGapPP,
	}
	speed := results.Check{
		Name: "cdln-speedup", Method: "cdln/dln", Regime: claimRegime,
		Quantity:  "training wall time of dln over cdln (bound: at least predicted)",
		Predicted: MinSpeedup,
	}
	why := ""
	switch {
	case wide == nil || comp == nil:
		why = "needs both dln and cdln in --methods"
	case wide.Status == results.Diverged || comp.Status == results.Diverged:
		why = "a method diverged"
	case comp.Seconds <= 0:
		why = "no training time recorded"
	case wide.MLP.FinalTestAccuracy == nil || comp.MLP.FinalTestAccuracy == nil:
		why = "no test accuracy recorded"
	}
	if why != "" {
		acc.Status, acc.Detail = results.Skipped, why
		speed.Status, speed.Detail = results.Skipped, why
		return []results.Check{acc, speed}
	}
	wa, ca := *wide.MLP.FinalTestAccuracy, *comp.MLP.FinalTestAccuracy
	acc.Observed = 100 * (wa - ca)
	acc.Status = verdict(acc.Observed <= MaxAccuracyGapPP)
	acc.Detail = fmt.Sprintf("dln %.4f, cdln %.4f", wa, ca)
	speed.Observed = wide.Seconds / comp.Seconds
	speed.Status = verdict(speed.Observed >= MinSpeedup)
	speed.Detail = fmt.Sprintf("dln %.1f s, cdln %.1f s", wide.Seconds, comp.Seconds)
	if wc, cc := wide.MLP.CPUSeconds, comp.MLP.CPUSeconds; wc != nil && cc != nil && *wc > 0 && *cc > 0 {
		speed.Detail += fmt.Sprintf("; CPU time ratio %.3g", *wc / *cc)
	}
	return []results.Check{acc, speed}
}

func verdict(ok bool) results.CheckStatus {
	if ok {
		return results.Pass
	}
	return results.Fail
}
