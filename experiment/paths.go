package experiment

import (
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// Objective is what trainMethod trains: a trainer.Objective that also
// reports its workspace.
type Objective interface {
	trainer.Objective
	WorkspaceBytes() int64
}

// A stepPath is a step algorithm: how it binds a network to a workload
// (false when the workload is not of the kind it needs) and its workspace.
type stepPath struct {
	name string
	// objective binds net to work with per-layer multipliers mult.
	objective func(net *dln.Network, work workloads.Workload, mult []float64) (Objective, bool)
	// workspace is the objective's workspace for a network whose last layer
	// has h columns, on the problem of c (measured: once a checkpoint has
	// run), besides the network's own.
	workspace func(c config.Config, h int, measured bool) int64
	// factorsOnly: the path never forms W in a step (the network's
	// workspace is then dln.InnerFootprint).
	factorsOnly bool
}

// stepPaths are the step algorithms, the workloads' own (config.
// WorkloadInfo.Paths) by name.
var stepPaths = map[string]stepPath{
	config.PathSampled: {
		name: config.PathSampled,
		objective: func(net *dln.Network, work workloads.Workload, mult []float64) (Objective, bool) {
			mc, ok := work.(trainer.Observed)
			if !ok {
				return nil, false
			}
			return trainer.NewSampledMC(net, mc, mult), true
		},
		workspace: func(c config.Config, h int, _ bool) int64 {
			rows, cols := c.Dims()
			o := int(c.Float("p") * float64(rows) * float64(cols))
			return trainer.SampledWorkspaceBytes(rows, cols, o, h, !c.Sparse())
		},
		factorsOnly: true,
	},
	config.PathFactored: {
		name: config.PathFactored,
		objective: func(net *dln.Network, work workloads.Workload, mult []float64) (Objective, bool) {
			mf, ok := work.(*workloads.MF)
			if !ok {
				return nil, false
			}
			return trainer.NewFactoredMF(net, mf, mult), true
		},
		workspace: func(c config.Config, h int, measured bool) int64 {
			rows, cols := c.Dims()
			return trainer.FactoredMFWorkspaceBytes(rows, cols, h, measured)
		},
		factorsOnly: true,
	},
}

// pathOf returns the step algorithm a network of the given shapes trains
// with under c: the workload's own (the first of config.WorkloadInfo.Paths:
// sampled on MC, factored on MF) for Path set to it, and for auto when the
// network has at least two layers and its last layer is narrower than its
// output (the compressed, narrow, bm and lop networks, not the original);
// the workload's own always on a sparse instance; dense otherwise.
func pathOf(c config.Config, shapes []dln.Shape) string {
	w, _ := config.LookupWorkload(c.Workload)
	if len(shapes) < 2 || len(w.Paths) == 0 {
		return config.PathDense
	}
	last := shapes[len(shapes)-1]
	own := w.Paths[0]
	for _, p := range w.Paths {
		if p == c.Path {
			own = p
		}
	}
	if c.Path == own || (c.Path == config.PathAuto && last.Cols < last.Rows) || c.Sparse() {
		return own
	}
	return config.PathDense
}

// NewObjective binds a method's network to the instance's workload with the
// step algorithm of c.Path (see pathOf; a sparse instance always trains
// with the workload's own step) and returns it with the algorithm's name.
func NewObjective(method string, c config.Config, in *instance.Instance, net *dln.Network) (Objective, string) {
	mult := methods.Multipliers(method, c, net.Layers())
	if p, ok := stepPaths[pathOf(c, net.Shapes())]; ok {
		if obj, ok := p.objective(net, in.Work, mult); ok {
			return obj, p.name
		}
	}
	return trainer.NewDense(net, in.Work, mult), config.PathDense
}

// StepWorkspace is the workspace in bytes of a network of the given shapes
// trained under c, besides its parameters: the network's (without the
// end-to-end matrix on the steps that never form it, dln.InnerFootprint)
// and the objective's. The dense step holds the end-to-end gradient; the
// sampled one the panel-ordered observed entries, each share's interleaved
// buffer and, on a dense instance, the W it forms at checkpoints
// (trainer.SampledWorkspaceBytes); the factored one the products with Phi
// and, with measured (once a checkpoint has run), the W formed there
// (trainer.FactoredMFWorkspaceBytes).
func StepWorkspace(c config.Config, shapes []dln.Shape, measured bool) int64 {
	if p, ok := stepPaths[pathOf(c, shapes)]; ok {
		_, ws := dln.InnerFootprint(shapes)
		return ws + p.workspace(c, shapes[len(shapes)-1].Cols, measured)
	}
	rows, cols := c.Dims()
	_, ws := dln.Footprint(shapes)
	return ws + 8*int64(rows)*int64(cols)
}
