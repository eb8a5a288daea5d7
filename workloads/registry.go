package workloads

import (
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/npy"
)

// A Spec describes a workload to the rest of lowdim: one file of this
// package (or of a test) registers it in one line,
//
//	func init() { Register(Spec{WorkloadInfo: config.WorkloadInfo{Name: "mf", ...}, ...}) }
//
// as image.RegisterFormat registers an image format. Configuration, flags,
// TOML keys, presets, instance building, saving and loading, the memory
// preflight and the benchmark suite iterate the registry; none switches on
// a workload's name.
//
// The instance of a workload is a rows x cols problem (Shape, by default
// the configuration's m x n, config.Config.Dims); square is a special case,
// and nothing in the contract assumes it (every built-in workload takes
// m x n targets: MF, MC with an m x n mask, MS with m x n sensing
// matrices).
type Spec struct {
	// WorkloadInfo is what a configuration knows of the workload: name,
	// parameters, step paths, presets (registered with package config).
	config.WorkloadInfo
	// Shape is the instance's rows x cols for c (nil: c.Dims()).
	Shape func(c config.Config) (rows, cols int)
	// New draws the workload's data for target from the seed (rng returns
	// the seed's PCG stream of a number; a workload draws from its own,
	// e.g. Stream(name)) and returns the workload. Errors for bad values
	// are *config.ConfigError naming the flag.
	New func(c config.Config, target *mat.Dense, rng func(stream uint64) *rand.Rand) (Workload, error)
	// NewSparse, when not nil, draws the sparse instance of c (c.Sparse()):
	// the workload and its factored target.
	NewSparse func(c config.Config, rng func(stream uint64) *rand.Rand) (Workload, *Factored, error)
	// User makes the workload of a user's target and mask (the observed
	// entries, nil when the file has none) and held-out entries (nil when
	// none), and sets the parameters of c the data fixes (p of mc); nil
	// when the workload cannot take a user's target.
	User func(c *config.Config, target, mask, held *mat.Dense) (Workload, error)
	// Masked: User takes the observed entries (a --mask file, or a
	// coordinate target's entries); a mask given to another workload is
	// an error.
	Masked bool
	// Files are the files Save writes besides the target, and Save and
	// Load write and read them in dir. Load may set the workload's
	// parameters of c from the files (the number of measurements) and
	// refuses a nonzero value they contradict. Errors name the file.
	Files []string
	Save  func(w Workload, dir string) error
	Load  func(c *config.Config, target *mat.Dense, dir string) (Workload, error)
	// Footprint is the memory the instance of c will hold, by part, for
	// the preflight (before anything is allocated).
	Footprint func(c config.Config) []Need
	// StepBytes is what one step streams of the workload's data besides
	// the networks (0: nothing worth a bandwidth figure); a run and the
	// benchmarks report it per second.
	StepBytes func(c config.Config) uint64
	// Bench gives the workload's parameters of a benchmark problem at
	// size d (the Step and Infer cases), and false when d is too large to
	// benchmark.
	Bench func(d int) (config.Params, bool)
	// Tags select the workload's benchmark cases into suites (every case
	// also has "workload=<name>").
	Tags []string
}

// A Need is a part of an instance's memory.
type Need struct {
	Bytes uint64
	// Flag, when not empty, is checked alone against the available memory:
	// the flag that sets its size, its value, and what it is.
	Flag  string
	Value any
	What  string
	// Building says the part is held only while the instance is built
	// (a scratch of the draw), not by the instance built.
	Building bool
}

var (
	regMu sync.RWMutex
	specs = map[string]Spec{}
)

// Register makes a workload available by name. It panics when the name is
// registered twice or a required function (New, Save, Load, Footprint) is
// nil.
func Register(s Spec) {
	if s.New == nil || s.Save == nil || s.Load == nil || s.Footprint == nil {
		panic("workloads: Register " + s.Name + ": New, Save, Load and Footprint are required")
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := specs[s.Name]; dup {
		panic("workloads: Register called twice for " + s.Name)
	}
	config.RegisterWorkload(s.WorkloadInfo)
	specs[s.Name] = s
}

// Lookup returns the registered workload of that name.
func Lookup(name string) (Spec, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := specs[name]
	return s, ok
}

// Specs returns every registered workload, in config.Workloads order.
func Specs() []Spec {
	var out []Spec
	for _, w := range config.Workloads() {
		if s, ok := Lookup(w.Name); ok {
			out = append(out, s)
		}
	}
	return out
}

// Dims returns the instance shape of c's workload (c.Dims(): m x n, d x d
// for a square target, when its spec has no Shape).
func (s Spec) Dims(c config.Config) (rows, cols int) {
	if s.Shape != nil {
		return s.Shape(c)
	}
	return c.Dims()
}

// Stream returns the PCG stream a workload draws its data from: the FNV-1a
// 64-bit hash of its name (mc and ms keep the numbers they had before the
// registry, so their instances did not change).
func Stream(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("workload/" + name))
	return h.Sum64()
}

// SaveMatrix writes m to path as a 2-d .npy file.
func SaveMatrix(path string, m *mat.Dense) error {
	r, c := m.Dims()
	return npy.WriteFile(path, []int{r, c}, mat.DenseCopyOf(m).RawMatrix().Data)
}

// Tuple formats a shape like NumPy: (3,), (3, 4).
func Tuple(shape []int) string {
	parts := make([]string, len(shape))
	for i, n := range shape {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// fileIn joins names to dir.
func fileIn(dir, name string) string { return filepath.Join(dir, name) }

// Target draws the m x n target of c (c.Dims()) from rng with c's spectrum
// (config.Config.Spectrum): the paper's spread, the top r, or geometric
// values. A square target is drawn as it always was.
func Target(c config.Config, rng *rand.Rand) (*mat.Dense, error) {
	rows, cols := c.Dims()
	switch c.Spectrum {
	case "spread":
		return SpreadRect(rows, cols, c.R, rng)
	case "top":
		return TopRect(rows, cols, c.R, rng)
	case "geometric":
		return WithValuesRect(rows, cols, Geometric(10, c.Ratio, c.R), rng)
	}
	return nil, config.Bad("spectrum", c.Spectrum, "unknown target spectrum")
}

// SparseValues returns the singular values of a sparse instance's
// factored target for c's spectrum: the limiting values of the spread law
// (QuarterCircle for a square target, the Marchenko-Pastur quantiles of
// GaussianQuantiles for an m x n one), the r largest of min(m, n) such
// values (top), or geometric ones.
func SparseValues(c config.Config) ([]float64, error) {
	rows, cols := c.Dims()
	q := min(rows, cols)
	switch c.Spectrum {
	case "spread":
		if rows == cols {
			return QuarterCircle(c.D, c.R), nil
		}
		fr := make([]float64, c.R)
		for k := range fr {
			fr[k] = float64(k) / float64(2*c.R)
		}
		return GaussianQuantiles(rows, cols, fr), nil
	case "top":
		if rows == cols {
			// The r largest of d values: quantiles k/d of the law
			// (QuarterCircle of d/2 values spaces them by 1/d).
			return QuarterCircle(c.D, c.D/2)[:c.R], nil
		}
		fr := make([]float64, c.R)
		for k := range fr {
			fr[k] = float64(k) / float64(q)
		}
		return GaussianQuantiles(rows, cols, fr), nil
	case "geometric":
		return Geometric(10, c.Ratio, c.R), nil
	}
	return nil, config.Bad("spectrum", c.Spectrum, "unknown target spectrum")
}
