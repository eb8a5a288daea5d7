package trainer

import (
	"fmt"
	"math"
	"time"

	"github.com/lowdim/lowdim/results"
)

// DefaultDivergeFactor is the factor by which the loss must exceed its
// initial value to count as diverged.
const DefaultDivergeFactor = 1e6

// Config says how long to train and what to record. The zero value of a
// field means its documented default.
type Config struct {
	// Steps is the largest number of gradient steps.
	Steps int
	// Eta is the base learning rate.
	Eta float64
	// Tol stops training once the training loss is <= Tol; 0 never stops
	// early.
	Tol float64
	// Every records a checkpoint every Every steps (default: Steps/100, at
	// least 1); step 0 and the last step are always recorded.
	Every int
	// SingularValues is the number of top singular values of the end-to-end
	// matrix recorded at each checkpoint (default 0, none).
	SingularValues int
	// DivergeFactor: the loss diverges when it exceeds DivergeFactor times
	// its initial value (default DefaultDivergeFactor; values <= 1 mean the
	// default, since they would stop a run that does not diverge).
	DivergeFactor float64
	// Progress, when not nil, is called after every step with the number of
	// steps done. It is not timed.
	Progress func(step int)
	// Checkpoint, when not nil, is called at every checkpoint after it is
	// recorded, with the parameters of that step in place. It is not timed.
	Checkpoint func(c results.Checkpoint)
	// Observe, when not nil, is called with the training loss of step 0 and
	// of every step after it (finite or not), right after the objective's
	// Evaluate, with the parameters of that step in place, whatever Every
	// is: the hook of checks that must see every gradient step. It is
	// called before Checkpoint of the same step, and is not timed.
	Observe func(step int, loss float64)
	// Stop, when not nil, interrupts training once it is closed: Train
	// looks at it once per step, at the step boundary, without blocking
	// or allocating, and when it is closed after step t (t = 0: before the
	// first step) it records a checkpoint at step t (unless it has one)
	// and returns with status results.Interrupted and the message
	// "interrupted at step t". A step that ends training on its own
	// (tolerance, budget, divergence) wins over Stop.
	Stop <-chan struct{}
}

// isClosed reports whether stop is closed, without blocking (nil: never).
func isClosed(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

func (c Config) every() int {
	if c.Every > 0 {
		return c.Every
	}
	return max(1, c.Steps/100)
}

// Train runs gradient descent on obj and returns the trajectory, status and
// timings; the caller fills in the method's name, shapes and sizes. A
// checkpoint is recorded only while the loss and recovery error are finite.
func Train(obj Objective, cfg Config) results.MethodResult {
	every := cfg.every()
	factor := cfg.DivergeFactor
	if !(factor > 1) {
		factor = DefaultDivergeFactor
	}
	var res results.MethodResult
	var elapsed time.Duration

	start := time.Now()
	loss := obj.Evaluate()
	elapsed += time.Since(start)
	loss0 := loss
	if cfg.Observe != nil {
		cfg.Observe(0, loss)
	}

	for t := 0; ; t++ {
		var badError float64
		bad := math.IsNaN(loss) || math.IsInf(loss, 0) || (loss0 > 0 && loss > factor*loss0)
		converged := !bad && cfg.Tol > 0 && loss <= cfg.Tol
		interrupted := !bad && !converged && t < cfg.Steps && isClosed(cfg.Stop)
		last := bad || converged || interrupted || t >= cfg.Steps
		if !bad && (t%every == 0 || last) {
			m := obj.Measure(cfg.SingularValues)
			if math.IsNaN(m.RecoveryError) || math.IsInf(m.RecoveryError, 0) {
				bad = true
				badError = m.RecoveryError
			} else {
				c := results.Checkpoint{
					Step: t, Seconds: elapsed.Seconds(), TrainLoss: loss,
					RecoveryError: m.RecoveryError, TestLoss: m.TestLoss,
					HasTestLoss: m.HasTestLoss, SingularValues: m.SingularValues,
				}
				res.Trajectory = append(res.Trajectory, c)
				if cfg.Checkpoint != nil {
					cfg.Checkpoint(c)
				}
			}
		}
		res.Steps = t
		switch {
		case bad:
			res.Status = results.Diverged
			res.Message = fmt.Sprintf("diverged at step %d (loss %.3g)", t, loss)
			if badError != 0 {
				res.Message = fmt.Sprintf("diverged at step %d (loss %.3g, recovery error %v)", t, loss, badError)
			}
		case converged:
			res.Status = results.Converged
			steps, secs := t, elapsed.Seconds()
			res.StepsToTol, res.SecondsToTol = &steps, &secs
		case t >= cfg.Steps:
			res.Status = results.MaxSteps
		case interrupted:
			res.Status = results.Interrupted
			res.Message = fmt.Sprintf("interrupted at step %d", t)
		}
		if res.Status != "" {
			break
		}
		start := time.Now()
		obj.Step(cfg.Eta)
		loss = obj.Evaluate()
		elapsed += time.Since(start)
		if cfg.Observe != nil {
			cfg.Observe(t+1, loss)
		}
		if cfg.Progress != nil {
			cfg.Progress(t + 1)
		}
	}

	res.Seconds = elapsed.Seconds()
	if res.Steps > 0 {
		res.SecondsPerStep = res.Seconds / float64(res.Steps)
	}
	if n := len(res.Trajectory); n > 0 {
		final := res.Trajectory[n-1]
		fe, fl := final.RecoveryError, final.TrainLoss
		best := fe
		for _, c := range res.Trajectory {
			best = min(best, c.RecoveryError)
		}
		res.FinalError, res.BestError, res.FinalTrainLoss = &fe, &best, &fl
	}
	return res
}
