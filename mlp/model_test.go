package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas/blas64"
)

// Tolerances.
const (
	// gradRelTol bounds |analytic - central difference| / max(|analytic|,
	// gradFloor) per entry. Central differences with step fdStep have
	// truncation error O(h^2) times the third derivative and rounding
	// error O(eps_mach |f| / h) ~ 1e-11 for these O(1) losses; ReLU kinks
	// are avoided by drawing inputs whose pre-activations stay away from 0
	// (see kinkFree). 1e-5 leaves a wide margin.
	gradRelTol = 1e-5
	gradFloor  = 1e-6
	fdStep     = 1e-6
)

// tinyConfigs are small models of every variant; their widths keep every
// product at most 64 x 64 outputs (serial Dgemm).
func tinyConfigs() []Config {
	base := Config{Inputs: 7, Classes: 4, Hidden1: 6, Hidden2: 5, Eps: 0.9, Seed: 3}
	var cs []Config
	for _, v := range Variants {
		c := base
		c.Variant = v
		if v == CDLN {
			c.RHat, c.Alpha = 3, 2
		}
		cs = append(cs, c)
	}
	dl := base
	dl.Variant, dl.Depth = DLN, 1
	cd := base
	cd.Variant, cd.Depth, cd.RHat = CDLN, 4, 2
	return append(cs, dl, cd)
}

func randBatch(rng *rand.Rand, rows, cols, classes int) (blas64.General, []byte) {
	x := blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: make([]float64, rows*cols)}
	for i := range x.Data {
		x.Data[i] = rng.Float64()
	}
	labels := make([]byte, rows)
	for i := range labels {
		labels[i] = byte(rng.IntN(classes))
	}
	return x, labels
}

// TestGradientFiniteDifference checks the gradient of every parameter of
// every layer (the block's included) against central differences of the
// loss.
func TestGradientFiniteDifference(t *testing.T) {
	for _, cfg := range tinyConfigs() {
		t.Run(fmt.Sprintf("%s/L=%d", cfg.Variant, cfg.WithDefaults().Depth), func(t *testing.T) {
			m, err := New(cfg, 8)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(1, 2))
			x, labels := randBatch(rng, 5, cfg.Inputs, cfg.Classes)
			// Nudge biases so no hidden unit sits at a ReLU kink.
			for _, p := range m.ParamList() {
				if p.Name == "layer1.b" || p.Name == "layer2.b" {
					for i := range p.W {
						p.W[i] = 0.1 * rng.NormFloat64()
					}
				}
			}
			m.LossGrad(x, labels)
			params := m.ParamList()
			grads := make([][]float64, len(params))
			for i, p := range params {
				require.NotNil(t, p.G, p.Name)
				grads[i] = append([]float64(nil), p.G...)
			}
			for i, p := range params {
				for j := range p.W {
					w := p.W[j]
					p.W[j] = w + fdStep
					lp, _ := m.Evaluate(x, labels)
					p.W[j] = w - fdStep
					lm, _ := m.Evaluate(x, labels)
					p.W[j] = w
					fd := (lp - lm) / (2 * fdStep)
					got := grads[i][j]
					if err := math.Abs(got-fd) / math.Max(math.Abs(got), gradFloor); err > gradRelTol && math.Abs(got-fd) > 1e-9 {
						t.Errorf("%s[%d]: gradient %.10g, central difference %.10g (rel err %.2g > %g)", p.Name, j, got, fd, err, gradRelTol)
					}
				}
			}
		})
	}
}
