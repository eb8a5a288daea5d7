package trainer

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
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
	// TolRel, when positive, stops training like Tol (status
	// results.Converged) once the training loss is <= TolRel times the
	// initial loss: a tolerance in the data's scale, for a loss with a
	// floor above any absolute Tol. With both, the larger bound applies.
	TolRel float64
	// Patience, when positive, stops training on the validation error
	// (Measurement.Validation, measured at each checkpoint by a workload
	// that holds validation entries): once Patience checkpoints in a row,
	// and at least as many steps as it took to reach the lowest, bring no
	// validation error below the lowest so far, training stops with status
	// results.Stopped. The second condition makes the patience grow with
	// the time training took: from a small initialization the modes are
	// learned one after another, and the plateau before the next one
	// lasts longer the later it comes (a fixed patience stopped a noiseless
	// rank-2 completion between its two modes). Whatever ended training, the network's
	// layers are then set back to those of the checkpoint with the lowest
	// validation error (when the objective has a Network), and the
	// result's SelectedStep, SelectedError and ValidationError describe
	// that checkpoint. A workload that measures no validation error
	// ignores it. The snapshot of the layers is allocated once, before the
	// first step, and copied at each new lowest (not timed).
	Patience int
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
	tol := cfg.Tol
	if cfg.TolRel > 0 && loss0 > 0 && !math.IsInf(loss0, 0) {
		tol = max(tol, cfg.TolRel*loss0)
	}
	var keep *keeper
	if cfg.Patience > 0 {
		keep = newKeeper(obj)
	}
	stalled := false

	for t := 0; ; t++ {
		var badError float64
		bad := math.IsNaN(loss) || math.IsInf(loss, 0) || (loss0 > 0 && loss > factor*loss0)
		converged := !bad && tol > 0 && loss <= tol
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
				if m.HasValidation && !math.IsNaN(m.Validation) && !math.IsInf(m.Validation, 0) {
					v := m.Validation
					c.Validation = &v
					if keep != nil {
						stalled = keep.observe(c, cfg.Patience)
					}
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
		case stalled: // before the budget: at its last step, the rule held too
			res.Status = results.Stopped
			res.Message = fmt.Sprintf("stopped at step %d: the validation error did not fall below its lowest, %.4g at step %d, in %d checkpoints (%d steps)", t, keep.value, keep.step, keep.since, t-keep.step)
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
	if keep != nil && keep.found {
		keep.restore()
		step, e, v := keep.step, keep.err, keep.value
		res.SelectedStep, res.SelectedError, res.ValidationError = &step, &e, &v
	}
	return res
}

// keeper keeps the layers of the checkpoint with the lowest validation
// error (Config.Patience).
type keeper struct {
	net   *dln.Network // nil when the objective has none: nothing to restore
	best  []*mat.Dense
	found bool
	value float64 // the lowest validation error
	step  int     // its checkpoint's step
	err   float64 // its checkpoint's recovery error
	since int     // checkpoints since it
}

// newKeeper allocates the snapshot of obj's network's layers.
func newKeeper(obj Objective) *keeper {
	k := &keeper{}
	if n, ok := obj.(interface{ Network() *dln.Network }); ok {
		k.net = n.Network()
		for l := 0; l < k.net.Layers(); l++ {
			k.best = append(k.best, mat.DenseCopyOf(k.net.Layer(l)))
		}
	}
	return k
}

// observe records checkpoint c (with its validation error set), taken with
// the network at c's parameters, and reports whether patience checkpoints
// in a row, and as many steps as the lowest took, have passed without a
// new lowest.
func (k *keeper) observe(c results.Checkpoint, patience int) bool {
	if !k.found || *c.Validation < k.value {
		k.found, k.value, k.step, k.err, k.since = true, *c.Validation, c.Step, c.RecoveryError, 0
		for l, b := range k.best {
			b.Copy(k.net.Layer(l))
		}
		return false
	}
	k.since++
	return k.since >= patience && c.Step-k.step >= k.step
}

// restore sets the network's layers to the snapshot.
func (k *keeper) restore() {
	if k.net == nil {
		return
	}
	ms := make([]mat.Matrix, len(k.best))
	for l, b := range k.best {
		ms[l] = b
	}
	k.net.SetLayers(ms)
}
