package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// header is the column header of the text and Markdown tables, after the
// columns of Report.Keys.
var header = []string{"benchmark", "unit", "old", "new", "delta", "p", "n", "verdict"}

// header returns the column header of r's tables: its Keys, then header.
func (r *Report) header() []string {
	return append(append([]string(nil), r.Keys...), header...)
}

// cells formats row r for a table: its configuration values, then the
// columns of header.
func (r *Row) cells() []string {
	var centers []float64
	for _, s := range []Summary{r.Old, r.New} {
		if s.N > 0 {
			centers = append(centers, s.Center)
		}
	}
	sc := scaler(r.Unit, centers...)
	p := ""
	switch {
	case r.Exact && !math.IsNaN(r.P):
		p = "exact"
	case !math.IsNaN(r.P):
		p = fmt.Sprintf("%.3f", r.P)
	}
	n := fmt.Sprintf("%d+%d", r.Old.N, r.New.N)
	switch r.Verdict {
	case OnlyInOld:
		n = fmt.Sprint(r.Old.N)
	case OnlyInNew:
		n = fmt.Sprint(r.New.N)
	}
	var c []string
	for _, kv := range r.Config {
		c = append(c, kv.Value)
	}
	return append(c, r.Benchmark, r.Unit, r.formatSummary(r.Old, sc), r.formatSummary(r.New, sc),
		r.Delta, p, n, string(r.Verdict))
}

// scaler returns the scale that formats centers of unit, all finite, with
// the digits that tell them apart.
func scaler(unit string, centers ...float64) benchunit.Scaler {
	sc := benchunit.CommonScale(centers, benchunit.ClassOf(unit))
	if len(centers) == 2 && centers[0] != centers[1] && sc.Format(centers[0]) == sc.Format(centers[1]) {
		sc = benchunit.NoOpScaler // 1000000 and 1000001 flops, not 1.000M twice
	}
	return sc
}

// formatSummary formats s as "1.234m ±2%": the center scaled by sc and the
// half-width of the confidence interval relative to it ("±∞" when the sample
// is too small for one); a deterministic unit shows its value alone.
func (r *Row) formatSummary(s Summary, sc benchunit.Scaler) string {
	if s.N == 0 {
		return ""
	}
	v := sc.Format(s.Center)
	if r.Exact && s.Lo == s.Hi {
		return v
	}
	return v + " ±" + benchmath.Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi}.PctRangeString()
}

// tally is the one-line outcome shared by the text and Markdown writers.
func (r *Report) tally() string {
	unchanged, only := 0, 0
	for _, row := range r.Rows {
		switch row.Verdict {
		case NoChange:
			unchanged++
		case OnlyInOld, OnlyInNew:
			only++
		}
	}
	status := "ok"
	if r.Failed() {
		status = "FAIL"
	}
	warn := ""
	if r.Options.StrictSamples {
		warn = ", failing with --strict-samples"
	}
	return fmt.Sprintf("%s: %s, %s, %s (insufficient samples%s), %d unchanged, %d only in one file",
		status, plural(r.Regressions, "regression"), plural(r.Improvements, "improvement"),
		plural(r.Warnings, "warning"), warn, unchanged, only)
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// notes returns the distinct notes of the rows, each with the number of rows
// that carry it.
func (r *Report) notes() []string {
	count := map[string]int{}
	var order []string
	for _, row := range r.Rows {
		for _, n := range row.Notes {
			if count[n] == 0 {
				order = append(order, n)
			}
			count[n]++
		}
	}
	for i, n := range order {
		order[i] = fmt.Sprintf("%s (%s)", n, plural(count[n], "row"))
	}
	return order
}

// machineHeader and geomeanHeader are the column headers of the machine
// and geomean tables.
var (
	machineHeader = []string{"machine", "old", "new"}
	geomeanHeader = []string{"unit", "old", "new", "ratio", "delta", "n"}
)

// machineCells formats the machine lines, a key the files differ in marked
// "differs".
func (r *Report) machineCells() [][]string {
	var rows [][]string
	for _, m := range r.Machine {
		mark := ""
		if m.Differs() {
			mark = "differs"
		}
		rows = append(rows, []string{m.Key, m.Old, m.New, mark})
	}
	return rows
}

// geomeanCells formats the geomeans: the unit, the two means, the ratio
// and the change, and how many rows entered (and were skipped).
func (r *Report) geomeanCells() [][]string {
	var rows [][]string
	for _, g := range r.Geomeans {
		old, new, ratio, delta := "?", "?", "?", "?"
		if g.N > 0 {
			sc := scaler(g.Unit, g.Old, g.New)
			old, new = sc.Format(g.Old), sc.Format(g.New)
			ratio, delta = fmt.Sprintf("x%.3g", g.Ratio), formatDelta(g.Old, g.New)
		}
		n := fmt.Sprint(g.N)
		if g.Skipped > 0 {
			n += fmt.Sprintf(" (%d skipped: center <= 0)", g.Skipped)
		}
		rows = append(rows, []string{g.Unit, old, new, ratio, delta, n})
	}
	return rows
}

// WriteText writes the report: the files, the options and the machine
// lines, an aligned table of the rows, the geomeans per unit, the outcome
// and the notes. It returns the first write error.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "old: %s\nnew: %s\nalpha %g, threshold %g%%\n\n", r.Old, r.New, r.Options.Alpha, 100*r.Options.Threshold)
	if m := r.machineCells(); len(m) > 0 {
		fmt.Fprintln(tw, strings.Join(machineHeader, "\t"))
		for _, c := range m {
			fmt.Fprintln(tw, strings.TrimRight(strings.Join(c, "\t"), "\t"))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, strings.Join(r.header(), "\t"))
	for i := range r.Rows {
		fmt.Fprintln(tw, strings.Join(r.Rows[i].cells(), "\t"))
	}
	if g := r.geomeanCells(); len(g) > 0 {
		fmt.Fprintln(tw, "\ngeomean of the rows in both files, per unit")
		fmt.Fprintln(tw, strings.Join(geomeanHeader, "\t"))
		for _, c := range g {
			fmt.Fprintln(tw, strings.Join(c, "\t"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n", r.tally())
	if notes := r.notes(); len(notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as a GitHub-flavoured Markdown table, for
// a CI job summary ($GITHUB_STEP_SUMMARY). Regressions are in bold. It
// returns the first write error.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Benchmark comparison\n\n%s → %s (alpha %g, threshold %g%%)\n\n**%s**\n\n",
		mdCode(r.Old), mdCode(r.New), r.Options.Alpha, 100*r.Options.Threshold, r.tally())
	if m := r.machineCells(); len(m) > 0 {
		b.WriteString("| machine | old | new |\n| --- | --- | --- |\n")
		for _, c := range m {
			key := mdEscape(c[0])
			if c[3] != "" {
				key = "**" + key + "** (differs)"
			}
			b.WriteString("| " + key + " | " + mdEscape(c[1]) + " | " + mdEscape(c[2]) + " |\n")
		}
		b.WriteString("\n")
	}
	head := r.header()
	for i := range r.Keys {
		head[i] = mdEscape(head[i])
	}
	b.WriteString("| " + strings.Join(head, " | ") + " |\n")
	b.WriteString(strings.Repeat("| --- ", len(r.Keys)) + "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for i := range r.Rows {
		c := r.Rows[i].cells()
		for j := 0; j <= len(r.Keys); j++ {
			c[j] = mdCode(c[j])
		}
		if r.Rows[i].Verdict == Regression {
			c[len(c)-1] = "**" + c[len(c)-1] + "**"
		}
		b.WriteString("| " + strings.Join(c, " | ") + " |\n")
	}
	if g := r.geomeanCells(); len(g) > 0 {
		b.WriteString("\nGeomean of the rows in both files, per unit:\n\n")
		b.WriteString("| " + strings.Join(geomeanHeader, " | ") + " |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
		for _, c := range g {
			for i := range c {
				c[i] = mdEscape(c[i])
			}
			b.WriteString("| " + strings.Join(c, " | ") + " |\n")
		}
	}
	if notes := r.notes(); len(notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range notes {
			b.WriteString("- " + mdEscape(n) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCode formats s as a code span that is safe in a table cell.
func mdCode(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "`", "'"), "|", `\|`) + "`"
}

// mdEscape escapes the characters of s that a table or list would read.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;").Replace(s)
}

// jsonSummary is a Summary in JSON; non-finite bounds are null.
type jsonSummary struct {
	Center float64  `json:"center"`
	Lo     *float64 `json:"lo"`
	Hi     *float64 `json:"hi"`
	N      int      `json:"n"`
}

type jsonRow struct {
	Config    map[string]string `json:"config,omitempty"`
	Benchmark string            `json:"benchmark"`
	Unit      string            `json:"unit"`
	Better    string            `json:"better"`
	Exact     bool              `json:"exact"`
	Old       *jsonSummary      `json:"old"`
	New       *jsonSummary      `json:"new"`
	P         *float64          `json:"p"`
	Ratio     *float64          `json:"ratio"`
	Delta     string            `json:"delta"`
	Verdict   Verdict           `json:"verdict"`
	Notes     []string          `json:"notes,omitempty"`
}

type jsonReport struct {
	Old           string   `json:"old"`
	New           string   `json:"new"`
	Alpha         float64  `json:"alpha"`
	Threshold     float64  `json:"threshold"`
	StrictSamples bool     `json:"strict_samples"`
	Failed        bool     `json:"failed"`
	Regressions   int      `json:"regressions"`
	Improvements  int      `json:"improvements"`
	Warnings      int      `json:"warnings"`
	Keys          []string `json:"keys"`
	Machine       struct {
		Old map[string]string `json:"old"`
		New map[string]string `json:"new"`
	} `json:"machine"`
	Geomeans []jsonGeomean `json:"geomeans"`
	Rows     []jsonRow     `json:"rows"`
}

// jsonGeomean is a Geomean in JSON; the means and ratio of a unit without
// positive centers (n = 0) are null.
type jsonGeomean struct {
	Unit    string   `json:"unit"`
	Old     *float64 `json:"old"`
	New     *float64 `json:"new"`
	Ratio   *float64 `json:"ratio"`
	N       int      `json:"n"`
	Skipped int      `json:"skipped"`
}

// finite returns &x, or nil (JSON null) when x is NaN or infinite.
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func jsonSum(s Summary) *jsonSummary {
	if s.N == 0 {
		return nil
	}
	return &jsonSummary{Center: s.Center, Lo: finite(s.Lo), Hi: finite(s.Hi), N: s.N}
}

// WriteJSON writes the report as one indented JSON object with snake_case
// keys: the options, the counts, failed (Report.Failed), the configuration
// keys of the comparison key (keys, [] when none), the machine lines of each
// file (machine.old and machine.new, key to value), the geomeans and the
// rows, each with its configuration values (config, omitted when keys is
// empty). Values are in the tidied unit; a sample absent from a file is
// null, and so is a p-value, ratio, mean or bound that is NaN or infinite.
// It returns the first write error.
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Old: r.Old, New: r.New, Alpha: r.Options.Alpha, Threshold: r.Options.Threshold,
		StrictSamples: r.Options.StrictSamples, Failed: r.Failed(),
		Regressions: r.Regressions, Improvements: r.Improvements, Warnings: r.Warnings,
		Keys: append([]string{}, r.Keys...), Geomeans: make([]jsonGeomean, len(r.Geomeans)),
		Rows: make([]jsonRow, len(r.Rows))}
	out.Machine.Old, out.Machine.New = map[string]string{}, map[string]string{}
	for _, m := range r.Machine {
		if m.Old != "" {
			out.Machine.Old[m.Key] = m.Old
		}
		if m.New != "" {
			out.Machine.New[m.Key] = m.New
		}
	}
	for i, g := range r.Geomeans {
		out.Geomeans[i] = jsonGeomean{Unit: g.Unit, Old: finite(g.Old), New: finite(g.New), Ratio: finite(g.Ratio),
			N: g.N, Skipped: g.Skipped}
	}
	for i, row := range r.Rows {
		better := "lower"
		if row.Better > 0 {
			better = "higher"
		}
		var cfg map[string]string
		for _, kv := range row.Config {
			if cfg == nil {
				cfg = map[string]string{}
			}
			cfg[kv.Key] = kv.Value
		}
		out.Rows[i] = jsonRow{Config: cfg, Benchmark: row.Benchmark, Unit: row.Unit, Better: better, Exact: row.Exact,
			Old: jsonSum(row.Old), New: jsonSum(row.New), P: finite(row.P), Ratio: finite(row.Ratio),
			Delta: row.Delta, Verdict: row.Verdict, Notes: row.Notes}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
