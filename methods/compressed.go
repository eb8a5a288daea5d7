package methods

import (
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
)

// compressed (Kwon et al.): r_hat x cols, (L-2) r_hat x r_hat, rows x r_hat,
// spectral from the workload's surrogate, alpha on the outer layers.
func init() {
	Register(Spec{
		MethodInfo: config.MethodInfo{Name: Compressed, Order: 2, Default: true, Uses: []string{"r-hat", "alpha"}},
		Help:       "the compressed network (Kwon et al.): width r_hat, spectral init from the surrogate, alpha on the outer layers",
		Shapes:     narrowShapes,
		Multipliers: func(c config.Config, layers int) []float64 {
			m := Ones(layers)
			m[0], m[layers-1] = c.Alpha, c.Alpha
			return m
		},
		Init: func(net *dln.Network, c config.Config, env Env) error {
			if ts, ok := env.Work.(topSingular); ok {
				u, v, err := ts.TopSingular(c.RHat)
				if err != nil {
					return err
				}
				net.InitSpectralVectors(u, v, c.Eps)
				return nil
			}
			if err := net.InitSpectral(env.Work.Surrogate(), c.Eps); err != nil {
				return config.Bad("r-hat", c.RHat, "%v", err)
			}
			return nil
		},
		Params: narrowParams,
		// The SVD of a dense surrogate (InitSpectral); a sparse one's top
		// singular vectors come from a randomized iteration
		// (RandSVDBytes).
		InitBytes: func(c config.Config, rows, cols int, dense bool) uint64 {
			if !dense {
				return RandSVDBytes(rows, cols, c.RHat)
			}
			return SVDBytes(rows, cols)
		},
		SurrogateVectors: func(c config.Config) int { return c.RHat },
	})
}

// RandSVDBytes is the peak of the randomized SVD that gives a sparse
// surrogate's top k singular vectors of a rows x cols surrogate
// (workloads.SparseMC.TopSingular, block width l = k + 10): its two
// blocks Y (rows x l) and Z (cols x l), then, in the SVD of Z, its copy
// and its U; after it, Y, U's copy, the left vectors (rows x l) and the
// result (rows x k and cols x k). The larger of the two.
func RandSVDBytes(rows, cols, k int) uint64 {
	m, n := uint64(rows), uint64(cols)
	l := uint64(min(k+10, rows, cols))
	during := l * (m + 3*n)
	after := l*(2*m+n) + uint64(k)*(m+n)
	return 8 * max(during, after)
}

// topSingular is implemented by workloads whose surrogate is not held
// densely (workloads.SparseMC). The vectors it returns are not modified.
type topSingular interface {
	TopSingular(k int) (u, v *mat.Dense, err error)
}

func narrowShapes(c config.Config, rows, cols int) []dln.Shape {
	return dln.Chain(Widths(cols, c.RHat, rows, c.Depth)...)
}

func narrowParams(c config.Config, rows, cols int) int {
	return c.RHat*cols + (c.Depth-2)*c.RHat*c.RHat + rows*c.RHat
}
