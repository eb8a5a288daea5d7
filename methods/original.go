package methods

import (
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
)

// original: L layers of hidden width w = max(rows, cols) (d x d for a
// square target) or c.Width (--width), eps times Haar orthogonal: w x n,
// (L-2) w x w, m x w. Its outer layers are semi-orthogonal when the target
// is not square.
func init() {
	Register(Spec{
		MethodInfo: config.MethodInfo{Name: Original, Order: 1, Default: true, FormsProduct: true, Uses: []string{"width"}},
		Help:       "the wide network: L layers d x d (w x n, w x w, m x w for an m x n target, w = max(m, n) or --width), eps times Haar orthogonal",
		Shapes: func(c config.Config, rows, cols int) []dln.Shape {
			return dln.Chain(Widths(cols, width(c, rows, cols), rows, c.Depth)...)
		},
		Init: func(net *dln.Network, c config.Config, env Env) error {
			net.InitOrthogonal(c.Eps, env.Rand)
			return nil
		},
		Params: func(c config.Config, rows, cols int) int {
			w := width(c, rows, cols)
			return w*cols + (c.Depth-2)*w*w + rows*w
		},
	})
}

// width is the original network's hidden width on a rows x cols problem:
// c.Width when set, else max(rows, cols).
func width(c config.Config, rows, cols int) int {
	if c.Width > 0 {
		return c.Width
	}
	return max(rows, cols)
}
