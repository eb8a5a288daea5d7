package classify

import (
	"time"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/energy"
	"github.com/lowdim/lowdim/latency"
	"github.com/lowdim/lowdim/mlp"
)

// LatencyBatches are the batch sizes inference latency is measured at.
var LatencyBatches = []int{1, 64}

// Latency is a model's inference latency at one batch size: the wall time
// of each call of its forward pass (mlp.Model.Forward: every layer, ReLU,
// biases; no softmax) on batch test rows, timed by latency.Calls, the
// timing loop of the machine report's latency: the 0.5 and 0.99 empirical
// quantiles of the per-call times, after 3 untimed calls, over at least 20
// calls and until the budget has passed (at most 1000 calls).
type Latency struct {
	Batch int     `json:"batch"`
	Calls int     `json:"calls"`
	P50   float64 `json:"p50_seconds"`
	P99   float64 `json:"p99_seconds"`
	// JoulesPer1000 is the energy of 1000 predictions (rows) at this batch
	// size: the energy.Meter reading over every call of the measurement,
	// untimed ones included, divided by the rows predicted, times 1000.
	// EnergyMeasured says whether it comes from RAPL counters (the whole
	// package, other processes included) or from energy.Model (this
	// process's CPU seconds x watts per core: a model, not a
	// measurement); EnergySource names it. Null when neither could be had.
	JoulesPer1000  *float64 `json:"joules_per_1000_predictions"`
	EnergyMeasured bool     `json:"energy_measured"`
	EnergySource   string   `json:"energy_source"`
}

// measureLatency times m's forward pass at batch rows of test (its first
// rows, repeated when it has fewer) and meters its energy. batch must be
// at most m.MaxRows. It allocates one batch of inputs and the list of
// times.
func measureLatency(m *mlp.Model, test *Set, batch int, budget time.Duration, meter *energy.Meter) Latency {
	f := test.Features
	x := blas64.General{Rows: batch, Cols: f, Stride: f, Data: make([]float64, batch*f)}
	for i := range batch {
		copy(x.Data[i*f:(i+1)*f], test.Row(i%test.N))
	}
	calls := 0
	meter.Start()
	r := latency.Calls(func() { m.Forward(x); calls++ }, latency.Options{Budget: budget})
	e := meter.Stop()
	l := Latency{Batch: batch, Calls: len(r.Seconds), P50: r.P50, P99: r.P99, EnergyMeasured: e.Measured, EnergySource: e.Source}
	if j := e.Joules; j == j && calls > 0 { // NaN: no reading
		per := 1000 * j / float64(calls*batch)
		l.JoulesPer1000 = &per
	}
	return l
}
