package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
)

// CheckWidth is the rollout check of a candidate width: its compressed
// network's best recovery error is within TolRel of the original's.
const CheckWidth = "width-sufficient"

// DefaultTolRel is the default relative tolerance of CheckWidth. Both
// networks stop at the same training-loss tolerance, so at convergence their
// errors agree within a small factor; an insufficient width misses by orders
// of magnitude (the unlearned singular values' share of ||Phi||_F).
const DefaultTolRel = 0.5

// VerifyConfig is a verification: a problem (config.Config; its RHat and Methods
// are ignored) and candidate compressed widths.
type VerifyConfig struct {
	config.Config
	// RHats are the candidate widths (default: 2r).
	RHats []int `json:"r_hats"`
	// TolRel: a width is sufficient when its reported error is at most
	// (1 + TolRel) times the reference's (Sufficient; default
	// DefaultTolRel, DefaultTolRelHeldOut on a list of entries).
	TolRel float64 `json:"tol_rel"`
	// Reference is what the widths are judged against: ReferenceAuto
	// (""), ReferenceOriginal or ReferenceAltMin (see Reference).
	Reference string `json:"reference"`
	// Patience stops training on a list of entries once that many
	// checkpoints bring no new lowest validation error, keeping the
	// weights of the lowest (trainer.Config.Patience; default
	// DefaultPatience there, 0 elsewhere).
	Patience int `json:"patience"`
	// TolLossRel is a training-loss tolerance relative to the initial
	// loss (trainer.Config.TolRel; 0: none). lowdim verify sets it to
	// DefaultTolLossRel, and --tol to 0, on a user's target when --tol is
	// not given.
	TolLossRel float64 `json:"tol_loss_rel"`
	// NoiseLevel is the standard deviation of the data's noise, in its
	// units (0: unknown). When set, training also stops once the training
	// RMSE reaches it (the discrepancy principle: fitting further fits the
	// noise).
	NoiseLevel float64 `json:"noise_level"`
	// Seeds is the number of seeds the verify is repeated over (lowdim
	// verify --seeds; 1 or 0: once).
	Seeds int `json:"seeds"`
}

// verifyExtra are the fields of VerifyConfig beside the problem's, in
// verdict.json.
type verifyExtra struct {
	RHats      []int   `json:"r_hats"`
	TolRel     float64 `json:"tol_rel"`
	Reference  string  `json:"reference,omitempty"`
	Patience   int     `json:"patience,omitempty"`
	TolLossRel float64 `json:"tol_loss_rel,omitempty"`
	NoiseLevel float64 `json:"noise_level,omitempty"`
	Seeds      int     `json:"seeds,omitempty"`
}

// WidthResult is the training of the compressed network at one width.
type WidthResult struct {
	RHat       int            `json:"r_hat"`
	Params     int            `json:"params"`
	Status     results.Status `json:"status"`
	Message    string         `json:"message,omitempty"`
	Steps      int            `json:"steps"`
	StepsToTol *int           `json:"steps_to_tol,omitempty"`
	Seconds    float64        `json:"seconds"`
	BestError  *float64       `json:"best_recovery_error,omitempty"`
	FinalError *float64       `json:"final_recovery_error,omitempty"`
	// Error is the width's reported error (results.MethodResult.
	// ReportedError: on a list of entries the held-out error of the
	// weights kept on validation), what it is judged by; RMSE the same in
	// the data's units.
	Error *float64 `json:"error,omitempty"`
	RMSE  *float64 `json:"rmse,omitempty"`
	// Sufficient is whether width-sufficient passed (true) or failed
	// (false) at this width; nil (null) when it was not evaluable.
	Sufficient *bool                `json:"sufficient"`
	Result     results.MethodResult `json:"-"`
}

// Verdict is the outcome of Verify, written as verdict.json.
type Verdict struct {
	Tool     string               `json:"tool"`
	Version  string               `json:"version"`
	Started  string               `json:"started"`
	Config   VerifyConfig         `json:"config"`
	Machine  machine.Fingerprint  `json:"machine"`
	Instance InstanceInfo         `json:"instance"`
	Original results.MethodResult `json:"original"`
	Widths   []WidthResult        `json:"widths"`
	// UpdateRank is the numerical rank (UpdateRankTol) of W_l(T) - W_l(0)
	// of the original network, the largest over layers: the dimension of
	// the subspace its training moved in. Nil (null) when it cannot be
	// measured: the original took no step or diverged.
	UpdateRank    *int    `json:"update_rank"`
	UpdateRankTol float64 `json:"update_rank_tol"`
	// SafeWidth is the smallest candidate width that is sufficient
	// (SafeWidth: its reported error within TolRel of the reference's),
	// nil when none is, and nil when the verify was interrupted during its
	// training (undecided: a candidate cut off may have been the one).
	SafeWidth *int `json:"safe_width"`
	// Reference is what the widths were judged against: the original
	// network or, where the preflight refused it, the AltMin baseline.
	Reference *Reference `json:"reference"`
	// Safety says, off matrix factorization, that the safe width is an
	// empirical finding (EmpiricalNote); empty on MF, where the theory's
	// checks back it.
	Safety string `json:"safety,omitempty"`
	// Seeds holds, for a verify repeated over seeds (--seeds k, k > 1),
	// each network's errors over the seeds with their 95% intervals
	// (CombineSeeds); nil for one seed.
	Seeds  *SeedSummary    `json:"seeds,omitempty"`
	Checks []results.Check `json:"checks"`
	// Memory is the verify's memory plan and what the process used.
	Memory *results.MemoryInfo `json:"memory,omitempty"`
	// Time is the time preflight (Options.TimePreflight): each network's
	// estimated and actual training time; nil when it did not run.
	Time *results.TimeInfo `json:"time,omitempty"`
	// Passed, Failed, Skipped and NotEvaluable count Checks by status,
	// except that a width-sufficient failure beside a sufficient width is
	// counted in TooNarrow, not in Failed: the width is too narrow, a
	// result that does not gate (its check's status stays fail).
	Passed       int `json:"passed"`
	Failed       int `json:"failed"`
	TooNarrow    int `json:"too_narrow"`
	Skipped      int `json:"skipped"`
	NotEvaluable int `json:"not_evaluable"`
	// TheoryEvaluated counts the theory checks (TheoryCheck) that passed
	// or failed.
	TheoryEvaluated int `json:"theory_evaluated"`
	// Pass is true when the gate passes: the verify was not interrupted,
	// no theory check failed (on any width), no network diverged, some
	// candidate width is sufficient, and at least one theory check was
	// evaluated. A width that is too narrow while another is sufficient is
	// a result, not a failure.
	Pass bool `json:"pass"`
	// Interrupted is true when the verify was interrupted
	// (Options.Interrupt) before every network ended its training: the
	// verdict is complete up to there (the networks cut short have status
	// results.Interrupted, their checks are not evaluable), it never
	// passes, and its first reason starts with "INTERRUPTED". Always
	// written, false included.
	Interrupted bool `json:"interrupted"`
	// Reasons say why the gate did not pass, one line each (empty when it
	// passed).
	Reasons []string `json:"reasons,omitempty"`
}

// MarshalJSON writes the problem's fields (config.Config.MarshalJSON)
// with r_hats and tol_rel beside them.
func (vc VerifyConfig) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(vc.Config)
	if err != nil {
		return nil, err
	}
	extra, err := json.Marshal(verifyExtra{vc.RHats, vc.TolRel, vc.Reference, vc.Patience, vc.TolLossRel, vc.NoiseLevel, vc.Seeds})
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (vc *VerifyConfig) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &vc.Config); err != nil {
		return err
	}
	var extra verifyExtra
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	vc.RHats, vc.TolRel, vc.Reference, vc.Patience = extra.RHats, extra.TolRel, extra.Reference, extra.Patience
	vc.TolLossRel, vc.NoiseLevel, vc.Seeds = extra.TolLossRel, extra.NoiseLevel, extra.Seeds
	for _, k := range []string{"r_hats", "tol_rel", "reference", "patience", "tol_loss_rel", "noise_level", "seeds"} {
		delete(vc.Params, k)
	}
	return nil
}

// WithDefaults fills the verification defaults: widths [2r] and TolRel.
func (vc VerifyConfig) WithDefaults() VerifyConfig {
	if len(vc.RHats) == 0 {
		vc.RHats = []int{2 * vc.R}
	}
	if vc.TolRel == 0 {
		vc.TolRel = DefaultTolRel
	}
	vc.RHat = slices.Max(vc.RHats)
	vc.Methods = []string{methods.Original, methods.Compressed}
	vc.Config = vc.Config.WithDefaults()
	return vc
}

// Validate checks the problem and every width.
func (vc VerifyConfig) Validate() error {
	for _, rh := range vc.RHats {
		c := vc.Config
		c.RHat = rh
		if err := c.Validate(); err != nil {
			return err
		}
	}
	if !(vc.TolRel > 0) {
		return config.Bad("tol-rel", vc.TolRel, "relative tolerance must be positive")
	}
	switch vc.Reference {
	case "", ReferenceAuto, ReferenceOriginal, ReferenceAltMin:
	default:
		return config.Bad("reference", vc.Reference, "want one of %v", References)
	}
	if vc.Patience < 0 {
		return config.Bad("patience", vc.Patience, "must be at least 1 (checkpoints), or left out")
	}
	if !(vc.TolLossRel >= 0 && vc.TolLossRel < 1) {
		return config.Bad("tol-loss-rel", vc.TolLossRel, "must be in [0, 1)")
	}
	if !(vc.NoiseLevel >= 0) || math.IsInf(vc.NoiseLevel, 0) {
		return config.Bad("noise-level", vc.NoiseLevel, "must be finite and >= 0")
	}
	return nil
}

// Verify trains the original network once and the compressed network at
// every candidate width on one instance (in, or drawn from the seed when in
// is nil), evaluates every check that applies, and returns the verdict.
// Failed checks are a result (Verdict.Pass false), not an error.
//
// An interruption (opt.Interrupt closed) is a result too, as in Run: the
// network training stops at its next step boundary ("interrupted at step
// t"), the networks not yet started are not trained ("interrupted before
// training (step 0)", a width's width-sufficient check not evaluable), and
// Verify returns the complete verdict with Interrupted set, Pass false and
// a first reason starting with "INTERRUPTED" (Headline), and a nil error.
func Verify(vc VerifyConfig, in *instance.Instance, opt Options) (*Verdict, error) {
	ew, isEntries := entries(in)
	if vc.Patience > 0 && (!isEntries || ew.ValidationCount() == 0) {
		return nil, config.Bad("patience", vc.Patience, "stops on validation entries: it applies to a list of entries with some held out for validation (--validation)")
	}
	autoTolRel := vc.TolRel == 0 // chosen below once the reference is known
	if isEntries && vc.Patience == 0 && ew.ValidationCount() > 0 {
		vc.Patience = DefaultPatience
	}
	opt.widths = true
	vc = vc.WithDefaults()
	if in != nil {
		vc.SetDims(in.Work.Dims())
	}
	if isEntries && vc.Sparse() && vc.Reference != ReferenceOriginal {
		vc.Methods = []string{methods.Compressed} // the original cannot run on it: AltMin takes its place
	}
	if err := vc.Validate(); err != nil {
		return nil, err
	}
	// The reference: the original unless the preflight refuses it where
	// AltMin can take its place (chooseReference).
	ref := &Reference{Name: ReferenceOriginal, Label: "the original network"}
	var err error
	if isEntries {
		if ref, err = chooseReference(vc, in, Options{}); err != nil {
			return nil, err
		}
	} else if vc.Reference == ReferenceAltMin {
		if _, err := chooseReference(vc, in, opt); err != nil {
			return nil, err
		}
	}
	if opt.stop, err = stopOf(vc, in); err != nil {
		return nil, err
	}
	// The plan: the original network (when it is trained) and the widest
	// compressed one, one after the other, on the instance (in memory
	// already when given).
	pc := vc.Config.Clone()
	pc.Methods = []string{methods.Original, methods.Compressed}
	if ref.Name != ReferenceOriginal {
		pc.Methods = []string{methods.Compressed}
	}
	pc.RHat = slices.Max(vc.RHats)
	plan, budget, err := preflight(pc, in != nil, true)
	if err != nil {
		return nil, err
	}
	defer plan.Enforce()()
	if in == nil {
		if in, err = instance.Build(vc.Config); err != nil {
			return nil, err
		}
	}
	// Every width trains the compressed network.
	if err := resolveEta(&vc.Config, in, true); err != nil {
		return nil, err
	}
	// With the rate known, the time preflight may refuse the original
	// where AltMin can take its place.
	if isEntries && ref.Name == ReferenceOriginal && vc.Reference != ReferenceOriginal {
		if ref, err = chooseReference(vc, in, opt); err != nil {
			return nil, err
		}
	}
	// The time preflight: the original (when it is the reference), then
	// every width, on the instance.
	var nets []probeNet
	if ref.Name == ReferenceOriginal {
		nets = append(nets, probeNet{name: methods.Original, method: methods.Original, c: vc.Config, keepInit: true})
	}
	for _, rh := range vc.RHats {
		c := vc.Config
		c.RHat = rh
		nets = append(nets, probeNet{name: WidthLabel(rh), method: methods.Compressed, c: c})
	}
	times, err := timePreflight(nets, in, opt)
	if err != nil {
		return nil, err
	}
	v := &Verdict{
		Time: times,
		Tool: "lowdim", Version: machine.Read().Version, Started: time.Now().UTC().Format(time.RFC3339),
		Config: vc, Machine: machine.Read(), Instance: in.Info(vc.R), UpdateRankTol: UpdateRankTol,
		Reference: ref,
	}
	if vc.Workload != "mf" {
		v.Safety = EmpiricalNote
	}
	k0 := newChecker(vc.Config, in)
	k0.keepInit = true
	var orig results.MethodResult
	switch {
	case ref.Name != ReferenceOriginal:
		orig = notStarted(methods.Original, vc.Config, in)
		orig.Status, orig.Message = results.Refused, ref.Why
		if !opt.interrupted() {
			b, err := fitBaseline(ew, vc.R, vc.Seed)
			if err != nil {
				return nil, config.Input(fmt.Errorf("%s: %w", in.Source, err))
			}
			ref.Baseline = b
			ref.Error, ref.RMSE = &b.HeldOutError, &b.RMSE
			ref.Label = fmt.Sprintf("AltMin at rank %d (alternating least squares, ridge %g x rms chosen on the validation entries)", b.K, b.LambdaRel)
		}
	case opt.interrupted():
		orig = notStarted(methods.Original, vc.Config, in)
		k0.notStarted(orig)
	default:
		start := time.Now()
		if orig, err = trainMethod(methods.Original, vc.Config, in, k0, opt); err != nil {
			return nil, err
		}
		recordActual(v.Time, methods.Original, time.Since(start), orig.Steps)
		ref.Error, ref.RMSE = orig.ReportedError(), orig.RMSE
	}
	v.Original = orig
	if autoTolRel && isEntries && !(ref.Name == ReferenceOriginal && orig.Status == results.Converged) {
		// Held-out errors at a validation optimum (or AltMin's) are
		// statistical: DefaultTolRelHeldOut, not the factor between two
		// runs to the same training tolerance.
		vc.TolRel = DefaultTolRelHeldOut
		v.Config.TolRel = vc.TolRel
	}
	if ref.Name == ReferenceOriginal {
		v.UpdateRank = k0.updateRank
		v.Checks = k0.finish()
	}
	diverged := []string{}
	if orig.Status == results.Diverged {
		diverged = append(diverged, fmt.Sprintf("original: %s", statusLine(orig)))
	}
	var cut []string // the networks the interruption cut short
	if orig.Status == results.Interrupted {
		cut = append(cut, fmt.Sprintf("original %s", statusLine(orig)))
	}

	var cands []Candidate
	for _, rh := range vc.RHats {
		c := vc.Config
		c.RHat = rh
		k := newChecker(c, in)
		// The original's observations, for the checks that compare.
		if ref.Name == ReferenceOriginal {
			k.trajs[methods.Original] = orig.Trajectory
			k.res[methods.Original] = orig
			if e, ok := k0.stepErr[methods.Original]; ok {
				k.stepErr[methods.Original] = e
			}
			if f, ok := k0.floors[methods.Original]; ok {
				k.floors[methods.Original] = f
			}
			if row, ok := k0.floorRows[methods.Original]; ok {
				k.floorRows[methods.Original] = row
			}
		}
		var res results.MethodResult
		if opt.interrupted() {
			res = notStarted(methods.Compressed, c, in)
			k.notStarted(res)
		} else {
			start := time.Now()
			if res, err = trainMethod(methods.Compressed, c, in, k, opt); err != nil {
				return nil, err
			}
			recordActual(v.Time, WidthLabel(rh), time.Since(start), res.Steps)
		}
		label := WidthLabel(rh)
		if res.Status == results.Diverged {
			diverged = append(diverged, fmt.Sprintf("%s: %s", label, statusLine(res)))
		}
		if res.Status == results.Interrupted {
			cut = append(cut, fmt.Sprintf("%s %s", label, statusLine(res)))
		}
		w := WidthResult{RHat: rh, Params: res.Params, Status: res.Status, Message: res.Message, Steps: res.Steps,
			StepsToTol: res.StepsToTol, Seconds: res.Seconds, BestError: res.BestError, FinalError: res.FinalError,
			Error: res.ReportedError(), RMSE: res.RMSE, Result: res}
		wc := widthCheck(c, opt.stop, vc.TolRel, label, ref, orig, res, k.learnedNothing(methods.Original), k.learnedNothing(methods.Compressed))
		cand := Candidate{RHat: rh}
		if wc.Status.Evaluated() {
			ok := wc.Status == results.Pass
			w.Sufficient = &ok
			cand.Error = res.ReportedError()
		}
		cands = append(cands, cand)
		for _, ch := range k.finish() {
			if ch.Method == methods.Compressed {
				ch.Method = label
			}
			if ch.Method == methods.Original {
				continue // reported once, from the original's own run
			}
			v.Checks = append(v.Checks, ch)
		}
		v.Checks = append(v.Checks, wc)
		v.Widths = append(v.Widths, w)
	}
	// A verify cut short decides no safe width: a candidate cut off may
	// have been the smallest sufficient one.
	if len(cut) == 0 {
		v.SafeWidth = SafeWidth(ref.Error, cands, vc.TolRel)
	}
	var failedTheory []string
	for _, c := range v.Checks {
		switch c.Status {
		case results.Pass:
			v.Passed++
		case results.Fail:
			switch {
			case c.Name != CheckWidth:
				v.Failed++
				failedTheory = append(failedTheory, c.Name+" ("+c.Method+")")
			case v.SafeWidth != nil:
				v.TooNarrow++ // a result beside a sufficient width
			default:
				v.Failed++ // no width is sufficient: that gates below
			}
		case results.NotEvaluable:
			v.NotEvaluable++
		default:
			v.Skipped++
		}
		if TheoryCheck(c.Name) && c.Status.Evaluated() {
			v.TheoryEvaluated++
		}
	}
	if len(cut) > 0 {
		v.Interrupted = true
		v.Reasons = append(v.Reasons, "INTERRUPTED: the verify was interrupted ("+strings.Join(cut, "; ")+"): a partial verify never passes")
	}
	if len(failedTheory) > 0 {
		v.Reasons = append(v.Reasons, "a check failed: "+strings.Join(failedTheory, ", "))
	}
	if len(diverged) > 0 {
		v.Reasons = append(v.Reasons, "a network diverged: "+strings.Join(diverged, "; "))
	}
	if v.SafeWidth == nil && len(cut) == 0 {
		judged := false
		var why string
		for _, c := range v.Checks {
			if c.Name == CheckWidth {
				judged = judged || c.Status.Evaluated()
				if why == "" && c.Status == results.NotEvaluable {
					why = c.Detail
				}
			}
		}
		if judged {
			v.Reasons = append(v.Reasons, fmt.Sprintf("no candidate width %v is sufficient", vc.RHats))
		} else {
			v.Reasons = append(v.Reasons, fmt.Sprintf("no candidate width %v is sufficient: none could be judged (%s)", vc.RHats, why))
		}
	}
	if v.TheoryEvaluated == 0 {
		v.Reasons = append(v.Reasons, "no theory check could be evaluated: nothing supports the rollout")
	}
	v.Pass = len(v.Reasons) == 0
	peakHeap := orig.PeakHeapBytes
	for _, w := range v.Widths {
		peakHeap = max(peakHeap, w.Result.PeakHeapBytes)
	}
	v.Memory = memoryInfo(plan, budget, peakHeap)
	return v, nil
}

// WidthLabel names the compressed network of width rh in a verify's
// checks, tables and files: "compressed r_hat=8".
func WidthLabel(rh int) string { return fmt.Sprintf("%s r_hat=%d", methods.Compressed, rh) }

// Headline returns the verdict in one line: "VERDICT: PASS", or the
// reasons joined by "; " after "VERDICT: FAIL: ", or for an interrupted
// verify after "VERDICT: " (its first reason starts with "INTERRUPTED: ").
func (v *Verdict) Headline() string {
	switch {
	case v.Pass:
		return "VERDICT: PASS"
	case v.Interrupted:
		return "VERDICT: " + strings.Join(v.Reasons, "; ")
	}
	return "VERDICT: FAIL: " + strings.Join(v.Reasons, "; ")
}
