package workloads

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/randmat"
)

// BenchmarkCSRProducts times the surrogate's products S X and S^T X at
// l = 30 columns (TopSingular's block at r_hat = 20) with 164 observed
// entries per row (p = 0.000625 at d = 262,144), and reports ns per entry.
func BenchmarkCSRProducts(b *testing.B) {
	for _, d := range []int{16384, 65536, 262144} {
		var (
			rowPtr []int
			cols   []int32
			vals   []float64
			x, dst *mat.Dense
		)
		setup := func(b *testing.B) {
			if rowPtr != nil {
				return
			}
			rng := rand.New(rand.NewPCG(1, 2))
			var err error
			rowPtr, cols, err = SampleObserved(d, d, 164/float64(d), rng)
			if err != nil {
				b.Fatal(err)
			}
			vals = make([]float64, len(cols))
			for k := range vals {
				vals[k] = rng.NormFloat64()
			}
			x = mat.NewDense(d, 30, nil)
			dst = mat.NewDense(d, 30, nil)
			randmat.Gaussian(x, 1, rng)
		}
		for _, op := range []string{"apply", "applyT"} {
			b.Run(fmt.Sprintf("d=%d/op=%s", d, op), func(b *testing.B) {
				setup(b)
				apply, applyT := csrProducts(d, rowPtr, cols, vals)
				f := apply
				if op == "applyT" {
					f = applyT
				}
				b.ResetTimer()
				for b.Loop() {
					f(dst, x)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(cols)), "ns/entry")
			})
		}
	}
}
