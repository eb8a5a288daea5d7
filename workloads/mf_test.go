package workloads_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// Hand-made MF instance (2 x 3, n = 6 entries):
//
//	Phi     = [1 2 3; 4 5 6]
//	W       = [1 0 3; 4 5 8]
//	W - Phi = [0 -2 0; 0 0 2],  ||W - Phi||_F^2 = 4 + 4 = 8.
//
// mean: f = 8 / (2*6) = 2/3,  G = (W - Phi)/6 = [0 -1/3 0; 0 0 1/3]
// sum:  f = 8 / 2 = 4,        G = W - Phi     = [0 -2 0; 0 0 2]
func mfHandMade() (phi, w *mat.Dense) {
	phi = mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	w = mat.NewDense(2, 3, []float64{1, 0, 3, 4, 5, 8})
	return phi, w
}

func TestMFClosedForm(t *testing.T) {
	for _, tc := range []struct {
		name     string
		red      workloads.Reduction
		loss     float64
		grad     []float64
		scale    float64
		wantName string
	}{
		{"mean", workloads.Mean, 2.0 / 3, []float64{0, -1.0 / 3, 0, 0, 0, 1.0 / 3}, 1.0 / 6, "mf"},
		{"sum", workloads.Sum, 4, []float64{0, -2, 0, 0, 0, 2}, 1, "mf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			phi, w := mfHandMade()
			work, err := workloads.NewMF(phi, tc.red)
			require.NoError(t, err)
			require.Equal(t, tc.wantName, work.Name())
			require.Equal(t, tc.red, work.Reduction())
			requireClose(t, "Scale", work.Scale(), tc.scale, 0, handTol)
			r, c := work.Dims()
			require.Equal(t, [2]int{2, 3}, [2]int{r, c})
			require.Same(t, phi, work.Target())
			require.Same(t, phi, work.Surrogate(), "MF's surrogate is Phi itself")

			requireClose(t, "Loss", work.Loss(w), tc.loss, 0, handTol)

			dst := nanDense(2, 3)
			f := work.Gradient(dst, w)
			requireClose(t, "Gradient's loss", f, tc.loss, 0, handTol)
			// Zero entries of G are exactly zero (c * 0); the others are
			// within handTol of the hand values.
			requireMatClose(t, "Gradient", dst, mat.NewDense(2, 3, tc.grad), 0, handTol)

			// One code path: Loss, Gradient(nil) and Gradient(dst) agree
			// bit for bit.
			require.Equal(t, work.Loss(w), work.Gradient(nil, w))
			require.Equal(t, work.Loss(w), f)

			// Inputs are not modified.
			phi0, w0 := mfHandMade()
			require.Equal(t, phi0.RawMatrix().Data, phi.RawMatrix().Data)
			require.Equal(t, w0.RawMatrix().Data, w.RawMatrix().Data)
		})
	}
}

// TestMFRandom compares the loss and gradient with the formula computed by
// an explicit loop on a random rectangular instance.
func TestMFRandom(t *testing.T) {
	const rows, cols = 7, 5
	rng := newRNG(1)
	phi, w := gaussian(rows, cols, rng), gaussian(rows, cols, rng)
	for _, tc := range []struct {
		red workloads.Reduction
		c   float64
	}{{workloads.Mean, 1.0 / (rows * cols)}, {workloads.Sum, 1}} {
		t.Run(string(tc.red), func(t *testing.T) {
			work, err := workloads.NewMF(phi, tc.red)
			require.NoError(t, err)
			want := mat.NewDense(rows, cols, nil)
			var ss float64
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					e := w.At(i, j) - phi.At(i, j)
					ss += e * e
					want.Set(i, j, tc.c*e)
				}
			}
			dst := nanDense(rows, cols)
			f := work.Gradient(dst, w)
			// The sum of n = 35 squares computed in two orders differs by
			// at most 2 gamma_n sum e^2 (all terms are positive, so that is
			// relative to the sum); the scale and the halving add a few u.
			tol := 2*gamma(rows*cols) + 4*unitRoundoff
			requireClose(t, "loss", f, tc.c*ss/2, 0, tol)
			// Each gradient entry is one difference and one product: 2u.
			requireMatClose(t, "gradient", dst, want, 0, 4*unitRoundoff)
		})
	}
}

// TestMFView: a W that is a view into a larger matrix (stride != cols)
// gives the same loss as its contiguous copy.
func TestMFView(t *testing.T) {
	rng := newRNG(2)
	phi := gaussian(4, 3, rng)
	big := gaussian(6, 7, rng)
	view := big.Slice(1, 5, 2, 5).(*mat.Dense)
	work, err := workloads.NewMF(phi, workloads.Sum)
	require.NoError(t, err)
	require.Equal(t, work.Loss(mat.DenseCopyOf(view)), work.Loss(view))
}

func TestMFErrors(t *testing.T) {
	phi, _ := mfHandMade()
	for _, red := range []workloads.Reduction{"median", "Mean", "l1"} {
		t.Run(string(red), func(t *testing.T) {
			work, err := workloads.NewMF(phi, red)
			require.Error(t, err)
			require.Nil(t, work)
			require.Contains(t, err.Error(), string(red), "the error names the bad reduction")
		})
	}
}

func TestMFShapePanics(t *testing.T) {
	phi, _ := mfHandMade()
	work, err := workloads.NewMF(phi, workloads.Mean)
	require.NoError(t, err)
	requireShapePanic(t, "Loss 3x2", func() { work.Loss(mat.NewDense(3, 2, nil)) })
	requireShapePanic(t, "Gradient dst 2x2", func() { work.Gradient(mat.NewDense(2, 2, nil), mat.NewDense(2, 3, nil)) })
	requireShapePanic(t, "Gradient x 2x2", func() { work.Gradient(mat.NewDense(2, 3, nil), mat.NewDense(2, 2, nil)) })
}
