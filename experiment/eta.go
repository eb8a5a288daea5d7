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
	in.TargetTop = s1
	in.StableEta = theory.StableEta(s1, c.Depth, sc.Scale(), alpha)
	c.Eta = c.EtaFrac * in.StableEta
	return nil
}
