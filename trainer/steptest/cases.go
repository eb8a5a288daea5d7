package steptest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/randmat"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// Kind is a workload the suite builds.
type Kind int

const (
	// MFMean is factorization with f = ||W - Phi||_F^2 / (2 rows cols).
	MFMean Kind = iota
	// MFSum is factorization with f = ||W - Phi||_F^2 / 2.
	MFSum
	// MC is completion on half of the entries, f = ||P_O(W - Phi)||_F^2 / (2|O|).
	MC
	// MCEntries is completion from a list of entries
	// (workloads.EntriesMC): MC's half trains, a tenth of the others each
	// is held out for validation and test, the values centered by their
	// training mean.
	MCEntries
)

func (k Kind) String() string {
	switch k {
	case MFMean:
		return "mf-mean"
	case MFSum:
		return "mf-sum"
	case MC:
		return "mc"
	case MCEntries:
		return "mc-entries"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Path is a step path under test.
type Path struct {
	// Name names the path in failure messages.
	Name string
	// New binds net to work with per-layer multipliers mult (nil for all
	// ones), as the path's constructor does; it panics like the constructor.
	New func(net *dln.Network, work workloads.Workload, mult []float64) trainer.Objective
	// Kinds lists the workloads the path trains on.
	Kinds []Kind
	// EvalFlops is the analytic flop count of one Evaluate of a network of
	// widths dims on work, StepFlops that of the Step that follows it.
	EvalFlops func(dims []int, work workloads.Workload) uint64
	StepFlops func(dims []int, work workloads.Workload) uint64
}

// WorkspaceFiller is implemented by objectives that can fill the workspace
// they own (not the network's) with a value, so that the suite can show an
// entry a step reads before writing.
type WorkspaceFiller interface {
	FillWorkspace(v float64)
}

// Case is one problem of the table: a network of widths Dims (n_0 first)
// on a workload of kind Kind with an n_L x n_0 target, all drawn from the
// PCG source (Seed, Stream).
type Case struct {
	Dims   []int
	Kind   Kind
	Stream uint64
}

func (c Case) String() string {
	return fmt.Sprintf("dims=%v/work=%v", c.Dims, c.Kind)
}

// Seed is the default seed of the suite's random source.
const Seed = 20260

// Widths of the table: depth 2 to 4, square and rectangular end-to-end
// matrices, narrow (h < min(n_0, n_L)) and full width. Every dimension is
// below 64 (see the package comment on allocations).
var widths = [][]int{
	{12, 3, 12},
	{9, 9, 9},
	{16, 4, 4, 16},
	{9, 3, 3, 14},
	{10, 10, 10, 10},
	{10, 5, 5, 5, 10},
	{13, 4, 4, 4, 8},
}

// Cases returns the table's cases for the kinds p trains on.
func Cases(p Path) []Case {
	var cs []Case
	for _, k := range []Kind{MFMean, MFSum, MC, MCEntries} {
		if !slices.Contains(p.Kinds, k) {
			continue
		}
		for _, d := range widths {
			cs = append(cs, Case{Dims: d, Kind: k, Stream: uint64(len(cs))})
		}
	}
	return cs
}

// problem is a case made concrete: the workload, a network at its initial
// weights, the multipliers (nil or one per layer) and a learning rate.
type problem struct {
	work workloads.Workload
	net  *dln.Network
	mult []float64
	eta  float64
	f0   float64 // the loss at W = 0, the scale of the loss
}

// Target singular values, initial scale and learning rate of every problem.
// The target U diag(targetValues) V^T has spectral norm 1; the layers start
// at initScale times orthogonal matrices, so W starts at a norm of
// initScale^L <= 0.5; layer l moves at eta mult[l] with mult = 1, 1.5, 2,
// ... (or nil, all ones, in every other case) and eta = etaScaled / c for the loss's curvature c, which the
// trajectory of CheckReference shows to be stable and decreasing.
var targetValues = []float64{1, 0.5}

const (
	initScale = 0.7
	etaScaled = 0.1
)

// build makes the problem of c (target, mask, then the network, from c's
// source).
func build(c Case) problem {
	rng := NewRand(c.Stream)
	rows, cols := c.Dims[len(c.Dims)-1], c.Dims[0]
	phi := Target(rows, cols, targetValues, rng)
	var work workloads.Workload
	var err error
	switch c.Kind {
	case MFMean:
		work, err = workloads.NewMF(phi, workloads.Mean)
	case MFSum:
		work, err = workloads.NewMF(phi, workloads.Sum)
	case MC:
		var mask *mat.Dense
		mask, err = workloads.SampleMask(rows, cols, 0.5, rng)
		if err == nil {
			work, err = workloads.NewMC(phi, mask)
		}
	case MCEntries:
		var mask *mat.Dense
		mask, err = workloads.SampleMask(rows, cols, 0.5, rng)
		if err == nil {
			work, err = entriesOf(phi, mask, rng)
		}
	default:
		panic(fmt.Sprintf("steptest: unknown kind %v", c.Kind))
	}
	if err != nil {
		panic(fmt.Sprintf("steptest: %v: %v", c, err))
	}
	net := dln.New(dln.Chain(c.Dims...))
	net.InitOrthogonal(initScale, rng)
	var mult []float64 // nil (all ones) in every other case
	if c.Stream%2 == 0 {
		mult = make([]float64, net.Layers())
		for l := range mult {
			mult[l] = 1 + 0.5*float64(l)
		}
	}
	scale := work.(workloads.Scaler).Scale()
	return problem{
		work: work, net: net, mult: mult, eta: etaScaled / scale,
		f0: work.Loss(mat.NewDense(rows, cols, nil)),
	}
}

// entriesOf returns the EntriesMC of phi trained on mask's entries, with
// validation and test lists each of every fifth unobserved entry (one
// list at least), centered by the training mean.
func entriesOf(phi, mask *mat.Dense, rng *rand.Rand) (workloads.Workload, error) {
	rows, cols := phi.Dims()
	var train, val, test workloads.EntryList
	k := 0
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v := phi.At(i, j)
			switch {
			case mask.At(i, j) == 1:
				train.Row, train.Col, train.Value = append(train.Row, i), append(train.Col, j), append(train.Value, v)
			case k%5 == 0:
				val.Row, val.Col, val.Value = append(val.Row, i), append(val.Col, j), append(val.Value, v)
				k++
			default:
				if k%5 == 1 || test.Len() == 0 {
					test.Row, test.Col, test.Value = append(test.Row, i), append(test.Col, j), append(test.Value, v)
				}
				k++
			}
		}
	}
	center, err := workloads.NewCentering(workloads.CenterGlobal, rows, cols, train)
	if err != nil {
		return nil, err
	}
	return workloads.NewEntriesMC(rows, cols, train, val, test, center, rng)
}

// NewRand returns the suite's random source for a stream: PCG seeded with
// Seed.
func NewRand(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(Seed, stream)) }

// Target returns the rows x cols matrix U diag(s) V^T with U (rows x
// len(s)) and V (cols x len(s)) Haar-distributed orthonormal columns, drawn
// from rng in that order: a target with known singular values s (when
// decreasing and positive) at O((rows + cols) len(s)^2 + rows cols len(s))
// cost, with no SVD.
func Target(rows, cols int, s []float64, rng *rand.Rand) *mat.Dense {
	r := len(s)
	u, v := mat.NewDense(rows, r, nil), mat.NewDense(cols, r, nil)
	randmat.Orthogonal(u, 1, rng)
	randmat.Orthogonal(v, 1, rng)
	for j, sj := range s {
		for i := 0; i < rows; i++ {
			u.Set(i, j, sj*u.At(i, j))
		}
	}
	var phi mat.Dense
	phi.Mul(u, v.T())
	return &phi
}

// multOf returns mult[l], or 1 when mult is nil.
func multOf(mult []float64, l int) float64 {
	if mult == nil {
		return 1
	}
	return mult[l]
}
