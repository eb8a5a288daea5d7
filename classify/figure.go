package classify

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Figure file names (without extension) that WriteFigures writes.
const FigureAccuracyCPU = "accuracy-cpu"

// AccuracyCPUFigure draws, for each model of v, its test accuracy (points)
// after each epoch against the training CPU seconds spent to it: one line
// through the means over the seeds at each epoch (the runs that reached
// that epoch), and each run's own points as small marks. format is "png"
// or "svg". A model without a trajectory point is left out; with none at
// all it returns nil, nil. A panic inside gonum/plot is returned as an
// error.
func AccuracyCPUFigure(v *Verdict, title, format string) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("gonum/plot panicked: %v", r)
		}
	}()
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "training CPU seconds (process, evaluation excluded)"
	p.Y.Label.Text = "test accuracy (points)"
	p.Add(plotter.NewGrid())
	p.Legend.Top = false
	p.Legend.Left = false
	any := false
	for i, m := range v.Models {
		var sx, sy []float64
		var n []int
		var marks plotter.XYs
		for _, r := range m.Runs {
			for k, pt := range r.Trajectory {
				for len(sx) <= k {
					sx, sy, n = append(sx, 0), append(sy, 0), append(n, 0)
				}
				sx[k] += pt.CPUSeconds
				sy[k] += pt.Accuracy
				n[k]++
				marks = append(marks, plotter.XY{X: pt.CPUSeconds, Y: pt.Accuracy})
			}
		}
		diverged := DivergedRuns(m.Runs)
		if len(sx) == 0 {
			if diverged > 0 { // kept in the legend: the model is not simply missing
				p.Legend.Add(fmt.Sprintf("%s: diverged (%d of %d seeds) before an epoch ended, no point", m.Name, diverged, len(m.Runs)))
			}
			continue
		}
		any = true
		line := make(plotter.XYs, len(sx))
		for k := range sx {
			line[k] = plotter.XY{X: sx[k] / float64(n[k]), Y: sy[k] / float64(n[k])}
		}
		l, pts, err := plotter.NewLinePoints(line)
		if err != nil {
			return nil, err
		}
		col := plotutil.Color(i)
		l.Color, pts.Color = col, col
		l.Width = vg.Points(1.5)
		pts.Shape = plotutil.Shape(i)
		s, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, err
		}
		s.Color, s.Shape, s.Radius = col, plotutil.Shape(i), vg.Points(1.5)
		p.Add(s, l, pts)
		label := m.Name + " (mean of " + strconv.Itoa(len(m.Runs)) + " seeds)"
		if diverged > 0 {
			label = fmt.Sprintf("%s (mean of the seeds at each epoch; %d of %d diverged)", m.Name, diverged, len(m.Runs))
		}
		p.Legend.Add(label, l, pts)
	}
	if !any {
		return nil, nil
	}
	w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, format)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteTrajectories writes every run's trajectory as CSV: a header line
// model,variant,r_hat,seed,epoch,steps,cpu_seconds,wall_seconds,accuracy,
// then one line per point, models in v's order; r_hat is empty for the
// original and +DLN (no compressed width: absent, not 0).
func WriteTrajectories(w io.Writer, v *Verdict) error {
	var b bytes.Buffer
	b.WriteString("model,variant,r_hat,seed,epoch,steps,cpu_seconds,wall_seconds,accuracy\n")
	for _, m := range v.Models {
		for _, r := range m.Runs {
			for _, pt := range r.Trajectory {
				rhat := ""
				if m.RHat > 0 {
					rhat = strconv.Itoa(m.RHat)
				}
				fmt.Fprintf(&b, "%s,%s,%s,%d,%d,%d,%s,%s,%s\n", m.Name, m.Variant, rhat, r.Seed, pt.Epoch, pt.Steps,
					strconv.FormatFloat(pt.CPUSeconds, 'g', -1, 64), strconv.FormatFloat(pt.WallSeconds, 'g', -1, 64),
					strconv.FormatFloat(pt.Accuracy, 'g', -1, 64))
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// DivergedRuns counts the runs of rs that diverged.
func DivergedRuns(rs []*Run) int {
	k := 0
	for _, r := range rs {
		if r.Status == StatusDiverged {
			k++
		}
	}
	return k
}
