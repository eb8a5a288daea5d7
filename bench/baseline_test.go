package bench

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"
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
	if testing.Short() {
		t.Skip("trains the quick preset's problems")
	}
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

// TestExactMatchesBenchmark: what Exact computes analytically is what the
// benchmarks report after running (at d = 64, one iteration each).
func TestExactMatchesBenchmark(t *testing.T) {
	testing.Init()
	require.NoError(t, flag.Set("test.benchtime", "1x"))
	for _, c := range append(StepCases(Options{Sizes: []int{64}}), InferCases(Options{Sizes: []int{64}})...) {
		want, err := c.Exact()
		require.NoError(t, err)
		r := testing.Benchmark(c.Bench)
		c.Release()
		require.Positive(t, r.N, c.Name)
		for u, v := range want {
			require.Equal(t, v, r.Extra[u], "%s %s", c.Name, u)
		}
	}
}

// TestStepAllocs: at d = 64 gonum's Dgemm runs serially, so a steady-state
// step of every workload and method allocates nothing.
func TestStepAllocs(t *testing.T) {
	testing.Init()
	require.NoError(t, flag.Set("test.benchtime", "20x"))
	for _, c := range StepCases(Options{Sizes: []int{64}}) {
		r := testing.Benchmark(c.Bench)
		c.Release()
		require.Positive(t, r.N, c.Name)
		require.Zero(t, r.AllocsPerOp(), c.Name)
	}
}
