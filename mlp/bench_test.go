package mlp

import (
	"fmt"
	"math/rand/v2"
	"testing"

	// Links the BLAS backend of the build (-tags openblas registers
	// OpenBLAS in machine's tagged file), so the benchmarks time it.
	_ "github.com/lowdim/lowdim/machine"
)

// benchConfig is the fmnist preset's model (mlprun): 784 -> 256 -> 128 -> 10
// with a block of 3 layers, compressed width 32.
func benchConfig(v Variant) Config {
	return Config{Variant: v, Inputs: 784, Classes: 10, Hidden1: 256, Hidden2: 128, Depth: 3, RHat: 32}
}

// BenchmarkTrainStep times one SGD step with momentum (LossGrad and Step)
// on a batch of 64 random inputs. flops/op is Config.StepFlops (exact).
func BenchmarkTrainStep(b *testing.B) {
	const batch = 64
	for _, v := range Variants {
		b.Run(fmt.Sprintf("variant=%s/batch=%d", v, batch), func(b *testing.B) {
			cfg := benchConfig(v)
			m, err := New(cfg, batch)
			if err != nil {
				b.Fatal(err)
			}
			x, labels := randBatch(rand.New(rand.NewPCG(1, 1)), batch, cfg.Inputs, cfg.Classes)
			m.TrainStep(x, labels, 1e-3, 0.9)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.TrainStep(x, labels, 1e-3, 0.9)
			}
			b.ReportMetric(float64(8*m.Params()), "params-bytes")
			b.ReportMetric(float64(cfg.StepFlops(batch, true)), "flops/op")
		})
	}
}

// BenchmarkInfer times the forward pass of one batch; flops/op counts its
// products (Config.ForwardFlops).
func BenchmarkInfer(b *testing.B) {
	for _, v := range Variants {
		for _, batch := range []int{1, 256} {
			b.Run(fmt.Sprintf("variant=%s/batch=%d", v, batch), func(b *testing.B) {
				cfg := benchConfig(v)
				m, err := New(cfg, batch)
				if err != nil {
					b.Fatal(err)
				}
				x, _ := randBatch(rand.New(rand.NewPCG(1, 1)), batch, cfg.Inputs, cfg.Classes)
				m.Forward(x)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					m.Forward(x)
				}
				b.ReportMetric(float64(8*m.Params()), "params-bytes")
				b.ReportMetric(float64(cfg.ForwardFlops(batch)), "flops/op")
			})
		}
	}
}
