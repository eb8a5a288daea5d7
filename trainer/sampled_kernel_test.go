package trainer_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/trainer/steptest"
)

// kernelRelTol bounds the difference between the assembler kernel of the
// sampled pass and the portable loop after kernelSteps steps, relative to
// the loss and to each layer's spectral norm. Both compute every entry's
// residual, its square and its two updates from the same values; they
// differ in the order of the dot product's sums (4-lane partial sums
// against 2 or 4 scalar ones), in fused multiply-adds (one rounding
// instead of two) and in the order the squared residuals are summed: a few
// units of 2^-53 per entry times the length h of the sums, about h u = 2e-15
// relative per step at h = 20, which a contracting iteration does not
// amplify; 1e-12 leaves a margin of several hundred.
const (
	kernelRelTol = 1e-12
	kernelSteps  = 20
)

// TestSampledKernelAgreesWithFallback: with the assembler kernel (where
// this build has one) and with the portable loop, the sampled step follows
// the same trajectory within kernelRelTol, on inner widths of every
// remainder mod 4 (the kernel's masked tail) and with several shares.
func TestSampledKernelAgreesWithFallback(t *testing.T) {
	if trainer.VectorKernelName == "none" {
		t.Skip("no assembler kernel in this build (purego or not amd64)")
	}
	defer trainer.SetVectorKernel(trainer.SetVectorKernel(true))
	if !trainer.SetVectorKernel(true) {
		t.Skip("the CPU lacks the kernel's extensions")
	}
	for _, h := range []int{1, 4, 6, 7, 8, 12, 16, 20, 21, 24} {
		t.Run(fmt.Sprintf("h=%d", h), func(t *testing.T) {
			work := sampledProblem(t, parallelD, 3, 0.4, 5)
			dims := []int{parallelD, h, h, parallelD}
			run := func(vector bool) (*dln.Network, []float64) {
				trainer.SetVectorKernel(vector)
				net, _ := pair(dims, 9)
				s := trainer.NewSampledMC(net, work, nil)
				var ls []float64
				for range kernelSteps {
					ls = append(ls, s.Evaluate())
					s.Step(50)
				}
				return net, ls
			}
			vn, vl := run(true)
			fn, fl := run(false)
			for i := range vl {
				require.InDelta(t, fl[i], vl[i], kernelRelTol*math.Abs(fl[i]), "loss at step %d", i)
			}
			requireLayersClose(t, fn, vn, kernelRelTol)
			same := true
			for l := 0; l < vn.Layers(); l++ {
				same = same && mat.Equal(vn.Layer(l), fn.Layer(l))
			}
			require.False(t, same, "the kernel and the loop gave the same bits: is the kernel running?")
		})
	}
}

// TestSampledKernelConformance runs the conformance suite with the
// assembler kernel selected (TestSampledMCConformance runs it with the
// build's default, the portable loop under -tags purego).
func TestSampledKernelConformance(t *testing.T) {
	if trainer.VectorKernelName == "none" {
		t.Skip("no assembler kernel in this build (purego or not amd64)")
	}
	defer trainer.SetVectorKernel(trainer.SetVectorKernel(true))
	if !trainer.SetVectorKernel(true) {
		t.Skip("the CPU lacks the kernel's extensions")
	}
	steptest.Run(t, steptest.SampledMC)
}

// TestSampledFallbackConformance runs the conformance suite with the
// portable loop selected, in any build.
func TestSampledFallbackConformance(t *testing.T) {
	defer trainer.SetVectorKernel(trainer.SetVectorKernel(false))
	steptest.Run(t, steptest.SampledMC)
}

// TestSampledKernelBitIdenticalAcrossGOMAXPROCS: at h = 20 (whole 4-lane
// chunks) with the build's kernel, one goroutine and several give the same
// bits.
func TestSampledKernelBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	const d = parallelD
	work := sampledProblem(t, d, 3, 0.4, 5)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var nets []*dln.Network
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		net, _ := pair([]int{d, 20, 20, d}, 9)
		s := trainer.NewSampledMC(net, work, nil)
		for range 3 {
			s.Evaluate()
			s.Step(50)
		}
		nets = append(nets, net)
	}
	for l := 0; l < nets[0].Layers(); l++ {
		require.True(t, mat.Equal(nets[0].Layer(l), nets[1].Layer(l)), "layer %d", l+1)
	}
}
