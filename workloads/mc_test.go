package workloads_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

func TestSampleMaskCount(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rows, cols int
		p          float64
		ones       int // floor(p*rows*cols), derived in the name
	}{
		{"10x10 p=0.3: 30", 10, 10, 0.3, 30},
		{"7x9 p=0.5: floor(31.5)=31", 7, 9, 0.5, 31},
		{"5x5 p=1: all 25", 5, 5, 1, 25},
		{"3x4 p=0.1: floor(1.2)=1", 3, 4, 0.1, 1},
		{"13x11 p=0.37: floor(52.91)=52", 13, 11, 0.37, 52},
		{"1x1 p=1: 1", 1, 1, 1, 1},
		{"100x100 p=0.3: 3000", 100, 100, 0.3, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mask, err := workloads.SampleMask(tc.rows, tc.cols, tc.p, newRNG(3))
			require.NoError(t, err)
			r, c := mask.Dims()
			require.Equal(t, [2]int{tc.rows, tc.cols}, [2]int{r, c})
			ones := 0
			for i := 0; i < r; i++ {
				for j := 0; j < c; j++ {
					switch v := mask.At(i, j); v {
					case 1:
						ones++
					case 0:
					default:
						t.Fatalf("entry (%d, %d) = %v, want 0 or 1", i, j, v)
					}
				}
			}
			require.Equal(t, tc.ones, ones)
		})
	}
}

func TestSampleMaskSeed(t *testing.T) {
	const rows, cols, p = 20, 15, 0.4
	a, err := workloads.SampleMask(rows, cols, p, newRNG(11))
	require.NoError(t, err)
	b, err := workloads.SampleMask(rows, cols, p, newRNG(11))
	require.NoError(t, err)
	require.Equal(t, a.RawMatrix().Data, b.RawMatrix().Data, "same seed, same mask")
	c, err := workloads.SampleMask(rows, cols, p, newRNG(12))
	require.NoError(t, err)
	// Two independent masks of 120 of 300 entries coincide with
	// probability 1/C(300,120), i.e. never.
	require.NotEqual(t, a.RawMatrix().Data, c.RawMatrix().Data, "another seed, another mask")
}

// TestSampleMaskUniform: each of the 16 entries of a 4 x 4 mask with p = 1/2
// (8 ones) is observed with probability exactly 1/2 when the positions are
// uniform without replacement. Over n = 4000 masks the observed frequency of
// one entry has sd sqrt(0.25/n) = 0.0079; 6 sd = 0.047 bounds all 16 entries
// together with probability > 1 - 16*2e-9. A shuffle that never leaves an
// index in place (j drawn from i+1..n-1) or draws from a truncated range
// moves some frequency far outside that.
func TestSampleMaskUniform(t *testing.T) {
	const n, rows, cols = 4000, 4, 4
	rng := newRNG(13)
	var freq [rows * cols]float64
	for k := 0; k < n; k++ {
		mask, err := workloads.SampleMask(rows, cols, 0.5, rng)
		require.NoError(t, err)
		for i, v := range mask.RawMatrix().Data {
			freq[i] += v / n
		}
	}
	tol := 6 * math.Sqrt(0.25/n)
	for i, f := range freq {
		requireClose(t, fmt.Sprintf("frequency of entry %d", i), f, 0.5, tol, 0)
	}
}

func TestSampleMaskErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rows, cols int
		p          float64
	}{
		{"p=0", 5, 5, 0},
		{"p<0", 5, 5, -0.1},
		{"p>1", 5, 5, 1.5},
		{"p=NaN", 5, 5, math.NaN()},
		{"p=+Inf", 5, 5, math.Inf(1)},
		{"p too small: 0.1*9 = 0.9 observes none", 3, 3, 0.1},
		{"p too small: 1e-5*100", 10, 10, 1e-5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mask, err := workloads.SampleMask(tc.rows, tc.cols, tc.p, newRNG(1))
			require.Error(t, err)
			require.Nil(t, mask)
		})
	}
}

// Hand-made MC instance (2 x 3):
//
//	Phi  = [1 2 3; 4 5 6]
//	mask = [1 0 1; 0 1 1]   |O| = 4, |O^c| = 2, p = 4/6 = 2/3
//	W    = [2 7 3; 4 3 9]
//	W - Phi        = [1 5 0; 0 -2 3]
//	P_O(W - Phi)   = [1 0 0; 0 -2 3]     ss = 1 + 4 + 9 = 14
//	train loss     = 14 / (2*4) = 1.75
//	gradient       = P_O(W - Phi)/4 = [0.25 0 0; 0 -0.5 0.75]
//	P_O^c(W - Phi) = [0 5 0; 0 0 0]      ss = 25
//	test loss      = 25 / (2*2) = 6.25
//	surrogate      = P_O(Phi)/p = [1 0 3; 0 5 6] * 3/2 = [1.5 0 4.5; 0 7.5 9]
func mcHandMade() (phi, mask, w *mat.Dense) {
	phi = mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	mask = mat.NewDense(2, 3, []float64{1, 0, 1, 0, 1, 1})
	w = mat.NewDense(2, 3, []float64{2, 7, 3, 4, 3, 9})
	return phi, mask, w
}

func TestMCClosedForm(t *testing.T) {
	phi, mask, w := mcHandMade()
	work, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	require.Equal(t, "mc", work.Name())
	require.Equal(t, 4, work.Observed())
	require.Same(t, phi, work.Target())
	require.Same(t, mask, work.Mask())

	requireClose(t, "train loss", work.Loss(w), 1.75, 0, handTol)
	dst := nanDense(2, 3)
	f := work.Gradient(dst, w)
	requireClose(t, "Gradient's loss", f, 1.75, 0, handTol)
	requireMatClose(t, "gradient", dst, mat.NewDense(2, 3, []float64{0.25, 0, 0, 0, -0.5, 0.75}), 0, handTol)
	require.Equal(t, work.Loss(w), work.Gradient(nil, w))
	require.Equal(t, work.Loss(w), f)

	tl, ok := work.TestLoss(w)
	require.True(t, ok)
	requireClose(t, "test loss", tl, 6.25, 0, handTol)

	requireMatClose(t, "surrogate", work.Surrogate(), mat.NewDense(2, 3, []float64{1.5, 0, 4.5, 0, 7.5, 9}), 0, handTol)

	phi0, mask0, w0 := mcHandMade()
	require.Equal(t, phi0.RawMatrix().Data, phi.RawMatrix().Data, "target unchanged")
	require.Equal(t, mask0.RawMatrix().Data, mask.RawMatrix().Data, "mask unchanged")
	require.Equal(t, w0.RawMatrix().Data, w.RawMatrix().Data, "W unchanged")
}

// TestMCObservedOnly: the training loss and gradient see only the observed
// entries, the test loss only the unobserved ones.
func TestMCObservedOnly(t *testing.T) {
	const rows, cols = 6, 5
	rng := newRNG(4)
	phi := gaussian(rows, cols, rng)
	mask, err := workloads.SampleMask(rows, cols, 0.5, rng)
	require.NoError(t, err)
	work, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	w := gaussian(rows, cols, rng)
	loss0 := work.Loss(w)
	test0, ok := work.TestLoss(w)
	require.True(t, ok)
	g0 := nanDense(rows, cols)
	work.Gradient(g0, w)

	var obs, unobs [2]int
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if mask.At(i, j) == 1 {
				obs = [2]int{i, j}
				require.NotZero(t, g0.At(i, j), "gradient at observed (%d, %d)", i, j)
			} else {
				unobs = [2]int{i, j}
				require.Zero(t, g0.At(i, j), "gradient at unobserved (%d, %d)", i, j)
			}
		}
	}

	for _, tc := range []struct {
		name                  string
		at                    [2]int
		trainMoves, testMoves bool
	}{
		{"unobserved entry", unobs, false, true},
		{"observed entry", obs, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w2 := mat.DenseCopyOf(w)
			w2.Set(tc.at[0], tc.at[1], w.At(tc.at[0], tc.at[1])+10)
			test2, _ := work.TestLoss(w2)
			if tc.trainMoves {
				require.NotEqual(t, loss0, work.Loss(w2))
			} else {
				// The changed entry is multiplied by 0: bit-identical.
				require.Equal(t, loss0, work.Loss(w2))
			}
			if tc.testMoves {
				require.NotEqual(t, test0, test2)
			} else {
				require.Equal(t, test0, test2)
			}
		})
	}
}

// TestMCRandom compares loss, gradient, test loss and surrogate with
// explicit loops on a random instance.
func TestMCRandom(t *testing.T) {
	const rows, cols = 9, 7
	rng := newRNG(5)
	phi, w := gaussian(rows, cols, rng), gaussian(rows, cols, rng)
	mask, err := workloads.SampleMask(rows, cols, 0.3, rng)
	require.NoError(t, err)
	work, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	const nObs = 18 // floor(0.3 * 63) = floor(18.9)
	require.Equal(t, nObs, work.Observed())
	p := float64(nObs) / (rows * cols)

	grad, sur := mat.NewDense(rows, cols, nil), mat.NewDense(rows, cols, nil)
	var ssO, ssU float64
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			e := w.At(i, j) - phi.At(i, j)
			if mask.At(i, j) == 1 {
				ssO += e * e
				grad.Set(i, j, e/float64(nObs))
				sur.Set(i, j, phi.At(i, j)/p)
			} else {
				ssU += e * e
			}
		}
	}
	// Sums of at most 63 positive squares in two orders: 2 gamma_63
	// relative, plus a few u for the normalisation.
	sumTol := 2*gamma(rows*cols) + 4*unitRoundoff
	requireClose(t, "train loss", work.Loss(w), ssO/(2*float64(nObs)), 0, sumTol)
	tl, ok := work.TestLoss(w)
	require.True(t, ok)
	requireClose(t, "test loss normalised by |O^c| = 45", tl, ssU/(2*float64(rows*cols-nObs)), 0, sumTol)
	dst := nanDense(rows, cols)
	work.Gradient(dst, w)
	// Entrywise one difference, one product and one scale: 4u.
	requireMatClose(t, "gradient", dst, grad, 0, 4*unitRoundoff)
	requireMatClose(t, "surrogate P_O(Phi)/p", work.Surrogate(), sur, 0, 4*unitRoundoff)
}

func TestMCFullyObserved(t *testing.T) {
	phi := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	mask, err := workloads.SampleMask(2, 2, 1, newRNG(1))
	require.NoError(t, err)
	work, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	require.Equal(t, 4, work.Observed())
	tl, ok := work.TestLoss(mat.NewDense(2, 2, []float64{0, 0, 0, 9}))
	require.False(t, ok, "p = 1 has no held-out entry")
	require.Zero(t, tl)
	// p = 1: the surrogate is Phi itself.
	requireMatClose(t, "surrogate", work.Surrogate(), phi, 0, handTol)
}

func TestNewMCErrors(t *testing.T) {
	phi := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	for _, tc := range []struct {
		name     string
		mask     *mat.Dense
		contains string
	}{
		{"shape 3x2", mat.NewDense(3, 2, []float64{1, 1, 1, 1, 1, 1}), "3 x 2"},
		{"shape 2x2", mat.NewDense(2, 2, []float64{1, 1, 1, 1}), "2 x 2"},
		{"0.5 at (1, 2)", mat.NewDense(2, 3, []float64{1, 0, 1, 0, 1, 0.5}), "(1, 2)"},
		{"NaN at (0, 1)", mat.NewDense(2, 3, []float64{1, math.NaN(), 1, 0, 1, 1}), "(0, 1)"},
		{"2 at (1, 0), first of two", mat.NewDense(2, 3, []float64{1, 0, 1, 2, -1, 1}), "(1, 0)"},
		{"all zero", mat.NewDense(2, 3, nil), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work, err := workloads.NewMC(phi, tc.mask)
			require.Error(t, err)
			require.Nil(t, work)
			require.Contains(t, err.Error(), tc.contains, "the error names the shape or the bad entry")
		})
	}
}

func TestMCShapePanics(t *testing.T) {
	phi, mask, _ := mcHandMade()
	work, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	requireShapePanic(t, "Loss", func() { work.Loss(mat.NewDense(3, 2, nil)) })
	requireShapePanic(t, "TestLoss", func() { work.TestLoss(mat.NewDense(2, 2, nil)) })
	requireShapePanic(t, "Gradient dst", func() { work.Gradient(mat.NewDense(3, 2, nil), mat.NewDense(2, 3, nil)) })
}

// TestMCHeldOut: a target known only on O and the held-out entries H.
// With mcHandMade's mask, H = {(0, 1)} and the unknown (1, 0) set to 1000
// (never read):
//
//	P_H(W - Phi) = [0 5 0; 0 0 0]   ss = 25, ||P_H(Phi)||^2 = 4
//	test loss      = 25 / (2*1) = 12.5
//	recovery error = sqrt(25/4) = 2.5
//
// The training loss, gradient and surrogate are those of NewMC.
func TestMCHeldOut(t *testing.T) {
	phi, mask, w := mcHandMade()
	phi.Set(1, 0, 1000)
	held := mat.NewDense(2, 3, []float64{0, 1, 0, 0, 0, 0})
	work, err := workloads.NewMCHeldOut(phi, mask, held)
	require.NoError(t, err)
	h, n := work.HeldOut()
	require.Same(t, held, h)
	require.Equal(t, 1, n)
	require.Equal(t, 4, work.Observed())

	requireClose(t, "train loss", work.Loss(w), 1.75, 0, handTol)
	tl, ok := work.TestLoss(w)
	require.True(t, ok)
	requireClose(t, "test loss on H", tl, 12.5, 0, handTol)
	requireClose(t, "recovery error on H", work.RecoveryError(w), 2.5, 0, handTol)
	requireClose(t, "Recovery dispatches to the workload's", workloads.Recovery(work, w), 2.5, 0, handTol)
	requireMatClose(t, "surrogate", work.Surrogate(), mat.NewDense(2, 3, []float64{1.5, 0, 4.5, 0, 7.5, 9}), 0, handTol)
	require.Equal(t, int64(8*4*6+8*3+12*4), work.Bytes(), "target, mask, surrogate, held-out mask, CSR")

	// Without held-out entries, the MC's own recovery error is the
	// standard one against the whole target.
	plain, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	require.Equal(t, workloads.RecoveryError(w, phi), workloads.Recovery(plain, w))
	hp, np := plain.HeldOut()
	require.Nil(t, hp)
	require.Zero(t, np)
}

func TestNewMCHeldOutErrors(t *testing.T) {
	phi := mat.NewDense(2, 3, []float64{1, 0, 3, 4, 5, 6})
	mask := mat.NewDense(2, 3, []float64{1, 0, 1, 0, 0, 0})
	for _, tc := range []struct {
		name     string
		held     *mat.Dense
		contains string
	}{
		{"shape 3x2", mat.NewDense(3, 2, []float64{0, 0, 0, 0, 0, 1}), "held-out mask is 3 x 2"},
		{"0.5 at (1, 2)", mat.NewDense(2, 3, []float64{0, 0, 0, 1, 0, 0.5}), "held-out mask entry (1, 2) is 0.5"},
		{"overlaps O at (0, 2)", mat.NewDense(2, 3, []float64{0, 0, 1, 1, 0, 0}), "entry (0, 2) is both observed and held out"},
		{"empty", mat.NewDense(2, 3, nil), "held-out mask holds no entry"},
		{"target zero on H", mat.NewDense(2, 3, []float64{0, 1, 0, 0, 0, 0}), "squared norm 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work, err := workloads.NewMCHeldOut(phi, mask, tc.held)
			require.Error(t, err)
			require.Nil(t, work)
			require.Contains(t, err.Error(), tc.contains)
		})
	}
	_, err := workloads.NewMCHeldOut(phi, mat.NewDense(2, 3, nil), mat.NewDense(2, 3, []float64{0, 0, 0, 1, 0, 0}))
	require.ErrorContains(t, err, "mask observes no entry", "the training mask is checked as by NewMC")
}
