package trainer_test

import (
	"testing"

	"github.com/lowdim/lowdim/trainer/steptest"
)

// TestFactoredMFConformance: gradient, reference trajectory and
// measurements, allocations, flops and shape panics (trainer/steptest).
func TestFactoredMFConformance(t *testing.T) { steptest.Run(t, steptest.FactoredMF) }
