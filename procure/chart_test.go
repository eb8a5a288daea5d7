package procure

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSVGChartSkipsNonFinite: a speedup that is 0 or infinite (from a 0
// sample, which Load refuses) is left out of the chart instead of sending
// its tick loop over an infinite range.
func TestSVGChartSkipsNonFinite(t *testing.T) {
	svg := svgChart("c", "speedups", []bar{
		{label: "infinite", v: math.Inf(1), lo: 2, hi: math.Inf(1)},
		{label: "zero", v: 0, lo: 0, hi: 0.5},
		{label: "finite", v: 2, lo: 1.5, hi: 3},
	})
	require.Contains(t, svg, "finite")
	require.NotContains(t, svg, ">infinite<")
	require.NotContains(t, svg, ">zero<")
	require.Less(t, strings.Count(svg, "<line"), 20, "a few ticks, not a runaway loop")
}
