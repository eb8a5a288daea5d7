package mlp

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/energy"
)

// TrainConfig describes a training run. Zero fields take the defaults
// noted.
type TrainConfig struct {
	// Batch is the minibatch size (default 64). Each epoch visits
	// floor(N/Batch) batches of a fresh permutation of the training rows;
	// the remainder is left out of that epoch.
	Batch int
	// Eta is the learning rate (default 0.05), Momentum the heavy-ball
	// coefficient mu (default 0: plain SGD).
	Eta, Momentum float64
	// Schedule is "constant" (the default) or "cosine": step t of T uses
	// eta (1 + cos(pi (t-1)/T)) / 2.
	Schedule string
	// Epochs (default 1) sets the step budget when Steps is 0.
	Epochs int
	// Steps, when positive, is the step budget.
	Steps int
	// Every is the checkpoint interval in steps (default: about half an
	// epoch, ceil(Steps/k) for k = round(2 Steps/steps per epoch) intervals);
	// the last step is always a checkpoint.
	Every int
	// EvalRows is the number of test rows (the first ones) evaluated at
	// intermediate checkpoints (default 0: all); the last checkpoint
	// always evaluates all.
	EvalRows int
	// EvalBatch is the batch size of evaluation (default 500).
	EvalBatch int
	// Seed seeds the order of the training rows, so that models trained
	// with one Seed see the same batches.
	Seed uint64
}

// WithDefaults returns c with its zero fields set to their defaults for
// a training split of n rows.
func (c TrainConfig) WithDefaults(n int) TrainConfig {
	if c.Batch == 0 {
		c.Batch = 64
	}
	if c.Eta == 0 {
		c.Eta = 0.05
	}
	if c.Epochs == 0 {
		c.Epochs = 1
	}
	perEpoch := max(1, n/max(1, c.Batch))
	if c.Steps == 0 {
		c.Steps = c.Epochs * perEpoch
	}
	if c.Every == 0 {
		// About two checkpoints per epoch, evenly spaced up to the last step.
		k := max(1, int(math.Round(2*float64(c.Steps)/float64(perEpoch))))
		c.Every = (c.Steps + k - 1) / k
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = 500
	}
	if c.Schedule == "" {
		c.Schedule = ScheduleConstant
	}
	return c
}

// ErrTrainConfig is wrapped by the errors of TrainConfig.Validate.
var ErrTrainConfig = errors.New("mlp: invalid training configuration")

// Validate returns a *FieldError wrapping ErrTrainConfig when c (after
// WithDefaults) cannot train on n rows.
func (c TrainConfig) Validate(n int) error {
	bad := func(field string, v any, why string) error {
		return &FieldError{Field: field, Value: v, Why: why, kind: ErrTrainConfig}
	}
	switch {
	case c.Batch < 1 || c.Batch > n:
		return bad("batch", c.Batch, fmt.Sprintf("must be in 1..%d (the training rows)", n))
	case !(c.Eta > 0) || math.IsInf(c.Eta, 0):
		return bad("eta", c.Eta, "must be positive and finite")
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return bad("momentum", c.Momentum, "must be in [0, 1)")
	case c.Schedule != ScheduleConstant && c.Schedule != ScheduleCosine:
		return bad("schedule", c.Schedule, "want constant or cosine")
	case c.Epochs < 1:
		return bad("epochs", c.Epochs, "must be at least 1")
	case c.Steps < 1:
		return bad("steps", c.Steps, "must be at least 1")
	case c.Every < 1:
		return bad("every", c.Every, "must be at least 1")
	case c.EvalRows < 0:
		return bad("eval-rows", c.EvalRows, "must not be negative")
	case c.EvalBatch < 1:
		return bad("eval-batch", c.EvalBatch, "must be at least 1")
	}
	return nil
}

// Learning-rate schedules.
const (
	ScheduleConstant = "constant"
	ScheduleCosine   = "cosine"
)

// EtaAt returns the learning rate of step t (1-based).
func (c TrainConfig) EtaAt(t int) float64 {
	if c.Schedule == ScheduleCosine {
		return c.Eta * (1 + math.Cos(math.Pi*float64(t-1)/float64(c.Steps))) / 2
	}
	return c.Eta
}

// Checkpoint is the state of a model after Step steps.
type Checkpoint struct {
	Step int `json:"step"`
	// Epoch is Step times the batch size over the training rows.
	Epoch float64 `json:"epoch"`
	// Seconds and CPUSeconds are the wall and process CPU time of the
	// training steps so far (evaluation excluded; CPU time counts every
	// thread of the process, NaN where getrusage is missing).
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// TrainLoss and TrainAccuracy are the means over the batches since the
	// previous checkpoint, each at the weights before its step; at step 0,
	// those of the first batch.
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	// TestLoss and TestAccuracy are measured on TestRows test rows.
	TestLoss     float64 `json:"test_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
	TestRows     int     `json:"test_rows"`
}

// Status says how training ended.
const (
	StatusDone     = "done"
	StatusDiverged = "diverged"
	// StatusInterrupted: RunUntil's stop channel was closed before the
	// step budget ran out (Message "interrupted at step t").
	StatusInterrupted = "interrupted"
)

// Result is the outcome of Train.
type Result struct {
	Status  string
	Message string
	// Steps taken, their wall and CPU seconds (evaluation excluded).
	Steps               int
	Seconds, CPUSeconds float64
	// Flops counted by the model's networks during the steps (evaluation
	// excluded).
	Flops       uint64
	Checkpoints []Checkpoint
}

// Final returns the last checkpoint (Train always records one).
func (r *Result) Final() Checkpoint { return r.Checkpoints[len(r.Checkpoints)-1] }

// Trainer trains a model on a data set. Its buffers are allocated by
// NewTrainer; a step (gathering a batch, LossGrad, Step) allocates nothing.
type Trainer struct {
	m           *Model
	train, test *Data
	cfg         TrainConfig
	tg, eg      *gatherer
	x           []float64
	labels      []byte
	order       []int32
	rng         *rand.Rand
}

// NewTrainer checks cfg (after WithDefaults) against the data and the
// model and returns a trainer. The model's MaxRows must hold both the batch
// and the evaluation batch.
func NewTrainer(m *Model, train, test *Data, cfg TrainConfig) (*Trainer, error) {
	cfg = cfg.WithDefaults(train.N)
	if err := cfg.Validate(train.N); err != nil {
		return nil, err
	}
	mc := m.Config()
	for _, d := range []*Data{train, test} {
		if d.Features != mc.Inputs {
			return nil, fmt.Errorf("%w: the data has %d features, the model %d inputs", ErrTrainConfig, d.Features, mc.Inputs)
		}
		if d.Classes > mc.Classes {
			return nil, fmt.Errorf("%w: the data has %d classes, the model %d outputs", ErrTrainConfig, d.Classes, mc.Classes)
		}
	}
	rows := max(cfg.Batch, min(cfg.EvalBatch, test.N))
	if rows > m.MaxRows() {
		return nil, fmt.Errorf("%w: batches of %d rows exceed the model's capacity %d", ErrTrainConfig, rows, m.MaxRows())
	}
	t := &Trainer{
		m: m, train: train, test: test, cfg: cfg,
		tg: newGatherer(train), eg: newGatherer(test),
		x: make([]float64, rows*mc.Inputs), labels: make([]byte, rows),
		order: make([]int32, train.N),
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x6f72646572)), // "order"
	}
	for i := range t.order {
		t.order[i] = int32(i)
	}
	return t, nil
}

// Config returns the training configuration, defaults filled in.
func (t *Trainer) Config() TrainConfig { return t.cfg }

func (t *Trainer) batch(rows int) blas64.General {
	f := t.m.Config().Inputs
	return blas64.General{Rows: rows, Cols: f, Stride: f, Data: t.x[:rows*f]}
}

// Evaluate returns the mean loss and the accuracy of the model on the
// first rows test rows (all when rows <= 0 or beyond the split).
func (t *Trainer) Evaluate(rows int) (loss, acc float64, n int) {
	n = t.test.N
	if rows > 0 && rows < n {
		n = rows
	}
	var sum float64
	correct := 0
	for lo := 0; lo < n; lo += t.cfg.EvalBatch {
		hi := min(n, lo+t.cfg.EvalBatch)
		x := t.batch(hi - lo)
		t.eg.gatherRange(x, t.labels, lo, hi)
		l, c := t.m.Evaluate(x, t.labels[:hi-lo])
		sum += l * float64(hi-lo)
		correct += c
	}
	return sum / float64(n), float64(correct) / float64(n), n
}

// Run trains for the configured steps, calling progress (when not nil)
// after every step with the number of steps done, and returns the
// checkpoints. Divergence (a non-finite batch loss) ends training with
// StatusDiverged; it is a result, not an error.
func (t *Trainer) Run(progress func(step int)) *Result { return t.RunUntil(progress, nil) }

// RunUntil is Run that also stops at the minibatch-step boundary after
// stop is closed (nil: never). It looks at stop once per step, without
// blocking or allocating. Stopped after step t < Steps, it returns
// StatusInterrupted with Message "interrupted at step t", after recording
// a last checkpoint at step t (when t is one already, its test figures are
// measured again on every test row) evaluated on the whole test split, as
// the last checkpoint of a full run is. An interruption is a result, not
// an error.
func (t *Trainer) RunUntil(progress func(step int), stop <-chan struct{}) *Result {
	c := t.cfg
	res := &Result{Status: StatusDone}
	perEpoch := t.train.N / c.Batch

	// Step 0: the first batch's loss at the initial weights.
	t.shuffle()
	x := t.batch(c.Batch)
	t.tg.gather(x, t.labels, t.order[:c.Batch])
	l0, c0 := t.m.Evaluate(x, t.labels[:c.Batch])
	t.checkpoint(res, 0, l0, float64(c0)/float64(c.Batch), false)

	var lossSum float64
	var correct, batches int
	var wall time.Duration
	cpu0 := energy.CPUSeconds()
	for step := 1; step <= c.Steps; step++ {
		if isClosed(stop) {
			done := step - 1
			res.Status = StatusInterrupted
			res.Message = fmt.Sprintf("interrupted at step %d", done)
			if batches > 0 {
				t.checkpoint(res, done, lossSum/float64(batches), float64(correct)/float64(batches*c.Batch), true)
			} else if last := &res.Checkpoints[len(res.Checkpoints)-1]; last.TestRows < t.test.N {
				// Stopped on a checkpoint that evaluated EvalRows rows:
				// the last one evaluates them all.
				last.TestLoss, last.TestAccuracy, last.TestRows = t.Evaluate(0)
			}
			break
		}
		flops := t.m.Flops()
		start := time.Now()
		pos := (step - 1) % perEpoch
		if pos == 0 && step > 1 {
			t.shuffle()
		}
		t.tg.gather(x, t.labels, t.order[pos*c.Batch:(pos+1)*c.Batch])
		loss, ok := t.m.LossGrad(x, t.labels[:c.Batch])
		t.m.Step(c.EtaAt(step), c.Momentum)
		wall += time.Since(start)
		res.Flops += t.m.Flops() - flops
		lossSum += loss
		correct += ok
		batches++
		res.Steps = step
		res.Seconds = wall.Seconds()
		res.CPUSeconds = energy.CPUSeconds() - cpu0
		if progress != nil {
			progress(step)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			res.Status = StatusDiverged
			res.Message = fmt.Sprintf("diverged at step %d (batch loss %v)", step, loss)
			break
		}
		if step%c.Every == 0 || step == c.Steps {
			cpu := energy.CPUSeconds()
			t.checkpoint(res, step, lossSum/float64(batches), float64(correct)/float64(batches*c.Batch), step == c.Steps)
			cpu0 += energy.CPUSeconds() - cpu // evaluation is not training
			lossSum, correct, batches = 0, 0, 0
		}
	}
	return res
}

// isClosed reports whether stop is closed, without blocking (nil: never).
func isClosed(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// checkpoint evaluates the model and appends a checkpoint.
func (t *Trainer) checkpoint(res *Result, step int, trainLoss, trainAcc float64, last bool) {
	rows := t.cfg.EvalRows
	if last {
		rows = 0
	}
	loss, acc, n := t.Evaluate(rows)
	res.Checkpoints = append(res.Checkpoints, Checkpoint{
		Step: step, Epoch: float64(step*t.cfg.Batch) / float64(t.train.N),
		Seconds: res.Seconds, CPUSeconds: res.CPUSeconds,
		TrainLoss: trainLoss, TrainAccuracy: trainAcc,
		TestLoss: loss, TestAccuracy: acc, TestRows: n,
	})
}

func (t *Trainer) shuffle() {
	t.rng.Shuffle(len(t.order), func(i, j int) { t.order[i], t.order[j] = t.order[j], t.order[i] })
}

// Latency returns the mean inference time per row, in seconds, of the
// model's forward pass over batches of rows test rows (the first ones,
// repeated when the split is shorter), timed over at least minSeconds and 3
// batches. Gathering the pixels is not timed.
func (t *Trainer) Latency(rows int, minSeconds float64) float64 {
	if rows > t.m.MaxRows() {
		panic(fmt.Sprintf("mlp: latency batch %d exceeds the model's capacity %d", rows, t.m.MaxRows()))
	}
	f := t.m.Config().Inputs
	x := blas64.General{Rows: rows, Cols: f, Stride: f, Data: make([]float64, rows*f)}
	labels := make([]byte, rows)
	index := make([]int32, rows)
	for i := range index {
		index[i] = int32(i % t.test.N)
	}
	t.eg.gather(x, labels, index)
	t.m.Forward(x) // warm up
	var iters int
	start := time.Now()
	for iters < 3 || time.Since(start).Seconds() < minSeconds {
		t.m.Forward(x)
		iters++
	}
	return time.Since(start).Seconds() / float64(iters*rows)
}
