package experiment

import (
	"fmt"
	"slices"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/memplan"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// drawCopies is the number of d x d matrices a generated dense square
// target holds while it is drawn (workloads.Spread, Top, WithValues): the
// Gaussian matrix, the copy, U and V^T of its full SVD, and the target.
// An m x n target holds three m x n matrices, U (m x m) and V^T (n x n):
// drawBytes.
const drawCopies = 5

// drawBytes is the memory of drawing a rows x cols target (drawCopies
// matrices of its size when square).
func drawBytes(rows, cols int) uint64 {
	m, n := uint64(rows), uint64(cols)
	return 8 * (3*m*n + m*m + n*n)
}

// PlanMemory returns the memory plan of a run of c (defaults applied,
// validated), before anything is allocated: its phases are the instance
// being drawn (skipped when loaded: its data is in memory already), the
// checker's SVD of the target, and for each method the network's
// initialization and its training, each with the workload's data and what
// the checks hold beside the network (package memplan; the counts of
// matrices come from the code each phase runs, named on methods.SVDCopies,
// drawCopies, the methods' InitBytes and shadowOf). Base is left 0 for the caller to set.
// A method named in given starts from initial weights read with the
// instance (instance.Instance.Inits, init_<method>_W<l>.npy), which
// NewNetwork sets instead of running its initialization: its
// initialization (methods.InitMemory: the compressed network's full SVD of
// the d x d surrogate, 10.7 GB at d = 16384) and the surrogate's vectors
// the time preflight's probe would keep for it (rehearse skips it) are not
// planned.
func PlanMemory(c config.Config, loaded bool, given ...string) memplan.Plan {
	return planMemory(c, loaded, false, given...)
}

// planMemory is PlanMemory; keepInit adds the copy of the original
// network's initial layers that Verify keeps for the update rank.
func planMemory(c config.Config, loaded, keepInit bool, given ...string) memplan.Plan {
	return planWith(c, planOpts{loaded: loaded, keepInit: keepInit, given: given})
}

// planOpts says what a plan counts beside the networks (planWith).
type planOpts struct {
	// loaded: the instance is in memory already (no phase builds it).
	loaded bool
	// keepInit: Verify's copy of the original network's initial layers.
	keepInit bool
	// noChecks: nothing of the checks (the target's SVD, the original
	// network's LoP shadow): timing steps alone (PreflightSteps).
	noChecks bool
	// given: the methods whose initial weights come with the instance.
	given []string
}

// planWith is PlanMemory with o.
func planWith(c config.Config, o planOpts) memplan.Plan {
	loaded, keepInit, given := o.loaded, o.keepInit, o.given
	var p memplan.Plan
	spec, ok := workloads.Lookup(c.Workload)
	if !ok {
		return p
	}
	rows, cols := spec.Dims(c)
	flag, size := c.SizeFlag()
	var data, building []memplan.Item
	var dataBytes uint64
	for _, n := range spec.Footprint(c) {
		it := memplan.Item{What: n.What, Flag: n.Flag, Value: n.Value, Bytes: n.Bytes}
		if n.Building {
			building = append(building, it)
			continue
		}
		data = append(data, it)
		dataBytes += n.Bytes
	}
	if loaded {
		data = []memplan.Item{{What: fmt.Sprintf("the loaded %s instance", c.Workload), Bytes: dataBytes}}
	}
	dense := !c.Sparse()
	if !loaded {
		p.Add("building the instance", append(data[:len(data):len(data)], building...)...)
		if dense {
			p.Add("drawing the target", memplan.Item{What: "the target being drawn (a Gaussian matrix and its SVD)", Flag: flag, Value: size, Bytes: drawBytes(rows, cols)})
		}
	}
	if dense && !o.noChecks {
		p.Add("the target's SVD (checks)", append(data[:len(data):len(data)],
			memplan.Item{What: "the SVD of the target", Flag: flag, Value: size, Bytes: methods.SVDBytes(rows, cols)})...)
	}
	for _, m := range c.Methods {
		shapes := methods.Shapes(m, c, rows, cols)
		// dln.New allocates the inner workspace; the end-to-end matrix
		// comes with the first Forward (of the dense step, or of a
		// checkpoint on a dense instance: StepWorkspace counts it).
		params, ws := dln.InnerFootprint(shapes)
		network := uint64(8*params) + uint64(ws)
		train := uint64(8*params) + uint64(StepWorkspace(c, shapes, true))
		what := fmt.Sprintf("the %s network at --d %d (parameters and workspace)", m, c.D)
		mflag, msize := flag, size
		if rows != cols {
			what = fmt.Sprintf("the %s network on the %d x %d target (parameters and workspace)", m, rows, cols)
		}
		if m == methods.Original && c.Width > 0 {
			what = fmt.Sprintf("the %s network of --width %d on %s (parameters and workspace)", m, c.Width, c.ShapeText())
			mflag, msize = "width", c.Width
		}
		init := append(data[:len(data):len(data)], memplan.Item{What: what, Flag: mflag, Value: msize, Bytes: network})
		if b := methods.InitMemory(m, c, rows, cols, dense); b > 0 && !slices.Contains(given, m) {
			init = append(init, memplan.Item{What: "the " + m + " network's initialization", Flag: mflag, Value: msize, Bytes: b})
		}
		p.Add("initializing "+m, init...)
		shadow := shadowOf(m, c, rows, cols, dense)
		if o.noChecks {
			shadow = shadowBytes{}
		}
		if shadow.build > 0 {
			p.Add("building the checks of "+m, append(init[:len(init):len(init)],
				memplan.Item{What: "the LoP network the checks train beside the " + m + " network, being built", Flag: mflag, Value: msize, Bytes: shadow.build})...)
		}
		items := append(data[:len(data):len(data)], memplan.Item{What: what, Flag: mflag, Value: msize, Bytes: train})
		extra := shadow.keep
		if m == methods.Original && keepInit {
			extra += uint64(8 * params)
		}
		if extra > 0 {
			items = append(items, memplan.Item{What: "the checks' networks and copies beside the " + m + " network", Flag: mflag, Value: msize, Bytes: extra})
		}
		if b := keptVectorsBytes(m, c, rows, cols, dense); b > 0 && !slices.Contains(given, m) {
			items = append(items, memplan.Item{What: "the surrogate's top singular vectors the time preflight's probe keeps for training", Flag: mflag, Value: msize, Bytes: b})
		}
		p.Add("training "+m, items...)
	}
	return p
}

// keptVectorsBytes is the memory of the surrogate's top k singular
// vectors (rows x k and cols x k) that the time preflight's probe of
// method m computes for training and keeps while it trains (rehearse,
// workloads.Rehearser), on an instance whose surrogate is not held densely;
// 0 for a method that computes none (methods.SurrogateVectors). The plan
// counts them in the method's training phase, which the probe's steps
// share.
func keptVectorsBytes(m string, c config.Config, rows, cols int, dense bool) uint64 {
	k := methods.SurrogateVectors(m, c)
	if dense || k == 0 {
		return 0
	}
	return 8 * uint64(k) * uint64(rows+cols)
}

// shadowBytes is what the checker adds beside a method's network
// (checks.go): while it builds (build) and while the network trains (keep).
type shadowBytes struct{ build, keep uint64 }

// shadowOf is the checker's memory beside method m: for the original
// network of square layers (config.Config.SquareLayers) on MF with d > 2r,
// the LoP network trained in lockstep
// (newLoPShadow) and the layer copy of the singular-value count at
// checkpoints. Built, the shadow holds the LoP network, its dense objective's
// gradient and the difference to the original (one rows x cols matrix
// each); while it is built it also holds a second original network (the LoP
// network starts from its draw, methods/lop.go) with its end-to-end matrix,
// the copies of that matrix and of its gradient, and the SVD of its first
// layer's gradient.
func shadowOf(m string, c config.Config, rows, cols int, dense bool) shadowBytes {
	if m != methods.Original || !dense || c.Workload != "mf" || 2*c.R >= min(rows, cols) || !c.SquareLayers() {
		return shadowBytes{}
	}
	square := uint64(8 * rows * cols)
	lp, lws := dln.Footprint(methods.Shapes(methods.LoP, c, rows, cols))
	lop := uint64(8*lp) + uint64(lws)
	return shadowBytes{
		build: lop + methods.InitMemory(methods.LoP, c, rows, cols, dense),
		keep:  lop + 2*square + square,
	}
}

// planRun makes the memory plan of a run of c now (Base: the process as it
// is, see memplan.NewBase) and checks it against the memory the process
// may take (machine.MemoryBudget: MemAvailable, bounded by the cgroup's
// limit). A plan that does not fit is a *config.ConfigError naming the
// flag of its largest part. An unreadable budget checks nothing.
// o says what the plan counts beside the networks (planWith).
func planRun(c config.Config, o planOpts, b *machine.Budget) (memplan.Plan, *machine.Budget, error) {
	plan := planWith(c, o)
	plan.Base = memplan.NewBase()
	if b == nil {
		return plan, nil, nil
	}
	if err := plan.Check(*b); err != nil {
		pe := err.(*memplan.Error)
		flag, value := pe.Item.Flag, pe.Item.Value
		if flag == "" {
			flag, value = c.SizeFlag()
		}
		why := *pe
		why.Item.Flag = "" // the ConfigError names the flag
		return plan, b, &config.ConfigError{Flag: flag, Value: value, Why: why.Error()}
	}
	return plan, b, nil
}

// memoryInfo records plan, the budget it was checked against (nil when
// unknown) and the process's peak RSS and Go heap.
func memoryInfo(plan memplan.Plan, b *machine.Budget, peakHeap uint64) *results.MemoryInfo {
	total, limit := plan.Total(), plan.Limit()
	ph, _ := plan.Largest()
	info := &results.MemoryInfo{PlanBytes: &total, LimitBytes: &limit, PlanPhase: ph.Name, PeakHeapBytes: peakHeap}
	if b != nil {
		avail := b.Available
		info.BudgetBytes, info.BudgetSource = &avail, string(b.Source)
	}
	if rss, ok := machine.PeakRSS(); ok {
		info.PeakRSSBytes = &rss
	}
	return info
}
