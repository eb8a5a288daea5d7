package main

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/outdir"
)

// The checks of this file are shared by the commands' flag parsing: a
// value given empty, a list with no item or an item twice, a size out of
// its bounds are errors naming the flag and the value (exit 2), never "the
// default" or a case run twice.

// emptyFlags returns a *config.ConfigError for the first flag given on the
// command line (or set from a config file) with an empty or blank value:
// leaving a flag out gives its default, an empty value (an unset shell
// variable, most often) is a mistake. The configuration fields' flags
// check themselves (config.Field.Parse). It then checks that no input
// lies inside an output folder (inputsOutside).
func emptyFlags(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(fl *flag.Flag) {
		if _, ok := fl.Value.(fieldFlag); ok || err != nil {
			return
		}
		if strings.TrimSpace(fl.Value.String()) == "" {
			err = config.Bad(fl.Name, `""`, "an empty value (leave the flag out for its default)")
		}
	})
	if err != nil {
		return err
	}
	return inputsOutside(fs)
}

// outputFolders are the flags of folders replaced as a whole when a run
// commits; inputFiles the flags of paths read (or, --cpuprofile, written
// beside the run) that must not lie inside one.
var (
	outputFolders = []string{"out", "save-instance"}
	inputFiles    = []string{"load-instance", "target", "mask", "config", "cpuprofile"}
)

// inputsOutside refuses (exit 2) an output folder (--out, given or by
// default, and --save-instance) that is or holds any
// input path given: --load-instance li --out li, --target li/target.npy
// --out li, --cpuprofile cp/cpu.prof --out cp. The commit replaces the
// folder as a whole, which would delete the inputs (or lose the profile).
// Only commands with an --out folder and such inputs are concerned.
func inputsOutside(fs *flag.FlagSet) error {
	if fs.Lookup("load-instance") == nil && fs.Lookup("target") == nil && fs.Lookup("cpuprofile") == nil {
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, o := range outputFolders {
		fo := fs.Lookup(o)
		if fo == nil || fo.Value.String() == "" || (o != "out" && !given[o]) {
			continue
		}
		out := fo.Value.String()
		for _, in := range inputFiles {
			fi := fs.Lookup(in)
			if fi == nil || !given[in] || fi.Value.String() == "" {
				continue
			}
			p := fi.Value.String()
			if !outdir.Inside(p, out) {
				continue
			}
			if in == "cpuprofile" {
				return config.Bad(o, out, "holds --cpuprofile %s: the folder is replaced as a whole when the run commits, which would delete the profile; write the profile outside --%s", p, o)
			}
			return config.Bad(o, out, "holds --%s %s: the folder is replaced as a whole when the run commits, which would delete that input; choose another --%s", in, p, o)
		}
	}
	return nil
}

// parseList splits the comma list s of flag name: at least one item, none
// twice.
func parseList(name, s string) ([]string, error) {
	items := config.SplitList(s)
	if len(items) == 0 {
		return nil, config.Bad(name, strconv.Quote(s), "an empty list (leave the flag out for its default)")
	}
	if config.HasEmptyItem(s) {
		return nil, config.Bad(name, strconv.Quote(s), "an empty item in the list (a trailing, leading or doubled comma)")
	}
	for i, it := range items {
		for _, prev := range items[:i] {
			if prev == it {
				return nil, config.Bad(name, s, "%q is listed twice", it)
			}
		}
	}
	return items, nil
}

// parseInts parses the comma list s of flag name as integers in [lo, hi]
// (what names one item, e.g. "size"; why says where hi comes from), at
// least one, none twice.
func parseInts(name, s string, lo, hi int, what, why string) ([]int, error) {
	items, err := parseList(name, s)
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(items))
	for _, it := range items {
		n, err := strconv.Atoi(it)
		switch {
		case err != nil:
			return nil, config.Bad(name, s, "%q is not an integer %s", it, what)
		case n < lo:
			return nil, config.Bad(name, s, "%s %d is below %d", what, n, lo)
		case n > hi:
			return nil, config.Bad(name, s, "%s %d is above %d (%s)", what, n, hi, why)
		}
		for _, prev := range out {
			if prev == n {
				return nil, config.Bad(name, s, "%s %d is listed twice", what, n)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// noArgs refuses the arguments of a command that takes none (presets,
// version), naming the first.
func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return config.Input(fmt.Errorf("%s takes no arguments; got %q", cmd, args[0]))
	}
	return nil
}

// Bounds of the benchmark and calibration sizes: a d x d float64 matrix at
// 8192 is 512 MiB, and the suite's step of the original network holds
// several (a d = 100000 size line once ran out of memory mid-suite).
const (
	minBenchSize  = 8
	maxBenchSize  = 8192
	maxBenchCount = 10000
	// maxStepSize bounds lowdim bench's --sizes: the compressed steps
	// of issue 18 at d = 16384 (an mc instance is held sparse there),
	// where every case's memory plan is checked before it is built
	// (experiment.Preflight), so that the original network's 2 GiB
	// layers are refused on a machine without room for them.
	maxStepSize = 16384
)

// maxProcs is the largest GOMAXPROCS bench --cpu takes: 4 x the CPUs of
// the machine, and never above 1024 (--cpu 100000 ended in SIGSEGV).
func maxProcs() int { return min(1024, 4*runtime.NumCPU()) }

// maxProcsWhy says where maxProcs comes from.
func maxProcsWhy() string {
	if 4*runtime.NumCPU() > 1024 {
		return "the limit of 1024"
	}
	return fmt.Sprintf("4 x the %d CPUs of this machine (runtime.NumCPU)", runtime.NumCPU())
}

// checkBenchFlags refuses bench flags given empty, or given where they do
// nothing: with --list nothing runs (--out, --count, --benchtime, --cpu,
// --watts-per-core), and --quick with --sizes, --count and --benchtime all
// given changes nothing.
func checkBenchFlags(fs *flag.FlagSet, set map[string]bool) error {
	if err := emptyFlags(fs); err != nil {
		return err
	}
	if set["list"] && fs.Lookup("list").Value.String() == "true" {
		for _, name := range []string{"out", "count", "benchtime", "cpu", "watts-per-core"} {
			if set[name] {
				return config.Bad(name, fs.Lookup(name).Value.String(), "does not apply with --list (nothing runs)")
			}
		}
	}
	if set["quick"] && set["sizes"] && set["count"] && set["benchtime"] {
		return config.Bad("quick", fs.Lookup("quick").Value.String(), "does not apply with --sizes, --count and --benchtime all given (it sets their defaults)")
	}
	return nil
}

// Bounds of calibrate: --reps samples of each size, --triad-mb MiB for
// each of the triad's three arrays (4096: 12 GiB in all, checked against
// the memory budget too).
const (
	maxCalibrateReps = 1000
	maxTriadMB       = 4096
)

// checkCalibrateFlags refuses calibrate flags given empty, or given with
// --show, which measures nothing (--sizes, --reps, --triad-mb).
func checkCalibrateFlags(fs *flag.FlagSet, set map[string]bool) error {
	if err := emptyFlags(fs); err != nil {
		return err
	}
	if set["show"] && fs.Lookup("show").Value.String() == "true" {
		for _, name := range []string{"sizes", "reps", "triad-mb"} {
			if set[name] {
				return config.Bad(name, fs.Lookup(name).Value.String(), "does not apply with --show (nothing is measured)")
			}
		}
	}
	return nil
}
