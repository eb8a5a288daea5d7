package experiment

import (
	"fmt"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/workloads"
)

// Preflight checks that the workload's data and every method's network and
// workspace fit in the available memory, before anything is allocated: the
// workload's parts from its spec (workloads.Spec.Footprint; a part that a
// flag sizes is also checked alone), each method's parameters (from its
// shapes, methods.Spec.Shapes) and step workspace (StepWorkspace of its
// path), and everything together. Its error is a *config.ConfigError
// naming the flag that sets the size and what the run would need.
func Preflight(c config.Config) error {
	spec, ok := workloads.Lookup(c.Workload)
	if !ok {
		return config.Bad("workload", c.Workload, "unknown workload")
	}
	var data uint64
	for _, n := range spec.Footprint(c) {
		if n.Flag != "" {
			if err := machine.CheckFits(n.Bytes, n.What); err != nil {
				return &config.ConfigError{Flag: n.Flag, Value: n.Value, Why: err.Error()}
			}
		}
		data += n.Bytes
	}
	return preflightNetworks(c, data)
}

// preflightNetworks checks the networks of c, each alone and together with
// data bytes of workload data.
func preflightNetworks(c config.Config, data uint64) error {
	d := c.D
	rows, cols := d, d
	if spec, ok := workloads.Lookup(c.Workload); ok {
		rows, cols = spec.Dims(c)
	}
	total := data
	for _, m := range c.Methods {
		shapes := methods.Shapes(m, c, rows, cols)
		params, _ := dln.Footprint(shapes)
		need := uint64(8*params) + uint64(StepWorkspace(c, shapes, true))
		if err := machine.CheckFits(need, fmt.Sprintf("the %s network at --d %d (parameters and workspace)", m, d)); err != nil {
			return &config.ConfigError{Flag: "d", Value: d, Why: err.Error()}
		}
		total += need
	}
	if err := machine.CheckFits(total, fmt.Sprintf("the whole run (%d methods and the %s data)", len(c.Methods), c.Workload)); err != nil {
		return &config.ConfigError{Flag: "d", Value: d, Why: err.Error()}
	}
	return nil
}
