//go:build !purego

package trainer

import "golang.org/x/sys/cpu"

// vectorKernel says whether the fused sampled pass runs its entries
// through sampledPanelAVX2 (an AVX2 and FMA assembler kernel) instead of the
// portable Go loop: on amd64 with both extensions, unless built with the
// purego tag. Tests switch it to compare the two (export_test.go), never
// on where vectorCPU is false.
var vectorKernel = vectorCPU

// vectorCPU says whether this CPU can run sampledPanelAVX2 (AVX2 and FMA).
var vectorCPU = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// vectorKernelName names the kernel that vectorKernel selects.
const vectorKernelName = "avx2-fma"

// sampledAhead is the prefetch distance of sampledPanelAVX2 in entries
// (AHEAD in sampled_amd64.s): the kernel reads the column of the entry
// sampledAhead places ahead of the one it runs, so the column array must
// hold that many more (panelOrder pads it).
const sampledAhead = 16

// sampledPanelAVX2 runs the observed entries of rows consecutive rows of one
// column panel. Row i (from 0) has the entries start[i] .. start[i+1]-1,
// whose columns and target values are at cols and vals (the entry start[0]
// first), its row of A at a + i aStride bytes and its row of the last
// layer's gradient at g + i gStride bytes (h floats each); the interleaved
// buffer inter has rows of stride bytes, [B^T[j,:] | C[j,:]] of 2h floats
// each. For each row with entries it clears gacc (h floats), and for each
// entry forms e = A[i,:] . B^T[j,:] - v (4-lane partial sums, then a
// pairwise sum), adds e^2 to the row's sum, and with r = inv e does
// gacc += r B^T[j,:] and C[j,:] += r A[i,:] with fused multiply-adds; then
// G[i,:] += gacc and ss += the row's sum. It returns ss. While it runs an
// entry it prefetches the [B^T | C] row of the entry sampledAhead places
// ahead. It allocates nothing.
//
//go:noescape
func sampledPanelAVX2(a, grad, gacc, inter *float64, h, aStride, gStride, stride int, start *int, rows int, cols *int32, vals *float64, inv, ss float64) float64

// sampledPanelVector is sampledPanelAVX2 on slices, for rows lo .. hi-1 of
// the panel whose row starts are start (one per row, and one past the
// last): a and g are the rows x h matrices A and the gradient, cols and
// vals the panel-ordered entries (cols with sampledAhead readable values
// past its length, as panelOrder allocates it). It checks the extents the
// kernel reads and writes, except that every column j has its row j stride
// .. j stride + 2h in inter, which is up to the caller (panelOrder checks
// the columns, inter has a row for each).
func sampledPanelVector(a, g []float64, aStride, gStride int, gacc, inter []float64, h, stride int, start []int, lo, hi int, cols []int32, vals []float64, inv, ss float64) float64 {
	if lo >= hi || start[lo] == start[hi] {
		return ss
	}
	if h < 1 || len(gacc) < h || stride < 2*h || len(a) < (hi-1)*aStride+h || len(g) < (hi-1)*gStride+h ||
		len(start) < hi+1 || start[hi] > len(vals) || start[hi] > len(cols) || cap(cols) < start[hi]+sampledAhead {
		panic("trainer: sampledPanelVector: short A, G, gacc, starts, vals or padded cols, or stride below 2h")
	}
	k := start[lo]
	cols = cols[:cap(cols)]
	return sampledPanelAVX2(&a[lo*aStride], &g[lo*gStride], &gacc[0], &inter[0], h, 8*aStride, 8*gStride, 8*stride,
		&start[lo], hi-lo, &cols[k], &vals[k], inv, ss) // k < start[hi] <= len(vals)
}
