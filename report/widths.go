package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
)

// WidthPoint is the error of the compressed network at one width of a
// verify; Error nil when it has none (diverged, not trained).
type WidthPoint struct {
	Width int
	Error *float64
}

// WidthFigures draws a verify's choice of width, "error_vs_width.svg" and
// ".png": the error of the compressed network at each width (points
// joined, on a log axis), the reference's error as a horizontal line
// labelled refLabel ("original"), and the line (1 + tolRel) times it, at or
// below which a width is sufficient. yLabel names the error (the best
// recovery error, or the held-out error). Widths without an error are left
// out, and so is the reference when ref is nil; with no point to draw it
// returns an empty map and no error. It returns an error naming the figure
// when drawing fails.
func WidthFigures(points []WidthPoint, ref *float64, refLabel string, tolRel float64, yLabel, title string) (map[string][]byte, error) {
	var xy plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	wlo, whi := math.Inf(1), math.Inf(-1)
	for _, p := range points {
		wlo, whi = math.Min(wlo, float64(p.Width)), math.Max(whi, float64(p.Width))
		if p.Error == nil || !(*p.Error > 0) || !finite(*p.Error) {
			continue
		}
		xy = append(xy, plotter.XY{X: float64(p.Width), Y: *p.Error})
		lo, hi = math.Min(lo, *p.Error), math.Max(hi, *p.Error)
	}
	out := map[string][]byte{}
	if len(xy) == 0 {
		return out, nil
	}
	if wlo == whi { // one width: a span around it for the horizontal lines
		wlo, whi = wlo-1, whi+1
	}
	ss := []series{{index: 0, name: "compressed, by width", xy: xy}}
	if ref != nil && *ref > 0 && finite(*ref) {
		line := func(y float64) plotter.XYs { return plotter.XYs{{X: wlo, Y: y}, {X: whi, Y: y}} }
		suff := (1 + tolRel) * *ref
		ss = append(ss,
			series{index: 6, name: refLabel, xy: line(*ref)},
			series{index: 1, name: fmt.Sprintf("sufficient below: (1 + %g) x %s", tolRel, refLabel), xy: line(suff)})
		lo, hi = math.Min(lo, *ref), math.Max(hi, suff)
	}
	f := figure{name: "error_vs_width", xLabel: "compressed width r̂", yLabel: yLabel, marks: true}
	build := func() (*figurePlot, error) { return newPlot(f, title, ss, lo, hi) }
	for _, format := range []string{"svg", "png"} {
		b, err := render(build, format)
		if err != nil {
			return nil, fmt.Errorf("report: drawing %s.%s: %w", f.name, format, err)
		}
		out[f.name+"."+format] = b
	}
	return out, nil
}
