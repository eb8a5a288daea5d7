package experiment

import (
	"github.com/lowdim/lowdim/config"
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

// memoryBudget is the memory the process may take (a variable for tests).
var memoryBudget = machine.MemoryBudget

// preflight is Preflight returning the plan (its Base the process now) and
// the budget (nil when unreadable); loaded says the instance is in memory
// already (then only the networks are ahead); keepInit plans Verify's copy
// of the original network's initial layers.
func preflight(c config.Config, loaded, keepInit bool) (memplan.Plan, *machine.Budget, error) {
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
	return planRun(c, loaded, keepInit, budget)
}
