package mlprun

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"time"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp"
	"github.com/lowdim/lowdim/results"
)

// Data is a loaded data set and where it came from.
type Data struct {
	Set *idx.Set
	// Name is "fashion-mnist", "mnist" or "idx" (a --data folder).
	Name string
	// Source says in words where the files came from, for stdout.
	Source string
}

// fashionDir is where LoadData looks for FashionMNIST (a variable for
// tests).
var fashionDir = idx.FashionMNISTDir

// LoadData reads the data set of c: the folder c.Data when set; otherwise
// FashionMNIST from idx.FashionMNISTDir when c.Dataset is fashion-mnist and
// that folder exists, else MNIST from the GoMNIST module. Errors wrap
// ErrData and name the folder or file.
func LoadData(c Config) (*Data, error) {
	var d Data
	dir := c.Data
	switch {
	case dir != "":
		d.Name, d.Source = "idx", "IDX files in "+dir+" (--data)"
	case c.Dataset == FashionMNIST && exists(fashionDir):
		dir = fashionDir
		d.Name, d.Source = FashionMNIST, "FashionMNIST from "+dir+" (Debian package dataset-fashion-mnist)"
	default:
		var err error
		dir, err = idx.MNISTDir()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrData, err)
		}
		d.Name, d.Source = MNIST, "MNIST from "+dir+" (Go module "+idx.GoMNISTModule+")"
		if c.Dataset == FashionMNIST {
			d.Source += "; FashionMNIST is not installed (" + fashionDir +
				" is missing: apt-get install dataset-fashion-mnist)"
		}
	}
	set, err := idx.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrData, err)
	}
	if set.Classes < 2 {
		return nil, fmt.Errorf("%w: %s: %d class, need at least 2", ErrData, set.Train.LabelFile, set.Classes)
	}
	d.Set = set
	return &d, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// Options are the run's side channels.
type Options struct {
	// Progress, when not nil, makes a progress reporter per method: set
	// (when not nil) is called after each step, done (when not nil) at the
	// end.
	Progress func(method string, steps int) (set func(int), done func())
	// Log, when not nil, gets one line per finished method.
	Log io.Writer
	// Interrupt, when not nil, interrupts the run once it is closed (on
	// SIGINT or SIGTERM): the method training stops at its next minibatch
	// step (mlp.Trainer.RunUntil), the methods after it are not trained,
	// and Run returns the complete record marked interrupted (see Run).
	Interrupt <-chan struct{}
}

// Run trains every method of c (validated) on d with one data order and
// returns the record, a results.Run of kind results.KindMLP. Divergence is
// a result (a method's status), not an error.
//
// So is an interruption (opt.Interrupt closed): the method training stops
// at its next step with status results.Interrupted and Message
// "interrupted at step t" (its checkpoints up to t, the last on the whole
// test split; no latency), each method after it has Message "interrupted
// before training (step 0)" and no checkpoint, the record has Interrupted
// set, the claim's checks on a method cut short are not evaluable, and the
// ratios of such a method compare only time per step and parameters.
func Run(c Config, d *Data, opt Options) (*results.Run, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	set := d.Set
	train := mlp.FromSplit(&set.Train, set.Classes).Head(c.TrainRows)
	test := mlp.FromSplit(&set.Test, set.Classes)
	info := results.DataInfo{
		Name: d.Name, Source: d.Source, Dir: set.Dir,
		TrainRows: train.N, TestRows: test.N, Rows: set.Train.Rows, Cols: set.Train.Cols, Classes: set.Classes,
		Scale: "p/255",
	}
	if c.Standardize {
		mean, std := train.PixelStats()
		if !(std > 0) {
			return nil, fmt.Errorf("%w: %s: every pixel has the same value; cannot standardise", ErrData, set.Train.ImageFile)
		}
		train.Standardize(mean, std)
		test.Standardize(mean, std)
		info.Scale, info.Mean, info.Std = "(p/255 - mean)/std", &mean, &std
	}
	if c.Batch > train.N {
		return nil, &ConfigError{Flag: "batch", Value: c.Batch, Why: fmt.Sprintf("exceeds the %d training rows", train.N)}
	}
	fp := machine.Read()
	rec := &results.Run{
		Schema: results.RunSchema, Kind: results.KindMLP,
		Tool: "lowdim", Version: fp.Version, Backend: machine.BLASBackend,
		Started:   time.Now().UTC().Format(time.RFC3339),
		MLPConfig: &c, Machine: fp, Data: &info,
	}
	for _, name := range c.Methods {
		v, _ := mlp.ParseVariant(name)
		if interrupted(opt.Interrupt) {
			rec.Methods = append(rec.Methods, notStarted(c, v, train, opt))
			continue
		}
		mr, err := runMethod(c, v, train, test, opt)
		if err != nil {
			return nil, err
		}
		rec.Methods = append(rec.Methods, *mr)
	}
	for _, m := range rec.Methods {
		rec.Interrupted = rec.Interrupted || m.Status == results.Interrupted
	}
	finish(rec)
	return rec, nil
}

// latencyBatches are the batch sizes of the inference latency.
var latencyBatches = [2]int{1, 256}

func runMethod(c Config, v mlp.Variant, train, test *mlp.Data, opt Options) (*results.MethodResult, error) {
	tc := c.Training().WithDefaults(train.N)
	mc := c.Model(v, train.Features, train.Classes)
	rows := max(tc.Batch, min(tc.EvalBatch, test.N), latencyBatches[1])
	heap0 := machine.HeapBytes()
	m, err := mlp.New(mc, rows)
	if err != nil {
		return nil, err
	}
	t, err := mlp.NewTrainer(m, train, test, tc)
	if err != nil {
		return nil, err
	}
	var progress func(int)
	done := func() {}
	if opt.Progress != nil {
		progress, done = opt.Progress(string(v), tc.Steps)
	}
	res := t.RunUntil(progress, opt.Interrupt)
	if done != nil {
		done()
	}
	peak := max(heap0, machine.HeapBytes())

	x := &results.MLPMethod{
		CPUSeconds:       finite(res.CPUSeconds),
		StepFlops:        mc.StepFlops(tc.Batch, tc.Momentum != 0),
		CountedFlops:     res.Flops,
		InferFlopsPerRow: mc.ForwardFlops(1),
		Trajectory:       finiteCheckpoints(res.Checkpoints),
	}
	mr := &results.MethodResult{
		Method: string(v), Steps: res.Steps, Seconds: res.Seconds,
		Params: m.Params(), ParamBytes: 8 * int64(m.Params()),
		WorkspaceBytes: m.WorkspaceBytes(), PeakHeapBytes: peak,
		MLP: x,
	}
	if res.Steps > 0 {
		mr.SecondsPerStep = res.Seconds / float64(res.Steps)
	}
	if res.Seconds > 0 {
		mr.GFLOPS = float64(res.Flops) / res.Seconds / 1e9
	}
	for _, s := range mc.Shapes() {
		mr.Layers = append(mr.Layers, [2]int{s.Rows, s.Cols})
	}
	switch res.Status {
	case mlp.StatusDone:
		mr.Status = results.MaxSteps
	case mlp.StatusInterrupted:
		mr.Status, mr.Message = results.Interrupted, res.Message
	default:
		mr.Status = results.Diverged
		mr.Message = res.Message
	}
	if n := len(x.Trajectory); n > 0 {
		last := x.Trajectory[n-1]
		x.FinalTestAccuracy, x.FinalTestLoss = &last.TestAccuracy, &last.TestLoss
		mr.FinalTrainLoss = &last.TrainLoss
		best := last.TestAccuracy
		for _, cp := range x.Trajectory {
			best = max(best, cp.TestAccuracy)
		}
		x.BestTestAccuracy = &best
	}
	if res.Status == mlp.StatusDone {
		b1 := t.Latency(latencyBatches[0], c.LatencySeconds)
		b256 := t.Latency(latencyBatches[1], c.LatencySeconds)
		x.LatencyBatch1, x.LatencyBatch256 = &b1, &b256
	}
	if opt.Log != nil {
		acc := "-"
		if x.FinalTestAccuracy != nil {
			acc = fmt.Sprintf("%.4f", *x.FinalTestAccuracy)
		}
		fmt.Fprintf(opt.Log, "%-8s %d steps in %.1f s, test accuracy %s%s\n", v, res.Steps, res.Seconds, acc, logNote(mr))
	}
	return mr, nil
}

// finiteCheckpoints returns the checkpoints whose values are all finite
// (JSON has no NaN), those before a divergence, as recorded: a CPU time
// that is NaN (not reported) is nil.
func finiteCheckpoints(cs []mlp.Checkpoint) []results.MLPCheckpoint {
	out := make([]results.MLPCheckpoint, 0, len(cs))
	for _, c := range cs {
		ok := true
		for _, v := range []float64{c.Epoch, c.Seconds, c.TrainLoss, c.TrainAccuracy, c.TestLoss, c.TestAccuracy} {
			ok = ok && finite(v) != nil
		}
		if !ok {
			break
		}
		out = append(out, results.MLPCheckpoint{
			Step: c.Step, Epoch: c.Epoch, Seconds: c.Seconds, CPUSeconds: finite(c.CPUSeconds),
			TrainLoss: c.TrainLoss, TrainAccuracy: c.TrainAccuracy,
			TestLoss: c.TestLoss, TestAccuracy: c.TestAccuracy, TestRows: c.TestRows,
		})
	}
	return out
}

// finite returns &v, or nil when v is NaN or infinite.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
