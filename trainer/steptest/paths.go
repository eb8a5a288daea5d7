package steptest

import (
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// The step paths of package trainer, each run by its own _test.go. A new
// path adds its Path here (its flop formulas belong in package theory) and
// a one-line test next to it.
var (
	// Dense is trainer.NewDense: an Evaluate is the forward pass, a Step the
	// backward pass and the update (the workload's G is not counted).
	Dense = Path{
		Name: "Dense",
		New: func(net *dln.Network, work workloads.Workload, mult []float64) trainer.Objective {
			return trainer.NewDense(net, work, mult)
		},
		Kinds:     []Kind{MFMean, MFSum, MC, MCEntries},
		EvalFlops: func(dims []int, _ workloads.Workload) uint64 { return theory.ForwardFlops(dims) },
		StepFlops: func(dims []int, _ workloads.Workload) uint64 {
			return theory.BackwardFlops(dims) + theory.UpdateFlops(dims)
		},
	}

	// SampledMC is trainer.NewSampledMC: an Evaluate is the inner forward
	// pass and the fused pass over O, a Step the inner backward pass and
	// the update. The table's problems have one share.
	SampledMC = Path{
		Name: "SampledMC",
		New: func(net *dln.Network, work workloads.Workload, mult []float64) trainer.Objective {
			return trainer.NewSampledMC(net, work.(trainer.Observed), mult)
		},
		Kinds: []Kind{MC, MCEntries},
		EvalFlops: func(dims []int, work workloads.Workload) uint64 {
			return theory.SampledMCEvalFlops(dims, observed(work))
		},
		StepFlops: func(dims []int, work workloads.Workload) uint64 {
			o := observed(work)
			return theory.SampledMCStepFlops(dims, o) - theory.SampledMCEvalFlops(dims, o)
		},
	}

	// FactoredMF is trainer.NewFactoredMF: an Evaluate is the inner forward
	// pass and the products of trainer.FactoredMFFlops, a Step the inner
	// backward pass and the update.
	FactoredMF = Path{
		Name: "FactoredMF",
		New: func(net *dln.Network, work workloads.Workload, mult []float64) trainer.Objective {
			return trainer.NewFactoredMF(net, work.(*workloads.MF), mult)
		},
		Kinds:     []Kind{MFMean, MFSum},
		EvalFlops: func(dims []int, _ workloads.Workload) uint64 { return theory.FactoredMFEvalFlops(dims) },
		StepFlops: func(dims []int, _ workloads.Workload) uint64 {
			return theory.FactoredMFStepFlops(dims) - theory.FactoredMFEvalFlops(dims)
		},
	}
)

// observed returns the number of observed entries of a completion workload.
func observed(work workloads.Workload) int {
	_, cols, _ := work.(trainer.Observed).Observations()
	return len(cols)
}
