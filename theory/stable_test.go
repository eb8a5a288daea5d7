package theory

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStableEtaFormula(t *testing.T) {
	// L = 3, alpha = 1: 2 / (c 3 s1^(4/3)); s1 = 8 gives 2 / (3 * 16).
	requireClose(t, StableEta(8, 3, 1, 1), 2.0/48, 0, 4*unitRoundoff)
	// alpha = 8 on the two outer layers of three: rate 3 * 8^(2/3) = 12.
	requireClose(t, StableEta(8, 3, 1, 8), 2.0/(12*16), 0, 8*unitRoundoff)
	// The mean loss of a 10 x 10 problem: c = 1/100, a 100 times larger eta.
	requireClose(t, StableEta(8, 3, 0.01, 1), 200.0/48, 0, 4*unitRoundoff)
	// L = 2: both layers outer, rate 2 alpha, x^1; L = 1: the single
	// layer, rate alpha, x^0.
	requireClose(t, StableEta(4, 2, 1, 3), 2.0/(6*4), 0, 4*unitRoundoff)
	requireClose(t, StableEta(4, 1, 1, 3), 2.0/3, 0, 4*unitRoundoff)
	for _, f := range []func(){
		func() { StableEta(8, 0, 1, 1) },
		func() { StableEta(0, 3, 1, 1) },
		func() { StableEta(8, 3, math.Inf(1), 1) },
		func() { StableEta(8, 3, 1, math.NaN()) },
	} {
		requireErrInput(t, f)
	}
}

// TestStableEtaSeparatesConvergence: the per-mode recursion of the
// compressed network (CompressedMF) on a single mode, from a small
// initialization, converges at 0.9 of StableEta and does not at 1.1 of
// it, over depths, scales, alphas and singular values.
func TestStableEtaSeparatesConvergence(t *testing.T) {
	for _, tc := range []struct {
		L        int
		c, alpha float64
		s1       float64
	}{
		{2, 1, 1, 5}, {2, 1, 4, 5}, {3, 1, 1, 20}, {3, 1, 5, 20}, {4, 1e-4, 1, 30}, {4, 1e-4, 3, 30}, {3, 1.0 / 3600, 5, 15.5}, {5, 1, 2, 3},
	} {
		limit := StableEta(tc.s1, tc.L, tc.c, tc.alpha)
		final := func(frac float64) float64 {
			p := ModeParams{L: tc.L, Eps: 0.1 * math.Pow(tc.s1, 1/float64(tc.L)), Eta: frac * limit, Alpha: tc.alpha, C: tc.c}
			tr := CompressedMF([]float64{tc.s1}, 1, p, 20000, 20000)
			return tr.RecoveryError[len(tr.RecoveryError)-1]
		}
		require.Less(t, final(0.9), 1e-8, "%+v: converges at 0.9 of %g", tc, limit)
		e := final(1.1)
		require.True(t, !(e < 1e-3), "%+v: at 1.1 of %g the error ends at %g", tc, limit, e)
	}
}
