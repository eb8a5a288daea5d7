package sweep

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/lowdim/lowdim/experiment"
)

// Metric is a figure of a Row drawn against the axes.
type Metric struct {
	Name  string // file name part and column: "steps_to_tol"
	Label string // the y axis' label
	Log   bool   // a log y axis
	Get   func(Row) *float64
}

// Metrics are the figures drawn by Figures.
var Metrics = []Metric{
	{"steps_to_tol", "steps to the tolerance", false, func(r Row) *float64 { return intF(r.StepsToTol) }},
	{"seconds_to_tol", "seconds to the tolerance", false, func(r Row) *float64 { return r.SecondsToTol }},
	{"best_error", "best recovery error", true, func(r Row) *float64 { return r.BestError }},
	{"final_error", "final recovery error", true, func(r Row) *float64 { return r.FinalError }},
}

func intF(p *int) *float64 {
	if p == nil {
		return nil
	}
	v := float64(*p)
	return &v
}

// Curve is one method's line of a figure: at each axis value X, the
// interval of the metric over the rows of that value (the other axes'
// values, seeds included; experiment.TInterval). Rows without the figure
// are left out; N says how many were kept.
type Curve struct {
	Method string
	X      []float64
	Y      []experiment.Interval
}

// Curves returns the curves of metric against the numeric axis key, one
// per method in first-seen order.
func (m *Merged) Curves(metric Metric, key string) []Curve {
	type cell struct {
		x  float64
		ys []float64
	}
	var methods []string
	cells := map[string][]*cell{}
	for _, r := range m.Rows {
		x, ok := axisNumber(r, key)
		if !ok || r.Method == "" {
			continue
		}
		if !slices.Contains(methods, r.Method) {
			methods = append(methods, r.Method)
		}
		i := slices.IndexFunc(cells[r.Method], func(c *cell) bool { return c.x == x })
		if i < 0 {
			cells[r.Method] = append(cells[r.Method], &cell{x: x})
			i = len(cells[r.Method]) - 1
		}
		if y := metric.Get(r); y != nil && !math.IsNaN(*y) && !math.IsInf(*y, 0) {
			cells[r.Method][i].ys = append(cells[r.Method][i].ys, *y)
		}
	}
	var out []Curve
	for _, name := range methods {
		cs := cells[name]
		slices.SortFunc(cs, func(a, b *cell) int { return cmpF(a.x, b.x) })
		c := Curve{Method: name}
		for _, e := range cs {
			if len(e.ys) == 0 {
				continue
			}
			c.X = append(c.X, e.x)
			c.Y = append(c.Y, experiment.TInterval(e.ys))
		}
		out = append(out, c)
	}
	return out
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// axisNumber returns the numeric value of axis key in r.
func axisNumber(r Row, key string) (float64, bool) {
	for _, a := range r.Axes {
		if a.Key != key {
			continue
		}
		switch v := a.Value.(type) {
		case float64:
			return v, true
		case int64:
			return float64(v), true
		case int:
			return float64(v), true
		case string:
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// FigureAxes returns the axes drawn against: the numeric axes but seed.
func (m *Merged) FigureAxes() []string {
	var keys []string
	for _, k := range m.AxisKeys {
		if k == "seed" || len(m.Rows) == 0 {
			continue
		}
		if _, ok := axisNumber(m.Rows[0], k); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{0, 0, 0, 255},
}

// Figures draws each metric against each figure axis, as PNG and SVG,
// keyed by file name (<metric>_vs_<axis>.png); a figure with no value is
// left out.
func (m *Merged) Figures(title string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, key := range m.FigureAxes() {
		for _, met := range Metrics {
			curves := m.Curves(met, key)
			n := 0
			for _, c := range curves {
				n += len(c.X)
			}
			if n == 0 {
				continue
			}
			for _, format := range []string{"png", "svg"} {
				b, err := drawFigure(title, key, met, curves, format)
				if err != nil {
					return nil, fmt.Errorf("sweep: figure %s against %s: %w", met.Name, key, err)
				}
				out[fmt.Sprintf("%s_vs_%s.%s", met.Name, key, format)] = b
			}
		}
	}
	return out, nil
}

func drawFigure(title, key string, met Metric, curves []Curve, format string) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("gonum/plot panicked: %v", r)
		}
	}()
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = key
	p.Y.Label.Text = met.Label + " (mean, 95% t-interval)"
	if met.Log {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	for i, c := range curves {
		if len(c.X) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(c.X))
		errs := make(plotter.YErrors, len(c.X))
		for j := range c.X {
			y := c.Y[j]
			xy[j].X, xy[j].Y = c.X[j], y.Mean
			if y.Lo != nil {
				lo, hi := y.Mean-*y.Lo, *y.Hi-y.Mean
				if met.Log && *y.Lo <= 0 {
					lo = 0 // a log axis cannot show a bound at or below 0
				}
				errs[j].Low, errs[j].High = lo, hi
			}
		}
		line, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		col := palette[i%len(palette)]
		line.Color, line.Width, line.Dashes = col, vg.Points(1.5), plotutil.Dashes(i)
		pts.Color = col
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{xy, errs})
		if err != nil {
			return nil, err
		}
		bars.Color = col
		p.Add(line, pts, bars)
		p.Legend.Add(c.Method, line, pts)
	}
	p.Legend.Top = true
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
