//go:build !purego

package workloads

import "golang.org/x/sys/cpu"

// csrVector says whether gatherRow and scatterRow run their blocks of 16, 8
// and 4 columns through the AVX kernels of csr_amd64.s (a multiply and an
// add per lane, the scalar loop's arithmetic in its order: the results are
// the same bit for bit) instead of the Go loops: on amd64 with AVX, unless
// built with the purego tag. Tests switch it off to run the Go loops.
var csrVector = cpu.X86.HasAVX

// The kernels (csr_amd64.s). Strides in bytes; cols and vals hold n
// entries, and every row they name must lie within x (gather) or d
// (scatter): the callers' panels guarantee it.
//
//go:noescape
func gather16AVX(d, x *float64, stride int, cols *int32, vals *float64, n int)

//go:noescape
func gather8AVX(d, x *float64, stride int, cols *int32, vals *float64, n int)

//go:noescape
func gather4AVX(d, x *float64, stride int, cols *int32, vals *float64, n int)

//go:noescape
func scatter16AVX(d *float64, stride int, x *float64, cols *int32, vals *float64, n int)

//go:noescape
func scatter8AVX(d *float64, stride int, x *float64, cols *int32, vals *float64, n int)

//go:noescape
func scatter4AVX(d *float64, stride int, x *float64, cols *int32, vals *float64, n int)

// gatherVector runs gatherRow's leading blocks of 16, 8 and 4 columns
// through the kernels and returns the first column left to the Go loops
// (0 when csrVector is false).
func gatherVector(d, x []float64, stride int, cols []int32, vals []float64) int {
	l, m := len(d), 0
	if !csrVector || len(cols) == 0 {
		return 0
	}
	for ; m+16 <= l; m += 16 {
		gather16AVX(&d[m], &x[m], 8*stride, &cols[0], &vals[0], len(cols))
	}
	for ; m+8 <= l; m += 8 {
		gather8AVX(&d[m], &x[m], 8*stride, &cols[0], &vals[0], len(cols))
	}
	for ; m+4 <= l; m += 4 {
		gather4AVX(&d[m], &x[m], 8*stride, &cols[0], &vals[0], len(cols))
	}
	return m
}

// scatterVector is gatherVector for scatterRow.
func scatterVector(d []float64, stride int, xi []float64, cols []int32, vals []float64) int {
	l, m := len(xi), 0
	if !csrVector || len(cols) == 0 {
		return 0
	}
	for ; m+16 <= l; m += 16 {
		scatter16AVX(&d[m], 8*stride, &xi[m], &cols[0], &vals[0], len(cols))
	}
	for ; m+8 <= l; m += 8 {
		scatter8AVX(&d[m], 8*stride, &xi[m], &cols[0], &vals[0], len(cols))
	}
	for ; m+4 <= l; m += 4 {
		scatter4AVX(&d[m], 8*stride, &xi[m], &cols[0], &vals[0], len(cols))
	}
	return m
}
