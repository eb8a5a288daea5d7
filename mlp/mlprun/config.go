// Package mlprun runs the nonlinear experiment of lowdim (DESIGN.md
// section 5): it trains the MLP variants of package mlp (original, with a
// wide deep linear block, with a compressed block) on one IDX data set with
// the same data order, measures accuracy, loss, time and inference latency,
// compares the compressed block with the wide one, and writes run.json,
// trajectories.csv and the figures. cmd/lowdim wires it to
// `lowdim run --preset fmnist` and `--preset mnist`.
package mlprun

import (
	"errors"
	"sort"
	"strings"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/mlp"
)

// Config is the configuration of an MLP run: see config.MLP, where it
// lives so that a run record can carry it.
type Config = config.MLP

// Dataset names.
const (
	FashionMNIST = "fashion-mnist"
	MNIST        = "mnist"
)

// presets are the named configurations. fmnist is sized so that the three
// variants train in a few minutes on two cores with gonum's pure-Go BLAS.
var presets = map[string]Config{
	"fmnist": {
		Dataset: FashionMNIST, Methods: []string{"original", "dln", "cdln"},
		Width: 256, Width2: 128, Depth: 3, RHat: 32, Eps: 1, Alpha: 2,
		Batch: 64, Eta: 0.02, Momentum: 0.9, Schedule: mlp.ScheduleCosine, Epochs: 5,
		Standardize: true, LatencySeconds: 0.5,
	},
	"mnist": {
		Dataset: MNIST, Methods: []string{"original", "dln", "cdln"},
		Width: 256, Width2: 128, Depth: 3, RHat: 32, Eps: 1, Alpha: 2,
		Batch: 64, Eta: 0.02, Momentum: 0.9, Schedule: mlp.ScheduleCosine, Epochs: 3,
		Standardize: true, LatencySeconds: 0.5,
	},
}

// IsPreset reports whether name is one of this package's presets.
func IsPreset(name string) bool {
	_, ok := presets[name]
	return ok
}

// Presets returns the preset names, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preset returns the named preset, or an error naming the known ones.
func Preset(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return Config{}, &ConfigError{Flag: "preset", Value: name, Why: "unknown preset (want " + strings.Join(Presets(), " or ") + ")"}
	}
	c.Preset = name
	c.Methods = append([]string(nil), c.Methods...)
	return c, nil
}

// ConfigError is an invalid configuration value; it names the flag.
type ConfigError = config.ConfigError

// ErrData is wrapped by errors about the data set (missing, unreadable,
// or not fitting the configuration).
var ErrData = errors.New("data")
