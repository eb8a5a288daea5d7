package compare

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchmath"
)

// defaultSeed seeds every synthetic sample of these tests; the expected
// verdicts hold for any seed because the noise is bounded (see noisy).
const defaultSeed = 1

var seed = flag.Uint64("seed", defaultSeed, "seed of the synthetic benchmark samples")

// newRand returns the tests' one random source, logging its seed when it is
// not the default.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	if *seed != defaultSeed {
		t.Logf("seed %d", *seed)
	}
	return rand.New(rand.NewPCG(*seed, 0x6c6f7764696d))
}

// noisy returns n samples center*(1+u), u uniform on [-noise, noise]. The
// bound makes the expected verdicts seed-independent: with noise 0.01 the
// median of a sample lies in [0.99, 1.01] x center.
func noisy(rng *rand.Rand, n int, center, noise float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = center * (1 + noise*(2*rng.Float64()-1))
	}
	return x
}

// same returns n copies of v.
func same(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}

// series is the values of one benchmark and unit.
type series struct {
	name, unit string
	vals       []float64
}

// benchFile writes a file in the Go benchmark format: the head lines (Unit
// lines, configuration), then one result line per value of each series,
// named Benchmark<name>-4.
func benchFile(head string, ss ...series) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/x\n")
	b.WriteString(head)
	for _, s := range ss {
		for _, v := range s.vals {
			fmt.Fprintf(&b, "Benchmark%s-4\t100\t%s %s\n", s.name, strconv.FormatFloat(v, 'g', -1, 64), s.unit)
		}
	}
	b.WriteString("PASS\nok  \texample.com/x\t1.0s\n")
	return b.String()
}

// compareText compares two files given as text, named old.txt and new.txt.
func compareText(oldText, newText string, opt Options) (*Report, error) {
	return Compare(Source{"old.txt", strings.NewReader(oldText)}, Source{"new.txt", strings.NewReader(newText)}, opt)
}

// requireRow fails unless rep has one row for bench and unit, and returns it.
func requireRow(t *testing.T, rep *Report, bench, unit string) Row {
	t.Helper()
	var found []Row
	for _, r := range rep.Rows {
		if r.Benchmark == bench && r.Unit == unit {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "rows for %s %s in %+v", bench, unit, rep.Rows)
	return found[0]
}

// The planted changes. With noise 0.01 the medians lie within 1% of their
// centers, so the relative change of the medians of centers c0 -> c1 lies in
// [c1/c0 x 0.99/1.01, c1/c0 x 1.01/0.99] - 1:
//
//	1000 -> 1200: [+17.6%, +22.4%], samples disjoint (max 1010 < min 1188),
//	  so p is the smallest p of n=10+10 (1.1e-5 < 0.05): regression.
//	1000 -> 1020: [-0.02%, +4.1%], within the 5% threshold: no change.
//	1000 -> 1000: [-2.0%, +2.0%]: no change.
//	1000 -> 800:  [-21.6%, -18.4%], disjoint: improvement.
//
// The smallest U-test p-value of two disjoint samples of sizes n1, n2 is
// 2/C(n1+n2, n1): 2+2 0.33, 3+3 0.1, 4+4 0.029, 2+10 0.030.
func TestCompareVerdicts(t *testing.T) {
	const (
		noise = 0.01
		nsOp  = "ns/op"
	)
	exactHead := "Unit flops/op assume=exact\n"
	higherHead := "Unit GFLOP/s better=higher\n"
	tests := []struct {
		name       string
		head       string // Unit lines of both files
		unit       string // as written
		old, new   func(*rand.Rand) []float64
		opt        *Options // nil: DefaultOptions
		wantUnit   string   // tidied unit of the row
		want       Verdict
		wantExact  bool
		wantFailed bool
	}{
		{name: "20% slowdown n=10", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1200, noise) },
			want: Regression, wantFailed: true},
		{name: "2% slowdown below threshold", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1020, noise) },
			want: NoChange},
		{name: "noise only", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1000, noise) },
			want: NoChange},
		{name: "20% improvement", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 800, noise) },
			want: Improvement},
		// Noise 0.005: 995..1005 against 1014.9..1025.1, disjoint, so
		// significant; +2% > Threshold 0.
		{name: "2% slowdown with threshold 0", unit: nsOp, opt: &Options{Threshold: 0},
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1000, 0.005) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1020, 0.005) },
			want: Regression, wantFailed: true},
		{name: "better=higher drops 20%", head: higherHead, unit: "GFLOP/s",
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 100, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 80, noise) },
			want: Regression, wantFailed: true},
		{name: "better=higher rises 20%", head: higherHead, unit: "GFLOP/s",
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 100, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 120, noise) },
			want: Improvement},
		{name: "rate per second without Unit line drops 20%", unit: "flops/s",
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1e9, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 0.8e9, noise) },
			want: Regression, wantFailed: true},
		{name: "MB/s (B/s, higher) drops 20%", unit: "MB/s", wantUnit: "B/s",
			old:  func(r *rand.Rand) []float64 { return noisy(r, 10, 500, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 400, noise) },
			want: Regression, wantFailed: true},
		// A change of 1 in 1e6 is far below Threshold but beyond RelTolExact.
		{name: "assume=exact +1", head: exactHead, unit: "flops/op",
			old:  func(*rand.Rand) []float64 { return same(3, 1e6) },
			new:  func(*rand.Rand) []float64 { return same(3, 1e6+1) },
			want: Regression, wantExact: true, wantFailed: true},
		{name: "assume=exact +1 with one sample each", head: exactHead, unit: "flops/op",
			old:  func(*rand.Rand) []float64 { return same(1, 1e6) },
			new:  func(*rand.Rand) []float64 { return same(1, 1e6+1) },
			want: Regression, wantExact: true, wantFailed: true},
		{name: "assume=exact -1", head: exactHead, unit: "flops/op",
			old:  func(*rand.Rand) []float64 { return same(3, 1e6) },
			new:  func(*rand.Rand) []float64 { return same(3, 1e6-1) },
			want: Improvement, wantExact: true},
		{name: "assume=exact equal", head: exactHead, unit: "flops/op",
			old:  func(*rand.Rand) []float64 { return same(3, 1e6) },
			new:  func(*rand.Rand) []float64 { return same(3, 1e6) },
			want: NoChange, wantExact: true},
		// 10+10 constant samples could have shown a difference (p 1.1e-5),
		// so the unit is deterministic: 10 -> 11 allocs is a regression
		// whatever the threshold.
		{name: "constant samples +1 detected deterministic", unit: "allocs/op",
			old:  func(*rand.Rand) []float64 { return same(10, 100) },
			new:  func(*rand.Rand) []float64 { return same(10, 101) },
			want: Regression, wantExact: true, wantFailed: true},
		// 2+2 constant samples are no evidence (the smallest p is 0.33).
		{name: "constant samples n=2 not deterministic", unit: "allocs/op",
			old:  func(*rand.Rand) []float64 { return same(2, 100) },
			new:  func(*rand.Rand) []float64 { return same(2, 101) },
			want: Insufficient},
		{name: "n=2 slowdown warns", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 2, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 2, 1200, noise) },
			want: Insufficient},
		{name: "n=2 noise only warns", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 2, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 2, 1000, noise) },
			want: Insufficient},
		{name: "n=2 with strict samples fails", unit: nsOp, opt: &Options{Threshold: 0.05, StrictSamples: true},
			old:  func(r *rand.Rand) []float64 { return noisy(r, 2, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 2, 1200, noise) },
			want: Insufficient, wantFailed: true},
		{name: "n=3+3 warns", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 3, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 3, 1200, noise) },
			want: Insufficient},
		{name: "n=4+4 suffices", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 4, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 4, 1200, noise) },
			want: Regression, wantFailed: true},
		{name: "n=2+10 suffices", unit: nsOp,
			old:  func(r *rand.Rand) []float64 { return noisy(r, 2, 1000, noise) },
			new:  func(r *rand.Rand) []float64 { return noisy(r, 10, 1200, noise) },
			want: Regression, wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			opt := DefaultOptions
			if tt.opt != nil {
				opt = *tt.opt
			}
			oldText := benchFile(tt.head, series{"Step/d=64", tt.unit, tt.old(rng)})
			newText := benchFile(tt.head, series{"Step/d=64", tt.unit, tt.new(rng)})
			rep, err := compareText(oldText, newText, opt)
			require.NoError(t, err)
			unit := tt.wantUnit
			if unit == "" {
				unit = tt.unit
				if unit == nsOp {
					unit = "sec/op"
				}
			}
			row := requireRow(t, rep, "Step/d=64", unit)
			require.Equal(t, tt.want, row.Verdict, "row %+v", row)
			require.Equal(t, tt.wantExact, row.Exact, "row %+v", row)
			require.Equal(t, tt.wantFailed, rep.Failed(), "report %+v", rep)
			wantCount := func(v Verdict) int {
				if tt.want == v {
					return 1
				}
				return 0
			}
			require.Equal(t, wantCount(Regression), rep.Regressions)
			require.Equal(t, wantCount(Improvement), rep.Improvements)
			require.Equal(t, wantCount(Insufficient), rep.Warnings)
		})
	}
}

func TestCompareRowValues(t *testing.T) {
	// 1000 ns/op against 1200 ns/op, constant within each file, 10 each:
	// deterministic by detection, centers 1e-6 and 1.2e-6 s, ratio 1.2.
	const relTol = 1e-12 // a few roundings of decimal values
	oldText := benchFile("", series{"X", "ns/op", same(10, 1000)})
	newText := benchFile("", series{"X", "ns/op", same(10, 1200)})
	rep, err := compareText(oldText, newText, DefaultOptions)
	require.NoError(t, err)
	row := requireRow(t, rep, "X", "sec/op")
	require.InEpsilon(t, 1e-6, row.Old.Center, relTol)
	require.InEpsilon(t, 1.2e-6, row.New.Center, relTol)
	require.InEpsilon(t, 1.2, row.Ratio, relTol)
	require.Equal(t, 10, row.Old.N)
	require.Equal(t, "+20.00%", row.Delta)
	require.Equal(t, -1, row.Better)
	require.Equal(t, 0.0, row.P, "an exact comparison reports p = 0")
}

func TestCompareGrouping(t *testing.T) {
	rng := newRand(t)
	const noise = 0.01
	line := func(name string, ns float64) string {
		return fmt.Sprintf("Benchmark%s\t100\t%.1f ns/op\t64 B/op\t2 allocs/op\n", name, ns)
	}
	var oldB, newB strings.Builder
	for range 10 {
		// GOMAXPROCS differs between the files: the rows pair up.
		oldB.WriteString(line("Step/d=64-8", 1000*(1+noise*(2*rng.Float64()-1))))
		newB.WriteString(line("Step/d=64-16", 1200*(1+noise*(2*rng.Float64()-1))))
		// -cpu 1,4 in both files: the suffix stays, runs never mix.
		oldB.WriteString(line("Infer-1", 1000*(1+noise*(2*rng.Float64()-1))))
		oldB.WriteString(line("Infer-4", 300*(1+noise*(2*rng.Float64()-1))))
		newB.WriteString(line("Infer-1", 1000*(1+noise*(2*rng.Float64()-1))))
		newB.WriteString(line("Infer-4", 300*(1+noise*(2*rng.Float64()-1))))
		// A sec/op file pairs with an ns/op one.
		oldB.WriteString(fmt.Sprintf("BenchmarkSec-8\t100\t%g sec/op\n", 1e-3*(1+noise*(2*rng.Float64()-1))))
		newB.WriteString(fmt.Sprintf("BenchmarkSec-8\t100\t%g ns/op\n", 1e6*(1+noise*(2*rng.Float64()-1))))
		oldB.WriteString(line("Gone-8", 10))
		newB.WriteString(line("New-8", 10))
	}
	rep, err := compareText(oldB.String(), newB.String(), DefaultOptions)
	require.NoError(t, err)
	want := []struct {
		bench, unit string
		verdict     Verdict
	}{
		{"Step/d=64", "sec/op", Regression},
		{"Step/d=64", "B/op", NoChange},
		{"Step/d=64", "allocs/op", NoChange},
		{"Infer-1", "sec/op", NoChange},
		{"Infer-4", "sec/op", NoChange},
		{"Sec", "sec/op", NoChange},
		{"Gone", "sec/op", OnlyInOld},
		{"New", "allocs/op", OnlyInNew},
	}
	for _, w := range want {
		row := requireRow(t, rep, w.bench, w.unit)
		require.Equal(t, w.verdict, row.Verdict, "%s %s: %+v", w.bench, w.unit, row)
	}
	// 6 common benchmarks x 3 units except Sec (1), plus 3 units of Gone
	// and 3 of New.
	require.Len(t, rep.Rows, 3+3+3+1+3+3)
	require.Equal(t, "Step/d=64", rep.Rows[0].Benchmark, "rows keep the order of the old file")
	gone := requireRow(t, rep, "Gone", "sec/op")
	require.True(t, math.IsNaN(gone.P))
	require.Zero(t, gone.New.N)
	require.Equal(t, 1, rep.Regressions)
	require.Zero(t, rep.Warnings, "rows in one file are not warnings")
}

func TestCompareErrors(t *testing.T) {
	good := benchFile("", series{"X", "ns/op", same(5, 1000)})
	other := benchFile("", series{"Y", "ns/op", same(5, 1000)})
	tests := []struct {
		name     string
		old, new string
		opt      Options
		want     []string // substrings of the error
	}{
		{name: "syntax errors in both files",
			old: "goos: linux\nBenchmarkX-4 100 abc ns/op\n" + good,
			new: good + "BenchmarkX-4 100\nBenchmarkX-4 100 5\n",
			want: []string{"old.txt:2: parsing measurement", "new.txt:11: missing measurements",
				"new.txt:12: missing units"}},
		{name: "non-finite value", old: good, new: "BenchmarkX-4 100 NaN ns/op\n" + good,
			want: []string{"new.txt:1: non-finite measurement NaN ns/op"}},
		{name: "conflicting Unit lines", old: "Unit x/op better=higher\n" + good,
			new:  "Unit x/op better=lower\n" + good,
			want: []string{"new.txt:1: metadata better of unit x/op already set to higher"}},
		{name: "empty old", old: "goos: linux\nPASS\n", new: good,
			want: []string{"old.txt: no benchmark results"}},
		{name: "both empty", old: "", new: "",
			want: []string{"old.txt: no benchmark results", "new.txt: no benchmark results"}},
		{name: "no common benchmark", old: good, new: other,
			want: []string{"old.txt and new.txt have no benchmark and unit in common", "X sec/op", "Y sec/op"}},
		{name: "no common unit", old: good, new: benchFile("", series{"X", "B/op", same(5, 1)}),
			want: []string{"no benchmark and unit in common"}},
		{name: "alpha too large", old: good, new: good, opt: Options{Alpha: 1}, want: []string{"Options.Alpha 1"}},
		{name: "negative threshold", old: good, new: good, opt: Options{Threshold: -0.1},
			want: []string{"Options.Threshold -0.1"}},
		{name: "NaN threshold", old: good, new: good, opt: Options{Threshold: math.NaN()},
			want: []string{"Options.Threshold NaN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := compareText(tt.old, tt.new, tt.opt)
			require.Error(t, err)
			require.Nil(t, rep)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestCompareSyntaxErrorsType(t *testing.T) {
	good := benchFile("", series{"X", "ns/op", same(5, 1000)})
	_, err := compareText(good+"BenchmarkX-4 x 1 ns/op\n", good, DefaultOptions)
	var se SyntaxErrors
	require.ErrorAs(t, err, &se)
	require.Len(t, se, 1)
	name, line := se[0].Pos()
	require.Equal(t, "old.txt", name)
	require.Equal(t, 11, line) // after 3 configuration lines, 5 results, PASS, ok
}

func TestCompareSyntaxErrorsListBounded(t *testing.T) {
	bad := strings.Repeat("BenchmarkX-4 100 abc ns/op\n", maxListed+5)
	_, err := compareText(bad, bad, DefaultOptions)
	require.ErrorContains(t, err, fmt.Sprintf("... and %d more syntax errors", 2*(maxListed+5)-maxListed))
	// maxListed lines joined by newlines, then a newline and the count.
	require.Equal(t, maxListed, strings.Count(err.Error(), "\n"))
}

func TestCompareReadErrors(t *testing.T) {
	good := benchFile("", series{"X", "ns/op", same(5, 1000)})
	t.Run("I/O error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := Compare(Source{"old.txt", iotest.ErrReader(boom)}, Source{"new.txt", strings.NewReader(good)}, DefaultOptions)
		require.ErrorIs(t, err, boom)
		require.ErrorContains(t, err, "old.txt")
	})
	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing.txt")
		_, err := Compare(Source{Name: missing}, Source{"new.txt", strings.NewReader(good)}, DefaultOptions)
		require.ErrorIs(t, err, os.ErrNotExist)
		require.ErrorContains(t, err, missing)
	})
	t.Run("files by name", func(t *testing.T) {
		dir := t.TempDir()
		o, n := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
		require.NoError(t, os.WriteFile(o, []byte(good), 0o644))
		require.NoError(t, os.WriteFile(n, []byte(good), 0o644))
		rep, err := Compare(Source{Name: o}, Source{Name: n}, Options{})
		require.NoError(t, err)
		require.Equal(t, DefaultOptions.Alpha, rep.Options.Alpha, "zero Alpha means the default")
		require.Equal(t, NoChange, requireRow(t, rep, "X", "sec/op").Verdict)
	})
}

func TestCompareBetter(t *testing.T) {
	tests := []struct {
		head string // Unit lines
		unit string // as written
		want int
	}{
		{"", "ns/op", -1},
		{"", "sec/op", -1},
		{"", "B/op", -1},
		{"", "allocs/op", -1},
		{"", "flops/op", -1},
		{"", "recovery-err", -1},
		{"", "MB/s", 1},
		{"", "flops/s", 1},
		{"", "samples/s", 1},
		{"Unit GFLOP/s better=higher\n", "GFLOP/s", 1},
		{"Unit flops/s better=lower\n", "flops/s", -1},
		{"Unit score better=higher\n", "score", 1},
	}
	for _, tt := range tests {
		t.Run(tt.unit+" "+strings.TrimSpace(tt.head), func(t *testing.T) {
			text := benchFile(tt.head, series{"X", tt.unit, same(5, 1)})
			rep, err := compareText(text, text, DefaultOptions)
			require.NoError(t, err)
			require.Len(t, rep.Rows, 1)
			require.Equal(t, tt.want, rep.Rows[0].Better, "unit %s", rep.Rows[0].Unit)
		})
	}
}

func TestCompareFormatDelta(t *testing.T) {
	tests := []struct {
		old, new float64
		want     string
	}{
		{1000, 1200, "+20.00%"},
		{1000, 800, "-20.00%"},
		{1e6, 1e6 + 1, "+0.0001%"}, // two significant digits where 0.00% would hide it
		{1e6, 1e6 - 1, "-0.0001%"},
		{5, 5, "0.00%"},
		{0, 1, "?"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.old, "->", tt.new), func(t *testing.T) {
			require.Equal(t, tt.want, formatDelta(tt.old, tt.new))
		})
	}
}

func TestCompareMinP(t *testing.T) {
	// 2/C(n1+n2, n1), the two-sided exact p of disjoint samples; relTol
	// covers benchmath's float arithmetic.
	const relTol = 1e-9
	tests := []struct {
		n1, n2 int
		want   float64
	}{
		{1, 1, 1},
		{2, 2, 2.0 / 6},
		{3, 3, 2.0 / 20},
		{4, 4, 2.0 / 70},
		{2, 10, 2.0 / 66},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n1, "+", tt.n2), func(t *testing.T) {
			got := minP(tt.n1, tt.n2, &benchmath.DefaultThresholds)
			require.InEpsilon(t, tt.want, got, relTol)
		})
	}
}
