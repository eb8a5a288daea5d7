package procure

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/energy"
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
	const runs = 2
	// run does what Run's time-to-quality tasks do for the MLP, without
	// the rest of a suite: runs interleaved runs of each variant.
	run := func(b *MLPBench) *Report {
		st := &state{s: Tiny(), r: &Report{}, benches: map[string]int{}, meter: energy.NewMeter(energy.DefaultRoot, energy.Model{})}
		for range runs {
			for _, v := range b.Variants {
				require.NoError(t, st.mlpTTQ(b, v))
			}
		}
		st.setEnv()
		for i := range st.r.Benchmarks {
			st.r.Benchmarks[i].summarize()
		}
		return st.r
	}
	r := run(tinyMLP(dir))
	for _, v := range []string{"dln", "cdln"} {
		b, ok := r.Lookup("time-to-quality/mlp=synthetic/method=" + v + "/acc=0.9")
		require.True(t, ok, v)
		require.Empty(t, b.Absent, v)
		require.Len(t, b.Samples, runs, v)
		require.Len(t, b.CPUSamples, runs, v)
		require.NotNil(t, b.LoadAverage, v)
		for _, name := range []string{"energy/mlp=synthetic/method=" + v, "memory/peak-rss/mlp=synthetic/method=" + v} {
			e, ok := r.Lookup(name)
			require.True(t, ok, name)
			require.Len(t, e.Samples, runs, name)
		}
	}

	none := filepath.Join(dir, "none")
	r = run(tinyMLP(none))
	for _, name := range []string{"time-to-quality/mlp=synthetic/method=cdln/acc=0.9", "energy/mlp=synthetic/method=cdln", "memory/peak-rss/mlp=synthetic/method=dln"} {
		b, ok := r.Lookup(name)
		require.True(t, ok, name)
		require.Empty(t, b.Samples, name)
		require.Nil(t, b.Median, "%s: absent is null", name)
		require.Contains(t, b.Absent, "data set is not readable in "+none, name)
	}

	b := tinyMLP(dir)
	b.Accuracy = 1.01
	b.Train.Epochs = 1
	r = run(b)
	tb, _ := r.Lookup("time-to-quality/mlp=synthetic/method=dln/acc=1.01")
	require.Contains(t, tb.Absent, "did not reach test accuracy 1.01 in 25 steps (best ")
}

// TestTasksWithMLP: a suite with an MLP has its runs among the
// time-to-quality tasks, interleaved with the presets', and no absent
// placeholder; without one, the placeholder is the last task.
func TestTasksWithMLP(t *testing.T) {
	s := Tiny()
	s.MLP = tinyMLP(t.TempDir())
	var names []string
	for _, task := range (&state{s: s}).tasks() {
		names = append(names, task.name)
	}
	all := strings.Join(names, "\n")
	require.Contains(t, all, "time to quality quick/mf method=compressed run 1 of 2\ntime to quality mlp=synthetic method=dln run 1 of 2\ntime to quality mlp=synthetic method=cdln run 1 of 2\ntime to quality quick/mf method=original run 2 of 2")
	require.NotContains(t, all, "\nmlp")
	s.MLP = nil
	ts := (&state{s: s}).tasks()
	require.Equal(t, "mlp", ts[len(ts)-1].name)
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
