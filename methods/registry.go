// Package methods holds the registry of the networks lowdim trains on a
// problem (original, compressed, narrow, bm, lop): for each, its layer
// shapes, per-layer learning-rate multipliers, initialization, parameter
// count and random stream. A method is one file registering a Spec in one
// line (func init() { Register(Spec{...}) }), as database/sql.Register
// registers a driver; the runner, the memory preflight, the benchmark suite
// and the CLI iterate the registry instead of switching on names.
//
// Randomness: a method draws from the PCG stream Stream(name) of the seed,
// the FNV-1a 64-bit hash of its name, so a method's draws do not depend on
// which other methods are registered.
//
// Shapes, Multipliers and Init panic on an unregistered method
// (config.Validate refuses those first).
package methods

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/workloads"
)

// Names of the built-in methods.
const (
	Original   = "original"
	Compressed = "compressed"
	Narrow     = "narrow"
	BM         = "bm"
	LoP        = "lop"
)

// A Spec describes a method.
type Spec struct {
	// MethodInfo is what a configuration knows of the method (name,
	// default, whether it forms the end-to-end matrix, validation).
	config.MethodInfo
	Help string
	// Shapes returns the layer shapes (W_1 first) for a rows x cols
	// problem.
	Shapes func(c config.Config, rows, cols int) []dln.Shape
	// Multipliers returns the learning-rate multiplier of each of layers
	// layers (nil: 1 for every layer).
	Multipliers func(c config.Config, layers int) []float64
	// Init initialises net (of Shapes) on the instance of env.
	Init func(net *dln.Network, c config.Config, env Env) error
	// Params is the closed-form parameter count for a rows x cols problem
	// (the tests check it against Shapes).
	Params func(c config.Config, rows, cols int) int
	// InitBytes is the memory Init holds beside the network's own while it
	// runs, in bytes, for a rows x cols problem whose surrogate is held
	// densely or not (the memory plan's "initializing" phase); nil: none.
	InitBytes func(c config.Config, rows, cols int, denseSurrogate bool) uint64
	// SurrogateVectors is the k of the one TopSingular(k) call Init makes
	// on a workload whose surrogate is not held densely (the compressed
	// network's spectral initialization: r_hat); nil: Init makes none.
	SurrogateVectors func(c config.Config) int
}

// SVDCopies is the number of rows x cols matrices a thin SVD of a square
// rows x cols matrix holds at once through gonum (mat.SVD.Factorize with
// SVDThin keeps a copy of the input, U and V^T; UTo and VTo copy U and V
// out): five. A square matrix's thin SVD is its full one. SVDBytes is the
// memory of a rectangular one.
const SVDCopies = 5

// SVDBytes is the memory a thin SVD of a rows x cols matrix holds at once
// through gonum: the copy of the input, U (rows x k) and V (cols x k) with
// k = min(rows, cols), and the copies UTo and VTo make of them;
// SVDCopies matrices of its size when square.
func SVDBytes(rows, cols int) uint64 {
	m, n, k := uint64(rows), uint64(cols), uint64(min(rows, cols))
	return 8 * (m*n + 2*(m+n)*k)
}

// InitMemory returns method's InitBytes (0 when it has none).
func InitMemory(method string, c config.Config, rows, cols int, denseSurrogate bool) uint64 {
	if f := mustLookup(method).InitBytes; f != nil {
		return f(c, rows, cols, denseSurrogate)
	}
	return 0
}

// SurrogateVectors returns the k of the TopSingular(k) call method's Init
// makes on a workload whose surrogate is not held densely (0 when it makes
// none), for the time preflight's rehearsal of it
// (workloads.Rehearser).
func SurrogateVectors(method string, c config.Config) int {
	if f := mustLookup(method).SurrogateVectors; f != nil {
		return f(c)
	}
	return 0
}

// Env is what a method's initialization may use of the run.
type Env struct {
	// Work is the instance's workload (its surrogate seeds the compressed
	// network).
	Work workloads.Workload
	// Rand is the method's own stream of the seed (Rand(c.Seed, name)).
	Rand *rand.Rand
	// Network builds another method's network on the same instance, with
	// that method's initialization (lop starts from the original's draw).
	Network func(method string) (*dln.Network, error)
}

var (
	mu    sync.RWMutex
	specs = map[string]Spec{}
)

// Register makes a method available by name. It panics when the name is
// registered twice or Shapes or Init is nil.
func Register(s Spec) {
	if s.Shapes == nil || s.Init == nil {
		panic("methods: Register " + s.Name + ": Shapes and Init are required")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := specs[s.Name]; dup {
		panic("methods: Register called twice for " + s.Name)
	}
	config.RegisterMethod(s.MethodInfo)
	specs[s.Name] = s
}

// Lookup returns the registered method of that name.
func Lookup(name string) (Spec, bool) {
	mu.RLock()
	defer mu.RUnlock()
	s, ok := specs[name]
	return s, ok
}

// Specs returns every registered method in config.Methods order.
func Specs() []Spec {
	var out []Spec
	for _, m := range config.Methods() {
		if s, ok := Lookup(m.Name); ok {
			out = append(out, s)
		}
	}
	return out
}

func mustLookup(name string) Spec {
	s, ok := Lookup(name)
	if !ok {
		panic(fmt.Sprintf("methods: unknown method %q", name))
	}
	return s
}

// Shapes returns the layer shapes of method for a rows x cols problem.
func Shapes(method string, c config.Config, rows, cols int) []dln.Shape {
	return mustLookup(method).Shapes(c, rows, cols)
}

// Multipliers returns the per-layer learning-rate multipliers of method.
func Multipliers(method string, c config.Config, layers int) []float64 {
	if f := mustLookup(method).Multipliers; f != nil {
		return f(c, layers)
	}
	return Ones(layers)
}

// Ones returns n ones.
func Ones(n int) []float64 {
	m := make([]float64, n)
	for i := range m {
		m[i] = 1
	}
	return m
}

// Stream is the PCG stream of a method's random draws: the FNV-1a 64-bit
// hash of its name.
func Stream(method string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(method))
	return h.Sum64()
}

// Rand returns the method's stream of seed.
func Rand(seed uint64, method string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, Stream(method)))
}

// Widths returns the dimensions of a chain of depth layers from cols to
// rows through hidden width w: cols, w, ..., w, rows.
func Widths(cols, w, rows, depth int) []int {
	dims := make([]int, depth+1)
	for i := range dims {
		dims[i] = w
	}
	dims[0], dims[depth] = cols, rows
	return dims
}
