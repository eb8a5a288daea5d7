package experiment

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/methods"
)

// TestSparsePlanBytes: the memory plan of the headline sparse completion
// runs counts, byte for byte, what the instance and the compressed
// network's initialization hold, and nothing of size d^2 (the sampling
// bitset the plan counted before: 8.6 GB at d = 262,144). At d = 65,536,
// p = 0.0025: o = floor(0.0025 * 65536^2) = 10,737,418 observed entries.
//   - the observed entries: 12 bytes each (column int32, value float64),
//     the row pointers 8 (d + 1), the factors 8 * 2d * r (r = 10):
//     128,849,016 + 524,296 + 10,485,760 = 139,859,072;
//   - while drawn, SampleObserved's sorted batches (p < 1/128): 16 o =
//     171,798,688;
//   - the randomized SVD's peak (methods.RandSVDBytes, l = 30, k = 20):
//     8 max(l (d + 3d), l (2d + d) + k (d + d)) = 8 * 130 d = 68,157,440;
//   - while training (and the time preflight's probe, which keeps them
//     for training: rehearse), the surrogate's top k singular vectors:
//     8 k (d + d) = 20,971,520.
func TestSparsePlanBytes(t *testing.T) {
	const d = 65536
	c := config.Config{Workload: "mc", D: d, R: 10, RHat: 20, Eps: 0.1, Eta: 1, Steps: 1,
		Params: config.Params{"p": 0.0025}, Methods: []string{methods.Compressed}}.WithDefaults()
	require.NoError(t, c.Validate())
	require.True(t, c.Sparse())
	plan := PlanMemory(c, false)
	items := map[string]map[string]uint64{}
	for _, ph := range plan.Phases {
		items[ph.Name] = map[string]uint64{}
		for _, it := range ph.Items {
			items[ph.Name][it.What] = it.Bytes
		}
	}
	const (
		observed = "the observed entries of --p 0.0025 of a --d 65536 target"
		draw     = "the draw of the observed entries of --p 0.0025 of a --d 65536 target"
		init     = "the compressed network's initialization"
		kept     = "the surrogate's top singular vectors the time preflight's probe keeps for training"
	)
	require.Equal(t, map[string]uint64{observed: 139859072, draw: 171798688},
		items["building the instance"])
	require.Equal(t, uint64(139859072), items["initializing compressed"][observed])
	require.Equal(t, uint64(68157440), items["initializing compressed"][init])
	require.Equal(t, uint64(139859072), items["training compressed"][observed])
	require.Equal(t, uint64(20971520), items["training compressed"][kept])
	require.NotContains(t, items["training compressed"], draw, "the draw's scratch is not held while training")

	// d = 262,144 (43 million entries): no phase near the 8.6 GB of a
	// d^2 / 8 bitset; the largest is training, under 2 GB.
	c.D = 262144
	c.Params = config.Params{"p": 0.000625}
	big := PlanMemory(c, false)
	require.Less(t, big.Live(), uint64(2e9))
}
