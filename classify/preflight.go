package classify

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp"
)

// This file holds a verify's preflights, run before anything is trained:
// the memory one (CheckMemory: the largest model against the memory
// available) and the time one (EstimateTime: a few timed steps of each
// model, the estimate refused above --max-time as experiment's time
// preflight refuses a run).

// spec is one model of a verify: a variant at a width (cdln).
type spec struct {
	v    mlp.Variant
	rhat int
}

// specs are the models of c in Verify's order: the original, +DLN, then
// +C-DLN at each width.
func (c Config) specs() []spec {
	s := []spec{{mlp.Original, 0}, {mlp.DLN, 0}}
	for _, r := range c.RHats {
		s = append(s, spec{mlp.CDLN, r})
	}
	return s
}

// modelName is a spec's name in the verdict: "original", "dln", "cdln
// r_hat=R".
func (s spec) modelName() string {
	if s.v == mlp.CDLN {
		return fmt.Sprintf("cdln r_hat=%d", s.rhat)
	}
	return string(s.v)
}

// NeedBytes returns the memory a verify of c adds to the process for
// data of inputs features and classes classes, in bytes: the largest
// model's EstimateBytes (one model is held at a time) and the training
// batch buffer (max(Batch, 512) rows of inputs float64), and that model's
// name. Computed in float64: no overflow.
func (c Config) NeedBytes(inputs, classes int) (float64, string) {
	var need float64
	var name string
	for _, s := range c.specs() {
		if b := c.Train.EstimateBytes(s.v, s.rhat, inputs, classes); b > need {
			need, name = b, s.modelName()
		}
	}
	return need + 8*float64(max(c.Train.Batch, 512))*float64(inputs), name
}

// CheckMemory is the memory preflight: it returns a *config.ConfigError
// when NeedBytes does not fit in machine.MemFraction of the memory the
// process may still take (machine.MemoryBudget; the data sets are already
// held), naming the flag whose value makes it too large (the first of
// --depth, --width, --width2 and --batch which, at DefaultTrain's value,
// would fit; else --width), its value and the bytes needed. It returns nil
// when the budget cannot be read. It allocates nothing large.
func (c Config) CheckMemory(inputs, classes int) error {
	b, err := machine.MemoryBudget()
	if err != nil {
		return nil
	}
	return c.checkMemory(inputs, classes, b)
}

func (c Config) checkMemory(inputs, classes int, b machine.Budget) error {
	need, name := c.NeedBytes(inputs, classes)
	avail := float64(b.Available) * machine.MemFraction
	if need <= avail {
		return nil
	}
	d := DefaultTrain
	flag, value := "width", any(c.Train.Width)
	for _, k := range []struct {
		flag  string
		value int
		set   func(*TrainConfig)
	}{
		{"depth", c.Train.Depth, func(t *TrainConfig) { t.Depth = min(t.Depth, d.Depth) }},
		{"width", c.Train.Width, func(t *TrainConfig) { t.Width = min(t.Width, d.Width) }},
		{"width2", c.Train.Width2, func(t *TrainConfig) { t.Width2 = min(t.Width2, d.Width2) }},
		{"batch", c.Train.Batch, func(t *TrainConfig) { t.Batch = min(t.Batch, d.Batch) }},
	} {
		cc := c
		k.set(&cc.Train)
		if cc.RHats = nil; k.flag == "width" {
			for _, r := range c.RHats {
				cc.RHats = append(cc.RHats, min(r, cc.Train.Width))
			}
		} else {
			cc.RHats = c.RHats
		}
		if n, _ := cc.NeedBytes(inputs, classes); n <= avail {
			flag, value = k.flag, k.value
			break
		}
	}
	bytes := "more than 18 EB"
	if need < math.MaxUint64 {
		bytes = machine.FormatBytes(uint64(need))
	}
	why := b.CheckFits(uint64(min(need, math.MaxUint64/2)), "training")
	return config.Bad(flag, value, "the %s model would hold about %s in training (%.3g bytes: parameters, gradients, velocities and activations of batches of %d rows, %d features): %v",
		name, bytes, need, max(c.Train.Batch, 512), inputs, why)
}

// TimeEstimate is the time preflight's estimate of one model's training.
type TimeEstimate struct {
	Model string `json:"model"`
	// Steps are the SGD steps of every seed, StepSeconds the measured wall
	// time of one, Seconds the estimate: Steps x StepSeconds plus the
	// evaluations after each epoch (a forward pass over the test rows,
	// taken as a third of a step per batch of rows).
	Steps       float64 `json:"steps"`
	StepSeconds float64 `json:"step_seconds"`
	Seconds     float64 `json:"seconds"`
}

// TimePlan is the time preflight of a verify.
type TimePlan struct {
	Models []TimeEstimate `json:"models"`
	// Seconds is the estimated training time of the whole verify,
	// MaxSeconds the limit (0: none, absent from the JSON), ProbeSeconds the time the probes
	// took.
	Seconds      float64 `json:"estimated_seconds"`
	MaxSeconds   float64 `json:"max_seconds,omitempty"`
	ProbeSeconds float64 `json:"probe_seconds"`
}

// How long EstimateTime probes each model: at least probeSteps steps (the
// first, which warms caches, discarded) and probeMinTime, at most
// probeMaxTime.
const (
	probeSteps   = 3
	probeMinTime = 50 * time.Millisecond
	probeMaxTime = 2 * time.Second
)

// EstimateTime is the time preflight: it times a few SGD steps (see
// probeSteps) of each model of c on train's first rows, a copy dropped
// afterwards, and estimates every model's training over c.Seeds to
// c.Train.Epochs, with testRows test rows evaluated after each epoch. An
// estimate above maxTime (when positive) is a *config.ConfigError naming
// --max-time, the estimate per model and how to insist (as
// experiment's time preflight). stop, when closed, ends the probes. It
// allocates one model at a time (CheckMemory first).
func EstimateTime(c Config, train *Set, testRows int, maxTime time.Duration, stop <-chan struct{}) (*TimePlan, error) {
	start := time.Now()
	tp := &TimePlan{MaxSeconds: maxTime.Seconds()}
	tc := c.Train
	f := train.Features
	rows := min(tc.Batch, train.N)
	x := blas64.General{Rows: rows, Cols: f, Stride: f, Data: train.X[:rows*f]}
	perSeed := float64(tc.Epochs) * float64(train.N/tc.Batch)
	evalBatches := float64(tc.Epochs) * math.Ceil(float64(testRows)/512) * 512 / float64(tc.Batch)
	for _, s := range c.specs() {
		m, err := mlp.New(tc.model(s.v, s.rhat, f, train.Classes, c.Seeds[0]), max(tc.Batch, 512))
		if err != nil {
			return nil, err
		}
		var took []time.Duration
		t0 := time.Now()
		for len(took) < probeSteps || time.Since(t0) < probeMinTime {
			if isClosed(stop) || time.Since(t0) > probeMaxTime {
				break
			}
			ts := time.Now()
			m.TrainStep(x, train.Y[:rows], tc.Eta, tc.Momentum)
			took = append(took, time.Since(ts))
		}
		if len(took) > 1 {
			took = took[1:]
		}
		var sum time.Duration
		for _, d := range took {
			sum += d
		}
		step := sum.Seconds() / float64(max(1, len(took)))
		steps := perSeed * float64(len(c.Seeds))
		e := TimeEstimate{Model: s.modelName(), Steps: steps, StepSeconds: step,
			Seconds: step * (steps + evalBatches*float64(len(c.Seeds))/3)}
		tp.Models = append(tp.Models, e)
		tp.Seconds += e.Seconds
	}
	tp.ProbeSeconds = time.Since(start).Seconds()
	if maxTime > 0 && tp.Seconds > maxTime.Seconds() && !isClosed(stop) {
		return tp, config.Bad("max-time", maxTime, "the verify is estimated to take %s on this machine (%s), more than --max-time allows; lower --epochs or --seeds, or give a longer limit or none (--max-time 0)",
			experiment.FormatSeconds(tp.Seconds), tp.parts())
	}
	return tp, nil
}

// parts lists each model's estimate: "original: 3 h (20000 steps at 0.5 s), ...".
func (tp *TimePlan) parts() string {
	var p []string
	for _, e := range tp.Models {
		p = append(p, fmt.Sprintf("%s: %s (%.4g steps at %s)", e.Model, experiment.FormatSeconds(e.Seconds), e.Steps, experiment.FormatSeconds(e.StepSeconds)))
	}
	return strings.Join(p, ", ")
}

// Line is the time preflight's line for stderr.
func (tp *TimePlan) Line() string {
	limit := "no limit (--max-time 0)"
	if tp.MaxSeconds > 0 {
		limit = "--max-time " + (time.Duration(tp.MaxSeconds * float64(time.Second))).String()
	}
	return fmt.Sprintf("time preflight: about %s of training (%s); %s", experiment.FormatSeconds(tp.Seconds), tp.parts(), limit)
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
