// Package randmat draws random matrices: iid Gaussian entries and
// Haar-distributed orthogonal matrices (square or rectangular). All draws
// come from a caller-supplied *rand.Rand in a documented order, so a seed
// gives bit-identical matrices.
package randmat

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
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

// Orthogonal sets dst to eps times a Haar-distributed orthogonal matrix. For
// a rectangular r x c dst it takes the first r rows (r < c) or the first c
// columns (r > c) of a Haar k x k orthogonal matrix, k = max(r, c), so that
// dst dst^T = eps^2 I (r <= c) or dst^T dst = eps^2 I (r >= c). The orthogonal
// matrix is the Q of the QR factorization of a k x k standard Gaussian matrix
// (drawn with Gaussian) with the signs of its columns fixed so that
// diag(R) > 0 (Mezzadri 2007). Orthogonal allocates O(k^2).
func Orthogonal(dst *mat.Dense, eps float64, rng *rand.Rand) {
	r, c := dst.Dims()
	k := max(r, c)
	g := mat.NewDense(k, k, nil)
	Gaussian(g, 1, rng)
	var qr mat.QR
	qr.Factorize(g)
	var q, rr mat.Dense
	qr.QTo(&q)
	qr.RTo(&rr)
	for j := 0; j < k; j++ {
		if rr.At(j, j) < 0 {
			for i := 0; i < k; i++ {
				q.Set(i, j, -q.At(i, j))
			}
		}
	}
	dst.Scale(eps, q.Slice(0, r, 0, c))
}
