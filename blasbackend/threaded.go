//go:build openblas

package blasbackend

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>

void openblas_set_num_threads(int);
*/
import "C"

import "unsafe"

// threadedDgemm computes C = A * B for row-major n×n A, B and C with
// OpenBLAS's own threading on threads threads, then sets OpenBLAS back to
// one thread. It is the alternative the shim's split (split.go) was chosen
// over, kept only so that BenchmarkThreading can measure what determinism
// costs; nothing else calls it. It must not run concurrently with another
// OpenBLAS call.
func threadedDgemm(threads, n int, a, b, c []float64) {
	if len(a) < n*n || len(b) < n*n || len(c) < n*n {
		panic(shortC)
	}
	C.openblas_set_num_threads(C.int(threads))
	C.cblas_dgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasNoTrans, C.int(n), C.int(n), C.int(n),
		1, (*C.double)(unsafe.Pointer(&a[0])), C.int(n), (*C.double)(unsafe.Pointer(&b[0])), C.int(n),
		0, (*C.double)(unsafe.Pointer(&c[0])), C.int(n))
	C.openblas_set_num_threads(1)
}
