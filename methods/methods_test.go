package methods_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/theory"
)

// TestParamsFormulas: every method's closed-form parameter count equals
// the count of its shapes, on square and rectangular problems, and the
// built-in ones equal theory's (DESIGN.md section 2).
func TestParamsFormulas(t *testing.T) {
	c := config.Config{D: 20, R: 3, RHat: 6, Depth: 4}
	for _, s := range methods.Specs() {
		if s.Params == nil {
			continue
		}
		for _, shape := range [][2]int{{20, 20}, {20, 13}, {9, 20}} {
			params, _ := dln.Footprint(s.Shapes(c, shape[0], shape[1]))
			require.Equal(t, params, s.Params(c, shape[0], shape[1]), "%s on %d x %d", s.Name, shape[0], shape[1])
		}
	}
	want := map[string]int{
		methods.Original:   theory.ParamsOriginal(c.D, c.Depth),
		methods.Compressed: theory.ParamsCompressed(c.D, c.RHat, c.Depth),
		methods.Narrow:     theory.ParamsCompressed(c.D, c.RHat, c.Depth),
		methods.BM:         theory.ParamsBM(c.D, c.RHat),
		methods.LoP:        theory.ParamsLoP(c.D, c.R, c.Depth),
	}
	for m, n := range want {
		s, ok := methods.Lookup(m)
		require.True(t, ok, m)
		require.Equal(t, n, s.Params(c, c.D, c.D), m)
	}
}

// TestStreamByName: a method's stream is the FNV-1a 64-bit hash of its
// name, so it does not depend on what else is registered. The constants
// are the hashes of "original" and "bm" (offset basis 0xcbf29ce484222325,
// prime 0x100000001b3), computed independently.
func TestStreamByName(t *testing.T) {
	require.Equal(t, fnv1a("original"), methods.Stream(methods.Original))
	require.Equal(t, fnv1a("bm"), methods.Stream(methods.BM))
	seen := map[uint64]string{}
	for _, m := range config.MethodNames() {
		s := methods.Stream(m)
		require.NotContains(t, seen, s, "%s and %s share a stream", m, seen[s])
		seen[s] = m
		require.Greater(t, s, uint64(100), "%s's stream collides with the instance's small stream numbers", m)
	}
}

func fnv1a(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// TestMultipliers: alpha on the compressed network's outer layers, gamma on
// the lop network's, 1 elsewhere.
func TestMultipliers(t *testing.T) {
	c := config.Config{Alpha: 5, Gamma: 0.5}
	require.Equal(t, []float64{5, 1, 5}, methods.Multipliers(methods.Compressed, c, 3))
	require.Equal(t, []float64{0.5, 1, 1, 0.5}, methods.Multipliers(methods.LoP, c, 4))
	require.Equal(t, []float64{1, 1, 1}, methods.Multipliers(methods.Original, c, 3))
}
