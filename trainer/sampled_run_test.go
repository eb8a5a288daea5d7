package trainer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkSampledRun times the entry loop of the fused pass alone on
// segments of 16 sorted random columns of a panel of the given bytes
// (one goroutine): ns/entry by kernel and working set.
func BenchmarkSampledRun(b *testing.B) {
	const h, per = 20, 16
	for _, kb := range []int{256, 2048, 8192, 65536} {
		for _, vec := range []bool{false, true} {
			if vec && !vectorCPU {
				continue
			}
			name := "go"
			if vec {
				name = vectorKernelName
			}
			b.Run(fmt.Sprintf("panel=%dKiB/kernel=%s", kb, name), func(b *testing.B) {
				cols := kb << 10 / (16 * h)
				inter := make([]float64, cols*2*h)
				rng := rand.New(rand.NewPCG(1, 2))
				for i := range inter {
					inter[i] = rng.Float64()
				}
				const n = 1 << 16
				idx := make([]int32, n)
				vals := make([]float64, n)
				for s := 0; s < n; s += per {
					for k := s; k < s+per; k++ {
						idx[k] = int32(rng.IntN(cols))
					}
					slices.Sort(idx[s : s+per])
				}
				ai, gacc := make([]float64, h), make([]float64, h)
				for i := range ai {
					ai[i] = rng.Float64() * 1e-3
				}
				var ss float64
				b.ResetTimer()
				for range b.N {
					for s := 0; s < n; s += per {
						if vec {
							ss += sampledRunVector(ai, gacc, inter, 2*h, idx[s:s+per], vals[s:s+per], 1e-9)
						} else {
							ss = runLoop(ss, ai, gacc, inter, 2*h, idx[s:s+per], vals[s:s+per], 1e-9)
						}
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/n*1e9, "ns/entry")
				_ = ss
			})
		}
	}
}
