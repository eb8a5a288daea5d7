package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/lowdim/lowdim/compare"
)

const compareUsage = `Usage: lowdim compare [flags] OLD NEW

The regression gate over two files in the Go benchmark format (go test -bench
output): compares every benchmark and unit present in both with a
Mann-Whitney U test and the change of the medians, in the direction of the
unit (Unit lines: better=higher; assume=exact for deterministic units), and
prints a table. A regression is a change in the worse direction that is
significant (p < --alpha) and larger than --threshold; for a deterministic
unit, any change in the worse direction. Too few samples to reach --alpha is
a warning. Flags may come before or after the files.

A benchmark is its name (without -GOMAXPROCS), its unit and every
configuration key whose value differs within a file (pkg first: two
packages' BenchmarkEncodeToString are two rows); keys that differ only
between the files (cpu, commit, blas) are printed as machine lines, with a
geometric mean per unit. Files are UTF-8 (a byte order mark is dropped) or
UTF-16 with a byte order mark (PowerShell's >); other text with NUL bytes
is refused.

Exit status: 0 no regression, 1 a regression (or a warning with
--strict-samples), 2 usage or input error (a missing file, a syntax error
reported as file:line, no common benchmarks, a bad flag), 3 an internal
failure (the report could not be written).

Flags:
`

// compareFormats are the values of --format.
var compareFormats = map[string]func(*compare.Report, io.Writer) error{
	"text":     (*compare.Report).WriteText,
	"markdown": (*compare.Report).WriteMarkdown,
	"json":     (*compare.Report).WriteJSON,
}

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	opt := compare.DefaultOptions
	fs := flag.NewFlagSet("lowdim compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, compareUsage)
		fs.PrintDefaults()
	}
	fs.Float64Var(&opt.Alpha, "alpha", opt.Alpha, "significance level: a change is significant when the U test's p < alpha")
	fs.Float64Var(&opt.Threshold, "threshold", opt.Threshold, "relative change of the medians a significant change must exceed (0.05 = 5%)")
	format := fs.String("format", "text", "output: text, markdown (a table for a CI job summary) or json")
	fs.BoolVar(&opt.StrictSamples, "strict-samples", opt.StrictSamples, "fail (exit 1) on rows with too few samples to reach alpha")
	files, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "lowdim compare: %v\n", err)
		return code
	}
	write, ok := compareFormats[*format]
	switch {
	case len(files) != 2:
		return fail(exitUsage, fmt.Errorf("want two files, OLD and NEW; got %d arguments %q", len(files), files))
	case !ok:
		return fail(exitUsage, fmt.Errorf("--format %q: want text, markdown or json", *format))
	case !(opt.Alpha > 0 && opt.Alpha < 1):
		return fail(exitUsage, fmt.Errorf("--alpha %v: want 0 < alpha < 1", opt.Alpha))
	case !(opt.Threshold >= 0) || math.IsInf(opt.Threshold, 0):
		return fail(exitUsage, fmt.Errorf("--threshold %v: want a finite threshold >= 0", opt.Threshold))
	}
	rep, err := compare.Compare(compare.Source{Name: files[0]}, compare.Source{Name: files[1]}, opt)
	if err != nil {
		return fail(exitUsage, err)
	}
	if err := write(rep, stdout); err != nil {
		return fail(exitInternal, fmt.Errorf("writing the report: %w", err))
	}
	if rep.Failed() {
		msg := fmt.Sprintf("%d regression(s)", rep.Regressions)
		if opt.StrictSamples && rep.Warnings > 0 {
			msg += fmt.Sprintf(", %d row(s) with insufficient samples (--strict-samples)", rep.Warnings)
		}
		return fail(exitFailure, errors.New(msg))
	}
	return exitOK
}
