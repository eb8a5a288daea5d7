package experiment

import (
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
)

// TrainedNetwork is a network as its training left it, given to
// Options.Trained: what lowdim's --save-model writes as a model folder.
type TrainedNetwork struct {
	// Name names the network in the run: its method ("original",
	// "compressed"), or in a verify "compressed r_hat=8" (WidthLabel).
	Name string
	// Method is the method's name; Width its width (r_hat for the narrow
	// methods, the original's hidden width).
	Method string
	Width  int
	// Config is the configuration it was trained under (a verify's width
	// in RHat).
	Config config.Config
	// Stopping is the stopping rule it was trained to, in words: Config's
	// --tol and, in a verify of a user's target, the rules Config does not
	// hold ("loss <= 1e-10 x initial, validation patience 20 checkpoints
	// of 50 steps"); "tol=0" when it ran its budget.
	Stopping string
	// Net is the network with the weights training ended with: its last
	// step's, the weights of every checkpoint of Result up to the last.
	// It is the run's own network: read it, do not keep it beyond the
	// call.
	Net *dln.Network
	// Result is its training's result (status, message, errors).
	Result results.MethodResult
	// Instance is the problem it was trained on (its source files, and
	// any centering of its data to add back to predictions).
	Instance *instance.Instance
}

// trained calls opt.Trained, when set, with the network of method m
// trained under c on in.
func (opt Options) trained(m string, c config.Config, in *instance.Instance, net *dln.Network, res results.MethodResult) error {
	if opt.Trained == nil {
		return nil
	}
	name, width := m, c.RHat
	if m == methods.Original {
		width = net.Shapes()[0].Rows
	}
	if opt.widths && m == methods.Compressed {
		name = WidthLabel(c.RHat)
	}
	return opt.Trained(TrainedNetwork{Name: name, Method: m, Width: width, Config: c, Stopping: ruleText(c, opt.stop), Net: net, Result: res, Instance: in})
}
