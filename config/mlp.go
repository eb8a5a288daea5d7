package config

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/lowdim/lowdim/mlp"
)

// MLP is the configuration of an MLP run (package mlp/mlprun): a preset's
// values, overridden by flags. Every field is a flag of `lowdim run
// --preset fmnist|mnist` (see the JSON tags: underscores for dashes); zero
// Steps means Epochs decide. Presets live in mlprun.
//
// MLP sits here, beside Config, so that a run record (results.Run) can
// carry it as a typed value; it imports package mlp only for validation.
type MLP struct {
	// Preset names the preset the run started from.
	Preset string `json:"preset"`
	// Data is the IDX folder; empty: the preset's data set (Dataset).
	Data string `json:"data,omitempty"`
	// Dataset is the preset's data set: "fashion-mnist" (falls back to
	// MNIST when the Debian package is absent) or "mnist".
	Dataset string `json:"dataset"`
	// Methods are the variants to train, in order.
	Methods []string `json:"methods"`
	// Width is the first hidden layer's width and the block's, Width2
	// the second hidden layer's.
	Width  int `json:"width"`
	Width2 int `json:"width2"`
	// Depth is the number of block layers L; RHat the compressed width.
	Depth int `json:"depth"`
	RHat  int `json:"r_hat"`
	// Eps scales the block's orthogonal initialisation; Alpha multiplies
	// the learning rate of the compressed block's outer layers.
	Eps   float64 `json:"eps"`
	Alpha float64 `json:"alpha"`
	// Training: minibatch size, learning rate, momentum, schedule, epochs
	// or steps, checkpoint interval (steps), test rows evaluated at
	// intermediate checkpoints (0: all), training rows used (0: all).
	Batch     int     `json:"batch"`
	Eta       float64 `json:"eta"`
	Momentum  float64 `json:"momentum"`
	Schedule  string  `json:"schedule"`
	Epochs    int     `json:"epochs"`
	Steps     int     `json:"steps,omitempty"`
	Every     int     `json:"every,omitempty"`
	EvalRows  int     `json:"eval_rows,omitempty"`
	TrainRows int     `json:"train_rows,omitempty"`
	// Standardize maps pixels to (p/255 - mean)/std with the training
	// split's mean and std; otherwise p/255.
	Standardize bool `json:"standardize"`
	// Seed seeds the weights (shared outer layers) and the data order.
	Seed uint64 `json:"seed"`
	// LatencySeconds is the least time each latency measurement runs.
	LatencySeconds float64 `json:"latency_seconds"`
}

// Bounds of an MLP run's sizes, checked before anything is allocated: a
// hidden width of 65536 makes a 784 x 65536 first layer (411 MB) and a
// block of L 65536 x 65536 layers (34 GB each), which the memory preflight
// of mlprun then refuses on most machines; a larger width is a typing
// error. The batch is at most the training rows (checked once the data is
// read); 2^20 bounds it before. MaxMLPEpochs keeps the step count
// epochs x rows/batch far from overflowing an int; MaxLatencySeconds bounds
// each of the four latency measurements of a method.
const (
	MaxMLPWidth       = 1 << 16
	MaxMLPBatch       = 1 << 20
	MaxMLPEpochs      = 1_000_000
	MaxLatencySeconds = 60
)

// mlpUses lists the flags only some MLP variants use, with those variants:
// the block's depth and initialization are dln's and cdln's, the
// compressed width and its outer-layer multiplier cdln's.
var mlpUses = map[string][]string{
	"depth": {"dln", "cdln"},
	"eps":   {"dln", "cdln"},
	"r-hat": {"cdln"},
	"alpha": {"cdln"},
}

// Unused returns why the value of flag is not used by the run c, or ""
// when it is: a flag of variants c does not train, or --epochs when
// --steps sets the budget.
func (c MLP) Unused(flag string) string {
	if users, ok := mlpUses[flag]; ok {
		for _, m := range c.Methods {
			for _, u := range users {
				if m == u {
					return ""
				}
			}
		}
		return fmt.Sprintf("does not apply to --methods %s (it is used only by %s)", strings.Join(c.Methods, ","), strings.Join(users, " and "))
	}
	if flag == "epochs" && c.Steps > 0 {
		return fmt.Sprintf("does not apply with --steps %d (the step budget replaces the epochs)", c.Steps)
	}
	return ""
}

// Validate returns a *ConfigError naming the flag of the first invalid
// value of c. The values package mlp also checks are checked by mlp's
// Validate methods (for every method's model), their fields renamed to the
// flags; the batch is checked against the training rows once the data is
// read (mlprun.Run).
func (c MLP) Validate() error {
	bad := func(flag string, v any, why string) error { return &ConfigError{Flag: flag, Value: v, Why: why} }
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if len(c.Methods) == 0 {
		return bad("methods", "''", "no method (want a comma list of original, dln, cdln)")
	}
	seen := map[string]bool{}
	var variants []mlp.Variant
	for _, m := range c.Methods {
		v, err := mlp.ParseVariant(m)
		if err != nil {
			return bad("methods", strings.Join(c.Methods, ","), fmt.Sprintf("unknown method %q (want original, dln, cdln)", m))
		}
		if seen[m] {
			return bad("methods", strings.Join(c.Methods, ","), fmt.Sprintf("method %q given twice", m))
		}
		seen[m] = true
		variants = append(variants, v)
	}
	// What only a run has: a block of at least 2 layers for every method
	// (the variants share it), zero steps and every meaning "from the
	// epochs", training rows and latency.
	switch {
	case c.Depth < 2:
		return bad("depth", c.Depth, "the block needs at least 2 layers")
	case c.Depth > MaxDepth:
		return bad("depth", c.Depth, fmt.Sprintf("the block has at most %d layers (config.MaxDepth)", MaxDepth))
	case c.Width > MaxMLPWidth:
		return bad("width", c.Width, fmt.Sprintf("must be at most %d (config.MaxMLPWidth)", MaxMLPWidth))
	case c.Width2 > MaxMLPWidth:
		return bad("width2", c.Width2, fmt.Sprintf("must be at most %d (config.MaxMLPWidth)", MaxMLPWidth))
	case c.Batch < 1:
		return bad("batch", c.Batch, "must be at least 1")
	case c.Batch > MaxMLPBatch:
		return bad("batch", c.Batch, fmt.Sprintf("must be at most %d (config.MaxMLPBatch)", MaxMLPBatch))
	case c.Epochs > MaxMLPEpochs:
		return bad("epochs", c.Epochs, fmt.Sprintf("must be at most %d (config.MaxMLPEpochs)", MaxMLPEpochs))
	case c.LatencySeconds > MaxLatencySeconds:
		return bad("latency-seconds", c.LatencySeconds, fmt.Sprintf("must be at most %g (config.MaxLatencySeconds)", float64(MaxLatencySeconds)))
	case c.Steps < 0:
		return bad("steps", c.Steps, "must not be negative (0: --epochs decide)")
	case c.Every < 0:
		return bad("every", c.Every, "must not be negative (0: about half an epoch)")
	case c.TrainRows < 0:
		return bad("train-rows", c.TrainRows, "must not be negative (0: the whole training split)")
	case !(c.LatencySeconds >= 0) || !finite(c.LatencySeconds):
		return bad("latency-seconds", c.LatencySeconds, "must be non-negative and finite")
	}
	for _, v := range variants {
		// Any valid data shape: the data's are checked once it is read.
		if err := c.Model(v, 1, 2).Validate(); err != nil {
			return flagError(err)
		}
	}
	tc := c.Training()
	tc.Steps, tc.Every, tc.EvalBatch = max(tc.Steps, 1), max(tc.Every, 1), 1
	return flagError(tc.Validate(c.Batch))
}

// Model returns the model of variant v for data of inputs features and
// classes classes.
func (c MLP) Model(v mlp.Variant, inputs, classes int) mlp.Config {
	return mlp.Config{
		Variant: v, Inputs: inputs, Classes: classes, Hidden1: c.Width, Hidden2: c.Width2,
		Depth: c.Depth, RHat: c.RHat, Eps: c.Eps, Alpha: c.Alpha, Seed: c.Seed,
	}
}

// Training returns the training configuration of c, defaults not applied
// (mlp.TrainConfig.WithDefaults).
func (c MLP) Training() mlp.TrainConfig {
	return mlp.TrainConfig{
		Batch: c.Batch, Eta: c.Eta, Momentum: c.Momentum, Schedule: c.Schedule,
		Epochs: c.Epochs, Steps: c.Steps, Every: c.Every, EvalRows: c.EvalRows, Seed: c.Seed,
	}
}

// flagError returns err, a *mlp.FieldError, as a *ConfigError naming the
// flag of the field (nil for nil).
func flagError(err error) error {
	if err == nil {
		return nil
	}
	var fe *mlp.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	flag := fe.Field
	switch flag {
	case "hidden1":
		flag = "width"
	case "hidden2":
		flag = "width2"
	}
	return &ConfigError{Flag: flag, Value: fe.Value, Why: fe.Why}
}
