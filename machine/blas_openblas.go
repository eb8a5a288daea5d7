//go:build openblas

package machine

// The blank import registers OpenBLAS as gonum's blas64 implementation (in
// blasbackend's init). It sits here, in the file that names the backend,
// because every lowdim binary reports machine facts and so imports this
// package: whatever a binary built with -tags openblas calls itself, it
// also runs. A package that calls blas64 without importing machine (dln's
// own tests, say) keeps gonum's implementation unless it imports
// blasbackend itself.
import _ "github.com/lowdim/lowdim/blasbackend"

// BLASBackend names the BLAS implementation this binary uses: "openblas",
// OpenBLAS through cgo (package blasbackend), selected by the openblas build
// tag. blas_gonum.go holds the default; exactly one of the two is built.
const BLASBackend = "openblas"
