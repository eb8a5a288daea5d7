package latency

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCalls: Calls makes the warm-up calls untimed, then at least MinCalls
// timed ones whatever the budget, at most MaxCalls, and its quantiles are
// among the times it returns.
func TestCalls(t *testing.T) {
	n := 0
	r := Calls(func() { n++ }, Options{Warmup: 2, MinCalls: 5, MaxCalls: 50, Budget: time.Nanosecond})
	require.Len(t, r.Seconds, 5, "a spent budget stops at MinCalls")
	require.Equal(t, 7, n, "2 warm-up calls + 5 timed")
	require.Contains(t, r.Seconds, r.P50)
	require.Contains(t, r.Seconds, r.P99)
	require.Zero(t, r.Batch)
	require.Zero(t, r.Flops)

	n = 0
	r = Calls(func() { n++ }, Options{Warmup: 1, MinCalls: 3, MaxCalls: 40, Budget: time.Hour})
	require.Len(t, r.Seconds, 40, "MaxCalls caps a long budget")
	require.Equal(t, 41, n)
}
