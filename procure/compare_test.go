package procure

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/machine"
)

// synthetic returns a report whose benchmarks' samples are base x scale
// times (1 + 2% uniform noise) from seed: a machine scale times slower.
func synthetic(name string, blas string, scale float64, measured bool, seed uint64) Input {
	rng := rand.New(rand.NewPCG(seed, 7))
	r := &Report{Kind: Kind, Suite: SuiteName, SuiteVersion: SuiteVersion, EnergyMeasured: measured, EnergySource: "test",
		Machine: machine.Fingerprint{CPUModel: "Test CPU " + name, Cores: 2, GOMAXPROCS: 2, BLAS: blas}}
	add := func(n, cat, unit string, higher, meas bool, base float64) {
		b := Benchmark{Name: n, Category: cat, Unit: unit, HigherIsBetter: higher, Measured: meas}
		for range 8 {
			v := base * (1 + 0.02*rng.Float64())
			if higher {
				b.Samples = append(b.Samples, v/scale)
			} else {
				b.Samples = append(b.Samples, v*scale)
			}
		}
		b.summarize()
		r.Benchmarks = append(r.Benchmarks, b)
	}
	add("calibration/dgemm/n=256", Calibration, "GFLOP/s", true, true, 40)
	add("step/workload=mf/method=original/d=256", Training, "s", false, true, 0.01)
	add("step/workload=mf/method=compressed/d=256", Training, "s", false, true, 0.001)
	add("time-to-quality/preset=paper-mc/method=original", TimeToQuality, "s", false, true, 7)
	add("time-to-quality/preset=paper-mc/method=compressed", TimeToQuality, "s", false, true, 0.3)
	add("energy/preset=paper-mc/method=original", Energy, "J", false, measured, 70)
	add("energy/preset=paper-mc/method=compressed", Energy, "J", false, measured, 3)
	add("memory/peak-rss/preset=paper-mc/method=original", Memory, "bytes", false, true, 3e7)
	add("inference/method=compressed/d=256/batch=1", Inference, "s", false, true, 1e-5)
	r.Benchmarks = append(r.Benchmarks, Benchmark{Name: "step/workload=ms/method=original/d=256", Category: Training, Unit: "s", Absent: "too big"})
	return Input{Name: name, Path: name + ".json", Report: r}
}

func TestCompareAA(t *testing.T) {
	// Two reports of one machine (different noise): every interval covers 1.
	c, err := Compare([]Input{synthetic("a", "gonum", 1, false, 1), synthetic("b", "gonum", 1, false, 2)}, CompareOptions{})
	require.NoError(t, err)
	for _, r := range c.Rows {
		if r.Speedup == nil {
			continue
		}
		require.True(t, *r.Lo <= 1 && 1 <= *r.Hi, "%s: A/A interval [%v, %v] covers 1", r.Benchmark, *r.Lo, *r.Hi)
	}
	for _, g := range c.Geomeans {
		if g.Speedup != nil {
			require.True(t, *g.Lo <= 1 && 1 <= *g.Hi, "%s: A/A geomean interval [%v, %v]", g.Category, *g.Lo, *g.Hi)
		}
	}
	require.NotContains(t, strings.Join(c.Warnings, "\n"), "different", "same backend and GOMAXPROCS: no warning")
	for _, a := range c.Answers {
		if strings.HasPrefix(a.Question, "fastest") || strings.HasPrefix(a.Question, "lowest") {
			require.Contains(t, a.Text, "not a clear difference", "A/A: %s", a.Question)
		}
	}
}

func TestCompareFaster(t *testing.T) {
	// b takes half the time of a everywhere: speedups of 2, within the
	// noise (2% each way: 2 x [1/1.02, 1.02]).
	a, b := synthetic("a", "gonum", 1, false, 1), synthetic("b", "openblas", 0.5, true, 2)
	c, err := Compare([]Input{a, b}, CompareOptions{Price: map[string]float64{"a": 1, "b": 3}, Watts: map[string]float64{"a": 100}})
	require.NoError(t, err)
	const lo, hi = 2 / 1.021, 2 * 1.021
	for _, r := range c.Rows {
		switch {
		case strings.HasPrefix(r.Benchmark, "energy/"):
			require.Nil(t, r.Speedup, "a's energy is modelled: never compared")
			require.Contains(t, r.Note, "modelled")
		case strings.Contains(r.Benchmark, "ms/"):
			require.Nil(t, r.Speedup)
			require.Contains(t, r.Note, "absent: too big")
		default:
			require.InDelta(t, 2, *r.Speedup, 0.05, r.Benchmark)
			require.True(t, *r.Lo > 1, "%s: interval [%v, %v] excludes 1", r.Benchmark, *r.Lo, *r.Hi)
			require.True(t, lo <= *r.Lo && *r.Hi <= hi, "%s: [%v, %v] within the noise", r.Benchmark, *r.Lo, *r.Hi)
		}
	}
	geo := map[string]Geomean{}
	for _, g := range c.Geomeans {
		geo[g.Category] = g
	}
	require.Equal(t, 2, geo[Training].Benchmarks)
	require.InDelta(t, 2, *geo[Training].Speedup, 0.05)
	require.Nil(t, geo[Energy].Speedup, "no measured pair")
	require.Contains(t, strings.Join(c.Warnings, "\n"), "different BLAS backends: a ran gonum, b ran openblas")

	ans := map[string]Answer{}
	for _, x := range c.Answers {
		ans[x.Question] = x
	}
	require.Equal(t, "b", ans["fastest time to quality"].Machine)
	require.Equal(t, "b", ans["fastest training step"].Machine)
	require.Contains(t, ans["fastest training step"].Text, "b: 2")
	require.Equal(t, "b", ans["lowest inference latency"].Machine)
	// Cost: a 7.3 s at 1 USD/h, b 3.65 s at 3 USD/h: a is cheaper.
	require.Equal(t, "a", ans["cheapest training run"].Machine, ans["cheapest training run"].Text)
	// Energy: b measured (35 + 1.5 J), a given 100 W x 7.3 s = 730 J.
	require.Equal(t, "b", ans["least energy per run"].Machine, ans["least energy per run"].Text)
	require.Contains(t, c.Machines[0].EnergyBasis, "given power 100 W")
	require.Contains(t, c.Machines[1].EnergyBasis, "measured")

	// Without power for a, energy is not answered, and why.
	c, err = Compare([]Input{a, b}, CompareOptions{})
	require.NoError(t, err)
	ans = map[string]Answer{}
	for _, x := range c.Answers {
		ans[x.Question] = x
	}
	require.Empty(t, ans["least energy per run"].Machine)
	require.Contains(t, ans["least energy per run"].Text, "give --watts a=W")
	require.Contains(t, ans["cheapest training run"].Text, "no --price a=USD_PER_HOUR")

	// Reversed, a is slower: b, the reference, answers, with no doubt.
	c2, err := Compare([]Input{b, a}, CompareOptions{})
	require.NoError(t, err)
	require.Equal(t, "b", c2.Answers[0].Machine)
	require.Contains(t, c2.Answers[0].Text, "b (the reference): the others' time to quality speedups are below 1 (a 0.5")
	require.NotContains(t, c2.Answers[0].Text, "not a clear difference")

	var md, html strings.Builder
	require.NoError(t, c.WriteMarkdown(&md))
	require.NoError(t, c.WriteHTML(&html))
	for _, s := range []string{md.String(), html.String()} {
		require.Contains(t, s, "Test CPU b")
		require.Contains(t, s, "fastest time to quality")
	}
}

func TestCompareRefuses(t *testing.T) {
	a, b := synthetic("a", "gonum", 1, false, 1), synthetic("b", "gonum", 1, false, 2)
	b2 := *b.Report
	b2.SuiteVersion = SuiteVersion + 1
	for _, tc := range []struct {
		name string
		in   []Input
		o    CompareOptions
		want []string
	}{
		{"one report", []Input{a}, CompareOptions{}, []string{"1 report(s)"}},
		{"versions", []Input{a, {Name: "b", Path: "b.json", Report: &b2}}, CompareOptions{}, []string{fmt.Sprintf("a.json is suite standard version %d", SuiteVersion), fmt.Sprintf("b.json is suite standard version %d", SuiteVersion+1)}},
		{"same name", []Input{a, a}, CompareOptions{}, []string{`two reports named "a"`}},
		{"price of no report", []Input{a, b}, CompareOptions{Price: map[string]float64{"c": 1}}, []string{"--price c=1", `no report named "c"`, "a, b"}},
		{"negative watts", []Input{a, b}, CompareOptions{Watts: map[string]float64{"a": -1}}, []string{"--watts a=-1", "positive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compare(tc.in, tc.o)
			require.Error(t, err)
			require.True(t, config.IsUserError(err), "an input error (exit 2)")
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "none.json"), "none.json: no such file"},
		{"not JSON", write("x.json", "BenchmarkX 1 2 ns/op\n"), "x.json: not a machine report"},
		{"other JSON", write("run.json", `{"schema": 3, "kind": "linear"}`), `kind "linear"`},
		{"no version", write("v.json", `{"kind": "lowdim-machine-report", "suite": "standard"}`), "version 0"},
		{"negative sample", write("s.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "benchmarks": [{"name": "x", "category": "training", "unit": "s", "samples": [-1]}]}`), `"x" has sample -1`},
		{"no machine", write("m.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "benchmarks": []}`), "machine with 0 cores and GOMAXPROCS 0"},
		{"calibration lower is better", write("c.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "benchmarks": [{"name": "calibration/triad", "category": "calibration", "unit": "GB/s", "samples": [9]}]}`), `"calibration/triad": higher_is_better false in category calibration (want true)`},
		{"no benchmarks", write("e.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "benchmarks": []}`), "e.json: malformed machine report: no benchmarks"},
		{"benchmarks null", write("n.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}}`), "n.json: malformed machine report: no benchmarks"},
		{"negative start load", write("ls.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "load_average_start": -5, "benchmarks": [{"name": "x", "category": "training", "unit": "s", "samples": [1]}]}`), "ls.json: malformed machine report: load_average_start -5"},
		{"negative end load", write("le.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "load_average_end": -0.5, "benchmarks": [{"name": "x", "category": "training", "unit": "s", "samples": [1]}]}`), "le.json: malformed machine report: load_average_end -0.5"},
		{"negative load", write("bl.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "benchmarks": [{"name": "x", "category": "training", "unit": "s", "samples": [1], "load_average": -1}]}`), `bl.json: malformed machine report: benchmark "x": load_average -1`},
		{"negative others", write("bo.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "benchmarks": [{"name": "x", "category": "training", "unit": "s", "samples": [1], "others_cpu": -0.25}]}`), `bo.json: malformed machine report: benchmark "x": others_cpu -0.25`},
		{"negative wait", write("bw.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "benchmarks": [{"name": "x", "category": "training", "unit": "s", "samples": [1], "wait": -2}]}`), `bw.json: malformed machine report: benchmark "x": wait -2`},
		{"memory in seconds", write("b.json", `{"kind": "lowdim-machine-report", "suite": "standard", "suite_version": 1, "machine": {"cores": 2, "gomaxprocs": 2}, "benchmarks": [{"name": "rss", "category": "memory", "unit": "s", "samples": [9]}]}`), `"rss": unit "s" in category memory (want bytes)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFile(tc.path)
			require.ErrorContains(t, err, tc.want)
			require.True(t, config.IsUserError(err))
		})
	}
}

// TestCompareLoaded: a benchmark whose threads waited for a CPU more than
// LoadedWait per CPU second is called loaded in its row and in a
// warning naming the report; the CPU times are shown beside the wall
// times.
func TestCompareLoaded(t *testing.T) {
	a, b := synthetic("a", "gonum", 1, false, 1), synthetic("b", "gonum", 1, false, 2)
	for i := range b.Report.Benchmarks {
		bb := &b.Report.Benchmarks[i]
		if bb.Name == "step/workload=mf/method=original/d=256" {
			bb.Wait = ptr(0.8)
			bb.CPUSamples = slices.Clone(bb.Samples)
			bb.summarize()
		}
		if bb.Name == "step/workload=mf/method=compressed/d=256" {
			bb.Wait = ptr(0.05)
		}
	}
	c, err := Compare([]Input{a, b}, CompareOptions{})
	require.NoError(t, err)
	w := strings.Join(c.Warnings, "\n")
	require.Contains(t, w, "b was made on a loaded machine: in 1 of its 2 timed benchmarks its threads waited for a CPU more than 0.10 s per CPU second they ran (up to 0.80 s)")
	require.NotContains(t, w, "a was made on a loaded machine")
	for _, r := range c.Rows {
		switch r.Benchmark {
		case "step/workload=mf/method=original/d=256":
			require.Contains(t, r.Note, "loaded: waited for a CPU per CPU second: b 0.80 s")
			require.NotNil(t, r.ValueCPU)
			require.Nil(t, r.ReferenceCPU)
		case "step/workload=mf/method=compressed/d=256":
			require.Empty(t, r.Note)
		}
	}
	var md strings.Builder
	require.NoError(t, c.WriteMarkdown(&md))
	require.Contains(t, md.String(), "| CPU time (a, machine) |")
}

// TestCompareNoCommonTTQ: machines without a time-to-quality benchmark in
// common leave cost and energy unanswered with the reason, never an empty
// one (it used to print "not answered: a's ; b's ").
func TestCompareNoCommonTTQ(t *testing.T) {
	a, b := synthetic("a", "gonum", 1, false, 1), synthetic("b", "gonum", 2, false, 2)
	b.Report.Benchmarks = slices.DeleteFunc(b.Report.Benchmarks, func(x Benchmark) bool { return x.Category == TimeToQuality })
	c, err := Compare([]Input{a, b}, CompareOptions{Price: map[string]float64{"a": 1, "b": 2}})
	require.NoError(t, err)
	for _, x := range c.Answers {
		if !strings.HasPrefix(x.Text, "not answered") {
			continue
		}
		require.NotRegexp(t, `'s (;|$)|: ?$|; ?;|; ?$`, x.Text, "%s: an empty reason", x.Question)
	}
	ans := map[string]Answer{}
	for _, x := range c.Answers {
		ans[x.Question] = x
	}
	require.Equal(t, "not answered: no time-to-quality benchmark measured on every machine", ans["least energy per run"].Text)
	require.Equal(t, "not answered: no time-to-quality benchmark measured on every machine", ans["cheapest training run"].Text)
}
