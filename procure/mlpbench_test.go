package procure

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/mlp"
)

// tinyMLP is an MLP benchmark on a synthetic data set in dir (written by
// idx.WriteDir): 4 classes of 8 x 8 images, learnt within a few hundred
// steps.
func tinyMLP(dir string) *MLPBench {
	return &MLPBench{Dataset: "synthetic", Dir: dir, Variants: []mlp.Variant{mlp.DLN, mlp.CDLN},
		Model:    mlp.Config{Classes: 4, Hidden1: 16, Hidden2: 8, Depth: 3, RHat: 4, Eps: 1, Alpha: 2, Seed: 1},
		Train:    mlp.TrainConfig{Batch: 16, Eta: 0.02, Momentum: 0.9, Epochs: 20, Seed: 1},
		Accuracy: 0.9, EvalEvery: 5}
}

// TestMLPTimeToQuality: the MLP benchmark trains each variant to the
// accuracy and records the seconds to it with their CPU time, its energy
// and peak RSS; a missing data set makes all three absent, naming the
// folder; an accuracy out of reach makes them absent, saying the best.
func TestMLPTimeToQuality(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, idx.WriteDir(dir, idx.Synthetic(4, 8, 400, 200, 40, 1), true))
	s := Tiny()
	s.MLP = tinyMLP(dir)
	s.CalibrationRuns, s.StepSizes, s.InferSizes, s.TTQPresets = 1, nil, nil, nil
	start := time.Now()
	r, err := Run(s, Options{})
	require.NoError(t, err)
	t.Logf("%s", time.Since(start))
	for _, v := range []string{"dln", "cdln"} {
		b, ok := r.Lookup("time-to-quality/mlp=synthetic/method=" + v + "/acc=0.9")
		require.True(t, ok, v)
		require.Empty(t, b.Absent, v)
		require.Len(t, b.Samples, s.TTQRuns, v)
		require.Len(t, b.CPUSamples, s.TTQRuns, v)
		for _, name := range []string{"energy/mlp=synthetic/method=" + v, "memory/peak-rss/mlp=synthetic/method=" + v} {
			e, ok := r.Lookup(name)
			require.True(t, ok, name)
			require.Len(t, e.Samples, s.TTQRuns, name)
		}
	}
	_, ok := r.Lookup("time-to-quality/mlp=fashion-mnist/method=cdln/acc=0.85")
	require.False(t, ok, "a suite with an MLP does not record the absent placeholder")

	s.MLP = tinyMLP(filepath.Join(dir, "none"))
	start = time.Now()
	r, err = Run(s, Options{Progress: tlog{t}})
	t.Logf("%s", time.Since(start))
	require.NoError(t, err)
	for _, name := range []string{"time-to-quality/mlp=synthetic/method=cdln/acc=0.9", "energy/mlp=synthetic/method=cdln", "memory/peak-rss/mlp=synthetic/method=dln"} {
		b, ok := r.Lookup(name)
		require.True(t, ok, name)
		require.Empty(t, b.Samples, name)
		require.Contains(t, b.Absent, "data set is not readable in "+filepath.Join(dir, "none"), name)
	}

	s.MLP = tinyMLP(dir)
	s.MLP.Accuracy = 1.01
	s.MLP.Train.Epochs = 1
	r, err = Run(s, Options{})
	require.NoError(t, err)
	b, _ := r.Lookup("time-to-quality/mlp=synthetic/method=dln/acc=1.01")
	require.Contains(t, b.Absent, "did not reach test accuracy 1.01 in 25 steps (best ")
}

// TestFashionMLPPinned: the standard suite's MLP is the literal
// configuration of FashionMLP (not a preset's, which may change), in
// both variants of the suite.
func TestFashionMLPPinned(t *testing.T) {
	for _, quick := range []bool{true, false} {
		s := Standard(quick)
		require.NotNil(t, s.MLP)
		require.Equal(t, FashionMLP, *s.MLP)
	}
	require.Equal(t, mlp.Config{Inputs: 784, Classes: 10, Hidden1: 128, Hidden2: 64, Depth: 3, RHat: 16, Eps: 1, Alpha: 2, Seed: 1}, FashionMLP.Model)
	require.Equal(t, mlp.TrainConfig{Batch: 64, Eta: 0.02, Momentum: 0.9, Schedule: mlp.ScheduleConstant, Epochs: 3, Seed: 1}, FashionMLP.Train)
	require.Equal(t, 0.85, FashionMLP.Accuracy)
	require.Equal(t, 100, FashionMLP.EvalEvery)
	require.Equal(t, idx.FashionMNISTDir, FashionMLP.Dir)
}

type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }
