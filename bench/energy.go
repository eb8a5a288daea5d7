package bench

import "github.com/lowdim/lowdim/energy"

// EnergyMeter adapts an energy.Meter to Meter: joules from RAPL reported
// as energy-J/op, or from the CPU-time model as model-J/op.
type EnergyMeter struct{ M *energy.Meter }

var _ Meter = EnergyMeter{}

// NewEnergyMeter returns a meter on the default powercap tree, falling back
// to model, and the reason RAPL is not used ("" when it is).
func NewEnergyMeter(model energy.Model) (EnergyMeter, string) {
	m := energy.NewMeter(energy.DefaultRoot, model)
	return EnergyMeter{m}, m.Why()
}

// Start implements Meter.
func (e EnergyMeter) Start() { e.M.Start() }

// Stop implements Meter; it reports no energy (NaN) when neither RAPL nor
// the model could measure.
func (e EnergyMeter) Stop() (float64, string) {
	r := e.M.Stop()
	return r.Joules, r.Unit()
}
