package experiment

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/trainer"
)

// TestLoPReproducesOriginal: with frozen outer factors the methods.LoP network's
// end-to-end matrix differs from the original's by exactly rho(t)^L times a
// matrix with d-2r orthonormal directions (Yaras et al.), so
// ||W_orig - W_lop||_F = rho^L sqrt(d-2r) at every step.
func TestLoPReproducesOriginal(t *testing.T) {
	c := config.Config{Workload: "mf", Params: config.Params{"loss": "sum"}, D: 20, R: 2, Depth: 3, Eps: 0.05, Eta: 0.02, Steps: 400, Seed: 3,
		Methods: []string{methods.Original, methods.LoP}}.WithDefaults()
	require.NoError(t, c.Validate())
	in, err := instance.Build(c)
	require.NoError(t, err)
	orig, err := NewNetwork(methods.Original, c, in)
	require.NoError(t, err)
	lop, err := NewNetwork(methods.LoP, c, in)
	require.NoError(t, err)
	oo := trainer.NewDense(orig, in.Work, nil)
	lo := trainer.NewDense(lop, in.Work, methods.Multipliers(methods.LoP, c, lop.Layers()))
	rho := c.Eps
	worst := 0.0
	for step := 0; step <= c.Steps; step++ {
		oo.Evaluate()
		lo.Evaluate()
		var diff mat.Dense
		diff.Sub(orig.EndToEnd(), lop.EndToEnd())
		want := math.Pow(rho, 3) * math.Sqrt(float64(c.D-2*c.R))
		rel := math.Abs(mat.Norm(&diff, 2)-want) / want
		worst = max(worst, rel)
		oo.Step(c.Eta)
		lo.Step(c.Eta)
		rho *= 1 - c.Eta*math.Pow(rho, 4)
	}
	t.Logf("worst relative deviation %.3g", worst)
	require.Less(t, worst, 1e-6)
}
