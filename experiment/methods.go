package experiment

import (
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
)

// Shapes returns the layer shapes of a method for a rows x cols problem
// (methods.Shapes).
func Shapes(method string, c config.Config, rows, cols int) []dln.Shape {
	return methods.Shapes(method, c, rows, cols)
}

// NewNetwork builds and initialises a method's network on an instance with
// the method's registered initialization (methods.Spec.Init), drawing from
// the method's own stream of the seed (methods.Rand). Initial weights loaded
// with the instance are used instead where present (shapes must match).
func NewNetwork(method string, c config.Config, in *instance.Instance) (*dln.Network, error) {
	spec, ok := methods.Lookup(method)
	if !ok {
		return nil, config.Bad("methods", method, "unknown method")
	}
	rows, cols := in.Work.Dims()
	net := dln.New(spec.Shapes(c, rows, cols))
	if init := in.Inits[method]; init != nil {
		ms := make([]mat.Matrix, len(init))
		for i, w := range init {
			ms[i] = w
		}
		net.SetLayers(ms)
		return net, nil
	}
	env := methods.Env{Work: in.Work, Rand: methods.Rand(c.Seed, method),
		Network: func(other string) (*dln.Network, error) { return NewNetwork(other, c, in) }}
	if err := spec.Init(net, c, env); err != nil {
		return nil, err
	}
	return net, nil
}
