package report

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

var errorFigures = []string{"error_vs_step.png", "error_vs_step.svg", "error_vs_time.png", "error_vs_time.svg"}

var allFigures = []string{
	"error_vs_step.png", "error_vs_step.svg", "error_vs_time.png", "error_vs_time.svg",
	"loss_vs_step.png", "loss_vs_step.svg",
}

// checkFigures checks that figs holds exactly want, each a well-formed SVG
// or PNG by its extension.
func checkFigures(t *testing.T, figs map[string][]byte, want []string) {
	t.Helper()
	got := make([]string, 0, len(figs))
	for name := range figs {
		got = append(got, name)
	}
	sort.Strings(got)
	require.Equal(t, want, got, "figure names")
	for name, b := range figs {
		switch filepath.Ext(name) {
		case ".svg":
			assert.True(t, bytes.HasPrefix(b, []byte("<?xml")) || bytes.Contains(b, []byte("<svg")),
				"%s does not look like SVG: %.40q", name, b)
		case ".png":
			assert.True(t, bytes.HasPrefix(b, pngMagic), "%s does not start with the PNG magic: %.8q", name, b)
		}
	}
}

func cp(step int, sec, loss, err float64) results.Checkpoint {
	return results.Checkpoint{Step: step, Seconds: sec, TrainLoss: loss, RecoveryError: err}
}

func TestFigures(t *testing.T) {
	zeros := results.MethodResult{Method: "zeros", Trajectory: []results.Checkpoint{
		cp(0, 0, 0, 0), cp(10, 0.1, 0, 0), cp(20, 0.2, 0, 0),
	}}
	empty := results.MethodResult{Method: "empty"}
	good := synthRun().Methods[0]
	bad := results.MethodResult{Method: "bad", Trajectory: []results.Checkpoint{
		cp(0, 0, -1, -1), cp(10, math.NaN(), math.NaN(), math.NaN()),
		cp(20, 0.2, math.Inf(1), math.Inf(1)), cp(30, math.Inf(1), 1, 1),
	}}
	for _, tc := range []struct {
		name string
		run  *results.Run
		want []string // file names, sorted; nil when an error is expected
	}{
		// compressed and lowrank record singular values: their staircases.
		{"three methods", synthRun(), synthFigures},
		// The original's alignment recorded at every checkpoint.
		{"alignment", alignedRun(), append(append([]string{"alignment_vs_step.png", "alignment_vs_step.svg"}, allFigures...), "staircase_original.png", "staircase_original.svg")},
		{"one empty, one all zero", &results.Run{Methods: []results.MethodResult{empty, zeros, good}}, allFigures},
		// One checkpoint at step 0 and second 0: the x range is a point.
		{"single point", &results.Run{Methods: []results.MethodResult{
			{Method: "one", Trajectory: []results.Checkpoint{cp(0, 0, 1, 1)}},
		}}, allFigures},
		// A constant error spans no decade: the axis must still get one.
		{"constant error", &results.Run{Methods: []results.MethodResult{
			{Method: "flat", Trajectory: []results.Checkpoint{cp(0, 0, 0.5, 0.5), cp(10, 1, 0.5, 0.5)}},
		}}, allFigures},
		// The error axis runs from 1e-300 to 1e300 and must be thinned and clamped.
		{"huge range", &results.Run{Methods: []results.MethodResult{
			{Method: "wild", Trajectory: []results.Checkpoint{
				cp(0, 0, 1, math.SmallestNonzeroFloat64), cp(1, 1, 1, 1e-300), cp(2, 2, 1, math.MaxFloat64),
			}},
		}}, allFigures},
		// No positive training loss: the optional loss figure is left out.
		{"no loss", &results.Run{Methods: []results.MethodResult{
			{Method: "noloss", Trajectory: []results.Checkpoint{cp(0, 0, 0, 1), cp(10, 1, 0, 0.1)}},
		}}, errorFigures},
		// Nothing to draw is a result, not an error: no figure at all (every
		// method diverged at step 0, or was interrupted before training).
		{"all empty", &results.Run{Methods: []results.MethodResult{empty, {Method: "empty2"}}}, []string{}},
		{"no methods", &results.Run{}, []string{}},
		{"all zero", &results.Run{Methods: []results.MethodResult{zeros}}, []string{}},
		// bad's one drawable point is step 30 (error 1, loss 1), whose time
		// is infinite: drawn against the step, left out against time.
		{"non-positive and non-finite", &results.Run{Methods: []results.MethodResult{bad, zeros}},
			[]string{"error_vs_step.png", "error_vs_step.svg", "loss_vs_step.png", "loss_vs_step.svg"}},
		{"every method interrupted before training", &results.Run{Interrupted: true, Methods: []results.MethodResult{
			{Method: "original", Status: results.Interrupted, Message: "interrupted before training (step 0)"},
			{Method: "compressed", Status: results.Interrupted, Message: "interrupted before training (step 0)"},
		}}, []string{}},
		// The method stopped at step 20 is drawn up to there; the one never
		// started is left out.
		{"one interrupted during training", &results.Run{Interrupted: true, Methods: []results.MethodResult{
			{Method: "original", Status: results.Interrupted, Message: "interrupted at step 20",
				Trajectory: []results.Checkpoint{cp(0, 0, 1, 1), cp(10, 0.1, 0.5, 0.5), cp(20, 0.2, 0.25, 0.25)}},
			{Method: "compressed", Status: results.Interrupted, Message: "interrupted before training (step 0)"},
		}}, allFigures},
		{"nil run", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var figs map[string][]byte
			var err error
			require.NotPanics(t, func() { figs, err = Figures(tc.run, "MF d=100 r=10 L=3") })
			if tc.want == nil {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrNoData), "error %v does not wrap ErrNoData", err)
				assert.Nil(t, figs)
				return
			}
			require.NoError(t, err)
			checkFigures(t, figs, tc.want)
		})
	}
}

func TestFiguresLegendAndLabels(t *testing.T) {
	figs, err := Figures(synthRun(), "MF d=100 r=10 L=3")
	require.NoError(t, err)
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"error_vs_step.svg", []string{"MF d=100 r=10 L=3", "iteration", "original", "compressed", "lowrank"}},
		{"error_vs_time.svg", []string{"training time (s)", "original", "compressed", "lowrank"}},
		{"loss_vs_step.svg", []string{"training loss", "iteration"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			for _, s := range tc.want {
				assert.Contains(t, string(figs[tc.file]), s)
			}
		})
	}
}

func TestWriteFigures(t *testing.T) {
	dir := os.Getenv("LOWDIM_REPORT_FIGDIR") // set to keep the figures for a look
	if dir == "" {
		dir = t.TempDir()
		_, err := WriteFigures(filepath.Join(dir, "missing"), synthRun(), "t")
		require.Error(t, err, "a missing folder is an error, never created")
		require.NoDirExists(t, filepath.Join(dir, "missing"))
	} else {
		t.Logf("writing figures to %s", dir)
	}
	paths, err := WriteFigures(dir, synthRun(), "MF d=100 r=10 L=3")
	require.NoError(t, err)
	want := make([]string, len(synthFigures))
	for i, n := range synthFigures {
		want[i] = filepath.Join(dir, n)
	}
	require.Equal(t, want, paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.NotEmpty(t, b, p)
	}

	// Nothing to draw: nothing written, no error.
	paths, err = WriteFigures(t.TempDir(), &results.Run{}, "empty")
	require.NoError(t, err)
	assert.Empty(t, paths)
	_, err = WriteFigures(t.TempDir(), nil, "nil")
	assert.ErrorIs(t, err, ErrNoData)
}

func TestDecades(t *testing.T) {
	for _, tc := range []struct {
		name           string
		lo, hi         float64
		wantLo, wantHi float64
	}{
		{"inside one decade", 0.3, 0.5, 0.1, 1},
		{"exact decades", 1e-3, 1, 1e-3, 1},
		{"a point on a decade", 1, 1, 1, 10},
		{"several decades", 2e-7, 3, 1e-7, 10},
		{"subnormal clamped", math.SmallestNonzeroFloat64, 1, 1e-300, 1},
		{"huge clamped", 1, math.MaxFloat64, 1, 1e300},
		{"all huge", math.MaxFloat64, math.MaxFloat64, 1e299, 1e300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := decades(tc.lo, tc.hi)
			// Powers of ten from math.Pow10 are exact: compare exactly.
			assert.Equal(t, tc.wantLo, lo, "lo")
			assert.Equal(t, tc.wantHi, hi, "hi")
		})
	}
}

func TestLogTicker(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max float64
		want     []string // the labels, in order
	}{
		{"zero min", 0, 1, nil},
		{"negative", -1, 1, nil},
		{"empty range", 1, 1, nil},
		{"inverted", 10, 1, nil},
		{"infinite", 1, math.Inf(1), nil},
		{"nan", math.NaN(), 1, nil},
		{"three decades", 1e-3, 1, []string{"0.001", "0.01", "0.1", "1"}},
		{"above one", 1, 1000, []string{"1", "10", "100", "1000"}},
		// 17 decades, 1e-16 .. 1e0: labels thinned to every 3rd exponent
		// (k = ceil(17/8) = 3), so 1e-15, 1e-12, ..., 1e0.
		{"thinned", 1e-16, 1, []string{"1e-15", "1e-12", "1e-09", "1e-06", "0.001", "1"}},
		// 401 decades: k = ceil(401/8) = 51, so the exponents -153, -102,
		// ..., 153; the labels must not show math.Pow10's last-ulp error.
		{"very wide", 1e-200, 1e200, []string{"1e-153", "1e-102", "1e-51", "1", "1e+51", "1e+102", "1e+153"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			require.NotPanics(t, func() {
				for _, tk := range (logTicker{}).Ticks(tc.min, tc.max) {
					if !tk.IsMinor() {
						got = append(got, tk.Label)
					}
				}
			})
			assert.Equal(t, tc.want, got)
		})
	}
}

// synthFigures are the figures of synthRun: allFigures and the staircases
// of the two methods that record singular values.
var synthFigures = append(append([]string{}, allFigures...),
	"staircase_compressed.png", "staircase_compressed.svg", "staircase_lowrank.png", "staircase_lowrank.svg")

// alignedRun is one original network whose outer layers turn to the
// target: alignment 1 - exp(-step/50) for u and v, and two singular values
// learned one after the other (a staircase).
func alignedRun() *results.Run {
	m := results.MethodResult{Method: "original", Status: results.MaxSteps, Steps: 200}
	for s := 0; s <= 200; s += 10 {
		a := 1 - math.Exp(-float64(s)/50)
		c := results.Checkpoint{Step: s, Seconds: float64(s) / 100, TrainLoss: 1 - a/2, RecoveryError: 1 - a/2,
			AlignU: ptrTo(a), AlignV: ptrTo(a * a), SingularValues: []float64{float64(min(s, 100)) / 10, float64(max(s-100, 0)) / 20}}
		m.Trajectory = append(m.Trajectory, c)
	}
	return &results.Run{Methods: []results.MethodResult{m}}
}

func ptrTo(v float64) *float64 { return &v }
