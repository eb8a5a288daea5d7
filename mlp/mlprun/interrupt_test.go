package mlprun

import (
	"bytes"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

// interruptAt returns Options whose Interrupt is closed by the progress
// callback of method right after step k (deterministic: training then
// stops at the boundary after step k); k = 0 closes it before Run.
func interruptAt(method string, k int) Options {
	stop := make(chan struct{})
	var once sync.Once
	closeIt := func() { once.Do(func() { close(stop) }) }
	if k == 0 {
		closeIt()
	}
	return Options{Interrupt: stop, Progress: func(m string, steps int) (func(int), func()) {
		if m != method {
			return nil, nil
		}
		return func(s int) {
			if s == k {
				closeIt()
			}
		}, nil
	}}
}

// TestRunInterrupted: an interruption stops the variant training at the
// step boundary after step k, keeps the variants after it from training,
// and Run returns the complete record, marked interrupted, that writes
// and reads back; the claim's checks are not evaluable. tinyConfig trains
// 6 epochs of 160/16 = 10 steps with a checkpoint every 5.
func TestRunInterrupted(t *testing.T) {
	c := tinyConfig(t, syntheticDir(t))
	d, err := LoadData(c)
	require.NoError(t, err)
	full, err := Run(c, d, Options{})
	require.NoError(t, err)
	require.False(t, full.Interrupted)
	const k = 7
	for _, tc := range []struct {
		name string
		opt  Options
		// the messages of original, dln and cdln ("" when it ran its course)
		messages [3]string
	}{
		{"during dln", interruptAt("dln", k), [3]string{"", "interrupted at step 7", msgNotStarted}},
		{"before Run", interruptAt("", 0), [3]string{msgNotStarted, msgNotStarted, msgNotStarted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			tc.opt.Log = &log
			rec, err := Run(c, d, tc.opt)
			require.NoError(t, err)
			require.True(t, rec.Interrupted)
			require.False(t, rec.Finished())
			require.Len(t, rec.Methods, 3)
			for i, m := range rec.Methods {
				ref := full.Methods[i]
				x := m.MLP
				require.NotNil(t, x, m.Method)
				require.Equal(t, ref.Params, m.Params, m.Method)
				require.Equal(t, ref.Layers, m.Layers, m.Method)
				require.Equal(t, ref.MLP.StepFlops, x.StepFlops, m.Method)
				switch tc.messages[i] {
				case "":
					require.Equal(t, results.MaxSteps, m.Status, m.Method)
					require.Len(t, x.Trajectory, len(ref.MLP.Trajectory), m.Method)
				case msgNotStarted:
					require.Equal(t, results.Interrupted, m.Status, m.Method)
					require.Equal(t, msgNotStarted, m.Message, m.Method)
					require.Zero(t, m.Steps, m.Method)
					require.Empty(t, x.Trajectory, m.Method)
					require.Nil(t, x.FinalTestAccuracy, m.Method)
					require.Nil(t, m.FinalTrainLoss, m.Method)
					require.Nil(t, x.LatencyBatch1, m.Method)
				default:
					require.Equal(t, results.Interrupted, m.Status, m.Method)
					require.Equal(t, tc.messages[i], m.Message, m.Method)
					require.Equal(t, k, m.Steps)
					require.Equal(t, uint64(k)*x.StepFlops, x.CountedFlops, "flops of the steps taken")
					// Checkpoints 0, 5 as in the full run, then 7 on the
					// whole test split (80 rows).
					require.Len(t, x.Trajectory, 3)
					for j := range 2 {
						w, g := ref.MLP.Trajectory[j], x.Trajectory[j]
						require.Equal(t, [3]float64{w.TrainLoss, w.TestLoss, w.TestAccuracy}, [3]float64{g.TrainLoss, g.TestLoss, g.TestAccuracy}, "checkpoint %d", j)
					}
					last := x.Trajectory[2]
					require.Equal(t, k, last.Step)
					require.Equal(t, 80, last.TestRows)
					require.Equal(t, last.TestAccuracy, *x.FinalTestAccuracy)
					require.Equal(t, last.TrainLoss, *m.FinalTrainLoss)
					require.Nil(t, x.LatencyBatch1, "no latency after an interruption")
					require.Nil(t, x.LatencyBatch256)
				}
			}
			// Ratios of a method cut short compare time per step and
			// parameters only; a method never started has none.
			if q, ok := rec.Ratios["dln/original"]; ok {
				require.Nil(t, q.Seconds)
				require.Nil(t, q.CPUSeconds)
				require.Nil(t, q.TestAccuracyDiff)
				require.NotNil(t, q.Params)
			}
			require.NotContains(t, rec.Ratios, "cdln/dln")
			require.Len(t, rec.Checks, 2)
			for _, ch := range rec.Checks {
				require.Equal(t, results.NotEvaluable, ch.Status, ch.Name)
				require.Contains(t, ch.Detail, "the run was interrupted", ch.Name)
			}

			// run.json reads back, field for field (through the bytes: the
			// checks' absent figures are NaN, which require.Equal finds
			// unequal); the figures and the CSV render it.
			want, err := results.MarshalRun(rec)
			require.NoError(t, err)
			back, err := results.DecodeRun(bytes.NewReader(want))
			require.NoError(t, err)
			require.True(t, back.Interrupted)
			got, err := results.MarshalRun(back)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
			_, err = report.Figures(rec, Title(rec))
			require.NoError(t, err)
			require.NotEmpty(t, report.TrajectoriesCSV(rec, 0))
			var out bytes.Buffer
			require.NoError(t, WriteSummary(&out, rec))
			require.NoError(t, report.WriteInterrupted(&out, rec))
			require.Contains(t, out.String(), "; the run is complete up to there and marked interrupted\n")
			require.Contains(t, log.String(), msgNotStarted)
		})
	}
}
