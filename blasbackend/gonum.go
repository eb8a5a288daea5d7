//go:build !openblas

package blasbackend

// Detail describes the BLAS implementation in use beyond its name
// (machine.BLASBackend): here gonum's pure-Go implementation.
func Detail() string { return "pure Go, gonum.org/v1/gonum/blas/gonum" }
