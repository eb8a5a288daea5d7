package experiment

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/methods"
)

// planItems returns the plan's items by phase and description.
func planItems(c config.Config, loaded bool, given ...string) map[string]map[string]uint64 {
	items := map[string]map[string]uint64{}
	for _, ph := range PlanMemory(c, loaded, given...).Phases {
		items[ph.Name] = map[string]uint64{}
		for _, it := range ph.Items {
			items[ph.Name][it.What] = it.Bytes
		}
	}
	return items
}

// TestPlanGivenInit: a network whose initial weights come with the
// instance (init_compressed_W*.npy) skips its initialization, and the plan
// does not count it. At d = 16384 the compressed network's initialization
// is a full SVD of the d x d surrogate (methods.SVDBytes: 8 (d^2 + 4 d^2) =
// 10,737,418,240 bytes), which refused lowdim bench --load-instance on a
// folder drawn by scripts/side-by-side.py --draw mf --d 16384 although
// the folder's factors replace it. Every other item is unchanged, byte for
// byte.
func TestPlanGivenInit(t *testing.T) {
	const d = 16384
	c := config.Config{Workload: "mf", D: d, R: 5, RHat: 10, Eps: 1e-2, Eta: 1e-9, Steps: 1,
		Methods: []string{methods.Compressed}}.WithDefaults()
	require.NoError(t, c.Validate())
	const init = "the compressed network's initialization"
	for _, loaded := range []bool{false, true} {
		all := planItems(c, loaded)
		given := planItems(c, loaded, methods.Compressed)
		require.Equal(t, uint64(10737418240), all["initializing compressed"][init])
		require.NotContains(t, given["initializing compressed"], init)
		delete(all["initializing compressed"], init)
		require.Equal(t, all, given, "only the initialization is left out (loaded %v)", loaded)
		// Another method's weights change nothing of compressed's plan.
		require.Equal(t, uint64(10737418240), planItems(c, loaded, methods.Original)["initializing compressed"][init])
	}
}

// TestPlanSteps: timing steps on a loaded instance (PreflightSteps,
// lowdim bench --load-instance) plans, byte for byte, the loaded target
// and the compressed network's parameters and workspace, its
// initialization only when the folder lacks its initial weights, and
// nothing of the checks (the target's SVD, 10.7 GB at d = 16384) nor of
// the target's draw. At d = 16384 the refused plan was 16.1 GB beside a
// process holding the 2.1 GB target; it is 4.3 GB with the folder's
// weights.
func TestPlanSteps(t *testing.T) {
	const d = 16384
	c := config.Config{Workload: "mf", D: d, R: 5, RHat: 10, Eps: 1e-2, Eta: 1e-9, Steps: 1,
		Methods: []string{methods.Compressed}}.WithDefaults()
	const (
		loaded  = "the loaded mf instance"
		network = "the compressed network at --d 16384 (parameters and workspace)"
		init    = "the compressed network's initialization"
	)
	items := func(given ...string) map[string]map[string]uint64 {
		out := map[string]map[string]uint64{}
		for _, ph := range planWith(c, planOpts{loaded: true, noChecks: true, given: given}).Phases {
			out[ph.Name] = map[string]uint64{}
			for _, it := range ph.Items {
				out[ph.Name][it.What] = it.Bytes
			}
		}
		return out
	}
	require.Equal(t, map[string]map[string]uint64{
		"initializing compressed": {loaded: 2147483648, network: 9176640},
		"training compressed":     {loaded: 2147483648, network: 2162166912},
	}, items(methods.Compressed))
	require.Equal(t, map[string]map[string]uint64{
		"initializing compressed": {loaded: 2147483648, network: 9176640, init: 10737418240},
		"training compressed":     {loaded: 2147483648, network: 2162166912},
	}, items())
	require.Equal(t, uint64(4309650560), planWith(c, planOpts{loaded: true, noChecks: true, given: []string{methods.Compressed}}).Live())
}

// TestLoadStepInstanceGivenInit: LoadStepInstance reads a folder with the
// compressed network's initial weights and plans without its
// initialization; under a budget that nothing fits, the refusal names the
// plan's largest phase, the compressed network's initialization only when
// the folder lacks the weights.
func TestLoadStepInstanceGivenInit(t *testing.T) {
	c := tinyConfig("mf")
	c.D, c.Steps = 64, 10 // the surrogate's SVD (5 d^2) above the step's workspace
	c.Methods = []string{methods.Compressed}
	dir := t.TempDir()
	mustRun(t, c, Options{SaveInstance: dir})
	require.FileExists(t, filepath.Join(dir, instance.InitFile(methods.Compressed, 1)))

	fakeBudget(t, machine.Budget{MemAvailable: 1, HasMemAvailable: true, Available: 1, Source: machine.FromMemAvailable})
	const init = "for the compressed network's initialization"
	_, _, err := LoadStepInstance(c, dir)
	requireConfigError(t, err, "d", "64")
	require.NotContains(t, err.Error(), init)
	require.NotContains(t, err.Error(), "SVD of the target")

	inits, err := filepath.Glob(filepath.Join(dir, "init_compressed_W*.npy"))
	require.NoError(t, err)
	require.Len(t, inits, 3)
	for _, p := range inits {
		require.NoError(t, os.Remove(p))
	}
	_, _, err = LoadStepInstance(c, dir)
	requireConfigError(t, err, "d", "64")
	require.Contains(t, err.Error(), init)
}
