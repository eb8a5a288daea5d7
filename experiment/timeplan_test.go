package experiment

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/methods"
)

// TestTimePreflightKeepsResults: the probe trains copies of the networks,
// so a run with the time preflight has the trajectories, bit for bit, of
// the run without it, on each workload and step path.
func TestTimePreflightKeepsResults(t *testing.T) {
	for _, w := range []string{"mf", "mc", "ms"} {
		t.Run(w, func(t *testing.T) {
			c := tinyConfig(w)
			c.Methods = []string{methods.Original, methods.Compressed, methods.Narrow}
			plain := mustRun(t, c, Options{})
			timed := mustRun(t, c, Options{TimePreflight: true})
			requireSameTraces(t, plain, timed)
			require.Nil(t, plain.Time)
			require.NotNil(t, timed.Time)
			require.Len(t, timed.Time.Networks, 3)
			for _, e := range timed.Time.Networks {
				require.Positive(t, e.Seconds, e.Network)
				require.Positive(t, e.ProbeSteps, e.Network)
				require.NotNil(t, e.ActualSeconds, e.Network)
			}
		})
	}
}

// TestTimePreflightRefuses: an estimate above MaxTime is a ConfigError
// naming --max-time and the estimate, saying how to insist, before any
// network is trained; MaxTime 0 is no limit.
func TestTimePreflightRefuses(t *testing.T) {
	c := tinyConfig("mf")
	c.Steps = 2000
	_, err := Run(c, Options{TimePreflight: true, MaxTime: time.Microsecond})
	requireConfigError(t, err, "max-time", "1µs")
	for _, want := range []string{"estimated to take", "original:", "--max-time 0", "steps at"} {
		require.ErrorContains(t, err, want)
	}
	_, err = Verify(VerifyConfig{Config: c, RHats: []int{2, 4}}, nil, Options{TimePreflight: true, MaxTime: time.Microsecond})
	requireConfigError(t, err, "max-time", "")
	require.ErrorContains(t, err, "compressed r_hat=4:")
	run := mustRun(t, c, Options{TimePreflight: true})
	require.Zero(t, run.Time.MaxSeconds)
}

// TestTimeEstimateWithin2x: the time preflight's estimate of a run's
// training time is within a factor 2 of the time it took, on three sizes:
// MF at d = 30 (the step checks at every step dominate), d = 90 (the steps
// on their schedule, the original's steps dominate) and d = 180, the
// original and the compressed network each, with --tol 0 so that both run
// their budget; then three sizes (d = 30, 60, 90) with a tolerance that
// ends both trainings before it (early, at about 1500 steps), where the
// estimate compared is the one for the steps taken (TimeEstimate.
// TakenSeconds, what verify prints beside each network's time). The sum of
// the networks and each network that took at least minJudged are judged
// (below it a burst of load on a shared machine is the whole error: in a
// run of this package beside cmd/lowdim's tests, compressed networks of
// 0.4 and 0.8 s came out at 2.04 and 0.33). The estimate and the time it is
// compared with are measured in the same run. On a machine shared with
// other work a short probe can fall in a burst of load the run averages
// out (the spread measured on two cores shared with about 15 runnable
// processes: 0.45 to 1.35 in most runs, rarely 0.15 or 8), so each case
// has up to three tries and passes when one is within 2x; a systematic
// error fails all three.
func TestTimeEstimateWithin2x(t *testing.T) {
	testenv.SkipIfShort(t, "trains three sizes to their budget, a few seconds each")
	testenv.LastPassOnly(t, "the time preflight's estimate against the time taken, measured with whichever backend the pass has")
	const minJudged = 1.0 // seconds
	within := func(r float64) bool { return r >= 0.5 && r <= 2 }
	for _, sz := range []struct {
		d, steps int
		tol      float64
	}{{30, 6000, 0}, {90, 1000, 0}, {180, 120, 0}, {30, 20000, 1e-6}, {60, 6000, 1e-6}, {90, 6000, 1e-6}} {
		name := fmt.Sprintf("d=%d", sz.d)
		if sz.tol > 0 {
			name += "/early"
		}
		t.Run(name, func(t *testing.T) {
			c := config.Config{Workload: "mf", D: sz.d, R: 3, Steps: sz.steps, Tol: sz.tol, Eta: 1, EtaFrac: 0.5,
				Methods: []string{methods.Original, methods.Compressed}}
			c.Set("loss", "sum")
			var ratios []string
			for try := range 3 {
				run := mustRun(t, c, Options{TimePreflight: true})
				est, act, ok := 0.0, 0.0, true
				var parts []string
				for _, e := range run.Time.Networks {
					require.NotNil(t, e.ActualSteps, e.Network)
					require.NotNil(t, e.TakenSeconds, e.Network)
					if sz.tol > 0 {
						require.Less(t, *e.ActualSteps, sz.steps, "%s: the tolerance ends it before the budget", e.Network)
					} else {
						require.Equal(t, sz.steps, *e.ActualSteps, e.Network)
						require.InDelta(t, e.Seconds, *e.TakenSeconds, 1e-9*e.Seconds, "at the budget, the estimate for the steps taken is the estimate")
					}
					est += *e.TakenSeconds
					act += *e.ActualSeconds
					r := *e.TakenSeconds / *e.ActualSeconds
					parts = append(parts, fmt.Sprintf("%s %.2f (%s / %s, %d steps)", e.Network, r, FormatSeconds(*e.TakenSeconds), FormatSeconds(*e.ActualSeconds), *e.ActualSteps))
					if *e.ActualSeconds >= minJudged && !within(r) {
						ok = false
					}
				}
				r := est / act
				ratios = append(ratios, fmt.Sprintf("%.2f (%s / %s; %s)", r, FormatSeconds(est), FormatSeconds(act), strings.Join(parts, ", ")))
				t.Logf("try %d: estimate / actual = %s", try+1, ratios[len(ratios)-1])
				if ok && within(r) {
					return
				}
			}
			t.Fatalf("%s: the estimate is not within 2x of the time taken in any of 3 tries: %v", name, ratios)
		})
	}
}

// TestTimePreflightNotice: a probe that outlasts probeNotice says on
// TimeLog which network it is timing before the estimate line, so a long
// preflight (43 s for the original at 943 x 1682) is not silent; one
// that ends first says nothing beyond the estimate.
func TestTimePreflightNotice(t *testing.T) {
	c := tinyConfig("mf")
	c.Methods = []string{methods.Original}
	defer func(d time.Duration) { probeNotice = d }(probeNotice)
	for _, tt := range []struct {
		notice time.Duration
		want   bool
	}{{0, true}, {time.Hour, false}} {
		probeNotice = tt.notice
		var log strings.Builder
		mustRun(t, c, Options{TimePreflight: true, TimeLog: &log})
		got := log.String()
		if tt.want {
			require.Contains(t, got, "time preflight: timing a few steps of the original network")
			require.Less(t, strings.Index(got, "timing a few steps"), strings.LastIndex(got, "\n"), "the notice comes before the estimate")
		} else {
			require.NotContains(t, got, "timing a few steps")
		}
		require.NotEmpty(t, strings.TrimSpace(got))
	}
}
