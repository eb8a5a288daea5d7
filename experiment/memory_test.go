package experiment

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/methods"
)

// TestPreflightHonoursCgroup: a run that fits in MemAvailable but not under
// the cgroup's limit is refused before anything is allocated, naming the
// flag, the phase and the cgroup file.
func TestPreflightHonoursCgroup(t *testing.T) {
	c := config.Config{Workload: "mf", D: 3000, R: 5, Eta: 1, Steps: 1,
		Methods: []string{methods.Original, methods.Compressed}}.WithDefaults()
	require.NoError(t, c.Validate())
	plan := PlanMemory(c, false)
	// The original network's training holds at least its 3 d^2 parameters.
	require.Greater(t, plan.Live(), uint64(3*8*3000*3000))

	fakeBudget(t, machine.Budget{MemAvailable: 100e9, HasMemAvailable: true,
		CgroupLimit: 1e9, CgroupUsage: 2e8, CgroupFile: "/sys/fs/cgroup/ci.slice/memory.max",
		Available: 8e8, Source: machine.FromCgroup})
	var err error
	n := allocated(func() { err = Preflight(c) })
	requireConfigError(t, err, "d", "3000")
	require.Contains(t, err.Error(), "/sys/fs/cgroup/ci.slice/memory.max")
	require.Contains(t, err.Error(), "original")
	require.Less(t, n, uint64(1<<20), "Preflight allocated %d bytes", n)

	// The same run fits a budget above its plan.
	fakeBudget(t, machine.Budget{MemAvailable: 100e9, HasMemAvailable: true, Available: 100e9, Source: machine.FromMemAvailable})
	require.NoError(t, Preflight(c))
}

// TestPlanPhases: the plan's phases follow the run (each method's
// initialization and training, the target's draw and SVD), and loading an
// instance drops the phases that build it.
func TestPlanPhases(t *testing.T) {
	c := config.Config{Workload: "mf", D: 100, R: 5, Eta: 1, Steps: 1,
		Methods: []string{methods.Original, methods.Compressed}}.WithDefaults()
	names := func(loaded bool) []string {
		var out []string
		for _, ph := range PlanMemory(c, loaded).Phases {
			out = append(out, ph.Name)
		}
		return out
	}
	require.Equal(t, []string{"building the instance", "drawing the target", "the target's SVD (checks)",
		"initializing original", "building the checks of original", "training original",
		"initializing compressed", "training compressed"}, names(false))
	require.Equal(t, []string{"the target's SVD (checks)",
		"initializing original", "building the checks of original", "training original",
		"initializing compressed", "training compressed"}, names(true))
}
