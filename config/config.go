package config

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Config is one run: a problem, the methods to train on it and how long.
// Field tags name the flags of `lowdim run` and the keys of a TOML config
// file. Zero values mean the documented defaults (see Defaults).
type Config struct {
	// Name labels the run in a suite (e.g. "mf" in the quick preset).
	Name string `toml:"name" json:"name,omitempty"`
	// Workload is "mf", "mc" or "ms".
	Workload string `toml:"workload" json:"workload"`
	// Loss is the MF loss reduction, "mean" (default) or "sum".
	Loss string `toml:"loss" json:"loss,omitempty"`
	// Spectrum is the target generator: "spread" (default, the paper's),
	// "top", or "geometric" (singular values 10, 10q, 10q^2, ... with
	// q = Ratio).
	Spectrum string  `toml:"spectrum" json:"spectrum"`
	Ratio    float64 `toml:"ratio" json:"ratio,omitempty"`
	// D is the size of the d x d target, R its rank.
	D int `toml:"d" json:"d"`
	R int `toml:"r" json:"r"`
	// RHat is the compressed width (default 2R).
	RHat int `toml:"r-hat" json:"r_hat"`
	// Depth is the number of layers L (default 3).
	Depth int `toml:"depth" json:"depth"`
	// Eps is the initialization scale (default 1e-2).
	Eps float64 `toml:"eps" json:"eps"`
	// Eta is the base learning rate.
	Eta float64 `toml:"eta" json:"eta"`
	// EtaFrac, when positive, replaces Eta by this fraction of the
	// instance's stable learning rate (theory.StableEta with the target's
	// top singular value estimated from the data, the workload's
	// curvature, the depth and, when the compressed network is trained,
	// max(Alpha, 1)); Run and Verify resolve it once the instance is
	// built and record both.
	EtaFrac float64 `toml:"eta-frac" json:"eta_frac,omitempty"`
	// Alpha multiplies the learning rate of the compressed network's outer
	// layers (default 1).
	Alpha float64 `toml:"alpha" json:"alpha"`
	// Gamma multiplies the learning rate of the LoP network's outer factors;
	// 0 (the default) freezes them, which makes the LoP network reproduce
	// the original network's dynamics exactly on MF.
	Gamma float64 `toml:"gamma" json:"gamma"`
	// P is the observed fraction (MC).
	P float64 `toml:"p" json:"p,omitempty"`
	// M is the number of measurements (MS).
	M int `toml:"m" json:"m,omitempty"`
	// Noise is the standard deviation of the measurement noise (MS).
	Noise float64 `toml:"noise" json:"noise,omitempty"`
	// Path is the algorithm of a training step: "dense" forms the
	// end-to-end matrix and its gradient; "sampled" (MC only) evaluates the
	// residual on the observed entries and never forms W in a step;
	// "factored" (MF only) takes the gradient from the products of Phi with
	// the outer factors and never forms W in a step; "auto" (the default)
	// takes sampled (MC) or factored (MF) for networks of two or more layers
	// narrower than d and dense otherwise.
	Path string `toml:"path" json:"path"`
	// Storage is how an MC instance is held: "dense" (target, mask and
	// surrogate as d x d matrices), "sparse" (the target as its factors, the
	// observed entries in compressed sparse rows; no d x d matrix, so the
	// original and lop networks, which form one, cannot run), or "auto" (the
	// default: sparse when d > SparseMinD).
	Storage string `toml:"storage" json:"storage,omitempty"`
	// Steps is the step budget, Tol the training-loss tolerance (0: run all
	// steps), Every the checkpoint interval (default Steps/100).
	Steps int     `toml:"steps" json:"steps"`
	Tol   float64 `toml:"tol" json:"tol"`
	Every int     `toml:"every" json:"every"`
	// SVals is the number of top singular values of W recorded at each
	// checkpoint.
	SVals int `toml:"svals" json:"svals,omitempty"`
	// Seed seeds every random draw.
	Seed uint64 `toml:"seed" json:"seed"`
	// Methods lists the methods to train (default: all of Methods).
	// KnownMethods may be listed too.
	Methods []string `toml:"methods" json:"methods"`
}

// Method names.
const (
	Original   = "original"
	Compressed = "compressed"
	Narrow     = "narrow"
	BM         = "bm"
	LoP        = "lop"
)

// Instance storage (Config.Storage).
const (
	StorageAuto   = "auto"
	StorageDense  = "dense"
	StorageSparse = "sparse"
	// SparseMinD: with Storage auto, MC instances with d above it are held
	// sparse (a dense one would hold three d x d matrices: 1.6 GB at 8192).
	SparseMinD = 4096
)

// Sparse reports whether the instance of c is held sparse.
func (c Config) Sparse() bool {
	return c.Workload == "mc" && (c.Storage == StorageSparse || (c.Storage == StorageAuto && c.D > SparseMinD))
}

// Step algorithms (Config.Path).
const (
	PathAuto     = "auto"
	PathDense    = "dense"
	PathSampled  = "sampled"
	PathFactored = "factored"
)

// Methods lists the methods a run trains by default, in order.
var Methods = []string{Original, Compressed, Narrow, BM}

// KnownMethods lists every method: the default ones and the Law of
// Parsimony network (Yaras et al.), which verification uses.
var KnownMethods = []string{Original, Compressed, Narrow, BM, LoP}

// Workloads lists the known workloads.
var Workloads = []string{"mf", "mc", "ms"}

// ConfigError is an invalid configuration value.
type ConfigError struct {
	Flag  string // flag name without dashes, e.g. "r-hat"
	Value any
	Why   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid --%s %v: %s", e.Flag, e.Value, e.Why)
}

// Bad returns a *ConfigError for flag and value v, its reason formatted.
func Bad(flag string, v any, format string, args ...any) error {
	return &ConfigError{Flag: flag, Value: v, Why: fmt.Sprintf(format, args...)}
}

// WithDefaults returns c with every zero field that has a default set to it.
func (c Config) WithDefaults() Config {
	if c.Workload == "" {
		c.Workload = "mf"
	}
	if c.Loss == "" && c.Workload == "mf" {
		c.Loss = LossMean
	}
	if c.Spectrum == "" {
		c.Spectrum = "spread"
	}
	if c.Spectrum == "geometric" && c.Ratio == 0 {
		c.Ratio = 0.5
	}
	if c.RHat == 0 {
		c.RHat = 2 * c.R
	}
	if c.Depth == 0 {
		c.Depth = 3
	}
	if c.Path == "" {
		c.Path = PathAuto
	}
	if c.Storage == "" && c.Workload == "mc" {
		c.Storage = StorageAuto
	}
	if c.Eps == 0 {
		c.Eps = 1e-2
	}
	if c.Alpha == 0 {
		c.Alpha = 1
	}
	if c.Every == 0 {
		c.Every = max(1, c.Steps/100)
	}
	if len(c.Methods) == 0 {
		c.Methods = slices.Clone(Methods)
	}
	return c
}

// Validate checks every field of a configuration with defaults applied and
// returns a *ConfigError for the first invalid one.
func (c Config) Validate() error {
	finitePos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	if !slices.Contains(Workloads, c.Workload) {
		return Bad("workload", c.Workload, "unknown workload (want one of %s)", strings.Join(Workloads, ", "))
	}
	if c.Workload == "mf" && c.Loss != LossMean && c.Loss != LossSum {
		return Bad("loss", c.Loss, "unknown MF loss (want mean or sum)")
	}
	if c.Workload != "mf" && c.Loss != "" && c.Loss != LossMean {
		return Bad("loss", c.Loss, "only the MF workload has a sum loss")
	}
	switch c.Spectrum {
	case "spread", "top":
	case "geometric":
		if !(c.Ratio > 0 && c.Ratio <= 1) {
			return Bad("ratio", c.Ratio, "geometric ratio must be in (0, 1]")
		}
	default:
		return Bad("spectrum", c.Spectrum, "unknown target spectrum (want spread, top or geometric)")
	}
	if c.D < 2 {
		return Bad("d", c.D, "size must be at least 2")
	}
	if c.R < 1 {
		return Bad("r", c.R, "rank must be at least 1")
	}
	if c.R >= c.D {
		return Bad("r", c.R, "rank must be below --d %d", c.D)
	}
	if c.Spectrum == "spread" && 2*c.R > c.D {
		return Bad("r", c.R, "the spread target needs r <= d/2 = %d (use --spectrum top)", c.D/2)
	}
	if c.RHat < 1 {
		return Bad("r-hat", c.RHat, "compressed width must be at least 1")
	}
	if c.RHat > c.D {
		return Bad("r-hat", c.RHat, "compressed width must be at most --d %d", c.D)
	}
	if c.Depth < 2 {
		return Bad("depth", c.Depth, "depth must be at least 2")
	}
	if !finitePos(c.Eps) {
		return Bad("eps", c.Eps, "initialization scale must be positive and finite")
	}
	if !finitePos(c.Eta) {
		return Bad("eta", c.Eta, "learning rate must be positive and finite")
	}
	if !finitePos(c.Alpha) {
		return Bad("alpha", c.Alpha, "outer learning-rate multiplier must be positive and finite")
	}
	if !(c.EtaFrac >= 0 && c.EtaFrac < 2) {
		return Bad("eta-frac", c.EtaFrac, "fraction of the stable learning rate must be in (0, 2) (0: use --eta)")
	}
	if c.Workload == "mc" && !(c.P > 0 && c.P <= 1) {
		return Bad("p", c.P, "observed fraction must be in (0, 1]")
	}
	if c.Workload == "ms" {
		if c.M < 1 {
			return Bad("m", c.M, "number of measurements must be at least 1")
		}
		if c.Noise < 0 || math.IsNaN(c.Noise) || math.IsInf(c.Noise, 0) {
			return Bad("noise", c.Noise, "noise must be finite and >= 0")
		}
	}
	switch c.Path {
	case PathAuto, PathDense:
	case PathSampled:
		if c.Workload != "mc" {
			return Bad("path", c.Path, "the sampled step is for matrix completion (--workload mc)")
		}
	case PathFactored:
		if c.Workload != "mf" {
			return Bad("path", c.Path, "the factored step is for matrix factorization (--workload mf)")
		}
	default:
		return Bad("path", c.Path, "unknown step algorithm (want auto, dense, sampled or factored)")
	}
	switch c.Storage {
	case "", StorageAuto, StorageDense:
	case StorageSparse:
		if c.Workload != "mc" {
			return Bad("storage", c.Storage, "sparse storage is for matrix completion (--workload mc)")
		}
	default:
		return Bad("storage", c.Storage, "unknown storage (want auto, dense or sparse)")
	}
	if c.Sparse() {
		for _, m := range c.Methods {
			if m == Original || m == LoP {
				return Bad("methods", strings.Join(c.Methods, ","), "the %s network forms the d x d matrix, which a sparse instance (d = %d > %d, or --storage sparse) does not hold; use --storage dense or drop it", m, c.D, SparseMinD)
			}
		}
		if c.Path == PathDense {
			return Bad("path", c.Path, "a sparse instance trains with the sampled step")
		}
	}
	if c.Steps < 0 {
		return Bad("steps", c.Steps, "step budget must be >= 0")
	}
	if c.Tol < 0 || math.IsNaN(c.Tol) || math.IsInf(c.Tol, 0) {
		return Bad("tol", c.Tol, "tolerance must be finite and >= 0")
	}
	if c.Every < 1 {
		return Bad("every", c.Every, "checkpoint interval must be at least 1")
	}
	if c.SVals < 0 || c.SVals > c.D {
		return Bad("svals", c.SVals, "number of singular values must be in [0, %d]", c.D)
	}
	if len(c.Methods) == 0 {
		return Bad("methods", "", "no method given (want a comma list of %s)", strings.Join(KnownMethods, ","))
	}
	if c.Gamma < 0 || math.IsNaN(c.Gamma) || math.IsInf(c.Gamma, 0) {
		return Bad("gamma", c.Gamma, "LoP outer learning-rate multiplier must be finite and >= 0")
	}
	seen := map[string]bool{}
	for _, m := range c.Methods {
		if !slices.Contains(KnownMethods, m) {
			return Bad("methods", strings.Join(c.Methods, ","), "unknown method %q (want a comma list of %s)", m, strings.Join(KnownMethods, ","))
		}
		if m == LoP && 2*c.R >= c.D {
			return Bad("methods", strings.Join(c.Methods, ","), "the lop network needs 2r < d (r = %d, d = %d)", c.R, c.D)
		}
		if seen[m] {
			return Bad("methods", strings.Join(c.Methods, ","), "method %q listed twice", m)
		}
		seen[m] = true
	}
	return nil
}

// MF loss reductions (Config.Loss); the same strings as workloads.Mean and
// workloads.Sum.
const (
	LossMean = "mean"
	LossSum  = "sum"
)
