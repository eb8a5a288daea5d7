package workloads_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	_ "github.com/lowdim/lowdim/methods" // registers the methods (config validates them)
	"github.com/lowdim/lowdim/workloads"
)

// tiny returns a small valid configuration of the workload.
func tiny(name string) config.Config {
	c := config.Config{Workload: name, D: 10, R: 2, Eta: 1, Steps: 1}
	switch name {
	case "mc":
		c.Set("p", 0.5)
	case "ms":
		c.Set("m", 40)
	}
	return c.WithDefaults()
}

// TestRegistrySaveLoad: every registered workload builds from a seed, saves
// its data and loads it back to the same loss and gradient; its footprint
// covers what it holds.
func TestRegistrySaveLoad(t *testing.T) {
	specs := workloads.Specs()
	require.GreaterOrEqual(t, len(specs), 3)
	for _, s := range specs {
		t.Run(s.Name, func(t *testing.T) {
			c := tiny(s.Name)
			require.NoError(t, c.Validate())
			rng := func(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(1, stream)) }
			target, err := workloads.Target(c, rng(1))
			require.NoError(t, err)
			w, err := s.New(c, target, rng)
			require.NoError(t, err)
			rows, cols := s.Dims(c)
			r, k := w.Dims()
			require.Equal(t, [2]int{rows, cols}, [2]int{r, k})

			var need uint64
			for _, n := range s.Footprint(c) {
				need += n.Bytes
			}
			// The preflight plans the bytes the workload holds, exactly.
			require.Equal(t, uint64(w.Bytes()), need, "footprint against Workload.Bytes")

			dir := t.TempDir()
			require.NoError(t, s.Save(w, dir))
			lc := c.Clone()
			back, err := s.Load(&lc, target, dir)
			require.NoError(t, err)
			x := mat.NewDense(rows, cols, nil)
			x.Apply(func(i, j int, _ float64) float64 { return float64(i-j) / 10 }, x)
			g1, g2 := mat.NewDense(rows, cols, nil), mat.NewDense(rows, cols, nil)
			require.Equal(t, w.Gradient(g1, x), back.Gradient(g2, x), "loss after a round trip")
			require.True(t, mat.Equal(g1, g2), "gradient after a round trip")
		})
	}
}

// TestStreamByName: a workload's stream is a hash of its name.
func TestStreamByName(t *testing.T) {
	require.NotEqual(t, workloads.Stream("mf"), workloads.Stream("mc"))
	require.Equal(t, workloads.Stream("toy"), workloads.Stream("toy"))
}
