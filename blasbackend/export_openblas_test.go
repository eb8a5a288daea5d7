//go:build openblas

package blasbackend

// ThreadedDgemm exposes threadedDgemm to BenchmarkThreading.
var ThreadedDgemm = threadedDgemm
