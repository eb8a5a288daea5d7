package classify

import (
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/energy"
	"github.com/lowdim/lowdim/mlp"
)

// TrainConfig is the model and training of every run of a verify: the
// MLP of package mlp (Width = Hidden1 and the block's width, Width2 =
// Hidden2, Depth block layers, Eps, Alpha) trained by minibatch SGD for
// Epochs epochs of floor(N/Batch) batches, learning rate Eta, heavy-ball
// Momentum (0: plain SGD), constant schedule.
type TrainConfig struct {
	Width    int     `json:"width"`
	Width2   int     `json:"width2"`
	Depth    int     `json:"depth"`
	Eps      float64 `json:"eps"`
	Alpha    float64 `json:"alpha"`
	Batch    int     `json:"batch"`
	Eta      float64 `json:"eta"`
	Momentum float64 `json:"momentum"`
	Epochs   int     `json:"epochs"`
}

// DefaultTrain is the default TrainConfig (small: a user's tabular data
// set, not images).
var DefaultTrain = TrainConfig{Width: 128, Width2: 64, Depth: 3, Eps: 1, Alpha: 1, Batch: 64, Eta: 0.05, Momentum: 0, Epochs: 10}

// PaperPreset is the paper's nonlinear protocol as far as it is known
// (verify --preset paper, issue 17 item 6): plain SGD (no momentum) at a
// constant learning rate 0.05, batches of 128 rows, 5 epochs, a block of
// depth 3 as wide as the first hidden layer (512; the second is 256) with
// a small orthogonal initialisation (every block layer 0.1 times an
// orthogonal matrix, so the block's product starts at 1e-3 times one),
// outer block layers of the compressed model at the common learning rate
// (Alpha 1). The learning rate, batch, epochs, width and depth are those
// of the NumPy re-implementation; the second width and the
// initial scale are not known from the paper and are this preset's
// choice.
var PaperPreset = TrainConfig{Width: 512, Width2: 256, Depth: 3, Eps: 0.1, Alpha: 1, Batch: 128, Eta: 0.05, Momentum: 0, Epochs: 5}

// PaperRHats are the candidate widths of --preset paper.
var PaperRHats = []int{32, 64}

// Check returns a *config.ConfigError naming the flag (--width, --batch,
// ...) when c cannot train on trainRows rows at every width of rhats, or
// is beyond MaxWidth, MaxDepth or MaxEpochs. trainRows 0 means not yet
// known: the batch is then checked against 1 only.
func (c TrainConfig) Check(trainRows int, rhats []int) error {
	switch {
	case c.Width < 1 || c.Width > MaxWidth:
		return config.Bad("width", c.Width, "must be in 1..%d", MaxWidth)
	case c.Width2 < 1 || c.Width2 > MaxWidth:
		return config.Bad("width2", c.Width2, "must be in 1..%d", MaxWidth)
	case c.Depth < 2 || c.Depth > MaxDepth:
		return config.Bad("depth", c.Depth, "must be in 2..%d (the compressed block has an outer layer each side)", MaxDepth)
	case c.Epochs > MaxEpochs:
		return config.Bad("epochs", c.Epochs, "must be in 1..%d", MaxEpochs)
	case c.Batch < 1 && trainRows == 0:
		return config.Bad("batch", c.Batch, "must be at least 1")
	case !(c.Eps > 0) || math.IsInf(c.Eps, 0):
		return config.Bad("eps", c.Eps, "must be positive and finite")
	case !(c.Alpha > 0) || math.IsInf(c.Alpha, 0):
		return config.Bad("alpha", c.Alpha, "must be positive and finite")
	case trainRows > 0 && (c.Batch < 1 || c.Batch > trainRows):
		return config.Bad("batch", c.Batch, "must be in 1..%d (the training rows)", trainRows)
	case !(c.Eta > 0) || math.IsInf(c.Eta, 0):
		return config.Bad("eta", c.Eta, "must be positive and finite")
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return config.Bad("momentum", c.Momentum, "must be in [0, 1)")
	case c.Epochs < 1:
		return config.Bad("epochs", c.Epochs, "must be at least 1")
	}
	for _, r := range rhats {
		if r > c.Width {
			return config.Bad("r-hat", r, "width %d is above --width %d (the block's full width)", r, c.Width)
		}
	}
	return nil
}

// model returns the mlp.Config of variant v at width rhat (cdln only).
func (c TrainConfig) model(v mlp.Variant, rhat, inputs, classes int, seed uint64) mlp.Config {
	mc := mlp.Config{Variant: v, Inputs: inputs, Classes: classes, Hidden1: c.Width, Hidden2: c.Width2,
		Depth: c.Depth, Eps: c.Eps, Alpha: c.Alpha, Seed: seed}
	if v == mlp.CDLN {
		mc.RHat = rhat
	}
	return mc
}

// Run statuses.
const (
	StatusDone        = "done"
	StatusDiverged    = "diverged"
	StatusInterrupted = "interrupted"
)

// Run is one trained model measured on the test split.
type Run struct {
	Seed uint64 `json:"seed"`
	// Status is StatusDone, StatusDiverged (a non-finite batch loss ended
	// training) or StatusInterrupted; Accuracy and PerClass are null
	// unless done.
	Status string `json:"status"`
	// Accuracy is the test accuracy in points (100 x fraction correct);
	// PerClass[c] that of the test rows of class c (null: no test row).
	Accuracy *float64   `json:"accuracy"`
	PerClass []*float64 `json:"per_class"`
	// Perturbed is the accuracy in points on each perturbed test set
	// (Options.Perturbed, in order; each null unless done; the list null
	// without perturbations).
	Perturbed []*float64 `json:"perturbed_accuracy"`
	// PerturbedPerClass[k][c] is the accuracy on perturbed test set k of
	// its rows of class c (null as PerClass).
	PerturbedPerClass [][]*float64 `json:"perturbed_per_class"`
	// Steps are the SGD steps taken (for a diverged run, the last is the
	// step whose loss was not finite).
	Steps int `json:"steps"`
	// DivergedEpoch is the epoch (from 1) in which a diverged run's loss
	// stopped being finite; null unless diverged.
	DivergedEpoch *int `json:"diverged_epoch"`
	// Trajectory is the test accuracy after each finished epoch with the
	// training time spent to it (evaluation excluded); its last point is
	// Accuracy.
	Trajectory []Point `json:"trajectory"`
	// PeakRSSBytes is the process's peak resident memory (VmHWM) while the
	// run trained and was evaluated, the peak first reset to the current
	// resident memory (5 written to /proc/self/clear_refs, after
	// debug.FreeOSMemory); it includes the data sets the process holds.
	// Null where the reset or the read is unsupported (not Linux, or a
	// kernel before 4.0).
	PeakRSSBytes *uint64 `json:"peak_rss_bytes"`
	// BaseRSSBytes is the process's resident memory just after that reset,
	// before the run (the data sets and what earlier runs left); the run's
	// own growth is PeakRSSBytes - BaseRSSBytes. Null as PeakRSSBytes.
	BaseRSSBytes *uint64 `json:"base_rss_bytes"`
	// CPUSeconds is the process's CPU time (user + system, getrusage)
	// while training, WallSeconds the elapsed time; evaluation excluded.
	CPUSeconds  float64 `json:"cpu_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
}

// Point is one point of a run's trajectory: the test accuracy in points
// after Epoch epochs (Steps SGD steps) and the process CPU seconds and
// wall seconds spent training up to there.
type Point struct {
	Epoch       int     `json:"epoch"`
	Steps       int     `json:"steps"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	Accuracy    float64 `json:"accuracy"`
}

// Train trains variant v (rhat: cdln's width; ignored otherwise) from seed
// on train and measures it on test. The seed draws the weights (the outer
// layers shared by every variant, mlp.New) and the order of the training
// rows, so that runs of one seed see the same batches. It stops at the
// step boundary after stop is closed (nil: never), returning a Run of
// StatusInterrupted; step, when not nil, is called after every step with
// the steps taken. It returns the trained model too (batches of up to
// max(Batch, 512) rows). It allocates the model and one batch buffer. The
// error is mlp's for a configuration TrainConfig.Check accepts but mlp
// refuses (a programming error of the caller).
func Train(c TrainConfig, v mlp.Variant, rhat int, seed uint64, train, test *Set, stop <-chan struct{}, step func(int)) (*Run, *mlp.Model, error) {
	const evalRows = 512
	rows := max(c.Batch, evalRows)
	m, err := mlp.New(c.model(v, rhat, train.Features, train.Classes, seed), rows)
	if err != nil {
		return nil, nil, err
	}
	f := train.Features
	x := blas64.General{Rows: c.Batch, Cols: f, Stride: f, Data: make([]float64, rows*f)}
	labels := make([]byte, rows)
	order := make([]int32, train.N)
	for i := range order {
		order[i] = int32(i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6f72646572)) // "order", as mlp.Trainer
	perEpoch := train.N / c.Batch
	r := &Run{Seed: seed, Status: StatusDone}
	// Training time excludes the evaluations after each epoch: the
	// clocks run from cpu0, wall0 and are moved past each evaluation.
	cpu0, wall0 := energy.CPUSeconds(), time.Now()
	var acc *float64
	var per []*float64
train:
	for epoch := range c.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for b := range perEpoch {
			select {
			case <-stop:
				r.Status = StatusInterrupted
				break train
			default:
			}
			for k, i := range order[b*c.Batch : (b+1)*c.Batch] {
				copy(x.Data[k*f:(k+1)*f], train.Row(int(i)))
				labels[k] = train.Y[i]
			}
			loss := m.TrainStep(x, labels[:c.Batch], c.Eta, c.Momentum)
			r.Steps++
			if step != nil {
				step(r.Steps)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				e := epoch + 1
				r.Status, r.DivergedEpoch = StatusDiverged, &e
				break train
			}
		}
		cpu, wall := energy.CPUSeconds(), time.Now()
		r.CPUSeconds, r.WallSeconds = cpu-cpu0, wall.Sub(wall0).Seconds()
		acc, per = Evaluate(m, test)
		r.Trajectory = append(r.Trajectory, Point{Epoch: epoch + 1, Steps: r.Steps, CPUSeconds: r.CPUSeconds, WallSeconds: r.WallSeconds, Accuracy: *acc})
		cpu0 += energy.CPUSeconds() - cpu
		wall0 = wall0.Add(time.Since(wall))
	}
	if r.Status != StatusDone {
		r.CPUSeconds, r.WallSeconds = energy.CPUSeconds()-cpu0, time.Since(wall0).Seconds()
		r.PerClass = make([]*float64, test.Classes)
		return r, m, nil
	}
	r.Accuracy, r.PerClass = acc, per
	return r, m, nil
}

// Evaluate returns m's accuracy on s in points (100 x fraction correct)
// and that of each class's rows (null: no row of the class). m must take
// batches of 512 rows (Train's models do). It allocates one batch.
func Evaluate(m *mlp.Model, s *Set) (*float64, []*float64) {
	const evalRows = 512
	f := s.Features
	buf := make([]float64, min(s.N, evalRows)*f)
	correct, total := make([]int, s.Classes), make([]int, s.Classes)
	for lo := 0; lo < s.N; lo += evalRows {
		hi := min(s.N, lo+evalRows)
		xb := blas64.General{Rows: hi - lo, Cols: f, Stride: f, Data: buf[:(hi-lo)*f]}
		copy(xb.Data, s.X[lo*f:hi*f])
		z := m.Forward(xb)
		for i := range hi - lo {
			best := argmax(z.Data[i*z.Stride : i*z.Stride+z.Cols])
			y := s.Y[lo+i]
			total[y]++
			if best == int(y) {
				correct[y]++
			}
		}
	}
	var all int
	for _, k := range correct {
		all += k
	}
	acc := 100 * float64(all) / float64(s.N)
	per := make([]*float64, s.Classes)
	for k := range total {
		if total[k] > 0 {
			a := 100 * float64(correct[k]) / float64(total[k])
			per[k] = &a
		}
	}
	return &acc, per
}

// Params returns the trainable parameters of variant v at width rhat for
// inputs features and classes classes (mlp.Config.Params).
func (c TrainConfig) Params(v mlp.Variant, rhat, inputs, classes int) int {
	return c.model(v, rhat, inputs, classes, 0).Params()
}

// Bounds of TrainConfig.Check beyond which a configuration is refused
// before any memory or time preflight: widths of more than 2^20 units
// (8 TB a square layer), a block of more than 1000 layers, more than 10^6
// epochs.
const (
	MaxWidth  = 1 << 20
	MaxDepth  = 1000
	MaxEpochs = 1_000_000
)

// EstimateBytes returns what a model of variant v at width rhat (cdln)
// holds in training for inputs features and classes classes, in bytes, as
// mlp.New and a training step allocate it (mlp.Model.WorkspaceBytes plus
// the parameters), and the linear block's end-to-end product on top (an
// upper estimate): each chain of package dln holds its weights, velocities,
// gradients, prefix and back-propagated products and a transposed-layer
// buffer, and for batches of max(Batch, 512) rows the activations and
// deltas; the affine layers their biases and output and input gradients.
// It is computed in float64, so that no size overflows, and allocates
// nothing. TestEstimateBytes checks it against the allocated model.
func (c TrainConfig) EstimateBytes(v mlp.Variant, rhat, inputs, classes int) float64 {
	rows := float64(max(c.Batch, 512))
	type shape struct{ r, c float64 }
	chain := func(sh []shape) float64 {
		n0, L := sh[0].c, len(sh)
		var b, wt float64
		for l, s := range sh {
			b += 2*s.r*s.c + rows*s.r // weights, velocities; activations
			if l > 0 {
				b += s.r * s.c // gradients
				wt = max(wt, s.r*s.c)
				if l < L-1 {
					b += s.r * n0 // prefix products
				}
			}
			if l < L-1 {
				b += s.r*n0 + rows*s.r // back products; deltas
			}
		}
		if L == 1 {
			b += sh[0].r * sh[0].c // the batch's gradient
		} else {
			b += sh[L-1].r * n0 // the end-to-end product
		}
		return b + wt
	}
	h1, h2, in, k := float64(c.Width), float64(c.Width2), float64(inputs), float64(classes)
	affine := func(out, in float64, gradIn bool) float64 {
		b := chain([]shape{{out, in}}) + 3*out + rows*out
		if gradIn {
			b += rows * in
		}
		return b
	}
	b := affine(h1, in, false) + affine(h2, h1, true) + affine(k, h2, true) + rows*k
	var block []shape
	switch v {
	case mlp.DLN:
		for range c.Depth {
			block = append(block, shape{h1, h1})
		}
	case mlp.CDLN:
		r := float64(rhat)
		block = append(block, shape{r, h1})
		for range c.Depth - 2 {
			block = append(block, shape{r, r})
		}
		block = append(block, shape{h1, r})
	}
	if len(block) > 0 {
		b += chain(block) + rows*h1
	}
	return 8 * b
}
