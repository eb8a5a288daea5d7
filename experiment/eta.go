package experiment

import (
	"fmt"
	"math"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/workloads"
)

// resolveEta sets c.Eta to c.EtaFrac times the instance's stable learning
// rate (see config.Config.EtaFrac; compressed says whether the compressed
// network, whose outer layers step at alpha eta, is trained) when c.EtaFrac
// is positive, and records the estimated top singular value of the target
// and the limit in the instance.
func resolveEta(c *config.Config, in *instance.Instance, compressed bool) error {
	if c.EtaFrac == 0 {
		return nil
	}
	sc, ok := in.Work.(workloads.Scaler)
	if !ok {
		return config.Bad("eta-frac", c.EtaFrac, "the %s workload does not report its curvature", in.Work.Name())
	}
	s1, err := workloads.TargetTop(in.Work, instance.Rand(c.Seed, instance.StreamEtaSVD))
	if err != nil {
		return config.Input(fmt.Errorf("--eta-frac: %w", err))
	}
	if !(s1 > 0) || math.IsInf(s1, 0) {
		return config.Input(fmt.Errorf("--eta-frac: the target's estimated top singular value is %v; the stable learning rate needs a positive one", s1))
	}
	alpha := 1.0
	if compressed {
		alpha = max(alpha, c.Alpha)
	}
	stable := theory.StableEta(s1, c.Depth, sc.Scale(), alpha)
	eta := c.EtaFrac * stable
	// A rate that is 0, subnormal or not finite would train nothing or
	// overflow at the first step: the target's scale is outside what
	// float64 can train at, which is the input's fault, not a run's.
	if !usable(stable) || !usable(eta) {
		what := "0 (it underflowed: the target is too large)"
		switch {
		case math.IsInf(eta, 0) || math.IsInf(stable, 0) || math.IsNaN(eta):
			what = "not finite (it overflowed: the target is too small)"
		case eta != 0 && stable != 0:
			what = "subnormal (it lost its digits: the target is too large)"
		}
		return config.Bad("eta-frac", c.EtaFrac, "the learning rate it computed, %g x the stable rate %g = %g from the target's top singular value %g (depth %d, loss scale %g), is %s; rescale the target toward singular values near 1, or give --eta",
			c.EtaFrac, stable, eta, s1, c.Depth, sc.Scale(), what)
	}
	in.TargetTop = s1
	in.StableEta = stable
	c.Eta = eta
	if in.Derived != nil { // an instance from files: the rate is theirs
		in.Derive("eta", eta, fmt.Sprintf("--eta-frac %g x the stable rate %.4g from the top singular value %.4g of %s", c.EtaFrac, stable, s1, in.Source))
	}
	return nil
}
