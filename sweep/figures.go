package sweep

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

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

// Curve is one line of a figure: a method, at the values Others of the
// axes other than the one drawn against and seed (one line per method and
// combination: depth 2 and depth 3, ms and mc), and at each value X of the
// axis drawn against the interval of the metric over the seeds
// (experiment.TInterval). Rows without the figure are left out; N says how
// many were kept.
type Curve struct {
	Method string
	Others []AxisValue
	X      []float64
	Y      []experiment.Interval
}

// Label names the curve in a legend: the method and the other axes'
// values.
func (c Curve) Label() string {
	if len(c.Others) == 0 {
		return c.Method
	}
	return c.Method + " " + FormatAxes(c.Others)
}

// Curves returns the curves of metric against the numeric axis key, in
// first-seen order of method and other axes' values.
func (m *Merged) Curves(metric Metric, key string) []Curve {
	type cell struct {
		x  float64
		ys []float64
	}
	type line struct {
		method string
		others []AxisValue
		cells  []*cell
	}
	var lines []*line
	for _, r := range m.Rows {
		x, ok := axisNumber(r, key)
		if !ok || r.Method == "" {
			continue
		}
		var others []AxisValue
		for _, a := range r.Axes {
			if a.Key != key && a.Key != "seed" {
				others = append(others, a)
			}
		}
		id := FormatAxes(others)
		li := slices.IndexFunc(lines, func(l *line) bool { return l.method == r.Method && FormatAxes(l.others) == id })
		if li < 0 {
			lines = append(lines, &line{method: r.Method, others: others})
			li = len(lines) - 1
		}
		l := lines[li]
		i := slices.IndexFunc(l.cells, func(c *cell) bool { return c.x == x })
		if i < 0 {
			l.cells = append(l.cells, &cell{x: x})
			i = len(l.cells) - 1
		}
		if y := metric.Get(r); y != nil && !math.IsNaN(*y) && !math.IsInf(*y, 0) {
			l.cells[i].ys = append(l.cells[i].ys, *y)
		}
	}
	var out []Curve
	for _, l := range lines {
		slices.SortFunc(l.cells, func(a, b *cell) int { return cmpF(a.x, b.x) })
		c := Curve{Method: l.method, Others: l.others}
		for _, e := range l.cells {
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

// FigureAxes returns the axes drawn against: the numeric axes but seed
// that have at least 3 values, or the only numeric one (an axis of 2
// values, depth 2 and 3, splits the lines of the others instead).
func (m *Merged) FigureAxes() []string {
	var keys []string
	counts := map[string]int{}
	for _, k := range m.AxisKeys {
		if k == "seed" || len(m.Rows) == 0 {
			continue
		}
		if _, ok := axisNumber(m.Rows[0], k); !ok {
			continue
		}
		keys = append(keys, k)
		seen := map[float64]bool{}
		for _, r := range m.Rows {
			if x, ok := axisNumber(r, k); ok {
				seen[x] = true
			}
		}
		counts[k] = len(seen)
	}
	if len(keys) <= 1 {
		return keys
	}
	var out []string
	for _, k := range keys {
		if counts[k] >= 3 {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return keys
	}
	return out
}

// The notebooks' colours: the original blue, the compressed network
// turquoise with circles; other methods from a colour-blind safe palette.
var (
	blue      = color.RGBA{0, 0, 255, 255}
	turquoise = color.RGBA{64, 224, 208, 255}
	palette   = []color.Color{
		color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255}, color.RGBA{204, 121, 167, 255},
		color.RGBA{230, 159, 0, 255}, color.RGBA{0, 114, 178, 255}, color.RGBA{0, 0, 0, 255},
	}
)

// Figures draws each metric against each figure axis, as PNG and SVG,
// keyed by file name (<metric>_vs_<axis>.png); a figure with no value is
// left out. Against alpha it also draws the notebook's figure of the
// learning-rate-ratio ablation, alpha_ablation.png and .svg: steps and
// seconds to the tolerance side by side, linear axes. The best error
// against r-hat marks the safe widths (Merged.SafeWidths).
func (m *Merged) Figures(title string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, key := range m.FigureAxes() {
		byMetric := make([][]Curve, len(Metrics))
		for i, met := range Metrics {
			curves := m.Curves(met, key)
			byMetric[i] = curves
			if !hasPoints(curves) {
				continue
			}
			for _, format := range []string{"png", "svg"} {
				b, err := render(format, 6*vg.Inch, 4*vg.Inch, func() ([]*plot.Plot, error) {
					p, err := m.newPlot(title, key, met, curves)
					return []*plot.Plot{p}, err
				})
				if err != nil {
					return nil, fmt.Errorf("sweep: figure %s against %s: %w", met.Name, key, err)
				}
				out[fmt.Sprintf("%s_vs_%s.%s", met.Name, key, format)] = b
			}
		}
		if key != "alpha" {
			continue
		}
		steps, secs := byMetric[0], byMetric[1] // Metrics' first two: steps and seconds to the tolerance
		if !hasPoints(steps) && !hasPoints(secs) {
			continue
		}
		for _, format := range []string{"png", "svg"} {
			b, err := render(format, 12*vg.Inch, 4.5*vg.Inch, func() ([]*plot.Plot, error) {
				left, err := m.newPlot(title, key, Metrics[0], steps)
				if err != nil {
					return nil, err
				}
				right, err := m.newPlot(title, key, Metrics[1], secs)
				return []*plot.Plot{left, right}, err
			})
			if err != nil {
				return nil, fmt.Errorf("sweep: the alpha ablation figure: %w", err)
			}
			out["alpha_ablation."+format] = b
		}
	}
	return out, nil
}

func hasPoints(curves []Curve) bool {
	for _, c := range curves {
		if len(c.X) > 0 {
			return true
		}
	}
	return false
}

// render draws the plots that mk returns side by side on one canvas of
// width w and height h, as format ("png" or "svg"). gonum/plot panics on
// some degenerate data; that is an error here.
func render(format string, w, h vg.Length, mk func() ([]*plot.Plot, error)) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("gonum/plot panicked: %v", r)
		}
	}()
	plots, err := mk()
	if err != nil {
		return nil, err
	}
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	case "svg":
		c = vgsvg.New(w, h)
	default:
		return nil, fmt.Errorf("unknown figure format %q", format)
	}
	dc := draw.New(c)
	if len(plots) == 1 {
		plots[0].Draw(dc)
	} else {
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
			PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		row := make([][]*plot.Plot, 1)
		row[0] = plots
		canvases := plot.Align(row, tiles, dc)
		for i, p := range plots {
			p.Draw(canvases[0][i])
		}
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newPlot is the figure of met against key: each curve's mean as a line
// with its 95% t-interval as a band, and, for the best error against
// r-hat, each safe width as a vertical line. The band is clipped at 0,
// below which no metric goes; on a log axis a bound at or below 0 is drawn
// at the axis' bottom, logFloor of the figure's values (the band runs out
// of the figure there), not at the mean, which would hide it. The y axis
// holds every band: on a linear axis it ends on the first major tick at or
// above the highest bound (so the band never runs past the top tick), on a
// log axis on the decades around the values.
func (m *Merged) newPlot(title, key string, met Metric, curves []Curve) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = key
	if key == "alpha" {
		p.X.Label.Text = "learning-rate ratio alpha"
	}
	p.Y.Label.Text = met.Label + " (mean, 95% CI)"
	if met.Log {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: 1} // 1e-05, not 9.999999999999999e-06
	}
	p.Add(plotter.NewGrid())
	others := 0
	ymin, ymax := math.Inf(1), math.Inf(-1)
	floor := logFloor(curves)
	// The bands first, under every line.
	var lines []plot.Plotter
	for _, c := range curves {
		if len(c.X) == 0 {
			continue
		}
		var col color.Color
		width, marker := vg.Points(1.5), true
		switch {
		case c.Method == "original" && len(c.Others) == 0:
			col, width, marker = blue, vg.Points(3), false
		case c.Method == "compressed" && len(c.Others) == 0:
			col, width = turquoise, vg.Points(3)
		default:
			col = palette[others%len(palette)]
			others++
		}
		xy := make(plotter.XYs, len(c.X))
		var band plotter.XYs
		var low plotter.XYs
		for j := range c.X {
			y := c.Y[j]
			xy[j].X, xy[j].Y = c.X[j], y.Mean
			lo, hi := y.Mean, y.Mean
			if y.Lo != nil {
				lo, hi = *y.Lo, *y.Hi
			}
			if met.Log && lo <= 0 {
				// A log axis cannot show a bound at or below 0: the band
				// runs to the axis' bottom (to the mean when nothing is
				// positive, and the axis cannot be drawn anyway).
				lo = y.Mean
				if floor > 0 {
					lo = math.Min(floor, y.Mean)
				}
			}
			lo = math.Max(lo, 0) // every metric is >= 0: the band is clipped there
			band = append(band, plotter.XY{X: c.X[j], Y: hi})
			low = append(low, plotter.XY{X: c.X[j], Y: lo})
			ymin, ymax = math.Min(ymin, lo), math.Max(ymax, hi)
		}
		slices.Reverse(low)
		band = append(band, low...)
		if len(c.X) > 1 {
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, err
			}
			r, g, b, _ := col.RGBA()
			poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0x40}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = col, width
		lines = append(lines, line)
		if marker {
			pts, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, err
			}
			pts.Color, pts.Shape, pts.Radius = col, draw.CircleGlyph{}, vg.Points(3)
			lines = append(lines, pts)
			p.Legend.Add(c.Label(), line, pts)
		} else {
			p.Legend.Add(c.Label(), line)
		}
	}
	p.Add(lines...)
	fitY(p, met.Log, ymin, ymax)
	if key == "r-hat" && met.Name == "best_error" && ymin <= ymax {
		for i, s := range m.SafeWidths {
			if s.SafeWidth == nil {
				continue
			}
			x := float64(*s.SafeWidth)
			v, err := plotter.NewLine(plotter.XYs{{X: x, Y: ymin}, {X: x, Y: ymax}})
			if err != nil {
				return nil, err
			}
			v.Color, v.Width, v.Dashes = color.Black, vg.Points(1), plotutil.Dashes(1+i)
			p.Add(v)
			label := fmt.Sprintf("safe width %s r-hat=%d (within %g%% of the original)", s.Method, *s.SafeWidth, 100*s.TolRel)
			if len(s.Axes) > 0 {
				label += " " + FormatAxes(s.Axes)
			}
			p.Legend.Add(label, v)
		}
	}
	p.Legend.Top = true
	return p, nil
}

// logFloor returns the bottom of a log axis of curves: the power of 10
// below their smallest positive mean or bound (a decade lower when that
// value is itself a power of 10), 0 when none is positive.
func logFloor(curves []Curve) float64 {
	lowest := math.Inf(1)
	for _, c := range curves {
		for _, y := range c.Y {
			for _, v := range []*float64{&y.Mean, y.Lo} {
				if v != nil && *v > 0 {
					lowest = math.Min(lowest, *v)
				}
			}
		}
	}
	if math.IsInf(lowest, 1) {
		return 0
	}
	f := math.Pow(10, math.Floor(math.Log10(lowest)))
	if f >= lowest {
		f /= 10
	}
	return f
}

// fitY sets p's y range to hold [ymin, ymax], the bands' range: on a log
// axis (ymin > 0) the decades around it; on a linear one up to the first
// major tick of p's ticker at or above ymax.
func fitY(p *plot.Plot, log bool, ymin, ymax float64) {
	if !(ymin <= ymax) || math.IsInf(ymin, 0) || math.IsInf(ymax, 0) {
		return
	}
	if log {
		if ymin > 0 {
			p.Y.Min = math.Min(p.Y.Min, math.Pow(10, math.Floor(math.Log10(ymin))))
			p.Y.Max = math.Max(p.Y.Max, math.Pow(10, math.Ceil(math.Log10(ymax))))
		}
		return
	}
	p.Y.Min, p.Y.Max = math.Min(p.Y.Min, ymin), math.Max(p.Y.Max, ymax)
	if p.Y.Max <= p.Y.Min {
		return
	}
	// A longer range may take other ticks: again until the top is one.
	for range 3 {
		var major []float64
		for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
			if t.Label != "" {
				major = append(major, t.Value)
			}
		}
		n := len(major)
		if n < 2 || major[n-1] >= p.Y.Max {
			return
		}
		p.Y.Max = major[n-1] + (major[n-1] - major[n-2])
	}
}
