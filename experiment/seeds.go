package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/lowdim/lowdim/results"
)

// This file repeats a verify over seeds (lowdim verify --seeds k): each
// seed draws its own split of a list of entries and its own
// initializations; CombineSeeds puts the verdicts together, with every
// error's 95% interval over the seeds.

// IntervalMethod names the interval SeedSummary reports.
const IntervalMethod = "95% Student's t-interval of the mean over the seeds: mean ± t(0.975, k-1) s / sqrt(k), s the sample standard deviation (gonum stat.MeanStdDev, distuv.StudentsT)"

// Interval is a 95% confidence interval of the mean of N values (a
// Student's t-interval: the values taken as independent draws of a normal
// error, one per seed). Lo and Hi are absent (null) for N < 2.
type Interval struct {
	N      int      `json:"n"`
	Mean   float64  `json:"mean"`
	StdDev *float64 `json:"std_dev"`
	Lo     *float64 `json:"lo"`
	Hi     *float64 `json:"hi"`
}

// TInterval returns the 95% t-interval of the mean of xs (see Interval).
// It panics on an empty xs.
func TInterval(xs []float64) Interval {
	if len(xs) == 0 {
		panic("experiment: TInterval of no values")
	}
	in := Interval{N: len(xs)}
	if len(xs) == 1 {
		in.Mean = xs[0]
		return in
	}
	mean, sd := stat.MeanStdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}.Quantile(0.975)
	half := t * sd / math.Sqrt(float64(len(xs)))
	lo, hi := mean-half, mean+half
	in.Mean, in.StdDev, in.Lo, in.Hi = mean, &sd, &lo, &hi
	return in
}

// SeedErrors is one network's reported errors over the seeds (nil where
// a seed measured none) and, when every seed measured one, their
// intervals.
type SeedErrors struct {
	// Network is "reference" or a width's label; RHat is 0 for the
	// reference.
	Network string     `json:"network"`
	RHat    int        `json:"r_hat,omitempty"`
	Errors  []*float64 `json:"errors"`
	RMSEs   []*float64 `json:"rmses"`
	// Error and RMSE are the intervals, nil when some seed measured none.
	Error *Interval `json:"error"`
	RMSE  *Interval `json:"rmse"`
	// SafeOn counts the seeds on which this width was sufficient (0 is a
	// count: a width sufficient on none); nil for the reference.
	SafeOn *int `json:"sufficient_on,omitempty"`
}

// SeedSummary is a verify repeated over seeds.
type SeedSummary struct {
	Seeds []uint64 `json:"seeds"`
	// Interval names the interval (IntervalMethod).
	Interval string `json:"interval"`
	// Networks are the reference's errors, then each width's.
	Networks []SeedErrors `json:"networks"`
	// SafeWidths is each seed's safe width (nil where none was).
	SafeWidths []*int `json:"safe_widths"`
}

// CombineSeeds puts together the verdicts of one verify repeated over
// seeds (vs[s] that of seed seeds[s]; one configuration, the same widths):
// the first seed's verdict with every seed's checks (a later seed's
// labelled "(seed s)"), the summary of every error over the seeds with
// its 95% t-interval, and the safe width of the mean errors: SafeWidth of
// the reference's mean error and each width's mean error, a width whose
// error some seed did not judge being no candidate. Each seed's reasons
// to fail are kept, prefixed by its seed; the verify passes when no seed
// has one (besides its own safe width) and the mean errors give a safe
// width. One verdict is returned as it is.
func CombineSeeds(vs []*Verdict, seeds []uint64) *Verdict {
	if len(vs) == 1 {
		return vs[0]
	}
	out := *vs[0]
	out.Checks = nil
	sum := &SeedSummary{Seeds: seeds, Interval: IntervalMethod}
	refRow := SeedErrors{Network: "reference"}
	rows := make([]SeedErrors, len(out.Widths))
	for i, w := range out.Widths {
		rows[i] = SeedErrors{Network: WidthLabel(w.RHat), RHat: w.RHat, SafeOn: new(int)}
	}
	out.Interrupted = false
	out.Reasons = nil
	out.TheoryEvaluated = 0
	for s, v := range vs {
		for _, c := range v.Checks {
			if s > 0 {
				c.Method = fmt.Sprintf("%s (seed %d)", c.Method, seeds[s])
			}
			out.Checks = append(out.Checks, c)
		}
		out.TheoryEvaluated += v.TheoryEvaluated
		out.Interrupted = out.Interrupted || v.Interrupted
		for _, r := range v.Reasons {
			if strings.HasPrefix(r, "no candidate width") || strings.HasPrefix(r, "no theory check") {
				continue // judged on the combination below
			}
			out.Reasons = append(out.Reasons, fmt.Sprintf("seed %d: %s", seeds[s], r))
		}
		sum.SafeWidths = append(sum.SafeWidths, v.SafeWidth)
		var refErr, refRMSE *float64
		if v.Reference != nil {
			refErr, refRMSE = v.Reference.Error, v.Reference.RMSE
		}
		refRow.Errors, refRow.RMSEs = append(refRow.Errors, refErr), append(refRow.RMSEs, refRMSE)
		for i := range rows {
			// The seed's result at this width, by r_hat: on a list of
			// entries each seed chooses r, and the widths r, 2r, 4r, on
			// its own validation entries, so a seed may try other widths
			// (a width the first seed did not try is no row).
			var e, r *float64
			if j := slices.IndexFunc(v.Widths, func(w WidthResult) bool { return w.RHat == rows[i].RHat }); j >= 0 && v.Widths[j].Sufficient != nil { // judged
				e, r = v.Widths[j].Error, v.Widths[j].RMSE
				if *v.Widths[j].Sufficient {
					*rows[i].SafeOn++
				}
			}
			rows[i].Errors, rows[i].RMSEs = append(rows[i].Errors, e), append(rows[i].RMSEs, r)
		}
	}
	intervals := func(r *SeedErrors) {
		if xs, ok := all(r.Errors); ok {
			in := TInterval(xs)
			r.Error = &in
		}
		if xs, ok := all(r.RMSEs); ok {
			in := TInterval(xs)
			r.RMSE = &in
		}
	}
	intervals(&refRow)
	var cands []Candidate
	for i := range rows {
		intervals(&rows[i])
		c := Candidate{RHat: rows[i].RHat}
		if rows[i].Error != nil {
			m := rows[i].Error.Mean
			c.Error = &m
		}
		cands = append(cands, c)
	}
	sum.Networks = append([]SeedErrors{refRow}, rows...)
	out.Seeds = sum
	out.SafeWidth = nil
	if refRow.Error != nil && !out.Interrupted {
		m := refRow.Error.Mean
		out.SafeWidth = SafeWidth(&m, cands, out.Config.TolRel)
	}
	if out.SafeWidth == nil && !out.Interrupted {
		out.Reasons = append(out.Reasons, fmt.Sprintf("no candidate width %v is sufficient on the mean errors over the %d seeds", out.Config.RHats, len(vs)))
	}
	if out.TheoryEvaluated == 0 {
		out.Reasons = append(out.Reasons, "no theory check could be evaluated: nothing supports the rollout")
	}
	out.Passed, out.Failed, out.TooNarrow, out.Skipped, out.NotEvaluable = 0, 0, 0, 0, 0
	for _, c := range out.Checks {
		switch c.Status {
		case results.Pass:
			out.Passed++
		case results.Fail:
			if c.Name == CheckWidth && out.SafeWidth != nil {
				out.TooNarrow++
			} else {
				out.Failed++
			}
		case results.NotEvaluable:
			out.NotEvaluable++
		default:
			out.Skipped++
		}
	}
	out.Pass = len(out.Reasons) == 0
	return &out
}

// all returns the values of ps, and false when one is nil (or none is
// given).
func all(ps []*float64) ([]float64, bool) {
	xs := make([]float64, 0, len(ps))
	for _, p := range ps {
		if p == nil {
			return nil, false
		}
		xs = append(xs, *p)
	}
	return xs, len(xs) > 0
}
