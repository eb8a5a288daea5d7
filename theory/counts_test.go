package theory

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestCountsByHand checks the generic sums on small networks counted by hand.
func TestCountsByHand(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		dims                      []int
		params                    int
		forward, backward, update uint64
	}{
		// One layer: no products, only the update of 3*2 = 6 weights.
		{"single", []int{2, 3}, 6, 0, 0, 12},
		// [2,2,2,2]: 12 weights; forward P_2, P_3 at 2*2*2*2 = 16 each = 32;
		// backward twice that; total 32 + 64 + 24 = 120 = 6*2*8 + 2*3*4.
		{"original d=2 L=3", []int{2, 2, 2, 2}, 12, 32, 64, 24},
		// [3,1,1,3]: weights 3 + 1 + 3 = 7; forward l=2: 2*1*1*3 = 6,
		// l=3: 2*3*1*3 = 18, sum 24; total 24 + 48 + 14 = 86 =
		// 6*1*3*1 + 6*9*1 + 4*3*1 + 2*1*1.
		{"compressed d=3 rh=1 L=3", []int{3, 1, 1, 3}, 7, 24, 48, 14},
		// [4,2,5]: weights 8 + 10 = 18; forward 2*5*2*4 = 80; backward 160.
		{"rectangular", []int{4, 2, 5}, 18, 80, 160, 36},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.params, Params(tc.dims), "Params")
			require.Equal(t, tc.forward, ForwardFlops(tc.dims), "ForwardFlops")
			require.Equal(t, tc.backward, BackwardFlops(tc.dims), "BackwardFlops")
			require.Equal(t, tc.update, UpdateFlops(tc.dims), "UpdateFlops")
			require.Equal(t, tc.forward+tc.backward+tc.update, StepFlops(tc.dims), "StepFlops")
		})
	}
	t.Run("closed forms", func(t *testing.T) {
		require.Equal(t, uint64(120), StepFlopsOriginal(2, 3))
		require.Equal(t, uint64(86), StepFlopsCompressed(3, 1, 3))
		// LoP, d = 5, r = 1, L = 3: 2*5*2 + 3*4 = 32.
		require.Equal(t, 32, ParamsLoP(5, 1, 3))
	})
}

// TestCountsClosedForms checks every closed form against the generic sums it
// abbreviates; integers, so equality is exact.
func TestCountsClosedForms(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		L := rapid.IntRange(2, 6).Draw(t, "L")
		d := rapid.IntRange(1, 200).Draw(t, "d")
		rh := rapid.IntRange(1, d).Draw(t, "rh")
		orig, comp := DimsOriginal(d, L), DimsCompressed(d, rh, L)
		require.Equal(t, ParamsOriginal(d, L), Params(orig), "ParamsOriginal")
		require.Equal(t, ParamsCompressed(d, rh, L), Params(comp), "ParamsCompressed")
		require.Equal(t, ParamsBM(d, rh), Params(DimsCompressed(d, rh, 2)), "ParamsBM")
		require.Equal(t, ParamsLoP(d, rh, L), Params(DimsCompressed(d, 2*rh, L+2)), "ParamsLoP (r = rh)")
		require.Equal(t, StepFlopsOriginal(d, L), StepFlops(orig), "StepFlopsOriginal")
		require.Equal(t, StepFlopsCompressed(d, rh, L), StepFlops(comp), "StepFlopsCompressed")
		require.Equal(t, StepFlopsOriginal(d, L), StepFlopsCompressed(d, d, L), "compressed at rh = d")
		for _, dims := range [][]int{orig, comp} {
			require.Equal(t, 2*ForwardFlops(dims), BackwardFlops(dims), "backward = 2 forward")
		}
		// The closed form and DESIGN.md's (4L-2) d^3 agree only at L = 2.
		require.Equal(t, L == 2, 6*(L-1) == 4*L-2)
	})
}

func TestCountsPanic(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"no layer", func() { Params([]int{3}) }},
		{"zero width", func() { StepFlops([]int{3, 0, 3}) }},
		{"original L=0", func() { ParamsOriginal(3, 0) }},
		{"compressed L=1", func() { ParamsCompressed(3, 2, 1) }},
		{"compressed rh=0", func() { StepFlopsCompressed(3, 0, 3) }},
		{"BM d=0", func() { ParamsBM(0, 1) }},
		{"LoP r=0", func() { ParamsLoP(4, 0, 3) }},
		{"dims compressed L=1", func() { DimsCompressed(4, 2, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) { requireErrInput(t, tc.f) })
	}
}
