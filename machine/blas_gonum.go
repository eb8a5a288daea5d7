//go:build !openblas

package machine

// BLASBackend names the BLAS implementation this binary uses: "gonum", the
// pure-Go implementation of gonum.org/v1/gonum/blas/gonum.
//
// It is the only place the name is written down. A file built under the
// openblas build tag (go build -tags openblas) will define it as "openblas"
// instead; this file is excluded by that tag.
const BLASBackend = "gonum"
