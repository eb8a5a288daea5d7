package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/lowdim/lowdim/results"
)

// CheckCounts are the checks of a run by outcome.
type CheckCounts struct {
	Pass, Fail, Skipped, NotEvaluable int
}

// CountChecks counts cs by status.
func CountChecks(cs []results.Check) CheckCounts {
	var n CheckCounts
	for _, c := range cs {
		switch c.Status {
		case results.Pass:
			n.Pass++
		case results.Fail:
			n.Fail++
		case results.Skipped:
			n.Skipped++
		case results.NotEvaluable:
			n.NotEvaluable++
		}
	}
	return n
}

// String is the closing line of WriteChecks, e.g. "3 pass, 0 fail, 1
// skipped, 2 not evaluable".
func (n CheckCounts) String() string {
	return fmt.Sprintf("%d pass, %d fail, %d skipped, %d not evaluable", n.Pass, n.Fail, n.Skipped, n.NotEvaluable)
}

// Figure formats a check's figure with verb (e.g. "%.6g"), or "-" when it
// is absent (results.Absent): a value that does not exist is never printed
// as 0.
func Figure(verb string, v float64) string {
	if results.IsAbsent(v) {
		return "-"
	}
	return fmt.Sprintf(verb, v)
}

// WriteChecks writes one line per check: name, method, status (FAIL in
// capitals), observed, predicted (or bound), tolerance and detail, with "-"
// for every absent figure; then the regime and quantity of each check that
// was evaluated or could not be; and a closing count "checks: N pass, N
// fail, N skipped, N not evaluable". It writes nothing when cs is empty.
func WriteChecks(w io.Writer, cs []results.Check) error {
	if len(cs) == 0 {
		return nil
	}
	if err := WriteChecksTable(w, cs); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "checks: %s\n", CountChecks(cs))
	return err
}

// WriteChecksTable is WriteChecks without the closing counts line, for a
// caller that counts differently (lowdim verify: a too-narrow width is a
// result, not a failure).
func WriteChecksTable(w io.Writer, cs []results.Check) error {
	if len(cs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tmethod\tstatus\tobserved\tpredicted/bound\ttolerance\tdetail")
	for _, c := range cs {
		status, obs, pred, tol := checkCells(c, "%.6g")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Method, status, obs, pred, tol, c.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "regimes and quantities:")
	seen := map[string]bool{}
	for _, c := range cs {
		key := c.Name + "|" + c.Regime + "|" + c.Quantity
		if c.Status == results.Skipped || seen[key] {
			continue
		}
		seen[key] = true
		fmt.Fprintf(w, "  %s: %s; assumes %s\n", c.Name, c.Quantity, c.Regime)
	}
	return nil
}

// checkCells returns a check's status as a table shows it (FAIL in
// capitals) and its observed, predicted and tolerance figures (the first
// two in figure, the tolerance in %.3g; "-" for an absent value and for
// every figure of a skipped check).
func checkCells(c results.Check, figure string) (status, obs, pred, tol string) {
	status = string(c.Status)
	if c.Status == results.Fail {
		status = "FAIL"
	}
	if c.Status == results.Skipped {
		return status, "-", "-", "-"
	}
	return status, Figure(figure, c.Observed), Figure(figure, c.Predicted), Figure("%.3g", c.Tolerance)
}
