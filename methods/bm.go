package methods

import (
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
)

// bm (Burer-Monteiro): r_hat x cols, rows x r_hat (depth 2), Gaussian with
// singular values about eps.
func init() {
	Register(Spec{
		MethodInfo: config.MethodInfo{Name: BM, Order: 4, Default: true, Uses: []string{"r-hat"}},
		Help:       "Burer-Monteiro: two factors of width r_hat, small Gaussian init",
		Shapes: func(c config.Config, rows, cols int) []dln.Shape {
			return dln.Chain(Widths(cols, c.RHat, rows, 2)...)
		},
		Init: func(net *dln.Network, c config.Config, env Env) error {
			net.InitGaussian(c.Eps, env.Rand)
			return nil
		},
		Params: func(c config.Config, rows, cols int) int { return c.RHat * (rows + cols) },
	})
}
