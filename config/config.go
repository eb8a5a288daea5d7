package config

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
)

// Config is one run: a problem, the methods to train on it and how long.
// The table of fields (Fields) names the flags of `lowdim run` and the keys
// of a TOML config file. Zero values mean the documented defaults (see
// WithDefaults).
type Config struct {
	// Name labels the run in a suite (e.g. "mf" in the quick preset).
	Name string `json:"name,omitempty"`
	// Workload is the name of a registered workload ("mf", "mc", "ms").
	Workload string `json:"workload"`
	// Spectrum is the target generator: "spread" (default, the paper's),
	// "top", or "geometric" (singular values 10, 10q, 10q^2, ... with
	// q = Ratio).
	Spectrum string  `json:"spectrum"`
	Ratio    float64 `json:"ratio,omitempty"`
	// D is the size of a square d x d target. Rows and Cols, when set,
	// give the m x n shape of a rectangular one (Dims: each side not set is
	// D); WithDefaults normalizes the shape to D alone for a square target
	// and to Rows and Cols alone (D = 0) for a rectangular one, so that a
	// configuration has one form (run.json keeps "d" for a square target,
	// as before, and "rows" and "cols" otherwise). The end-to-end matrix
	// W = W_L ... W_1 maps R^n to R^m: W_1 has n columns, W_L m rows.
	D    int `json:"d,omitempty"`
	Rows int `json:"rows,omitempty"`
	Cols int `json:"cols,omitempty"`
	// R is the target's rank.
	R int `json:"r"`
	// RHat is the compressed width (default 2R).
	RHat int `json:"r_hat"`
	// Depth is the number of layers L (default 3).
	Depth int `json:"depth"`
	// Width is the hidden width of the original network (default 0:
	// max(m, n), which WithDefaults normalizes to 0). Only the original
	// network uses it (MethodInfo.Uses).
	Width int `json:"width,omitempty"`
	// Eps is the initialization scale (default 1e-2).
	Eps float64 `json:"eps"`
	// Eta is the base learning rate.
	Eta float64 `json:"eta"`
	// EtaFrac, when positive, replaces Eta by this fraction of the
	// instance's stable learning rate (theory.StableEta with the target's
	// top singular value estimated from the data, the workload's
	// curvature, the depth and, when the compressed network is trained,
	// max(Alpha, 1)); Run and Verify resolve it once the instance is
	// built and record both.
	EtaFrac float64 `json:"eta_frac,omitempty"`
	// EtaFrom, when not empty, says why EtaFrac was set by default rather
	// than given (Resolve: a generated completion instance at scale, see
	// ScaleEta). It is a record, not a value: it is no field of the table
	// (Fields), so neither Canonical nor Hash sees it, and a configuration
	// whose --eta-frac was defaulted hashes as the one that gave it.
	EtaFrom string `json:"eta_from,omitempty"`
	// Alpha multiplies the learning rate of the compressed network's outer
	// layers (default 1).
	Alpha float64 `json:"alpha"`
	// Gamma multiplies the learning rate of the LoP network's outer factors;
	// 0 (the default) freezes them, which makes the LoP network reproduce
	// the original network's dynamics exactly on MF.
	Gamma float64 `json:"gamma"`
	// Path is the algorithm of a training step: "dense" forms the
	// end-to-end matrix and its gradient; the others are the workloads'
	// own (WorkloadInfo.Paths: "sampled" for MC, "factored" for MF), which
	// never form W in a step; "auto" (the default) takes the workload's
	// own for networks of two or more layers narrower than d and dense
	// otherwise.
	Path string `json:"path"`
	// Storage is how an MC instance is held: "dense" (target, mask and
	// surrogate as d x d matrices), "sparse" (the target as its factors, the
	// observed entries in compressed sparse rows; no d x d matrix, so the
	// original and lop networks, which form one, cannot run), or "auto" (the
	// default: sparse when d > SparseMinD).
	Storage string `json:"storage,omitempty"`
	// Steps is the step budget, Tol the training-loss tolerance (0: run all
	// steps), Every the checkpoint interval (default Steps/100).
	Steps int     `json:"steps"`
	Tol   float64 `json:"tol"`
	Every int     `json:"every"`
	// SVals is the number of top singular values of W recorded at each
	// checkpoint.
	SVals int `json:"svals,omitempty"`
	// Seed seeds every random draw.
	Seed uint64 `json:"seed"`
	// Methods lists the methods to train (default: DefaultMethods).
	Methods []string `json:"methods"`
	// Params holds the workload's own parameters by key (WorkloadInfo.
	// Params: "p" for mc, "m" and "noise" for ms, "loss" for mf), each an
	// int, float64 or string; read them with Int, Float and Text. In JSON
	// they sit beside the other fields ("p": 0.3), as in a TOML file.
	Params Params `json:"-"`
}

// Params are a workload's parameters by key.
type Params map[string]any

// Instance storage (Config.Storage).
const (
	StorageAuto   = "auto"
	StorageDense  = "dense"
	StorageSparse = "sparse"
	// SparseMinD: with Storage auto, MC instances with d above it are held
	// sparse (a dense one would hold three d x d matrices: 1.6 GB at 8192).
	SparseMinD = 4096
)

// Step algorithms (Config.Path). Workloads name their own besides these
// (WorkloadInfo.Paths).
const (
	PathAuto     = "auto"
	PathDense    = "dense"
	PathSampled  = "sampled"
	PathFactored = "factored"
)

// Float returns the numeric parameter key of c (0 when unset).
func (c Config) Float(key string) float64 {
	switch v := c.Params[key].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	}
	return 0
}

// Int returns the integer parameter key of c (0 when unset).
func (c Config) Int(key string) int {
	switch v := c.Params[key].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

// Text returns the string parameter key of c ("" when unset).
func (c Config) Text(key string) string {
	s, _ := c.Params[key].(string)
	return s
}

// Set sets the parameter key of c to v (an int, float64 or string).
func (c *Config) Set(key string, v any) {
	if c.Params == nil {
		c.Params = Params{}
	}
	c.Params[key] = v
}

// Clone returns a copy of c that shares no map or slice with it.
func (c Config) Clone() Config {
	c.Params = maps.Clone(c.Params)
	c.Methods = slices.Clone(c.Methods)
	return c
}

// Sparse reports whether the instance of c is held sparse (the workload's
// WorkloadInfo.Sparse).
func (c Config) Sparse() bool {
	w, ok := LookupWorkload(c.Workload)
	return ok && w.Sparse != nil && w.Sparse(c)
}

// Dims returns the target's shape m x n: Rows and Cols where set, D for a
// side that is not.
func (c Config) Dims() (rows, cols int) {
	rows, cols = c.Rows, c.Cols
	if rows == 0 {
		rows = c.D
	}
	if cols == 0 {
		cols = c.D
	}
	return rows, cols
}

// Square reports whether the target is square (m = n).
func (c Config) Square() bool {
	rows, cols := c.Dims()
	return rows == cols
}

// OriginalWidth returns the hidden width of the original network: Width
// when set, else max(m, n).
func (c Config) OriginalWidth() int {
	if c.Width > 0 {
		return c.Width
	}
	rows, cols := c.Dims()
	return max(rows, cols)
}

// SquareLayers reports whether every layer of the original network is
// square: a square target and the default width (the setting of the Law of
// Parsimony, Yaras et al., and of Kwon et al.'s comparison, both stated for
// L layers of d x d).
func (c Config) SquareLayers() bool {
	rows, cols := c.Dims()
	return rows == cols && c.OriginalWidth() == rows
}

// ShapeText names the target's shape in messages: "d = 30" for a square
// target, "30 x 45" for a rectangular one.
func (c Config) ShapeText() string {
	rows, cols := c.Dims()
	if rows == cols {
		return fmt.Sprintf("d = %d", rows)
	}
	return fmt.Sprintf("%d x %d", rows, cols)
}

// SizeFlag returns the flag that sets the target's size and its value, for
// a message about the size (a memory plan that does not fit): "d" for a
// square target, else the larger side's ("rows" or "cols").
func (c Config) SizeFlag() (flag string, value int) {
	rows, cols := c.Dims()
	switch {
	case rows == cols && c.Rows == 0 && c.Cols == 0:
		return "d", rows
	case rows > cols:
		return "rows", rows
	}
	return "cols", cols
}

// SetDims sets the target's shape to rows x cols in its normal form (D for
// a square target, Rows and Cols for a rectangular one): what a loaded
// instance or a user's file fixes.
func (c *Config) SetDims(rows, cols int) {
	c.D, c.Rows, c.Cols = rows, rows, cols
	c.normalizeShape()
}

// normalizeShape puts the shape in its one form: D alone for a square
// target, Rows and Cols alone (D = 0) for a rectangular one; a Width equal
// to the default max(m, n) becomes 0. A shape not known yet (0) is left.
func (c *Config) normalizeShape() {
	rows, cols := c.Dims()
	if rows == cols {
		c.D, c.Rows, c.Cols = rows, 0, 0
	} else if rows > 0 && cols > 0 {
		c.D, c.Rows, c.Cols = 0, rows, cols
	}
	if c.Width == max(rows, cols) {
		c.Width = 0
	}
}

// ConfigError is an invalid configuration value.
type ConfigError struct {
	Flag  string // flag name without dashes, e.g. "r-hat"
	Value any
	Why   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid --%s %v: %s", e.Flag, e.Value, e.Why)
}

// DefaultUserEtaFrac is the fraction of the stable learning rate a run on
// the user's own target trains at when neither --eta nor --eta-frac is
// given (Layers.UserData): the preset's eta is tuned for the preset's
// target and diverges on an ordinary one (a 60 x 60 matrix of top singular
// value 62 at paper-mf-fast's eta). Measured on user-like targets
// (experiment.TestEtaFracTable, the table in the README: 60 x 60 of rank 4
// and top singular value 62, scaled by 1e-3 to 1e3, 30 x 45, with 5% noise,
// and completion at p = 0.5; the original and the compressed network, L =
// 3): the steps to a loss of 1e-8 of its initial value fall as 1/fraction
// up to 0.9 on every target; at 1 the clean targets' top mode oscillates
// at the edge of stability and never converges, above it both networks
// diverge (at 1.2 the compressed network on completion, at 1.5 every
// target). 0.8 is 1.6 times as fast as 0.5 and keeps a fifth below that
// edge, a margin for the top singular value estimated from the data (the
// completion surrogate's is noisy).
const DefaultUserEtaFrac = 0.8

// ScaleEtaMinD is the size above which a generated completion instance
// trains at DefaultUserEtaFrac of its stable learning rate unless --eta or
// --eta-frac is given (ScaleEta): the stable rate falls with the target's
// top singular value, which grows with d, and a hand-set eta that trains
// at d = 16384 diverges at twice its value (issue 18). It is SparseMinD,
// the size where the auto storage turns sparse, so that every instance
// the auto storage holds sparse is covered.
const ScaleEtaMinD = SparseMinD

// ScaleEta reports whether c, a generated instance's resolved
// configuration, is one whose learning rate defaults to --eta-frac
// DefaultUserEtaFrac (Resolve): a completion (mc) run whose target's larger
// side is above ScaleEtaMinD, or whose instance is held sparse (--storage
// sparse at any size), and why, for the run record (Config.EtaFrom).
func ScaleEta(c Config) (bool, string) {
	if c.Workload != "mc" {
		return false, ""
	}
	c = c.WithDefaults()
	rows, cols := c.Dims()
	if n := max(rows, cols); n > ScaleEtaMinD {
		return true, fmt.Sprintf("--eta-frac %g is the default for a generated completion instance above d = %d (here %d): a hand-set eta that trains at one size diverges at a larger one; give --eta or --eta-frac to set it", DefaultUserEtaFrac, ScaleEtaMinD, n)
	}
	if c.Sparse() {
		return true, fmt.Sprintf("--eta-frac %g is the default for a sparse completion instance (--storage sparse): give --eta or --eta-frac to set it", DefaultUserEtaFrac)
	}
	return false, ""
}

// MaxDepth is the largest number of layers L a run accepts (--depth, and
// the MLP block's). The network stores L d x d layers and a step costs
// about 2L d x d products, both linear in L, and the preflight budgets them;
// but the end-to-end map of eps-initialized layers is eps^L, which
// underflows float64 (2^-1074) beyond L = 161 at the default eps = 0.01 and
// leaves nothing to learn long before that: at L = 64 it is 1e-128. 64 is
// about 20 times the default depth of 3 and above every depth the checks
// were measured at; --depth 100000 used to run for ever.
const MaxDepth = 64

// Bad returns a *ConfigError for flag and value v, its reason formatted.
func Bad(flag string, v any, format string, args ...any) error {
	return &ConfigError{Flag: flag, Value: v, Why: fmt.Sprintf(format, args...)}
}

// WithDefaults returns a copy of c with every zero field that has a default
// set to it, the workload's parameters included.
func (c Config) WithDefaults() Config {
	c = c.Clone()
	c.normalizeShape()
	if c.Workload == "" {
		c.Workload = "mf"
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
	w, known := LookupWorkload(c.Workload)
	if c.Storage == "" && known && w.Sparse != nil {
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
		c.Methods = DefaultMethods()
	}
	for _, p := range w.Params {
		if v, ok := c.Params[p.Key]; (!ok || isZero(v)) && p.Default != nil {
			c.Set(p.Key, p.Default)
		}
	}
	return c
}

func isZero(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case nil:
		return true
	}
	f, ok := number(v)
	return ok && f == 0
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// Validate checks every field of a configuration with defaults applied and
// returns a *ConfigError for the first invalid one.
func (c Config) Validate() error {
	finitePos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	w, ok := LookupWorkload(c.Workload)
	if !ok {
		return Bad("workload", c.Workload, "unknown workload (want one of %s)", strings.Join(WorkloadNames(), ", "))
	}
	if err := c.checkParams(w); err != nil {
		return err
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
	if err := c.checkShape(); err != nil {
		return err
	}
	if c.Depth < 2 {
		return Bad("depth", c.Depth, "depth must be at least 2")
	}
	if c.Depth > MaxDepth {
		return Bad("depth", c.Depth, "depth must be at most %d", MaxDepth)
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
	if err := c.checkPath(w); err != nil {
		return err
	}
	if w.Check != nil {
		if err := w.Check(c); err != nil {
			return err
		}
	}
	if c.Sparse() {
		for _, m := range c.Methods {
			if info, ok := LookupMethod(m); ok && info.FormsProduct {
				rows, cols := c.Dims()
				why := fmt.Sprintf("--storage %s", c.Storage) // sparse, given
				if c.Storage != StorageSparse {
					why = fmt.Sprintf("max(m, n) = %d > %d", max(rows, cols), SparseMinD)
					if rows == cols {
						why = fmt.Sprintf("d = %d > %d", c.D, SparseMinD)
					}
				}
				shape := "d x d"
				if rows != cols {
					shape = fmt.Sprintf("%d x %d", rows, cols)
				}
				return Bad("methods", strings.Join(c.Methods, ","), "the %s network forms the %s matrix, which a sparse instance (%s) does not hold; use --storage dense or drop it", m, shape, why)
			}
		}
		if c.Path == PathDense {
			return Bad("path", c.Path, "a sparse instance trains with the %s step", w.Paths[0])
		}
	}
	if c.Steps < 0 {
		return Bad("steps", c.Steps, "step budget must be >= 0")
	}
	if c.Name != "" && (c.Name != filepath.Base(c.Name) || c.Name == "." || c.Name == ".." || strings.ContainsAny(c.Name, `/\`)) {
		return Bad("name", c.Name, "a run's name is a folder name inside --out (no path separators, not . or ..)")
	}
	if math.IsNaN(c.Ratio) || math.IsInf(c.Ratio, 0) {
		return Bad("ratio", c.Ratio, "ratio must be finite")
	}
	if c.Tol < 0 || math.IsNaN(c.Tol) || math.IsInf(c.Tol, 0) {
		return Bad("tol", c.Tol, "tolerance must be finite and >= 0")
	}
	if c.Every < 1 {
		return Bad("every", c.Every, "checkpoint interval must be at least 1")
	}
	if rows, cols := c.Dims(); c.SVals < 0 || c.SVals > min(rows, cols) {
		return Bad("svals", c.SVals, "number of singular values must be in [0, %d]", min(rows, cols))
	}
	if len(c.Methods) == 0 {
		return Bad("methods", "", "no method given (want a comma list of %s)", strings.Join(MethodNames(), ","))
	}
	if c.Gamma < 0 || math.IsNaN(c.Gamma) || math.IsInf(c.Gamma, 0) {
		return Bad("gamma", c.Gamma, "LoP outer learning-rate multiplier must be finite and >= 0")
	}
	seen := map[string]bool{}
	for _, m := range c.Methods {
		info, ok := LookupMethod(m)
		if !ok {
			return Bad("methods", strings.Join(c.Methods, ","), "unknown method %q (want a comma list of %s)", m, strings.Join(MethodNames(), ","))
		}
		if info.Check != nil {
			if err := info.Check(c); err != nil {
				return err
			}
		}
		if seen[m] {
			return Bad("methods", strings.Join(c.Methods, ","), "method %q listed twice", m)
		}
		seen[m] = true
	}
	return nil
}

// checkShape checks the target's shape and the sizes that depend on it:
// both sides at least 2, the rank below min(m, n) (at most min(m, n)/2 for
// the spread generator), the compressed width at most min(m, n) (its
// spectral init takes that many singular vectors of the m x n surrogate),
// the original's width at least the rank. A square target keeps the
// messages it always had (naming --d).
func (c Config) checkShape() error {
	rows, cols := c.Dims()
	if rows == cols && c.Rows == 0 && c.Cols == 0 {
		d := c.D
		switch {
		case d < 2:
			return Bad("d", d, "size must be at least 2")
		case c.R < 1:
			return Bad("r", c.R, "rank must be at least 1")
		case c.R >= d:
			return Bad("r", c.R, "rank must be below --d %d", d)
		case c.Spectrum == "spread" && 2*c.R > d:
			return Bad("r", c.R, "the spread target needs r <= d/2 = %d (use --spectrum top)", d/2)
		case c.RHat < 1:
			return Bad("r-hat", c.RHat, "compressed width must be at least 1")
		case c.RHat > d:
			return Bad("r-hat", c.RHat, "compressed width must be at most --d %d", d)
		}
		return c.checkWidth()
	}
	side := func(flag string, given, v int) error {
		if v < 2 {
			if given == 0 {
				flag = "d" // the side not given is d
			}
			return Bad(flag, v, "size must be at least 2")
		}
		return nil
	}
	if err := side("rows", c.Rows, rows); err != nil {
		return err
	}
	if err := side("cols", c.Cols, cols); err != nil {
		return err
	}
	q := min(rows, cols)
	switch {
	case c.R < 1:
		return Bad("r", c.R, "rank must be at least 1")
	case c.R >= q:
		return Bad("r", c.R, "rank must be below min(m, n) = %d of the %d x %d target", q, rows, cols)
	case c.Spectrum == "spread" && 2*c.R > q:
		return Bad("r", c.R, "the spread target needs r <= min(m, n)/2 = %d (use --spectrum top)", q/2)
	case c.RHat < 1:
		return Bad("r-hat", c.RHat, "compressed width must be at least 1")
	case c.RHat > q:
		return Bad("r-hat", c.RHat, "compressed width must be at most min(m, n) = %d of the %d x %d target (its spectral init takes r_hat singular vectors of the m x n surrogate)", q, rows, cols)
	}
	return c.checkWidth()
}

// checkWidth checks the original network's width: at least the rank (a
// narrower network cannot represent the target).
func (c Config) checkWidth() error {
	if c.Width != 0 && c.Width < max(c.R, 1) {
		return Bad("width", c.Width, "the original network's width must be at least the rank r = %d", c.R)
	}
	return nil
}

// checkParams checks the workload's parameters (present, of their kind,
// valid) and refuses another workload's parameter set to anything but that
// workload's default.
func (c Config) checkParams(w WorkloadInfo) error {
	own := map[string]bool{}
	for _, p := range w.Params {
		own[p.Key] = true
		v := paramOrZero(c.Params[p.Key], p.Kind)
		if c.Params[p.Key] != nil {
			var err error
			if v, err = convert(p.Kind, v); err != nil {
				return Bad(p.Key, c.Params[p.Key], "%v", err)
			}
		}
		if p.Check != nil {
			if err := p.Check(v, c); err != nil {
				return err
			}
		}
	}
	keys := slices.Sorted(maps.Keys(c.Params))
	for _, k := range keys {
		if own[k] {
			continue
		}
		v := c.Params[k]
		p, owner := foreignParam(k)
		if owner == "" {
			return Bad(k, v, "no workload has this parameter")
		}
		// Its value is checked as its workload checks it, whether or not
		// it applies here: a NaN never passes silently.
		x, err := convert(p.Kind, v)
		if err != nil {
			return Bad(k, v, "%v", err)
		}
		if p.Check != nil && !isZero(v) {
			if err := p.Check(x, c); err != nil {
				return err
			}
		}
		if isZero(v) || fmt.Sprint(v) == fmt.Sprint(p.Default) {
			continue // another workload's default: meaningless here, and harmless
		}
		return Bad(k, v, "only the %s workload has this parameter (this run's is %s)", owner, c.Workload)
	}
	return nil
}

func paramOrZero(v any, k Kind) any {
	if v != nil {
		return v
	}
	switch k {
	case Int:
		return 0
	case Float:
		return 0.0
	case String:
		return ""
	}
	return v
}

// foreignParam returns parameter key and the first workload that has it
// ("" when none does).
func foreignParam(key string) (Param, string) {
	for _, w := range Workloads() {
		for _, p := range w.Params {
			if p.Key == key {
				return p, w.Name
			}
		}
	}
	return Param{}, ""
}

// checkPath checks Path and Storage against the workload.
func (c Config) checkPath(w WorkloadInfo) error {
	switch {
	case c.Path == PathAuto || c.Path == PathDense:
	case slices.Contains(w.Paths, c.Path):
	default:
		for _, o := range Workloads() {
			if slices.Contains(o.Paths, c.Path) {
				return Bad("path", c.Path, "the %s step is for %s (--workload %s)", c.Path, o.Title, o.Name)
			}
		}
		known := KnownPaths()
		return Bad("path", c.Path, "unknown step algorithm (want %s or %s)", strings.Join(known[:len(known)-1], ", "), known[len(known)-1])
	}
	switch c.Storage {
	case "", StorageAuto, StorageDense:
	case StorageSparse:
		if w.Sparse == nil {
			return Bad("storage", c.Storage, "sparse storage is for %s", sparseWorkloads())
		}
	default:
		return Bad("storage", c.Storage, "unknown storage (want auto, dense or sparse)")
	}
	return nil
}

func sparseWorkloads() string {
	var s []string
	for _, w := range Workloads() {
		if w.Sparse != nil {
			s = append(s, fmt.Sprintf("%s (--workload %s)", w.Title, w.Name))
		}
	}
	return strings.Join(s, ", ")
}

// KnownPaths returns auto, dense and every registered workload's own step
// algorithms.
func KnownPaths() []string {
	out := []string{PathAuto, PathDense}
	for _, w := range Workloads() {
		for _, p := range w.Paths {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}
