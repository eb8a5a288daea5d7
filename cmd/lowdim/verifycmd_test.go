package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// verdictCheck is a check as verdict.json writes it (absent figures null).
type verdictCheck struct {
	Name      string   `json:"name"`
	Method    string   `json:"method"`
	Regime    string   `json:"regime"`
	Status    string   `json:"status"`
	Observed  *float64 `json:"observed"`
	Predicted *float64 `json:"predicted"`
	Tolerance *float64 `json:"tolerance"`
	Detail    string   `json:"detail"`
}

// verdictJSON is the part of verdict.json the tests read.
type verdictJSON struct {
	Config struct {
		Workload string  `json:"workload"`
		D        int     `json:"d"`
		R        int     `json:"r"`
		RHats    []int   `json:"r_hats"`
		P        float64 `json:"p"`
	} `json:"config"`
	Instance struct {
		Source   string    `json:"source"`
		Rows     int       `json:"rows"`
		SVals    []float64 `json:"target_singular_values"`
		Observed int       `json:"observed"`
		HeldOut  int       `json:"held_out"`
	} `json:"instance"`
	Original struct {
		BestError *float64 `json:"best_recovery_error"`
	} `json:"original"`
	Widths []struct {
		RHat       int   `json:"r_hat"`
		Sufficient *bool `json:"sufficient"`
	} `json:"widths"`
	UpdateRank   *int           `json:"update_rank"`
	TooNarrow    int            `json:"too_narrow"`
	SafeWidth    *int           `json:"safe_width"`
	Checks       []verdictCheck `json:"checks"`
	Passed       int            `json:"passed"`
	Failed       int            `json:"failed"`
	Skipped      int            `json:"skipped"`
	NotEvaluable int            `json:"not_evaluable"`
	Pass         bool           `json:"pass"`
	Reasons      []string       `json:"reasons"`
}

func readVerdict(t *testing.T, dir string) verdictJSON {
	t.Helper()
	var v verdictJSON
	readJSON(t, filepath.Join(dir, "verdict.json"), &v)
	return v
}

// verifyBase is a small MF problem that passes every check in about a
// second: d = 20, r = 2, the sum loss with eta = 0.02 (inside the stable
// regime eta L s_max^(4/3) < 1 for the spread target's s_max ~ 2 sqrt(d)).
var verifyBase = []string{"verify", "--workload", "mf", "--loss", "sum", "--d", "20", "--r", "2",
	"--eta", "0.02", "--steps", "3000", "--tol", "1e-10", "--quiet"}

func verifyArgs(out string, extra ...string) []string {
	args := append([]string{}, verifyBase...)
	if slices.Contains(extra, "--target") { // the target file sets d
		i := slices.Index(args, "--d")
		args = append(args[:i], args[i+2:]...)
	}
	if i := slices.Index(extra, "--workload"); i >= 0 && extra[i+1] != "mf" { // --loss is mf's
		j := slices.Index(args, "--loss")
		args = append(args[:j], args[j+2:]...)
	}
	return append(append(args, "--out", out), extra...)
}

// rank2Target returns a 20 x 20 target of rank 2 (singular values 3 and 2)
// from the tests' seeded source.
func rank2Target(t *testing.T) *mat.Dense {
	t.Helper()
	m, err := workloads.WithValues(20, []float64{3, 2}, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	return m
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func TestVerifyPasses(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := lowdim(t, verifyArgs(out)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Empty(t, stderr, "--quiet")
	require.Contains(t, stdout, "VERDICT: PASS")
	require.Contains(t, stdout, "safe width: r_hat = 4")
	v := readVerdict(t, out)
	require.True(t, v.Pass)
	require.Zero(t, v.Failed)
	require.Equal(t, len(v.Checks), v.Passed+v.Skipped)
	require.NotNil(t, v.SafeWidth)
	require.Equal(t, 4, *v.SafeWidth)
	require.NotNil(t, v.UpdateRank)
	require.Equal(t, 4, *v.UpdateRank, "the original's updates have rank 2r")
	require.Equal(t, []int{4}, v.Config.RHats, "default width 2r")
	for _, c := range v.Checks {
		require.NotEmpty(t, c.Regime, "check %s states its regime", c.Name)
		require.Contains(t, stdout, c.Name)
	}
	requireNoTempFiles(t, out)
}

// TestVerifyNarrowWidthIsAResult: width 1 is below the target's rank 2 and
// too narrow, width 4 is sufficient: the narrow width is reported (its
// width-sufficient row fails, kwon-bound is skipped for it as outside its
// regime) and the gate passes with exit 0.
func TestVerifyNarrowWidthIsAResult(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := lowdim(t, verifyArgs(out, "--r-hat", "1,4")...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "r_hat = 1 is too narrow (a result: r_hat = 4 is sufficient)")
	require.Contains(t, stdout, "safe width: r_hat = 4")
	require.Contains(t, stdout, "VERDICT: PASS")
	v := readVerdict(t, out)
	require.True(t, v.Pass, "reasons %v", v.Reasons)
	require.Equal(t, []int{1, 4}, v.Config.RHats)
	require.False(t, *v.Widths[0].Sufficient)
	require.True(t, *v.Widths[1].Sufficient)
	require.Equal(t, 1, v.TooNarrow, "the narrow width is counted as a result")
	require.Zero(t, v.Failed, "a too-narrow width is not a failure")
	require.Contains(t, strings.Join(strings.Fields(stdout), " "), "0 fail, 1 width(s) not sufficient beside a sufficient one (a result, not a failure: does not gate)")
	for _, c := range v.Checks {
		if c.Method == "compressed r_hat=1" && c.Name == experiment.CheckKwon {
			require.Equal(t, "skipped", c.Status, c.Detail)
		}
		if c.Status == "fail" {
			require.Equal(t, experiment.CheckWidth, c.Name, "only the narrow width's row fails")
		}
	}
}

// TestVerdictNamesFailedChecks: the VERDICT line gives the reasons, and a
// line per failed check names it, the width and its figures, "-" for an
// absent one.
func TestVerdictNamesFailedChecks(t *testing.T) {
	absent := results.Absent
	v := &experiment.Verdict{
		Config: experiment.VerifyConfig{Config: config.Config{Workload: "mf", D: 20, R: 2, RHat: 4, Depth: 3}, RHats: []int{4}, TolRel: 0.5},
		Checks: []results.Check{
			{Name: experiment.CheckKwon, Method: "compressed r_hat=4", Status: results.Fail, Observed: 0.5, Predicted: 0.4, Tolerance: 1e-7},
			{Name: experiment.CheckIncremental, Method: "original", Status: results.NotEvaluable, Observed: absent, Predicted: absent, Tolerance: 0, Detail: "nothing learned"},
		},
		Reasons: []string{"a check failed: kwon-bound (compressed r_hat=4)"},
	}
	var b strings.Builder
	writeVerdictTable(&b, v, "out")
	got := b.String()
	require.Contains(t, got, "VERDICT: FAIL: a check failed: kwon-bound (compressed r_hat=4)")
	require.Contains(t, got, "failed: kwon-bound (compressed r_hat=4: observed 0.5, predicted/bound 0.4, tolerance 1e-07)")
	require.Regexp(t, `incremental-learning +original +not-evaluable +- +- +0\s+nothing learned`, got)
	require.Contains(t, got, "checks: 0 pass, 1 fail, 0 skipped, 1 not evaluable")
}

// TestVerifyDivergedFails: a step size far above the stable rate makes
// both networks diverge: verify exits 1 and says so; the dynamics checks
// are not evaluable (never passed), but kwon-bound, whose regime at depth
// 3 ends at 0.8 x the stable rate (experiment.KwonMaxEtaFrac), is skipped
// by its regime before its figures are looked at.
func TestVerifyDivergedFails(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, _ := lowdim(t, verifyArgs(out, "--eta", "100", "--steps", "50")...)
	require.Equal(t, exitFailure, code, stdout)
	require.Contains(t, stdout, "a network diverged: original: diverged at step")
	v := readVerdict(t, out)
	require.False(t, v.Pass)
	require.Positive(t, v.NotEvaluable)
	for _, c := range v.Checks {
		if c.Name == experiment.CheckKwon {
			require.Equal(t, "skipped", c.Status, "%s of %s: %s", c.Name, c.Method, c.Detail)
			require.Contains(t, c.Detail, "x the stable rate (> 0.8)")
			require.Nil(t, c.Observed, "%s: no made-up figure", c.Name)
		}
		if c.Name == experiment.CheckRecursion || c.Name == experiment.CheckWidth {
			require.Equal(t, "not-evaluable", c.Status, "%s of %s: %s", c.Name, c.Method, c.Detail)
			require.Nil(t, c.Observed, "%s: no made-up figure", c.Name)
		}
	}
}

// TestVerifyCases runs the reproductions of ../shared/cases, copied into
// testdata/cases. Each is a kind of fault, checked in kind:
//
//   - width-sufficient-placeholder-zeros: a check that cannot be evaluated
//     reported zeros as data. Every check of the verdict now carries either
//     real figures or null ("-" in the table), never a made-up 0; a width
//     whose reference never reached --tol is not evaluable, with the real
//     ratio and the --tol-rel in force, and the advice names --tol.
//   - kwon-bound-rank-above-rhat: a check's regime trusted --r instead of
//     the target's estimated rank. kwon-bound (and every regime that needs
//     r_hat >= rank) is skipped naming rank(target) = 4 > r_hat = 2.
func TestVerifyCases(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		// check is the case's own assertion on the verdict and stdout.
		check func(t *testing.T, v verdictJSON, stdout string)
	}{
		{
			name: "width-sufficient-placeholder-zeros",
			args: []string{"--target", "testdata/cases/width-sufficient-placeholder-zeros.mtx", "--r", "2", "--eta-frac", "0.5", "--steps", "200"},
			// No width can be judged: no sufficient width, exit 1, saying so.
			code: exitFailure,
			check: func(t *testing.T, v verdictJSON, stdout string) {
				ws := findVerdictCheck(t, v, experiment.CheckWidth, "compressed r_hat=4")
				require.Equal(t, "not-evaluable", ws.Status, ws.Detail)
				require.NotNil(t, ws.Tolerance)
				require.Equal(t, 0.5, *ws.Tolerance, "the --tol-rel in force")
				require.Nil(t, ws.Predicted, "no prediction: null, not 0")
				require.Contains(t, ws.Detail, "--tol")
				require.NotContains(t, stdout, "FAIL 0 0 0")
				require.Regexp(t, `width-sufficient +compressed r_hat=4 +not-evaluable +\S+ +- +0.5\s`, stdout)
				require.Contains(t, stdout, "no candidate width [4] is sufficient")
			},
		},
		{
			name: "kwon-bound-rank-above-rhat",
			args: []string{"--target", "testdata/cases/kwon-bound-rank-above-rhat.csv", "--r", "1", "--eta-frac", "0.5", "--steps", "2000"},
			// The original never reaches --tol in 2000 steps: no width can
			// be judged (exit 1), but no theory check fails.
			code: exitFailure,
			check: func(t *testing.T, v verdictJSON, stdout string) {
				kw := findVerdictCheck(t, v, experiment.CheckKwon, "compressed r_hat=2")
				require.Equal(t, "skipped", kw.Status)
				require.Contains(t, kw.Detail, "rank(target) = 4 > r_hat = 2")
				for _, c := range v.Checks {
					require.NotEqual(t, "fail", c.Status, "%s of %s: %s", c.Name, c.Method, c.Detail)
				}
				require.NotContains(t, strings.Join(v.Reasons, ";"), "a check failed")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := lowdim(t, append([]string{"verify", "--quiet", "--out", out}, tt.args...)...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			v := readVerdict(t, out)
			// The kind: no check carries a placeholder. A skipped or
			// not-evaluable check observed nothing (null), unless it states
			// a real measured value.
			for _, c := range v.Checks {
				if c.Status == "skipped" {
					require.True(t, c.Observed == nil && c.Predicted == nil && c.Tolerance == nil, "%s of %s: skipped with figures", c.Name, c.Method)
				}
				if c.Status == "not-evaluable" {
					require.Nil(t, c.Predicted, "%s of %s: not evaluable with a prediction", c.Name, c.Method)
				}
			}
			tt.check(t, v, stdout)
			t.Logf("%d pass, %d fail, %d skipped, %d not evaluable; reasons %v", v.Passed, v.Failed, v.Skipped, v.NotEvaluable, v.Reasons)
		})
	}
}

func findVerdictCheck(t *testing.T, v verdictJSON, name, method string) (c verdictCheck) {
	t.Helper()
	for _, c := range v.Checks {
		if c.Name == name && c.Method == method {
			return c
		}
	}
	t.Fatalf("no check %s of %s", name, method)
	return c
}

func TestVerifyNoSafeWidth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, _ := lowdim(t, verifyArgs(out, "--r-hat", "1")...)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stdout, "safe width: none of the candidates [1]")
	require.Nil(t, readVerdict(t, out).SafeWidth)
}

// TestVerifySafeWidthNeedsConvergedOriginal: with a budget too short for
// the original network to learn the target (1000 steps: its error is still
// 0.51, one of the two singular values unlearned), an original that did not
// reach the tolerance is no reference: width-sufficient is not evaluable
// rather than calling r_hat = 1 < r safe, and with no sufficient width the
// gate fails.
func TestVerifySafeWidthNeedsConvergedOriginal(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, _ := lowdim(t, verifyArgs(out, "--r-hat", "1", "--steps", "1000")...)
	require.Equal(t, exitFailure, code, "no width is sufficient")
	require.Contains(t, stdout, "so it is no reference")
	v := readVerdict(t, out)
	require.Nil(t, v.SafeWidth, "a width below the target's rank is not safe")
}

func TestVerifyBadInput(t *testing.T) {
	dir := t.TempDir()
	badCSV := writeFile(t, dir, "bad.csv", "1,2\n3,x\n")
	raggedCSV := writeFile(t, dir, "ragged.csv", "1,2\n3\n")
	badBanner := writeFile(t, dir, "bad.mtx", "%%MatrixMarket matrix foo real general\n2 2 1\n1 1 1\n")
	notMM := writeFile(t, dir, "notmm.mtx", "1 2 3\n")
	wide := writeFile(t, dir, "wide.csv", "1,2,3\n4,5,6\n")
	zero := writeFile(t, dir, "zero.csv", "0,0\n0,0\n")
	txt := writeFile(t, dir, "m.txt", "1\n")
	target := filepath.Join(dir, "t.csv")
	require.NoError(t, matfile.Write(target, rank2Target(t)))
	badMask := writeFile(t, dir, "badmask.csv", strings.Repeat(strings.TrimSuffix(strings.Repeat("1,", 20), ",")+"\n", 19)+"2"+strings.Repeat(",1", 19)+"\n")
	missing := filepath.Join(dir, "missing.csv")

	// problem are the flags of a small problem; file cases give --target
	// alone, so that d and r come from the file.
	problem := verifyBase[1:]
	tests := []struct {
		name string
		args []string // after "verify --quiet --out DIR"
		want []string // substrings of stderr
	}{
		{"r-hat zero", append([]string{"--r-hat", "0"}, problem...), []string{"--r-hat 0", `"0"`}},
		{"r-hat abc", append([]string{"--r-hat", "abc"}, problem...), []string{"--r-hat abc", `"abc"`}},
		{"r-hat negative", append([]string{"--r-hat", "-1"}, problem...), []string{"--r-hat -1"}},
		{"r-hat above d", append([]string{"--r-hat", "4,21"}, problem...), []string{"--r-hat 21"}},
		{"tol-rel negative", append([]string{"--tol-rel", "-1"}, problem...), []string{"--tol-rel -1"}},
		{"r equal to d", append(problem, "--r", "20"), []string{"--r 20"}},
		{"missing target", []string{"--target", missing}, []string{missing}},
		{"malformed csv", []string{"--target", badCSV}, []string{badCSV + ":2:2", `"x" is not a number`}},
		{"ragged csv", []string{"--target", raggedCSV}, []string{raggedCSV + ":2", "1 cells, want 2"}},
		{"mtx bad banner", []string{"--target", badBanner}, []string{badBanner + ":1", `"foo"`}},
		{"mtx no banner", []string{"--target", notMM}, []string{notMM + ":1", "not a Matrix Market file"}},
		{"unknown format", []string{"--target", txt}, []string{txt, "unknown matrix format"}},
		{"zero target", []string{"--target", zero}, []string{zero, "zero"}},
		// A rectangular target is accepted (TestVerifyRectTarget); this 2 x 3
		// one has full rank 2 = min(m, n), so nothing low-rank to fit.
		{"full-rank rectangular target", []string{"--target", wide}, []string{wide, "the 2 x 3 target has full numerical rank 2 (= min(m, n)", "give --r < 2"}},
		{"mask without target", []string{"--mask", target}, []string{"--mask needs --target"}},
		{"mc dense target without mask", []string{"--workload", "mc", "--target", target}, []string{target, "--workload mc needs the observed entries"}},
		{"mc malformed mask", []string{"--workload", "mc", "--target", target, "--mask", badCSV}, []string{badCSV + ":2:2"}},
		{"mc mask not 0/1", []string{"--workload", "mc", "--target", target, "--mask", badMask}, []string{"badmask.csv", "is 2; a mask holds 0"}},
		{"ms with target", []string{"--workload", "ms", "--target", target}, []string{"--workload ms is not supported"}},
		{"target with a preset of several runs", []string{"--preset", "quick", "--target", target}, []string{"--target needs a preset of one run"}},
		{"positional argument", []string{"extra"}, []string{`unexpected argument "extra"`}},
		{"unknown flag", []string{"--methods", "original"}, []string{"-methods"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"verify", "--quiet", "--out", out}, tt.args...)
			code, stdout, stderr := lowdim(t, args...)
			require.Equal(t, exitUsage, code, "exit code of %q; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), stdout, stderr)
			for _, w := range tt.want {
				require.Contains(t, stderr, w)
			}
			require.NotContains(t, stdout, "VERDICT")
			requireNoFile(t, filepath.Join(out, "verdict.json"))
		})
	}
}

// TestVerifyTolRelZero: an explicit --tol-rel 0 must be refused like
// --tol-rel -1 (exit 2), not silently replaced by the default 0.5.
func TestVerifyTolRelZero(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := lowdim(t, verifyArgs(out, "--tol-rel", "0")...)
	require.Equal(t, exitUsage, code, stderr)
	require.Contains(t, stderr, "--tol-rel 0")
}

// TestVerifyMaskErrorsNameTheMask: a mask of the wrong shape is the mask
// file's fault; the message must name it.
func TestVerifyMaskErrorsNameTheMask(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "t.csv")
	require.NoError(t, matfile.Write(target, rank2Target(t)))
	mask := writeFile(t, dir, "mask3.csv", "1,0,1\n1,1,1\n")
	out := filepath.Join(dir, "out")
	code, _, stderr := lowdim(t, verifyArgs(out, "--workload", "mc", "--target", target, "--mask", mask)...)
	require.Equal(t, exitUsage, code, stderr)
	require.Contains(t, stderr, "a 2 x 3 mask for the 20 x 20 target")
	require.Contains(t, stderr, mask, "the message names the mask file")
}

// TestVerifyUserTargetCSV: a rank-2 20 x 20 matrix written with
// matfile.Write as .csv, .mtx and .npy: d and r come from the file, and the
// verdict passes with safe width 2r.
//
// One verify trains to the verdict (the .csv); the other two formats are
// held to the same result by a short verify of each of the three files with
// the same flags: d, r, the source and the spectrum come from each file,
// and trajectories.csv (every loss, error and singular value in full
// precision; all but the seconds column) is the .csv's, so the command
// reads the same matrix from each format; verify is deterministic
// (badinputs_values_test.go's determinism rows), so the trained verdict is
// the .csv's too.
func TestVerifyUserTargetCSV(t *testing.T) {
	dir := t.TempDir()
	exts := []string{".csv", ".mtx", ".npy"}
	targets := map[string]string{}
	for _, ext := range exts {
		targets[ext] = filepath.Join(dir, "target"+ext)
		require.NoError(t, matfile.Write(targets[ext], rank2Target(t)))
	}
	verify := func(t *testing.T, target, steps, out string) (verdictJSON, string) {
		t.Helper()
		code, stdout, stderr := lowdim(t, "verify", "--target", target, "--eta", "0.02", "--steps", steps, "--quiet", "--out", out)
		if steps == "5000" {
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		} else {
			require.Contains(t, []int{exitOK, exitFailure}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		require.Contains(t, stdout, "MF d=20 r=2 r̂=4")
		v := readVerdict(t, out)
		require.Equal(t, 20, v.Config.D, "d from the file")
		require.Equal(t, 2, v.Config.R, "r from the file's numerical rank")
		require.Equal(t, target, v.Instance.Source)
		require.InDeltaSlice(t, []float64{3, 2}, v.Instance.SVals, 1e-12)
		return v, stdout
	}
	t.Run("trained", func(t *testing.T) {
		out := filepath.Join(dir, "out")
		v, stdout := verify(t, targets[".csv"], "5000", out)
		require.Contains(t, stdout, "safe width: r_hat = 4")
		require.Contains(t, stdout, "VERDICT: PASS")
		require.True(t, v.Pass)
		require.NotNil(t, v.SafeWidth)
		require.Equal(t, 4, *v.SafeWidth)
	})
	// The short verifies: 200 steps, the trajectories of a real run's
	// start, each row without its seconds.
	rows := map[string][]string{}
	svals := map[string][]float64{}
	for _, ext := range exts {
		t.Run(ext, func(t *testing.T) {
			out := filepath.Join(dir, "short"+ext)
			v, _ := verify(t, targets[ext], "200", out)
			svals[ext] = v.Instance.SVals
			f, err := os.Open(filepath.Join(out, "trajectories.csv"))
			require.NoError(t, err)
			defer f.Close()
			recs, err := csv.NewReader(f).ReadAll()
			require.NoError(t, err)
			require.Greater(t, len(recs), 10, "a header and rows")
			sec := slices.Index(recs[0], "seconds")
			require.GreaterOrEqual(t, sec, 0, "header %v", recs[0])
			for _, r := range recs {
				rows[ext] = append(rows[ext], strings.Join(slices.Delete(r, sec, sec+1), ","))
			}
		})
	}
	for _, ext := range exts[1:] {
		t.Run(ext+" reads the .csv's matrix", func(t *testing.T) {
			if rows[ext] == nil || rows[".csv"] == nil {
				t.Skip("a short verify failed (above)")
			}
			require.Equal(t, svals[".csv"], svals[ext], "the spectrum, bit for bit")
			require.Equal(t, rows[".csv"], rows[ext], "trajectories.csv but its seconds")
		})
	}
}

// coordinateMTX writes the entries of m where keep(i, j) as a Matrix Market
// coordinate file and returns its path and the number of entries.
func coordinateMTX(t *testing.T, dir string, m *mat.Dense, keep func(i, j int) bool) (string, int) {
	t.Helper()
	var b strings.Builder
	r, c := m.Dims()
	n := 0
	var lines strings.Builder
	for i := range r {
		for j := range c {
			if keep(i, j) {
				fmt.Fprintf(&lines, "%d %d %v\n", i+1, j+1, m.At(i, j))
				n++
			}
		}
	}
	fmt.Fprintf(&b, "%%%%MatrixMarket matrix coordinate real general\n%% observed entries\n%d %d %d\n%s", r, c, n, lines.String())
	return writeFile(t, dir, "observed.mtx", b.String()), n
}

// TestVerifyCoordinateMTXIsMask: with --workload mc, the entries a
// coordinate .mtx target lists are the observed ones.
func TestVerifyCoordinateMTXIsMask(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 3))
	target, n := coordinateMTX(t, dir, rank2Target(t), func(i, j int) bool { return rng.Float64() < 0.6 })
	out := filepath.Join(dir, "out")
	// The unlisted entries read as 0, so the file's matrix has full
	// numerical rank: r must be given.
	code, stdout, stderr := lowdim(t, "verify", "--workload", "mc", "--target", target, "--r", "2", "--eta", "8", "--steps", "5000", "--quiet", "--out", out)
	require.Contains(t, []int{exitOK, exitFailure}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	v := readVerdict(t, out)
	require.Equal(t, "mc", v.Config.Workload)
	// A tenth of the listed entries is held out for test, another tenth
	// for validation; the networks train on the rest.
	held := int(math.Round(instance.DefaultHeldOut * float64(n)))
	val := int(math.Round(instance.DefaultValidation * float64(n)))
	require.Equal(t, held, v.Instance.HeldOut)
	require.Equal(t, n-held-val, v.Instance.Observed, "observed entries = the entries the file lists, less the held-out ones")
	require.Equal(t, 20, v.Config.D)
	require.Equal(t, float64(n-held-val)/400, v.Config.P, "p is the fraction trained on, not the preset's")
	require.Empty(t, v.Instance.SVals, "the zero-filled matrix's spectrum is not reported as the target's")
	for _, c := range v.Checks {
		if c.Name == experiment.CheckIncremental {
			require.Equal(t, "skipped", c.Status, "%s of %s: the target's singular vectors are unknown", c.Name, c.Method)
		}
	}
	// The errors are measured on the held-out entries of the rank-2
	// target, which the networks complete: against the zero-filled matrix
	// they would be about sqrt(0.4) at best (the unlisted 40% of the
	// target's energy, roughly).
	require.NotNil(t, v.Original.BestError)
	require.Less(t, *v.Original.BestError, 0.05)
	t.Logf("exit %d; %d of 400 entries listed, %d held out; original's best held-out error %.3g; %d pass, %d fail, %d skipped",
		code, n, held, *v.Original.BestError, v.Passed, v.Failed, v.Skipped)
	require.Contains(t, stdout, fmt.Sprintf("errors are measured on %d held-out entries", held))

	// Without --r: the zero-filled matrix has full rank, so the rank is
	// chosen on the validation entries (AltMin's), and it is the target's.
	code, _, stderr = lowdim(t, "verify", "--workload", "mc", "--target", target, "--steps", "10", "--quiet", "--out", filepath.Join(dir, "out2"))
	require.Contains(t, []int{exitOK, exitFailure}, code, stderr)
	v2 := readVerdict(t, filepath.Join(dir, "out2"))
	require.Equal(t, 2, v2.Config.R)

	// --held-out out of range, and where there is nothing to hold out.
	code, _, stderr = lowdim(t, "verify", "--workload", "mc", "--target", target, "--r", "2", "--held-out", "1", "--quiet", "--out", filepath.Join(dir, "out3"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--held-out 1")
	dense := filepath.Join(dir, "t.csv")
	require.NoError(t, matfile.Write(dense, rank2Target(t)))
	code, _, stderr = lowdim(t, "verify", "--target", dense, "--held-out", "0.2", "--quiet", "--out", filepath.Join(dir, "out4"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--held-out applies to a coordinate .mtx")
}

// TestVerifyRBelowTargetRank: --r 1 on a target of numerical rank 2. The
// LoP checks count d - 2r singular values at rho and predict the gap
// rho^L sqrt(d - 2r) with the target's rank, not the given r (with r = 1
// they would expect 18 values at rho where 16 are, and a gap of 4.2e-6
// where it is 2), so a wrong flag does not fail them. Refusing --r below
// the target's numerical rank as bad input (exit 2) is also accepted.
func TestVerifyRBelowTargetRank(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "t.csv")
	require.NoError(t, matfile.Write(target, rank2Target(t)))
	out := filepath.Join(dir, "out")
	code, _, stderr := lowdim(t, "verify", "--target", target, "--r", "1", "--eta", "0.02", "--steps", "3000", "--quiet", "--out", out)
	if code == exitUsage {
		require.Contains(t, stderr, "--r 1")
		return
	}
	require.Contains(t, []int{exitOK, exitFailure}, code, stderr)
	var lopFailed []string
	for _, c := range readVerdict(t, out).Checks {
		if c.Status == "fail" && strings.HasPrefix(c.Name, "lop-") {
			lopFailed = append(lopFailed, c.Name)
		}
	}
	require.Empty(t, lopFailed, "the target satisfies the Law of Parsimony with its own rank 2")
}
