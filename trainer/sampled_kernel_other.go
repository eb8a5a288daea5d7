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

// sampledAhead pads the column array for a kernel's prefetching: none.
const sampledAhead = 0

// sampledPanelVector is never called without an assembler kernel.
func sampledPanelVector(a, g []float64, aStride, gStride int, gacc, inter []float64, h, stride int, start []int, lo, hi int, cols []int32, vals []float64, inv, ss float64) float64 {
	panic("trainer: no vector kernel in this build")
}
