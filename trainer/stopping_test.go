package trainer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
)

// scripted is an objective on a 1 x 1 network whose weight is the number
// of steps taken: the loss after s steps is losses[s] (the last one
// beyond), the validation error val[s] (none when val is nil), the
// recovery error 1/(s+1). So the weights kept by early stopping say
// which checkpoint they came from.
type scripted struct {
	net    *dln.Network
	losses []float64
	val    []float64
	steps  int
}

func newScripted(losses, val []float64) *scripted {
	return &scripted{net: dln.New(dln.Chain(1, 1)), losses: losses, val: val}
}

func (s *scripted) Network() *dln.Network { return s.net }

func (s *scripted) at(xs []float64) float64 { return xs[min(s.steps, len(xs)-1)] }

func (s *scripted) Evaluate() float64 { return s.at(s.losses) }

func (s *scripted) Step(float64) {
	s.steps++
	s.net.Layer(0).Set(0, 0, float64(s.steps))
}

func (s *scripted) Measure(int) trainer.Measurement {
	m := trainer.Measurement{RecoveryError: 1 / float64(s.steps+1)}
	if s.val != nil {
		m.Validation, m.HasValidation = s.at(s.val), true
	}
	return m
}

// TestTrainPatience: training stops once Patience checkpoints in a row
// bring no validation error below the lowest, keeps the weights and
// reports the error of that checkpoint, and never stops on a validation
// error that keeps falling.
func TestTrainPatience(t *testing.T) {
	flat := make([]float64, 100)
	for i := range flat {
		flat[i] = 1
	}
	tests := []struct {
		name      string
		val       []float64
		patience  int
		every     int
		status    results.Status
		steps     int // steps taken
		bestStep  int // the checkpoint kept; -1: none
		bestValue float64
	}{
		// Lowest at step 4 (checkpoints every 2 steps): 6, 8 and 10 bring
		// nothing lower; the third of them (step 10) stops.
		{"minimum then rise", []float64{5, 4, 3, 2, 1, 1.5, 2, 2, 2, 2, 2, 2, 2}, 3, 2, results.Stopped, 10, 4, 1},
		// A tie is no new lowest: the first of two equal values is kept.
		{"tie keeps the first", []float64{3, 2, 1, 1, 1, 1, 1, 1}, 2, 1, results.Stopped, 4, 2, 1},
		// Lowest at step 4, patience 2: two checkpoints pass at step 6,
		// but not yet 4 steps: the patience grows to the time the lowest
		// took, so a plateau as long as the way to it is waited out.
		{"patience grows with time", []float64{5, 4, 3, 2, 1, 2, 2, 2, 2, 2, 2}, 2, 1, results.Stopped, 8, 4, 1},
		// Broken case: a new lowest after the plateau resets the wait.
		{"new lowest after a plateau", []float64{5, 4, 3, 2, 1, 2, 2, 0.5, 2, 2, 2}, 2, 1, results.MaxSteps, 10, 7, 0.5},
		// Falling at every checkpoint: the budget ends it, the last kept.
		{"still falling", []float64{9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5, 0.25}, 2, 1, results.MaxSteps, 10, 10, 0.25},
		// Patience 0: no early stopping, no weights kept.
		{"off", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 0, 1, results.MaxSteps, 10, -1, 0},
		// No validation error measured: nothing kept, whatever Patience.
		{"no validation", nil, 3, 1, results.MaxSteps, 10, -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := newScripted(flat, tc.val)
			res := trainer.Train(obj, trainer.Config{Steps: 10, Eta: 1, Every: tc.every, Patience: tc.patience})
			require.Equal(t, tc.status, res.Status, res.Message)
			require.Equal(t, tc.steps, res.Steps)
			if tc.bestStep < 0 {
				require.Nil(t, res.SelectedStep)
				require.Nil(t, res.SelectedError)
				require.Nil(t, res.ValidationError)
				require.Equal(t, float64(tc.steps), obj.net.Layer(0).At(0, 0), "weights left where training ended")
				return
			}
			require.NotNil(t, res.SelectedStep)
			require.Equal(t, tc.bestStep, *res.SelectedStep)
			require.Equal(t, tc.bestValue, *res.ValidationError)
			// The recovery error of that checkpoint, 1/(step+1) exactly.
			require.Equal(t, 1/float64(tc.bestStep+1), *res.SelectedError)
			require.Equal(t, res.SelectedError, res.ReportedError())
			// The weights are the kept checkpoint's: the weight is its step.
			require.Equal(t, float64(tc.bestStep), obj.net.Layer(0).At(0, 0))
			// Every checkpoint records its validation error.
			for _, c := range res.Trajectory {
				require.NotNil(t, c.Validation, "step %d", c.Step)
			}
		})
	}
}

// TestTrainTolRel: the tolerance relative to the initial loss stops at
// the first loss <= TolRel f(0), with Tol the larger bound when both are
// given; a broken TolRel (0) runs the budget.
func TestTrainTolRel(t *testing.T) {
	losses := []float64{100, 50, 10, 1, 0.5, 0.01, 0.001}
	tests := []struct {
		name        string
		tol, tolRel float64
		status      results.Status
		steps       int
	}{
		{"relative", 0, 1e-2, results.Converged, 3},                                 // 1 <= 1e-2 x 100
		{"absolute larger", 20, 1e-2, results.Converged, 2},                         // 10 <= 20
		{"relative larger", 1e-3, 6e-3, results.Converged, 4},                       // 0.5 <= 0.6
		{"off", 0, 0, results.MaxSteps, 6},                                          // never
		{"unreachable", 0, 1e-9, results.MaxSteps, 6},                               // 1e-7 below the last loss
		{"absolute only", 1e-2, 0, results.Converged, 5},                            // 0.01 <= 0.01
		{"relative above f(0) meets it at once", 0, 0.999999, results.Converged, 0}, // 100 > 99.9999: no; see below
	}
	tests[len(tests)-1].status, tests[len(tests)-1].steps = results.Converged, 1 // 50 <= 99.9999
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := trainer.Train(newScripted(losses, nil), trainer.Config{Steps: 6, Eta: 1, Tol: tc.tol, TolRel: tc.tolRel})
			require.Equal(t, tc.status, res.Status, res.Message)
			require.Equal(t, tc.steps, res.Steps)
		})
	}
}
