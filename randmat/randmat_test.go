package randmat

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// TestOrthogonalThin: a tall 20000 x 5 draw has orthonormal columns (up to
// QR rounding, a few ulps times the height: 1e-12) and costs O(d r) memory,
// not the d x d of a square Haar matrix (3.2 GB here): under 16 MB.
func TestOrthogonalThin(t *testing.T) {
	const d, r = 20000, 5
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w := mat.NewDense(d, r, nil)
	Orthogonal(w, 2, rand.New(rand.NewPCG(1, 1)))
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20))
	var g mat.Dense
	g.Mul(w.T(), w)
	for i := 0; i < r; i++ {
		for j := 0; j < r; j++ {
			want := 0.0
			if i == j {
				want = 4
			}
			require.InDelta(t, want, g.At(i, j), 1e-12)
		}
	}
}

// TestOrthogonalDeterministic: one seed, one matrix; wide draws are the
// transposes of tall ones from the same stream.
func TestOrthogonalDeterministic(t *testing.T) {
	a := mat.NewDense(3, 7, nil)
	b := mat.NewDense(7, 3, nil)
	Orthogonal(a, 1, rand.New(rand.NewPCG(4, 4)))
	Orthogonal(b, 1, rand.New(rand.NewPCG(4, 4)))
	require.True(t, mat.Equal(a, b.T()))
}
