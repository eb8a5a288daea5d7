package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lowdim/lowdim/results"
)

// WriteSummary writes to w a table with one line per method of run, in
// order: method, status, steps, steps to the tolerance, seconds to the
// tolerance, time per step, parameters, final and best recovery error, and
// the method's Message when it has one (a diverged method says where it
// diverged). A figure that is missing (nil) is shown as "-". Time per step has one
// unit for the whole column (s, ms, µs or ns), chosen so that the fastest
// method reads at least 1.
//
// Then comes one line per entry of run.Ratios, in the order of run.Methods
// (then by name), such as
//
//	compressed/original: steps-to-tol 0.31x, seconds-to-tol 0.05x, time/step 0.12x, params 0.40x
//
// with "-" for a nil ratio. An MLP run (Kind results.KindMLP) has its own
// columns and ratios (see writeMLPSummary). WriteSummary returns an error
// only when run is nil or w fails. run is not modified.
func WriteSummary(w io.Writer, run *results.Run) error {
	if run == nil {
		return errors.New("report: summary of a nil run")
	}
	if run.Kind == results.KindMLP {
		return writeMLPSummary(w, run)
	}
	unit, scale := stepUnit(run.Methods)
	// The table goes through a buffer to strip the trailing blanks
	// tabwriter leaves when the last column (note) is empty.
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "method\tstatus\tsteps\tsteps-to-tol\tseconds-to-tol\t%s/step\tparams\tfinal error\tbest error\tnote\n", unit)
	for i := range run.Methods {
		m := &run.Methods[i]
		stepsToTol, secondsToTol := "-", "-"
		if m.StepsToTol != nil {
			stepsToTol = strconv.Itoa(*m.StepsToTol)
		}
		if m.SecondsToTol != nil {
			secondsToTol = sig(*m.SecondsToTol, 3)
		}
		note := m.Message
		if note == "" && m.Status == results.Diverged {
			note = "diverged"
		}
		if m.Status == results.Interrupted {
			note = "" // the status says it
		}
		timePerStep := sig(m.SecondsPerStep*scale, 3)
		if m.Steps == 0 {
			timePerStep = "-" // no step, no time per step
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
			m.Method, statusText(m), m.Steps, stepsToTol, secondsToTol,
			timePerStep, m.Params, sci(m.FinalError), sci(m.BestError), note)
	}
	tw.Flush() // cannot fail: it writes to a bytes.Buffer
	for line := range strings.Lines(table.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return fmt.Errorf("report: writing summary: %w", err)
		}
	}
	for _, key := range ratioKeys(run) {
		q := run.Ratios[key]
		if _, err := fmt.Fprintf(w, "%s: steps-to-tol %s, seconds-to-tol %s, time/step %s, params %s\n",
			key, ratio(q.StepsToTol), ratio(q.SecondsToTol), ratio(q.SecondsPerStep), ratio(q.Params)); err != nil {
			return fmt.Errorf("report: writing summary: %w", err)
		}
	}
	return nil
}

// statusText is a method's status as the summaries show it: the status,
// or for a method the run's interruption cut short its Message
// ("interrupted at step t", "interrupted before training (step 0)").
func statusText(m *results.MethodResult) string {
	if m.Status == results.Interrupted && m.Message != "" {
		return m.Message
	}
	return string(m.Status)
}

// WriteInterrupted writes, for an interrupted run (run.Interrupted), the
// line
//
//	status: interrupted at step t (method m); the run is complete up to there and marked interrupted
//
// naming the method the interruption stopped during its training, or,
// when it came between methods, "interrupted before training (method m)"
// naming the first method it kept from training. It writes nothing for a
// run that was not interrupted (or is nil), and returns an error only
// when w fails.
func WriteInterrupted(w io.Writer, run *results.Run) error {
	if run == nil || !run.Interrupted {
		return nil
	}
	where := "interrupted"
	var first *results.MethodResult
	for i := range run.Methods {
		m := &run.Methods[i]
		if m.Status != results.Interrupted {
			continue
		}
		if first == nil {
			first = m
		}
		if len(m.Trajectory) > 0 || (m.MLP != nil && len(m.MLP.Trajectory) > 0) || m.Steps > 0 {
			first = m // stopped during training
			break
		}
	}
	switch {
	case first == nil:
		where = "interrupted after training (every method finished, the signal came before the results were written)"
	case first.Message == "" || strings.HasPrefix(first.Message, "interrupted before training"):
		where = fmt.Sprintf("interrupted before training (method %s)", first.Method)
	default:
		where = fmt.Sprintf("%s (method %s)", first.Message, first.Method)
	}
	if _, err := fmt.Fprintf(w, "status: %s; the run is complete up to there and marked interrupted\n", where); err != nil {
		return fmt.Errorf("report: writing status: %w", err)
	}
	return nil
}

// stepUnit returns the unit of the time-per-step column and the factor that
// turns seconds into it: the largest of s, ms, µs and ns in which the
// fastest method (least positive, finite SecondsPerStep) reads at least 1.
func stepUnit(ms []results.MethodResult) (string, float64) {
	least := math.Inf(1)
	for i := range ms {
		if v := ms[i].SecondsPerStep; v > 0 && !math.IsInf(v, 0) {
			least = math.Min(least, v)
		}
	}
	switch {
	case least >= 1:
		return "s", 1
	case least >= 1e-3:
		return "ms", 1e3
	case least >= 1e-6:
		return "µs", 1e6
	case math.IsInf(least, 1):
		return "s", 1 // no positive timing at all
	default:
		return "ns", 1e9
	}
}

// sci formats an optional error as 1.234e-05, or "-" when v is nil.
func sci(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'e', 3, 64)
}

// ratioKeys returns the keys of run.Ratios: first those of each method
// ("method/base"), in method order, then any others, each group sorted.
func ratioKeys(run *results.Run) []string {
	seen := make(map[string]bool, len(run.Ratios))
	var keys []string
	for i := range run.Methods {
		prefix := run.Methods[i].Method + "/"
		var group []string
		for k := range run.Ratios {
			if !seen[k] && strings.HasPrefix(k, prefix) {
				group = append(group, k)
			}
		}
		sort.Strings(group)
		for _, k := range group {
			seen[k] = true
		}
		keys = append(keys, group...)
	}
	var rest []string
	for k := range run.Ratios {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

// ratio formats a ratio as "0.31x": two decimals from 0.01 up, two
// significant digits below; "-" when q is nil.
func ratio(q *float64) string {
	if q == nil {
		return "-"
	}
	if v := *q; math.Abs(v) >= 0.01 || !finite(v) {
		return strconv.FormatFloat(v, 'f', 2, 64) + "x"
	}
	return sig(*q, 2) + "x"
}

// sig formats v with n significant digits in plain decimal notation
// (12.3, 0.000123), or rounded to an integer when that has more digits
// (123456), falling back to exponent notation for values below 1e-9 or from
// 1e15 in magnitude.
func sig(v float64, n int) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case !finite(v) || a < 1e-9 || a >= 1e15:
		return strconv.FormatFloat(v, 'g', n, 64)
	case a >= math.Pow10(n)-0.5:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	// Round to n significant digits first so that 9.996 becomes 10.0, not
	// 9.996 printed as "10.00".
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', n-1, 64), 64)
	dec := n - 1 - int(math.Floor(math.Log10(math.Abs(r))))
	return strconv.FormatFloat(r, 'f', max(dec, 0), 64)
}
