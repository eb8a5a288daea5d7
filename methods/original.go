package methods

import (
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
)

// original: L layers of hidden width max(rows, cols) (d x d for a square
// target), eps times Haar orthogonal.
func init() {
	Register(Spec{
		MethodInfo: config.MethodInfo{Name: Original, Order: 1, Default: true, FormsProduct: true},
		Help:       "the wide network: L layers d x d, eps times Haar orthogonal",
		Shapes: func(c config.Config, rows, cols int) []dln.Shape {
			return dln.Chain(Widths(cols, max(rows, cols), rows, c.Depth)...)
		},
		Init: func(net *dln.Network, c config.Config, env Env) error {
			net.InitOrthogonal(c.Eps, env.Rand)
			return nil
		},
		Params: func(c config.Config, rows, cols int) int {
			w := max(rows, cols)
			return w*cols + (c.Depth-2)*w*w + rows*w
		},
	})
}
