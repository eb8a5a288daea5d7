package report

import (
	"math"

	"github.com/lowdim/lowdim/results"
)

// synthRun returns a run of three methods whose recovery error and training
// loss decay exponentially, as in a healthy run:
//
//	original:   error exp(-step/60), 10 ms per step, never reaches the tolerance
//	compressed: error exp(-step/20), 2 ms per step, tolerance at step 150
//	lowrank:    error exp(-step/40), 5 ms per step, tolerance at step 190
//
// Checkpoints every 10 steps from 0 to 200; compressed records a test loss
// and two singular values, lowrank three.
func synthRun() *results.Run {
	mk := func(name string, tau, spStep float64, nsv int, test bool) results.MethodResult {
		m := results.MethodResult{
			Method: name, Status: results.MaxSteps, Steps: 200,
			Seconds: 200 * spStep, SecondsPerStep: spStep, Params: 1000,
		}
		for s := 0; s <= 200; s += 10 {
			e := math.Exp(-float64(s) / tau)
			c := results.Checkpoint{
				Step: s, Seconds: float64(s) * spStep,
				TrainLoss: e * e, RecoveryError: e,
				TestLoss: 2 * e * e, HasTestLoss: test,
			}
			for k := range nsv {
				c.SingularValues = append(c.SingularValues, 1/float64(k+1))
			}
			m.Trajectory = append(m.Trajectory, c)
		}
		last := m.Trajectory[len(m.Trajectory)-1].RecoveryError
		m.FinalError, m.BestError = &last, &last
		return m
	}
	r := &results.Run{Tool: "lowdim", Methods: []results.MethodResult{
		mk("original", 60, 0.010, 0, false),
		mk("compressed", 20, 0.002, 2, true),
		mk("lowrank", 40, 0.005, 3, false),
	}}
	steps, secs := 150, 0.3
	r.Methods[1].Status, r.Methods[1].StepsToTol, r.Methods[1].SecondsToTol = results.Converged, &steps, &secs
	steps2, secs2 := 190, 0.95
	r.Methods[2].Status, r.Methods[2].StepsToTol, r.Methods[2].SecondsToTol = results.Converged, &steps2, &secs2
	r.Methods[1].Params = 400
	r.Methods[2].Params = 250
	r.ComputeRatios("original")
	return r
}
