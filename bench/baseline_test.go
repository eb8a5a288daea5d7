package bench

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"

	"github.com/lowdim/lowdim/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite results/baselines/deterministic.bench from the current code")

var baselinePath = filepath.Join("..", "results", "baselines", "deterministic.bench")

// baselineRelTol: the deterministic metrics are integers (flops, bytes,
// steps), compared exactly, and recovery errors of a fixed training run,
// bit-identical for one BLAS backend; 1e-9 relative admits another
// backend's different rounding (issue: backends agree to 1e-10 relative on
// every problem) while any change of algorithm moves them far more.
const baselineRelTol = 1e-9

// exactLines computes every case's deterministic metrics as benchmark lines
// with one iteration, units sorted.
func exactLines(t *testing.T, cases []Case) []byte {
	var buf bytes.Buffer
	w := benchfmt.NewWriter(&buf)
	for _, u := range Exact {
		require.NoError(t, w.Write(&benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u, Key: "assume"}, OrigUnit: u, Value: "exact"}))
	}
	for _, c := range cases {
		m, err := c.Exact()
		require.NoError(t, err, c.Name)
		units := make([]string, 0, len(m))
		for u := range m {
			units = append(units, u)
		}
		sort.Strings(units)
		res := &benchfmt.Result{Name: benchfmt.Name(c.Name), Iters: 1}
		for _, u := range units {
			res.Values = append(res.Values, benchfmt.Value{Value: m[u], Unit: u})
		}
		require.NoError(t, w.Write(res))
	}
	return buf.Bytes()
}

func readMetrics(t *testing.T, name string, data []byte) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	r := benchfmt.NewReader(bytes.NewReader(data), name)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("%v", rec)
		case *benchfmt.Result:
			m := map[string]float64{}
			for _, v := range rec.Values {
				m[v.OrigUnit] = v.OrigValue
				if v.OrigUnit == "" {
					m[v.Unit] = v.Value
				}
			}
			out[rec.Name.String()] = m
		}
	}
	require.NoError(t, r.Err())
	return out
}

// TestDeterministicBaseline compares the deterministic metrics of the
// default suite (flops/op, params-bytes, workspace-bytes of every Step and
// Infer case; the recovery error and steps to tolerance of every Train
// case) with the committed baseline. A change is a regression unless it is
// intended: then rerun with -update and commit the new baseline.
func TestDeterministicBaseline(t *testing.T) {
	testenv.SkipIfShort(t, "trains the quick preset's problems")
	got := exactLines(t, All(Options{}))
	if *update {
		require.NoError(t, os.WriteFile(baselinePath, got, 0o644))
		t.Logf("wrote %s", baselinePath)
		return
	}
	want, err := os.ReadFile(baselinePath)
	require.NoError(t, err, "no baseline: run go test ./bench -run TestDeterministicBaseline -update")
	g := readMetrics(t, "current", got)
	w := readMetrics(t, baselinePath, want)
	var problems []string
	for name, wm := range w {
		gm, ok := g[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: in the baseline, no longer in the suite", name))
			continue
		}
		for u, wv := range wm {
			gv, ok := gm[u]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s: %s no longer reported", name, u))
			case math.Abs(gv-wv) > baselineRelTol*math.Abs(wv):
				problems = append(problems, fmt.Sprintf("%s: %s = %v, baseline %v (%+.3g%%)", name, u, gv, wv, 100*(gv-wv)/wv))
			}
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			problems = append(problems, fmt.Sprintf("%s: new, not in the baseline (rerun with -update)", name))
		}
	}
	sort.Strings(problems)
	require.Empty(t, problems, "deterministic metrics differ from %s:\n%s", baselinePath, strings.Join(problems, "\n"))
}

// probeEnv, set to "1", lets BenchmarkBaselineProbe run: it is the child
// process of TestBenchmarkReports.
const probeEnv = "LOWDIM_BENCH_PROBE"

// probeIters is the child's -test.benchtime: steps are timed over 20
// iterations, so a one-time allocation would not show in allocs/op (the
// integer part of allocations per iteration) but one per step would.
const probeIters = "20x"

// probeCases are the cases TestBenchmarkReports checks: every Step and
// Infer case at d = 64, where gonum's Dgemm runs serially.
func probeCases() []Case {
	o := Options{Sizes: []int{64}}
	return append(StepCases(o), InferCases(o)...)
}

// BenchmarkBaselineProbe runs probeCases as sub-benchmarks named by
// Case.Name, for TestBenchmarkReports, which starts this test binary again
// with -test.bench=^BenchmarkBaselineProbe$ and the benchtime on its
// command line. Without LOWDIM_BENCH_PROBE=1 it skips, so that go test
// -bench . does not time the d = 64 cases twice.
func BenchmarkBaselineProbe(b *testing.B) {
	if os.Getenv(probeEnv) != "1" {
		b.Skip("the child process of TestBenchmarkReports; runs with " + probeEnv + "=1")
	}
	for _, c := range probeCases() {
		b.Run(c.Name, c.Bench)
		c.Release()
	}
}

// TestBenchmarkReports runs the Step and Infer cases at d = 64 as go test
// -bench does, in a child process given -test.benchtime=20x on its command
// line (setting the flag in this process would change it for every
// benchmark run after this test), and reads its output with benchfmt:
//
//   - what Exact computes analytically is what each benchmark reports.
//     These metrics are integers (flops, bytes), which testing prints in
//     full, so they are compared exactly;
//   - a steady-state step of every workload and method allocates nothing
//     (allocs/op is 0).
func TestBenchmarkReports(t *testing.T) {
	args := []string{"-test.run=^$", "-test.bench=^BenchmarkBaselineProbe$", "-test.benchtime=" + probeIters, "-test.count=1"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(d).Round(time.Second).String())
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), probeEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s:\n%s%s", os.Args[0], strings.Join(args, " "), out, stderr.Bytes())

	// Result names are BaselineProbe/<Case.Name>-<GOMAXPROCS>, without
	// the suffix when GOMAXPROCS is 1.
	procs := regexp.MustCompile(`-[0-9]+$`)
	got := map[string]map[string]float64{}
	for name, m := range readMetrics(t, "child", out) {
		got[procs.ReplaceAllString(strings.TrimPrefix(name, "BaselineProbe/"), "")] = m
	}
	t.Logf("%d results from the child", len(got))
	for _, c := range probeCases() {
		want, err := c.Exact()
		require.NoError(t, err, c.Name)
		m, ok := got[c.Name]
		if !ok {
			t.Errorf("%s: no result in the child's output:\n%s", c.Name, out)
			continue
		}
		for u, v := range want {
			if gv, ok := m[u]; !ok || gv != v {
				t.Errorf("%s: %s = %.17g (reported %v), Exact says %.17g", c.Name, u, gv, ok, v)
			}
		}
		if strings.HasPrefix(c.Name, "Step/") {
			if a, ok := m["allocs/op"]; !ok || a != 0 {
				t.Errorf("%s: %v allocs/op (reported %v), want 0", c.Name, a, ok)
			}
		}
	}
}
