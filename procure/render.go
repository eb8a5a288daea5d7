package procure

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/lowdim/lowdim/machine"
)

// WriteJSON writes c as indented JSON.
func (c *Comparison) WriteJSON(w io.Writer) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// fnum formats a nullable figure: "-" when absent.
func fnum(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

// fval formats a median in its unit.
func fval(v *float64, unit string) string {
	if v == nil {
		return "-"
	}
	switch unit {
	case "s":
		return fmtSeconds(*v)
	case "bytes":
		return machine.FormatBytes(uint64(*v))
	}
	return fmt.Sprintf("%.4g %s", *v, unit)
}

func fmtSeconds(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.3g s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	}
	return fmt.Sprintf("%.3g µs", s*1e6)
}

func fspeed(r Row) string {
	if r.Speedup == nil {
		return "-"
	}
	return fmt.Sprintf("%.3gx [%.3g, %.3g]", *r.Speedup, *r.Lo, *r.Hi)
}

// machineTable returns the machines' description as rows of cells: one
// row per field, one column per machine (a page stays narrow however
// long the descriptions).
func (c *Comparison) machineTable() (head []string, rows [][]string) {
	fields := []string{"file", "CPU", "cores", "GOMAXPROCS", "BLAS", "Go", "kernel", "suite", "load average (start, end)", "energy", "USD/h", "W given", "time-to-quality runs (one each)", "their cost", "their energy"}
	head = []string{"machine"}
	cols := make([][]string, 0, len(c.Machines))
	for _, m := range c.Machines {
		suite := "full"
		if m.Quick {
			suite = "quick"
		}
		energyRun := "-"
		if m.EnergyJ != nil {
			energyRun = fmt.Sprintf("%.4g J (%s)", *m.EnergyJ, m.EnergyBasis)
		} else if m.EnergyBasis != "" {
			energyRun = m.EnergyBasis
		}
		src := "modelled (" + m.EnergySource + ")"
		if m.Measured {
			src = "measured (" + m.EnergySource + ")"
		}
		head = append(head, m.Name)
		cols = append(cols, []string{m.Path, m.CPU, fmt.Sprint(m.Cores), fmt.Sprint(m.GOMAXPROCS), m.BLAS + " (" + m.BLASDetail + ")",
			m.Go, m.Kernel, suite, fnum(m.LoadStart, "%.1f") + ", " + fnum(m.LoadEnd, "%.1f"), src,
			fnum(m.USDPerHour, "%.4g"), fnum(m.Watts, "%.4g"), fval(m.TTQSeconds, "s"), fnum(m.CostUSD, "%.4g USD"), energyRun})
	}
	for i, f := range fields {
		row := []string{f}
		for _, col := range cols {
			row = append(row, col[i])
		}
		rows = append(rows, row)
	}
	return head, rows
}

func (c *Comparison) geoTable() (head []string, rows [][]string) {
	head = []string{"category", "machine", "benchmarks", "speedup over " + c.Machines[0].Name, fmt.Sprintf("%.0f%% interval", 100*c.Confidence)}
	for _, g := range c.Geomeans {
		if !isBuyer(g.Category) && g.Category != Calibration {
			continue
		}
		iv := "-"
		if g.Lo != nil {
			iv = fmt.Sprintf("[%.3g, %.3g]", *g.Lo, *g.Hi)
		}
		rows = append(rows, []string{g.Category, g.Machine, fmt.Sprint(g.Benchmarks), fnum(g.Speedup, "%.3gx"), iv})
	}
	return head, rows
}

func isBuyer(cat string) bool { return slices.Contains(BuyerCategories, cat) }

func (c *Comparison) rowTable(cat string) (head []string, rows [][]string) {
	head = []string{"benchmark", "machine", c.Machines[0].Name + " (median)", "machine (median)", "speedup [interval]", "CPU time (" + c.Machines[0].Name + ", machine)", "note"}
	for _, r := range c.Rows {
		if r.Category != cat {
			continue
		}
		cpu := "-"
		if r.ReferenceCPU != nil || r.ValueCPU != nil {
			cpu = fval(r.ReferenceCPU, r.Unit) + ", " + fval(r.ValueCPU, r.Unit)
		}
		rows = append(rows, []string{r.Benchmark, r.Machine, fval(r.Reference, r.Unit), fval(r.Value, r.Unit), fspeed(r), cpu, r.Note})
	}
	return head, rows
}

const preamble = "Speedup: how many times better a machine is than the reference (the first report): the reference's median time over the machine's, or the machine's rate over the reference's; above 1 is better. Times are wall times, what a buyer waits for; the process CPU time is shown beside them (not compared): the CPU time changes little with other processes' load where the wall time can double, so a wall-time difference the CPU times do not show comes from load. Intervals: %.0f%% percentile bootstrap (%d resamples of each report's stored samples)."

// WriteMarkdown writes the comparison as Markdown: the machines, the
// warnings, the answers, the geometric means and one table per category.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Machine comparison (suite %s version %d)\n\n", c.Suite, c.SuiteVersion)
	fmt.Fprintf(&b, preamble+"\n\n", 100*c.Confidence, c.Resamples)
	mdTable(&b, c.machineTable)
	if len(c.Warnings) > 0 {
		b.WriteString("\n## Warnings\n\n")
		for _, s := range c.Warnings {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	b.WriteString("\n## Answers\n\n")
	for _, a := range c.Answers {
		fmt.Fprintf(&b, "- **%s**: %s\n", a.Question, a.Text)
	}
	b.WriteString("\n## Geometric means per category\n\n")
	mdTable(&b, c.geoTable)
	for _, cat := range Categories {
		b.WriteString("\n## " + cat + "\n\n")
		mdTable(&b, func() ([]string, [][]string) { return c.rowTable(cat) })
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdTable(b *strings.Builder, f func() ([]string, [][]string)) {
	head, rows := f()
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	b.WriteString("|")
	for _, h := range head {
		b.WriteString(" " + esc(h) + " |")
	}
	b.WriteString("\n|")
	for range head {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("|")
		for _, cell := range r {
			b.WriteString(" " + esc(cell) + " |")
		}
		b.WriteString("\n")
	}
}

// WriteHTML writes the comparison as one self-contained HTML page: the
// same tables as WriteMarkdown and, per category with a speedup, an inline
// SVG chart of the speedups with their intervals on a log scale (no
// script, no external resource; styled for print).
func (c *Comparison) WriteHTML(w io.Writer) error {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Machine comparison (suite %s version %d)</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #111; max-width: 70em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; max-width: 100%%; }
th, td { border: 1px solid #999; padding: 0.2em 0.5em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; }
svg.chart { display: block; margin: 0.5em 0 1.5em; max-width: 100%%; height: auto; }
.warn { color: #8a4b00; }
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; }
  h2 { break-after: avoid; }
  table, svg.chart, figure { break-inside: avoid; }
  th { background: none; }
}
</style></head><body>
`, e(c.Suite), c.SuiteVersion)
	fmt.Fprintf(&b, "<h1>Machine comparison (suite %s version %d)</h1>\n<p>%s</p>\n", e(c.Suite), c.SuiteVersion,
		e(fmt.Sprintf(preamble, 100*c.Confidence, c.Resamples)))
	htmlTable(&b, c.machineTable)
	if len(c.Warnings) > 0 {
		b.WriteString("<h2>Warnings</h2>\n<ul>\n")
		for _, s := range c.Warnings {
			fmt.Fprintf(&b, "<li class=\"warn\">%s</li>\n", e(s))
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("<h2>Answers</h2>\n<ul>\n")
	for _, a := range c.Answers {
		fmt.Fprintf(&b, "<li><b>%s</b>: %s</li>\n", e(a.Question), e(a.Text))
	}
	b.WriteString("</ul>\n<h2>Geometric means per category</h2>\n")
	var geo []bar
	for _, g := range c.Geomeans {
		if g.Speedup != nil && (isBuyer(g.Category) || g.Category == Calibration) {
			geo = append(geo, bar{label: g.Category + " (" + g.Machine + ")", v: *g.Speedup, lo: *g.Lo, hi: *g.Hi})
		}
	}
	if len(geo) > 0 {
		b.WriteString(svgChart("geomeans", "Geometric mean speedup over "+c.Machines[0].Name+" per category", geo))
	}
	htmlTable(&b, c.geoTable)
	for _, cat := range Categories {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", e(cat))
		var bars []bar
		for _, r := range c.Rows {
			if r.Category == cat && r.Speedup != nil {
				label := r.Benchmark
				if len(c.Machines) > 2 {
					label += " (" + r.Machine + ")"
				}
				bars = append(bars, bar{label: label, v: *r.Speedup, lo: *r.Lo, hi: *r.Hi})
			}
		}
		if len(bars) > 0 {
			b.WriteString(svgChart(cat, "Speedup over "+c.Machines[0].Name+": "+cat, bars))
		}
		htmlTable(&b, func() ([]string, [][]string) { return c.rowTable(cat) })
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func htmlTable(b *strings.Builder, f func() ([]string, [][]string)) {
	head, rows := f()
	b.WriteString("<table>\n<tr>")
	for _, h := range head {
		b.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	b.WriteString("</tr>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for _, cell := range r {
			b.WriteString("<td>" + html.EscapeString(cell) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
}

// bar is one speedup with its interval.
type bar struct {
	label     string
	v, lo, hi float64
}

// svgChart draws bars as a horizontal interval chart on a log2 scale:
// a dot at the speedup, a line over its interval, a vertical line at 1.
func svgChart(id, title string, bars []bar) string {
	const (
		labelW = 430.0
		plotW  = 400.0
		rowH   = 22.0
		top    = 40.0
		bottom = 30.0
	)
	// Only positive finite speedups can be drawn on a log scale (Load
	// refuses samples that would give others; this guards the loop over
	// the ticks below, which an infinite bound would never end).
	drawable := bars[:0:0]
	for _, b := range bars {
		if finitePos(b.v) && finitePos(b.lo) && finitePos(b.hi) {
			drawable = append(drawable, b)
		}
	}
	bars = drawable
	lo, hi := 1.0, 1.0
	for _, b := range bars {
		lo, hi = math.Min(lo, math.Min(b.lo, b.v)), math.Max(hi, math.Max(b.hi, b.v))
	}
	llo, lhi := math.Floor(math.Log2(lo)), math.Ceil(math.Log2(hi))
	if lhi-llo < 1 {
		llo, lhi = llo-0.5, lhi+0.5
	}
	x := func(v float64) float64 { return labelW + plotW*(math.Log2(v)-llo)/(lhi-llo) }
	h := top + rowH*float64(len(bars)) + bottom
	w := labelW + plotW + 20
	var s strings.Builder
	fmt.Fprintf(&s, `<figure><svg class="chart" id="chart-%s" xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`+"\n",
		html.EscapeString(id), w, h, w, h, html.EscapeString(title))
	fmt.Fprintf(&s, `<text x="0" y="16" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	// Ticks at powers of two.
	for t := llo; t <= lhi+1e-9; t += 1 {
		v := math.Exp2(t)
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x(v), top-6, x(v), h-bottom+4)
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%.3gx</text>`+"\n", x(v), h-bottom+18, v)
	}
	fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="1.5"/>`+"\n", x(1), top-6, x(1), h-bottom+4)
	for i, b := range bars {
		y := top + rowH*float64(i) + rowH/2
		color := "#1f6fb4"
		if b.hi < 1 {
			color = "#c0392b"
		} else if b.lo <= 1 {
			color = "#777"
		}
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end">%s</text>`+"\n", labelW-8, y+4, html.EscapeString(b.label))
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", x(b.lo), y, x(b.hi), y, color)
		fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %.3gx [%.3g, %.3g]</title></circle>`+"\n",
			x(b.v), y, color, html.EscapeString(b.label), b.v, b.lo, b.hi)
	}
	s.WriteString("</svg></figure>\n")
	return s.String()
}

// finitePos reports whether v is positive and finite.
func finitePos(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
