package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
)

func ptr[T any](v T) *T { return &v }

// summaryLines runs WriteSummary and returns its lines.
func summaryLines(t *testing.T, run *results.Run) []string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteSummary(&buf, run))
	t.Logf("summary:\n%s", buf.String())
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func TestWriteSummarySynth(t *testing.T) {
	lines := summaryLines(t, synthRun())
	// Header, 3 methods, 2 ratios (compressed/original, lowrank/original).
	require.Len(t, lines, 6)
	assert.Equal(t, []string{"method", "status", "steps", "steps-to-tol", "seconds-to-tol", "ms/step",
		"params", "final", "error", "best", "error", "note"}, strings.Fields(lines[0]))
	for _, tc := range []struct {
		line string
		want []string
	}{
		// Unit ms: the fastest method, compressed, takes 2 ms per step.
		// Final and best error exp(-200/tau): tau 60 -> 3.567e-02,
		// tau 20 -> 4.540e-05, tau 40 -> 6.738e-03.
		{lines[1], []string{"original", "max-steps", "200", "-", "-", "10.0", "1000", "3.567e-02", "3.567e-02"}},
		{lines[2], []string{"compressed", "converged", "200", "150", "0.300", "2.00", "400", "4.540e-05", "4.540e-05"}},
		{lines[3], []string{"lowrank", "converged", "200", "190", "0.950", "5.00", "250", "6.738e-03", "6.738e-03"}},
	} {
		t.Run(tc.want[0], func(t *testing.T) {
			assert.Equal(t, tc.want, strings.Fields(tc.line))
		})
	}
	// original never reached the tolerance, so the tolerance ratios are
	// missing; time/step 2/10 and 5/10, params 400/1000 and 250/1000.
	assert.Equal(t, "compressed/original: steps-to-tol -, seconds-to-tol -, time/step 0.20x, params 0.40x", lines[4])
	assert.Equal(t, "lowrank/original: steps-to-tol -, seconds-to-tol -, time/step 0.50x, params 0.25x", lines[5])
}

func TestWriteSummaryCases(t *testing.T) {
	for _, tc := range []struct {
		name     string
		run      *results.Run
		contains []string
		fields   [][]string // the fields of the line whose first field is fields[i][0]
	}{
		{
			name: "diverged shows its message",
			run: &results.Run{Methods: []results.MethodResult{
				{Method: "original", Status: results.Converged, Steps: 100, SecondsPerStep: 2e-5,
					StepsToTol: ptr(100), SecondsToTol: ptr(0.002), FinalError: ptr(1e-6), BestError: ptr(1e-6)},
				{Method: "wide", Status: results.Diverged, Steps: 120, SecondsPerStep: 3e-5,
					Message: "diverged at step 120 (loss 3.1e+08)"},
			}},
			// Unit µs from the fastest, 2e-5 s = 20.0 µs; the diverged method
			// has no final or best error: "-".
			contains: []string{"µs/step", "diverged at step 120 (loss 3.1e+08)\n"},
			fields: [][]string{
				{"original", "converged", "100", "100", "0.00200", "20.0", "0", "1.000e-06", "1.000e-06"},
				{"wide", "diverged", "120", "-", "-", "30.0", "0", "-", "-",
					"diverged", "at", "step", "120", "(loss", "3.1e+08)"},
			},
		},
		{
			name: "all ratios",
			run: &results.Run{
				Methods: []results.MethodResult{{Method: "original"}, {Method: "compressed"}},
				Ratios: map[string]results.Ratio{
					"compressed/original": {StepsToTol: ptr(0.31), SecondsToTol: ptr(0.05),
						SecondsPerStep: ptr(0.12), Params: ptr(0.4)},
					"zzz/original": {Params: ptr(0.0012)},
				},
			},
			contains: []string{
				"compressed/original: steps-to-tol 0.31x, seconds-to-tol 0.05x, time/step 0.12x, params 0.40x\n" +
					"zzz/original: steps-to-tol -, seconds-to-tol -, time/step -, params 0.0012x\n",
			},
		},
		{
			// The status column says where the interruption stopped each
			// method; a method that took no step has no time per step.
			name: "interrupted",
			run: &results.Run{Interrupted: true, Methods: []results.MethodResult{
				{Method: "original", Status: results.Interrupted, Message: "interrupted at step 37", Steps: 37,
					SecondsPerStep: 2e-5, Params: 768, FinalError: ptr(0.5), BestError: ptr(0.25)},
				{Method: "compressed", Status: results.Interrupted, Message: "interrupted before training (step 0)", Params: 128},
			}},
			fields: [][]string{
				{"original", "interrupted", "at", "step", "37", "37", "-", "-", "20.0", "768", "5.000e-01", "2.500e-01"},
				{"compressed", "interrupted", "before", "training", "(step", "0)", "0", "-", "-", "-", "128", "-", "-"},
			},
		},
		{
			name:     "no methods",
			run:      &results.Run{},
			contains: []string{"method", "s/step"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, WriteSummary(&buf, tc.run))
			for _, s := range tc.contains {
				assert.Contains(t, buf.String(), s)
			}
			for _, want := range tc.fields {
				var got []string
				for line := range strings.Lines(buf.String()) {
					if f := strings.Fields(line); len(f) > 0 && f[0] == want[0] {
						got = f
					}
				}
				assert.Equal(t, want, got)
			}
			for line := range strings.Lines(buf.String()) {
				assert.False(t, strings.HasSuffix(line, " \n"), "trailing blank in %q", line)
			}
		})
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteSummaryErrors(t *testing.T) {
	assert.Error(t, WriteSummary(&bytes.Buffer{}, nil), "nil run")
	assert.ErrorIs(t, WriteSummary(failWriter{}, synthRun()), errWrite)
}

func TestSig(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		n    int
		want string
	}{
		{0, 3, "0"},
		{12.345, 3, "12.3"},
		{0.000123456, 3, "0.000123"},
		{9.996, 3, "10.0"},    // rounds up into the next decade
		{123456, 3, "123456"}, // more digits than n: rounded to an integer
		{999.6, 3, "1000"},
		{99.96, 3, "100"},
		{-0.5, 3, "-0.500"},
		{1e-12, 3, "1e-12"},
		{2e20, 2, "2e+20"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, sig(tc.v, tc.n))
		})
	}
}

func TestStepUnit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spss  []float64
		unit  string
		scale float64
	}{
		{"seconds", []float64{3, 1.5}, "s", 1},
		{"milliseconds", []float64{0.5, 0.002}, "ms", 1e3},
		{"microseconds", []float64{2e-5, 1}, "µs", 1e6},
		{"nanoseconds", []float64{5e-8}, "ns", 1e9},
		{"no positive timing", []float64{0, -1}, "s", 1},
		{"none", nil, "s", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := make([]results.MethodResult, len(tc.spss))
			for i, v := range tc.spss {
				ms[i].SecondsPerStep = v
			}
			unit, scale := stepUnit(ms)
			assert.Equal(t, tc.unit, unit)
			assert.Equal(t, tc.scale, scale)
		})
	}
}

func TestWriteInterrupted(t *testing.T) {
	stopped := results.MethodResult{Method: "compressed", Status: results.Interrupted, Message: "interrupted at step 37", Steps: 37,
		Trajectory: []results.Checkpoint{{Step: 0}, {Step: 37}}}
	before := func(m string) results.MethodResult {
		return results.MethodResult{Method: m, Status: results.Interrupted, Message: "interrupted before training (step 0)"}
	}
	done := results.MethodResult{Method: "original", Status: results.Converged, Steps: 100}
	for _, tc := range []struct {
		name string
		run  *results.Run
		want string
	}{
		{"during a method", &results.Run{Interrupted: true, Methods: []results.MethodResult{done, stopped, before("narrow")}},
			"status: interrupted at step 37 (method compressed); the run is complete up to there and marked interrupted\n"},
		{"between methods", &results.Run{Interrupted: true, Methods: []results.MethodResult{done, before("compressed"), before("narrow")}},
			"status: interrupted before training (method compressed); the run is complete up to there and marked interrupted\n"},
		// An MLP method stopped at step 4 (its checkpoints are in MLP).
		{"mlp", &results.Run{Kind: results.KindMLP, Interrupted: true, Methods: []results.MethodResult{
			{Method: "dln", Status: results.Interrupted, Message: "interrupted at step 4", Steps: 4,
				MLP: &results.MLPMethod{Trajectory: []results.MLPCheckpoint{{Step: 0}, {Step: 4}}}}}},
			"status: interrupted at step 4 (method dln); the run is complete up to there and marked interrupted\n"},
		{"not interrupted", &results.Run{Methods: []results.MethodResult{done}}, ""},
		{"nil", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, WriteInterrupted(&buf, tc.run))
			assert.Equal(t, tc.want, buf.String())
		})
	}
	assert.ErrorIs(t, WriteInterrupted(failWriter{}, &results.Run{Interrupted: true}), errWrite)
}
