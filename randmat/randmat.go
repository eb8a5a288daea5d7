// Package randmat draws random matrices: iid Gaussian entries and
// Haar-distributed orthogonal matrices (square or rectangular). All draws
// come from a caller-supplied *rand.Rand in a documented order, so a seed
// gives bit-identical matrices.
package randmat

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/orth"
)

// Gaussian sets every entry of dst to an independent N(0, std^2) draw, in
// row-major order. It allocates nothing.
func Gaussian(dst *mat.Dense, std float64, rng *rand.Rand) {
	raw := dst.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j := range row {
			row[j] = std * rng.NormFloat64()
		}
	}
}

// Orthogonal sets dst to eps times a Haar-distributed orthogonal matrix: for
// a square dst, Haar on the orthogonal group; for a rectangular r x c one,
// Haar on the matrices with orthonormal rows (r < c) or columns (r > c), so
// that dst dst^T = eps^2 I (r <= c) or dst^T dst = eps^2 I (r >= c). It is
// the Q of the thin QR factorization of a max(r,c) x min(r,c) standard
// Gaussian matrix (drawn with Gaussian), with the signs of its columns fixed
// so that diag(R) > 0 (Mezzadri 2007), transposed when r < c: the
// distribution of the first min(r,c) columns of a square Haar matrix, at
// O(max(r,c) min(r,c)^2) cost instead of max(r,c)^3.
func Orthogonal(dst *mat.Dense, eps float64, rng *rand.Rand) {
	r, c := dst.Dims()
	tall, short := max(r, c), min(r, c)
	g := mat.NewDense(tall, short, nil)
	Gaussian(g, 1, rng)
	orth.Q(g, true)
	if r >= c {
		dst.Scale(eps, g)
	} else {
		dst.Scale(eps, g.T())
	}
}
