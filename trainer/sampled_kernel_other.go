//go:build !amd64 || purego

package trainer

// vectorKernel is false without an assembler kernel (another
// architecture, or the purego build tag): the fused sampled pass runs the
// portable Go loop.
var vectorKernel = false

// vectorCPU is false: there is no kernel to run.
const vectorCPU = false

// vectorKernelName names the kernel that vectorKernel selects.
const vectorKernelName = "none"

// sampledRunVector is never called without an assembler kernel.
func sampledRunVector(ai, gacc, inter []float64, stride int, cols []int32, vals []float64, inv float64) float64 {
	panic("trainer: no vector kernel in this build")
}
