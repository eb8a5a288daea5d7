package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/lowdim/lowdim/results"
)

// Figure size and resolution.
const (
	figWidth  = 6 * vg.Inch
	figHeight = 4 * vg.Inch
	pngDPI    = 150

	// Margins around the data area and the legend right of it.
	legendGap   = vg.Length(14) // points
	rightMargin = vg.Length(4)  // points
	topMargin   = vg.Length(6)  // points
)

// Axis labels.
const (
	labelStep  = "iteration"
	labelTime  = "training time (s)"
	labelError = "relative recovery error ||W-Φ||_F/||Φ||_F"
	labelLoss  = "training loss"
)

// ErrNoData is returned (wrapped) by Figures when it is given no run.
var ErrNoData = errors.New("report: no data to plot")

// figure describes one figure: which values of a method go on which axis.
type figure struct {
	name   string // file name without extension
	xLabel string
	yLabel string
	// points calls add with the (x, y) of each checkpoint of m that the
	// figure shows, in step order.
	points func(m *results.MethodResult, add func(x, y float64))
	xf, yf string // the CSV names of x and y
	// linearY draws y on a linear axis; otherwise it is logarithmic and
	// points with y <= 0 are left out.
	linearY bool
	// series, when not nil, replaces the one-series-per-method collection:
	// a figure of several curves per method (alignment, staircase).
	series func(run *results.Run) []series
	// marks draws a glyph at every point of the first series (a curve of
	// a few measured points, such as the error of each width).
	marks bool
}

// labelAlign and labelSV are the y labels of the alignment and staircase
// figures.
const (
	labelAlign = "alignment |<u_1(W_L), u*_1>|, |<v_1(W_1), v*_1>|"
	labelSV    = "singular values of W"
)

// extraFigures are the figures of a linear run that exist only when their
// quantities were recorded: the alignment of the original network's outer
// layers with the target's top singular vectors ("alignment_vs_step"), and
// per method with recorded singular values (--svals) the incremental
// staircase of the top singular values of W over steps
// ("staircase_<method>").
func extraFigures(run *results.Run) []figure {
	var out []figure
	alignOf := func(m *results.MethodResult, u bool) plotter.XYs {
		var xy plotter.XYs
		for _, c := range m.Trajectory {
			p := c.AlignV
			if u {
				p = c.AlignU
			}
			if p != nil && finite(*p) {
				xy = append(xy, plotter.XY{X: float64(c.Step), Y: *p})
			}
		}
		return xy
	}
	out = append(out, figure{name: "alignment_vs_step", xLabel: labelStep, yLabel: labelAlign, xf: "step", yf: "align_u",
		linearY: true, series: func(run *results.Run) []series {
			var ss []series
			for i := range run.Methods {
				m := &run.Methods[i]
				if xy := alignOf(m, true); len(xy) > 0 {
					ss = append(ss, series{index: 2 * i, name: m.Method + " u_1(W_L)", xy: xy})
				}
				if xy := alignOf(m, false); len(xy) > 0 {
					ss = append(ss, series{index: 2*i + 1, name: m.Method + " v_1(W_1)", xy: xy})
				}
			}
			return ss
		}})
	for i := range run.Methods {
		m := &run.Methods[i]
		k := 0
		for _, c := range m.Trajectory {
			k = max(k, len(c.SingularValues))
		}
		if k == 0 {
			continue
		}
		out = append(out, figure{name: "staircase_" + FileSafe(m.Method), xLabel: labelStep, yLabel: labelSV, xf: "step", yf: "sv",
			linearY: true, series: func(run *results.Run) []series {
				ss := make([]series, 0, k)
				for s := range k {
					var xy plotter.XYs
					for _, c := range m.Trajectory {
						if s < len(c.SingularValues) && finite(c.SingularValues[s]) {
							xy = append(xy, plotter.XY{X: float64(c.Step), Y: c.SingularValues[s]})
						}
					}
					if len(xy) > 0 {
						ss = append(ss, series{index: s, name: m.Method + " σ" + strconv.Itoa(s+1), xy: xy})
					}
				}
				return ss
			}})
	}
	return out
}

// FileSafe returns name with every character but ASCII letters, digits,
// '-', '_' and '.' replaced by '_', so that a figure named after a network
// ("compressed r_hat=8") is a plain file name ("compressed_r_hat_8").
func FileSafe(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// linearPoints returns the points function of a linear run's figure.
func linearPoints(x, y func(c *results.Checkpoint) float64) func(*results.MethodResult, func(x, y float64)) {
	return func(m *results.MethodResult, add func(x, y float64)) {
		for j := range m.Trajectory {
			c := &m.Trajectory[j]
			add(x(c), y(c))
		}
	}
}

var figureList = []figure{
	{
		name: "error_vs_step", xLabel: labelStep, yLabel: labelError, xf: "step", yf: "recovery_error",
		points: linearPoints(
			func(c *results.Checkpoint) float64 { return float64(c.Step) },
			func(c *results.Checkpoint) float64 { return c.RecoveryError }),
	},
	{
		name: "error_vs_time", xLabel: labelTime, yLabel: labelError, xf: "seconds", yf: "recovery_error",
		points: linearPoints(
			func(c *results.Checkpoint) float64 { return c.Seconds },
			func(c *results.Checkpoint) float64 { return c.RecoveryError }),
	},
	{
		name: "loss_vs_step", xLabel: labelStep, yLabel: labelLoss, xf: "step", yf: "train_loss",
		points: linearPoints(
			func(c *results.Checkpoint) float64 { return float64(c.Step) },
			func(c *results.Checkpoint) float64 { return c.TrainLoss }),
	},
}

// figuresOf returns the figures of run's kind.
func figuresOf(run *results.Run) []figure {
	if run.Kind == results.KindMLP {
		return mlpFigureList
	}
	return append(append([]figure{}, figureList...), extraFigures(run)...)
}

// series is the drawable part of one method's trajectory.
type series struct {
	index int // position in run.Methods: picks colour and dashes
	name  string
	xy    plotter.XYs
}

// Figures draws the figures of run, each titled title, and returns them by
// file name. For a linear run they are "error_vs_step.svg",
// "error_vs_step.png", "error_vs_time.svg", "error_vs_time.png", and, when
// some method recorded a positive training loss, "loss_vs_step.svg" and
// "loss_vs_step.png"; when the original's alignment was recorded,
// "alignment_vs_step"; and per method with recorded singular values,
// "staircase_<method>" (see extraFigures); for an MLP run (Kind results.KindMLP)
// "accuracy_vs_step", "accuracy_vs_time", "loss_vs_step" and
// "loss_vs_time", each as .svg and .png, those with a point to draw. See
// the package comment for what is drawn and what is left out.
//
// A figure with no point to draw is left out, and that is no error: a
// run whose methods all diverged at step 0 or were interrupted before
// their first checkpoint has no figure at all (an empty map). Figures
// returns an error wrapping ErrNoData when run is nil, and an error naming
// the figure when drawing or encoding fails. It does not modify run.
func Figures(run *results.Run, title string) (map[string][]byte, error) {
	if run == nil {
		return nil, fmt.Errorf("%w: run is nil", ErrNoData)
	}
	out := make(map[string][]byte)
	for _, f := range figuresOf(run) {
		var ss []series
		var lo, hi float64
		if f.series != nil {
			ss = f.series(run)
			lo, hi = math.Inf(1), math.Inf(-1)
			for _, s := range ss {
				for _, p := range s.xy {
					lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
				}
			}
		} else {
			ss, lo, hi = collect(run, f)
		}
		if len(ss) == 0 {
			continue // nothing to draw: a result (see above), not an error
		}
		build := func() (*figurePlot, error) { return newPlot(f, title, ss, lo, hi) }
		svg, err := render(build, "svg")
		if err != nil {
			return nil, fmt.Errorf("report: drawing %s.svg: %w", f.name, err)
		}
		png, err := render(build, "png")
		if err != nil {
			return nil, fmt.Errorf("report: drawing %s.png: %w", f.name, err)
		}
		out[f.name+".svg"] = svg
		out[f.name+".png"] = png
	}
	return out, nil
}

// WriteFigures draws the figures of run (see Figures) and writes each into
// dir, which must exist, with results.WriteFileAtomic. It
// returns the paths written, sorted (none, and no error, when no figure
// has a point to draw). On error, some figures may have been
// written; none is left half-written.
func WriteFigures(dir string, run *results.Run, title string) ([]string, error) {
	figs, err := Figures(run, title)
	if err != nil {
		return nil, err
	}
	// dir must exist: never created here, so that a staging folder an
	// abort renamed away is not made again and left behind.
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("report: %s is not a folder", dir)
	}
	names := make([]string, 0, len(figs))
	for name := range figs {
		names = append(names, name)
	}
	sort.Strings(names)
	paths := make([]string, 0, len(names))
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := results.WriteFileAtomic(p, figs[name]); err != nil {
			return paths, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// collect returns the drawable series of f, in method order, and the least
// and greatest y among them. Methods with no drawable point are left out.
func collect(run *results.Run, f figure) (ss []series, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range run.Methods {
		m := &run.Methods[i]
		var xy plotter.XYs
		f.points(m, func(x, y float64) {
			if !finite(x) || !finite(y) || (!f.linearY && y <= 0) {
				return
			}
			xy = append(xy, plotter.XY{X: x, Y: y})
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		})
		if len(xy) > 0 {
			ss = append(ss, series{index: i, name: m.Method, xy: xy})
		}
	}
	return ss, lo, hi
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// palette holds the line colours, chosen to stay apart in print and for the
// common forms of colour blindness (Okabe and Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermilion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{0, 0, 0, 255},       // black
}

// lineStyle returns the style of method i: colour i and dash pattern i,
// both wrapping around.
func lineStyle(i int) draw.LineStyle {
	return draw.LineStyle{
		Color:  palette[i%len(palette)],
		Width:  vg.Points(1.5),
		Dashes: plotutil.Dashes(i),
	}
}

// newPlot builds the plot of f. lo and hi are the least and greatest y of
// ss, finite, and positive unless f.linearY.
func newPlot(f figure, title string, ss []series, lo, hi float64) (*figurePlot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = f.xLabel
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	if f.linearY {
		p.Y.Tick.Marker = plainTicker{}
	} else {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicker{}
	}
	p.X.Tick.Marker = plainTicker{}
	p.Add(plotter.NewGrid())
	// The legend goes right of the data area, where no curve can hide it
	// (no corner inside is always free: curves fall from the top left,
	// plateau along the top, or drop to the bottom at once).
	fp := &figurePlot{Plot: p, yLabel: f.yLabel, legend: plot.NewLegend()}
	fp.legend.Top, fp.legend.Left = true, true
	fp.legend.TextStyle.Font.Size = vg.Points(10)
	for _, s := range ss {
		l, err := plotter.NewLine(s.xy)
		if err != nil {
			return nil, fmt.Errorf("method %s: %w", s.name, err)
		}
		l.LineStyle = lineStyle(s.index)
		p.Add(l)
		thumbs := []plot.Thumbnailer{l}
		if len(s.xy) == 1 || f.marks && s.index == ss[0].index {
			// A line through one point draws nothing: mark the point.
			sc, err := plotter.NewScatter(s.xy)
			if err != nil {
				return nil, fmt.Errorf("method %s: %w", s.name, err)
			}
			sc.GlyphStyle.Color = l.LineStyle.Color
			sc.GlyphStyle.Radius = vg.Points(3)
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		fp.legend.Add(s.name, thumbs...)
	}
	if !f.linearY {
		p.Y.Min, p.Y.Max = decades(lo, hi)
	}
	return fp, nil
}

// figurePlot is a plot whose y-axis label is drawn by Draw rather than by
// gonum/plot. On a log axis gonum/plot places the label's glyph box at the
// normalised position of (Min+Max)/2, near the top of the axis, and then
// shrinks the data area to keep that box inside the figure: a long label
// such as labelError leaves a wide blank band under the title.
//
// Its legend, too, is drawn by Draw, right of the data area; the plot's own
// legend stays empty.
type figurePlot struct {
	*plot.Plot
	yLabel string
	legend plot.Legend
}

// Draw draws the plot on c: the y label rotated along the left edge and
// centred on the data area, the legend right of the data area, top-aligned
// with it.
func (p *figurePlot) Draw(c draw.Canvas) {
	sty := p.Y.Label.TextStyle
	descent := sty.FontExtents().Descent
	h := sty.Height(p.yLabel)
	// The gap between the data area and the legend leaves room for the
	// last x tick label, centred on the data area's right edge.
	legendW := p.legend.Rectangle(c).Size().X + legendGap + rightMargin
	inner := draw.Crop(c, h+descent+p.Y.Label.Padding, -legendW, 0, -topMargin)
	p.Plot.Draw(inner)
	data := p.DataCanvas(inner)

	lc := data
	lc.Min.X, lc.Max.X = data.Max.X+legendGap, c.Max.X-rightMargin
	p.legend.Draw(lc)

	sty.Rotation += math.Pi / 2
	c.FillText(sty, vg.Point{X: c.Min.X + h - descent, Y: data.Center().Y}, p.yLabel)
}

// Decade exponents beyond which float64 powers of ten under- or overflow
// (or turn subnormal).
const (
	minDecade = -300
	maxDecade = 300
)

// decades returns the whole decades around [lo, hi], 0 < lo <= hi: the
// greatest power of ten at most lo and the least at least hi, at least one
// decade apart and within [1e-300, 1e300], so that a log axis over them is
// never empty or non-positive and always carries labelled ticks.
func decades(lo, hi float64) (min, max float64) {
	a := math.Floor(math.Log10(lo))
	b := math.Ceil(math.Log10(hi))
	a = math.Max(minDecade, math.Min(a, maxDecade-1))
	b = math.Max(a+1, math.Min(b, maxDecade))
	return math.Pow10(int(a)), math.Pow10(int(b))
}

// maxLabels is the most labelled decades a log axis shows; beyond it, only
// every k-th decade is labelled and minor ticks are dropped.
const maxLabels = 8

// maxMarks is the most decades a log axis marks with a tick; beyond it only
// the labelled decades are marked.
const maxMarks = 40

// logTicker is plot.LogTicks made safe and readable: it returns no tick,
// rather than panicking, for a range that is not positive; it does not miss
// the lowest decade (plot.LogTicks truncates log10(min) towards zero); it
// snaps tick values to i*10^e, which plot.LogTicks computes by repeated
// multiplication and so labels "1.0000000000000002e-12"; and it thins the
// labels (and beyond maxMarks decades the marks) of a wide range.
type logTicker struct{}

var _ plot.Ticker = logTicker{}

// Ticks implements plot.Ticker.
func (logTicker) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) || !finite(min) || !finite(max) {
		return nil
	}
	// Start one decade lower so that no decade at or above min is missed,
	// then keep what falls in [min, max] up to rounding.
	const slack = 1e-9
	all := plot.LogTicks{Prec: -1}.Ticks(min/10, max)
	ticks := make([]plot.Tick, 0, len(all))
	labelled := 0
	for _, t := range all {
		e := math.Floor(math.Log10(t.Value) + slack)
		d := math.Round(t.Value / math.Pow10(int(e))) // 1..10
		v := d * math.Pow10(int(e))
		if v < min*(1-slack) || v > max*(1+slack) {
			continue
		}
		t.Value = v
		if !t.IsMinor() {
			// v may be off by an ulp (math.Pow10 of a large exponent is a
			// product of two table entries): six digits hide that.
			t.Label = strconv.FormatFloat(v, 'g', 6, 64)
			labelled++
		}
		ticks = append(ticks, t)
	}
	if labelled <= maxLabels {
		return ticks
	}
	// Keep one labelled decade in k, those whose exponent k divides (so 1
	// stays labelled), and the other decades as unlabelled marks while
	// they are not too dense; drop the minor ticks.
	k := (labelled + maxLabels - 1) / maxLabels
	marks := labelled <= maxMarks
	thin := make([]plot.Tick, 0, labelled)
	for _, t := range ticks {
		if t.IsMinor() {
			continue
		}
		if int(math.Round(math.Log10(t.Value)))%k != 0 {
			if !marks {
				continue
			}
			t.Label = ""
		}
		thin = append(thin, t)
	}
	return thin
}

// render builds a figure and encodes it as format, "svg" or "png". A
// panic inside gonum/plot is returned as an error.
func render(build func() (*figurePlot, error), format string) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("gonum/plot panicked: %v", r)
		}
	}()
	p, err := build()
	if err != nil {
		return nil, err
	}
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(pngDPI))}
	case "svg":
		c = vgsvg.New(figWidth, figHeight)
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// plainTicker is plot.DefaultTicks with labels in the shortest exact form
// ("2500", "0.5"), where DefaultTicks pads to a common precision ("2500.00").
type plainTicker struct{}

var _ plot.Ticker = plainTicker{}

// Ticks implements plot.Ticker.
func (plainTicker) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 6, 64)
		}
	}
	return ticks
}
