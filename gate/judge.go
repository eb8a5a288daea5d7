package gate

import (
	"math"
	"slices"
	"sort"

	"golang.org/x/perf/benchmath"
)

// Kind says how a metric is gated.
type Kind string

// The kinds of metric (see the package comment).
const (
	Timing    Kind = "timing"
	Exact     Kind = "exact"
	Tolerance Kind = "tolerance"
	Memory    Kind = "memory"
	Info      Kind = "info"
)

// RelTolExact absorbs the decimal round trip of an exact metric's value
// (written with %g-like precision by testing and read back).
const RelTolExact = 1e-9

// RelTolRecovery is the relative tolerance of recovery-err between base
// and head. Both run on one machine with one backend, so identical code
// gives identical errors; 1e-6 lets through a reordering of floating-point
// sums (which moves the error at 5000 steps by about 1e-12 relative) and
// catches any change of the algorithm or its constants, which moves it by
// far more.
const RelTolRecovery = 1e-6

// RelTolAccuracy is the relative tolerance of the MLP case's test-acc and
// test-loss between base and head. Training is deterministic for a seed,
// a machine and a backend (two processes give the same bits: the gate
// suite's test checks it on both backends), so, as for recovery-err,
// 1e-6 lets through a reordered sum and catches any change of the
// training (one more image of the 1000 classified correctly moves test-acc
// by 1e-3).
const RelTolAccuracy = 1e-6

// B/op is judged on each side's smallest sample (as allocs/op) within
// RelTolBytes relative plus AbsTolBytes: under the pure-Go backend,
// gonum's Dgemm starts goroutines for products of 4 or more 64 x 64
// blocks of output, and the allocations of those (their count follows the
// scheduler) spread over a sample's iterations: the Infer case's 2880
// B/op read 2904 in a process's first sample, the Step cases' 0 B/op up
// to 0.06, the MLP case's 1184 up to 1189 (a stray allocation of the
// runtime). A buffer that grows by more than 5%, or a new allocation of
// 64 bytes or more per op, fails.
const (
	RelTolBytes = 0.05
	AbsTolBytes = 64
)

// RelTolRSS is the relative threshold of the suite's peak RSS
// (UnitRSS): the head's median over the rounds more than 20% above the
// base's is a regression (it fails the gate and, as a timing regression,
// cannot be accepted by a line of the accept file), 20% below an
// improvement. Gated by a threshold on the medians, not by a test: a bench
// process's peak RSS (the Go runtime, the binary, MNIST's test file and
// the cases' problems: about 36 MB for the gate suite under pure Go, 41 MB
// under OpenBLAS) varied by 2% between the 18 processes of an A/A gate of
// 9 rounds (35.5 to 36.2 MB pure Go, 40.9 to 41.5 MB OpenBLAS), so a U
// test would flag shifts of a
// few percent that follow the garbage collector's pacing and that no one
// needs to act on, while a working set grown by a fifth (7 MB: a d x d
// buffer per step at d = 1000, a data set read twice) is a real change.
// The row is compared only when both sides ran the same cases (no new
// ones); otherwise it is reported.
const RelTolRSS = 0.20

// UnitRSS is the unit of the suite's peak resident set size: the largest
// of one bench process's whole life (getrusage's ru_maxrss, in bytes),
// one sample per side per round, on the row named SuiteRow.
const UnitRSS = "peak-rss-bytes"

// SuiteRow is the benchmark name of the rows that measure a side's bench
// process as a whole (UnitRSS).
const SuiteRow = "suite"

// kindOf returns how unit is gated.
func kindOf(unit string) Kind {
	switch unit {
	case "sec/op", "cpu-sec/op":
		return Timing
	case "flops/op", "params-bytes", "workspace-bytes", "steps-to-tol", "allocs/op":
		return Exact
	case "recovery-err", "test-acc", "test-loss", "B/op":
		return Tolerance
	case UnitRSS:
		return Memory
	}
	return Info
}

// tolerance returns the tolerance of a Tolerance unit: relative and
// absolute.
func tolerance(unit string) (rel, abs float64) {
	switch unit {
	case "B/op":
		return RelTolBytes, AbsTolBytes
	case "test-acc", "test-loss":
		return RelTolAccuracy, 0
	}
	return RelTolRecovery, 0
}

// Verdict classifies a row.
type Verdict string

// The verdicts. Regression and Changed fail the gate; Insufficient fails
// it too (the budget or an interruption left a timing row too few samples
// to judge).
const (
	Regression   Verdict = "regression"
	Improvement  Verdict = "improvement"
	NoChange     Verdict = "no change"
	Changed      Verdict = "changed"  // an exact or tolerance metric differs
	Accepted     Verdict = "accepted" // ... and the accept file says so
	Insufficient Verdict = "insufficient samples"
	Reported     Verdict = "reported" // an info metric
	New          Verdict = "new"      // the base lacks the case
)

// Stat summarizes one side's samples of a metric: the median (for
// allocs/op the smallest sample rounded, for B/op the smallest sample, see
// the package comment), the smallest and largest sample and their number.
type Stat struct {
	Center, Min, Max float64
	N                int
	// Samples are the values in the order the rounds gave them (a copy).
	Samples []float64
}

// Row is one (benchmark, unit) of the suite.
type Row struct {
	Benchmark string // the name without "Benchmark" and -GOMAXPROCS
	Unit      string // tidied: sec/op, not ns/op
	Kind      Kind
	Base      Stat // N = 0 for a new case
	Head      Stat
	// Ratio is Head.Center / Base.Center (NaN for a new case, 1 when both
	// are 0).
	Ratio float64
	// P is the U test's p-value and Limit its Holm limit (timing rows
	// with samples on both sides; NaN otherwise).
	P, Limit float64
	Verdict  Verdict
}

// Samples are a binary's results: benchmark -> tidied unit -> values.
type Samples map[string]map[string][]float64

// add appends the values of one result.
func (s Samples) add(name, unit string, v float64) {
	if s[name] == nil {
		s[name] = map[string][]float64{}
	}
	s[name][unit] = append(s[name][unit], v)
}

// MinSamples returns the smallest n for which n base and n head samples
// can give the U test a p-value below alpha/k (Holm's smallest limit over
// k timing rows): all 2n samples separated give p = 2 / C(2n, n), the
// smallest a two-sided test of n + n can reach. It returns 0 for k = 0.
func MinSamples(k int, alpha float64) int {
	if k == 0 {
		return 0
	}
	for n := 1; ; n++ {
		if 2/binom(2*n, n) < alpha/float64(k) {
			return n
		}
	}
}

// binom is the binomial coefficient C(n, k) as a float64.
func binom(n, k int) float64 {
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-k+i) / float64(i)
	}
	return c
}

// JudgeOptions are the gate's statistical settings.
type JudgeOptions struct {
	// Alpha is the family-wise false-alarm rate of the timing rows (Holm).
	Alpha float64
	// Threshold is the relative change of the medians a significant
	// timing change must exceed to count (0.05 = 5%).
	Threshold float64
	// MinSamples is the fewest samples per side a timing row needs to be
	// judged; fewer is Insufficient. 0 means MinSamples(k, Alpha).
	MinSamples int
}

// Judge compares base and head on the head's suite (names in order; those
// absent from base are new) and returns the rows: each case's metrics in
// sorted unit order, cases in suite order. accept may be nil. It does not
// modify its inputs.
func Judge(names []string, base, head Samples, o JudgeOptions, accept Accept) []Row {
	var rows []Row
	var timing []int
	for _, name := range names {
		hm := head[name]
		bm, old := base[name]
		units := make([]string, 0, len(hm))
		for u := range hm {
			units = append(units, u)
		}
		sort.Strings(units)
		for _, u := range units {
			r := Row{Benchmark: name, Unit: u, Kind: kindOf(u), P: math.NaN(), Limit: math.NaN(), Ratio: math.NaN()}
			r.Head = stat(u, hm[u])
			if !old || len(bm[u]) == 0 {
				r.Verdict = New
				rows = append(rows, r)
				continue
			}
			r.Base = stat(u, bm[u])
			r.Ratio = ratio(r.Base.Center, r.Head.Center)
			switch r.Kind {
			case Timing:
				c := benchmath.AssumeNothing.Compare(benchmath.NewSample(bm[u], &benchmath.DefaultThresholds),
					benchmath.NewSample(hm[u], &benchmath.DefaultThresholds))
				r.P = c.P
				timing = append(timing, len(rows))
			case Exact, Tolerance:
				r.Verdict = NoChange
				if !agree(u, r.Kind, r.Base.Center, r.Head.Center) {
					r.Verdict = Changed
				}
			case Memory:
				r.Verdict = NoChange
				if r.Ratio > 1+RelTolRSS {
					r.Verdict = Regression
				} else if r.Ratio < 1-RelTolRSS {
					r.Verdict = Improvement
				}
			default:
				r.Verdict = Reported
			}
			if r.Verdict == Changed && accept.Accepts(name, u, r.Head.Center, r.Kind) {
				r.Verdict = Accepted
			}
			rows = append(rows, r)
		}
	}
	holm(rows, timing, o)
	return rows
}

// holm sets the limits and verdicts of the timing rows at idx.
func holm(rows []Row, idx []int, o JudgeOptions) {
	k := len(idx)
	nMin := o.MinSamples
	if nMin == 0 {
		nMin = MinSamples(k, o.Alpha)
	}
	order := slices.Clone(idx)
	sort.SliceStable(order, func(a, b int) bool { return rows[order[a]].P < rows[order[b]].P })
	stillSig := true
	for i, j := range order {
		r := &rows[j]
		r.Limit = o.Alpha / float64(k-i)
		sig := stillSig && r.P < r.Limit
		stillSig = sig
		switch {
		case min(r.Base.N, r.Head.N) < nMin:
			r.Verdict = Insufficient
		case sig && r.Ratio > 1+o.Threshold:
			r.Verdict = Regression
		case sig && r.Ratio < 1-o.Threshold:
			r.Verdict = Improvement
		default:
			r.Verdict = NoChange
		}
	}
}

func stat(unit string, x []float64) Stat {
	s := slices.Sorted(slices.Values(x))
	st := Stat{Min: s[0], Max: s[len(s)-1], N: len(s), Samples: slices.Clone(x)}
	switch unit {
	case "allocs/op":
		st.Center = math.Round(st.Min)
		return st
	case "B/op":
		st.Center = st.Min
		return st
	}
	if len(s)%2 == 1 {
		st.Center = s[len(s)/2]
	} else {
		st.Center = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return st
}

func ratio(b, h float64) float64 {
	if b == h {
		return 1
	}
	return h / b
}

// agree reports whether h is the same value as b for a row of unit and
// kind k: within RelTolExact for an Exact row, within the unit's
// tolerance (tolerance) for a Tolerance row. Judge compares base and head
// with it, and an accept line matches the head's value with it.
func agree(unit string, k Kind, b, h float64) bool {
	if k == Tolerance {
		rel, abs := tolerance(unit)
		return math.Abs(h-b) <= rel*math.Abs(b)+abs
	}
	return within(b, h, RelTolExact)
}

// within reports |h - b| <= tol |b| (h == b when b is 0).
func within(b, h, tol float64) bool {
	return math.Abs(h-b) <= tol*math.Abs(b)
}

// Failed reports whether any row fails the gate.
func Failed(rows []Row) bool {
	for _, r := range rows {
		switch r.Verdict {
		case Regression, Changed, Insufficient:
			return true
		}
	}
	return false
}
