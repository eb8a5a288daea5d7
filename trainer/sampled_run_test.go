package trainer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkSampledRun times the entry loop of the fused pass alone on
// one panel of the given bytes whose rows hold 16 sorted random columns
// each (one goroutine): ns/entry by kernel and working set.
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
				const rows = n / per
				idx := make([]int32, n, n+sampledAhead)
				vals := make([]float64, n)
				start := make([]int, rows+1)
				for i := range rows {
					s := i * per
					for k := s; k < s+per; k++ {
						idx[k] = int32(rng.IntN(cols))
					}
					slices.Sort(idx[s : s+per])
					start[i+1] = s + per
				}
				a, g, gacc := make([]float64, rows*h), make([]float64, rows*h), make([]float64, h)
				for i := range a {
					a[i] = rng.Float64() * 1e-3
				}
				var ss float64
				b.ResetTimer()
				for range b.N {
					if vec {
						ss = sampledPanelVector(a, g, h, h, gacc, inter, h, 2*h, start, 0, rows, idx, vals, 1e-9, ss)
						continue
					}
					for i := range rows {
						clear(gacc)
						ss = runLoop(ss, a[i*h:(i+1)*h], gacc, inter, 2*h, idx[start[i]:start[i+1]], vals[start[i]:start[i+1]], 1e-9)
						for t, v := range gacc {
							g[i*h+t] += v
						}
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/n*1e9, "ns/entry")
				_ = ss
			})
		}
	}
}
