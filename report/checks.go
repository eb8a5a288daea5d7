package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/lowdim/lowdim/results"
)

// WriteChecks writes one line per check: status, name, method, observed,
// predicted (or bound), tolerance and detail; then the regime of each check
// that passed or failed, and a closing count "checks: N pass, N fail, N
// skipped". It writes nothing when cs is empty.
func WriteChecks(w io.Writer, cs []results.Check) error {
	if len(cs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tmethod\tstatus\tobserved\tpredicted/bound\ttolerance\tdetail")
	var pass, fail, skip int
	for _, c := range cs {
		switch c.Status {
		case results.Pass:
			pass++
		case results.Fail:
			fail++
		case results.Skipped:
			skip++
		}
		if c.Status == results.Skipped {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t%s\n", c.Name, c.Method, c.Status, c.Detail)
			continue
		}
		status := string(c.Status)
		if c.Status == results.Fail {
			status = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.6g\t%.6g\t%.3g\t%s\n", c.Name, c.Method, status, c.Observed, c.Predicted, c.Tolerance, c.Detail)
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
	_, err := fmt.Fprintf(w, "checks: %d pass, %d fail, %d skipped\n", pass, fail, skip)
	return err
}
