package mlprun

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/lowdim/lowdim/mlp"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

// TrajectoriesCSV returns the checkpoints of every method as CSV:
// method,step,epoch,seconds,cpu_seconds,train_loss,train_accuracy,test_loss,test_accuracy,test_rows,
// one row per method and checkpoint, floats in the shortest exact form.
func TrajectoriesCSV(r *Record) []byte {
	var b bytes.Buffer
	b.WriteString("method,step,epoch,seconds,cpu_seconds,train_loss,train_accuracy,test_loss,test_accuracy,test_rows\n")
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, m := range r.Methods {
		for _, c := range m.Trajectory {
			fmt.Fprintf(&b, "%s,%d,%s,%s,%s,%s,%s,%s,%s,%d\n", m.Method, c.Step, f(c.Epoch), f(c.Seconds), f(c.CPUSeconds),
				f(c.TrainLoss), f(c.TrainAccuracy), f(c.TestLoss), f(c.TestAccuracy), c.TestRows)
		}
	}
	return b.Bytes()
}

// figure names one figure and the checkpoint fields on its axes.
type figure struct {
	name, xLabel, yLabel string
	x, y                 func(c *mlp.Checkpoint) float64
}

var figureList = []figure{
	{"accuracy_vs_step", "iteration", "test accuracy",
		func(c *mlp.Checkpoint) float64 { return float64(c.Step) }, func(c *mlp.Checkpoint) float64 { return c.TestAccuracy }},
	{"accuracy_vs_time", "training time (s)", "test accuracy",
		func(c *mlp.Checkpoint) float64 { return c.Seconds }, func(c *mlp.Checkpoint) float64 { return c.TestAccuracy }},
	{"loss_vs_step", "iteration", "training loss",
		func(c *mlp.Checkpoint) float64 { return float64(c.Step) }, func(c *mlp.Checkpoint) float64 { return c.TrainLoss }},
	{"loss_vs_time", "training time (s)", "training loss",
		func(c *mlp.Checkpoint) float64 { return c.Seconds }, func(c *mlp.Checkpoint) float64 { return c.TrainLoss }},
}

// colours are Okabe and Ito's, apart in print and for colour blindness.
var colours = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255},
}

// Figures draws the figures of r (test accuracy and training loss against
// step and training seconds, one line per method, from the first
// checkpoint after step 0) and returns them by file name, each as .svg and
// .png. A method without such checkpoints is left out.
func Figures(r *Record, title string) (out map[string][]byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("mlprun: gonum/plot panicked: %v", p)
		}
	}()
	out = map[string][]byte{}
	for _, f := range figureList {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text = f.xLabel
		p.Y.Label.Text = f.yLabel
		p.Add(plotter.NewGrid())
		p.Legend.Top = f.name[:4] == "loss"
		p.Legend.Left = false
		for i, m := range r.Methods {
			xy := make(plotter.XYs, 0, len(m.Trajectory))
			for j := range m.Trajectory {
				c := &m.Trajectory[j]
				if c.Step == 0 {
					continue // chance accuracy and one batch's loss squeeze the axis
				}
				xy = append(xy, plotter.XY{X: f.x(c), Y: f.y(c)})
			}
			if len(xy) == 0 {
				continue
			}
			l, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				return nil, fmt.Errorf("mlprun: %s: method %s: %w", f.name, m.Method, err)
			}
			l.LineStyle = draw.LineStyle{Color: colours[i%len(colours)], Width: vg.Points(1.5), Dashes: plotutil.Dashes(i)}
			pts.GlyphStyle = draw.GlyphStyle{Color: colours[i%len(colours)], Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
			p.Add(l, pts)
			p.Legend.Add(m.Method, l, pts)
		}
		for _, format := range []string{"svg", "png"} {
			w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, format)
			if err != nil {
				return nil, fmt.Errorf("mlprun: drawing %s.%s: %w", f.name, format, err)
			}
			var b bytes.Buffer
			if _, err := w.WriteTo(&b); err != nil {
				return nil, fmt.Errorf("mlprun: drawing %s.%s: %w", f.name, format, err)
			}
			out[f.name+"."+format] = b.Bytes()
		}
	}
	return out, nil
}

// Title names a run in figures and on stdout.
func Title(r *Record) string {
	c := r.Config
	return fmt.Sprintf("MLP on %s: width %d,%d, block L=%d, r̂=%d", r.Data.Name, c.Width, c.Width2, c.Depth, c.RHat)
}

// WriteOutputs writes trajectories.csv, the figures and run.json (last)
// into dir, which it creates, each file atomically.
func WriteOutputs(dir string, r *Record) error {
	js, err := Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "trajectories.csv"), TrajectoriesCSV(r)); err != nil {
		return err
	}
	figs, err := Figures(r, Title(r))
	if err != nil {
		return err
	}
	names := make([]string, 0, len(figs))
	for n := range figs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := results.WriteFileAtomic(filepath.Join(dir, n), figs[n]); err != nil {
			return err
		}
	}
	return results.WriteFileAtomic(filepath.Join(dir, "run.json"), js)
}

// WriteSummary writes the table of methods (parameters, steps, time,
// accuracy, loss, latency), the ratios and the checks to w.
func WriteSummary(w io.Writer, r *Record) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tparams\tsteps\ttrain s\tms/step\tCPU s\ttest acc\tbest acc\ttrain loss\tlatency b=1\tlatency b=256\tstatus")
	for _, m := range r.Methods {
		loss := "-"
		if m.FinalTrainLoss != nil {
			loss = fmt.Sprintf("%.4f", *m.FinalTrainLoss)
		}
		cpu := "-"
		if m.CPUSeconds >= 0 {
			cpu = fmt.Sprintf("%.1f", m.CPUSeconds)
		}
		status := string(m.Status)
		if m.Message != "" {
			status += ": " + m.Message
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%s\t%.4f\t%.4f\t%s\t%s\t%s\t%s\n", m.Method, m.Params, m.Steps, m.Seconds,
			1000*m.SecondsPerStep, cpu, m.FinalTestAccuracy, m.BestTestAccuracy, loss,
			perRow(m.LatencyBatch1), perRow(m.LatencyBatch256), status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	keys := make([]string, 0, len(r.Ratios))
	for k := range r.Ratios {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q := r.Ratios[k]
		fmt.Fprintf(&b, "%s: time x%.3g (per step x%.3g", k, q.Seconds, q.SecondsPerStep)
		if q.CPUSeconds > 0 {
			fmt.Fprintf(&b, ", CPU x%.3g", q.CPUSeconds)
		}
		fmt.Fprintf(&b, "), params x%.3g, test accuracy %+.2f points\n", q.Params, 100*q.TestAccuracyDiff)
	}
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n"))); err != nil {
			return err
		}
	}
	return report.WriteChecks(w, r.Checks)
}

// perRow formats seconds per row in µs.
func perRow(s float64) string {
	if s <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f µs", 1e6*s)
}
