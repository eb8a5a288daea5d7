package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/methods"
)

// Units of the Efficiency cases.
const (
	// UnitStepGFLOPS is the step's achieved rate, timed apart from the
	// reference products of the same iterations.
	UnitStepGFLOPS = "step-GFLOP/s"
	// UnitDgemmGFLOPS is the rate of the reference n x n dgemm timed in
	// the same iterations with the same backend.
	UnitDgemmGFLOPS = "dgemm-GFLOP/s"
	// UnitDgemmFrac is step-GFLOP/s / dgemm-GFLOP/s: the step's efficiency
	// against the backend's own dgemm at the same size, a ratio measured in
	// one run, so it holds however loaded the machine is.
	UnitDgemmFrac = "dgemm-frac"
)

// EfficiencySizes are the sizes of the Efficiency cases.
var EfficiencySizes = []int{1024}

// gemmsPerStep is how many reference dgemms an Efficiency iteration times:
// the original network's step at L = 3 is six d^3 products (12 d^3 flops).
const gemmsPerStep = 6

// EfficiencyCases returns one case per size in EfficiencySizes (or
// o.Sizes when given): the original network's step on MF (L = o.Depth)
// interleaved with gemmsPerStep n x n dgemms of the active backend, so that
// both rates see the same machine state. It reports step-GFLOP/s,
// dgemm-GFLOP/s and their ratio dgemm-frac; sec/op is the step and the
// dgemms together.
func EfficiencyCases(o Options) []Case {
	sizes := EfficiencySizes
	if len(o.Sizes) > 0 {
		sizes = o.Sizes
	}
	depth := o.Depth
	if depth == 0 {
		depth = 3
	}
	var cases []Case
	for _, d := range sizes {
		c, ok := stepConfig(inferWorkload, d, depth)
		if !ok {
			continue
		}
		c.Path = config.PathDense
		cases = append(cases, efficiencyCase(c))
	}
	return selectTags(cases, o.Tags)
}

func efficiencyCase(c config.Config) Case {
	type state struct {
		p       *problem
		a, b, x blas64.General
	}
	l := &lazy[*state]{build: func() (*state, error) {
		p, err := buildStep(c, methods.Original, nil)
		if err != nil {
			return nil, err
		}
		n := c.D
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		mk := func() blas64.General {
			g := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
			for i := range g.Data {
				g.Data[i] = rng.NormFloat64()
			}
			return g
		}
		return &state{p: p, a: mk(), b: mk(), x: mk()}, nil
	}}
	return Case{
		Name:    fmt.Sprintf("Efficiency/workload=mf/method=original/d=%d/L=%d", c.D, c.Depth),
		Release: l.release,
		Tags:    caseTags("efficiency", c.Workload, methods.Original, config.PathDense),
		Exact: func() (map[string]float64, error) {
			return map[string]float64{UnitFlops: float64(stepFlops(c, methods.Original))}, nil
		},
		Bench: func(b *testing.B) {
			s := l.get(b)
			b.ReportAllocs()
			s.p.obj.Evaluate()
			var step, gemm time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				StopIfInterrupted(b)
				t0 := time.Now()
				s.p.obj.Step(c.Eta)
				s.p.obj.Evaluate()
				t1 := time.Now()
				for k := 0; k < gemmsPerStep; k++ {
					blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, s.a, s.b, 0, s.x)
				}
				step += t1.Sub(t0)
				gemm += time.Since(t1)
			}
			b.StopTimer()
			b.ReportMetric(float64(s.p.flops), UnitFlops)
			if step > 0 && gemm > 0 {
				n := float64(c.D)
				sg := float64(s.p.flops) * float64(b.N) / step.Seconds() / 1e9
				gg := gemmsPerStep * 2 * n * n * n * float64(b.N) / gemm.Seconds() / 1e9
				b.ReportMetric(sg, UnitStepGFLOPS)
				b.ReportMetric(gg, UnitDgemmGFLOPS)
				b.ReportMetric(sg/gg, UnitDgemmFrac)
			}
		},
	}
}
