package checks

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
)

// requireFinite fails when a figure of c is infinite (JSON cannot encode
// it); a figure that does not exist is results.Absent (null in JSON).
func requireFinite(t *testing.T, c results.Check) {
	t.Helper()
	for name, v := range map[string]float64{"observed": c.Observed, "predicted": c.Predicted, "tolerance": c.Tolerance} {
		require.False(t, math.IsInf(v, 0), "%s = %v in %+v", name, v, c)
	}
}

// requireStatus fails unless c has status want, printing the whole check.
func requireStatus(t *testing.T, want results.CheckStatus, c results.Check) {
	t.Helper()
	require.Equal(t, want, c.Status, "check %+v", c)
	requireFinite(t, c)
}

func pts(steps []int, values ...float64) []Point {
	p := make([]Point, len(values))
	for i, v := range values {
		p[i] = Point{Step: steps[i], Value: v}
	}
	return p
}

var steps3 = []int{0, 10, 20}

func TestSeries(t *testing.T) {
	// Powers of two, so that p +- (rel*|p| + abs) is exact in float64 and
	// the "at allowance" points sit exactly on the allowance.
	const rel, abs = 0x1p-10, 0x1p-20
	pred := pts(steps3, 1, 0.5, 0)
	// The allowance at a point p is rel*|p| + abs.
	atAllow := []float64{1 + (rel*1 + abs), 0.5 - (rel*0.5 + abs), abs}
	tests := []struct {
		name     string
		obs      []Point
		pred     []Point
		want     results.CheckStatus
		detail   string  // substring of Detail, when not empty
		observed float64 // the reported worst point, when not NaN
	}{
		{name: "equal", obs: pts(steps3, 1, 0.5, 0), pred: pred, want: results.Pass, observed: math.NaN()},
		{name: "within allowance", obs: pts(steps3, 1+5e-4, 0.5-2e-4, 5e-7), pred: pred, want: results.Pass, observed: 5e-7},
		{name: "at allowance", obs: pts(steps3, atAllow...), pred: pred, want: results.Pass, observed: math.NaN()},
		{name: "one point off relative", obs: pts(steps3, 1, 0.5*(1+2*rel), 0), pred: pred, want: results.Fail,
			detail: "worst at step 10", observed: 0.5 * (1 + 2*rel)},
		{name: "one point off absolute at zero", obs: pts(steps3, 1, 0.5, 2*abs), pred: pred, want: results.Fail,
			detail: "worst at step 20", observed: 2 * abs},
		{name: "missing prediction step", obs: pts([]int{0, 10, 30}, 1, 0.5, 0), pred: pred, want: results.Fail,
			detail: "no prediction at step 30", observed: math.NaN()},
		{name: "empty observation", obs: nil, pred: pred, want: results.NotEvaluable, detail: "no observation", observed: math.NaN()},
		// A figure that is not finite is reported absent, never 0.
		{name: "NaN observation", obs: pts(steps3, 1, math.NaN(), 0), pred: pred, want: results.Fail,
			detail: "not finite", observed: math.NaN()},
		{name: "Inf observation", obs: pts(steps3, 1, 0.5, math.Inf(1)), pred: pred, want: results.Fail,
			detail: "not finite", observed: math.NaN()},
		{name: "NaN prediction", obs: pts(steps3, 1, 0.5, 0), pred: pts(steps3, 1, math.NaN(), 0), want: results.Fail,
			observed: math.NaN()},
		{name: "subset of predicted steps", obs: pts([]int{10}, 0.5), pred: pred, want: results.Pass, observed: 0.5},
	}
	// The "at allowance" case must really sit on the allowance, or it tests
	// nothing: the deviations equal rel*|p| + abs bitwise.
	for i, p := range pred {
		require.Equal(t, rel*math.Abs(p.Value)+abs, math.Abs(atAllow[i]-p.Value), "point %d", i)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Series("s", "m", "regime", "q", tt.obs, tt.pred, rel, abs)
			requireStatus(t, tt.want, c)
			require.Equal(t, "s", c.Name)
			require.Equal(t, "regime", c.Regime, "a check states its regime")
			require.Equal(t, "q", c.Quantity)
			if tt.detail != "" {
				require.Contains(t, c.Detail, tt.detail)
			}
			if !math.IsNaN(tt.observed) {
				require.Equal(t, tt.observed, c.Observed, "reported worst point")
			}
			if tt.detail == "not finite" || tt.want == results.NotEvaluable {
				require.True(t, results.IsAbsent(c.Observed), "observed must be absent, not %v", c.Observed)
			}
			t.Logf("%s: %s", c.Status, c.Detail)
		})
	}
}

// TestSeriesReportsWorstRatio: the reported point is the largest ratio of
// deviation to allowance, not the largest deviation.
func TestSeriesReportsWorstRatio(t *testing.T) {
	// At p = 100 the allowance is 0.1 and the deviation 0.05 (ratio 0.5); at
	// p = 1e-3 the allowance is 1e-6 + 1e-6 and the deviation 1.5e-6 (0.75).
	pred := pts([]int{0, 1}, 100, 1e-3)
	obs := pts([]int{0, 1}, 100.05, 1e-3+1.5e-6)
	c := Series("s", "m", "r", "q", obs, pred, 1e-3, 1e-6)
	requireStatus(t, results.Pass, c)
	require.Equal(t, 1e-3, c.Predicted)
	require.InDelta(t, 2e-6, c.Tolerance, 1e-20)
	require.Contains(t, c.Detail, "worst at step 1")
}

func TestAtLeast(t *testing.T) {
	tests := []struct {
		name     string
		obs      []Point
		need     int
		want     results.CheckStatus
		observed float64
	}{
		{name: "every count enough", obs: pts(steps3, 12, 14, 13), need: 12, want: results.Pass, observed: 12},
		{name: "one count short", obs: pts(steps3, 12, 11, 13), need: 12, want: results.Fail, observed: 11},
		{name: "zero need", obs: pts(steps3, 0, 0, 0), need: 0, want: results.Pass, observed: 0},
		{name: "empty observation", obs: nil, need: 1, want: results.NotEvaluable, observed: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := AtLeast("a", "m", "regime", "q", tt.obs, tt.need)
			requireStatus(t, tt.want, c)
			if math.IsNaN(tt.observed) {
				require.True(t, results.IsAbsent(c.Observed), "nothing observed: absent, not %v", c.Observed)
				return
			}
			require.Equal(t, tt.observed, c.Observed, "smallest count")
			require.Equal(t, float64(tt.need), c.Predicted)
		})
	}
}

func TestBelow(t *testing.T) {
	const slack = 1e-6
	bound := pts(steps3, 1, 0.5, 0.25)
	tests := []struct {
		name   string
		obs    []Point
		bound  []Point
		abs    float64
		want   results.CheckStatus
		detail string
	}{
		{name: "strictly below", obs: pts(steps3, 0.9, 0.4, 0.1), bound: bound, want: results.Pass},
		{name: "equal", obs: pts(steps3, 1, 0.5, 0.25), bound: bound, want: results.Pass},
		// 0.5 (1 + slack/2) is within the slack 0.5*slack.
		{name: "within slack", obs: pts(steps3, 1, 0.5*(1+slack/2), 0.25), bound: bound, want: results.Pass},
		{name: "excess beyond slack", obs: pts(steps3, 0.9, 0.5*(1+2*slack), 0.1), bound: bound, want: results.Fail,
			detail: "at step 10"},
		{name: "large excess", obs: pts(steps3, 0.9, 0.4, 0.3), bound: bound, want: results.Fail, detail: "at step 20"},
		{name: "no shared step", obs: pts([]int{5, 15}, 0.1, 0.1), bound: bound, want: results.NotEvaluable, detail: "share no step"},
		{name: "empty observation", obs: nil, bound: bound, want: results.NotEvaluable, detail: "share no step"},
		// The absolute slack 1e-3 covers an excess of 1e-4 at a bound of 0.25.
		{name: "within absolute slack", obs: pts(steps3, 0.9, 0.4, 0.2501), bound: bound, abs: 1e-3, want: results.Pass},
		{name: "partly shared", obs: pts([]int{5, 10}, 100, 0.4), bound: bound, want: results.Pass, detail: "1 shared"},
		{name: "NaN observation", obs: pts(steps3, 0.9, math.NaN(), 0.1), bound: bound, want: results.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Below("b", "m", "regime", "q", tt.obs, tt.bound, slack, tt.abs)
			requireStatus(t, tt.want, c)
			if tt.detail != "" {
				require.Contains(t, c.Detail, tt.detail)
			}
			t.Logf("%s: %s", c.Status, c.Detail)
		})
	}
}

func TestExact(t *testing.T) {
	tests := []struct {
		name      string
		obs, pred uint64
		want      results.CheckStatus
		detail    string
	}{
		{name: "equal", obs: 3000, pred: 3000, want: results.Pass},
		{name: "one more", obs: 3001, pred: 3000, want: results.Fail, detail: "off by 1"},
		{name: "one less", obs: 2999, pred: 3000, want: results.Fail, detail: "off by -1"},
		{name: "zero", obs: 0, pred: 0, want: results.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Exact("e", "m", "regime", "q", tt.obs, tt.pred)
			requireStatus(t, tt.want, c)
			require.Equal(t, float64(tt.obs), c.Observed)
			require.Equal(t, float64(tt.pred), c.Predicted)
			if tt.detail != "" {
				require.Contains(t, c.Detail, tt.detail)
			}
		})
	}
}

func TestAtMost(t *testing.T) {
	tests := []struct {
		name string
		obs  float64
		want results.CheckStatus
	}{
		{name: "zero", obs: 0, want: results.Pass},
		{name: "at tolerance", obs: 1e-12, want: results.Pass},
		{name: "above tolerance", obs: 1.0000001e-12, want: results.Fail},
		{name: "negative", obs: -1, want: results.Pass},
		{name: "NaN", obs: math.NaN(), want: results.Fail},
		{name: "+Inf", obs: math.Inf(1), want: results.Fail},
		// -Inf is <= tol but not a finite figure: it must not pass silently
		// into a results file.
		{name: "-Inf", obs: math.Inf(-1), want: results.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := AtMost("m", "m", "regime", "q", tt.obs, 1e-12, "detail")
			requireStatus(t, tt.want, c)
			require.Contains(t, c.Detail, "detail")
		})
	}
}

func TestOrdered(t *testing.T) {
	svals := []float64{10, 5, 2}
	tests := []struct {
		name       string
		steps      []int
		svals      []float64
		want       results.CheckStatus
		inversions float64
		detail     string
	}{
		{name: "increasing", steps: []int{100, 200, 300}, want: results.Pass, detail: "3 pairs compared; learn steps s=10@100, s=5@200, s=2@300"},
		{name: "ties", steps: []int{100, 100, 300}, want: results.Pass},
		{name: "never after learned", steps: []int{100, -1, -1}, want: results.Pass, detail: "s=5@never"},
		{name: "one swap", steps: []int{200, 100, 300}, want: results.Fail, inversions: 1},
		// (0,1), (0,2), (1,2) are all out of order.
		{name: "reversed", steps: []int{300, 200, 100}, want: results.Fail, inversions: 3},
		// -1 before a learned one is an inversion: (1,2).
		{name: "never before learned", steps: []int{100, -1, 300}, want: results.Fail, inversions: 1},
		{name: "first never learned", steps: []int{-1, -1, 300}, want: results.Fail, inversions: 2},
		// 9.5 is within 0.1 of 10: their swap is no inversion; 5 is apart
		// from both, so its swap with 9.5 is.
		{name: "swap inside the gap", steps: []int{200, 100, 300}, svals: []float64{10, 9.5, 5}, want: results.Pass, detail: "2 pairs compared"},
		{name: "swap across the gap", steps: []int{100, 300, 200}, svals: []float64{10, 9.5, 5}, want: results.Fail, inversions: 1},
		// A geometric ratio 0.98: only pairs 6 or more apart (0.98^6 = 0.886)
		// are compared, so a swap of neighbours is no inversion.
		{name: "geometric 0.98 neighbours swapped", steps: []int{2, 1, 3, 4, 5, 6, 7},
			svals: []float64{1, 0.98, 0.9604, 0.941192, 0.92236816, 0.9039207968, 0.885842380864}, want: results.Pass, detail: "1 pairs compared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := svals
			if tt.svals != nil {
				s = tt.svals
			}
			c := Ordered("o", "m", "regime", tt.steps, s, 0.1)
			requireStatus(t, tt.want, c)
			require.Equal(t, tt.inversions, c.Observed, "inversions")
			if tt.detail != "" {
				require.Contains(t, c.Detail, tt.detail)
			}
		})
	}
	require.True(t, Separated([]float64{10, 5}, 0.1))
	require.False(t, Separated([]float64{2, 2}, 0.1), "ties")
	require.False(t, Separated([]float64{10, 9.5}, 0.1))
	require.False(t, Separated([]float64{10}, 0.1))
}

func TestStepsMatch(t *testing.T) {
	svals := []float64{10, 5}
	tests := []struct {
		name      string
		obs, pred []int
		want      results.CheckStatus
		observed  float64
	}{
		{name: "equal", obs: []int{40, 90}, pred: []int{40, 90}, want: results.Pass, observed: 0},
		{name: "one step off", obs: []int{41, 90}, pred: []int{40, 90}, want: results.Pass, observed: 1},
		{name: "two steps off", obs: []int{40, 92}, pred: []int{40, 90}, want: results.Fail, observed: 2},
		{name: "never on one side", obs: []int{40, -1}, pred: []int{40, 90}, want: results.Fail, observed: math.NaN()},
		{name: "never on both", obs: []int{40, -1}, pred: []int{40, -1}, want: results.Pass, observed: 0},
		{name: "mismatched lengths", obs: []int{40}, pred: []int{40, 90}, want: results.NotEvaluable, observed: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := StepsMatch("l", "m", "regime", tt.obs, tt.pred, svals, 1)
			requireStatus(t, tt.want, c)
			if math.IsNaN(tt.observed) {
				require.True(t, results.IsAbsent(c.Observed))
			} else {
				require.Equal(t, tt.observed, c.Observed)
			}
		})
	}
}

func TestNearAndBounded(t *testing.T) {
	// Allowance 1e-3 * 2 + 1e-6 = 2.001e-3.
	requireStatus(t, results.Pass, Near("n", "m", "r", "q", 2.002, 2, 1e-3, 1e-6, ""))
	requireStatus(t, results.Fail, Near("n", "m", "r", "q", 2.0021, 2, 1e-3, 1e-6, ""))
	requireStatus(t, results.Fail, Near("n", "m", "r", "q", math.NaN(), 2, 1e-3, 1e-6, ""))
	c := Bounded("b", "m", "r", "q", 0.4, 0.5, "")
	requireStatus(t, results.Pass, c)
	require.True(t, results.IsAbsent(c.Predicted), "a bound has no prediction")
	requireStatus(t, results.Fail, Bounded("b", "m", "r", "q", 0.6, 0.5, ""))
}

func TestNotEvaluable(t *testing.T) {
	c := NotEvaluable("w", "m", "regime", "q", "never reached the tolerance", 0.5)
	require.Equal(t, results.NotEvaluable, c.Status)
	require.True(t, results.IsAbsent(c.Observed) && results.IsAbsent(c.Predicted), "no made-up figures: %+v", c)
	require.Equal(t, 0.5, c.Tolerance, "the tolerance in force is kept")
	require.Empty(t, Failed([]results.Check{c}), "not evaluable is not a failure of the check")
}

func TestSkip(t *testing.T) {
	c := Skip("k", "compressed", "regime", "because")
	require.Equal(t, results.Skipped, c.Status)
	require.Equal(t, "k", c.Name)
	require.Equal(t, "compressed", c.Method)
	require.Equal(t, "regime", c.Regime)
	require.Equal(t, "because", c.Detail, "a skipped check says why")
	requireFinite(t, c)
	require.True(t, results.IsAbsent(c.Observed) && results.IsAbsent(c.Predicted) && results.IsAbsent(c.Tolerance), "a skipped check has no figures: %+v", c)
	require.Empty(t, Failed([]results.Check{c}), "a skipped check is not a failure")
}

func TestFailed(t *testing.T) {
	pass := Exact("a", "m", "r", "q", 1, 1)
	fail := Exact("b", "m", "r", "q", 1, 2)
	skip := Skip("c", "m", "r", "why")
	fail2 := AtMost("d", "m", "r", "q", math.NaN(), 1, "")
	got := Failed([]results.Check{pass, fail, skip, fail2})
	require.Len(t, got, 2)
	require.Equal(t, "b", got[0].Name)
	require.Equal(t, "d", got[1].Name)
	require.Empty(t, Failed(nil))
	require.Empty(t, Failed([]results.Check{pass, skip}))
}

// TestNoNonFiniteFigures feeds NaN and Inf in every position to every
// function: the check must fail and never hold a non-finite figure.
func TestNoNonFiniteFigures(t *testing.T) {
	type tc struct {
		name string
		c    results.Check
	}
	var cases []tc
	for _, b := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		ok := pts(steps3, 1, 2, 3)
		withBad := pts(steps3, 1, b, 3)
		// An infinite prediction fails Series even though its allowance
		// rel*Inf is infinite too, and an observation of -Inf fails Below
		// even though it lies under every bound: a non-finite figure never
		// passes.
		cases = append(cases,
			tc{name: fmt.Sprintf("series observed %v", b), c: Series("s", "m", "r", "q", withBad, ok, 1e-9, 0)},
			tc{name: fmt.Sprintf("series predicted %v", b), c: Series("s", "m", "r", "q", ok, withBad, 1e-9, 0)},
			tc{name: fmt.Sprintf("below observed %v", b), c: Below("b", "m", "r", "q", withBad, ok, 0, 0)},
			tc{name: fmt.Sprintf("below bound %v", b), c: Below("b", "m", "r", "q", ok, withBad, 0, 0)},
			tc{name: fmt.Sprintf("at most %v", b), c: AtMost("a", "m", "r", "q", b, 1, "")},
			tc{name: fmt.Sprintf("at most tol %v", b), c: AtMost("a", "m", "r", "q", 0, b, "")},
		)
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			requireFinite(t, tt.c)
			require.Equal(t, results.Fail, tt.c.Status, "%+v", tt.c)
		})
	}
}

func TestFinite(t *testing.T) {
	c := finite(results.Check{Observed: math.NaN(), Predicted: 1, Tolerance: math.Inf(1), Status: results.Pass, Detail: "d"})
	require.Equal(t, results.Fail, c.Status)
	require.True(t, results.IsAbsent(c.Observed), "a figure that is not finite is absent, never 0")
	require.Equal(t, 1.0, c.Predicted, "a finite figure is kept")
	require.True(t, results.IsAbsent(c.Tolerance))
	require.Contains(t, c.Detail, "not finite")
	c = finite(results.Check{Observed: 1, Predicted: 2, Tolerance: 3, Status: results.Pass})
	require.Equal(t, results.Pass, c.Status)
	require.Equal(t, 1.0, c.Observed)
}
