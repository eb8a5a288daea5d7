package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
)

// parseCSV reads b back with encoding/csv.
func parseCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	require.NoError(t, err, "CSV does not parse:\n%s", b)
	return rows
}

// sameFloat reports whether got reads back to want bit for bit (any NaN
// matches any NaN): the CSV promises an exact round trip, so no tolerance.
func sameFloat(t *testing.T, want float64, got string) {
	t.Helper()
	v, err := strconv.ParseFloat(got, 64)
	require.NoError(t, err)
	if math.IsNaN(want) {
		assert.True(t, math.IsNaN(v), "got %s, want NaN", got)
		return
	}
	assert.Equal(t, math.Float64bits(want), math.Float64bits(v), "got %s (%v), want %v", got, v, want)
}

func TestTrajectoriesCSVHeader(t *testing.T) {
	base := []string{"method", "step", "seconds", "train_loss", "recovery_error", "test_loss"}
	for _, tc := range []struct {
		name string
		run  *results.Run
		nsv  int
		want []string
	}{
		// synthRun records at most 3 singular values (lowrank).
		{"nsv above recorded", synthRun(), 5, append(base[:6:6], "sv1", "sv2", "sv3", "sv4", "sv5")},
		{"nsv below recorded", synthRun(), 1, append(base[:6:6], "sv1", "sv2", "sv3")},
		{"nsv zero, none recorded", &results.Run{Methods: []results.MethodResult{{Method: "m"}}}, 0, base},
		{"negative nsv", &results.Run{}, -3, base},
		{"nil run", nil, 2, append(base[:6:6], "sv1", "sv2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := parseCSV(t, TrajectoriesCSV(tc.run, tc.nsv))
			require.NotEmpty(t, rows)
			assert.Equal(t, tc.want, rows[0])
		})
	}
}

func TestTrajectoriesCSVRows(t *testing.T) {
	// Floats that a short or fixed-precision format would not round-trip.
	// Negative zero is math.Copysign(0, -1): the constant -0.0 is +0 in Go.
	negZero := math.Copysign(0, -1)
	hard := []float64{0.1 + 0.2, math.Pi, 1e-300, math.SmallestNonzeroFloat64, math.MaxFloat64,
		math.NaN(), math.Inf(1), math.Inf(-1), negZero, 123456789.123456789}
	run := &results.Run{Methods: []results.MethodResult{
		{Method: "a,b \"quoted\"", Trajectory: []results.Checkpoint{
			{Step: 0, Seconds: hard[0], TrainLoss: hard[1], RecoveryError: hard[2],
				TestLoss: hard[3], HasTestLoss: true, SingularValues: hard[4:7]},
			{Step: 7, Seconds: hard[7], TrainLoss: hard[8], RecoveryError: hard[9],
				TestLoss: 42, HasTestLoss: false, SingularValues: hard[:1]},
		}},
		{Method: "empty"},
		{Method: "second", Trajectory: []results.Checkpoint{{Step: 3, Seconds: 1, TrainLoss: 2, RecoveryError: 3}}},
	}}
	rows := parseCSV(t, TrajectoriesCSV(run, 2))
	// Header, then 2 + 0 + 1 rows; K = 3 from the first checkpoint.
	require.Len(t, rows, 4)
	for i, r := range rows {
		require.Len(t, r, 9, "row %d", i)
	}

	for _, tc := range []struct {
		name string
		row  []string
		want []float64 // seconds, train_loss, recovery_error, then what is not empty
		test *float64
		sv   []float64
	}{
		{"first", rows[1], hard[0:3], &hard[3], hard[4:7]},
		{"second, no test loss", rows[2], hard[7:10], nil, hard[:1]},
		{"other method", rows[3], []float64{1, 2, 3}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, w := range tc.want {
				sameFloat(t, w, tc.row[2+i])
			}
			if tc.test == nil {
				assert.Equal(t, "", tc.row[5], "test_loss")
			} else {
				sameFloat(t, *tc.test, tc.row[5])
			}
			for i := range 3 {
				if i < len(tc.sv) {
					sameFloat(t, tc.sv[i], tc.row[6+i])
				} else {
					assert.Equal(t, "", tc.row[6+i], "sv%d", i+1)
				}
			}
		})
	}
	assert.Equal(t, []string{"a,b \"quoted\"", "0"}, rows[1][:2], "method name and step")
	assert.Equal(t, []string{"a,b \"quoted\"", "7"}, rows[2][:2])
	assert.Equal(t, []string{"second", "3"}, rows[3][:2])
	// hard[8], negative zero, is the second row's train_loss (column 3):
	// the exact round trip the CSV promises keeps its sign, written "-0"
	// (sameFloat above compares its bits too).
	assert.True(t, math.Signbit(hard[8]), "hard[8] is negative zero")
	assert.Equal(t, "-0", rows[2][3], "negative zero")
}

func TestTrajectoriesCSVOrder(t *testing.T) {
	rows := parseCSV(t, TrajectoriesCSV(synthRun(), 0))
	// 3 methods x 21 checkpoints (steps 0, 10, ..., 200).
	require.Len(t, rows, 1+3*21)
	for i, r := range rows[1:] {
		wantMethod := []string{"original", "compressed", "lowrank"}[i/21]
		wantStep := strconv.Itoa(10 * (i % 21))
		assert.Equal(t, wantMethod, r[0], "row %d", i+1)
		assert.Equal(t, wantStep, r[1], "row %d", i+1)
	}
}

// TestTrajectoriesCSVAlignment: align_u and align_v close the header when
// some checkpoint recorded them, empty where one did not.
func TestTrajectoriesCSVAlignment(t *testing.T) {
	run := alignedRun()
	run.Methods[0].Trajectory[1].AlignV = nil
	lines := strings.Split(strings.TrimSpace(string(TrajectoriesCSV(run, 0))), "\n")
	require.Equal(t, "method,step,seconds,train_loss,recovery_error,test_loss,sv1,sv2,align_u,align_v", lines[0])
	// Step 10: a = 1 - exp(-0.2), align_v removed.
	a := 1 - math.Exp(-0.2)
	require.True(t, strings.HasSuffix(lines[2], ","+strconv.FormatFloat(a, 'g', -1, 64)+","), lines[2])
	require.NotContains(t, string(TrajectoriesCSV(synthRun(), 0)), "align_u", "no alignment recorded: no columns")
}
