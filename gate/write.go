package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lowdim/lowdim/energy"
)

// Verdict returns the gate's one-line verdict: PASS, FAIL or INTERRUPTED
// with the counts.
func (r *Report) Verdict() string {
	n := map[Verdict]int{}
	memory := 0
	for _, row := range r.Rows {
		if row.Kind == Memory && row.Verdict == Regression {
			memory++
			continue
		}
		n[row.Verdict]++
	}
	word := "PASS"
	switch {
	case r.Interrupted:
		word = "INTERRUPTED"
	case r.Failed():
		word = "FAIL"
	}
	return fmt.Sprintf("%s: %d timing regressions, %d memory regressions, %d deterministic changes, %d timing rows with too few samples, %d improvements, %d accepted changes, %d new cases",
		word, n[Regression], memory, n[Changed], n[Insufficient], n[Improvement], n[Accepted], len(r.New))
}

func side(b Binary) string {
	if b.Rev == "" {
		return b.Path
	}
	c := b.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	s := b.Rev + " (" + c + ")"
	for _, e := range b.Env {
		s += " " + e
	}
	return s
}

// header returns the lines describing the run.
func (r *Report) header() []string {
	o := r.Options
	lines := []string{
		"base: " + side(r.Base),
		"head: " + side(r.Head),
	}
	if r.Backend != "" {
		lines = append(lines, "backend: "+r.Backend)
	}
	lines = append(lines,
		fmt.Sprintf("rounds: %d of %d planned (interleaved base, head; --benchtime %s each; first round %v), %v of --budget %v, after %v of builds",
			r.Rounds, r.Planned, o.Benchtime, r.RoundTime.Round(time.Millisecond), r.Elapsed.Round(time.Second), o.Budget, r.Builds.Round(time.Second)),
		fmt.Sprintf("timing: U test (benchmath), Holm over %d rows at family-wise alpha %g, threshold %g%%, at least %d samples per side",
			r.timingRows(), o.Alpha, 100*o.Threshold, r.MinSamples),
		fmt.Sprintf("exact: flops/op, params-bytes, workspace-bytes, steps-to-tol, allocs/op (smallest sample, rounded); tolerance: recovery-err within %g relative, test-acc and test-loss within %g, B/op (smallest sample) within %g%% + %g bytes; accept file %s",
			RelTolRecovery, RelTolAccuracy, 100*RelTolBytes, float64(AbsTolBytes), AcceptFile),
		fmt.Sprintf("memory: %s of each side's bench process (%s row), median, a regression beyond +%g%%", UnitRSS, SuiteRow, 100*RelTolRSS),
	)
	for _, row := range r.Rows {
		if row.Unit == energy.UnitModel {
			lines = append(lines, "energy: "+energy.UnitModel+" is modelled from CPU time (RAPL counters unreadable), not measured; reported, not gated")
			break
		}
	}
	return lines
}

func (r *Report) timingRows() int {
	k := 0
	for _, row := range r.Rows {
		if row.Kind == Timing && row.Verdict != New {
			k++
		}
	}
	return k
}

var cols = []string{"benchmark", "unit", "kind", "base", "head", "delta", "p", "limit", "n", "verdict"}

func (row Row) cells() []string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
	p, limit, delta := "", "", ""
	if !math.IsNaN(row.P) {
		p, limit = fmt.Sprintf("%.3g", row.P), fmt.Sprintf("%.3g", row.Limit)
	}
	base := ""
	if row.Base.N > 0 {
		base = f(row.Base.Center)
		if row.Kind == Timing {
			base = fmtTime(row.Base.Center)
		}
	}
	head := f(row.Head.Center)
	if row.Kind == Timing {
		head = fmtTime(row.Head.Center)
	}
	if !math.IsNaN(row.Ratio) && !math.IsInf(row.Ratio, 0) {
		delta = fmt.Sprintf("%+.2f%%", 100*(row.Ratio-1))
	}
	return []string{row.Benchmark, row.Unit, string(row.Kind), base, head, delta, p, limit,
		fmt.Sprintf("%d+%d", row.Base.N, row.Head.N), string(row.Verdict)}
}

// fmtTime writes seconds as a duration of 4 significant digits.
func fmtTime(s float64) string {
	d := time.Duration(s * 1e9)
	unit := time.Duration(1)
	for v := d; v >= 10000; v /= 10 {
		unit *= 10
	}
	return d.Round(unit).String()
}

// gated reports whether the row belongs in the short tables: every row
// except info metrics.
func (row Row) gated() bool { return row.Kind != Info }

// WriteText writes the report for a terminal: the header, the gated rows,
// the info rows, stale accept lines and the verdict.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, l := range r.header() {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, info := range []bool{false, true} {
		for _, row := range r.Rows {
			if row.gated() != info {
				fmt.Fprintln(tw, strings.Join(row.cells(), "\t"))
			}
		}
	}
	tw.Flush()
	for _, n := range r.New {
		fmt.Fprintf(&b, "new (not in the base, not compared): %s\n", n)
	}
	for _, l := range r.Stale {
		fmt.Fprintf(&b, "%s:%d: stale, accepted nothing: %s %s %g\n", AcceptFile, l.Line, l.Benchmark, l.Unit, l.Value)
	}
	b.WriteString("gate: " + r.Verdict() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report for a CI job summary or a pull-request
// comment: the verdict, the header, the gated rows as a table and the
// info rows in a collapsed section.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## lowdim gate: %s\n\n", r.Verdict())
	for _, l := range r.header() {
		fmt.Fprintf(&b, "- %s\n", mdEscape(l))
	}
	table := func(info bool) {
		b.WriteString("\n| " + strings.Join(cols, " | ") + " |\n|" + strings.Repeat(" --- |", len(cols)) + "\n")
		for _, row := range r.Rows {
			if row.gated() == info {
				continue
			}
			c := row.cells()
			c[0] = "`" + c[0] + "`"
			if row.Verdict == Regression || row.Verdict == Changed || row.Verdict == Insufficient {
				c[len(c)-1] = "**" + c[len(c)-1] + "**"
			}
			b.WriteString("| " + strings.Join(c, " | ") + " |\n")
		}
	}
	table(false)
	b.WriteString("\n<details><summary>metrics reported, not gated</summary>\n")
	table(true)
	b.WriteString("\n</details>\n")
	for _, n := range r.New {
		fmt.Fprintf(&b, "\nnew (not in the base, not compared): `%s`\n", n)
	}
	for _, l := range r.Stale {
		fmt.Fprintf(&b, "\n`%s:%d`: stale, accepted nothing: `%s %s %g`\n", AcceptFile, l.Line, l.Benchmark, l.Unit, l.Value)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;").Replace(s)
}

type jsonStat struct {
	Center float64 `json:"center"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
	// Samples in round order: the raw data of scripts/gate-power.sh.
	Samples []float64 `json:"samples"`
}

type jsonRow struct {
	Benchmark string    `json:"benchmark"`
	Unit      string    `json:"unit"`
	Kind      Kind      `json:"kind"`
	Base      *jsonStat `json:"base,omitempty"`
	Head      jsonStat  `json:"head"`
	Ratio     *float64  `json:"ratio,omitempty"`
	P         *float64  `json:"p,omitempty"`
	Limit     *float64  `json:"limit,omitempty"`
	Verdict   Verdict   `json:"verdict"`
}

type jsonSide struct {
	Rev    string   `json:"rev,omitempty"`
	Commit string   `json:"commit,omitempty"`
	Binary string   `json:"binary"`
	Env    []string `json:"env,omitempty"`
}

type jsonReport struct {
	Verdict     string       `json:"verdict"`
	Failed      bool         `json:"failed"`
	Interrupted bool         `json:"interrupted"`
	Base        jsonSide     `json:"base"`
	Head        jsonSide     `json:"head"`
	Backend     string       `json:"backend,omitempty"`
	BudgetSec   float64      `json:"budget_sec"`
	ElapsedSec  float64      `json:"elapsed_sec"`
	BuildsSec   float64      `json:"builds_sec"`
	RoundSec    float64      `json:"first_round_sec"`
	Benchtime   string       `json:"benchtime"`
	Rounds      int          `json:"rounds"`
	Planned     int          `json:"planned_rounds"`
	MinSamples  int          `json:"min_samples"`
	Alpha       float64      `json:"alpha"`
	Threshold   float64      `json:"threshold"`
	Correction  string       `json:"correction"`
	Rows        []jsonRow    `json:"rows"`
	New         []string     `json:"new"`
	Stale       []AcceptLine `json:"stale_accept_lines"`
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// WriteJSON writes the report as one JSON object (rows in text order;
// NaN and infinite values left out).
func (r *Report) WriteJSON(w io.Writer) error {
	j := jsonReport{Verdict: r.Verdict(), Failed: r.Failed(), Interrupted: r.Interrupted,
		Base:    jsonSide{r.Base.Rev, r.Base.Commit, r.Base.Path, r.Base.Env},
		Head:    jsonSide{r.Head.Rev, r.Head.Commit, r.Head.Path, r.Head.Env},
		Backend: r.Backend, BudgetSec: r.Options.Budget.Seconds(), ElapsedSec: r.Elapsed.Seconds(), BuildsSec: r.Builds.Seconds(),
		RoundSec: r.RoundTime.Seconds(), Benchtime: r.Options.Benchtime, Rounds: r.Rounds, Planned: r.Planned,
		MinSamples: r.MinSamples, Alpha: r.Options.Alpha, Threshold: r.Options.Threshold, Correction: "holm",
		Rows: []jsonRow{}, New: append([]string{}, r.New...), Stale: append([]AcceptLine{}, r.Stale...)}
	for _, row := range r.Rows {
		jr := jsonRow{Benchmark: row.Benchmark, Unit: row.Unit, Kind: row.Kind,
			Head:  jsonStat{row.Head.Center, row.Head.Min, row.Head.Max, row.Head.N, row.Head.Samples},
			Ratio: finite(row.Ratio), P: finite(row.P), Limit: finite(row.Limit), Verdict: row.Verdict}
		if row.Base.N > 0 {
			jr.Base = &jsonStat{row.Base.Center, row.Base.Min, row.Base.Max, row.Base.N, row.Base.Samples}
		}
		j.Rows = append(j.Rows, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
