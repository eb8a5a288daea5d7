package bench

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGateSuite: every name of GateSuite is a case of the default suite,
// tagged gate, and the gate tag selects exactly those.
func TestGateSuite(t *testing.T) {
	got := All(Options{Tags: []string{TagGate}})
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
		require.True(t, c.HasTags([]string{TagGate}), c.Name)
	}
	require.ElementsMatch(t, GateSuite, names)
	// Tagging twice (All then a selection of its cases) adds the tag once.
	again := selectTags(got, []string{TagGate})
	for _, c := range again {
		n := 0
		for _, tg := range c.Tags {
			if tg == TagGate {
				n++
			}
		}
		require.Equal(t, 1, n, c.Name)
	}
}
