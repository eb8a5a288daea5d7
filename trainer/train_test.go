package trainer_test

import (
	"math"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
)

// The quadratic with a = 0, x0 = 1 and eta = 1/2 halves x at every step:
// x_t = 2^-t, loss_t = 2^-2t / 2 = 4^-t / 2, recovery error |x_t - a| = 2^-t,
// all exact binary numbers (normal down to t = 511), so the trajectory is
// compared with ==.
func halving() *quadratic { return &quadratic{x: 1, a: 0} }

func lossAt(t int) float64 { return math.Ldexp(1, -2*t) / 2 }
func errAt(t int) float64  { return math.Ldexp(1, -t) }

// steps lists the checkpoints' steps (nil for none).
func steps(traj []results.Checkpoint) []int {
	var s []int
	for _, c := range traj {
		s = append(s, c.Step)
	}
	return s
}

// upTo is 1, 2, ..., n (nil for n = 0): the expected Progress calls.
func upTo(n int) []int {
	var s []int
	for i := 1; i <= n; i++ {
		s = append(s, i)
	}
	return s
}

func TestTrainConverges(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tol         float64
		every       int
		wantSteps   int
		checkpoints []int
	}{
		// loss_9 = 4^-9/2 = 1.9e-6 > 1e-6 >= loss_10 = 4.8e-7
		{"tol 1e-6", 1e-6, 3, 10, []int{0, 3, 6, 9, 10}},
		// the tolerance is inclusive: loss_10 <= loss_10
		{"tol equal to loss_10", lossAt(10), 5, 10, []int{0, 5, 10}},
		{"tol just below loss_10", math.Nextafter(lossAt(10), 0), 5, 11, []int{0, 5, 10, 11}},
		// the initial loss 1/2 already meets it: no step at all
		{"tol above the initial loss", 1, 5, 0, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := halving()
			var progress []int
			res := trainer.Train(q, trainer.Config{
				Steps: 100, Eta: 0.5, Tol: tc.tol, Every: tc.every,
				Progress: func(s int) { progress = append(progress, s) },
			})
			require.Equal(t, results.Converged, res.Status)
			require.Empty(t, res.Message)
			require.Equal(t, tc.wantSteps, res.Steps)
			require.Equal(t, tc.wantSteps, q.steps, "gradient steps taken")
			require.NotNil(t, res.StepsToTol)
			require.Equal(t, tc.wantSteps, *res.StepsToTol)
			require.NotNil(t, res.SecondsToTol)
			// Training stops at the tolerance: its time is the whole time.
			require.Equal(t, res.Seconds, *res.SecondsToTol)
			require.Equal(t, tc.checkpoints, steps(res.Trajectory))
			require.Equal(t, upTo(tc.wantSteps), progress)
			for _, c := range res.Trajectory {
				require.Equal(t, lossAt(c.Step), c.TrainLoss, "train loss at step %d", c.Step)
				require.Equal(t, errAt(c.Step), c.RecoveryError, "recovery error at step %d", c.Step)
			}
			require.Equal(t, lossAt(tc.wantSteps), *res.FinalTrainLoss)
			require.Equal(t, errAt(tc.wantSteps), *res.FinalError)
			require.Equal(t, errAt(tc.wantSteps), *res.BestError)
			require.Empty(t, nonFinite(res))
		})
	}
}

func TestTrainMaxSteps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		eta   float64
		tol   float64
		steps int
	}{
		// eta = 1 reaches loss exactly 0 after one step; Tol = 0 never
		// stops early, so all 7 steps run.
		{"tol 0 with zero loss", 1, 0, 7},
		// eta = 1/2 after 5 steps: loss 4^-5/2 = 4.9e-4 > 1e-6
		{"tol not reached", 0.5, 1e-6, 5},
		{"no steps", 0.5, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := halving()
			var progress []int
			res := trainer.Train(q, trainer.Config{
				Steps: tc.steps, Eta: tc.eta, Tol: tc.tol, Every: 1,
				Progress: func(s int) { progress = append(progress, s) },
			})
			require.Equal(t, results.MaxSteps, res.Status)
			require.Empty(t, res.Message)
			require.Equal(t, tc.steps, res.Steps)
			require.Equal(t, tc.steps, q.steps)
			require.Nil(t, res.StepsToTol)
			require.Nil(t, res.SecondsToTol)
			require.Equal(t, upTo(tc.steps), progress)
			require.Len(t, res.Trajectory, tc.steps+1)
			require.Equal(t, tc.steps, res.Trajectory[len(res.Trajectory)-1].Step)
			require.Empty(t, nonFinite(res))
		})
	}
}

func TestTrainCheckpointSchedule(t *testing.T) {
	every := func(k, n int) []int { // 0, k, 2k, ..., up to n, then n
		var s []int
		for i := 0; i <= n; i += k {
			s = append(s, i)
		}
		if s[len(s)-1] != n {
			s = append(s, n)
		}
		return s
	}
	for _, tc := range []struct {
		name         string
		steps, every int
		want         []int
	}{
		{"Steps=10 Every=4: last step always", 10, 4, []int{0, 4, 8, 10}},
		{"Steps=8 Every=4: last step once", 8, 4, []int{0, 4, 8}},
		{"Steps=5 Every=10", 5, 10, []int{0, 5}},
		{"Steps=0", 0, 3, []int{0}},
		// default Every = max(1, Steps/100)
		{"Steps=10 default: every step", 10, 0, every(1, 10)},
		{"Steps=250 default: every 2", 250, 0, every(2, 250)},
		{"Steps=301 default: every 3", 301, 0, every(3, 301)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := halving()
			var seen []results.Checkpoint
			res := trainer.Train(q, trainer.Config{
				Steps: tc.steps, Eta: 0.5, Every: tc.every, SingularValues: 2,
				Checkpoint: func(c results.Checkpoint) {
					// The parameters of the checkpoint's step are in place.
					require.Equal(t, c.Step, q.steps, "steps taken when checkpoint %d is reported", c.Step)
					seen = append(seen, c)
				},
			})
			require.Equal(t, results.MaxSteps, res.Status)
			require.Equal(t, tc.want, steps(res.Trajectory))
			require.Equal(t, res.Trajectory, seen, "the Checkpoint callback sees every recorded checkpoint")
			require.Equal(t, len(tc.want), q.measures, "Measure runs at checkpoints only")
			prev := 0.0
			for _, c := range res.Trajectory {
				require.Equal(t, lossAt(c.Step), c.TrainLoss)
				require.Equal(t, errAt(c.Step), c.RecoveryError)
				x := math.Ldexp(1, -c.Step)
				require.Equal(t, []float64{x, x}, c.SingularValues, "k = 2 values at step %d", c.Step)
				require.False(t, c.HasTestLoss)
				require.GreaterOrEqual(t, c.Seconds, prev, "checkpoint times increase")
				prev = c.Seconds
			}
			require.GreaterOrEqual(t, res.Seconds, prev)
		})
	}
}

// divergeMsg parses "diverged at step t (loss x)".
var divergeMsg = regexp.MustCompile(`^diverged at step (\d+) \(loss ([^,)]+)(?:, recovery error [^)]+)?\)$`)

func TestTrainDiverges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name        string
		losses      []float64
		errs        []float64 // recovery errors per step; nil: 1/(s+1)
		factor      float64
		every       int
		atStep      int
		loss        float64 // the loss in the message
		checkpoints []int
	}{
		{"NaN at step 2", []float64{1, 0.5, nan}, nil, 0, 1, 2, nan, []int{0, 1}},
		{"+Inf at step 3", []float64{1, 2, 3, inf}, nil, 0, 1, 3, inf, []int{0, 1, 2}},
		{"-Inf at step 1", []float64{1, -inf}, nil, 0, 1, 1, -inf, []int{0}},
		{"NaN at step 0", []float64{nan}, nil, 0, 1, 0, nan, nil},
		// 2.5e6 > 1e6 * 2
		{"over 1e6 x initial", []float64{2, 1e6, 2.5e6}, nil, 0, 1, 2, 2.5e6, []int{0, 1}},
		// 10.5 > 10 * 1
		{"custom factor 10", []float64{1, 10, 10.5}, nil, 10, 1, 2, 10.5, []int{0, 1}},
		// the diverging step 6 is not a checkpoint step; 0 and 4 are kept
		{"between checkpoints", []float64{1, 1, 1, 1, 1, 1, nan}, nil, 0, 4, 6, nan, []int{0, 4}},
		// a finite loss but a NaN recovery error: no checkpoint at step 2
		{"NaN recovery error", []float64{1, 0.5, 0.25, 0.1}, []float64{1, 0.5, nan, 0.1}, 0, 1, 2, 0.25, []int{0, 1}},
		{"Inf recovery error", []float64{1, 0.5, 0.25, 0.1}, []float64{1, 0.5, inf, 0.1}, 0, 1, 2, 0.25, []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := &sequence{t: t, losses: tc.losses, errs: tc.errs}
			var progress []int
			res := trainer.Train(seq, trainer.Config{
				Steps: 100, Eta: 1, Every: tc.every, DivergeFactor: tc.factor,
				Progress: func(s int) { progress = append(progress, s) },
			})
			require.Equal(t, results.Diverged, res.Status)
			require.Equal(t, tc.atStep, res.Steps)
			require.Equal(t, tc.atStep, seq.steps)
			require.Equal(t, upTo(tc.atStep), progress)

			m := divergeMsg.FindStringSubmatch(res.Message)
			require.NotNil(t, m, "message %q", res.Message)
			require.Equal(t, strconv.Itoa(tc.atStep), m[1], "message %q names the step", res.Message)
			x, err := strconv.ParseFloat(m[2], 64)
			require.NoError(t, err, "message %q: loss", res.Message)
			switch {
			case math.IsNaN(tc.loss):
				require.True(t, math.IsNaN(x), "message %q: loss", res.Message)
			case math.IsInf(tc.loss, 0):
				require.Equal(t, tc.loss, x, "message %q: loss", res.Message)
			default:
				// Printed to 3 significant digits: relative error <= 5e-3.
				require.InEpsilon(t, tc.loss, x, 5e-3, "message %q: loss", res.Message)
			}

			require.Equal(t, tc.checkpoints, steps(res.Trajectory), "the diverging step is not recorded")
			require.Nil(t, res.StepsToTol)
			require.Nil(t, res.SecondsToTol)
			if len(tc.checkpoints) == 0 {
				require.Nil(t, res.FinalError)
				require.Nil(t, res.BestError)
				require.Nil(t, res.FinalTrainLoss)
			} else {
				last := res.Trajectory[len(res.Trajectory)-1]
				require.Equal(t, last.RecoveryError, *res.FinalError)
				require.Equal(t, last.TrainLoss, *res.FinalTrainLoss)
			}
			require.Empty(t, nonFinite(res), "no non-finite number in the result")
		})
	}
}

// TestTrainDivergeFactorBoundary: "exceeds" is strict, the factor applies to
// the initial loss (not the previous one), and a custom factor replaces the
// default.
func TestTrainDivergeFactorBoundary(t *testing.T) {
	for _, tc := range []struct {
		name   string
		losses []float64
		factor float64
		want   results.Status
	}{
		{"exactly 1e6 x initial", []float64{2, 2e6, 2e6}, 0, results.MaxSteps},
		{"just over 1e6 x initial", []float64{2, 2e6, math.Nextafter(2e6, 3e6)}, 0, results.Diverged},
		{"exactly 10 x initial, factor 10", []float64{1, 10, 10}, 10, results.MaxSteps},
		{"10.5 x initial, default factor", []float64{1, 10, 10.5}, 0, results.MaxSteps},
		{"5000 x previous but 5 x initial, factor 10", []float64{1, 0.001, 5}, 10, results.MaxSteps},
		{"1.5 x initial, factor 1.2", []float64{1, 1.1, 1.5}, 1.2, results.Diverged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := &sequence{t: t, losses: tc.losses}
			res := trainer.Train(seq, trainer.Config{Steps: len(tc.losses) - 1, Eta: 1, DivergeFactor: tc.factor})
			require.Equal(t, tc.want, res.Status, "message %q", res.Message)
		})
	}
}

func TestTrainBestAndFinal(t *testing.T) {
	seq := &sequence{t: t, losses: []float64{4, 3, 2, 1}, errs: []float64{0.9, 0.1, 0.5, 0.3}}
	res := trainer.Train(seq, trainer.Config{Steps: 3, Eta: 1, Every: 1})
	require.Equal(t, results.MaxSteps, res.Status)
	require.Equal(t, 0.3, *res.FinalError)
	require.Equal(t, 0.1, *res.BestError)
	require.Equal(t, 1.0, *res.FinalTrainLoss)
	// SecondsPerStep is Seconds / Steps.
	require.Equal(t, res.Seconds/3, res.SecondsPerStep)
}

// TestTrainTiming: Train times Evaluate and Step and nothing else. A fake
// whose Step and Evaluate are instant but whose Measure (or a callback)
// sleeps 20 ms at each of 11 checkpoints or 10 steps must report far less
// than the sleep; half of it is a ratio within one run, robust to a slow
// machine (the untimed work is a few microseconds). Conversely, sleeps in
// Step and Evaluate are counted in full: time.Sleep sleeps at least its
// argument, so Seconds >= their sum.
func TestTrainTiming(t *testing.T) {
	const nap = 20 * time.Millisecond
	const n = 10 // steps; Every = 1 gives n+1 checkpoints
	for _, tc := range []struct {
		name     string
		q        *quadratic
		progress time.Duration
		check    time.Duration
		untimed  time.Duration // total sleep Train must not count
		timed    time.Duration // total sleep Train must count
	}{
		{"Measure sleeps", &quadratic{x: 1, measureSleep: nap}, 0, 0, (n + 1) * nap, 0},
		{"Progress sleeps", halving(), nap, 0, n * nap, 0},
		{"Checkpoint sleeps", halving(), 0, nap, (n + 1) * nap, 0},
		{"Step and Evaluate sleep", &quadratic{x: 1, stepSleep: 4 * time.Millisecond, evalSleep: 2 * time.Millisecond},
			0, 0, 0, n*4*time.Millisecond + (n+1)*2*time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := trainer.Train(tc.q, trainer.Config{
				Steps: n, Eta: 0.5, Every: 1,
				Progress:   func(int) { time.Sleep(tc.progress) },
				Checkpoint: func(results.Checkpoint) { time.Sleep(tc.check) },
			})
			require.Equal(t, n, res.Steps)
			if tc.untimed > 0 {
				require.Less(t, res.Seconds, tc.untimed.Seconds()/2,
					"Seconds %.4g counts the %v spent outside Evaluate and Step", res.Seconds, tc.untimed)
				for _, c := range res.Trajectory {
					require.Less(t, c.Seconds, tc.untimed.Seconds()/2)
				}
			}
			require.GreaterOrEqual(t, res.Seconds, tc.timed.Seconds(), "Seconds counts Evaluate and Step")
			require.Equal(t, res.Seconds/n, res.SecondsPerStep)
		})
	}
}

func TestNonFiniteFinds(t *testing.T) {
	// The walker used above must be able to fail.
	nan, inf := math.NaN(), math.Inf(-1)
	require.NotEmpty(t, nonFinite(results.MethodResult{Seconds: nan}))
	require.NotEmpty(t, nonFinite(results.MethodResult{FinalError: &inf}))
	require.NotEmpty(t, nonFinite(results.MethodResult{Trajectory: []results.Checkpoint{{SingularValues: []float64{1, nan}}}}))
	require.Empty(t, nonFinite(results.MethodResult{Seconds: 1, Trajectory: []results.Checkpoint{{TrainLoss: 2}}}))
}

// TestTrainObserveEveryStep: Observe sees the loss of step 0 and of every
// step after it, whatever Every is, with the parameters of that step in
// place and before the step's checkpoint.
func TestTrainObserveEveryStep(t *testing.T) {
	for _, every := range []int{1, 3, 50} {
		t.Run("every="+strconv.Itoa(every), func(t *testing.T) {
			q := halving()
			var seen []int
			lastObserved := -1
			res := trainer.Train(q, trainer.Config{
				Steps: 10, Eta: 0.5, Every: every,
				Observe: func(step int, loss float64) {
					require.Equal(t, step, q.steps, "steps taken when step %d is observed", step)
					require.Equal(t, lossAt(step), loss)
					seen = append(seen, step)
					lastObserved = step
				},
				Checkpoint: func(c results.Checkpoint) {
					require.Equal(t, c.Step, lastObserved, "step %d observed before its checkpoint", c.Step)
				},
			})
			require.Equal(t, results.MaxSteps, res.Status)
			require.Equal(t, append([]int{0}, upTo(10)...), seen)
		})
	}
}

// TestTrainStop: closing Stop ends training at the next step boundary.
// Closed from Progress(k), the step boundary after step k: the halving
// quadratic has taken exactly k steps, the last checkpoint is step k
// (recorded even off the Every grid, never twice on it), and the final
// values are those of step k (x_k = 2^-k). A step that ends training on
// its own (tolerance, budget) wins over Stop.
func TestTrainStop(t *testing.T) {
	const never = -1 // close Stop before Train
	for _, tc := range []struct {
		name        string
		closeAt     int // Progress step that closes Stop, or never
		steps       int
		tol         float64
		status      results.Status
		message     string
		wantSteps   int
		checkpoints []int
	}{
		{"before the first step", never, 20, 0, results.Interrupted, "interrupted at step 0", 0, []int{0}},
		{"off the checkpoint grid", 7, 20, 0, results.Interrupted, "interrupted at step 7", 7, []int{0, 5, 7}},
		{"on the checkpoint grid", 10, 20, 0, results.Interrupted, "interrupted at step 10", 10, []int{0, 5, 10}},
		// loss_10 = 4.8e-7 <= 1e-6: step 10 converged, Stop comes too late.
		{"converged first", 10, 20, 1e-6, results.Converged, "", 10, []int{0, 5, 10}},
		{"budget first", 7, 7, 0, results.MaxSteps, "", 7, []int{0, 5, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := make(chan struct{})
			if tc.closeAt == never {
				close(stop)
			}
			q := halving()
			res := trainer.Train(q, trainer.Config{
				Steps: tc.steps, Eta: 0.5, Tol: tc.tol, Every: 5, Stop: stop,
				Progress: func(s int) {
					if s == tc.closeAt {
						close(stop)
					}
				},
			})
			require.Equal(t, tc.status, res.Status)
			require.Equal(t, tc.message, res.Message)
			require.Equal(t, tc.wantSteps, res.Steps)
			require.Equal(t, tc.wantSteps, q.steps, "gradient steps taken")
			require.Equal(t, tc.checkpoints, steps(res.Trajectory))
			require.Equal(t, errAt(tc.wantSteps), *res.FinalError)
			require.Equal(t, errAt(tc.wantSteps), *res.BestError)
			require.Equal(t, lossAt(tc.wantSteps), *res.FinalTrainLoss)
			if tc.status == results.Interrupted {
				require.Nil(t, res.StepsToTol)
				require.Nil(t, res.SecondsToTol)
			}
			require.Empty(t, nonFinite(res))
		})
	}
}

// TestTrainStopNoAllocation: looking at Stop every step allocates
// nothing: a run of 1000 steps with a checkpoint only at the ends
// allocates what the same run without Stop does.
func TestTrainStopNoAllocation(t *testing.T) {
	stop := make(chan struct{})
	run := func(s <-chan struct{}) func() {
		return func() { trainer.Train(halving(), trainer.Config{Steps: 1000, Eta: 1e-3, Every: 1000, Stop: s}) }
	}
	without := testing.AllocsPerRun(5, run(nil))
	with := testing.AllocsPerRun(5, run(stop))
	require.Equal(t, without, with, "allocations per Train with and without Stop")
}
