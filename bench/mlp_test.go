package bench

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/internal/testenv"
)

// TestMLPQuickDeterministic trains the MLP case twice (Case.Exact) and
// gets the same test accuracy and loss, bit for bit, on the backend of
// this build (make test runs it under gonum and under OpenBLAS): the gate
// can hold them to RelTolAccuracy. Its flops are the 80 steps' (2 epochs
// of 2000 images in batches of 50) and its parameter bytes the model's;
// the accuracy is far above chance (0.1).
func TestMLPQuickDeterministic(t *testing.T) {
	if _, err := idx.MNISTDir(); err != nil {
		testenv.Unavailable(t, err.Error())
	}
	cs := MLPCases(Options{})
	require.Len(t, cs, 1)
	c := cs[0]
	require.Equal(t, "MLP/method=cdln/data=mnist12/n=2000/epochs=2/h=32/L=3", c.Name)
	require.True(t, c.HasTags([]string{"mlp", TagGate}))
	a, err := c.Exact()
	require.NoError(t, err)
	b, err := c.Exact()
	require.NoError(t, err)
	require.Equal(t, a, b)
	m := MLPQuick.Model.WithDefaults()
	steps := MLPQuick.Train.Epochs * MLPTrainRows / MLPQuick.Train.Batch
	require.Equal(t, 80, steps)
	require.Equal(t, float64(uint64(steps)*m.StepFlops(MLPQuick.Train.Batch, true)), a[UnitFlops])
	require.Equal(t, float64(8*m.Params()), a[UnitParams])
	require.Greater(t, a[UnitTestAcc], 0.5)
	require.LessOrEqual(t, a[UnitTestAcc], 1.0)
	t.Logf("test-acc %v test-loss %v", a[UnitTestAcc], a[UnitTestLoss])
}

// TestShrinkMNIST: a 2-pixel border is dropped and 2 x 2 blocks are
// averaged, rounded half up.
func TestShrinkMNIST(t *testing.T) {
	img := make([]byte, 2*28*28)
	// Image 0: the border is 255 (dropped); block (0, 0) at pixels
	// (2..3, 2..3) holds 1, 2, 3, 4 (mean 2.5: 3); block (11, 11) at
	// (24..25, 24..25) 255 each.
	for i := range 28 * 28 {
		y, x := i/28, i%28
		if y < 2 || y >= 26 || x < 2 || x >= 26 {
			img[i] = 255
		}
	}
	img[2*28+2], img[2*28+3], img[3*28+2], img[3*28+3] = 1, 2, 3, 4
	img[24*28+24], img[24*28+25], img[25*28+24], img[25*28+25] = 255, 255, 255, 255
	// Image 1: every pixel 7.
	for i := 28 * 28; i < 2*28*28; i++ {
		img[i] = 7
	}
	out := shrinkMNIST(img)
	require.Len(t, out, 2*mlpSide*mlpSide)
	require.Equal(t, 12, mlpSide)
	require.Equal(t, byte(3), out[0])
	require.Equal(t, byte(255), out[mlpSide*mlpSide-1])
	zeros := 0
	for _, p := range out[1 : mlpSide*mlpSide-1] {
		if p == 0 {
			zeros++
		}
	}
	require.Equal(t, mlpSide*mlpSide-2, zeros, "the border is left out")
	for _, p := range out[mlpSide*mlpSide:] {
		require.Equal(t, byte(7), p)
	}
}
