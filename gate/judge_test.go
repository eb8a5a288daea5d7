package gate

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMinSamples(t *testing.T) {
	// 2/C(2n,n): n=4 2/70 = 0.0286, n=5 2/252 = 0.0079, n=6 2/924 =
	// 0.0022, n=7 2/3432 = 5.8e-4.
	for _, c := range []struct {
		k     int
		alpha float64
		want  int
	}{
		{0, 0.05, 0},
		{1, 0.05, 4}, // 0.0286 < 0.05; n=3: 2/20 = 0.1
		{5, 0.05, 5}, // limit 0.01: 0.0079 < 0.01 <= 0.0286
		{10, 0.05, 6},
		{23, 0.05, 6}, // limit 0.002174 > 2/924 = 0.0021645
		{24, 0.05, 7}, // limit 0.002083 < 2/924
	} {
		require.Equal(t, c.want, MinSamples(c.k, c.alpha), "k=%d", c.k)
	}
}

// series returns n values base*(1 + 0.001 i): distinct, so the U test
// sees no ties.
func series(n int, base float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = base * (1 + 0.001*float64(i))
	}
	return x
}

func constant(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}

func rowOf(t *testing.T, rows []Row, name, unit string) Row {
	t.Helper()
	for _, r := range rows {
		if r.Benchmark == name && r.Unit == unit {
			return r
		}
	}
	t.Fatalf("no row %s %s in %+v", name, unit, rows)
	return Row{}
}

func TestJudge(t *testing.T) {
	const n = 8
	o := JudgeOptions{Alpha: 0.05, Threshold: 0.05}
	base := Samples{
		"Slow":    {"sec/op": series(n, 1e-3), "flops/op": constant(n, 1000), "allocs/op": {0, 0.1, 0, 0.2, 0, 0, 0, 0}},
		"Same":    {"sec/op": series(n, 1e-3), "recovery-err": constant(n, 1e-5)},
		"Small":   {"sec/op": series(n, 1e-3)},
		"Changed": {"sec/op": series(n, 1e-3), "workspace-bytes": constant(n, 4096), "recovery-err": constant(n, 1e-5)},
	}
	head := Samples{
		// 1.5x slower, separated: p = 2/C(16,8) = 1.6e-4.
		"Slow": {"sec/op": series(n, 1.5e-3), "flops/op": constant(n, 1000), "allocs/op": {0.3, 0, 0, 0, 0.1, 0, 0, 0}},
		// interleaved with the base: no change.
		"Same": {"sec/op": series(n, 1.0005e-3), "recovery-err": constant(n, 1e-5*(1+1e-9))},
		// 2% slower, separated: significant but below the threshold.
		"Small":   {"sec/op": series(n, 1.02e-3)},
		"Changed": {"sec/op": series(n, 1e-3), "workspace-bytes": constant(n, 8192), "recovery-err": constant(n, 2e-5)},
		"Fresh":   {"sec/op": series(n, 1e-3)},
	}
	names := []string{"Slow", "Same", "Small", "Changed", "Fresh"}
	rows := Judge(names, base, head, o, nil)
	// 4 timing rows: Holm limits 0.05/4, 0.05/3, 0.05/2, 0.05/1 by
	// ascending p.
	slow := rowOf(t, rows, "Slow", "sec/op")
	require.Equal(t, Regression, slow.Verdict)
	require.InDelta(t, 2/binom(16, 8), slow.P, 1e-12)
	require.Equal(t, 0.05/4, slow.Limit)
	require.InEpsilon(t, 1.5, slow.Ratio, 1e-12)
	require.Equal(t, NoChange, rowOf(t, rows, "Same", "sec/op").Verdict)
	require.Equal(t, NoChange, rowOf(t, rows, "Small", "sec/op").Verdict, "2% < the 5% threshold")
	require.Equal(t, NoChange, rowOf(t, rows, "Slow", "flops/op").Verdict)
	require.Equal(t, NoChange, rowOf(t, rows, "Slow", "allocs/op").Verdict, "smallest sample 0 on both sides")
	require.Equal(t, NoChange, rowOf(t, rows, "Same", "recovery-err").Verdict, "1e-9 relative < RelTolRecovery")
	require.Equal(t, Changed, rowOf(t, rows, "Changed", "workspace-bytes").Verdict)
	require.Equal(t, Changed, rowOf(t, rows, "Changed", "recovery-err").Verdict)
	fresh := rowOf(t, rows, "Fresh", "sec/op")
	require.Equal(t, New, fresh.Verdict)
	require.True(t, math.IsNaN(fresh.P))
	require.True(t, Failed(rows))

	t.Run("accept", func(t *testing.T) {
		a, err := ParseAccept("accept", []byte("# intended\nBenchmarkChanged workspace-bytes 8192\nChanged recovery-err 2e-5\nChanged flops/op 7\n"))
		require.NoError(t, err)
		rows := Judge([]string{"Changed"}, base, head, o, a)
		require.Equal(t, Accepted, rowOf(t, rows, "Changed", "workspace-bytes").Verdict)
		require.Equal(t, Accepted, rowOf(t, rows, "Changed", "recovery-err").Verdict)
		require.False(t, Failed(rows))
		stale := a.Stale(rows)
		require.Len(t, stale, 1)
		require.Equal(t, 4, stale[0].Line)
		// A line for an old value accepts nothing.
		a, err = ParseAccept("accept", []byte("Changed workspace-bytes 4096\n"))
		require.NoError(t, err)
		require.Equal(t, Changed, rowOf(t, Judge([]string{"Changed"}, base, head, o, a), "Changed", "workspace-bytes").Verdict)
	})
	t.Run("accept within the unit's tolerance", func(t *testing.T) {
		// B/op agrees within 5% + 64 B (tolerance): a line written from
		// one run accepts the next run's allocation, 2% off, and not one
		// 20% off; recovery-err stays at RelTolRecovery.
		n := 6
		base := Samples{"M": {"B/op": constant(n, 10000), "recovery-err": constant(n, 1e-3)}}
		head := Samples{"M": {"B/op": constant(n, 20000), "recovery-err": constant(n, 2e-3)}}
		a, err := ParseAccept("accept", []byte("M B/op 20400\nM recovery-err 2.00001e-3\n"))
		require.NoError(t, err)
		rows := Judge([]string{"M"}, base, head, o, a)
		require.Equal(t, Accepted, rowOf(t, rows, "M", "B/op").Verdict)
		require.Equal(t, Changed, rowOf(t, rows, "M", "recovery-err").Verdict, "5e-6 relative > RelTolRecovery")
		a, err = ParseAccept("accept", []byte("M B/op 24000\n"))
		require.NoError(t, err)
		require.Equal(t, Changed, rowOf(t, Judge([]string{"M"}, base, head, o, a), "M", "B/op").Verdict)
	})
	t.Run("accept file errors", func(t *testing.T) {
		for _, c := range []struct{ in, want string }{
			{"A sec/op 1\n", "f:1: unit sec/op is not gated exactly or within a tolerance, so it needs no accepting"},
			{"\nA flops/op\n", `f:2: want "Benchmark<name> <unit> <value>", got "A flops/op"`},
			{"A flops/op x\n", `f:1: value "x" is not a number`},
		} {
			_, err := ParseAccept("f", []byte(c.in))
			require.EqualError(t, err, c.want)
		}
	})
	t.Run("too few samples", func(t *testing.T) {
		// 4 samples per side cannot reach 0.05/4 (2/70 = 0.029).
		b := Samples{"A": {"sec/op": series(4, 1)}, "B": {"sec/op": series(4, 1)}, "C": {"sec/op": series(4, 1)}, "D": {"sec/op": series(4, 1)}}
		rows := Judge([]string{"A", "B", "C", "D"}, b, b, o, nil)
		for _, r := range rows {
			require.Equal(t, Insufficient, r.Verdict)
		}
		require.True(t, Failed(rows))
	})
	t.Run("holm steps down", func(t *testing.T) {
		// Two rows, both 1.5x slower and separated with 5+5 samples: p =
		// 2/252 = 0.0079 each, below 0.05/2 then 0.05/1: both regress.
		// With Bonferroni at 0.05/2 as well; with 4+4 (p 0.029) the first
		// limit 0.025 fails and, step-down, so does the second.
		for _, c := range []struct {
			n    int
			want Verdict
		}{{5, Regression}, {4, NoChange}} {
			b := Samples{"A": {"sec/op": series(c.n, 1)}, "B": {"sec/op": series(c.n, 1)}}
			h := Samples{"A": {"sec/op": series(c.n, 1.5)}, "B": {"sec/op": series(c.n, 1.5)}}
			rows := Judge([]string{"A", "B"}, b, h, JudgeOptions{Alpha: 0.05, Threshold: 0.05, MinSamples: 1}, nil)
			for _, r := range rows {
				require.Equal(t, c.want, r.Verdict, "n=%d %s p=%g limit=%g", c.n, r.Benchmark, r.P, r.Limit)
			}
		}
	})
}

func TestReportWriters(t *testing.T) {
	const n = 6
	base := Samples{"A": {"sec/op": series(n, 1e-3), "flops/op": constant(n, 10), "B/op": constant(n, 0)}}
	head := Samples{"A": {"sec/op": series(n, 2e-3), "flops/op": constant(n, 10), "B/op": constant(n, 0)},
		"N": {"sec/op": series(n, 1e-3)}}
	o := DefaultOptions
	o.MinSamples = MinSamples(1, o.Alpha)
	rep := &Report{Base: Binary{Path: "b", Rev: "HEAD~1", Commit: strings.Repeat("a", 40)}, Head: Binary{Path: "h", Rev: "HEAD", Commit: strings.Repeat("b", 40)},
		Options: o, Planned: n, Rounds: n, MinSamples: o.MinSamples, New: []string{"N"},
		Rows: Judge([]string{"A", "N"}, base, head, o.JudgeOptions, nil)}
	require.True(t, rep.Failed())
	var txt, md, js bytes.Buffer
	require.NoError(t, rep.WriteText(&txt))
	require.NoError(t, rep.WriteMarkdown(&md))
	require.NoError(t, rep.WriteJSON(&js))
	require.Regexp(t, `(?m)^A +sec/op +timing +1\.002ms +2\.005ms +\+100\.00% +0\.00216 +0\.05 +6\+6 +regression$`, txt.String())
	require.Contains(t, txt.String(), "new (not in the base, not compared): N\n")
	require.Contains(t, txt.String(), "gate: FAIL: 1 timing regressions, 0 memory regressions, 0 deterministic changes")
	require.Contains(t, md.String(), "## lowdim gate: FAIL")
	require.Contains(t, md.String(), "| `A` | sec/op | timing | 1.002ms | 2.005ms | +100.00% | 0.00216 | 0.05 | 6+6 | **regression** |")
	var j map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &j))
	require.Equal(t, true, j["failed"])
	require.Equal(t, "holm", j["correction"])
	require.Len(t, j["rows"], 4) // A: B/op, flops/op, sec/op; N: sec/op
}

// TestCPUTimeIsTiming: the CPU time per iteration (bench.UnitCPUTime,
// tidied to cpu-sec/op) is a timing row, in the same Holm family as the
// wall time: a case slower only in CPU time regresses, and the limits are
// those of k = 2 rows.
func TestCPUTimeIsTiming(t *testing.T) {
	const n = 10
	o := JudgeOptions{Alpha: 0.05, Threshold: 0.05}
	base := Samples{"A": {"sec/op": series(n, 1e-3), "cpu-sec/op": series(n, 1e-3)}}
	head := Samples{"A": {"sec/op": series(n, 1e-3), "cpu-sec/op": series(n, 1.2e-3)}}
	rows := Judge([]string{"A"}, base, head, o, nil)
	cpu := rowOf(t, rows, "A", "cpu-sec/op")
	require.Equal(t, Timing, cpu.Kind)
	require.Equal(t, Regression, cpu.Verdict)
	require.Equal(t, 0.05/2, cpu.Limit, "the smallest p of 2 timing rows")
	wall := rowOf(t, rows, "A", "sec/op")
	require.Equal(t, NoChange, wall.Verdict)
	require.Equal(t, 0.05, wall.Limit)
}
