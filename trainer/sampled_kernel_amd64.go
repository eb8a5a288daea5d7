//go:build !purego

package trainer

import "golang.org/x/sys/cpu"

// vectorKernel says whether the fused sampled pass runs its entries
// through sampledRunAVX2 (an AVX2 and FMA assembler kernel) instead of the
// portable Go loop: on amd64 with both extensions, unless built with the
// purego tag. Tests switch it to compare the two (export_test.go), never
// on where vectorCPU is false.
var vectorKernel = vectorCPU

// vectorCPU says whether this CPU can run sampledRunAVX2 (AVX2 and FMA).
var vectorCPU = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// vectorKernelName names the kernel that vectorKernel selects.
const vectorKernelName = "avx2-fma"

// sampledRunAVX2 runs n observed entries of one row of one panel: with
// ai = A[i,:] and gacc (h each), the interleaved buffer inter (rows of
// stride floats, [B^T[j,:] | C[j,:]] of 2h each), the columns cols[0..n)
// and the target's values vals[0..n), for each entry it forms
// e = ai . B^T[j,:] - v (4-lane partial sums, then a pairwise sum), adds
// e^2 to its result, and with r = inv e does gacc += r B^T[j,:] and
// C[j,:] += r ai with fused multiply-adds. It allocates nothing.
//
//go:noescape
func sampledRunAVX2(ai, gacc, inter *float64, h, stride int, cols *int32, vals *float64, n int, inv float64) float64

// sampledRunVector is sampledRunAVX2 on slices. It checks the lengths
// the kernel reads and writes by ai's length h (gacc and vals at least
// as long as ai and cols, rows of stride >= 2h); that every column j has
// its row j stride .. j stride + 2h in inter is up to the caller
// (sampledCore.panelOrder checks the columns, inter has a row for each).
func sampledRunVector(ai, gacc, inter []float64, stride int, cols []int32, vals []float64, inv float64) float64 {
	if len(gacc) < len(ai) || len(vals) < len(cols) || stride < 2*len(ai) {
		panic("trainer: sampledRunVector: short gacc or vals, or stride below 2h")
	}
	return sampledRunAVX2(&ai[0], &gacc[0], &inter[0], len(ai), stride, &cols[0], &vals[0], len(cols), inv)
}
