package classify

import (
	"slices"
	"time"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/stat"

	"github.com/lowdim/lowdim/latency"
	"github.com/lowdim/lowdim/mlp"
)

// LatencyBatches are the batch sizes inference latency is measured at.
var LatencyBatches = []int{1, 64}

// Latency is a model's inference latency at one batch size: the wall time
// of each call of its forward pass (mlp.Model.Forward: every layer, ReLU,
// biases; no softmax) on batch test rows, summarised as package latency
// does for the machine report: the 0.5 and 0.99 empirical quantiles
// (gonum stat.Quantile, stat.Empirical) of the per-call times, after 3
// untimed calls, over at least 20 calls and until budget has passed (at
// most 1000 calls): package latency's defaults.
type Latency struct {
	Batch int     `json:"batch"`
	Calls int     `json:"calls"`
	P50   float64 `json:"p50_seconds"`
	P99   float64 `json:"p99_seconds"`
}

// measureLatency times m's forward pass at batch rows of test (its first
// rows, repeated when it has fewer). batch must be at most m.MaxRows. It
// allocates one batch of inputs and the list of times.
func measureLatency(m *mlp.Model, test *Set, batch int, budget time.Duration) Latency {
	const warmup, minCalls, maxCalls = latency.DefaultWarmup, latency.DefaultMinCalls, latency.DefaultMaxCalls
	f := test.Features
	x := blas64.General{Rows: batch, Cols: f, Stride: f, Data: make([]float64, batch*f)}
	for i := range batch {
		copy(x.Data[i*f:(i+1)*f], test.Row(i%test.N))
	}
	for range warmup {
		m.Forward(x)
	}
	times := make([]float64, 0, maxCalls)
	start := time.Now()
	for len(times) < maxCalls && (len(times) < minCalls || time.Since(start) < budget) {
		t0 := time.Now()
		m.Forward(x)
		times = append(times, time.Since(t0).Seconds())
	}
	slices.Sort(times)
	return Latency{Batch: batch, Calls: len(times),
		P50: stat.Quantile(0.5, stat.Empirical, times, nil), P99: stat.Quantile(0.99, stat.Empirical, times, nil)}
}
