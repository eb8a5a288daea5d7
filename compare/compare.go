package compare

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Options configure Compare. The zero value means Alpha 0.05, Threshold 0
// (any significant change counts) and warnings that do not fail; copy
// DefaultOptions for the gate's defaults.
type Options struct {
	// Alpha is the significance level of the Mann-Whitney U test: a change
	// is significant when p < Alpha. 0 means DefaultOptions.Alpha; other
	// values must lie in (0, 1).
	Alpha float64
	// Threshold is the relative change of the medians, |new-old|/|old|
	// (0.05 = 5%), that a significant change must exceed to be a regression
	// or an improvement. It must be finite and >= 0. Deterministic units
	// ignore it (see RelTolExact).
	Threshold float64
	// StrictSamples makes warnings (rows with too few samples to reach
	// Alpha) fail the comparison, as regressions do.
	StrictSamples bool
}

// DefaultOptions are the gate's defaults: 5% significance, a 5% threshold,
// warnings reported but not failing.
var DefaultOptions = Options{Alpha: 0.05, Threshold: 0.05}

// RelTolExact is the relative tolerance of deterministic units: a change
// |new-old| <= RelTolExact |old| is no change. It only absorbs the rounding
// of values written in decimal and read back.
const RelTolExact = 1e-9

// Confidence is the confidence level of the summaries' intervals.
const Confidence = 0.95

// A Verdict classifies one row.
type Verdict string

// The verdicts.
const (
	Regression   Verdict = "regression"
	Improvement  Verdict = "improvement"
	NoChange     Verdict = "no change"
	Insufficient Verdict = "insufficient samples" // a warning
	OnlyInOld    Verdict = "only in old"
	OnlyInNew    Verdict = "only in new"
)

// A Summary is one file's sample of one (benchmark, unit): its center (the
// median, or the exact value of a deterministic unit) and the bounds of its
// 95% confidence interval (±Inf when the sample is too small for one; the
// minimum and maximum for a deterministic unit), in the tidied unit
// (seconds, not nanoseconds). N = 0 when the file has no such sample.
type Summary struct {
	Center, Lo, Hi float64
	N              int
}

// A Row is the comparison of one (benchmark, unit).
type Row struct {
	// Benchmark is the name without "Benchmark" and without the
	// -GOMAXPROCS suffix, e.g. "Step/d=64" (with the suffix when the
	// name was run under several GOMAXPROCS in a file, e.g. "Infer-4").
	Benchmark string
	// Config are the configuration keys of the comparison key
	// (Report.Keys) and their values for this row, e.g. pkg
	// encoding/base64; nil when no key varies within a file. A key the
	// row's results do not carry has the value "".
	Config []KeyValue
	// Unit is the tidied unit, e.g. "sec/op" for ns/op.
	Unit string
	// Better is +1 when higher values are better, -1 when lower are.
	Better int
	// Exact reports that the unit was treated as deterministic.
	Exact bool
	// Old and New summarize the two samples.
	Old, New Summary
	// P is the Mann-Whitney U p-value; 0 for a deterministic unit (an
	// exact result, as benchmath.AssumeExact reports it); NaN for a row in
	// only one file.
	P float64
	// Ratio is New.Center / Old.Center (1 when both are 0, ±Inf when only
	// Old's is); NaN for a row in only one file.
	Ratio float64
	// Delta is the change of the centers in percent ("+20.00%") for a
	// regression, an improvement or too few samples; "~" for no change; "?"
	// when Old's center is 0; "" for a row in only one file.
	Delta string
	// Verdict classifies the row.
	Verdict Verdict
	// Notes are benchmath's warnings about the samples and why a unit was
	// treated as deterministic.
	Notes []string
}

// Name returns the row's benchmark prefixed by its configuration values,
// e.g. "encoding/base64 EncodeToString".
func (r *Row) Name() string {
	var b strings.Builder
	for _, kv := range r.Config {
		if kv.Value != "" {
			b.WriteString(kv.Value + " ")
		}
	}
	return b.String() + r.Benchmark
}

// A Report is the result of Compare.
type Report struct {
	// Old and New name the two sources.
	Old, New string
	// Options are the options used, defaults filled in.
	Options Options
	// Keys are the configuration keys that are part of the comparison
	// key, because their value differs within a file: pkg first, then in
	// the order they first appear. Each Row.Config holds their values.
	Keys []string
	// Machine are the machine lines of the two files (see MachineKeys),
	// for the keys present in either.
	Machine []MachineLine
	// Geomeans are the geometric means of the centers per unit over the
	// rows present in both files, in the order the units first appear.
	Geomeans []Geomean
	// Rows are the pairs in the order they first appear in Old, then those
	// only in New in their order there.
	Rows []Row
	// Regressions, Improvements and Warnings count the rows with those
	// verdicts (a warning is a row with insufficient samples).
	Regressions, Improvements, Warnings int
}

// Failed reports whether the comparison fails the gate: a regression, or a
// warning under Options.StrictSamples.
func (r *Report) Failed() bool {
	return r.Regressions > 0 || (r.Options.StrictSamples && r.Warnings > 0)
}

// resolve fills in the defaults of o and checks its ranges.
func (o Options) resolve() (Options, error) {
	if o.Alpha == 0 {
		o.Alpha = DefaultOptions.Alpha
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return o, fmt.Errorf("compare: Options.Alpha %v: want 0 < alpha < 1", o.Alpha)
	}
	if !(o.Threshold >= 0) || math.IsInf(o.Threshold, 0) {
		return o, fmt.Errorf("compare: Options.Threshold %v: want a finite threshold >= 0", o.Threshold)
	}
	return o, nil
}

// Compare reads old and new and compares every (benchmark, unit) pair, by
// the rule of the package comment. It returns an error, and no report, for
// an unreadable source, a source that is not UTF-8 or UTF-16 text
// (*EncodingError), syntax errors (SyntaxErrors), a source without results,
// no pair in common, or options out of range. Compare reads each source
// whole into memory once, keeps every value, and does not modify opt.
func Compare(old, new Source, opt Options) (*Report, error) {
	opt, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	o, n, units, err := readBoth(old, new)
	if err != nil {
		return nil, err
	}
	k, err := newKeyer(o, n)
	if err != nil {
		return nil, err
	}
	oSer, nSer := k.samples(o), k.samples(n)
	ov, oOrder := oSer.group(nSer)
	nv, nOrder := nSer.group(oSer)
	rep := &Report{Old: old.Name, New: new.Name, Options: opt, Keys: k.split, Machine: machineLines(o, n)}
	th := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	common := 0
	for _, rk := range oOrder {
		if _, ok := nv[rk]; !ok {
			rep.Rows = append(rep.Rows, onlyRow(k.row(rk), ov[rk], OnlyInOld, units))
			continue
		}
		common++
		rep.Rows = append(rep.Rows, compareRow(k.row(rk), ov[rk], nv[rk], units, th, opt))
	}
	for _, rk := range nOrder {
		if _, ok := ov[rk]; !ok {
			rep.Rows = append(rep.Rows, onlyRow(k.row(rk), nv[rk], OnlyInNew, units))
		}
	}
	if common == 0 {
		return nil, fmt.Errorf("%s and %s have no benchmark and unit in common (%s has %s; %s has %s)",
			old.Name, new.Name, old.Name, examples(k, oOrder), new.Name, examples(k, nOrder))
	}
	for _, r := range rep.Rows {
		switch r.Verdict {
		case Regression:
			rep.Regressions++
		case Improvement:
			rep.Improvements++
		case Insufficient:
			rep.Warnings++
		}
	}
	rep.Geomeans = geomeans(rep.Rows)
	return rep, nil
}

// examples names the first few rows of a file for an error message.
func examples(k *keyer, keys []rowKey) string {
	const max = 3
	var s []string
	for i, rk := range keys {
		if i == max {
			s = append(s, fmt.Sprintf("%d more", len(keys)-max))
			break
		}
		r := k.row(rk)
		s = append(s, r.Name()+" "+r.Unit)
	}
	return strings.Join(s, ", ")
}

// better returns +1 when higher values of unit are better, else -1: the Unit
// lines, then benchfmt's defaults, then rates per second, then lower.
func better(units benchfmt.UnitMetadataMap, unit string) int {
	if b := units.GetBetter(unit); b != 0 {
		return b
	}
	if strings.HasSuffix(unit, "/s") || strings.HasSuffix(unit, "/sec") {
		return 1
	}
	return -1
}

// onlyRow completes r, the identity of a row in one file, from that file's
// values.
func onlyRow(r Row, vals []float64, v Verdict, units benchfmt.UnitMetadataMap) Row {
	th := &benchmath.DefaultThresholds
	s := benchmath.NewSample(vals, th)
	r.Better, r.P, r.Ratio, r.Verdict = better(units, r.Unit), math.NaN(), math.NaN(), v
	assume := benchmath.Assumption(benchmath.AssumeNothing)
	if units.GetAssumption(r.Unit) == benchmath.AssumeExact {
		assume, r.Exact = benchmath.AssumeExact, true
	}
	sum := summarize(assume, s, &r.Notes)
	if v == OnlyInOld {
		r.Old = sum
	} else {
		r.New = sum
	}
	return r
}

// compareRow completes r, the identity of a row, by the regression rule.
func compareRow(r Row, ov, nv []float64, units benchfmt.UnitMetadataMap, th *benchmath.Thresholds, opt Options) Row {
	r.Better = better(units, r.Unit)
	oldS, newS := benchmath.NewSample(ov, th), benchmath.NewSample(nv, th)

	assume := benchmath.Assumption(benchmath.AssumeNothing)
	switch {
	case units.GetAssumption(r.Unit) == benchmath.AssumeExact:
		assume, r.Exact = benchmath.AssumeExact, true
		r.Notes = append(r.Notes, "deterministic: Unit line assume=exact")
	case constant(oldS.Values) && constant(newS.Values) && minP(len(ov), len(nv), th) < opt.Alpha:
		assume, r.Exact = benchmath.AssumeExact, true
		r.Notes = append(r.Notes, "deterministic: every sample identical within each file")
	}
	r.Old = summarize(assume, oldS, &r.Notes)
	r.New = summarize(assume, newS, &r.Notes)
	cmp := assume.Compare(oldS, newS)
	r.P = cmp.P
	addNotes(&r.Notes, cmp.Warnings)

	old, new := r.Old.Center, r.New.Center
	diff := new - old
	r.Ratio = 1
	rel := 0.0
	if diff != 0 {
		r.Ratio = new / old                  // ±Inf when old is 0
		rel = math.Abs(diff) / math.Abs(old) // +Inf when old is 0
	}
	worse := diff*float64(r.Better) < 0
	switch {
	case r.Exact && math.Abs(diff) <= RelTolExact*math.Abs(old):
		r.Verdict = NoChange
	case r.Exact || (cmp.P < opt.Alpha && rel > opt.Threshold):
		r.Verdict = Improvement
		if worse {
			r.Verdict = Regression
		}
	case cmp.P >= opt.Alpha && minP(len(ov), len(nv), th) >= opt.Alpha:
		r.Verdict = Insufficient
	default:
		r.Verdict = NoChange
	}
	r.Delta = "~"
	if r.Verdict != NoChange {
		r.Delta = formatDelta(old, new)
	}
	return r
}

// summarize summarizes s under assume and appends benchmath's warnings to
// notes.
func summarize(assume benchmath.Assumption, s *benchmath.Sample, notes *[]string) Summary {
	sum := assume.Summary(s, Confidence)
	addNotes(notes, sum.Warnings)
	return Summary{Center: sum.Center, Lo: sum.Lo, Hi: sum.Hi, N: len(s.Values)}
}

// addNotes appends the messages of errs that notes does not hold yet.
func addNotes(notes *[]string, errs []error) {
	for _, e := range errs {
		msg := e.Error()
		dup := false
		for _, n := range *notes {
			dup = dup || n == msg
		}
		if !dup {
			*notes = append(*notes, msg)
		}
	}
}

// constant reports whether every value of x is the same.
func constant(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return true
}

// minP returns the smallest p-value the U test of benchmath.AssumeNothing
// can give for samples of sizes n1 and n2: that of two completely separated
// samples. p < alpha is reachable if and only if minP < alpha.
func minP(n1, n2 int, th *benchmath.Thresholds) float64 {
	lo, hi := make([]float64, n1), make([]float64, n2)
	for i := range lo {
		lo[i] = float64(i)
	}
	for i := range hi {
		hi[i] = float64(n1 + i)
	}
	return benchmath.AssumeNothing.Compare(benchmath.NewSample(lo, th), benchmath.NewSample(hi, th)).P
}

// formatDelta formats the relative change from old to new in percent, with
// two decimals, or two significant digits when those would show a non-zero
// change as 0.00%.
func formatDelta(old, new float64) string {
	if old == new {
		return "0.00%"
	}
	if old == 0 {
		return "?"
	}
	pct := (new/old - 1) * 100
	if s := fmt.Sprintf("%+.2f%%", pct); strings.Trim(s, "+-0.%") != "" {
		return s
	}
	return fmt.Sprintf("%+.2g%%", pct)
}
