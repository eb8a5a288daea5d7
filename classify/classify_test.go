package classify

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/npy"
)

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

// TestReadCSV: the label column is found by name wherever it is, the
// other columns are the features in order.
func TestReadCSV(t *testing.T) {
	p := write(t, "d.csv", "# a comment\na, y ,b\n1.5,3,2\n-1,7,0.25\n")
	src, err := Read("data", p, "y")
	require.NoError(t, err)
	tb := src.Train
	require.Nil(t, src.Test)
	require.Equal(t, 2, tb.N)
	require.Equal(t, 2, tb.Features)
	require.Equal(t, []float64{1.5, 2, -1, 0.25}, tb.X)
	require.Equal(t, []int64{3, 7}, tb.Labels)
	names, err := Classes(tb)
	require.NoError(t, err)
	s, err := Numbered(tb, names, nil)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 1}, s.Y)
}

// TestReadErrors: each bad source is a user error naming the file, line
// or flag, and the value.
func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "X.npy")
	require.NoError(t, npy.WriteFile(x, []int{3, 2}, []float64{1, 2, 3, 4, 5, 6}))
	y := filepath.Join(dir, "y.npy")
	require.NoError(t, npy.WriteFile(y, []int{3}, []float64{0, 1.5, 1}))
	y2 := filepath.Join(dir, "y2.npy")
	require.NoError(t, npy.WriteFile(y2, []int{2}, []float64{0, 1}))
	for _, c := range []struct {
		name, src, label string
		want             []string
	}{
		{"missing", filepath.Join(dir, "no.csv"), "y", []string{"--data", "no.csv"}},
		{"no label column", write(t, "a.csv", "a,b\n1,2\n"), "y", []string{"--label y", "no such column", "a, b"}},
		{"nan feature", write(t, "b.csv", "a,y\n1,0\nNaN,1\n"), "y", []string{"b.csv:3", `"a"`, `"NaN"`}},
		{"text label", write(t, "c.csv", "a,y\n1,0\n2,cat\n"), "y", []string{"c.csv:3", `"cat"`, "not an integer"}},
		{"ragged", write(t, "d.csv", "a,y\n1,0\n2\n"), "y", []string{"d.csv", "d.csv:3: 1 fields, but the header has 2 (a,y)"}},
		{"fractional npy label", x + "," + y, "", []string{"y.npy: row 1: label 1.5 is not an integer"}},
		{"npy lengths", x + "," + y2, "", []string{"y2.npy: shape [2]", "(3,)"}},
		{"label on npy", x + "," + y, "y", []string{"--label y", "applies to a CSV"}},
		{"csv without label", write(t, "e.csv", "a,y\n1,0\n"), "", []string{"--label", "needs --label"}},
		{"other extension", write(t, "f.txt", "1"), "", []string{"--data", "f.txt", "unknown source"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read("data", c.src, c.label)
			require.Error(t, err)
			require.True(t, config.IsUserError(err), "%v is not a user error", err)
			for _, w := range c.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestStratifiedSplit: every class is split in proportion, the same seed
// gives the same split, and a class of one row is refused naming it.
func TestStratifiedSplit(t *testing.T) {
	tb := &Table{N: 30, Features: 1, X: make([]float64, 30), Labels: make([]int64, 30), Source: "t.csv"}
	for i := range tb.Labels {
		tb.Labels[i] = int64(i % 3 * 5) // labels 0, 5, 10: ten rows each
	}
	names, err := Classes(tb)
	require.NoError(t, err)
	tr, te, err := StratifiedSplit(tb, names, 0.2, 7)
	require.NoError(t, err)
	require.Len(t, te, 6)
	require.Len(t, tr, 24)
	count := map[int64]int{}
	for _, i := range te {
		count[tb.Labels[i]]++
	}
	require.Equal(t, map[int64]int{0: 2, 5: 2, 10: 2}, count)
	_, te2, _ := StratifiedSplit(tb, names, 0.2, 7)
	require.Equal(t, te, te2)
	_, te3, _ := StratifiedSplit(tb, names, 0.2, 8)
	require.NotEqual(t, te, te3)

	tb.Labels[0] = 99 // a class of one row
	names, err = Classes(tb)
	require.NoError(t, err)
	_, _, err = StratifiedSplit(tb, names, 0.2, 7)
	require.ErrorContains(t, err, "--test-frac 0.2: t.csv: class 99 has 1 row: too few to split")
}

// TestStandardize: the training split gets mean 0 and standard deviation
// 1 per feature; the test split is mapped with the training split's
// statistics, not its own; a feature constant in training is ignored (0
// in every split, listed in Ignored); all-constant data and values whose
// standardisation overflows are refused, naming the source.
func TestStandardize(t *testing.T) {
	train := &Set{Source: "tr.csv", N: 4, Features: 2, Classes: 2, X: []float64{1, 5, 3, 5, 5, 5, 7, 5}, Y: make([]byte, 4)}
	test := &Set{Source: "te.csv", N: 1, Features: 2, Classes: 2, X: []float64{4, 6}, Y: make([]byte, 1)}
	sc, err := Standardize(train, test)
	require.NoError(t, err)
	require.Equal(t, []float64{4, 5}, sc.Mean)
	require.InDelta(t, 2.2360679775, sc.Std[0], 1e-9) // sqrt(((-3)^2+1+1+9)/4)
	require.Equal(t, 0.0, sc.Std[1])
	require.Equal(t, []int{1}, sc.Ignored)
	require.InDelta(t, -3/2.2360679775, train.X[0], 1e-9)
	require.Equal(t, 0.0, train.X[1]) // constant: ignored
	require.Equal(t, 0.0, test.X[0])
	require.Equal(t, 0.0, test.X[1], "a constant feature's test value 6 is ignored, not centred to 1")

	huge := &Set{Source: "huge.csv", N: 3, Features: 1, Classes: 2, X: []float64{1e300, -1e300, 3e300}, Y: make([]byte, 3)}
	sc, err = Standardize(huge)
	require.NoError(t, err, "values of 1e300 standardise without overflow")
	require.False(t, math.IsInf(sc.Std[0], 0) || math.IsNaN(sc.Std[0]))
	over := &Set{Source: "over.csv", N: 3, Features: 1, Classes: 2, X: []float64{1.7e308, 1.7e308, -1.7e308}, Y: make([]byte, 3)}
	_, err = Standardize(over)
	require.ErrorContains(t, err, "over.csv: feature 0: its training values overflow standardisation")
	far := &Set{Source: "far.csv", N: 1, Features: 1, Classes: 2, X: []float64{1.7e308}, Y: make([]byte, 1)}
	_, err = Standardize(&Set{Source: "tr.csv", N: 2, Features: 1, Classes: 2, X: []float64{0, 1e-300}, Y: make([]byte, 2)}, far)
	require.ErrorContains(t, err, "far.csv: row 0, feature 0: value 1.7e+308 standardises to +Inf")
	flat := &Set{Source: "flat.csv", N: 2, Features: 2, Classes: 2, X: []float64{1, 2, 1, 2}, Y: make([]byte, 2)}
	_, err = Standardize(flat)
	require.ErrorContains(t, err, "flat.csv: every feature (2) is constant in the training split")
}

// TestVerifySliceFails is issue 17's test on generated data: four classes,
// the fourth overlapping the third. The compressed model's overall
// accuracy is within --max-drop of both baselines at some width, yet a
// class's drop is not within --slice-max-drop: the width fails on the
// slice alone, and no width is safe.
func TestVerifySliceFails(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteSyntheticCSV(&b, 3000, 6, 0.15, 1))
	src, err := Read("data", write(t, "d.csv", b.String()), "label")
	require.NoError(t, err)
	names, err := Classes(src.Train)
	require.NoError(t, err)
	require.Equal(t, []int64{0, 1, 2, 3}, names)
	tr, te, err := StratifiedSplit(src.Train, names, 0.3, 1)
	require.NoError(t, err)
	train, err := Numbered(src.Train, names, tr)
	require.NoError(t, err)
	test, err := Numbered(src.Train, names, te)
	require.NoError(t, err)
	_, err = Standardize(train, test)
	require.NoError(t, err)
	maxDrop, sliceDrop := 6.0, 5.0
	c := Config{Train: TrainConfig{Width: 32, Width2: 16, Depth: 3, Eps: 1, Alpha: 1, Batch: 32, Eta: 0.05, Epochs: 10},
		RHats: []int{2, 8}, Seeds: []uint64{1, 2, 3}, MaxDrop: &maxDrop, SliceMaxDrop: &sliceDrop, Decide: DecideInterval}
	v, err := Verify(c, train, test, names, Options{})
	require.NoError(t, err)
	require.Len(t, v.Models, 4)
	for _, m := range v.Models {
		require.NotNil(t, m.Accuracy, m.Name)
		require.Equal(t, 3, m.Accuracy.N)
		require.NotNil(t, m.Accuracy.Lo, m.Name)
	}
	sliceOnly := 0
	for _, w := range v.Widths {
		require.NotNil(t, w.Pass)
		overallPass, sliceFail := true, false
		for _, g := range w.Gates {
			require.NotNil(t, g.Pass)
			if g.Class == nil {
				overallPass = overallPass && *g.Pass
			} else if !*g.Pass {
				sliceFail = true
			}
		}
		if overallPass && sliceFail {
			sliceOnly++
			require.False(t, *w.Pass, "r_hat %d", w.RHat)
		}
	}
	require.Positive(t, sliceOnly, "no width passes overall and fails on a slice")
	require.Nil(t, v.SafeWidth)
	require.False(t, v.Pass)

	// The same runs judged without the slice threshold pass at a width.
	c.SliceMaxDrop = nil
	Judge(v, c)
	require.NotNil(t, v.SafeWidth)
	require.True(t, v.Pass)
}

// runs returns runs of the given accuracies (overall and the one class's),
// seeds 1, 2, ...
func runs(acc ...float64) []*Run {
	var rs []*Run
	for i, a := range acc {
		a := a
		rs = append(rs, &Run{Seed: uint64(i + 1), Status: StatusDone, Accuracy: &a, PerClass: []*float64{&a}})
	}
	return rs
}

// TestJudge: a drop is judged on its interval's upper end, or its mean;
// the safe width is the smallest passing one; a width with a run that has
// no accuracy cannot pass.
func TestJudge(t *testing.T) {
	one := 1.0
	v := &Verdict{ClassNames: []int64{0}, TestCounts: []int{10}, Models: []Model{
		{Name: "original", Runs: runs(90, 91, 92)},
		{Name: "dln", Runs: runs(90, 91, 92)},
		{Name: "cdln r_hat=2", Runs: runs(89, 88, 92)},       // diffs vs dln -1, -3, 0: mean -1.33, interval about [-5.1, +2.5]
		{Name: "cdln r_hat=4", Runs: runs(89.6, 90.6, 91.6)}, // diffs vs dln -0.4 each: interval [-0.4, -0.4]
		{Name: "cdln r_hat=8", Runs: runs(90, 91, 92)},
	}}
	c := Config{RHats: []int{2, 4, 8}, Seeds: []uint64{1, 2, 3}, MaxDrop: &one, Decide: DecideInterval}
	Judge(v, c)
	require.Equal(t, []bool{false, true, true}, []bool{*v.Widths[0].Pass, *v.Widths[1].Pass, *v.Widths[2].Pass})
	require.InDelta(t, 5.128, *v.Widths[0].Gates[0].Value, 0.01) // 4/3 + t(0.975, 2) * 1.528 / sqrt(3)
	require.Equal(t, 4, *v.SafeWidth)
	require.True(t, v.Pass)

	c.Decide = DecideMean // r_hat 2: mean drop 1.33 against dln > 1
	Judge(v, c)
	require.False(t, *v.Widths[0].Pass)
	two := 2.0
	c.MaxDrop = &two // a mean drop of 1.33 against both: within 2
	Judge(v, c)
	require.Equal(t, 2, *v.SafeWidth)

	// Relative: r_hat 2's mean drop is 1.33 points of about 91, 1.46%;
	// against a 1% threshold it fails, against 2% it passes.
	c.MaxDrop = nil
	c.MaxRelDrop = &one
	Judge(v, c)
	require.False(t, *v.Widths[0].Pass)
	require.InDelta(t, 100*(4.0/3)/91, *v.Widths[0].Gates[0].Value, 0.02)
	c.MaxRelDrop = &two
	Judge(v, c)
	require.True(t, *v.Widths[0].Pass)

	// Cost: r_hat 2's parameters are 1/4 of +DLN's and 2 times the
	// original's; its latency 0.5 of +DLN's and 1.5 of the original's.
	c.MaxRelDrop = nil
	v.Models[0].Bytes, v.Models[1].Bytes, v.Models[2].Bytes = 100, 800, 200
	lat := func(s float64) []Latency { return []Latency{{Batch: 1, P50: 1}, {Batch: 64, P50: s}} }
	v.Models[0].Latency, v.Models[1].Latency, v.Models[2].Latency = lat(2), lat(6), lat(3)
	c.MaxMemoryRatio = &two
	Judge(v, c)
	require.Equal(t, 2.0, *v.Widths[0].Gates[1].Value) // against the original
	require.True(t, *v.Widths[0].Pass)
	c.MaxMemoryRatio, c.MaxLatencyRatio = nil, &one
	Judge(v, c)
	require.Equal(t, 0.5, *v.Widths[0].Gates[0].Value)
	require.Equal(t, 1.5, *v.Widths[0].Gates[1].Value)
	require.False(t, *v.Widths[0].Pass)
	require.Nil(t, v.Widths[1].Pass, "r_hat 4 has no latency: not judged")
	c.Baselines = []string{BaselineDLN} // 0.5 of +DLN's latency: within 1
	Judge(v, c)
	require.True(t, *v.Widths[0].Pass)
	require.Len(t, v.Widths[0].Gates, 1)
	require.Len(t, v.Widths[0].Diffs, 2, "both baselines reported")
	c.Baselines = nil
	c.MaxLatencyRatio, c.MaxDrop = nil, &two

	v.Models[2].Runs[1].Accuracy = nil // a diverged run
	Judge(v, c)
	require.Nil(t, v.Widths[0].Pass)
	require.Nil(t, v.Widths[0].Margin)
	require.Equal(t, 4, *v.SafeWidth)
}
