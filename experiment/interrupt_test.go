package experiment

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

// interruptAt returns Options whose Interrupt is closed by the Progress
// step callback of the call-th training of method (1 = its first) right
// after step k: deterministic, the trainer then stops at the boundary
// after step k. k = 0 closes it before Run starts.
func interruptAt(method string, call, k int) Options {
	stop := make(chan struct{})
	var once sync.Once
	closeIt := func() { once.Do(func() { close(stop) }) }
	if k == 0 {
		closeIt()
	}
	calls := map[string]int{}
	return Options{Interrupt: stop, Progress: func(m string, steps int) (func(int), func()) {
		calls[m]++
		if m != method || calls[m] != call {
			return nil, nil
		}
		return func(s int) {
			if s == k {
				closeIt()
			}
		}, nil
	}}
}

// notJudged are the checks that judge no training (the initialization,
// the flop count of the steps taken): they keep their verdict in an
// interrupted run.
var notJudged = map[string]bool{CheckParams: true, CheckBalanced: true, CheckFlops: true}

// requireNoVerdictOn fails when a check that judges the training of one of
// the methods in cut (a method name or a verify label, also as part of a
// pair "a/b") passed or failed.
func requireNoVerdictOn(t *testing.T, cs []results.Check, cut ...string) {
	t.Helper()
	for _, c := range cs {
		if notJudged[c.Name] || !c.Status.Evaluated() {
			continue
		}
		for _, m := range cut {
			for _, part := range strings.Split(c.Method, "/") {
				require.NotEqual(t, m, part, "check %s of %s is %s on an interrupted method: %s", c.Name, c.Method, c.Status, describeChecks(cs))
			}
		}
	}
}

// requireEncodes checks that run encodes (no NaN or Inf) and reads back
// marked interrupted.
func requireEncodes(t *testing.T, run *results.Run) {
	t.Helper()
	b, err := results.MarshalRun(run)
	require.NoError(t, err)
	require.Contains(t, string(b), `"interrupted": true`)
	back, err := results.DecodeRun(bytes.NewReader(b))
	require.NoError(t, err)
	require.True(t, back.Interrupted)
	require.False(t, back.Finished())
	for i := range run.Methods {
		require.Equal(t, run.Methods[i].Status, back.Methods[i].Status)
		require.Equal(t, run.Methods[i].Message, back.Methods[i].Message)
	}
	// The summary and the figures render it (a run with no checkpoint at
	// all has no figure, and that is no error).
	var sum bytes.Buffer
	require.NoError(t, report.WriteSummary(&sum, run))
	_, err = report.Figures(run, "interrupted")
	require.NoError(t, err)
}

// TestRunInterrupted: an interruption stops the method training at the
// step boundary after step k and keeps the methods after it from
// training; Run returns the complete record, marked interrupted, and no
// check judges a method that was cut short. The problem is goodMF[0],
// whose uninterrupted run passes kwon-bound, compressed-mf-recursion and
// the floor checks: in the interrupted runs they are not evaluable.
func TestRunInterrupted(t *testing.T) {
	c, _ := mfProblem(t, goodMF[0], 1)
	c.Methods = []string{methods.Original, methods.Compressed, methods.Narrow}
	const k = 37 // off the checkpoint grid (every 5): 0, 5, ..., 35, 37
	full := mustRun(t, c, Options{})
	require.False(t, full.Interrupted)
	require.True(t, full.Finished())
	for _, name := range []string{CheckKwon, CheckRecursion, CheckFloorRatio} {
		require.Equal(t, results.Pass, findCheck(t, full.Checks, name, methods.Compressed).Status, "%s uninterrupted", name)
	}
	for _, tc := range []struct {
		name string
		opt  Options
		// cut is the method stopped at step k ("" when none: interrupted
		// before Run); done the methods before it, trained in full.
		cut  string
		done []string
	}{
		{"during original", interruptAt(methods.Original, 1, k), methods.Original, nil},
		{"during compressed", interruptAt(methods.Compressed, 1, k), methods.Compressed, []string{methods.Original}},
		{"before Run", interruptAt("", 0, 0), "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := mustRun(t, c, tc.opt)
			require.True(t, run.Interrupted)
			require.False(t, run.Finished())
			require.Len(t, run.Methods, len(c.Methods), "every method appears")
			var cutShort []string
			started := true
			for i := range run.Methods {
				m := &run.Methods[i]
				ref := full.Methods[i]
				switch {
				case slices.Contains(tc.done, m.Method):
					require.Equal(t, ref.Status, m.Status)
					require.Equal(t, len(ref.Trajectory), len(m.Trajectory))
				case m.Method == tc.cut:
					cutShort = append(cutShort, m.Method)
					require.Equal(t, results.Interrupted, m.Status)
					require.Equal(t, "interrupted at step 37", m.Message)
					require.Equal(t, k, m.Steps)
					// Checkpoints 0, 5, ..., 35 and 37: the uninterrupted
					// run's first 8 and the one at the stop.
					require.Len(t, m.Trajectory, 9)
					require.Equal(t, traceOf(&ref).Points[:8], traceOf(m).Points[:8], "the same trajectory up to the stop")
					last := m.Trajectory[8]
					require.Equal(t, k, last.Step)
					require.Equal(t, last.RecoveryError, *m.FinalError)
					require.Equal(t, last.TrainLoss, *m.FinalTrainLoss)
					require.NotNil(t, m.BestError)
					require.Nil(t, m.StepsToTol)
					require.Nil(t, m.SecondsToTol)
					started = false
				default:
					// Not started: no trajectory, nothing measured, but
					// its size is known.
					require.False(t, started && tc.cut != "", "method %s after the cut was trained", m.Method)
					cutShort = append(cutShort, m.Method)
					require.Equal(t, results.Interrupted, m.Status)
					require.Equal(t, "interrupted before training (step 0)", m.Message)
					require.Zero(t, m.Steps)
					require.Empty(t, m.Trajectory)
					require.Nil(t, m.FinalError)
					require.Nil(t, m.BestError)
					require.Nil(t, m.FinalTrainLoss)
					require.Equal(t, ref.Params, m.Params)
					require.Equal(t, ref.Layers, m.Layers)
				}
			}
			require.NotEmpty(t, cutShort)
			requireNoVerdictOn(t, run.Checks, cutShort...)
			// The checks that compare the original with the compressed
			// network, and the compressed network's own, say why.
			for _, name := range []string{CheckKwon, CheckFloorRatio} {
				ch := findCheck(t, run.Checks, name, methods.Compressed)
				require.Equal(t, results.NotEvaluable, ch.Status, "%s", name)
				require.Contains(t, ch.Detail, "the run was interrupted", "%s", name)
			}
			if tc.cut != "" {
				ch := findCheck(t, run.Checks, CheckFloorOriginal, methods.Original)
				if tc.cut == methods.Original {
					require.Equal(t, results.NotEvaluable, ch.Status)
					require.Contains(t, ch.Detail, "the run was interrupted (original interrupted at step 37)")
				} else {
					require.Equal(t, findCheck(t, full.Checks, CheckFloorOriginal, methods.Original).Status, ch.Status, "the original ran its course")
				}
			}
			if tc.cut == methods.Compressed {
				ch := findCheck(t, run.Checks, CheckRecursion, methods.Compressed)
				require.Equal(t, results.NotEvaluable, ch.Status)
				require.Contains(t, ch.Detail, "the run was interrupted (compressed interrupted at step 37)")
				// The flop count of the 37 steps taken is exact.
				require.Equal(t, results.Pass, findCheck(t, run.Checks, CheckFlops, methods.Compressed).Status)
			}
			requireEncodes(t, run)
		})
	}
}

// TestVerifyInterrupted: an interrupted verify returns its complete
// verdict, marked interrupted, that never passes; the widths cut short
// have width-sufficient not evaluable. Its uninterrupted twin passes.
func TestVerifyInterrupted(t *testing.T) {
	vc := verifyProblem(t, 16, 2, 4, 6)
	full, err := Verify(vc, nil, Options{})
	require.NoError(t, err)
	require.True(t, full.Pass, "uninterrupted: %v", full.Reasons)
	require.False(t, full.Interrupted)
	require.Equal(t, "VERDICT: PASS", full.Headline())
	const k = 23
	for _, tc := range []struct {
		name     string
		opt      Options
		original string   // the original's message ("" when it ran its course)
		widths   []string // each width's message
	}{
		{"during the first width", interruptAt(methods.Compressed, 1, k), "",
			[]string{"interrupted at step 23", "interrupted before training (step 0)"}},
		{"during the original", interruptAt(methods.Original, 1, k), "interrupted at step 23",
			[]string{"interrupted before training (step 0)", "interrupted before training (step 0)"}},
		{"before Verify", interruptAt("", 0, 0), "interrupted before training (step 0)",
			[]string{"interrupted before training (step 0)", "interrupted before training (step 0)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Verify(vc, nil, tc.opt)
			require.NoError(t, err)
			requireVerdictCounts(t, v)
			require.True(t, v.Interrupted)
			require.False(t, v.Pass)
			require.NotEmpty(t, v.Reasons)
			require.True(t, strings.HasPrefix(v.Reasons[0], "INTERRUPTED: the verify was interrupted"), "reasons %v", v.Reasons)
			require.True(t, strings.HasPrefix(v.Headline(), "VERDICT: INTERRUPTED: "), v.Headline())
			require.Nil(t, v.SafeWidth)
			cut := []string{}
			if tc.original == "" {
				require.Equal(t, full.Original.Status, v.Original.Status)
			} else {
				require.Equal(t, results.Interrupted, v.Original.Status)
				require.Equal(t, tc.original, v.Original.Message)
				cut = append(cut, methods.Original)
			}
			require.Len(t, v.Widths, len(tc.widths))
			for i, msg := range tc.widths {
				w := v.Widths[i]
				label := "compressed r_hat=" + []string{"4", "6"}[i]
				cut = append(cut, label)
				require.Equal(t, results.Interrupted, w.Status, label)
				require.Equal(t, msg, w.Message, label)
				require.Nil(t, w.Sufficient, label)
				require.Equal(t, full.Widths[i].Params, w.Params, label)
				if msg == "interrupted at step 23" {
					require.Equal(t, k, w.Steps)
					require.Equal(t, k, w.Result.Trajectory[len(w.Result.Trajectory)-1].Step)
				} else {
					require.Empty(t, w.Result.Trajectory)
				}
				ch := findCheck(t, v.Checks, CheckWidth, label)
				require.Equal(t, results.NotEvaluable, ch.Status, label)
				require.Contains(t, ch.Detail, "the run was interrupted", label)
			}
			requireNoVerdictOn(t, v.Checks, cut...)
			b, err := json.Marshal(v)
			require.NoError(t, err)
			require.Contains(t, string(b), `"interrupted":true`)
		})
	}
}

// TestRunDivergedAtStepZero: a network that diverges at its first
// evaluation is a result, the status "diverged at step 0" with no
// trajectory, in a record that encodes and renders (no figure to draw is
// no error): eps = 1e200 (the initial layers overflow), and a loaded
// target scaled by 1e300 (its loss overflows).
func TestRunDivergedAtStepZero(t *testing.T) {
	huge := tinyConfig("mf")
	huge.Eps = 1e200

	scaled := tinyConfig("mf")
	dir := t.TempDir()
	mustRun(t, scaled, Options{SaveInstance: dir})
	target := filepath.Join(dir, "target.npy")
	a, err := npy.ReadFile(target)
	require.NoError(t, err)
	for i := range a.Data {
		a.Data[i] *= 1e300
	}
	require.NoError(t, npy.WriteFile(target, a.Shape, a.Data))
	for _, tc := range []struct {
		name string
		c    config.Config
		opt  Options
	}{
		{"eps 1e200", huge, Options{}},
		{"target scaled by 1e300", scaled, Options{LoadInstance: dir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := mustRun(t, tc.c, tc.opt)
			require.False(t, run.Interrupted)
			require.Len(t, run.Methods, len(config.DefaultMethods()))
			for _, m := range run.Methods {
				require.Equal(t, results.Diverged, m.Status, m.Method)
				require.True(t, strings.HasPrefix(m.Message, "diverged at step 0"), "%s: %s", m.Method, m.Message)
				require.Empty(t, m.Trajectory, m.Method)
				require.Nil(t, m.FinalError, m.Method)
			}
			b, err := results.MarshalRun(run)
			require.NoError(t, err)
			_, err = results.DecodeRun(bytes.NewReader(b))
			require.NoError(t, err)
			figs, err := report.Figures(run, "diverged")
			require.NoError(t, err)
			require.Empty(t, figs, "no method has a point to draw")
			var sum bytes.Buffer
			require.NoError(t, report.WriteSummary(&sum, run))
			require.Contains(t, sum.String(), "diverged at step 0")
			// Nothing was trained: no check of the training passes or
			// fails (the init's products overflow at eps = 1e200, so
			// balanced-init is not evaluable either).
			for _, ch := range run.Checks {
				if ch.Name != CheckParams && ch.Name != CheckFlops {
					require.False(t, ch.Status.Evaluated(), "check %s of %s: %s", ch.Name, ch.Method, describeChecks(run.Checks))
				}
			}
		})
	}
}
