package methods

import (
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
)

// narrow: the compressed network's shapes, eps times rectangular Haar
// orthogonal.
func init() {
	Register(Spec{
		MethodInfo: config.MethodInfo{Name: Narrow, Order: 3, Default: true, Uses: []string{"r-hat"}},
		Help:       "the compressed network's shapes with a random orthogonal init",
		Shapes:     narrowShapes,
		Init: func(net *dln.Network, c config.Config, env Env) error {
			net.InitOrthogonal(c.Eps, env.Rand)
			return nil
		},
		Params: narrowParams,
	})
}
