package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lowdim machine run and compare: flags, reports and prices refused with
// the flag or file and the value, before any measurement or comparison.
func init() {
	report := func(name string, version int) string {
		return `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": ` + strconv.Itoa(version) +
			`, "machine": {"cpu_model": "` + name + `", "blas": "gonum", "gomaxprocs": 2, "cores": 2}, "benchmarks": [` +
			`{"name": "step/workload=mf/method=original/d=256", "category": "training", "unit": "s", "samples": [0.01, 0.011, 0.012]}]}`
	}
	two := func(t *testing.T, dir string) []string {
		writeIn(t, dir, "a.json", report("A", 1))
		writeIn(t, dir, "b.json", report("B", 1))
		return nil
	}
	addBadInputs(kindEmpty,
		refused("machine without subcommand", []string{"machine"}, "lowdim machine run --out FILE"),
		refused("machine unknown subcommand", []string{"machine", "bench"}, `unknown subcommand "bench"`),
		refused("machine run without --out", []string{"machine", "run", "--quick"}, "--out is required"),
		refused("machine run argument", []string{"machine", "run", "--out", "{dir}/m.json", "now"}, `unexpected argument "now"`),
		refused("machine compare one report", []string{"machine", "compare", "{dir}/a.json"}, "want at least two reports", "got 1"),
		refusedSetup("machine compare missing file", []string{"machine", "compare", "{dir}/a.json", "{dir}/none.json"}, two, "{dir}/none.json: no such file"),
		refusedSetup("machine compare empty --price", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", ""}, two, `invalid --price ""`, "NAME=NUMBER"),
		refusedSetup("machine compare --price without name", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", "=1"}, two, `invalid --price "=1"`),
		refusedSetup("machine compare --price twice", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", "a=1", "--price", "a=2"}, two, `invalid --price "a=2"`, "a given twice"),
		refusedSetup("machine compare a report twice", []string{"machine", "compare", "{dir}/a.json", "{dir}/a.json"}, two, `two reports named "a"`),
	)
	addBadInputs(kindOddNumbers,
		refusedSetup("machine compare --price NaN", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", "a=NaN"}, two, `invalid --price "a=NaN"`, "not a positive number"),
		refusedSetup("machine compare --price negative", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", "b=-0.5"}, two, `invalid --price "b=-0.5"`),
		refusedSetup("machine compare --watts Inf", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--watts", "a=Inf"}, two, `invalid --watts "a=Inf"`),
		refusedSetup("machine compare --price huge", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", "a=1e308"}, two, `invalid --price "a=1e308"`, "above the bound 1e+06 USD per hour"),
		refusedSetup("machine compare --watts huge", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--watts", "b=1e308"}, two, `invalid --watts "b=1e308"`, "above the bound 1e+06 W"),
		refusedSetup("machine compare --price with an underscore", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", "a=1_0"}, two, `invalid --price "a=1_0"`, "not a positive number"),
		refusedSetup("machine compare --watts hexadecimal", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--watts", "a=0x1p4"}, two, `invalid --watts "a=0x1p4"`, "not a positive number"),
		refusedSetup("machine compare --watts zero", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--watts", "a=0"}, two, `invalid --watts "a=0"`),
		refusedSetup("machine compare --price of no report", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--price", "c=1"}, two, "invalid --price c=1", `no report named "c"`),
		refused("machine run --watts-per-core negative", []string{"machine", "run", "--out", "{dir}/m.json", "--watts-per-core", "-3"}, "invalid --watts-per-core -3"),
		refused("machine run --watts-per-core NaN", []string{"machine", "run", "--out", "{dir}/m.json", "--watts-per-core", "NaN"}, "invalid --watts-per-core NaN"),
		refusedSetup("machine compare different suite versions", []string{"machine", "compare", "{dir}/a.json", "{dir}/v2.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "v2.json", report("B", 2))
			return nil
		}, "{dir}/a.json is suite standard version 1", "{dir}/v2.json is suite standard version 2"),
		refusedSetup("machine compare a benchmark file", []string{"machine", "compare", "{dir}/a.json", "{dir}/new.bench"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "new.bench", "BenchmarkX-2 10 100 ns/op\n")
			return nil
		}, "{dir}/new.bench: not a machine report"),
		refusedSetup("machine compare a 0 time sample", []string{"machine", "compare", "{dir}/a.json", "{dir}/z.json", "--format", "html"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "z.json", strings.Replace(report("B", 1), "[0.01, 0.011, 0.012]", "[0.01, 0, 0.012]", 1))
			return nil
		}, "{dir}/z.json: malformed machine report", `"step/workload=mf/method=original/d=256" has sample 0 (a measured s is positive and finite)`),
		refusedSetup("machine compare a ratio beyond float64", []string{"machine", "compare", "{dir}/a.json", "{dir}/huge.json", "--format", "json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", strings.Replace(report("A", 1), "[0.01, 0.011, 0.012]", "[1e-300, 1e-300, 1e-300]", 1))
			writeIn(t, dir, "huge.json", strings.Replace(report("B", 1), "[0.01, 0.011, 0.012]", "[1e308, 1e308, 1e308]", 1))
			return nil
		}, "{dir}/huge.json against {dir}/a.json", `benchmark "step/workload=mf/method=original/d=256"`, "the speedup is 0, not a positive finite number"),
		refusedSetup("machine compare a median beyond float64", []string{"machine", "compare", "{dir}/a.json", "{dir}/huge.json", "--format", "markdown"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "huge.json", strings.Replace(report("B", 1), "[0.01, 0.011, 0.012]", "[1e308, 1.7e308]", 1))
			return nil
		}, "{dir}/huge.json against {dir}/a.json", `benchmark "step/workload=mf/method=original/d=256"`, "the median is +Inf"),
		refusedSetup("machine compare a unit edited", []string{"machine", "compare", "{dir}/a.json", "{dir}/u.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "u.json", strings.Replace(report("B", 1), `"unit": "s"`, `"unit": "ms"`, 1))
			return nil
		}, "{dir}/u.json: malformed machine report", `"step/workload=mf/method=original/d=256": unit "ms" in category training (want s)`),
		refusedSetup("machine compare a direction flipped", []string{"machine", "compare", "{dir}/a.json", "{dir}/h.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "h.json", strings.Replace(report("B", 1), `"unit": "s"`, `"unit": "s", "higher_is_better": true`, 1))
			return nil
		}, "{dir}/h.json: malformed machine report", "higher_is_better true in category training (want false)"),
		refusedSetup("machine compare an unknown category", []string{"machine", "compare", "{dir}/a.json", "{dir}/c.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "c.json", strings.Replace(report("B", 1), `"category": "training"`, `"category": "speed"`, 1))
			return nil
		}, "{dir}/c.json: malformed machine report", `unknown category "speed"`),
		refusedSetup("machine compare negative cores", []string{"machine", "compare", "{dir}/a.json", "{dir}/n.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "n.json", strings.Replace(report("B", 1), `"cores": 2`, `"cores": -2`, 1))
			return nil
		}, "{dir}/n.json: malformed machine report", "machine with -2 cores and GOMAXPROCS 2 (each at least 1)"),
		refusedSetup("machine compare GOMAXPROCS 0", []string{"machine", "compare", "{dir}/a.json", "{dir}/g.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "g.json", strings.Replace(report("B", 1), `"gomaxprocs": 2`, `"gomaxprocs": 0`, 1))
			return nil
		}, "{dir}/g.json: malformed machine report", "machine with 2 cores and GOMAXPROCS 0"),
		refusedSetup("machine compare no samples and no reason", []string{"machine", "compare", "{dir}/a.json", "{dir}/e.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "e.json", strings.Replace(report("B", 1), "[0.01, 0.011, 0.012]", "[]", 1))
			return nil
		}, "{dir}/e.json: malformed machine report", "has no samples and no reason for their absence"),
		refusedSetup("machine compare no benchmarks", []string{"machine", "compare", "{dir}/a.json", "{dir}/e.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			i := strings.Index(report("B", 1), `"benchmarks": [`)
			writeIn(t, dir, "e.json", report("B", 1)[:i]+`"benchmarks": []}`)
			return nil
		}, "{dir}/e.json: malformed machine report: no benchmarks"),
		refusedSetup("machine compare a negative start load", []string{"machine", "compare", "{dir}/a.json", "{dir}/l.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "l.json", strings.Replace(report("B", 1), `"benchmarks"`, `"load_average_start": -5, "benchmarks"`, 1))
			return nil
		}, "{dir}/l.json: malformed machine report: load_average_start -5"),
		refusedSetup("machine compare a negative end load", []string{"machine", "compare", "{dir}/a.json", "{dir}/l.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "l.json", strings.Replace(report("B", 1), `"benchmarks"`, `"load_average_end": -1.5, "benchmarks"`, 1))
			return nil
		}, "{dir}/l.json: malformed machine report: load_average_end -1.5"),
		refusedSetup("machine compare a negative wait", []string{"machine", "compare", "{dir}/a.json", "{dir}/w.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "w.json", strings.Replace(report("B", 1), `"unit": "s"`, `"unit": "s", "wait": -0.3`, 1))
			return nil
		}, "{dir}/w.json: malformed machine report", `benchmark "step/workload=mf/method=original/d=256": wait -0.3`),
		refusedSetup("machine compare a negative others_cpu", []string{"machine", "compare", "{dir}/a.json", "{dir}/o.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "o.json", strings.Replace(report("B", 1), `"unit": "s"`, `"unit": "s", "others_cpu": -2, "load_average": 1`, 1))
			return nil
		}, "{dir}/o.json: malformed machine report", `benchmark "step/workload=mf/method=original/d=256": others_cpu -2`),
		refusedSetup("machine compare a linear run record", []string{"machine", "compare", "{dir}/a.json", "{dir}/linear.json"}, func(t *testing.T, dir string) []string {
			writeIn(t, dir, "a.json", report("A", 1))
			writeIn(t, dir, "linear.json", `{"schema": 3, "kind": "linear"}`)
			return nil
		}, "{dir}/linear.json: not a machine report", `kind "linear"`),
	)
	addBadInputs(kindOutput,
		refused("machine run --out a folder", []string{"machine", "run", "--out", "{dir}"}, "invalid --out {dir}: is a folder"),
		refused("machine run --out stdout", []string{"machine", "run", "--out", "-"}, "invalid --out -", "not to stdout"),
		refused("machine run --out in a missing folder", []string{"machine", "run", "--out", "{dir}/no/m.json"}, "invalid --out {dir}/no/m.json"),
		refusedSetup("machine compare --out is a report", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--out", "{dir}/b.json"}, two, "invalid --out {dir}/b.json: is the report {dir}/b.json"),
		refusedSetup("machine compare --out is a report through a link", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--out", "{dir}/link.json"}, func(t *testing.T, dir string) []string {
			two(t, dir)
			require.NoError(t, os.Symlink("b.json", filepath.Join(dir, "link.json")))
			return nil
		}, "invalid --out {dir}/link.json: is the report {dir}/b.json"),
		refusedSetup("machine compare --out is a report through a linked folder", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--out", "{dir}/same/b.json"}, func(t *testing.T, dir string) []string {
			two(t, dir)
			require.NoError(t, os.Symlink(".", filepath.Join(dir, "same")))
			return nil
		}, "invalid --out {dir}/same/b.json: is the report {dir}/b.json"),
		refusedSetup("machine compare --out is a report, relative", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--out"}, func(t *testing.T, dir string) []string {
			two(t, dir)
			wd, err := os.Getwd()
			require.NoError(t, err)
			rel, err := filepath.Rel(wd, filepath.Join(dir, "b.json"))
			require.NoError(t, err)
			return []string{rel}
		}, "invalid --out ", "is the report {dir}/b.json"),
		refusedSetup("machine compare --format", []string{"machine", "compare", "{dir}/a.json", "{dir}/b.json", "--format", "pdf"}, two, `invalid --format "pdf"`),
	)
}

// TestMachinePriceSaidOnce: a refused --price is named once, not as
// `invalid value ... for flag --price: invalid --price ...`.
func TestMachinePriceSaidOnce(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := lowdim(t, "machine", "compare", filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), "--price", "a=NaN")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `invalid --price "a=NaN": "NaN" is not a positive number`)
	require.Equal(t, 1, strings.Count(stderr, "--price"), stderr)
	require.NotContains(t, stderr, "invalid value")
}
