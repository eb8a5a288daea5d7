package experiment

import (
	"slices"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/memplan"
	"github.com/lowdim/lowdim/workloads"
)

// Preflight checks, before anything is allocated, that a run of c fits in
// the memory the process may take (machine.MemoryBudget: MemAvailable,
// bounded by the cgroup's limit): every part of the workload's data that a
// flag sizes alone (workloads.Spec.Footprint), then the run's memory plan
// (PlanMemory: the instance, each method's network, step workspace and
// the checks' extra networks, phase by phase). Its error is a
// *config.ConfigError naming the flag that sets the size, its value, and
// what the run would need.
func Preflight(c config.Config) error {
	_, _, err := preflight(c, false, false)
	return err
}

// PreflightGiven is Preflight for a run whose methods named in given start
// from initial weights read with the instance (instance.Instance.Inits:
// init_<method>_W<l>.npy; GivenInits lists them): their initializations,
// which NewNetwork skips, are not planned (PlanMemory). Preflight is
// PreflightGiven with none.
func PreflightGiven(c config.Config, given []string) error {
	_, _, err := preflight(c, false, false, given...)
	return err
}

// GivenInits returns, sorted, the methods whose initial weights in holds
// (instance.Instance.Inits), for PreflightGiven; nil for none.
func GivenInits(in *instance.Instance) []string {
	var given []string
	for m := range in.Inits {
		given = append(given, m)
	}
	slices.Sort(given)
	return given
}

// memoryBudget is the memory the process may take (a variable for tests).
var memoryBudget = machine.MemoryBudget

// preflight is Preflight returning the plan (its Base the process now) and
// the budget (nil when unreadable); loaded says the instance is in memory
// already (then only the networks are ahead); keepInit plans Verify's copy
// of the original network's initial layers; given names the methods whose
// initial weights are read with the instance (PlanMemory).
func preflight(c config.Config, loaded, keepInit bool, given ...string) (memplan.Plan, *machine.Budget, error) {
	return preflightWith(c, planOpts{loaded: loaded, keepInit: keepInit, given: given})
}

// PreflightSteps checks that timing steps of c's methods on the instance
// in, read from files and held in memory already, fits in the memory the
// process may take (lowdim bench --load-instance): its plan counts the
// loaded data once and each method's network, its initialization (left out
// for a method whose initial weights in holds: GivenInits) and its step's
// workspace, and nothing of the instance's building or of the checks (the
// target's SVD: 10.7 GB at d = 16384), which timing steps does not run.
// Its error is Preflight's.
func PreflightSteps(c config.Config, in *instance.Instance) error {
	_, _, err := preflightWith(c, planOpts{loaded: true, noChecks: true, given: GivenInits(in)})
	return err
}

// preflightWith is preflight with the plan's options o.
func preflightWith(c config.Config, o planOpts) (memplan.Plan, *machine.Budget, error) {
	loaded := o.loaded
	spec, ok := workloads.Lookup(c.Workload)
	if !ok {
		return memplan.Plan{}, nil, config.Bad("workload", c.Workload, "unknown workload")
	}
	b, err := memoryBudget()
	budget := &b
	if err != nil {
		budget = nil // unknown: nothing can be checked
	}
	if !loaded && budget != nil {
		for _, n := range spec.Footprint(c) {
			if n.Flag == "" {
				continue
			}
			if err := budget.CheckFits(n.Bytes, n.What); err != nil {
				return memplan.Plan{}, nil, &config.ConfigError{Flag: n.Flag, Value: n.Value, Why: err.Error()}
			}
		}
	}
	return planRun(c, o, budget)
}
