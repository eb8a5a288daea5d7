package gate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// TestJudgeToleranceUnits: B/op on each side's smallest sample within 5%
// plus 64 bytes; the MLP's test-acc and test-loss within 1e-6 relative.
func TestJudgeToleranceUnits(t *testing.T) {
	o := JudgeOptions{Alpha: 0.05, Threshold: 0.05}
	base := Samples{
		"Gonum":  {"B/op": {2904.3, 2891, 2912}}, // smallest 2891
		"Grown":  {"B/op": {2880, 2880, 2880}},   // a buffer grown 8%
		"Zero":   {"B/op": {0, 0.06, 0}},         // a stray allocation
		"NewBuf": {"B/op": {0, 0, 0}},            // a new 80-byte allocation per op
		"MLP":    {"test-acc": {0.716, 0.716}, "test-loss": {0.8871872108563388, 0.8871872108563388}},
		"MLP2":   {"test-acc": {0.716, 0.716}, "test-loss": {0.8871872108563388, 0.8871872108563388}},
	}
	head := Samples{
		"Gonum":  {"B/op": {2880, 2919, 2903}},
		"Grown":  {"B/op": {3110.4, 3110.4, 3111}},
		"Zero":   {"B/op": {0.1, 0, 0.09}},
		"NewBuf": {"B/op": {80, 80, 80.2}},
		"MLP":    {"test-acc": {0.716, 0.716}, "test-loss": {0.887187210856339, 0.887187210856339}}, // another rounding
		"MLP2":   {"test-acc": {0.717, 0.717}, "test-loss": {0.8871, 0.8871}},                       // one more image right
	}
	rows := Judge([]string{"Gonum", "Grown", "Zero", "NewBuf", "MLP", "MLP2"}, base, head, o, nil)
	for _, c := range []struct {
		name, unit string
		want       Verdict
		base, head float64
	}{
		{"Gonum", "B/op", NoChange, 2891, 2880},
		{"Grown", "B/op", Changed, 2880, 3110.4},
		{"Zero", "B/op", NoChange, 0, 0},
		{"NewBuf", "B/op", Changed, 0, 80},
		{"MLP", "test-acc", NoChange, 0.716, 0.716},
		{"MLP", "test-loss", NoChange, 0.8871872108563388, 0.887187210856339},
		{"MLP2", "test-acc", Changed, 0.716, 0.717},
		{"MLP2", "test-loss", Changed, 0.8871872108563388, 0.8871},
	} {
		r := rowOf(t, rows, c.name, c.unit)
		require.Equal(t, Tolerance, r.Kind, "%s %s", c.name, c.unit)
		require.Equal(t, c.want, r.Verdict, "%s %s", c.name, c.unit)
		require.Equal(t, c.base, r.Base.Center, "%s %s", c.name, c.unit)
		require.Equal(t, c.head, r.Head.Center, "%s %s", c.name, c.unit)
	}
	t.Run("accept", func(t *testing.T) {
		a, err := ParseAccept("accept", []byte("MLP2 test-acc 0.717\nGrown B/op 3110.4\n"))
		require.NoError(t, err)
		rows := Judge([]string{"Grown", "MLP2"}, base, head, o, a)
		require.Equal(t, Accepted, rowOf(t, rows, "MLP2", "test-acc").Verdict)
		require.Equal(t, Accepted, rowOf(t, rows, "Grown", "B/op").Verdict)
		require.Equal(t, Changed, rowOf(t, rows, "MLP2", "test-loss").Verdict)
	})
}

// TestJudgeMemory: the suite's peak RSS fails beyond +20% of the base's
// median and is an improvement beyond -20%; the verdict line counts it as
// a memory regression, not a timing one.
func TestJudgeMemory(t *testing.T) {
	o := JudgeOptions{Alpha: 0.05, Threshold: 0.05}
	mb := func(v ...float64) []float64 {
		for i := range v {
			v[i] *= 1 << 20
		}
		return v
	}
	for _, c := range []struct {
		head []float64
		want Verdict
	}{
		{mb(36, 37, 38), NoChange},       // +2.8%
		{mb(40, 43, 44), NoChange},       // +19.4%
		{mb(43.3, 43.4, 50), Regression}, // +20.6%
		{mb(20, 28, 30), Improvement},
	} {
		base := Samples{SuiteRow: {UnitRSS: mb(35.5, 36, 36.2)}}
		head := Samples{SuiteRow: {UnitRSS: c.head}}
		rows := Judge([]string{SuiteRow}, base, head, o, nil)
		require.Len(t, rows, 1)
		require.Equal(t, Memory, rows[0].Kind)
		require.Equal(t, c.want, rows[0].Verdict, "head %v", c.head)
		require.Equal(t, c.want == Regression, Failed(rows))
		if c.want == Regression {
			rep := &Report{Rows: rows}
			require.Equal(t, "FAIL: 0 timing regressions, 1 memory regressions, 0 deterministic changes, 0 timing rows with too few samples, 0 improvements, 0 accepted changes, 0 new cases", rep.Verdict())
		}
	}
	_, err := ParseAccept("f", []byte("suite peak-rss-bytes 1e8\n"))
	require.ErrorContains(t, err, "unit peak-rss-bytes is not gated exactly or within a tolerance")
}

// TestRunPeakRSS: every finished bench run adds one peak-rss-bytes sample
// of its process to the suite row of its side (the fake is bash: a few
// MB), compared when both sides ran the same cases and reported when the
// head has new ones.
func TestRunPeakRSS(t *testing.T) {
	testenv.GonumPassOnly(t, "the gate's rounds on a fake lowdim (a bash script)")
	bin := fakeBinary(t)
	side := func(cases string) Binary {
		return Binary{Path: bin, Env: []string{"FAKE_CASES=" + cases, "FAKE_NS=1000", "FAKE_FLOPS=10", "FAKE_SLEEP=0"}}
	}
	o := DefaultOptions
	o.Budget, o.Start, o.MaxRounds = 30*time.Second, time.Now(), 5
	rep, err := Run(context.Background(), side("A"), side("A"), o, nil)
	require.NoError(t, err)
	require.Equal(t, 5, rep.Rounds)
	r := rowOf(t, rep.Rows, SuiteRow, UnitRSS)
	require.Equal(t, Memory, r.Kind)
	require.Equal(t, NoChange, r.Verdict)
	require.Equal(t, 5, r.Base.N)
	require.Equal(t, 5, r.Head.N)
	require.Greater(t, r.Base.Min, 100e3, "bytes, not kilobytes")
	require.Less(t, r.Base.Max, 1e9)
	var txt bytes.Buffer
	require.NoError(t, rep.WriteText(&txt))
	require.Contains(t, txt.String(), "memory: peak-rss-bytes of each side's bench process (suite row), median, a regression beyond +20%\n")
	require.Regexp(t, `(?m)^suite +peak-rss-bytes +memory `, txt.String())

	rep, err = Run(context.Background(), side("A"), side("A B"), o, nil)
	require.NoError(t, err)
	r = rowOf(t, rep.Rows, SuiteRow, UnitRSS)
	require.Equal(t, Info, r.Kind)
	require.Equal(t, Reported, r.Verdict)
}

// TestRunCancelAfterInterrupt: a bench that does not stop on SIGINT is
// killed by the caller's cancel (lowdim gate's second signal), and Run
// returns the report of the rounds done, marked interrupted, not an error,
// at once: the killed script's sleep still holds its stdout, which Wait
// gives up on after cmd.WaitDelay (without it, Run waited the sleep's 30 s).
func TestRunCancelAfterInterrupt(t *testing.T) {
	testenv.GonumPassOnly(t, "the gate's cancel of a fake lowdim (a bash script)")
	p := fakeBinary(t)
	// The bench ignores SIGINT and sleeps 30 s: only the kill ends it. The
	// wrapper marks when a run other than the case listing starts, so that
	// the interrupt and the cancel come while the bench hangs, however
	// slowly a loaded machine runs the listing before it (fixed timers
	// once cancelled the listing instead).
	dir := t.TempDir()
	wrap, started := filepath.Join(dir, "wrap"), filepath.Join(dir, "started")
	script := "#!/usr/bin/env bash\ntrap '' INT\ncase \" $* \" in *' --list '*) ;; *) : > " + started + " ;; esac\nexec " + p + " \"$@\"\n"
	require.NoError(t, os.WriteFile(wrap, []byte(script), 0o755))
	hang := Binary{Path: wrap, Env: []string{"FAKE_CASES=A", "FAKE_NS=1000", "FAKE_SLEEP=30"}}
	stop := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := DefaultOptions
	o.Budget, o.Start, o.Interrupt = time.Minute, time.Now(), stop
	hungAt := make(chan time.Time, 1)
	go func() {
		for {
			if _, err := os.Stat(started); err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		hungAt <- time.Now()
		close(stop)
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	rep, err := Run(ctx, hang, hang, o, nil)
	require.NoError(t, err)
	var hung time.Time
	select {
	case hung = <-hungAt:
	default:
		t.Fatal("the hanging bench never started")
	}
	require.Less(t, time.Since(hung), 20*time.Second, "the cancel ended the hanging bench, not its 30 s sleep")
	require.True(t, rep.Interrupted)
	require.Equal(t, 0, rep.Rounds)
}

// TestEnergyLabel: a report with modelled energy (model-J/op, RAPL
// unreadable) says in its header that it is modelled, not measured, and
// reports it ungated; measured energy (energy-J/op) gets no such line.
func TestEnergyLabel(t *testing.T) {
	o := DefaultOptions
	for _, c := range []struct {
		unit  string
		label bool
	}{{"model-J/op", true}, {"energy-J/op", false}} {
		s := Samples{"A": {c.unit: {0.5, 0.6}}}
		rep := &Report{Options: o, Rows: Judge([]string{"A"}, s, s, o.JudgeOptions, nil)}
		r := rowOf(t, rep.Rows, "A", c.unit)
		require.Equal(t, Info, r.Kind)
		require.Equal(t, Reported, r.Verdict)
		var txt, md bytes.Buffer
		require.NoError(t, rep.WriteText(&txt))
		require.NoError(t, rep.WriteMarkdown(&md))
		const line = "energy: model-J/op is modelled from CPU time (RAPL counters unreadable), not measured; reported, not gated"
		require.Equal(t, c.label, strings.Contains(txt.String(), line+"\n"), c.unit)
		require.Equal(t, c.label, strings.Contains(md.String(), "- energy: model-J/op is modelled"), c.unit)
	}
}
