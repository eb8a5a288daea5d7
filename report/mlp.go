package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lowdim/lowdim/results"
)

// The parts of report particular to MLP runs (Kind results.KindMLP): their
// figures, trajectories and summary table. Figures, TrajectoriesCSV and
// WriteSummary choose them by the run's kind.

// labelAccuracy is the y label of the MLP accuracy figures.
const labelAccuracy = "test accuracy"

// mlpPoints returns the points function of an MLP figure. The checkpoint
// at step 0 is left out: its chance accuracy and one batch's loss squeeze
// the axis.
func mlpPoints(x, y func(c *results.MLPCheckpoint) float64) func(*results.MethodResult, func(x, y float64)) {
	return func(m *results.MethodResult, add func(x, y float64)) {
		if m.MLP == nil {
			return
		}
		for j := range m.MLP.Trajectory {
			if c := &m.MLP.Trajectory[j]; c.Step != 0 {
				add(x(c), y(c))
			}
		}
	}
}

var (
	mlpStep     = func(c *results.MLPCheckpoint) float64 { return float64(c.Step) }
	mlpSeconds  = func(c *results.MLPCheckpoint) float64 { return c.Seconds }
	mlpAccuracy = func(c *results.MLPCheckpoint) float64 { return c.TestAccuracy }
	mlpLoss     = func(c *results.MLPCheckpoint) float64 { return c.TrainLoss }
)

// mlpFigureList are the figures of an MLP run, on linear axes; each is
// drawn when some method has a checkpoint after step 0 (a run whose methods
// all diverged at once has none, and that is a result, not an error).
var mlpFigureList = []figure{
	{name: "accuracy_vs_step", xLabel: labelStep, yLabel: labelAccuracy, xf: "step", yf: "test_accuracy",
		points: mlpPoints(mlpStep, mlpAccuracy), linearY: true},
	{name: "accuracy_vs_time", xLabel: labelTime, yLabel: labelAccuracy, xf: "seconds", yf: "test_accuracy",
		points: mlpPoints(mlpSeconds, mlpAccuracy), linearY: true},
	{name: "loss_vs_step", xLabel: labelStep, yLabel: labelLoss, xf: "step", yf: "train_loss",
		points: mlpPoints(mlpStep, mlpLoss), linearY: true},
	{name: "loss_vs_time", xLabel: labelTime, yLabel: labelLoss, xf: "seconds", yf: "train_loss",
		points: mlpPoints(mlpSeconds, mlpLoss), linearY: true},
}

// mlpHeader is the header of an MLP run's trajectories.csv.
var mlpHeader = []string{"method", "step", "epoch", "seconds", "cpu_seconds", "train_loss",
	"train_accuracy", "test_loss", "test_accuracy", "test_rows"}

// mlpTrajectoriesCSV is TrajectoriesCSV of an MLP run: one row per method
// and checkpoint under mlpHeader, cpu_seconds empty where it is nil.
func mlpTrajectoriesCSV(run *results.Run) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(mlpHeader) // cannot fail, see TrajectoriesCSV
	rec := make([]string, 0, len(mlpHeader))
	for i := range run.Methods {
		m := &run.Methods[i]
		if m.MLP == nil {
			continue
		}
		for j := range m.MLP.Trajectory {
			c := &m.MLP.Trajectory[j]
			cpu := ""
			if c.CPUSeconds != nil {
				cpu = formatFloat(*c.CPUSeconds)
			}
			rec = append(rec[:0], m.Method, strconv.Itoa(c.Step), formatFloat(c.Epoch), formatFloat(c.Seconds), cpu,
				formatFloat(c.TrainLoss), formatFloat(c.TrainAccuracy), formatFloat(c.TestLoss),
				formatFloat(c.TestAccuracy), strconv.Itoa(c.TestRows))
			_ = w.Write(rec)
		}
	}
	w.Flush()
	return buf.Bytes()
}

// writeMLPSummary is WriteSummary of an MLP run: one line per method
// (parameters, steps, training seconds, milliseconds per step, CPU seconds,
// final and best test accuracy, final training loss, inference latency per
// row at batch 1 and 256 in µs, status and message), "-" for a value that
// does not exist; then one line per ratio, such as
//
//	cdln/dln: time 0.48x (per step 0.48x, CPU 0.51x), params 0.31x, test accuracy -0.12 points
func writeMLPSummary(w io.Writer, run *results.Run) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tparams\tsteps\ttrain s\tms/step\tCPU s\ttest acc\tbest acc\ttrain loss\tlatency b=1\tlatency b=256\tstatus")
	for i := range run.Methods {
		m := &run.Methods[i]
		x := m.MLP
		if x == nil {
			x = new(results.MLPMethod)
		}
		status := statusText(m)
		if m.Message != "" && m.Status != results.Interrupted {
			status += ": " + m.Message
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Method, m.Params, m.Steps, m.Seconds,
			1000*m.SecondsPerStep, fixed(x.CPUSeconds, 1), fixed(x.FinalTestAccuracy, 4), fixed(x.BestTestAccuracy, 4),
			fixed(m.FinalTrainLoss, 4), micro(x.LatencyBatch1), micro(x.LatencyBatch256), status)
	}
	tw.Flush() // cannot fail: it writes to a bytes.Buffer
	for _, key := range ratioKeys(run) {
		q := run.Ratios[key]
		fmt.Fprintf(&b, "%s: time %s (per step %s, CPU %s), params %s, test accuracy %s points\n",
			key, ratio(q.Seconds), ratio(q.SecondsPerStep), ratio(q.CPUSeconds), ratio(q.Params), points(q.TestAccuracyDiff))
	}
	for line := range strings.Lines(b.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return fmt.Errorf("report: writing summary: %w", err)
		}
	}
	return nil
}

// fixed formats *v with prec decimals, or "-" when v is nil.
func fixed(v *float64, prec int) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

// micro formats seconds per row in µs, or "-" when v is nil.
func micro(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f µs", 1e6**v)
}

// points formats an accuracy difference in percentage points, signed, or
// "-" when d is nil.
func points(d *float64) string {
	if d == nil {
		return "-"
	}
	return fmt.Sprintf("%+.2f", 100**d)
}
