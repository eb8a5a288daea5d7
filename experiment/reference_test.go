package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/memplan"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

func fp(x float64) *float64 { return &x }

// TestSafeWidth: the smallest candidate within tol-rel of the reference,
// with each way of not being one.
func TestSafeWidth(t *testing.T) {
	ref := fp(0.2)
	tests := []struct {
		name  string
		ref   *float64
		cands []Candidate
		tol   float64
		want  int // 0: none
	}{
		// 0.21 <= 1.05 x 0.2 = 0.21: the bound is inclusive.
		{"smallest sufficient", ref, []Candidate{{4, fp(0.5)}, {8, fp(0.21)}, {16, fp(0.19)}}, 0.05, 8},
		{"order of the list does not matter", ref, []Candidate{{16, fp(0.19)}, {8, fp(0.2)}, {4, fp(0.5)}}, 0.05, 8},
		{"just above the tolerance", ref, []Candidate{{8, fp(0.2101)}}, 0.05, 0},
		{"unjudged widths are no candidates", ref, []Candidate{{4, nil}, {8, fp(0.3)}}, 0.05, 0},
		{"no reference", nil, []Candidate{{4, fp(0)}}, 0.05, 0},
		{"a wider tolerance", ref, []Candidate{{4, fp(0.29)}}, 0.5, 4},
		// Broken case: a worse width is never sufficient, however small.
		{"worse by a factor of two", ref, []Candidate{{1, fp(0.4)}}, 0.5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SafeWidth(tc.ref, tc.cands, tc.tol)
			if tc.want == 0 {
				require.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			require.Equal(t, tc.want, *got)
		})
	}
	require.True(t, Sufficient(1.5, 1, 0.5))
	require.False(t, Sufficient(math.Nextafter(1.5, 2), 1, 0.5))
	require.False(t, Sufficient(math.NaN(), 1, 0.5), "a NaN error is never sufficient")
}

// TestTInterval: the 95% t-interval of {1, 2, 3}: mean 2, sample standard
// deviation 1, t(0.975, 2) = 4.302652729911275 (the table value), half
// width 4.3027 / sqrt(3) = 2.484137.
func TestTInterval(t *testing.T) {
	in := TInterval([]float64{1, 2, 3})
	require.Equal(t, 3, in.N)
	require.InDelta(t, 2, in.Mean, 1e-15)
	require.InDelta(t, 1, *in.StdDev, 1e-15)
	half := 4.302652729911275 / math.Sqrt(3)
	require.InDelta(t, 2-half, *in.Lo, 1e-9)
	require.InDelta(t, 2+half, *in.Hi, 1e-9)
	one := TInterval([]float64{0.5})
	require.Equal(t, 0.5, one.Mean)
	require.Nil(t, one.Lo, "no interval from one value")
	// Equal values: a zero-width interval.
	same := TInterval([]float64{0.3, 0.3})
	require.Equal(t, *same.Lo, *same.Hi)
}

// entriesInstance is the completion instance of a rank-2 m x n matrix
// plus noise known on a fraction p of its entries, split and centered as
// lowdim verify does (instance.NewFromEntries).
func entriesInstance(t *testing.T, m, n int, p, noise float64, seed uint64) (*instance.Instance, config.Config) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	k := 2
	a := make([]float64, m*k)
	b := make([]float64, n*k)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	e := &matfile.Entries{M: m, N: n, Source: "ratings.csv", OneBased: true, Delim: ','}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if rng.Float64() >= p {
				continue
			}
			v := 3 + a[i*k]*b[j*k] + a[i*k+1]*b[j*k+1] + noise*rng.NormFloat64()
			e.Row, e.Col, e.Value = append(e.Row, i), append(e.Col, j), append(e.Value, v)
		}
	}
	c := config.Config{Workload: "mc", R: k, Eta: 1, Steps: 4000, Every: 20, Eps: 1e-2, Seed: seed, EtaFrac: 0.5}
	in, err := instance.NewFromEntries(&c, e, instance.EntryOptions{}, true)
	require.NoError(t, err)
	return in, c
}

// TestVerifyEntriesAltMin: on a list of entries with --reference altmin,
// the original is refused and not trained, AltMin at rank r is the
// reference, every width is judged on its held-out error at the weights
// kept on validation, and the verdict says the safety is empirical.
func TestVerifyEntriesAltMin(t *testing.T) {
	in, c := entriesInstance(t, 40, 60, 0.5, 0.1, 1)
	v, err := Verify(VerifyConfig{Config: c, RHats: []int{1, 2, 4}, Reference: ReferenceAltMin}, in, Options{})
	require.NoError(t, err)
	require.Equal(t, ReferenceAltMin, v.Reference.Name)
	require.Equal(t, "--reference altmin", v.Reference.Why)
	require.Equal(t, results.Refused, v.Original.Status)
	require.Zero(t, v.Original.Steps)
	require.NotNil(t, v.Reference.Baseline)
	require.Equal(t, 2, v.Reference.Baseline.K)
	require.Equal(t, EmpiricalNote, v.Safety)
	require.Equal(t, DefaultTolRelHeldOut, v.Config.TolRel, "held-out errors' default")
	require.Equal(t, DefaultPatience, v.Config.Patience)
	for _, w := range v.Widths {
		require.NotNil(t, w.Result.SelectedStep, "r_hat %d: weights kept on validation", w.RHat)
		require.Equal(t, w.Result.SelectedError, w.Error, "the reported error is the kept weights' held-out error")
		require.NotNil(t, w.RMSE)
		// RMSE and relative error of the same residual: RMSE = rel
		// ||test values|| / sqrt(|test|).
		norm, count := in.Work.(workloads.ErrorScaler).ErrorScale()
		require.InDelta(t, *w.Error*norm/math.Sqrt(float64(count)), *w.RMSE, 1e-12**w.RMSE)
	}
	// Width 1 misses one of the two modes; 2 and 4 fit both.
	require.False(t, *v.Widths[0].Sufficient, "r_hat 1 on a rank-2 matrix: %v", *v.Widths[0].Error)
	require.NotNil(t, v.SafeWidth, "reasons %v", v.Reasons)
	require.Equal(t, 2, *v.SafeWidth, "errors %v %v vs %v", *v.Widths[1].Error, *v.Widths[2].Error, *v.Reference.Error)
	require.True(t, v.Pass, "reasons %v", v.Reasons)
}

// TestVerifyEntriesOriginal: auto on a small list of entries keeps the
// original network as the reference, stopped on its validation entries
// like every width.
func TestVerifyEntriesOriginal(t *testing.T) {
	in, c := entriesInstance(t, 30, 40, 0.5, 0.1, 2)
	v, err := Verify(VerifyConfig{Config: c, RHats: []int{2}}, in, Options{})
	require.NoError(t, err)
	require.Equal(t, ReferenceOriginal, v.Reference.Name)
	require.Empty(t, v.Reference.Why)
	require.NotNil(t, v.Original.SelectedStep, "the original's weights kept on validation: %s", v.Original.Message)
	require.Equal(t, v.Original.SelectedError, v.Reference.Error)
	require.Equal(t, v.Original.RMSE, v.Reference.RMSE)
	require.Len(t, v.Widths, 1)
	require.NotNil(t, v.Widths[0].Sufficient, "judged: %+v", v.Checks)
}

// TestChooseReference: auto keeps the original unless the memory plan or
// the time preflight refuses it on a list of entries, where AltMin takes
// its place; a matrix target keeps the original whatever the preflight
// says (its refusal is the verify's error), and altmin there is refused.
func TestChooseReference(t *testing.T) {
	in, c := entriesInstance(t, 30, 40, 0.5, 0.1, 3)
	vc := VerifyConfig{Config: c, RHats: []int{2}}.WithDefaults()
	ref, err := chooseReference(vc, in, Options{})
	require.NoError(t, err)
	require.Equal(t, ReferenceOriginal, ref.Name)

	t.Run("time", func(t *testing.T) {
		// A limit of a nanosecond: any estimate is above it.
		ref, err := chooseReference(vc, in, Options{TimePreflight: true, MaxTime: time.Nanosecond})
		require.NoError(t, err)
		require.Equal(t, ReferenceAltMin, ref.Name)
		require.Contains(t, ref.Why, "the time preflight estimates the original network at")
		require.Contains(t, ref.Why, "above --max-time 1ns")
		require.NotNil(t, ref.OriginalEstimate)
		// Broken case: no limit, the original stays.
		ref, err = chooseReference(vc, in, Options{TimePreflight: true, MaxTime: 0})
		require.NoError(t, err)
		require.Equal(t, ReferenceOriginal, ref.Name)
	})
	t.Run("memory", func(t *testing.T) {
		// 900 x 1000: the original's three layers of 1000 x 1000 (24 MB,
		// with their workspace and copies) above the 16 MiB floor of any
		// plan; room for the compressed network and 8 MiB of slack for
		// the process's resident memory moving between the two plans.
		big, bc := entriesInstance(t, 900, 1000, 0.01, 0.1, 5)
		wide := VerifyConfig{Config: bc, RHats: []int{2}}.WithDefaults()
		pc := wide.Config.Clone()
		pc.Methods = []string{methods.Compressed}
		pc.RHat = 2
		small := planMemory(pc, true, true)
		pc.Methods = VerifyMethods()
		full := planMemory(pc, true, true)
		require.Greater(t, full.Limit(), small.Limit()+(16<<20), "the original's plan must stand out")
		avail := memplanBase() + small.Limit() + (8 << 20)
		fakeBudget(t, machine.Budget{Available: avail, Source: machine.FromMemAvailable})
		ref, err := chooseReference(wide, big, Options{})
		require.NoError(t, err)
		require.Equal(t, ReferenceAltMin, ref.Name)
		require.Contains(t, ref.Why, "the memory preflight refuses the original network")
		// Broken case: with room for both, the original stays.
		fakeBudget(t, machine.Budget{Available: memplanBase() + full.Limit() + (8 << 20), Source: machine.FromMemAvailable})
		ref, err = chooseReference(wide, big, Options{})
		require.NoError(t, err)
		require.Equal(t, ReferenceOriginal, ref.Name)
	})
	t.Run("forced", func(t *testing.T) {
		ref, err := chooseReference(VerifyConfig{Config: c, Reference: ReferenceOriginal}, in, Options{TimePreflight: true, MaxTime: time.Nanosecond})
		require.NoError(t, err)
		require.Equal(t, ReferenceOriginal, ref.Name, "--reference original is kept whatever the preflight says")
		target, err := workloads.WithValues(10, []float64{3, 2}, rand.New(rand.NewPCG(1, 1)))
		require.NoError(t, err)
		mc := config.Config{Workload: "mf", R: 2, Eta: 1, Steps: 10, Params: config.Params{"loss": "sum"}}
		dense, err := instance.NewUser(&mc, target, nil, "m.npy")
		require.NoError(t, err)
		_, err = chooseReference(VerifyConfig{Config: mc, Reference: ReferenceAltMin}, dense, Options{})
		require.ErrorContains(t, err, "invalid --reference altmin")
		ref, err = chooseReference(VerifyConfig{Config: mc}, dense, Options{TimePreflight: true, MaxTime: time.Nanosecond})
		require.NoError(t, err)
		require.Equal(t, ReferenceOriginal, ref.Name, "no baseline off a list of entries")
	})
}

// TestWidthCheckReference: width-sufficient against AltMin and against an
// original stopped on validation; the cases where the original is no
// reference are not evaluable, with the real ratio.
func TestWidthCheckReference(t *testing.T) {
	c := config.Config{Steps: 100, Every: 10}
	rule := stopRule{patience: 20}
	alt := &Reference{Name: ReferenceAltMin, Label: "AltMin at rank 2", Error: fp(0.2)}
	good := results.MethodResult{Status: results.Stopped, Steps: 50, SelectedError: fp(0.205), SelectedStep: ptrInt(40), ValidationError: fp(0.3), BestError: fp(0.1)}
	wc := widthCheck(c, rule, 0.05, "compressed r_hat=2", alt, results.MethodResult{}, good, "", "")
	require.Equal(t, results.Pass, wc.Status, wc.Detail)
	require.InDelta(t, 0.025, wc.Observed, 1e-12, "the kept weights' error, not the best test error 0.1")
	require.Contains(t, wc.Regime, "the reference is AltMin at rank 2")
	bad := good
	bad.SelectedError = fp(0.22)
	require.Equal(t, results.Fail, widthCheck(c, rule, 0.05, "w", alt, results.MethodResult{}, bad, "", "").Status)

	orig := &Reference{Name: ReferenceOriginal, Label: "the original network", Error: fp(0.2)}
	stillFalling := results.MethodResult{Status: results.MaxSteps, Steps: 100, SelectedError: fp(0.2), SelectedStep: ptrInt(100), ValidationError: fp(0.3)}
	wc = widthCheck(c, rule, 0.05, "w", orig, stillFalling, good, "", "")
	require.Equal(t, results.NotEvaluable, wc.Status)
	require.Contains(t, wc.Detail, "still improving on its validation entries")
	require.InDelta(t, 0.025, wc.Observed, 1e-12)
	stopped := stillFalling
	stopped.Status = results.Stopped
	require.Equal(t, results.Pass, widthCheck(c, rule, 0.05, "w", orig, stopped, good, "", "").Status)
}

func ptrInt(i int) *int { return &i }

// memplanBase is the process's resident memory now, the base of a plan.
func memplanBase() uint64 { return memplan.NewBase() }

// TestCombineSeeds: errors over seeds with their t-intervals, the safe
// width of the means, a width judged on some seeds only no candidate, and
// each seed's failure kept.
func TestCombineSeeds(t *testing.T) {
	verdict := func(ref float64, errs ...*float64) *Verdict {
		v := &Verdict{Config: VerifyConfig{RHats: []int{2, 4}, TolRel: 0.05}, Reference: &Reference{Error: fp(ref), RMSE: fp(10 * ref)}, TheoryEvaluated: 1}
		for i, e := range errs {
			w := WidthResult{RHat: 2 * (i + 1), Error: e}
			if e != nil {
				ok := Sufficient(*e, ref, 0.05)
				w.Sufficient = &ok
				w.RMSE = fp(10 * *e)
			}
			v.Widths = append(v.Widths, w)
		}
		return v
	}
	// Width 2: 0.22, 0.20, 0.21 (mean 0.21, sufficient on the mean 0.2 x
	// 1.05); width 4: not judged on seed 2.
	vs := []*Verdict{verdict(0.2, fp(0.22), fp(0.2)), verdict(0.19, fp(0.2), fp(0.19)), verdict(0.21, fp(0.21), nil)}
	vs[1].Reasons = []string{"a network diverged: x"}
	out := CombineSeeds(vs, []uint64{5, 6, 7})
	require.NotNil(t, out.Seeds)
	require.Equal(t, IntervalMethod, out.Seeds.Interval)
	require.Len(t, out.Seeds.Networks, 3)
	refRow := out.Seeds.Networks[0]
	require.InDelta(t, 0.2, refRow.Error.Mean, 1e-15)
	require.InDelta(t, 2.0, refRow.RMSE.Mean, 1e-14)
	w2 := out.Seeds.Networks[1]
	require.InDelta(t, 0.21, w2.Error.Mean, 1e-15)
	// Sufficient on seed 7 only: 0.22 > 1.05 x 0.2 = 0.21 on seed 5, 0.2 >
	// 1.05 x 0.19 = 0.1995 on seed 6, 0.21 <= 0.2205 on seed 7.
	require.Equal(t, 1, *w2.SafeOn)
	require.Nil(t, refRow.SafeOn, "the reference is no candidate")
	require.Nil(t, out.Seeds.Networks[2].Error, "width 4 was not judged on seed 7")
	require.NotNil(t, out.SafeWidth)
	require.Equal(t, 2, *out.SafeWidth)
	require.Equal(t, []string{"seed 6: a network diverged: x"}, out.Reasons)
	require.False(t, out.Pass)
	require.Equal(t, CombineSeeds(vs[:1], []uint64{5}), vs[0], "one seed is its verdict")
	// Broken case: the mean of width 2 above the tolerance.
	vs[1].Widths[0].Error = fp(0.3)
	vs[1].Reasons = nil
	out = CombineSeeds(vs, []uint64{5, 6, 7})
	require.Nil(t, out.SafeWidth)
	require.Contains(t, out.Reasons[0], "no candidate width [2 4] is sufficient on the mean errors over the 3 seeds")

	// Widths are matched by r_hat, not by position: on a list of entries
	// each seed chooses r, and so its widths, on its own validation
	// entries. The second seed tried 4 and 8 (its r was 2, the first's 1):
	// width 2 was not judged there, its 4 is width 4's, and width 8, which
	// the first seed did not try, is no row. (By position, its 4 was taken
	// for width 2 and its 8 for width 4.)
	vs = []*Verdict{verdict(0.2, fp(0.2), fp(0.2)), verdict(0.2, fp(0.2), fp(0.2))}
	vs[1].Widths = []WidthResult{vs[1].Widths[1], {RHat: 8, Error: fp(0.5), RMSE: fp(5), Sufficient: new(bool)}}
	vs[1].Widths[0].Error, vs[1].Widths[0].RMSE = fp(0.21), fp(2.1)
	out = CombineSeeds(vs, []uint64{1, 2})
	require.Len(t, out.Seeds.Networks, 3)
	require.Equal(t, []*float64{fp(0.2), nil}, out.Seeds.Networks[1].Errors, "width 2 on the first seed only")
	require.Nil(t, out.Seeds.Networks[1].Error)
	require.Equal(t, []*float64{fp(0.2), fp(0.21)}, out.Seeds.Networks[2].Errors, "width 4 on both")
	require.Equal(t, 2, *out.Seeds.Networks[2].SafeOn)
	require.Equal(t, 4, *out.SafeWidth, "width 2 is no candidate, not judged on every seed")
}

// TestStopOf: the noise level's tolerance is the loss of a residual at
// that level; a workload whose loss is no sum over entries refuses it.
func TestStopOf(t *testing.T) {
	in, c := entriesInstance(t, 20, 30, 0.5, 0.1, 4)
	s, err := stopOf(VerifyConfig{Config: c, NoiseLevel: 0.5, Patience: 3, TolLossRel: 1e-6}, in)
	require.NoError(t, err)
	require.Equal(t, stopRule{patience: 3, tolRel: 1e-6, noiseTol: 0.125}, s)
	require.Equal(t, []int{2, 4, 8}, EntryWidths(2, 20))
	require.Equal(t, []int{5, 10}, EntryWidths(5, 12), "4r above min(m, n) is dropped")
	require.Equal(t, []int{1, 2, 4}, EntryWidths(1, 4))
	ms := tinyConfig("ms")
	msIn, err := instance.Build(ms.WithDefaults())
	require.NoError(t, err)
	_, err = stopOf(VerifyConfig{Config: ms, NoiseLevel: 0.1}, msIn)
	require.ErrorContains(t, err, fmt.Sprintf("the %s workload's loss is not a sum over entries", "ms"))
}
