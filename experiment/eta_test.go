package experiment

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// TestEtaFracResolves: with EtaFrac the run's eta is that fraction of
// 2 / (c L alpha^(2/L) s1^(4/3)), with s1 the surrogate's top singular
// value (the target itself on MF), c the workload's curvature and alpha
// the compressed network's when it is trained; run.json records the limit.
func TestEtaFracResolves(t *testing.T) {
	for _, tc := range []struct {
		name    string
		loss    string
		methods []string
		alpha   float64
		rate    float64 // L alpha^(2/L)
	}{
		{"sum, original only", "sum", []string{methods.Original}, 5, 3},
		{"sum, with compressed alpha 8", "sum", []string{methods.Original, methods.Compressed}, 8, 12},
		{"mean, with compressed alpha 0.5 (original binds)", "mean", []string{methods.Original, methods.Compressed}, 0.5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tinyConfig("mf")
			c.Methods, c.Alpha, c.EtaFrac, c.Steps = tc.methods, tc.alpha, 0.4, 20
			c.Set("loss", tc.loss)
			run := mustRun(t, c, Options{})
			in, err := instance.Build(c.WithDefaults())
			require.NoError(t, err)
			s1 := in.TargetSVals()[0]
			curv := 1.0
			if tc.loss == "mean" {
				curv = 1.0 / 144
			}
			limit := 2 / (curv * tc.rate * math.Pow(s1, 4.0/3))
			info := *run.Instance
			require.InDelta(t, s1, info.TargetTop, 1e-6*s1, "the surrogate of MF is the target")
			require.InDelta(t, limit, info.StableEta, 1e-5*limit)
			got := *run.Config
			require.InDelta(t, 0.4*limit, got.Eta, 1e-5*limit)
			require.Equal(t, 0.4, got.EtaFrac)
		})
	}
}

// TestEtaFracVerifyCountsAlpha: verify trains the compressed network at
// every width whatever config.DefaultMethods() says, so its rate always counts alpha.
func TestEtaFracVerifyCountsAlpha(t *testing.T) {
	c := tinyConfig("mf")
	c.Methods, c.Alpha, c.EtaFrac, c.Steps = []string{methods.Original}, 8, 0.4, 20
	c.Set("loss", "sum")
	v, err := Verify(VerifyConfig{Config: c}, nil, Options{})
	require.NoError(t, err)
	s1 := v.Instance.TargetTop
	want := 0.4 * 2 / (12 * math.Pow(s1, 4.0/3)) // L alpha^(2/L) = 3 * 8^(2/3) = 12
	require.InDelta(t, want, v.Config.Eta, 1e-9*want)
}

// TestEtaFracConverges: at half the stable learning rate the original and
// compressed networks of every run of the quick preset converge to its
// tolerance; on MF,
// whose curvature is exact, the original network diverges at 1.5 times it
// (so the limit is not merely a safe underestimate).
func TestEtaFracConverges(t *testing.T) {
	p, err := config.LookupPreset("quick")
	require.NoError(t, err)
	for _, c := range p.Runs {
		t.Run(c.Name, func(t *testing.T) {
			// The budget is the preset's (tuned at eta nearer the limit),
			// tripled.
			c.Methods, c.EtaFrac, c.Steps = []string{methods.Original, methods.Compressed}, 0.5, 3*c.Steps
			run := mustRun(t, c, Options{})
			for _, m := range run.Methods {
				require.Equal(t, results.Converged, m.Status, "%s: %s after %d steps at eta %g", c.Name, m.Method, m.Steps, run.Config.Eta)
			}
			if c.Workload == "mf" {
				c.Methods, c.EtaFrac = []string{methods.Original}, 1.5
				require.Equal(t, results.Diverged, mustRun(t, c, Options{}).Methods[0].Status, "at 1.5 times the limit")
			}
		})
	}
}

func TestEtaFracRejects(t *testing.T) {
	for _, v := range []float64{-0.1, 2, math.NaN(), math.Inf(1)} {
		c := tinyConfig("mf")
		c.EtaFrac = v
		_, err := Run(c, Options{})
		requireConfigError(t, err, "eta-frac", "")
	}
	// A workload that does not report its curvature.
	mf, err := workloads.NewMF(mat.NewDense(2, 2, []float64{1, 0, 0, 1}), workloads.Sum)
	require.NoError(t, err)
	in := &instance.Instance{Work: noScale{mf}}
	c := tinyConfig("mf")
	c.EtaFrac = 0.5
	require.ErrorContains(t, resolveEta(&c, in, false), "does not report its curvature")
}

// noScale is a workload hiding its Scale method.
type noScale struct{ workloads.Workload }
