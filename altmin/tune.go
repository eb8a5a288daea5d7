package altmin

import (
	"errors"
	"fmt"
)

// Trial summarizes one run of [Tune].
type Trial struct {
	// Lambda is the relative ridge tried (Config.Lambda).
	Lambda float64
	// ValRMSE is the run's best validation RMSE, at sweep Best of Sweeps.
	ValRMSE      float64
	Best, Sweeps int
	Stop         Stop
}

// Tune chooses the ridge on the validation list: it runs AltMin (as [Fit],
// with cfg, early stopping on val) once per relative ridge in lambdas
// (nil: [DefaultLambdaGrid]), from the same initialization, and returns
// the result of the one whose best validation RMSE is lowest (ties: the
// first in lambdas), with one Trial per ridge in lambdas' order. The test
// list is never used, so the error a caller reports on it is not the one
// anything was chosen on. val must be non-empty. Errors: those of [New],
// and those of a run (a ridge of 0 on a row with fewer than k entries,
// say), which end the search. Cost: len(lambdas) runs; memory one
// [Solver] plus the best result.
func Tune(m, n int, train, val Entries, cfg Config, lambdas []float64) (*Result, []Trial, error) {
	if val.Len() == 0 {
		return nil, nil, errors.New("altmin: Tune needs a validation list")
	}
	if lambdas == nil {
		lambdas = DefaultLambdaGrid
	}
	if len(lambdas) == 0 {
		return nil, nil, errors.New("altmin: Tune needs at least one ridge to try")
	}
	cfg.Lambda = lambdas[0]
	s, err := New(m, n, train, val, cfg)
	if err != nil {
		return nil, nil, err
	}
	var best *Result
	bestVal := 0.0
	trials := make([]Trial, 0, len(lambdas))
	for _, l := range lambdas {
		if err := s.SetLambda(l); err != nil {
			return nil, nil, err
		}
		res, err := s.Run()
		if err != nil {
			return nil, nil, fmt.Errorf("altmin: Lambda = %g: %w", l, err)
		}
		v := res.History[res.Best-1].ValRMSE
		trials = append(trials, Trial{Lambda: l, ValRMSE: v, Best: res.Best, Sweeps: len(res.History), Stop: res.Stop})
		if best == nil || v < bestVal {
			best, bestVal = res, v
		}
	}
	return best, trials, nil
}
