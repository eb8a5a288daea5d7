package workloads_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// entriesCase is a 3 x 4 matrix known on seven entries: four train, one
// validates, two test. Values are small integers so every expectation
// below is exact arithmetic on them.
//
//	train (0,0)=1 (0,2)=3 (1,1)=5 (2,3)=7, mean 4
//	validation (1,3)=2
//	test (2,0)=4 (0,1)=6
func entriesCase() (train, val, test workloads.EntryList) {
	train = workloads.EntryList{Row: []int{1, 0, 2, 0}, Col: []int{1, 0, 3, 2}, Value: []float64{5, 1, 7, 3}}
	val = workloads.EntryList{Row: []int{1}, Col: []int{3}, Value: []float64{2}}
	test = workloads.EntryList{Row: []int{2, 0}, Col: []int{0, 1}, Value: []float64{4, 6}}
	return train, val, test
}

// TestEntriesMCHandComputed: the loss, gradient, held-out error, test
// loss, validation RMSE and RMSE of a W chosen by hand, with each
// centering: the centering moves every value by its mean, and the errors
// are in the data's units whatever it is.
func TestEntriesMCHandComputed(t *testing.T) {
	train, val, test := entriesCase()
	// W = 1 everywhere.
	w := mat.NewDense(3, 4, nil)
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			w.Set(i, j, 1)
		}
	}
	tests := []struct {
		kind workloads.CenterKind
		// offset(i, j) of the centering, from the training entries.
		offset func(i, j int) float64
	}{
		{workloads.CenterNone, func(int, int) float64 { return 0 }},
		{workloads.CenterGlobal, func(int, int) float64 { return 4 }},
		// Row means 2, 5, 7 (row 0: (1 + 3) / 2).
		{workloads.CenterRows, func(i, _ int) float64 { return []float64{2, 5, 7}[i] }},
		// Column means 1, 5, 3, 7; every column has a training entry.
		{workloads.CenterColumns, func(_, j int) float64 { return []float64{1, 5, 3, 7}[j] }},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			center, err := workloads.NewCentering(tc.kind, 3, 4, train)
			require.NoError(t, err)
			for i := 0; i < 3; i++ {
				for j := 0; j < 4; j++ {
					require.Equal(t, tc.offset(i, j), center.Offset(i, j), "offset (%d, %d)", i, j)
				}
			}
			work, err := workloads.NewEntriesMC(3, 4, train, val, test, center, newRNG(1))
			require.NoError(t, err)
			// The model predicts W + offset; residuals in data units.
			res := func(e workloads.EntryList) (ss float64) {
				for k, v := range e.Value {
					r := w.At(e.Row[k], e.Col[k]) + tc.offset(e.Row[k], e.Col[k]) - v
					ss += r * r
				}
				return ss
			}
			g := mat.NewDense(3, 4, nil)
			loss := work.Gradient(g, w)
			require.InDelta(t, res(train)/(2*4), loss, handTol*loss)
			for k := range train.Value {
				i, j := train.Row[k], train.Col[k]
				want := (w.At(i, j) + tc.offset(i, j) - train.Value[k]) / 4
				require.InDelta(t, want, g.At(i, j), handTol*math.Abs(want)+1e-300, "gradient (%d, %d)", i, j)
			}
			// Zero off the training entries.
			require.Zero(t, g.At(1, 3))
			require.Zero(t, g.At(2, 0))
			// Test: relative to the uncentered values 4 and 6 (norm^2 52).
			rel := work.RecoveryError(w)
			require.InDelta(t, math.Sqrt(res(test)/52), rel, handTol*rel)
			tl, ok := work.TestLoss(w)
			require.True(t, ok)
			require.InDelta(t, res(test)/4, tl, handTol*tl)
			r, ok := workloads.RMSE(work, rel)
			require.True(t, ok)
			require.InDelta(t, math.Sqrt(res(test)/2), r, 4*handTol*r)
			v, ok := work.ValidationRMSE(w)
			require.True(t, ok)
			require.InDelta(t, math.Sqrt(res(val)), v, handTol*v)
			// The factored forms agree with the dense ones: W = A B with
			// A = ones(3, 1), B^T = ones(4, 1).
			a := mat.NewDense(3, 1, []float64{1, 1, 1})
			bt := mat.NewDense(4, 1, []float64{1, 1, 1, 1})
			frel, ftl := work.HeldOutFactored(a, bt)
			require.InDelta(t, rel, frel, handTol*rel)
			require.InDelta(t, tl, ftl, handTol*tl)
			fv, ok := work.ValidationFactored(a, bt)
			require.True(t, ok)
			require.InDelta(t, v, fv, handTol*v)
		})
	}
}

// TestEntriesMCCenteringEmptyRow: a row or column with no training entry
// takes the global mean.
func TestEntriesMCCenteringEmptyRow(t *testing.T) {
	train := workloads.EntryList{Row: []int{0, 0, 2}, Col: []int{0, 1, 1}, Value: []float64{1, 2, 6}} // row 1 and column 2 empty; mean 3
	rows, err := workloads.NewCentering(workloads.CenterRows, 3, 3, train)
	require.NoError(t, err)
	require.Equal(t, []float64{1.5, 3, 6}, rows.Means)
	cols, err := workloads.NewCentering(workloads.CenterColumns, 3, 3, train)
	require.NoError(t, err)
	require.Equal(t, []float64{1, 4, 3}, cols.Means)
	_, err = workloads.NewCentering("median", 3, 3, train)
	require.ErrorContains(t, err, `centering "median"`)
}

// TestEntriesMCRejects: every malformed problem is an error naming it.
func TestEntriesMCRejects(t *testing.T) {
	train, val, test := entriesCase()
	none := workloads.Centering{}
	tests := []struct {
		name             string
		train, val, test workloads.EntryList
		center           workloads.Centering
		want             string
	}{
		{"no training", workloads.EntryList{}, val, test, none, "no training entry"},
		{"no test", train, val, workloads.EntryList{}, none, "no held-out test entry"},
		{"outside", train, workloads.EntryList{Row: []int{3}, Col: []int{0}, Value: []float64{1}}, test, none, "validation entry 0 at (3, 0) is outside the 3 x 4 matrix"},
		{"in two lists", train, workloads.EntryList{Row: []int{0}, Col: []int{0}, Value: []float64{1}}, test, none, "entry (0, 0) is in the training list and the validation list"},
		{"twice in one", workloads.EntryList{Row: []int{0, 0}, Col: []int{0, 0}, Value: []float64{1, 2}}, val, test, none, "in the training list and the training list"},
		{"not finite", train, val, workloads.EntryList{Row: []int{2}, Col: []int{0}, Value: []float64{math.NaN()}}, none, "test entry 0 at (2, 0) is NaN"},
		{"means", train, val, test, workloads.Centering{Kind: workloads.CenterRows, Means: []float64{1}}, "rows centering with 1 means, want 3"},
		{"ragged", workloads.EntryList{Row: []int{0}, Col: []int{0, 1}, Value: []float64{1}}, val, test, none, "training list of 1 rows, 2 columns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workloads.NewEntriesMC(3, 4, tc.train, tc.val, tc.test, tc.center, newRNG(1))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestEntriesMCLists: Lists gives back the entries with their centered
// values, and the training list in row-major order.
func TestEntriesMCLists(t *testing.T) {
	train, val, test := entriesCase()
	center, err := workloads.NewCentering(workloads.CenterGlobal, 3, 4, train)
	require.NoError(t, err)
	work, err := workloads.NewEntriesMC(3, 4, train, val, test, center, newRNG(1))
	require.NoError(t, err)
	tr, va, te := work.Lists()
	require.Equal(t, workloads.EntryList{Row: []int{0, 0, 1, 2}, Col: []int{0, 2, 1, 3}, Value: []float64{-3, -1, 1, 3}}, tr)
	require.Equal(t, workloads.EntryList{Row: []int{1}, Col: []int{3}, Value: []float64{-2}}, va)
	require.Equal(t, workloads.EntryList{Row: []int{2, 0}, Col: []int{0, 1}, Value: []float64{0, 2}}, te)
	require.Equal(t, 4, work.Observed())
	require.Equal(t, 2, work.HeldOutCount())
	require.Equal(t, 1, work.ValidationCount())
	require.Nil(t, work.Target())
}

// TestRMSEOfDenseWorkloads: a relative error converts to the data's units
// through the norm of the entries it is measured on.
func TestRMSEOfDenseWorkloads(t *testing.T) {
	phi := mat.NewDense(2, 2, []float64{3, 0, 0, 4}) // ||Phi||_F = 5 over 4 entries
	mf, err := workloads.NewMF(phi, workloads.Mean)
	require.NoError(t, err)
	r, ok := workloads.RMSE(mf, 0.2) // ||W - Phi|| = 1 over 4 entries
	require.True(t, ok)
	require.InDelta(t, 0.5, r, handTol)
	mask := mat.NewDense(2, 2, []float64{1, 1, 0, 1})
	held := mat.NewDense(2, 2, []float64{0, 0, 1, 0})
	phi2 := mat.NewDense(2, 2, []float64{3, 1, 2, 4})
	mc, err := workloads.NewMCHeldOut(phi2, mask, held)
	require.NoError(t, err)
	r, ok = workloads.RMSE(mc, 0.25) // on the one held-out entry, value 2: residual 0.5
	require.True(t, ok)
	require.InDelta(t, 0.5, r, handTol)
	// The noise level's training loss: e^2/2 on a mean loss, times m n on
	// MF's sum loss.
	require.Equal(t, 0.125, mf.EntryLoss(0.5))
	mfs, err := workloads.NewMF(phi, workloads.Sum)
	require.NoError(t, err)
	require.Equal(t, 0.5, mfs.EntryLoss(0.5))
	require.Equal(t, 0.125, mc.EntryLoss(0.5))
}
