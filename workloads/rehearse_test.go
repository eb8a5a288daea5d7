package workloads_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// TestRehearseTopSingular: a rehearsed call returns the vectors the call
// after it returns without a rehearsal, bit for bit, and that call returns
// the same matrices without computing; the call after both starts where
// the generator would be after two ordinary calls (the third call's
// vectors are the same); RehearsedTime is the rehearsed call's. A cancelled rehearsal changes nothing, and a
// call for another k panics.
func TestRehearseTopSingular(t *testing.T) {
	const d, r, k = 300, 3, 6
	calls := func(w *workloads.SparseMC, n int) []*mat.Dense {
		var out []*mat.Dense
		for range n {
			u, v, err := w.TopSingular(k)
			require.NoError(t, err)
			out = append(out, u, v)
		}
		return out
	}
	plain, _ := sparseProblem(t, d, r, 0.1)
	want := calls(plain, 3) // u1 v1 u2 v2 u3 v3

	w, _ := sparseProblem(t, d, r, 0.1)
	require.Zero(t, w.RehearsedTime())
	cancel := w.RehearseTopSingular(k)
	got := calls(w, 3)
	require.Positive(t, w.RehearsedTime(), "the rehearsed call's time")
	cancel() // after the rehearsed call: nothing to cancel
	for i, pair := range [][2]int{{0, 2}, {1, 3}, {2, 2}, {3, 3}, {4, 4}, {5, 5}} {
		require.Equal(t, want[pair[1]].RawMatrix().Data, got[i].RawMatrix().Data, "call %d's %s", i/2+1, []string{"u", "v"}[i%2])
	}
	require.Same(t, got[0], got[2], "the rehearsed call's vectors are kept, not recomputed")

	w, _ = sparseProblem(t, d, r, 0.1)
	w.RehearseTopSingular(k)()
	got = calls(w, 3)
	for i := range want {
		require.Equal(t, want[i].RawMatrix().Data, got[i].RawMatrix().Data, "cancelled rehearsal: matrix %d", i)
	}

	w, _ = sparseProblem(t, d, r, 0.1)
	w.RehearseTopSingular(k)
	require.Panics(t, func() { _, _, _ = w.TopSingular(k + 1) }, "a call for another k than the rehearsed one")
	require.Panics(t, func() { w.RehearseTopSingular(k) }, "a second rehearsal while one is announced")
	_, _, err := w.TopSingular(k)
	require.NoError(t, err)
	require.Panics(t, func() { _, _, _ = w.TopSingular(k + 1) }, "a call for another k while vectors are kept")
}
