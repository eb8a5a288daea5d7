package mlp

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/internal/testenv"
)

// synthetic returns the train and test splits of idx.Synthetic: 4 classes
// of 6 x 6 images, noise amplitude 80 around random templates.
func synthetic() (train, test *Data) {
	s := idx.Synthetic(4, 6, 240, 120, 80, 5)
	return FromSplit(&s.Train, s.Classes), FromSplit(&s.Test, s.Classes)
}

func smallConfig(v Variant) Config {
	return Config{Variant: v, Inputs: 36, Classes: 4, Hidden1: 16, Hidden2: 8, RHat: 4, Alpha: 2, Seed: 9}
}

func train(t *testing.T, cfg Config, trainD, testD *Data, tc TrainConfig) (*Model, *Trainer, *Result) {
	t.Helper()
	m, err := New(cfg, 128)
	require.NoError(t, err)
	tr, err := NewTrainer(m, trainD, testD, tc)
	require.NoError(t, err)
	return m, tr, tr.Run(nil)
}

// TestTrainSynthetic trains every variant on the synthetic set: random
// templates under 80 grey levels of noise are easy, so every variant must
// classify at least 110 of the 120 test images after 8 epochs (seed 9 on
// amd64: 120, 118, 120; the margin absorbs other float orders).
func TestTrainSynthetic(t *testing.T) {
	trainD, testD := synthetic()
	for _, v := range Variants {
		t.Run(string(v), func(t *testing.T) {
			tc := TrainConfig{Batch: 16, Eta: 0.02, Momentum: 0.9, Epochs: 8, Every: 5, Seed: 1}
			_, _, res := train(t, smallConfig(v), trainD, testD, tc)
			require.Equal(t, StatusDone, res.Status)
			require.Equal(t, 8*240/16, res.Steps)
			final := res.Final()
			t.Logf("%s: %v of 120 correct", v, math.Round(final.TestAccuracy*120))
			require.Equal(t, 120, final.TestRows)
			require.GreaterOrEqual(t, int(math.Round(final.TestAccuracy*120)), 110, "test accuracy %v", final.TestAccuracy)
			// Checkpoints at 0 and every 5 steps up to the last (120).
			require.Len(t, res.Checkpoints, 1+120/5)
			require.Less(t, final.TrainLoss, res.Checkpoints[0].TrainLoss)
		})
	}
}

// TestTrainMNISTSubset trains on the first 3000 MNIST training images (from
// the GoMNIST module) and tests on the first 1000 test images. Each variant
// must classify at least 880 correctly after 5 epochs (seed 0 on amd64:
// original 900, dln 915, cdln 896).
func TestTrainMNISTSubset(t *testing.T) {
	dir, err := idx.MNISTDir()
	if err != nil {
		testenv.Unavailable(t, err.Error()) // says how to get MNIST
	}
	set, err := idx.LoadDir(dir)
	require.NoError(t, err)
	trainD := FromSplit(&set.Train, set.Classes).Head(3000)
	testD := FromSplit(&set.Test, set.Classes).Head(1000)
	mean, std := trainD.PixelStats()
	trainD.Standardize(mean, std)
	testD.Standardize(mean, std)
	for _, v := range Variants {
		t.Run(string(v), func(t *testing.T) {
			cfg := Config{Variant: v, Inputs: 784, Classes: 10, Hidden1: 64, Hidden2: 32, RHat: 16}
			tc := TrainConfig{Batch: 50, Eta: 0.02, Momentum: 0.9, Schedule: ScheduleCosine, Epochs: 5, Every: 1000}
			m, err := New(cfg, 500)
			require.NoError(t, err)
			tr, err := NewTrainer(m, trainD, testD, tc)
			require.NoError(t, err)
			res := tr.Run(nil)
			correct := int(math.Round(res.Final().TestAccuracy * 1000))
			t.Logf("%s: %d of 1000 correct", v, correct)
			require.GreaterOrEqual(t, correct, 880)
		})
	}
}

// TestTrainDeterministic: one seed, one result, bit for bit.
func TestTrainDeterministic(t *testing.T) {
	trainD, testD := synthetic()
	tc := TrainConfig{Batch: 16, Eta: 0.05, Epochs: 1, Every: 3, Seed: 4}
	_, _, a := train(t, smallConfig(CDLN), trainD, testD, tc)
	_, _, b := train(t, smallConfig(CDLN), trainD, testD, tc)
	for i := range a.Checkpoints {
		ca, cb := a.Checkpoints[i], b.Checkpoints[i]
		ca.Seconds, ca.CPUSeconds, cb.Seconds, cb.CPUSeconds = 0, 0, 0, 0
		require.Equal(t, ca, cb)
	}
}

// TestSameDataOrder: trainers of different variants with one seed visit
// the training rows in the same order; another seed changes it.
func TestSameDataOrder(t *testing.T) {
	trainD, testD := synthetic()
	orders := map[Variant][]int32{}
	tc := TrainConfig{Batch: 16, Epochs: 2, Seed: 4}
	for _, v := range Variants {
		_, tr, _ := train(t, smallConfig(v), trainD, testD, tc)
		orders[v] = tr.order
	}
	require.Equal(t, orders[Original], orders[DLN])
	require.Equal(t, orders[Original], orders[CDLN])
	tc.Seed = 5
	_, tr, _ := train(t, smallConfig(Original), trainD, testD, tc)
	require.NotEqual(t, orders[Original], tr.order)
}

// TestSharedOuterLayers: all variants with one seed start with the same
// A1, A2, A3.
func TestSharedOuterLayers(t *testing.T) {
	first := map[string][]float64{}
	for _, v := range Variants {
		m, err := New(smallConfig(v), 4)
		require.NoError(t, err)
		for _, p := range m.ParamList() {
			if p.Name[:5] != "layer" {
				continue
			}
			if w, ok := first[p.Name]; ok {
				require.Equal(t, w, p.W, "%s of %s", p.Name, v)
			} else {
				first[p.Name] = append([]float64(nil), p.W...)
			}
		}
	}
}

func TestDivergence(t *testing.T) {
	trainD, testD := synthetic()
	trainD.Scale *= 1e6 // enormous inputs and a huge step: the loss overflows
	tc := TrainConfig{Batch: 16, Eta: 1e6, Epochs: 2, Seed: 1}
	_, _, res := train(t, smallConfig(DLN), trainD, testD, tc)
	require.Equal(t, StatusDiverged, res.Status)
	require.Contains(t, res.Message, "diverged at step")
	require.Less(t, res.Steps, 30)
}

// TestStepFlops: the networks count exactly Config.StepFlops per step.
func TestStepFlops(t *testing.T) {
	trainD, testD := synthetic()
	for _, v := range Variants {
		for _, mu := range []float64{0, 0.9} {
			cfg := smallConfig(v)
			tc := TrainConfig{Batch: 16, Steps: 3, Momentum: mu, Every: 100, Seed: 1}
			_, _, res := train(t, cfg, trainD, testD, tc)
			require.Equal(t, 3*cfg.StepFlops(16, mu != 0), res.Flops, "%s mu=%v", v, mu)
		}
	}
}

func TestParams(t *testing.T) {
	// 36x16 + 16x8 + 8x4 weights and 16 + 8 + 4 biases = 576+128+32+28 = 764;
	// dln adds 3 x 16^2 = 768; cdln 4x16 + 4x4 + 16x4 = 144.
	for v, want := range map[Variant]int{Original: 764, DLN: 764 + 768, CDLN: 764 + 144} {
		m, err := New(smallConfig(v), 4)
		require.NoError(t, err)
		require.Equal(t, want, m.Params(), string(v))
		n := 0
		for _, p := range m.ParamList() {
			n += len(p.W)
		}
		require.Equal(t, want, n, string(v))
	}
}

// TestStepAllocatesNothing: a steady-state training step and an evaluation
// allocate nothing (products of at most 64 x 64 outputs run serially).
func TestStepAllocatesNothing(t *testing.T) {
	trainD, testD := synthetic()
	for _, v := range Variants {
		m, err := New(smallConfig(v), 32)
		require.NoError(t, err)
		tr, err := NewTrainer(m, trainD, testD, TrainConfig{Batch: 32, Momentum: 0.9, EvalBatch: 32, Seed: 1})
		require.NoError(t, err)
		x := tr.batch(32)
		index := tr.order[:32]
		allocs := testing.AllocsPerRun(20, func() {
			tr.tg.gather(x, tr.labels, index)
			m.TrainStep(x, tr.labels[:32], 0.01, 0.9)
			m.Evaluate(x, tr.labels[:32])
		})
		require.Zero(t, allocs, string(v))
	}
}

func TestConfigErrors(t *testing.T) {
	base := smallConfig(CDLN)
	for _, tt := range []struct {
		field string
		edit  func(c *Config)
	}{
		{"variant", func(c *Config) { c.Variant = "wide" }},
		{"inputs", func(c *Config) { c.Inputs = -1 }},
		{"classes", func(c *Config) { c.Classes = 1 }},
		{"hidden1", func(c *Config) { c.Hidden1 = -2 }},
		{"hidden2", func(c *Config) { c.Hidden2 = -1 }},
		{"depth", func(c *Config) { c.Depth = 1 }},
		{"r-hat", func(c *Config) { c.RHat = 17 }},
		{"eps", func(c *Config) { c.Eps = math.Inf(1) }},
		{"alpha", func(c *Config) { c.Alpha = -1 }},
	} {
		c := base
		tt.edit(&c)
		_, err := New(c, 4)
		require.ErrorIs(t, err, ErrConfig, tt.field)
		require.ErrorContains(t, err, tt.field)
	}
	_, err := New(base, 0)
	require.ErrorIs(t, err, ErrConfig)

	trainD, testD := synthetic()
	m, err := New(base, 16)
	require.NoError(t, err)
	for _, tt := range []struct {
		field string
		tc    TrainConfig
	}{
		{"batch", TrainConfig{Batch: 241}},
		{"eta", TrainConfig{Eta: math.NaN()}},
		{"momentum", TrainConfig{Momentum: 1}},
		{"schedule", TrainConfig{Schedule: "step"}},
		{"steps", TrainConfig{Steps: -1}},
		{"eval-rows", TrainConfig{EvalRows: -1}},
	} {
		_, err := NewTrainer(m, trainD, testD, tt.tc)
		require.ErrorIs(t, err, ErrTrainConfig, tt.field)
		require.ErrorContains(t, err, tt.field)
	}
	_, err = NewTrainer(m, trainD, testD, TrainConfig{Batch: 32})
	require.ErrorContains(t, err, "capacity")
}

func TestDataScaling(t *testing.T) {
	d := &Data{N: 2, Features: 2, Classes: 2, Pixels: []byte{0, 255, 255, 0}, Labels: []byte{0, 1}, Scale: 1.0 / 255}
	mean, std := d.PixelStats()
	// Pixels 0, 1, 1, 0 after scaling: mean 1/2, std 1/2.
	require.InDelta(t, 0.5, mean, 1e-15)
	require.InDelta(t, 0.5, std, 1e-15)
	d.Standardize(mean, std)
	x := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float64, 4)}
	labels := make([]byte, 2)
	newGatherer(d).gather(x, labels, []int32{1, 0})
	require.InDeltaSlice(t, []float64{1, -1, -1, 1}, x.Data, 1e-15)
	require.Equal(t, []byte{1, 0}, labels)
	require.Equal(t, 1, d.Head(1).N)
	require.Same(t, d, d.Head(0))
}

func TestCosineSchedule(t *testing.T) {
	c := TrainConfig{Eta: 2, Steps: 4, Schedule: ScheduleCosine}
	// eta (1 + cos(pi (t-1)/4)) / 2 at t = 1, 3: 2 and 1.
	require.InDelta(t, 2, c.EtaAt(1), 1e-15)
	require.InDelta(t, 1, c.EtaAt(3), 1e-15)
	c.Schedule = ScheduleConstant
	require.Equal(t, 2.0, c.EtaAt(3))
}

// TestLatency checks Latency by counts and by one clock, not by how fast
// this machine is. The flops the model counted during the call give the
// forward passes it made (the warm-up and at least 3 timed); the time it
// returns, times the rows it timed, lies within the call's own duration
// (Latency's interval is inside the test's, on one monotonic clock) and,
// when minSeconds is positive, is at least minSeconds (Latency times until
// then).
func TestLatency(t *testing.T) {
	trainD, testD := synthetic()
	m, tr, _ := train(t, smallConfig(CDLN), trainD, testD, TrainConfig{Batch: 16, Steps: 1, Seed: 1})
	cfg := m.Config()
	for _, tt := range []struct {
		rows       int
		minSeconds float64
		wantIters  int // timed forward passes; 0: at least 3
	}{
		{1, 0, 3},
		{64, 0, 3},
		{16, 0.01, 0},
	} {
		t.Run(fmt.Sprintf("rows=%d/min=%v", tt.rows, tt.minSeconds), func(t *testing.T) {
			f0 := m.Flops()
			start := time.Now()
			l := tr.Latency(tt.rows, tt.minSeconds)
			outer := time.Since(start).Seconds()
			passes := m.Flops() - f0
			per := cfg.ForwardFlops(tt.rows)
			require.Zero(t, passes%per, "flops %d not a multiple of a forward pass's %d", passes, per)
			iters := int(passes/per) - 1 // minus the warm-up
			if tt.wantIters > 0 {
				require.Equal(t, tt.wantIters, iters, "timed forward passes")
			} else {
				require.GreaterOrEqual(t, iters, 3, "timed forward passes")
			}
			timed := l * float64(iters*tt.rows)
			require.Positive(t, l)
			require.LessOrEqual(t, timed, outer, "latency %g s/row x %d rows x %d passes exceeds the call's %g s", l, tt.rows, iters, outer)
			require.GreaterOrEqual(t, timed, tt.minSeconds, "timed less than minSeconds")
		})
	}
	require.Panics(t, func() { tr.Latency(m.MaxRows()+1, 0) }, "rows above the model's capacity")
}

// TestRunUntil: closing stop ends training at the step boundary after it
// was closed: stopped from the progress callback after step k, the model
// has taken k steps, its checkpoints are those of the uninterrupted run up
// to k (Every 3: 0, 3, 6) and a last one at k on the whole test split;
// closed before, it takes none. Closed after the last step it changes
// nothing. 240/16 = 15 steps per epoch.
func TestRunUntil(t *testing.T) {
	trainD, testD := synthetic()
	tc := TrainConfig{Batch: 16, Eta: 0.05, Epochs: 1, Every: 3, EvalRows: 40, Seed: 4}
	_, _, full := train(t, smallConfig(CDLN), trainD, testD, tc)
	for _, tt := range []struct {
		k     int // the step after which stop closes; -1: before RunUntil
		steps []int
		done  bool
	}{
		{-1, []int{0}, false},
		{7, []int{0, 3, 6, 7}, false},
		{9, []int{0, 3, 6, 9}, false},
		{15, []int{0, 3, 6, 9, 12, 15}, true},
	} {
		t.Run(fmt.Sprintf("k=%d", tt.k), func(t *testing.T) {
			m, err := New(smallConfig(CDLN), 128)
			require.NoError(t, err)
			tr, err := NewTrainer(m, trainD, testD, tc)
			require.NoError(t, err)
			stop := make(chan struct{})
			if tt.k < 0 {
				close(stop)
			}
			res := tr.RunUntil(func(s int) {
				if s == tt.k {
					close(stop)
				}
			}, stop)
			var steps []int
			for _, c := range res.Checkpoints {
				steps = append(steps, c.Step)
			}
			require.Equal(t, tt.steps, steps)
			if tt.done {
				require.Equal(t, StatusDone, res.Status)
				return
			}
			k := max(tt.k, 0)
			require.Equal(t, StatusInterrupted, res.Status)
			require.Equal(t, fmt.Sprintf("interrupted at step %d", k), res.Message)
			require.Equal(t, k, res.Steps)
			for i, c := range res.Checkpoints[:len(res.Checkpoints)-1] {
				w := full.Checkpoints[i]
				require.Equal(t, [3]float64{w.TrainLoss, w.TestLoss, w.TestAccuracy}, [3]float64{c.TrainLoss, c.TestLoss, c.TestAccuracy}, "checkpoint at step %d", c.Step)
			}
			// The last checkpoint evaluates the whole test split (the
			// others EvalRows = 40 rows), on the grid (k = 0, 9) or off it.
			require.Equal(t, 120, res.Final().TestRows)
		})
	}
}
