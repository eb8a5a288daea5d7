package experiment

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lowdim/lowdim/altmin"
	"github.com/lowdim/lowdim/checks"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// This file holds what a verify judges its candidate widths against (the
// reference: the original network, or the AltMin baseline where the
// original is refused), the one definition of the safe width (SafeWidth,
// Sufficient), and the stopping rules of user targets.

// The references (VerifyConfig.Reference).
const (
	// ReferenceAuto, the default, is the original network unless the
	// preflight refuses it (memory, or a time estimate above --max-time)
	// on a completion problem from a list of entries, where the AltMin
	// baseline takes its place.
	ReferenceAuto = "auto"
	// ReferenceOriginal is the original network, always (a refusal is an
	// error).
	ReferenceOriginal = "original"
	// ReferenceAltMin is the AltMin baseline at the problem's rank r
	// (completion from a list of entries only).
	ReferenceAltMin = "altmin"
)

// References lists the references, in the order the CLI shows them.
var References = []string{ReferenceAuto, ReferenceOriginal, ReferenceAltMin}

// Reference is what a verify compares every candidate width with.
type Reference struct {
	// Name is ReferenceOriginal or ReferenceAltMin; Label names it for a
	// person ("the original network", "AltMin at rank 5, ridge 0.01").
	Name  string `json:"name"`
	Label string `json:"label"`
	// Why says why the original network is not the reference ("" when it
	// is): the preflight's refusal, or --reference altmin.
	Why string `json:"why,omitempty"`
	// OriginalEstimate is the time preflight's estimate of the original
	// network when it was made to decide (a refusal names it).
	OriginalEstimate *results.TimeEstimate `json:"original_estimate,omitempty"`
	// Error is the reference's reported error (relative, on the held-out
	// entries for a partially known target: results.MethodResult.
	// ReportedError), RMSE the same in the data's units; nil when not
	// measured (the original diverged, say).
	Error *float64 `json:"error"`
	RMSE  *float64 `json:"rmse"`
	// Baseline is the AltMin fit when it is the reference.
	Baseline *Baseline `json:"baseline,omitempty"`
}

// Baseline is the AltMin fit a verify takes as its reference: rank K,
// the relative ridge chosen on the validation entries (altmin.Tune over
// altmin.DefaultLambdaGrid), early-stopped there, scored on the test
// entries.
type Baseline struct {
	K              int     `json:"k"`
	LambdaRel      float64 `json:"lambda_rel"`
	Lambda         float64 `json:"lambda"`
	Sweeps         int     `json:"sweeps"`
	Best           int     `json:"best_sweep"`
	Stop           string  `json:"stop"`
	ValidationRMSE float64 `json:"validation_rmse"`
	// HeldOutError is the relative error on the test entries and RMSE
	// the same in the data's units.
	HeldOutError float64 `json:"held_out_error"`
	RMSE         float64 `json:"rmse"`
	Seconds      float64 `json:"seconds"`
}

// EmpiricalNote is what a verdict says of a safe width off matrix
// factorization: no theorem covers it.
const EmpiricalNote = "outside matrix factorization the safety of a width is empirical: no theorem covers completion or sensing of noisy rectangular data; the safe width is the smallest candidate whose held-out error came within --tol-rel of the reference's on this data"

// Sufficient reports whether a candidate's error is within tolRel of the
// reference's: err <= (1 + tolRel) ref. It is the comparison of
// width-sufficient and of SafeWidth, and nothing else decides it.
func Sufficient(err, ref, tolRel float64) bool { return err <= (1+tolRel)*ref }

// Candidate is a candidate width and its error as the safe width reads
// it: nil when the width could not be judged (it diverged, was
// interrupted, learned nothing, or the reference is no reference).
type Candidate struct {
	RHat  int
	Error *float64
}

// SafeWidth is the one definition of the safe width, for every command
// and issue that reports one: the smallest candidate width whose error is
// within tolRel of the reference error ref (Sufficient), ref being the
// original network's reported error or, where the preflight refuses the
// original, the AltMin baseline's at the same rank (Reference). It returns
// nil when no candidate is judged sufficient (none is, none could be
// judged, or ref is nil).
func SafeWidth(ref *float64, cands []Candidate, tolRel float64) *int {
	if ref == nil {
		return nil
	}
	var safe *int
	for _, c := range cands {
		if c.Error != nil && Sufficient(*c.Error, *ref, tolRel) && (safe == nil || c.RHat < *safe) {
			r := c.RHat
			safe = &r
		}
	}
	return safe
}

// entries returns in's workload when it is a completion problem from a
// list of entries, where the AltMin baseline applies.
func entries(in *instance.Instance) (*workloads.EntriesMC, bool) {
	if in == nil {
		return nil, false
	}
	w, ok := in.Work.(*workloads.EntriesMC)
	return w, ok
}

// chooseReference decides the reference of vc on in before anything is
// trained (see ReferenceAuto): the original unless vc says altmin, or,
// with auto on a list of entries, the memory plan with the original does
// not fit or, with the time preflight on and a limit, the original's
// estimate exceeds opt.MaxTime. It returns the reference (its error not
// yet measured).
func chooseReference(vc VerifyConfig, in *instance.Instance, opt Options) (*Reference, error) {
	orig := &Reference{Name: ReferenceOriginal, Label: "the original network"}
	_, isEntries := entries(in)
	switch vc.Reference {
	case ReferenceOriginal:
		return orig, nil
	case ReferenceAltMin:
		if !isEntries {
			return nil, config.Bad("reference", vc.Reference, "the AltMin baseline is a completion method: it needs --workload mc on a list of entries (a row,col,value file or a coordinate .mtx)")
		}
		return &Reference{Name: ReferenceAltMin, Why: "--reference altmin"}, nil
	case ReferenceAuto, "":
	default:
		return nil, config.Bad("reference", vc.Reference, "want one of %v", References)
	}
	if !isEntries {
		return orig, nil
	}
	alt := func(why string) *Reference { return &Reference{Name: ReferenceAltMin, Why: why} }
	if vc.Sparse() {
		rows, cols := vc.Dims()
		return alt(fmt.Sprintf("the original network forms the %d x %d matrix, which a sparse instance does not hold (--storage)", rows, cols)), nil
	}
	pc := vc.Config.Clone()
	pc.Methods = VerifyMethods()
	if _, _, err := preflight(pc, true, true); err != nil {
		return alt("the memory preflight refuses the original network: " + errorWhy(err)), nil
	}
	if opt.TimePreflight && opt.MaxTime > 0 && !opt.interrupted() {
		est, err := estimateTime(methods.Original, methods.Original, vc.Config, in, true, opt.MaxTime, opt.Interrupt)
		if err != nil {
			return nil, err
		}
		if est.Seconds > opt.MaxTime.Seconds() {
			r := alt(fmt.Sprintf("the time preflight estimates the original network at %s (%d steps at %s), above --max-time %s",
				FormatSeconds(est.Seconds), est.Steps, FormatSeconds(est.StepSeconds), opt.MaxTime))
			r.OriginalEstimate = &est
			return r, nil
		}
		orig.OriginalEstimate = &est
	}
	return orig, nil
}

// errorWhy is a ConfigError's reason, or the error's text.
func errorWhy(err error) string {
	var ce *config.ConfigError
	if errors.As(err, &ce) {
		return ce.Why
	}
	return err.Error()
}

// fitBaseline fits the AltMin baseline at rank k to the entries of w
// (trained on its training entries, the ridge chosen and stopped on its
// validation entries, scored on its test entries) and returns it. The
// values are centered as the networks see them, so the RMSE is in the
// data's units and the relative error is relative to the uncentered test
// values. Errors: no validation entries, or altmin's.
func fitBaseline(w *workloads.EntriesMC, k int, seed uint64) (*Baseline, error) {
	if w.ValidationCount() == 0 {
		return nil, errors.New("the AltMin baseline chooses its ridge on validation entries, and none are held out")
	}
	rows, cols := w.Dims()
	tr, va, _ := w.Lists()
	cfg := altmin.DefaultConfig
	cfg.K, cfg.Seed = k, seed
	start := time.Now()
	res, _, err := altmin.Tune(rows, cols, altmin.Entries(tr), altmin.Entries(va), cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("the AltMin baseline at rank %d: %w", k, err)
	}
	rel, testLoss := w.HeldOutFactored(res.U, res.V)
	return &Baseline{K: k, LambdaRel: res.LambdaRel, Lambda: res.Lambda, Sweeps: len(res.History), Best: res.Best,
		Stop: res.Stop.String(), ValidationRMSE: res.History[res.Best-1].ValRMSE, HeldOutError: rel,
		RMSE: math.Sqrt(2 * testLoss), Seconds: time.Since(start).Seconds()}, nil
}

// setRMSE sets res.RMSE from its reported error on in's workload.
func setRMSE(res *results.MethodResult, in *instance.Instance) {
	if e := res.ReportedError(); e != nil {
		if r, ok := workloads.RMSE(in.Work, *e); ok {
			res.RMSE = &r
		}
	}
}

// stopRule is how a verify stops training on a user's target besides
// --steps and --tol (VerifyConfig: Patience, TolLossRel, NoiseLevel).
type stopRule struct {
	patience int
	tolRel   float64
	// noiseTol is the training loss of a residual at the noise level on
	// every training entry (0: none).
	noiseTol float64
}

// The stopping defaults of a user's target.
const (
	// DefaultPatience is the number of checkpoints without a new lowest
	// validation error after which training on a list of entries stops
	// (keeping the weights of the lowest): 20 checkpoints of --every, a
	// fifth of the budget at the default --every of steps/100.
	DefaultPatience = 20
	// DefaultTolLossRel is the training-loss tolerance relative to the
	// initial loss that replaces the absolute --tol on a user's target
	// when --tol is not given: the preset's 1e-10 was an absolute figure
	// for targets of unit scale, met at initialization by a target scaled
	// by 1e-10 and out of float64's reach for one scaled by 1e10.
	DefaultTolLossRel = 1e-10
)

// DefaultTolRelHeldOut is --tol-rel's default when the errors compared
// are statistical: held-out errors of a list of entries where the
// reference stopped on its validation entries (noisy data, the loss with a
// floor) or is AltMin. 5%, where the 50% of DefaultTolRel suits runs that
// reach the same training tolerance (exact data), whose errors agree
// within a small factor while an insufficient width misses by orders of
// magnitude; on a list of entries whose reference converges, DefaultTolRel
// stays (a noiseless rank-2 completion: widths 2, 4, 8 at 5.6e-5, 6.8e-5,
// 7.2e-5 against the original's 6.2e-5).
const DefaultTolRelHeldOut = 0.05

// entryLoss is implemented by the workloads whose training loss of a
// residual of RMSE e on every training entry is known (the noise level's
// tolerance).
type entryLoss interface {
	EntryLoss(rmse float64) float64
}

// stopOf returns the stopping rule of vc on in's workload.
func stopOf(vc VerifyConfig, in *instance.Instance) (stopRule, error) {
	s := stopRule{patience: vc.Patience, tolRel: vc.TolLossRel}
	if vc.NoiseLevel > 0 {
		el, ok := in.Work.(entryLoss)
		if !ok {
			return s, config.Bad("noise-level", vc.NoiseLevel, "the %s workload's loss is not a sum over entries: the noise level sets no training tolerance for it", in.Work.Name())
		}
		s.noiseTol = el.EntryLoss(vc.NoiseLevel)
	}
	return s, nil
}

// widthCheck is CheckWidth of one candidate: its reported error
// (results.MethodResult.ReportedError: on a list of entries the held-out
// error of the weights kept on validation, which nothing was chosen on)
// against the reference's, passing when Sufficient. It is not evaluable
// when the run's interruption cut either network short, when either
// diverged or recorded no error, when either learned nothing (origNothing,
// resNothing: checker.learnedNothing), or when the original, as the
// reference, did not end its training on a stopping rule (it did not reach
// the tolerance, or was still improving on its validation entries, when
// --steps ran out: then it is no reference, and a short budget would hide
// an insufficient width). Its figures are then the real ratio (when both
// errors exist) and the tolerance in force, never placeholders.
func widthCheck(c config.Config, rule stopRule, tolRel float64, label string, ref *Reference, orig, res results.MethodResult, origNothing, resNothing string) results.Check {
	stops := c.Tol > 0 || rule.tolRel > 0 || rule.noiseTol > 0
	regime := fmt.Sprintf("reported errors of runs to the same stopping rule (%s, %d steps at most)", ruleText(c, rule), c.Steps)
	if !stops && rule.patience == 0 {
		regime = fmt.Sprintf("reported errors after the same budget of %d steps (tol=0)", c.Steps)
	}
	refName := "original"
	if ref.Name == ReferenceAltMin {
		refName = "AltMin"
		regime += "; the reference is " + ref.Label
	}
	quantity := fmt.Sprintf("compressed error / %s error - 1", refName)
	refErr, best := ref.Error, res.ReportedError()
	ratio := results.Absent
	if refErr != nil && best != nil && *refErr > 0 {
		ratio = *best / *refErr - 1
	}
	original := ref.Name == ReferenceOriginal
	switch {
	case original && orig.Status == results.Interrupted || res.Status == results.Interrupted:
		why := interruptedWhy(methods.Original, orig)
		if res.Status == results.Interrupted {
			why = interruptedWhy(label, res)
		}
		return checks.NotEvaluable(CheckWidth, label, regime, quantity, why, tolRel)
	case original && orig.Status == results.Diverged || res.Status == results.Diverged:
		why := "the original network " + statusLine(orig)
		if res.Status == results.Diverged {
			why = "the compressed network " + statusLine(res)
		}
		return checks.NotEvaluable(CheckWidth, label, regime, quantity, why, tolRel)
	case best == nil || refErr == nil:
		return checks.NotEvaluable(CheckWidth, label, regime, quantity, "a network recorded no finite error", tolRel)
	case original && origNothing != "" || resNothing != "" && res.Steps == 0:
		why := origNothing
		if why == "" || !original {
			why = resNothing
		}
		wc := checks.NotEvaluable(CheckWidth, label, regime, quantity, why, tolRel)
		wc.Observed = ratio
		return wc
	case *refErr == 0:
		wc := results.Check{Name: CheckWidth, Method: label, Regime: regime,
			Quantity: fmt.Sprintf("compressed error (the %s's is 0)", refName), Observed: *best, Predicted: 0, Tolerance: 0,
			Status: results.Fail, Detail: fmt.Sprintf("the %s recovered the target exactly; the compressed network did not", refName)}
		if *best == 0 {
			wc.Status, wc.Detail = results.Pass, "both recovered the target exactly"
		}
		return wc
	case original && orig.SelectedError != nil && orig.Status == results.MaxSteps:
		wc := checks.NotEvaluable(CheckWidth, label, regime, quantity,
			fmt.Sprintf("the original network was still improving on its validation entries when --steps %d ran out (lowest %.4g at step %d), so it is no reference: raise --steps",
				c.Steps, *orig.ValidationError, *orig.SelectedStep), tolRel)
		wc.Observed = ratio
		return wc
	case original && stops && orig.SelectedError == nil && orig.Status != results.Converged:
		wc := checks.NotEvaluable(CheckWidth, label, regime, quantity,
			fmt.Sprintf("the original network did not reach its tolerance (%s; %s after %d steps, best error %.3g), so it is no reference: raise --steps, or give --tol or --noise-level for a loss this target can reach (noisy or ill-conditioned data may never reach 1e-10)",
				ruleText(c, rule), orig.Status, orig.Steps, *refErr), tolRel)
		wc.Observed = ratio
		return wc
	}
	wc := checks.Bounded(CheckWidth, label, regime, quantity, ratio, tolRel,
		fmt.Sprintf("compressed %.4g vs %s %.4g", *best, refName, *refErr))
	wc.Status = results.Fail
	if Sufficient(*best, *refErr, tolRel) { // the one comparison, not the ratio's rounding
		wc.Status = results.Pass
	}
	return wc
}

// ruleText says how training stops under c and rule, e.g. "tol=1e-10",
// "loss <= 1e-10 x initial", "validation patience 20 checkpoints".
func ruleText(c config.Config, rule stopRule) string {
	var parts []string
	if c.Tol > 0 {
		parts = append(parts, fmt.Sprintf("tol=%g", c.Tol))
	}
	if rule.tolRel > 0 {
		parts = append(parts, fmt.Sprintf("loss <= %g x initial", rule.tolRel))
	}
	if rule.noiseTol > 0 {
		parts = append(parts, fmt.Sprintf("loss <= %.3g (training RMSE at the noise level)", rule.noiseTol))
	}
	if rule.patience > 0 {
		parts = append(parts, fmt.Sprintf("validation patience %d checkpoints of %d steps", rule.patience, c.Every))
	}
	if len(parts) == 0 {
		return "tol=0"
	}
	return strings.Join(parts, ", ")
}

// EntryWidths returns the candidate widths a verify tries on a list of
// entries when --r-hat is not given: r, 2r and 4r (Kwon et al.'s r_hat =
// 2r, and one width on either side of it), those at most q = min(m, n),
// without repeats, increasing.
func EntryWidths(r, q int) []int {
	var ws []int
	for _, w := range []int{r, 2 * r, 4 * r} {
		if w >= 1 && w <= q && (len(ws) == 0 || ws[len(ws)-1] != w) {
			ws = append(ws, w)
		}
	}
	return ws
}
