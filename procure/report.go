package procure

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/lowdim/lowdim/atomicfile"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/machine"
)

// Kind is the "kind" of every report file: what ReadFile checks first.
const Kind = "lowdim-machine-report"

// Categories of benchmarks. Training, TimeToQuality, Inference and
// Memory are the buyer's categories that Compare takes geometric means
// over; Calibration describes the machine; Energy holds the energy of
// each time-to-quality run.
const (
	Calibration   = "calibration"
	Training      = "training"
	TimeToQuality = "time-to-quality"
	Inference     = "inference"
	Memory        = "memory"
	Energy        = "energy"
)

// Categories lists the categories in report order.
var Categories = []string{Training, TimeToQuality, Inference, Memory, Energy, Calibration}

// Report is one machine's report: what `lowdim machine run` writes.
// Absent figures are null in JSON, never 0.
type Report struct {
	Kind string `json:"kind"`
	// Suite and SuiteVersion name the suite that ran (SuiteName and
	// SuiteVersion for the standard suite); Compare refuses reports of
	// different suites or versions. Quick says whether it was the quick
	// variant (fewer sizes and repetitions: the same benchmarks where both
	// ran).
	Suite        string `json:"suite"`
	SuiteVersion int    `json:"suite_version"`
	Quick        bool   `json:"quick"`
	// Date is when the suite finished (RFC 3339, UTC); Seconds its wall
	// time.
	Date    string  `json:"date"`
	Seconds float64 `json:"seconds"`
	// Machine is the fingerprint of the machine and binary.
	Machine machine.Fingerprint `json:"machine"`
	// LoadAverage holds /proc/loadavg's 1-minute figure at the start and
	// at the end; null where unknown.
	LoadStart *float64 `json:"load_average_start"`
	LoadEnd   *float64 `json:"load_average_end"`
	// EnergySource says where the energy figures come from ("rapl" or the
	// model's description), EnergyMeasured whether they are measured;
	// EnergyWhy why RAPL is not used ("" when it is).
	EnergySource   string `json:"energy_source"`
	EnergyMeasured bool   `json:"energy_measured"`
	EnergyWhy      string `json:"energy_why,omitempty"`
	// PeakRSSBytes is the process's peak resident set size over the whole
	// suite (the largest VmHWM read: it is reset before each
	// time-to-quality run); null where unknown.
	PeakRSSBytes *uint64 `json:"peak_rss_bytes"`
	// Benchmarks holds every figure of the suite in order, those it could
	// not measure included (with Absent set).
	Benchmarks []Benchmark `json:"benchmarks"`
}

// Benchmark is one figure of the suite and the samples it is summarised
// from.
type Benchmark struct {
	// Name identifies the benchmark across machines, in benchstat's
	// key=value form: "step/workload=mf/method=compressed/d=256".
	Name     string `json:"name"`
	Category string `json:"category"`
	// Unit is "s", "J", "bytes", "GFLOP/s" or "GB/s"; HigherIsBetter
	// says which way is better.
	Unit           string `json:"unit"`
	HigherIsBetter bool   `json:"higher_is_better"`
	// Samples are the measured values in measurement order; empty when
	// absent.
	Samples []float64 `json:"samples"`
	// Median is the samples' median; Lo and Hi its 95% confidence interval
	// (benchmath.AssumeNothing: order statistics, distribution-free),
	// null when there are too few samples for one (fewer than 6).
	Median *float64 `json:"median"`
	Lo     *float64 `json:"ci95_lo"`
	Hi     *float64 `json:"ci95_hi"`
	// P99 is the 0.99 quantile of the samples, for latencies; null
	// otherwise.
	P99 *float64 `json:"p99,omitempty"`
	// CPUSamples are, for a timed figure, the process's CPU time (user
	// plus system, every thread: getrusage(RUSAGE_SELF)) of each sample,
	// in the samples' unit and order: the wall time's companion, far less
	// sensitive to other processes' load (see Stability in the package
	// comment). CPUMedian is their median. Absent (null) for figures that
	// are not timed here (calibration rates, latencies, energy, memory).
	CPUSamples []float64 `json:"cpu_samples,omitempty"`
	CPUMedian  *float64  `json:"cpu_median,omitempty"`
	// LoadAverage is the mean of the 1-minute load average read before
	// each sample (our own threads included); OthersCPU the fraction of
	// the machine's CPU time (every core, /proc/stat) that went to other
	// processes or was stolen by the hypervisor while the samples ran:
	// the busy ticks less this process's CPU time, over all ticks. Null
	// where unknown.
	LoadAverage *float64 `json:"load_average,omitempty"`
	OthersCPU   *float64 `json:"others_cpu,omitempty"`
	// Wait is the time this process's threads spent runnable but waiting
	// for a CPU (the scheduler's run delay, /proc/self/task/*/schedstat)
	// per second of CPU time they got, over the samples: 0 on a machine
	// to itself; 0.25 means a quarter more time waiting than running,
	// which stretches a single-threaded wall time by up to a quarter.
	// Null where unknown. Compare calls a benchmark loaded above
	// LoadedWait.
	Wait *float64 `json:"wait,omitempty"`
	// Measured is false for a modelled figure (energy from the CPU-time
	// model); true for everything timed or counted.
	Measured bool `json:"measured"`
	// Absent, when not empty, says why the benchmark has no samples.
	Absent string `json:"absent,omitempty"`
}

// Confidence is the level of every interval in a report.
const Confidence = 0.95

// summarize sets b's Median, Lo and Hi from its samples.
func (b *Benchmark) summarize() {
	b.Median, b.Lo, b.Hi = nil, nil, nil
	if len(b.Samples) == 0 {
		return
	}
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(b.Samples, &benchmath.DefaultThresholds), Confidence)
	b.Median = ptr(s.Center)
	if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
		b.Lo, b.Hi = ptr(s.Lo), ptr(s.Hi)
	}
	b.CPUMedian = median(b.CPUSamples)
}

func ptr[T any](v T) *T { return &v }

// Lookup returns the benchmark named name and whether there is one.
func (r *Report) Lookup(name string) (Benchmark, bool) {
	for _, b := range r.Benchmarks {
		if b.Name == name {
			return b, true
		}
	}
	return Benchmark{}, false
}

// WriteFile writes r as indented JSON to path atomically.
func (r *Report) WriteFile(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("procure: %w", err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'))
}

// ReadFile reads a report from path. Its errors name the file and are
// input errors (config.Input): a missing file, a file that is not JSON or
// not a report (no "kind": "lowdim-machine-report"), a report without a
// suite version, a machine without cores or GOMAXPROCS, no benchmarks, a
// load figure (load_average_start or _end, a benchmark's load_average,
// others_cpu or wait) negative or not finite, a benchmark of
// an unknown category, or whose unit or direction is not its category's
// (categoryUnits), or whose samples are not finite.
func ReadFile(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, config.Input(fmt.Errorf("%s: no such file", path))
	}
	if err != nil {
		return nil, config.Input(err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, config.Input(fmt.Errorf("%s: not a machine report (lowdim machine run --out): %v", path, err))
	}
	if r.Kind != Kind {
		return nil, config.Input(fmt.Errorf("%s: not a machine report (kind %q, want %q; lowdim machine run --out writes one)", path, r.Kind, Kind))
	}
	if r.SuiteVersion < 1 || r.Suite == "" {
		return nil, config.Input(fmt.Errorf("%s: malformed machine report: suite %q version %d", path, r.Suite, r.SuiteVersion))
	}
	if r.Machine.Cores < 1 || r.Machine.GOMAXPROCS < 1 {
		return nil, config.Input(fmt.Errorf("%s: malformed machine report: machine with %d cores and GOMAXPROCS %d (each at least 1)", path, r.Machine.Cores, r.Machine.GOMAXPROCS))
	}
	if len(r.Benchmarks) == 0 {
		return nil, config.Input(fmt.Errorf("%s: malformed machine report: no benchmarks (lowdim machine run writes every figure of its suite, absent ones included)", path))
	}
	for _, l := range []struct {
		field string
		v     *float64
	}{{"load_average_start", r.LoadStart}, {"load_average_end", r.LoadEnd}} {
		if err := checkLoadFigure(l.field, l.v); err != nil {
			return nil, config.Input(fmt.Errorf("%s: malformed machine report: %v", path, err))
		}
	}
	seen := map[string]bool{}
	for _, b := range r.Benchmarks {
		for _, l := range []struct {
			field string
			v     *float64
		}{{"load_average", b.LoadAverage}, {"others_cpu", b.OthersCPU}, {"wait", b.Wait}} {
			if err := checkLoadFigure(l.field, l.v); err != nil {
				return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q: %v", path, b.Name, err))
			}
		}
		if seen[b.Name] {
			return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q twice", path, b.Name))
		}
		seen[b.Name] = true
		if err := checkUnit(b); err != nil {
			return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q: %v", path, b.Name, err))
		}
		// Every figure of the suite (seconds, joules, bytes, GFLOP/s,
		// GB/s) is positive when measured: a 0 would make a speedup 0 or
		// infinite.
		for _, v := range b.Samples {
			if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q has sample %v (a measured %s is positive and finite)", path, b.Name, v, b.Unit))
			}
		}
		for _, v := range b.CPUSamples {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q has CPU sample %v (want finite, not negative)", path, b.Name, v))
			}
		}
		switch {
		case len(b.CPUSamples) > 0 && len(b.CPUSamples) != len(b.Samples):
			return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q has %d samples and %d CPU samples", path, b.Name, len(b.Samples), len(b.CPUSamples)))
		case len(b.Samples) == 0 && b.Absent == "":
			return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q has no samples and no reason for their absence", path, b.Name))
		case len(b.Samples) > 0 && b.Absent != "":
			return nil, config.Input(fmt.Errorf("%s: malformed machine report: benchmark %q has samples and is marked absent (%q)", path, b.Name, b.Absent))
		}
	}
	return &r, nil
}

// checkLoadFigure returns an error naming field when v, a load average,
// a fraction of CPU time or a wait per CPU second, is negative or not
// finite (nil, unknown, is fine).
func checkLoadFigure(field string, v *float64) error {
	if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0) {
		return fmt.Errorf("%s %v (want a finite figure, not negative, or null where unknown)", field, *v)
	}
	return nil
}

// categoryUnits holds, per category, the units its figures are given in
// and whether higher is better: what `lowdim machine run` writes. A
// report edited to another unit or direction would compare figures that
// do not mean what their rows say, so ReadFile refuses it.
var categoryUnits = map[string]struct {
	units          []string
	higherIsBetter bool
}{
	Training:      {[]string{"s"}, false},
	TimeToQuality: {[]string{"s"}, false},
	Inference:     {[]string{"s"}, false},
	Memory:        {[]string{"bytes"}, false},
	Energy:        {[]string{"J"}, false},
	Calibration:   {[]string{"GFLOP/s", "GB/s"}, true},
}

// checkUnit returns an error when b's category is unknown or its unit or
// direction is not its category's.
func checkUnit(b Benchmark) error {
	u, ok := categoryUnits[b.Category]
	switch {
	case !ok:
		return fmt.Errorf("unknown category %q (want one of %v)", b.Category, Categories)
	case !slices.Contains(u.units, b.Unit):
		return fmt.Errorf("unit %q in category %s (want %s)", b.Unit, b.Category, strings.Join(u.units, " or "))
	case b.HigherIsBetter != u.higherIsBetter:
		return fmt.Errorf("higher_is_better %v in category %s (want %v)", b.HigherIsBetter, b.Category, u.higherIsBetter)
	}
	return nil
}
