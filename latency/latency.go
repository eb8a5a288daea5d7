// Package latency times inference as it is served: a chain of layers
// applied in turn to a batch, one call at a time, and summarised by the
// quantiles of the per-call times (p50, p99).
//
// A call computes Y_L = A_L (... (A_2 (A_1 X))) for X of size cols(A_1) x
// batch, one blas64.Gemm per layer into buffers allocated before timing, so
// a call allocates nothing of its own (gonum's pure-Go Dgemm starts
// goroutines above 64 x 64 outputs: a few small allocations per product).
// A compressed network is timed on its factored layers, never forming its
// end-to-end matrix; a wide one may be given as its layers or as the one
// materialised matrix, its cheapest form. The input is drawn from a fixed
// seed, since the cost does not depend on the values.
//
// Chain panics when the layers do not chain (cols(A_{k+1}) != rows(A_k)),
// when there are none, or when the batch is not positive: a programmer's
// error. It never fails otherwise.
package latency

import (
	"math/rand/v2"
	"slices"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Options bound the measurement. The zero value means every default.
type Options struct {
	// Warmup is the number of untimed calls first (default 3).
	Warmup int
	// MaxCalls is the largest number of timed calls (default 1000).
	MaxCalls int
	// MinCalls is the number of timed calls made whatever Budget says
	// (default 20; at most MaxCalls).
	MinCalls int
	// Budget stops the timed calls once it has passed, after MinCalls
	// (default 500 ms).
	Budget time.Duration
}

// Defaults of Options.
const (
	DefaultWarmup   = 3
	DefaultMaxCalls = 1000
	DefaultMinCalls = 20
	DefaultBudget   = 500 * time.Millisecond
)

func (o Options) withDefaults() Options {
	if o.Warmup <= 0 {
		o.Warmup = DefaultWarmup
	}
	if o.MaxCalls <= 0 {
		o.MaxCalls = DefaultMaxCalls
	}
	if o.MinCalls <= 0 {
		o.MinCalls = DefaultMinCalls
	}
	o.MinCalls = min(o.MinCalls, o.MaxCalls)
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	return o
}

// Result is the latency of one chain at one batch size.
type Result struct {
	// Batch is the number of columns of X.
	Batch int `json:"batch"`
	// Seconds holds the wall time of each timed call in call order.
	Seconds []float64 `json:"seconds"`
	// P50 and P99 are the 0.5 and 0.99 empirical quantiles of Seconds
	// (gonum stat.Quantile, stat.Empirical: the smallest value with at
	// least that fraction of the calls at or below it).
	P50 float64 `json:"p50_seconds"`
	P99 float64 `json:"p99_seconds"`
	// Flops is 2 sum_k rows(A_k) cols(A_k) batch, the flops of one call.
	Flops uint64 `json:"flops"`
}

// Chain times the layers applied in turn to a cols(A_1) x batch input and
// returns the per-call times and their quantiles. It allocates the input
// and one output buffer per layer (8 rows(A_k) batch bytes each) before
// timing. See the package comment for when it panics.
func Chain(layers []*mat.Dense, batch int, o Options) Result {
	if len(layers) == 0 {
		panic("latency: no layers")
	}
	if batch < 1 {
		panic("latency: batch < 1")
	}
	o = o.withDefaults()
	_, in := layers[0].Dims()
	rng := rand.New(rand.NewPCG(1, uint64(batch)))
	x := blas64.General{Rows: in, Cols: batch, Stride: batch, Data: make([]float64, in*batch)}
	for i := range x.Data {
		x.Data[i] = rng.NormFloat64()
	}
	res := Result{Batch: batch}
	bufs := make([]blas64.General, len(layers))
	prev := in
	for k, a := range layers {
		r, c := a.Dims()
		if c != prev {
			panic("latency: layers do not chain")
		}
		bufs[k] = blas64.General{Rows: r, Cols: batch, Stride: batch, Data: make([]float64, r*batch)}
		res.Flops += uint64(2 * r * c * batch)
		prev = r
	}
	raws := make([]blas64.General, len(layers))
	for k, a := range layers {
		raws[k] = a.RawMatrix()
	}
	call := func() {
		src := x
		for k := range raws {
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, raws[k], src, 0, bufs[k])
			src = bufs[k]
		}
	}
	t := Calls(call, o)
	res.Seconds, res.P50, res.P99 = t.Seconds, t.P50, t.P99
	return res
}

// Calls times call as Chain times a chain, for any inference one call
// computes (a model's forward pass, say): o.Warmup untimed calls, then
// timed calls until o.MaxCalls, and at least o.MinCalls, or o.Budget has
// passed (zero fields: the defaults). It returns the per-call wall times
// in call order with their 0.5 and 0.99 empirical quantiles; Batch and
// Flops are zero, for the caller to fill in. It allocates the list of
// times (8 MaxCalls bytes) and its sorted copy.
func Calls(call func(), o Options) Result {
	o = o.withDefaults()
	for range o.Warmup {
		call()
	}
	var res Result
	res.Seconds = make([]float64, 0, o.MaxCalls)
	start := time.Now()
	for len(res.Seconds) < o.MaxCalls && (len(res.Seconds) < o.MinCalls || time.Since(start) < o.Budget) {
		t0 := time.Now()
		call()
		res.Seconds = append(res.Seconds, time.Since(t0).Seconds())
	}
	sorted := slices.Clone(res.Seconds)
	slices.Sort(sorted)
	res.P50 = stat.Quantile(0.5, stat.Empirical, sorted, nil)
	res.P99 = stat.Quantile(0.99, stat.Empirical, sorted, nil)
	return res
}
