package report

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
)

// TestWriteChecksAbsent: every outcome prints its status, an absent figure
// prints "-" (never 0), a failure prints FAIL, and the closing line counts
// the four outcomes apart.
func TestWriteChecksAbsent(t *testing.T) {
	a := results.Absent
	cs := []results.Check{
		{Name: "exact", Method: "m", Status: results.Pass, Quantity: "q", Regime: "r", Observed: 3, Predicted: 3, Tolerance: 0},
		{Name: "bound", Method: "m", Status: results.Fail, Quantity: "q", Regime: "r", Observed: 0.7, Predicted: a, Tolerance: 0.5},
		{Name: "skip", Method: "m", Status: results.Skipped, Regime: "r", Observed: a, Predicted: a, Tolerance: a, Detail: "outside"},
		{Name: "ne", Method: "m", Status: results.NotEvaluable, Quantity: "q", Regime: "r", Observed: a, Predicted: a, Tolerance: 0.5, Detail: "never reached --tol"},
	}
	var b strings.Builder
	require.NoError(t, WriteChecks(&b, cs))
	out := b.String()
	require.Regexp(t, `exact +m +pass +3 +3 +0\n`, out)
	require.Regexp(t, `bound +m +FAIL +0.7 +- +0.5\n`, out)
	require.Regexp(t, `skip +m +skipped +- +- +- +outside\n`, out)
	require.Regexp(t, `ne +m +not-evaluable +- +- +0.5 +never reached --tol\n`, out)
	require.Contains(t, out, "checks: 1 pass, 1 fail, 1 skipped, 1 not evaluable\n")
	require.Equal(t, CheckCounts{Pass: 1, Fail: 1, Skipped: 1, NotEvaluable: 1}, CountChecks(cs))
}
