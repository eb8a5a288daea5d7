package experiment

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/workloads"
)

// verifyProblem is a small MF problem trained to tolerance: the sum loss, a
// spread target of rank r, eps = 0.05 and a stable step size. The
// tolerance 1e-6 on the loss is above the original's floor: its d - r
// unlearned directions keep rho^3 ~ eps^3 = 1.25e-4 each, a loss of about
// (d - r) (1.25e-4)^2 / 2 ~ 1e-7 at d = 16, r = 2.
func verifyProblem(t *testing.T, d, r int, rhats ...int) VerifyConfig {
	c, _ := mfProblem(t, mfCase{d: d, r: r, eps: 0.05, steps: 1500, every: 10}, 1)
	c.Tol = 1e-6
	return VerifyConfig{Config: c, RHats: rhats}
}

// requireVerdictCounts checks the verdict's tallies against its checks and
// that it encodes as JSON (no NaN or Inf anywhere).
func requireVerdictCounts(t *testing.T, v *Verdict) {
	t.Helper()
	var pass, fail, skip, ne, narrow int
	theoryFail := false
	for _, c := range v.Checks {
		switch c.Status {
		case results.Pass:
			pass++
		case results.Fail:
			if c.Name == CheckWidth && v.SafeWidth != nil {
				narrow++ // a result beside a sufficient width, not a failure
			} else {
				fail++
			}
			theoryFail = theoryFail || c.Name != CheckWidth
		case results.Skipped:
			skip++
		case results.NotEvaluable:
			ne++
		default:
			t.Fatalf("check %s has status %q", c.Name, c.Status)
		}
	}
	require.Equal(t, [5]int{pass, fail, skip, ne, narrow}, [5]int{v.Passed, v.Failed, v.Skipped, v.NotEvaluable, v.TooNarrow}, "pass, fail, skipped, not evaluable, too narrow")
	if theoryFail || v.SafeWidth == nil {
		require.False(t, v.Pass, "a failed check or no sufficient width fails the gate")
	}
	require.Equal(t, len(v.Reasons) == 0, v.Pass, "reasons %v", v.Reasons)
	_, err := json.Marshal(v)
	require.NoError(t, err, "verdict.json must encode")
}

// TestVerifyPasses: at widths 2r and 3r every check passes, the safe width
// is 2r (the smallest sufficient candidate), and the original network's
// updates have rank 2r (Law of Parsimony: they move in a 2r-dimensional
// subspace).
func TestVerifyPasses(t *testing.T) {
	for _, tt := range []struct{ d, r int }{{16, 2}, {24, 3}} {
		t.Run(fmt.Sprintf("d=%d/r=%d", tt.d, tt.r), func(t *testing.T) {
			vc := verifyProblem(t, tt.d, tt.r, 2*tt.r, 3*tt.r)
			v, err := Verify(vc, nil, Options{})
			require.NoError(t, err)
			requireVerdictCounts(t, v)
			requireAllPass(t, v.Checks, CheckParams, CheckFlops, CheckRecursion, CheckRho, CheckGap, CheckBalanced, CheckKwon, CheckIncremental, CheckWidth)
			require.True(t, v.Pass)
			require.NotNil(t, v.SafeWidth)
			require.Equal(t, 2*tt.r, *v.SafeWidth, "safe width")
			require.Equal(t, 2*tt.r, *v.UpdateRank, "update rank of the original network")
			require.Equal(t, UpdateRankTol, v.UpdateRankTol)
			require.Equal(t, results.Converged, v.Original.Status, v.Original.Message)
			require.Len(t, v.Widths, 2)
			for i, w := range v.Widths {
				require.Equal(t, vc.RHats[i], w.RHat)
				require.True(t, *w.Sufficient, "r_hat=%d", w.RHat)
				require.Equal(t, theory.ParamsCompressed(tt.d, w.RHat, 3), w.Params)
				require.Equal(t, results.Converged, w.Status, w.Message)
				// Each width's checks are labelled with it.
				findCheck(t, v.Checks, CheckRecursion, fmt.Sprintf("%s r_hat=%d", methods.Compressed, w.RHat))
				findCheck(t, v.Checks, CheckWidth, fmt.Sprintf("%s r_hat=%d", methods.Compressed, w.RHat))
			}
			// The original's checks are reported once, not once per width.
			findCheck(t, v.Checks, CheckRho, methods.Original)
			findCheck(t, v.Checks, CheckFlops, methods.Original)
			t.Logf("original %d steps, widths %d and %d: %d and %d steps; %d checks pass",
				v.Original.Steps, v.Widths[0].RHat, v.Widths[1].RHat, v.Widths[0].Steps, v.Widths[1].Steps, v.Passed)
		})
	}
}

// TestVerifyNarrowWidthIsAResult: at width r-1 one target singular value is
// never learned: that width's width-sufficient fails and kwon-bound is
// skipped (rank(target) > r_hat), but width 2r is sufficient, so the
// narrow width is a result and the gate passes with safe width 2r.
func TestVerifyNarrowWidthIsAResult(t *testing.T) {
	for _, tt := range []struct{ d, r int }{{16, 2}, {24, 3}} {
		t.Run(fmt.Sprintf("d=%d/r=%d", tt.d, tt.r), func(t *testing.T) {
			vc := verifyProblem(t, tt.d, tt.r, tt.r-1, 2*tt.r)
			v, err := Verify(vc, nil, Options{})
			require.NoError(t, err)
			requireVerdictCounts(t, v)
			label := fmt.Sprintf("%s r_hat=%d", methods.Compressed, tt.r-1)
			var failed []string
			for _, c := range v.Checks {
				if c.Status == results.Fail {
					failed = append(failed, c.Name+"/"+c.Method)
				}
			}
			require.ElementsMatch(t, []string{CheckWidth + "/" + label}, failed, describeChecks(v.Checks))
			require.Equal(t, results.Skipped, findCheck(t, v.Checks, CheckKwon, label).Status)
			require.True(t, v.Pass, "a too-narrow width beside a sufficient one is a result: %v", v.Reasons)
			require.NotNil(t, v.SafeWidth)
			require.Equal(t, 2*tt.r, *v.SafeWidth)
			require.False(t, *v.Widths[0].Sufficient)
			require.True(t, *v.Widths[1].Sufficient)
		})
	}
}

// TestVerifyUserTarget: the path of a user's matrix: its numerical rank
// gives r, NewInstance binds it, and Verify at the default width 2r passes
// with safe width 2r.
func TestVerifyUserTarget(t *testing.T) {
	const d = 20
	// Singular values 6, 4, 2.5: rank 3, well separated.
	target, err := workloads.WithValues(d, []float64{6, 4, 2.5}, rand.New(rand.NewPCG(checkTestSeed, 1)))
	require.NoError(t, err)
	r, err := instance.NumericalRank(target)
	require.NoError(t, err)
	require.Equal(t, 3, r, "numerical rank of a rank-3 target")

	vc := VerifyConfig{Config: config.Config{Workload: "mf", Params: config.Params{"loss": "sum"}, R: r, Eps: 0.05, Eta: stableEta(6, 3, 1),
		Steps: 2000, Every: 10, Tol: 1e-6}}
	in, err := instance.NewUser(&vc.Config, target, nil, "user.csv")
	require.NoError(t, err)
	require.Equal(t, d, vc.D, "NewInstance sets d from the target")
	v, err := Verify(vc, in, Options{})
	require.NoError(t, err)
	requireVerdictCounts(t, v)
	requireAllPass(t, v.Checks, CheckRecursion, CheckRho, CheckGap, CheckKwon, CheckIncremental, CheckLearnSteps, CheckFloorCompressed, CheckFloorOriginal, CheckFloorRatio, CheckWidth)
	require.Equal(t, results.Converged, v.Original.Status, v.Original.Message)
	require.Equal(t, []int{2 * r}, v.Config.RHats, "default width 2r")
	require.NotNil(t, v.SafeWidth)
	require.Equal(t, 2*r, *v.SafeWidth)
	require.Equal(t, 2*r, *v.UpdateRank)
	require.Equal(t, "user.csv", v.Instance.Source)
	require.InDeltaSlice(t, []float64{6, 4, 2.5}, v.Instance.TargetSVals, 1e-12)
}

func TestNumericalRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(checkTestSeed, 2))
	for _, tt := range []struct {
		name   string
		values []float64
	}{
		{"rank 1", []float64{3}},
		{"rank 3", []float64{6, 4, 2.5}},
		// 1e-7 of the largest is above instance.RankTol = 1e-8: counted.
		{"small but counted", []float64{1, 1e-7}},
		{"full", []float64{5, 4, 3, 2, 1, 1, 1, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := workloads.WithValues(8, tt.values, rng)
			require.NoError(t, err)
			r, err := instance.NumericalRank(m)
			require.NoError(t, err)
			require.Equal(t, len(tt.values), r)
		})
	}
	_, err := instance.NumericalRank(mat.NewDense(3, 3, nil))
	require.Error(t, err, "a zero matrix has no rank to report")
}

// TestVerifyRejects: a width above d and a user target with a side below 2
// are errors, not verdicts; a rectangular user target is accepted, its
// shape set from it (rows and cols, no d).
func TestVerifyRejects(t *testing.T) {
	vc := verifyProblem(t, 16, 2, 17)
	_, err := Verify(vc, nil, Options{})
	requireConfigError(t, err, "r-hat", "17")

	c := config.Config{Workload: "mf", Params: config.Params{"loss": "sum"}, R: 1}
	_, err = instance.NewUser(&c, mat.NewDense(1, 4, []float64{1, 0, 0, 0}), nil, "row.csv")
	require.ErrorContains(t, err, "row.csv: a 1 x 4 target; lowdim needs m, n >= 2")

	c = config.Config{Workload: "mf", Params: config.Params{"loss": "sum"}, R: 1}
	in, err := instance.NewUser(&c, mat.NewDense(3, 4, []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}), nil, "wide.csv")
	require.NoError(t, err)
	require.Equal(t, [3]int{0, 3, 4}, [3]int{c.D, c.Rows, c.Cols})
	rows, cols := in.Work.Dims()
	require.Equal(t, [2]int{3, 4}, [2]int{rows, cols})
}

// TestVerifyTiedTarget: a user's target diag(2, 2, 0, ...) has tied
// singular values, so no learning order is predicted: incremental-learning
// is skipped (it failed on one seed and passed on another when every pair
// was compared), while learn-steps still predicts the compressed network's
// (equal) learn steps exactly, on every seed.
func TestVerifyTiedTarget(t *testing.T) {
	const d = 10
	target := mat.NewDense(d, d, nil)
	target.Set(0, 0, 2)
	target.Set(1, 1, 2)
	for _, seed := range []uint64{0, 1, 2} {
		vc := VerifyConfig{Config: config.Config{Workload: "mf", Params: config.Params{"loss": "sum"}, R: 2, Eps: 0.05, Eta: stableEta(2, 3, 1),
			Steps: 3000, Tol: 1e-6, Seed: seed}}
		in, err := instance.NewUser(&vc.Config, mat.DenseCopyOf(target), nil, "tied.csv")
		require.NoError(t, err)
		v, err := Verify(vc, in, Options{})
		require.NoError(t, err)
		requireVerdictCounts(t, v)
		for _, m := range []string{methods.Original, methods.Compressed + " r_hat=4"} {
			ch := findCheck(t, v.Checks, CheckIncremental, m)
			require.Equal(t, results.Skipped, ch.Status, "seed %d: %s", seed, ch.Detail)
			require.Contains(t, ch.Detail, "no spectral gap")
		}
		ls := findCheck(t, v.Checks, CheckLearnSteps, methods.Compressed+" r_hat=4")
		require.Equal(t, results.Pass, ls.Status, ls.Detail)
		require.Equal(t, results.Pass, findCheck(t, v.Checks, CheckKwon, methods.Compressed+" r_hat=4").Status)
		require.True(t, v.Pass, "seed %d: %v", seed, v.Reasons)
	}
}
