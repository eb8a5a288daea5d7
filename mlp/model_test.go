package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas/blas64"
)

// Tolerances of the gradient check. Central differences with step fdStep
// have truncation error O(fdStep^2) times the third derivative (~1e-12
// here) and rounding error O(eps_mach |f| / fdStep) ~ 1e-10 for these O(1)
// losses, so an entry passes when it is within gradAbsTol absolutely or
// gradRelTol relatively. ReLU kinks are kept away by random biases; a
// pre-activation within fdStep of 0 would show as a large error.
const (
	fdStep     = 1e-6
	gradAbsTol = 1e-8
	gradRelTol = 1e-5
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

// gradCheck compares the gradient LossGrad computes for (x, labels) with
// central differences of the loss of (x, fdLabels) for every parameter and
// returns the mismatches; fdLabels = labels is the real check.
func gradCheck(m *Model, x blas64.General, labels, fdLabels []byte) []string {
	m.LossGrad(x, labels)
	params := m.ParamList()
	grads := make([][]float64, len(params))
	for i, p := range params {
		grads[i] = append([]float64(nil), p.G...)
	}
	var bad []string
	for i, p := range params {
		for j := range p.W {
			w := p.W[j]
			p.W[j] = w + fdStep
			lp, _ := m.Evaluate(x, fdLabels)
			p.W[j] = w - fdStep
			lm, _ := m.Evaluate(x, fdLabels)
			p.W[j] = w
			fd := (lp - lm) / (2 * fdStep)
			got := grads[i][j]
			if d := math.Abs(got - fd); d > gradAbsTol && d > gradRelTol*math.Abs(fd) {
				bad = append(bad, fmt.Sprintf("%s[%d]: gradient %.10g, central difference %.10g", p.Name, j, got, fd))
			}
		}
	}
	return bad
}

func newTiny(t *testing.T, cfg Config, rng *rand.Rand) *Model {
	m, err := New(cfg, 8)
	require.NoError(t, err)
	// Random biases keep hidden units off their ReLU kinks.
	for _, p := range m.ParamList() {
		if p.Name == "layer1.b" || p.Name == "layer2.b" {
			for i := range p.W {
				p.W[i] = 0.1 * rng.NormFloat64()
			}
		}
	}
	return m
}

// TestGradientFiniteDifference checks the gradient of every parameter of
// every layer (the block's included) against central differences of the
// loss.
func TestGradientFiniteDifference(t *testing.T) {
	for _, cfg := range tinyConfigs() {
		t.Run(fmt.Sprintf("%s/L=%d", cfg.Variant, cfg.WithDefaults().Depth), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			m := newTiny(t, cfg, rng)
			x, labels := randBatch(rng, 5, cfg.Inputs, cfg.Classes)
			names := map[string]bool{}
			for _, p := range m.ParamList() {
				names[p.Name] = true
			}
			// Every layer is checked: 3 affine layers and the block's.
			require.Len(t, names, 6+len(cfg.BlockShapes()))
			require.Empty(t, gradCheck(m, x, labels, labels))
		})
	}
}

// TestGradientCheckFails: the check catches a wrong gradient (that of
// other labels).
func TestGradientCheckFails(t *testing.T) {
	cfg := tinyConfigs()[2] // cdln
	rng := rand.New(rand.NewPCG(1, 2))
	m := newTiny(t, cfg, rng)
	x, labels := randBatch(rng, 5, cfg.Inputs, cfg.Classes)
	other := append([]byte(nil), labels...)
	other[0] = (other[0] + 1) % byte(cfg.Classes)
	bad := gradCheck(m, x, labels, other)
	require.NotEmpty(t, bad)
	require.Contains(t, strings.Join(bad, "\n"), "block.W1")
}
