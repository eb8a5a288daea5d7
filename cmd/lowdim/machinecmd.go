package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lowdim/lowdim/atomicfile"
	"github.com/lowdim/lowdim/energy"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/procure"
)

const machineUsage = `Usage:
  lowdim machine run --out FILE [--quick]      measure this machine: the procurement report (JSON)
  lowdim machine compare A.json B.json [...]   compare reports (the first is the reference)

Hardware procurement: one report per machine, one comparison across
machines. lowdim machine run -h and lowdim machine compare -h say more.
`

const machineRunUsage = `Usage: lowdim machine run --out FILE [--quick] [--watts-per-core W]

Measures this machine with the standard suite (version %d) and writes the
report as JSON: the fingerprint (CPU, caches, cores, cgroup limits, kernel,
Go, BLAS backend and its build, GOMAXPROCS); the dgemm rate and the triad
bandwidth of 6 calibration runs (medians and 95%% intervals); the step time of
the original and the compressed network per workload at d = 256, 1024 and
4096, 10 samples taken in rounds across the benchmarks of a size (sizes
beyond the memory or the time budget are dropped, and the report says which
and why); the seconds to the tolerance of paper-mc, paper-mf-fast and
paper-ms-fast, and the seconds of training the FashionMNIST MLP (a pinned
configuration, wide and compressed block) takes to reach 0.85 test accuracy
(absent, with the reason, when /usr/share/datasets/fashion-mnist is not
readable), 6 runs each (--quick: 5), interleaved, with the energy (RAPL when
readable, else modelled, labelled so) and peak RSS of each run; the inference
latency (p50, p99) of the compressed network on its factored layers and of
the wide one at batch 1 and 64, in 10 rounds. Every timed figure keeps the
process CPU time beside its wall time, and every benchmark the load it ran
under: compare compares wall times and says which figures were stretched by
other processes. --quick runs d = 256 only (under 2 minutes with OpenBLAS on
two cores). Progress and an estimate of the time left go to stderr.

Exit codes: 0 ok, 2 a bad flag or --out, 3 the report could not be
written, 129, 130 or 143 interrupted by SIGHUP, SIGINT or SIGTERM (the
task under way ends and nothing is written: a partial report would
misstate the machine).

Flags:
`

const machineCompareUsage = `Usage: lowdim machine compare A.json B.json [C.json ...] [flags]

Compares reports of lowdim machine run; the first is the reference. A
report is named by its file's base name without .json (a.json: a). For
every benchmark: the speedup of each machine over the reference (above 1 is
better) with a 95% percentile-bootstrap interval from the stored samples;
the geometric mean per category (training, time-to-quality, inference,
memory, energy, calibration: dgemm rate and triad bandwidth); the time,
cost and energy of one run of each time-to-quality benchmark; and answers
to the buyer's questions (fastest time to quality, fastest training step,
cheapest training run, least energy per run, lowest inference latency). A
modelled energy is never compared across machines. Reports of different
suite versions are refused; different backends or GOMAXPROCS are warned
about. Flags may come before or after the files. --out - is stdout.

Exit codes: 0 ok, 2 usage or input error (a missing file, a file that is not
a report, reports of different suite versions, samples so large or small
that a speedup, interval or total is not a finite number, a --price or
--watts that is malformed or above 1e6, an --out that is a folder, is in a
missing or unwritable folder, or is one of the input reports under any
spelling or link), 3 the output could not be written.

Flags:
`

// machineSuite is the suite lowdim machine run measures; tests replace
// it by a small one.
var machineSuite = procure.Standard

func cmdMachine(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, machineUsage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdMachineRun(args[1:], stdout, stderr)
	case "compare":
		return cmdMachineCompare(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, machineUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "lowdim machine: unknown subcommand %q\n\n%s", args[0], machineUsage)
	return exitUsage
}

func cmdMachineRun(args []string, stdout, stderr io.Writer) int {
	const name = "lowdim machine run"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, machineRunUsage, procure.SuiteVersion); fs.PrintDefaults() }
	out := fs.String("out", "", "the report file to write (JSON; required)")
	quick := fs.Bool("quick", false, "the quick suite: d = 256 only, fewer repetitions")
	wpc := fs.Float64("watts-per-core", energy.DefaultWattsPerCore, "power of a busy core for the energy model, used when RAPL is unreadable (W)")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, name+": "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return usageErr("--out is required (the report file, e.g. --out m.json)")
	}
	if *out == "-" {
		return usageErr("invalid --out -: machine run writes the report to a file, not to stdout (e.g. --out m.json)")
	}
	model := energy.Model{WattsPerCore: *wpc}
	if err := model.Validate(); err != nil || *wpc == 0 {
		return usageErr("invalid --watts-per-core %v: want a positive finite number of watts", *wpc)
	}
	if st, err := os.Stat(*out); err == nil && st.IsDir() {
		return usageErr("invalid --out %s: is a folder, want a file", *out)
	}
	if err := checkOutFile(*out, false); err != nil {
		return failWith(stderr, name, err)
	}
	sig := interrupt.NotifyStopping(stderr, name, "stopping after the task under way; nothing will be written (a partial report would misstate the machine)")
	defer sig.Stop()
	start := time.Now()
	r, err := procure.Run(machineSuite(*quick), procure.Options{Progress: stderr, Interrupt: sig.Done(), Model: model})
	if errors.Is(err, procure.ErrInterrupted) {
		fmt.Fprintf(stderr, "%s: interrupted: nothing written\n", name)
		return sig.ExitCode()
	}
	if err != nil {
		return failWith(stderr, name, err)
	}
	release := sig.Hold()
	err = r.WriteFile(*out)
	release()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitInternal
	}
	absent := 0
	for _, b := range r.Benchmarks {
		if b.Absent != "" {
			absent++
		}
	}
	fmt.Fprintf(stdout, "%s: %s, %s, GOMAXPROCS %d; %d benchmarks (%d absent, reasons in the file) in %s; load average %s -> %s; written to %s\n",
		name, r.Machine.CPUModel, r.Machine.BLAS, r.Machine.GOMAXPROCS, len(r.Benchmarks), absent,
		time.Since(start).Round(time.Second), fload(r.LoadStart), fload(r.LoadEnd), *out)
	return exitOK
}

func fload(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

// namedFloats is a repeatable NAME=VALUE flag: VALUE a plain decimal
// number in (0, max] of unit.
type namedFloats struct {
	flag string
	unit string
	max  float64
	m    map[string]float64
}

// plainDecimal is a decimal number as people write one: no underscores,
// hexadecimal, Inf or NaN (all of which strconv.ParseFloat accepts).
var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// Bounds of --price and --watts: beyond them a figure is a typo, and a
// cost or an energy computed from it could overflow.
const (
	maxPriceUSDPerHour = 1e6
	maxWatts           = 1e6
)

func (n *namedFloats) String() string {
	if n == nil {
		return ""
	}
	var parts []string
	for k, v := range n.m {
		parts = append(parts, fmt.Sprintf("%s=%g", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (n *namedFloats) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("invalid --%s %q: want NAME=NUMBER (NAME a report's file name without .json)", n.flag, s)
	}
	f, err := strconv.ParseFloat(v, 64)
	if !plainDecimal.MatchString(v) || err != nil || !(f > 0) || math.IsInf(f, 0) {
		return fmt.Errorf("invalid --%s %q: %q is not a positive number (a plain decimal, such as 0.5 or 2e3)", n.flag, s, v)
	}
	if f > n.max {
		return fmt.Errorf("invalid --%s %q: %g %s is above the bound %g %s", n.flag, s, f, n.unit, n.max, n.unit)
	}
	if _, dup := n.m[k]; dup {
		return fmt.Errorf("invalid --%s %q: %s given twice", n.flag, s, k)
	}
	n.m[k] = f
	return nil
}

// machineFormats are the values of machine compare's --format.
var machineFormats = map[string]func(*procure.Comparison, io.Writer) error{
	"markdown": (*procure.Comparison).WriteMarkdown,
	"json":     (*procure.Comparison).WriteJSON,
	"html":     (*procure.Comparison).WriteHTML,
}

func cmdMachineCompare(args []string, stdout, stderr io.Writer) int {
	const name = "lowdim machine compare"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, machineCompareUsage); fs.PrintDefaults() }
	price := &namedFloats{flag: "price", unit: "USD per hour", max: maxPriceUSDPerHour, m: map[string]float64{}}
	watts := &namedFloats{flag: "watts", unit: "W", max: maxWatts, m: map[string]float64{}}
	fs.Var(price, "price", "NAME=USD_PER_HOUR: the machine's price, a decimal in (0, 1e6] (repeatable)")
	fs.Var(watts, "watts", "NAME=W: the machine's power under load, a decimal in (0, 1e6], for a machine whose energy is not measured (repeatable)")
	format := fs.String("format", "markdown", "output: markdown, json or html (a self-contained page)")
	out := fs.String("out", "", "write the output to this file (atomically) instead of stdout (- is stdout)")
	files, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, name+": "+format+"\n", a...)
		return exitUsage
	}
	write, ok := machineFormats[*format]
	switch {
	case !ok:
		return usageErr("invalid --format %q: want markdown, json or html", *format)
	case len(files) < 2:
		return usageErr("want at least two reports (lowdim machine run --out FILE), got %d: %q", len(files), files)
	}
	if *out == "-" { // stdout, as without --out
		*out = ""
	}
	if err := checkOutFile(*out, false); err != nil {
		return failWith(stderr, name, err)
	}
	var in []procure.Input
	for _, f := range files {
		// The same file under another spelling (an absolute or relative
		// path, a link to it or to its folder) too: sameFile compares
		// the files, not the text.
		if *out != "" && (filepath.Clean(f) == filepath.Clean(*out) || sameFile(f, *out)) {
			return usageErr("invalid --out %s: is the report %s, one of the inputs (writing it would overwrite it)", *out, f)
		}
		r, err := procure.ReadFile(f)
		if err != nil {
			return failWith(stderr, name, err)
		}
		in = append(in, procure.Input{Name: strings.TrimSuffix(filepath.Base(f), ".json"), Path: f, Report: r})
	}
	c, err := procure.Compare(in, procure.CompareOptions{Price: price.m, Watts: watts.m})
	if err != nil {
		return failWith(stderr, name, err)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", name, w)
	}
	if *out == "" {
		if err := write(c, stdout); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return exitInternal
		}
		return exitOK
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { return write(c, w) }); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitInternal
	}
	fmt.Fprintf(stdout, "written to %s\n", *out)
	return exitOK
}
