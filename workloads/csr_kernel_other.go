//go:build !amd64 || purego

package workloads

// csrVector is false without the assembler kernels (another architecture,
// or the purego tag): gatherRow and scatterRow run their Go loops.
var csrVector = false

func gatherVector(d, x []float64, stride int, cols []int32, vals []float64) int { return 0 }

func scatterVector(d []float64, stride int, xi []float64, cols []int32, vals []float64) int {
	return 0
}
