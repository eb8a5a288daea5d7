package latency

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestChain(t *testing.T) {
	// A 3-layer compressed chain 32 <- 4 <- 4 <- 32 and the wide 32 x 32
	// matrix: flops 2 (4*32 + 4*4 + 32*4) b and 2 * 32 * 32 * b.
	narrow := []*mat.Dense{mat.NewDense(4, 32, nil), mat.NewDense(4, 4, nil), mat.NewDense(32, 4, nil)}
	wide := []*mat.Dense{mat.NewDense(32, 32, nil)}
	for _, tc := range []struct {
		name   string
		layers []*mat.Dense
		batch  int
		flops  uint64
	}{
		{"narrow/batch=1", narrow, 1, 2 * (4*32 + 4*4 + 32*4)},
		{"narrow/batch=64", narrow, 64, 2 * (4*32 + 4*4 + 32*4) * 64},
		{"wide/batch=64", wide, 64, 2 * 32 * 32 * 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Chain(tc.layers, tc.batch, Options{MaxCalls: 50, MinCalls: 10, Budget: time.Millisecond})
			require.Equal(t, tc.flops, r.Flops)
			require.Equal(t, tc.batch, r.Batch)
			require.GreaterOrEqual(t, len(r.Seconds), 10, "MinCalls calls are timed whatever the budget")
			require.LessOrEqual(t, len(r.Seconds), 50)
			require.Greater(t, r.P50, 0.0)
			require.LessOrEqual(t, r.P50, r.P99)
			lo, hi := r.Seconds[0], r.Seconds[0]
			for _, s := range r.Seconds {
				lo, hi = min(lo, s), max(hi, s)
			}
			require.True(t, lo <= r.P50 && r.P99 <= hi, "quantiles within the samples: %v <= %v, %v <= %v", lo, r.P50, r.P99, hi)
		})
	}
}

func TestChainPanics(t *testing.T) {
	require.Panics(t, func() { Chain(nil, 1, Options{}) })
	require.Panics(t, func() { Chain([]*mat.Dense{mat.NewDense(2, 2, nil)}, 0, Options{}) })
	require.Panics(t, func() {
		Chain([]*mat.Dense{mat.NewDense(3, 2, nil), mat.NewDense(2, 2, nil)}, 1, Options{})
	}, "3 rows do not feed 2 columns")
}
