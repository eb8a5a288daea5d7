package procure

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/lowdim/lowdim/config"
)

// Input is one report to compare, under the name prices and watts refer
// to it by.
type Input struct {
	Name   string
	Path   string
	Report *Report
}

// CompareOptions say what Compare knows besides the reports. The zero
// value means no prices, no given power and the default resampling.
type CompareOptions struct {
	// Price is the cost of each machine in USD per hour, by name; Watts
	// its power draw under load in W, by name (used for a machine whose
	// energy is not measured: a measured figure wins over a given one).
	Price map[string]float64
	Watts map[string]float64
	// Resamples is the number of bootstrap resamples of each interval
	// (default 1000); Seed the seed of their random source (default 1).
	Resamples int
	Seed      uint64
}

// Comparison is what Compare finds; see the field comments. The first
// machine is the reference every ratio is taken against.
type Comparison struct {
	Suite        string        `json:"suite"`
	SuiteVersion int           `json:"suite_version"`
	Confidence   float64       `json:"confidence"`
	Resamples    int           `json:"resamples"`
	Machines     []MachineLine `json:"machines"`
	Warnings     []string      `json:"warnings"`
	// Rows holds, per benchmark and machine other than the reference,
	// the speedup over the reference and its interval.
	Rows []Row `json:"rows"`
	// Geomeans holds, per category and machine other than the
	// reference, the geometric mean of the category's speedups.
	Geomeans []Geomean `json:"geomeans"`
	Answers  []Answer  `json:"answers"`
}

// MachineLine describes one report: the machine and the run's totals.
type MachineLine struct {
	Name         string   `json:"name"`
	Path         string   `json:"path"`
	CPU          string   `json:"cpu"`
	Cores        int      `json:"cores"`
	GOMAXPROCS   int      `json:"gomaxprocs"`
	BLAS         string   `json:"blas"`
	BLASDetail   string   `json:"blas_detail"`
	Go           string   `json:"go"`
	Kernel       string   `json:"kernel"`
	Version      string   `json:"lowdim_version"`
	Quick        bool     `json:"quick"`
	Date         string   `json:"date"`
	LoadStart    *float64 `json:"load_average_start"`
	LoadEnd      *float64 `json:"load_average_end"`
	EnergySource string   `json:"energy_source"`
	Measured     bool     `json:"energy_measured"`
	// TTQSeconds is the sum of the medians of the time-to-quality
	// benchmarks every report has: the time of one training run of each;
	// null when there is none in common.
	TTQSeconds *float64 `json:"ttq_seconds"`
	// USDPerHour and Watts are the given price and power (null when not
	// given); CostUSD is TTQSeconds at USDPerHour.
	USDPerHour *float64 `json:"usd_per_hour"`
	Watts      *float64 `json:"watts"`
	CostUSD    *float64 `json:"cost_usd"`
	// EnergyJ is the energy of the same runs: the sum of the measured
	// energy medians when the report measured them, else Watts x
	// TTQSeconds when a power is given; null otherwise (a modelled energy
	// only restates time and is never compared). EnergyBasis says which.
	EnergyJ     *float64 `json:"energy_j"`
	EnergyBasis string   `json:"energy_basis"`
}

// Row is one benchmark of one machine against the reference.
type Row struct {
	Benchmark string `json:"benchmark"`
	Category  string `json:"category"`
	Unit      string `json:"unit"`
	Machine   string `json:"machine"`
	// Reference and Value are the medians of the reference and the
	// machine; null when absent.
	Reference *float64 `json:"reference"`
	Value     *float64 `json:"value"`
	// Speedup is how many times better the machine is than the
	// reference (reference / value for a time, value / reference for a
	// rate), with its bootstrap interval Lo, Hi (percentile, Confidence);
	// null when either is absent, with Note saying why.
	Speedup *float64 `json:"speedup"`
	Lo      *float64 `json:"lo"`
	Hi      *float64 `json:"hi"`
	// ReferenceCPU and ValueCPU are the medians of the process CPU time
	// beside the wall times (null for figures without one): shown, not
	// compared. The speedup is of wall time, what a buyer waits for; the
	// CPU time says whether a wall time was stretched by other processes.
	ReferenceCPU *float64 `json:"reference_cpu"`
	ValueCPU     *float64 `json:"value_cpu"`
	Note         string   `json:"note,omitempty"`
}

// LoadedWait is the run delay per CPU second (Benchmark.Wait) above which
// Compare calls a benchmark loaded, in its row's note and in a warning:
// its threads waited for a CPU, held by other processes, more than a
// tenth of the time they ran. (Other processes' share of the machine,
// OthersCPU, is no such sign: on a machine the suite leaves a core idle
// they take it without delaying anything.)
const LoadedWait = 0.1

// Geomean is the geometric mean of a category's speedups for one machine,
// with its bootstrap interval (all the category's benchmarks resampled
// together).
type Geomean struct {
	Category   string   `json:"category"`
	Machine    string   `json:"machine"`
	Benchmarks int      `json:"benchmarks"`
	Speedup    *float64 `json:"speedup"`
	Lo         *float64 `json:"lo"`
	Hi         *float64 `json:"hi"`
}

// Answer is the answer to one buyer's question; Machine is empty when the
// reports cannot answer it, and Text says why.
type Answer struct {
	Question string `json:"question"`
	Machine  string `json:"machine"`
	Text     string `json:"text"`
}

// BuyerCategories are the categories whose geometric means Compare
// reports for the buyer.
var BuyerCategories = []string{Training, TimeToQuality, Inference, Memory, Energy}

// Compare compares the reports, the first being the reference. It returns
// an input error naming the files when the reports are of different
// suites or suite versions, when fewer than two are given, when two share
// a name, or when a price or power names no report or is not a positive
// finite number, or when the samples are so large or small that a median,
// a speedup, an interval, a geometric mean or a total is not a positive
// finite number (naming the files and the benchmark).
func Compare(in []Input, o CompareOptions) (*Comparison, error) {
	if len(in) < 2 {
		return nil, config.Input(fmt.Errorf("%d report(s), want at least 2", len(in)))
	}
	names := map[string]bool{}
	for _, x := range in {
		if names[x.Name] {
			return nil, config.Input(fmt.Errorf("two reports named %q (the name is the file's base name: copy one under another name to compare a report with itself)", x.Name))
		}
		names[x.Name] = true
		if x.Report.Suite != in[0].Report.Suite || x.Report.SuiteVersion != in[0].Report.SuiteVersion {
			return nil, config.Input(fmt.Errorf("%s is suite %s version %d, %s is suite %s version %d: reports of different suites are not comparable",
				in[0].Path, in[0].Report.Suite, in[0].Report.SuiteVersion, x.Path, x.Report.Suite, x.Report.SuiteVersion))
		}
	}
	for flag, m := range map[string]map[string]float64{"price": o.Price, "watts": o.Watts} {
		for k, v := range m {
			if !names[k] {
				return nil, config.Input(fmt.Errorf("invalid --%s %s=%v: no report named %q (names: %s)", flag, k, v, k, strings.Join(slices.Sorted(maps.Keys(names)), ", ")))
			}
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, config.Input(fmt.Errorf("invalid --%s %s=%v: want a positive number", flag, k, v))
			}
		}
	}
	if o.Resamples <= 0 {
		o.Resamples = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	c := &Comparison{Suite: in[0].Report.Suite, SuiteVersion: in[0].Report.SuiteVersion, Confidence: Confidence, Resamples: o.Resamples}
	c.warn(in)
	ref := in[0].Report
	rng := rand.New(rand.NewPCG(o.Seed, 2))
	for _, x := range in[1:] {
		boots := map[string][][]float64{} // category -> per row bootstrap log-speedups
		logs := map[string][]float64{}    // category -> per row log-speedup
		for _, rb := range ref.Benchmarks {
			xb, ok := x.Report.Lookup(rb.Name)
			row := Row{Benchmark: rb.Name, Category: rb.Category, Unit: rb.Unit, Machine: x.Name,
				Reference: median(rb.Samples), Value: median(xb.Samples),
				ReferenceCPU: median(rb.CPUSamples), ValueCPU: median(xb.CPUSamples)}
			switch {
			case !ok:
				row.Note = "not in " + x.Path
			case rb.Absent != "" || len(rb.Samples) == 0:
				row.Note = in[0].Name + ": absent: " + rb.Absent
			case xb.Absent != "" || len(xb.Samples) == 0:
				row.Note = x.Name + ": absent: " + xb.Absent
			case rb.Category == Energy && !(rb.Measured && xb.Measured):
				row.Note = "modelled energy (it restates time): not compared"
			default:
				s := speedup(*row.Reference, *row.Value, rb.HigherIsBetter)
				row.Speedup = &s
				logs[rb.Category] = append(logs[rb.Category], math.Log(s))
				bs := bootstrap(rng, rb.Samples, xb.Samples, rb.HigherIsBetter, o.Resamples)
				row.Lo, row.Hi = interval(bs)
				for i := range bs {
					bs[i] = math.Log(bs[i])
				}
				boots[rb.Category] = append(boots[rb.Category], bs)
			}
			var loaded []string
			for _, z := range []struct {
				name string
				b    Benchmark
			}{{in[0].Name, rb}, {x.Name, xb}} {
				if z.b.Wait != nil && *z.b.Wait > LoadedWait {
					loaded = append(loaded, fmt.Sprintf("%s %.2f s", z.name, *z.b.Wait))
				}
			}
			if len(loaded) > 0 {
				row.Note = strings.TrimPrefix(row.Note+"; loaded: waited for a CPU per CPU second: "+strings.Join(loaded, ", ")+" (compare the CPU times)", "; ")
			}
			c.Rows = append(c.Rows, row)
		}
		for _, cat := range Categories {
			g := Geomean{Category: cat, Machine: x.Name, Benchmarks: len(boots[cat])}
			if g.Benchmarks > 0 {
				g.Speedup = ptr(math.Exp(stat.Mean(logs[cat], nil)))
				gs := make([]float64, o.Resamples)
				for i := range gs {
					var sum float64
					for _, bs := range boots[cat] {
						sum += bs[i]
					}
					gs[i] = math.Exp(sum / float64(len(boots[cat])))
				}
				g.Lo, g.Hi = interval(gs)
			}
			c.Geomeans = append(c.Geomeans, g)
		}
	}
	c.totals(in, o)
	if err := c.checkFinite(in); err != nil {
		return nil, err
	}
	c.answer(in)
	return c, nil
}

// checkFinite returns an input error naming the report files and the
// benchmark when a figure of c is not a positive finite number: samples
// near the ends of the float64 range (1e308 s, or 1e-300 s against 1 s)
// make a median, a ratio or a sum overflow to +Inf or underflow to 0,
// which no output format can state.
func (c *Comparison) checkFinite(in []Input) error {
	paths := map[string]string{}
	for _, x := range in {
		paths[x.Name] = x.Path
	}
	bad := func(v *float64) bool { return v != nil && !(*v > 0 && !math.IsInf(*v, 0)) }
	for _, r := range c.Rows {
		for _, f := range []struct {
			what string
			v    *float64
		}{{"reference median", r.Reference}, {"median", r.Value}, {"speedup", r.Speedup}, {"interval low end", r.Lo}, {"interval high end", r.Hi},
			{"reference CPU median", r.ReferenceCPU}, {"CPU median", r.ValueCPU}} {
			if bad(f.v) {
				return config.Input(fmt.Errorf("%s against %s: benchmark %q: the %s is %v, not a positive finite number: its samples are too large or too small to compare",
					paths[r.Machine], in[0].Path, r.Benchmark, f.what, *f.v))
			}
		}
	}
	for _, g := range c.Geomeans {
		for _, v := range []*float64{g.Speedup, g.Lo, g.Hi} {
			if bad(v) {
				return config.Input(fmt.Errorf("%s against %s: the geometric mean of the %s speedups (or its interval) is %v, not a positive finite number: samples too large or too small to compare",
					paths[g.Machine], in[0].Path, g.Category, *v))
			}
		}
	}
	for _, l := range c.Machines {
		for _, f := range []struct {
			what string
			v    *float64
		}{{"time of one run of each time-to-quality benchmark", l.TTQSeconds}, {"cost", l.CostUSD}, {"energy", l.EnergyJ}} {
			if bad(f.v) {
				return config.Input(fmt.Errorf("%s: the %s is %v, not a positive finite number: its time-to-quality samples (or the given price or power) are too large or too small",
					l.Path, f.what, *f.v))
			}
		}
	}
	return nil
}

// speedup is how many times better x is than ref.
func speedup(ref, x float64, higher bool) float64 {
	if higher {
		return x / ref
	}
	return ref / x
}

// median returns the median of v (nil when empty).
func median(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return ptr(medianSorted(s))
}

func medianSorted(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// bootstrap returns n resampled speedups of the medians of x over ref,
// each sample resampled with replacement.
func bootstrap(rng *rand.Rand, ref, x []float64, higher bool, n int) []float64 {
	out := make([]float64, n)
	a, b := make([]float64, len(ref)), make([]float64, len(x))
	for i := range out {
		for j := range a {
			a[j] = ref[rng.IntN(len(ref))]
		}
		for j := range b {
			b[j] = x[rng.IntN(len(x))]
		}
		slices.Sort(a)
		slices.Sort(b)
		out[i] = speedup(medianSorted(a), medianSorted(b), higher)
	}
	return out
}

// interval returns the (1 - Confidence)/2 and (1 + Confidence)/2
// empirical quantiles of v (the percentile bootstrap interval).
func interval(v []float64) (lo, hi *float64) {
	s := slices.Clone(v)
	slices.Sort(s)
	return ptr(stat.Quantile((1-Confidence)/2, stat.Empirical, s, nil)), ptr(stat.Quantile((1+Confidence)/2, stat.Empirical, s, nil))
}

// warn notes what makes the reports less comparable.
func (c *Comparison) warn(in []Input) {
	ref := in[0]
	for _, x := range in[1:] {
		m0, m := ref.Report.Machine, x.Report.Machine
		if m.BLAS != m0.BLAS {
			c.Warnings = append(c.Warnings, fmt.Sprintf("different BLAS backends: %s ran %s, %s ran %s", ref.Name, m0.BLAS, x.Name, m.BLAS))
		}
		if m.GOMAXPROCS != m0.GOMAXPROCS {
			c.Warnings = append(c.Warnings, fmt.Sprintf("different GOMAXPROCS: %s ran %d, %s ran %d", ref.Name, m0.GOMAXPROCS, x.Name, m.GOMAXPROCS))
		}
		if x.Report.Quick != ref.Report.Quick {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s ran the quick suite and %s the full one: only the benchmarks both ran are compared", pick(ref.Report.Quick, ref.Name, x.Name), pick(ref.Report.Quick, x.Name, ref.Name)))
		}
	}
	for _, x := range in {
		if l := x.Report.LoadStart; l != nil && x.Report.Machine.Cores > 0 && *l > float64(x.Report.Machine.Cores) {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s was loaded by other work: load average %.1f on %d cores when it started", x.Name, *l, x.Report.Machine.Cores))
		}
		var n, loaded int
		worst := 0.0
		for _, b := range x.Report.Benchmarks {
			if b.Wait == nil {
				continue
			}
			n++
			if *b.Wait > LoadedWait {
				loaded++
			}
			worst = math.Max(worst, *b.Wait)
		}
		if loaded > 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s was made on a loaded machine: in %d of its %d timed benchmarks its threads waited for a CPU more than %.2f s per CPU second they ran (up to %.2f s): their wall times are stretched by other processes, the CPU times beside them much less",
				x.Name, loaded, n, LoadedWait, worst))
		}
		if !x.Report.EnergyMeasured {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s's energy is modelled (%s), not measured: it is not compared across machines", x.Name, x.Report.EnergySource))
		}
	}
}

func pick(b bool, x, y string) string {
	if b {
		return x
	}
	return y
}

// totals fills the machine lines: the description, the time of one run of
// each time-to-quality benchmark, its cost and its energy.
func (c *Comparison) totals(in []Input, o CompareOptions) {
	var common []string
	for _, b := range in[0].Report.Benchmarks {
		if b.Category != TimeToQuality {
			continue
		}
		all := true
		for _, x := range in {
			xb, ok := x.Report.Lookup(b.Name)
			all = all && ok && len(xb.Samples) > 0 && xb.Absent == ""
		}
		if all {
			common = append(common, b.Name)
		}
	}
	for _, x := range in {
		m := x.Report.Machine
		l := MachineLine{Name: x.Name, Path: x.Path, CPU: m.CPUModel, Cores: m.Cores, GOMAXPROCS: m.GOMAXPROCS,
			BLAS: m.BLAS, BLASDetail: m.BLASDetail, Go: m.GoVersion, Kernel: m.KernelRelease, Version: m.Version,
			Quick: x.Report.Quick, Date: x.Report.Date, LoadStart: x.Report.LoadStart, LoadEnd: x.Report.LoadEnd,
			EnergySource: x.Report.EnergySource, Measured: x.Report.EnergyMeasured}
		if p, ok := o.Price[x.Name]; ok {
			l.USDPerHour = ptr(p)
		}
		if w, ok := o.Watts[x.Name]; ok {
			l.Watts = ptr(w)
		}
		if len(common) > 0 {
			var sec, joules float64
			measured := x.Report.EnergyMeasured
			for _, name := range common {
				b, _ := x.Report.Lookup(name)
				sec += *median(b.Samples)
				e, ok := x.Report.Lookup(strings.Replace(name, "time-to-quality/", "energy/", 1))
				if ok && e.Measured && len(e.Samples) > 0 {
					joules += *median(e.Samples)
				} else {
					measured = false
				}
			}
			l.TTQSeconds = ptr(sec)
			if l.USDPerHour != nil {
				l.CostUSD = ptr(sec * *l.USDPerHour / 3600)
			}
			switch {
			case measured:
				l.EnergyJ, l.EnergyBasis = ptr(joules), "measured ("+x.Report.EnergySource+")"
			case l.Watts != nil:
				l.EnergyJ, l.EnergyBasis = ptr(sec**l.Watts), fmt.Sprintf("given power %g W x time", *l.Watts)
			default:
				l.EnergyBasis = "modelled only: not compared (give --watts " + x.Name + "=W)"
			}
		}
		c.Machines = append(c.Machines, l)
	}
}

// answer answers the buyer's questions.
func (c *Comparison) answer(in []Input) {
	ref := in[0].Name
	best := func(cat string) (string, *Geomean) {
		name, s := ref, 1.0
		var g *Geomean
		for i := range c.Geomeans {
			gm := &c.Geomeans[i]
			if gm.Category == cat && gm.Speedup != nil && *gm.Speedup > s {
				name, s, g = gm.Machine, *gm.Speedup, gm
			}
		}
		return name, g
	}
	anyGeo := func(cat string) bool {
		for _, g := range c.Geomeans {
			if g.Category == cat && g.Speedup != nil {
				return true
			}
		}
		return false
	}
	speedQ := func(q, cat, what string) Answer {
		if !anyGeo(cat) {
			return Answer{Question: q, Text: "not answered: no " + what + " benchmark measured on every machine"}
		}
		name, g := best(cat)
		if g == nil {
			var parts []string
			unclear := ""
			for _, gm := range c.Geomeans {
				if gm.Category == cat && gm.Speedup != nil {
					parts = append(parts, fmt.Sprintf("%s %s", gm.Machine, fmtSpeed(&gm)))
					if gm.Hi != nil && *gm.Hi >= 1 {
						unclear = "; an interval includes 1: not a clear difference"
					}
				}
			}
			return Answer{Question: q, Machine: ref, Text: fmt.Sprintf("%s (the reference): the others' %s speedups are below 1 (%s)%s", ref, what, strings.Join(parts, "; "), unclear)}
		}
		sure := ""
		if g.Lo != nil && *g.Lo <= 1 {
			sure = "; the interval includes 1: not a clear difference"
		}
		return Answer{Question: q, Machine: name, Text: fmt.Sprintf("%s: %s better %s than %s (geometric mean of %d benchmarks' speedups, %.0f%% interval)%s",
			name, fmtSpeed(g), what, ref, g.Benchmarks, 100*Confidence, sure)}
	}
	c.Answers = append(c.Answers, speedQ("fastest time to quality", TimeToQuality, "time to quality"))
	c.Answers = append(c.Answers, speedQ("fastest training step", Training, "training step time"))
	c.Answers = append(c.Answers, c.minQ("cheapest training run", "cost", "USD", func(l MachineLine) *float64 { return l.CostUSD },
		func(l MachineLine) string { return "no --price " + l.Name + "=USD_PER_HOUR" }))
	c.Answers = append(c.Answers, c.minQ("least energy per run", "energy", "J", func(l MachineLine) *float64 { return l.EnergyJ },
		func(l MachineLine) string { return l.Name + "'s " + l.EnergyBasis }))
	c.Answers = append(c.Answers, speedQ("lowest inference latency", Inference, "inference latency"))
}

// minQ answers a question whose answer is the machine with the least
// figure f, when every machine has it.
func (c *Comparison) minQ(q, what, unit string, f func(MachineLine) *float64, why func(MachineLine) string) Answer {
	var missing []string
	bestI := -1
	for i, l := range c.Machines {
		v := f(l)
		if v == nil && l.TTQSeconds == nil {
			// No time-to-quality benchmark common to the machines: the
			// figure has nothing to be summed over, whatever else is given.
			return Answer{Question: q, Text: "not answered: no time-to-quality benchmark measured on every machine"}
		}
		if v == nil {
			r := why(l)
			if r == "" {
				r = "no " + what + " figure for " + l.Name
			}
			missing = append(missing, r)
			continue
		}
		if bestI < 0 || *v < *f(c.Machines[bestI]) {
			bestI = i
		}
	}
	if len(missing) > 0 {
		return Answer{Question: q, Text: "not answered: " + strings.Join(missing, "; ")}
	}
	var parts []string
	for _, l := range c.Machines {
		parts = append(parts, fmt.Sprintf("%s %.4g %s", l.Name, *f(l), unit))
	}
	b := c.Machines[bestI]
	return Answer{Question: q, Machine: b.Name, Text: fmt.Sprintf("%s: one training run of each time-to-quality benchmark, %s per machine: %s",
		b.Name, what, strings.Join(parts, ", "))}
}

// fmtSpeed writes a speedup and its interval: "2.31x [2.10, 2.52] better than".
func fmtSpeed(g *Geomean) string {
	s := fmt.Sprintf("%.3gx", *g.Speedup)
	if g.Lo != nil {
		s += fmt.Sprintf(" [%.3g, %.3g]", *g.Lo, *g.Hi)
	}
	return s
}
