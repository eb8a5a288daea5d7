package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/lowdim/lowdim/bench"
	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/energy"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/machine"
)

const benchUsage = `Usage: lowdim bench [flags]

Runs lowdim's benchmark suite (Step: one training step of every workload x
method x step algorithm x size; Efficiency: the original MF step against the
BLAS backend's own dgemm in the same iterations; Train: the quick preset
trained to its budget; Infer: the end-to-end map on a batch) and writes the Go benchmark format, with the
machine's configuration lines and Unit lines, to --out or stdout. benchstat
and lowdim compare read it. The cases come from the registries of workloads
and methods; --tags selects them by tag (e.g. step,ci).

--load-instance DIR times the Step cases only, on the instance in DIR (as
lowdim run --load-instance reads it): its workload at its size, with
r_hat = 10 and the folder's initial weights where it holds them, so that
scripts/side-by-side.py and lowdim bench time the same problem.

Each result line is written to --out as its sample ends (as go test does):
--out is replaced when the suite starts and locked while it runs. SIGINT
or SIGTERM ends the sample under way at its next step (a Train case's next
training) and discards it; the file keeps every finished result and ends
with a comment line saying it was interrupted.

Exit status: 0 every benchmark ran, 2 usage error, 3 a benchmark failed or
the results could not be written, 130 or 143 interrupted by SIGINT or
SIGTERM.

Flags:
`

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lowdim bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	count := fs.Int("count", 5, "samples of each benchmark (interleaved)")
	benchtime := fs.String("benchtime", "1s", "target time of each sample, or Nx for N iterations")
	sizes := fs.String("sizes", "", "comma list of sizes d (default 64,256,1024)")
	filter := fs.String("filter", "", "regular expression: run only benchmarks whose name matches")
	quick := fs.Bool("quick", false, "sizes 64,256, 3 samples of 100ms: a few minutes")
	large := fs.Bool("large", false, "add the large sizes (2048)")
	out := fs.String("out", "", "output file (default stdout), replaced when the suite starts and written result by result")
	list := fs.Bool("list", false, "list the benchmark names and exit")
	cpuList := fs.String("cpu", "", "comma list of GOMAXPROCS values to run each benchmark at, as go test -cpu (default the current GOMAXPROCS)")
	methodList := fs.String("methods", "", "comma list of methods (default every default method)")
	tags := fs.String("tags", "", "comma list of tags a case must all have (step, train, infer, efficiency, ci, workload=mc, method=bm, ...)")
	loadInst := fs.String("load-instance", "", "time the Step cases on this instance folder (written by lowdim run --save-instance or np.save): its workload at its size, d from its target")
	watts := fs.Float64("watts-per-core", 0, "energy model when RAPL is unreadable: watts per busy core (absent: the energy package's default; 0 is refused)")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "lowdim bench: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := checkBenchFlags(fs, set); err != nil {
		return usageErr("%v", err)
	}
	o := bench.Options{Sizes: bench.DefaultSizes}
	if *quick {
		o.Sizes = bench.QuickSizes
		if !set["count"] {
			*count = 3
		}
		if !set["benchtime"] {
			*benchtime = "100ms"
		}
	}
	if set["sizes"] {
		var err error
		if o.Sizes, err = parseInts("sizes", *sizes, minBenchSize, maxStepSize, "size", "the compressed steps' largest size in issue 18"); err != nil {
			return usageErr("%v", err)
		}
	}
	if set["load-instance"] {
		for _, f := range []string{"sizes", "quick", "large"} {
			if set[f] {
				return usageErr("invalid --%s with --load-instance: the folder's target gives the size", f)
			}
		}
	}
	var cpus []int
	if set["cpu"] {
		var err error
		if cpus, err = parseInts("cpu", *cpuList, 1, maxProcs(), "GOMAXPROCS", maxProcsWhy()); err != nil {
			return usageErr("%v", err)
		}
	}
	if *large {
		for _, n := range bench.LargeSizes {
			if slices.Contains(o.Sizes, n) {
				return usageErr("invalid --sizes %s: size %d is also --large's", *sizes, n)
			}
		}
		o.Sizes = append(append([]int{}, o.Sizes...), bench.LargeSizes...)
	}
	if *count < 1 || *count > maxBenchCount {
		return usageErr("invalid --count %d: must be in 1..%d", *count, maxBenchCount)
	}
	if set["watts-per-core"] && *watts == 0 { // 0 is the default only when the flag is absent
		return usageErr("invalid --watts-per-core 0: give a positive number of watts, or leave the flag out for the energy package's default")
	}
	if err := (energy.Model{WattsPerCore: *watts}).Validate(); err != nil {
		return usageErr("invalid --watts-per-core %g: %v", *watts, err)
	}
	var re *regexp.Regexp
	if *filter != "" {
		var err error
		if re, err = regexp.Compile(*filter); err != nil {
			return usageErr("invalid --filter %q: %v", *filter, err)
		}
	}
	if set["tags"] {
		var err error
		if o.Tags, err = parseList("tags", *tags); err != nil {
			return usageErr("%v", err)
		}
		// Every tag must be some case's: a misspelt one is not "no
		// benchmark matches".
		all := o
		all.Tags = nil
		var known []string
		for _, c := range bench.All(all) {
			for _, tg := range c.Tags {
				if !slices.Contains(known, tg) {
					known = append(known, tg)
				}
			}
		}
		slices.Sort(known)
		for _, tg := range o.Tags {
			if !slices.Contains(known, tg) {
				return usageErr("invalid --tags %s: unknown tag %q (the tags are %s)", *tags, tg, strings.Join(known, ", "))
			}
		}
	}
	if set["methods"] {
		var err error
		if o.Methods, err = parseList("methods", *methodList); err != nil {
			return usageErr("%v", err)
		}
	}
	for _, m := range o.Methods {
		if _, ok := config.LookupMethod(m); !ok {
			return usageErr("invalid --methods %s: unknown method %q (want a comma list of %s)", *methodList, m, strings.Join(config.MethodNames(), ","))
		}
	}
	if set["load-instance"] {
		ld, err := bench.LoadStep(*loadInst, 0, o.Methods)
		if err != nil {
			return usageErr("invalid --load-instance %s: %v", *loadInst, err)
		}
		o.Loaded = ld
	}
	meter, why := newMeter(*watts)
	o.Meter = meter
	calPath, _ := calibrate.DefaultPath(machine.BLASBackend)
	if cal, err := calibrate.Load(machine.BLASBackend); err == nil {
		o.PeakGFLOPS = cal.PeakGFLOPS
		o.TriadGBps = cal.TriadGBps
		o.Calibration = &cal
	} else if !*list {
		fmt.Fprintf(stderr, "lowdim bench: no peak-frac metric (run lowdim calibrate first): %v\n", err)
	}
	var cases []bench.Case
	for _, c := range bench.All(o) {
		if re == nil || re.MatchString(c.Name) {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		if set["tags"] {
			return usageErr("no benchmark matches --filter %q and --tags %s together", *filter, *tags)
		}
		return usageErr("no benchmark matches --filter %q", *filter)
	}
	if *list {
		for _, c := range cases {
			fmt.Fprintln(stdout, "Benchmark"+c.Name)
		}
		return exitOK
	}
	if why != "" {
		fmt.Fprintf(stderr, "lowdim bench: %s\n", why)
	}
	// Every flag is valid before --out is opened (which truncates it).
	if err := bench.CheckBenchtime(*benchtime); err != nil {
		return usageErr("invalid --benchtime %s: %v (want a positive duration such as 1s or a count such as 100x)", *benchtime, err)
	}
	// --out before any work (a bad one used to cost the whole suite),
	// locked, and written record by record (benchout.go).
	sig := interrupt.NotifyStopping(stderr, "lowdim bench", benchStopping)
	defer sig.Stop()
	bo, err := openBenchOut(sig, stdout, stderr, *out)
	if err != nil {
		return failWith(stderr, "lowdim bench", err)
	}
	var above fracsAbove
	ro := bench.RunOptions{Count: *count, Benchtime: *benchtime, Config: machine.Read().ConfigLines(), Progress: stderr, CPU: cpus,
		Interrupt: sig.Done(), Observe: above.observe}
	failed, err := bench.Run(cases, ro, bo)
	if w := above.warning(o.Calibration, calPath); w != "" {
		fmt.Fprintf(stderr, "lowdim bench: %s\n", w)
	}
	// A signal during the suite's last sample, or after it, is an
	// interruption too: the file says so.
	interrupted := errors.Is(err, bench.ErrInterrupted) || sig.Interrupted()
	if cerr := bo.close(interrupted); err == nil || interrupted {
		err = cerr
	}
	if err != nil {
		return failWith(stderr, "lowdim bench", err)
	}
	if interrupted {
		fmt.Fprintf(stderr, "lowdim bench: interrupted after %d results\n", bo.records)
		return sig.ExitCode()
	}
	if len(failed) > 0 {
		// A benchmark that could not run is a crash, not a regression
		// (lowdim compare judges those).
		fmt.Fprintf(stderr, "lowdim bench: %d benchmarks failed: %v\n", len(failed), failed)
		return exitInternal
	}
	return exitOK
}

// fracsAbove gathers the results whose peak-frac or limit-frac exceeds 1:
// a rate above the calibration's peak, which the calibration should bound.
type fracsAbove struct {
	n    int     // results with either above 1
	max  float64 // the largest of them
	unit string  // its unit
	name string  // its benchmark
}

func (f *fracsAbove) observe(r *benchfmt.Result) {
	above := false
	for _, v := range r.Values {
		if (v.Unit == bench.UnitPeakFrac || v.Unit == bench.UnitLimitFrac) && v.Value > 1 {
			above = true
			if v.Value > f.max {
				f.max, f.unit, f.name = v.Value, v.Unit, string(r.Name)
			}
		}
	}
	if above {
		f.n++
	}
}

// warning is the one line saying the calibration cal (stored at path) is
// below what was measured, or "" when no result exceeded it.
func (f *fracsAbove) warning(cal *calibrate.Calibration, path string) string {
	if f.n == 0 || cal == nil {
		return ""
	}
	return fmt.Sprintf("warning: peak-frac or limit-frac above 1 in %d results (up to %s %.3g, Benchmark%s): the calibration %s of %s has a peak below what was just measured (stale, or made under load); rerun lowdim calibrate",
		f.n, f.unit, f.max, f.name, path, cal.Date)
}

// benchStopping is what lowdim bench says it does at the first signal.
const benchStopping = "ending the sample under way at its next step (that sample is discarded) and keeping the finished results"

// newMeter returns the energy meter of the suite and, when it falls back to
// the CPU-time model, the reason.
func newMeter(watts float64) (bench.Meter, string) {
	m, why := bench.NewEnergyMeter(energy.Model{WattsPerCore: watts})
	if why != "" {
		why = "energy is modelled (model-J/op), not measured: " + why
	}
	return m, why
}
