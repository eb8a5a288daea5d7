package procure

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/lowdim/lowdim/energy"
	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp"
)

// MLPBench is a time-to-quality benchmark of an MLP on an image data set:
// the seconds of training (minibatch SGD steps; the test evaluations are
// not timed) until the test accuracy, measured on the whole test split
// every EvalEvery steps, first reaches Accuracy.
type MLPBench struct {
	// Dataset names the data set in the benchmark's name; Dir is its IDX
	// folder (idx.LoadDir).
	Dataset string
	Dir     string
	// Variants are trained in turn, each from Model with its Variant set.
	Variants []mlp.Variant
	Model    mlp.Config
	// Train is the training; its step budget (Epochs or Steps) bounds a
	// run that does not reach Accuracy (then absent, with the accuracy it
	// reached).
	Train     mlp.TrainConfig
	Accuracy  float64
	EvalEvery int
}

// FashionMLP is the standard suite's MLP benchmark, pinned here and not
// taken from `lowdim run --preset fmnist` (mlprun's presets may change;
// this may not without a new SuiteVersion). It is the fmnist preset's
// network at half its widths, so that 0.85 comes in seconds: 784 inputs,
// hidden widths 128 and 64, a block of L = 3 layers, compressed to
// r_hat = 16 (cdln) or wide (dln, 128 x 128 layers), eps = 1 and alpha =
// 2 as the preset; minibatches of 64, eta = 0.02, momentum 0.9 at a
// constant rate (a cosine schedule would tie the rate to the budget), all
// 60000 training rows, pixels standardised by the training split's mean
// and deviation, seed 1; the test accuracy on all 10000 test rows every
// 100 steps; a budget of 3 epochs. On the development machine (2 cores,
// OpenBLAS) dln reaches 0.85 at step 1000 and cdln at step 1400, in 2.3
// and 2.4 seconds of training (the medians of a full suite, load average
// 14), and with pure Go in 6.1 and 4.4 seconds (a quick suite's).
var FashionMLP = MLPBench{
	Dataset:  "fashion-mnist",
	Dir:      idx.FashionMNISTDir,
	Variants: []mlp.Variant{mlp.DLN, mlp.CDLN},
	Model: mlp.Config{Inputs: 28 * 28, Classes: 10, Hidden1: 128, Hidden2: 64, Depth: 3, RHat: 16, Eps: 1, Alpha: 2,
		Seed: 1},
	Train:     mlp.TrainConfig{Batch: 64, Eta: 0.02, Momentum: 0.9, Schedule: mlp.ScheduleConstant, Epochs: 3, Seed: 1},
	Accuracy:  0.85,
	EvalEvery: 100,
}

// names returns the benchmark names of variant v: time to quality,
// energy and peak RSS.
func (b *MLPBench) names(v mlp.Variant) (base, ename, rname string) {
	key := fmt.Sprintf("mlp=%s/method=%s", b.Dataset, v)
	return fmt.Sprintf("time-to-quality/%s/acc=%g", key, b.Accuracy), "energy/" + key, "memory/peak-rss/" + key
}

// mlpData is the MLP benchmark's data, standardised, or why there is none.
type mlpData struct {
	train, test *mlp.Data
	why         string
}

// loadMLP reads and standardises b's data set once.
func (st *state) loadMLP(b *MLPBench) *mlpData {
	if st.mlp != nil {
		return st.mlp
	}
	st.mlp = &mlpData{}
	set, err := idx.LoadDir(b.Dir)
	if err != nil {
		st.mlp.why = fmt.Sprintf("the %s data set is not readable in %s (Debian: apt-get install dataset-fashion-mnist): %v", b.Dataset, b.Dir, err)
		return st.mlp
	}
	train, test := mlp.FromSplit(&set.Train, set.Classes), mlp.FromSplit(&set.Test, set.Classes)
	mean, std := train.PixelStats()
	if !(std > 0) {
		st.mlp.why = fmt.Sprintf("%s: every training pixel has the same value", set.Train.ImageFile)
		return st.mlp
	}
	train.Standardize(mean, std)
	test.Standardize(mean, std)
	st.mlp.train, st.mlp.test = train, test
	return st.mlp
}

// mlpTTQ trains variant v of b once to b.Accuracy and adds the seconds to
// it, the run's CPU seconds (to the same step, evaluations excluded), its
// energy (the whole run) and its peak RSS.
func (st *state) mlpTTQ(b *MLPBench, v mlp.Variant) error {
	base, ename, rname := b.names(v)
	data := st.loadMLP(b)
	absent := func(why string) {
		st.absent(base, TimeToQuality, "s", false, why)
		st.absent(ename, Energy, "J", false, why)
		st.absent(rname, Memory, "bytes", false, why)
	}
	if data.why != "" {
		absent(data.why)
		return nil
	}
	mc := b.Model
	mc.Variant = v
	mc.Inputs, mc.Classes = data.train.Features, max(mc.Classes, data.train.Classes)
	tc := b.Train.WithDefaults(data.train.N)
	tc.Every = tc.Steps // the trainer's own checkpoints: the last step only
	m, err := mlp.New(mc, max(tc.Batch, min(tc.EvalBatch, data.test.N)))
	if err != nil {
		absent(err.Error())
		return nil
	}
	t, err := mlp.NewTrainer(m, data.train, data.test, tc)
	if err != nil {
		absent(err.Error())
		return nil
	}
	st.notePeak()
	resetErr := machine.ResetPeakRSS()
	stop := make(chan struct{})
	var once sync.Once
	end := func() { once.Do(func() { close(stop) }) }
	go func() {
		select {
		case <-st.o.Interrupt:
			end()
		case <-stop:
		}
	}()
	var (
		evalWall     time.Duration
		evalCPU      float64
		secs, cpu    float64
		reached      bool
		best         float64
		start        time.Time
		w            window
		evalsStarted int
	)
	st.meter.Start()
	w = st.open()
	start = time.Now()
	t.RunUntil(func(step int) {
		if reached || step%b.EvalEvery != 0 {
			return
		}
		e0, c0 := time.Now(), energy.CPUSeconds()
		_, acc, _ := t.Evaluate(0)
		evalsStarted++
		best = math.Max(best, acc)
		if acc >= b.Accuracy {
			reached = true
			secs = e0.Sub(start).Seconds() - evalWall.Seconds()
			cpu = c0 - w.cpu - evalCPU
			end()
			return
		}
		evalWall += time.Since(e0)
		evalCPU += energy.CPUSeconds() - c0
	}, stop)
	reading := st.meter.Stop()
	st.close(w, base)
	end()
	if st.stopped() {
		return ErrInterrupted
	}
	if !reached {
		absent(fmt.Sprintf("did not reach test accuracy %g in %d steps (best %.4f at %d evaluations every %d steps)", b.Accuracy, tc.Steps, best, evalsStarted, b.EvalEvery))
		return nil
	}
	st.record(base, ename, rname, secs, cpu, reading, resetErr)
	return nil
}
