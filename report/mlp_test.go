package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
)

// mlpSynthRun returns an MLP run of two methods:
//
//	dln:  checkpoints at steps 0, 10, 20; 2 s, 20 ms per step, CPU 3 s
//	cdln: diverged at step 15: one checkpoint (step 0), no test accuracy
//	      beyond it, no latency, no CPU time
//
// and the cdln/dln ratios that exist.
func mlpSynthRun() *results.Run {
	cp := func(step int, sec, loss, acc float64, cpu *float64) results.MLPCheckpoint {
		return results.MLPCheckpoint{Step: step, Epoch: float64(step) / 10, Seconds: sec, CPUSeconds: cpu,
			TrainLoss: loss, TrainAccuracy: acc, TestLoss: loss * 1.5, TestAccuracy: acc, TestRows: 80}
	}
	dln := results.MethodResult{
		Method: "dln", Status: results.MaxSteps, Steps: 100, Seconds: 2, SecondsPerStep: 0.02, Params: 1532,
		FinalTrainLoss: ptr(0.25),
		MLP: &results.MLPMethod{
			CPUSeconds: ptr(3.0), FinalTestAccuracy: ptr(0.9), BestTestAccuracy: ptr(0.925), FinalTestLoss: ptr(0.375),
			LatencyBatch1: ptr(8e-7), LatencyBatch256: ptr(1.4e-6),
			Trajectory: []results.MLPCheckpoint{
				cp(0, 0, 1.5, 0.25, ptr(0.0)), cp(10, 1, 0.5, 0.75, ptr(1.5)), cp(20, 2, 0.25, 0.9, ptr(3.0)),
			},
		},
	}
	cdln := results.MethodResult{
		Method: "cdln", Status: results.Diverged, Message: "diverged at step 15", Steps: 15, Seconds: 0.5,
		SecondsPerStep: 0.5 / 15, Params: 908,
		MLP: &results.MLPMethod{Trajectory: []results.MLPCheckpoint{cp(0, 0, 1.5, 0.25, nil)}},
	}
	return &results.Run{Kind: results.KindMLP, Methods: []results.MethodResult{dln, cdln},
		Ratios: map[string]results.Ratio{"cdln/dln": {Seconds: ptr(0.25), SecondsPerStep: ptr(0.5 / 15 / 0.02),
			Params: ptr(908.0 / 1532)}}}
}

func TestWriteSummaryMLP(t *testing.T) {
	lines := summaryLines(t, mlpSynthRun())
	// Header, 2 methods, 1 ratio.
	require.Len(t, lines, 4)
	assert.Equal(t, []string{"method", "params", "steps", "train", "s", "ms/step", "CPU", "s", "test", "acc", "best", "acc",
		"train", "loss", "latency", "b=1", "latency", "b=256", "status"}, strings.Fields(lines[0]))
	// dln: 20 ms per step, latencies 0.8 and 1.4 µs per row.
	assert.Equal(t, []string{"dln", "1532", "100", "2.0", "20.00", "3.0", "0.9000", "0.9250", "0.2500",
		"0.8", "µs", "1.4", "µs", "max-steps"}, strings.Fields(lines[1]))
	// cdln: what does not exist is "-"; 0.5 s / 15 steps = 33.33 ms.
	assert.Equal(t, []string{"cdln", "908", "15", "0.5", "33.33", "-", "-", "-", "-", "-", "-",
		"diverged:", "diverged", "at", "step", "15"}, strings.Fields(lines[2]))
	// 908/1532 = 0.59; (0.5/15)/0.02 = 1.67; no CPU ratio, no accuracy.
	assert.Equal(t, "cdln/dln: time 0.25x (per step 1.67x, CPU -), params 0.59x, test accuracy - points", lines[3])
}

func TestTrajectoriesCSVMLP(t *testing.T) {
	rows := parseCSV(t, TrajectoriesCSV(mlpSynthRun(), 5))
	require.Equal(t, [][]string{
		{"method", "step", "epoch", "seconds", "cpu_seconds", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "test_rows"},
		{"dln", "0", "0", "0", "0", "1.5", "0.25", "2.25", "0.25", "80"},
		{"dln", "10", "1", "1", "1.5", "0.5", "0.75", "0.75", "0.75", "80"},
		{"dln", "20", "2", "2", "3", "0.25", "0.9", "0.375", "0.9", "80"},
		// No CPU time: an empty cell.
		{"cdln", "0", "0", "0", "", "1.5", "0.25", "2.25", "0.25", "80"},
	}, rows)
}

func TestFiguresMLP(t *testing.T) {
	all := []string{
		"accuracy_vs_step.png", "accuracy_vs_step.svg", "accuracy_vs_time.png", "accuracy_vs_time.svg",
		"loss_vs_step.png", "loss_vs_step.svg", "loss_vs_time.png", "loss_vs_time.svg",
	}
	figs, err := Figures(mlpSynthRun(), "MLP on idx")
	require.NoError(t, err)
	checkFigures(t, figs, all)
	svg := string(figs["accuracy_vs_time.svg"])
	for _, s := range []string{"MLP on idx", "test accuracy", "training time (s)", "dln"} {
		assert.Contains(t, svg, s)
	}
	// cdln has only its step-0 checkpoint, which is not drawn: it is left
	// out of the legend.
	assert.NotContains(t, svg, "cdln")

	// Only step-0 checkpoints: nothing to draw, and that is not an error.
	r := mlpSynthRun()
	r.Methods = r.Methods[1:]
	figs, err = Figures(r, "MLP")
	require.NoError(t, err)
	assert.Empty(t, figs)

	// A linear run keeps the linear summary.
	var buf bytes.Buffer
	require.NoError(t, WriteSummary(&buf, synthRun()))
	assert.Contains(t, buf.String(), "steps-to-tol")
}
