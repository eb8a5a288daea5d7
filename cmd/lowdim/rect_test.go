package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// rectTarget returns a 30 x 45 target of rank 3 (singular values 3, 2 and
// 1.5) from the tests' seeded source.
func rectTarget(t *testing.T, rows, cols int) *mat.Dense {
	t.Helper()
	m, err := workloads.WithValuesRect(rows, cols, []float64{3, 2, 1.5}, rand.New(rand.NewPCG(1, 13)))
	require.NoError(t, err)
	return m
}

// TestVerifyRectTarget: lowdim verify --target on a rectangular 30 x 45
// file (.npy and .csv) runs end to end: its shape and rank come from the
// file (verdict.json: rows 30, cols 45, no d), the compressed network is
// r_hat x n ... m x r_hat, the original's checks that are stated for square
// layers are skipped with "theory is for square targets", the compressed
// network's are evaluated, and the gate passes (exit 0) with the safe width
// 2r = 6. --eta-frac 0.5 sets the learning rate from the file's spectrum.
func TestVerifyRectTarget(t *testing.T) {
	for _, ext := range []string{".npy", ".csv"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "rect"+ext)
			require.NoError(t, matfile.Write(target, rectTarget(t, 30, 45)))
			out := filepath.Join(dir, "out")
			code, stdout, stderr := lowdim(t, "verify", "--target", target, "--eta-frac", "0.5", "--steps", "20000", "--quiet", "--out", out)
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stdout, "MF 30x45 r=3 r̂=6")
			require.Contains(t, stdout, "safe width: r_hat = 6")
			require.Contains(t, stdout, "VERDICT: PASS")

			var v struct {
				Config   map[string]any `json:"config"`
				Instance struct {
					Rows, Cols int
				} `json:"instance"`
				Checks []verdictCheck `json:"checks"`
				Pass   bool           `json:"pass"`
			}
			readJSON(t, filepath.Join(out, "verdict.json"), &v)
			require.True(t, v.Pass)
			require.Equal(t, 30.0, v.Config["rows"])
			require.Equal(t, 45.0, v.Config["cols"])
			require.NotContains(t, v.Config, "d")
			require.Equal(t, [2]int{30, 45}, [2]int{v.Instance.Rows, v.Instance.Cols})
			status := map[string]string{}
			for _, c := range v.Checks {
				status[c.Name+" "+c.Method] = c.Status
				if c.Status == string(results.Skipped) && c.Name != experiment.CheckBalanced {
					require.True(t, strings.HasPrefix(c.Detail, "theory is for square targets"), "%s: %s", c.Name, c.Detail)
				}
			}
			for _, k := range []string{"kwon-bound compressed r_hat=6", "lop-singular-values original", "mf-floor-original original", "balanced-init original"} {
				require.Equal(t, "skipped", status[k], k)
			}
			for _, k := range []string{"compressed-mf-recursion compressed r_hat=6", "learn-steps compressed r_hat=6", "mf-floor-compressed compressed r_hat=6", "width-sufficient compressed r_hat=6"} {
				require.Equal(t, "pass", status[k], k)
			}
		})
	}
}

// TestRunRect: lowdim run --rows m --cols n trains every default method on
// an m x n instance and records the shape (run.json: rows and cols, no d;
// the layers), and an instance saved with --save-instance loads back with
// its shape from the files, training to the same errors.
func TestRunRect(t *testing.T) {
	dir := t.TempDir()
	out, inst := filepath.Join(dir, "out"), filepath.Join(dir, "inst")
	args := []string{"run", "--workload", "mc", "--rows", "20", "--cols", "32", "--r", "2", "--p", "0.5", "--eta-frac", "0.5",
		"--steps", "300", "--quiet"}
	code, stdout, stderr := lowdim(t, append(args, "--out", out, "--save-instance", inst)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "MC 20x32 r=2 r̂=4 L=3 p=0.5")
	run, err := results.ReadRun(filepath.Join(out, "run.json"))
	require.NoError(t, err)
	require.Equal(t, [3]int{0, 20, 32}, [3]int{run.Config.D, run.Config.Rows, run.Config.Cols})
	require.Equal(t, [2]int{20, 32}, [2]int{run.Instance.Rows, run.Instance.Cols})
	require.Equal(t, [][2]int{{4, 32}, {4, 4}, {20, 4}}, run.Method("compressed").Layers)
	require.Equal(t, [][2]int{{32, 32}, {32, 32}, {20, 32}}, run.Method("original").Layers)
	for _, f := range []string{"trajectories.csv", "error_vs_step.svg"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}

	out2 := filepath.Join(dir, "out2")
	code, stdout, stderr = lowdim(t, "run", "--workload", "mc", "--load-instance", inst, "--r", "2", "--eta-frac", "0.5", "--steps", "300", "--quiet", "--out", out2)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	back, err := results.ReadRun(filepath.Join(out2, "run.json"))
	require.NoError(t, err)
	require.Equal(t, [3]int{0, 20, 32}, [3]int{back.Config.D, back.Config.Rows, back.Config.Cols})
	for _, m := range run.Methods {
		require.Equal(t, *m.FinalError, *back.Method(m.Method).FinalError, "%s: the loaded instance and its saved initial weights train alike", m.Method)
	}
}

// rectBase is runBase on an 8 x 12 target.
var rectBase = []string{"run", "--rows", "8", "--cols", "12", "--r", "2", "--steps", "5", "--quiet", "--out", "{dir}/out"}

// writeRect writes an 8 x 12 rank-2 target as rect.npy in dir and returns
// the arguments that give it to verify.
func writeRect(t *testing.T, dir string) []string {
	m, err := workloads.WithValuesRect(8, 12, []float64{3, 2}, rand.New(rand.NewPCG(2, 13)))
	require.NoError(t, err)
	return []string{"--target", writeDense(t, dir, "rect.npy", m)}
}

// Rows of the bad-inputs table for rectangular m x n targets (issue 13):
// each refused naming the flag (or the file) and its value, before
// anything is allocated or trained.
func init() {
	verifyRect := []string{"verify", "--r", "2", "--steps", "20", "--quiet", "--out", "{dir}/out"}
	addBadInputs(kindAlloc,
		refused("run mf 200000 x 100000", []string{"run", "--rows", "200000", "--cols", "100000", "--r", "2", "--steps", "5", "--quiet", "--out", "{dir}/out"},
			"invalid --rows 200000", "GB"),
		refused("run ms operator of a 300 x 400 target", with(rectBase[:1], "--workload", "ms", "--rows", "300", "--cols", "400", "--r", "2", "--m", "100000", "--quiet", "--out", "{dir}/out"),
			"invalid --m 100000", "300 x 400 target"),
		refused("run --width 1e6", with(rectBase, "--width", "1000000", "--methods", "original"), "invalid --width 1000000"),
	)
	addBadInputs(kindNotApplying,
		refused("run --d beside --rows and --cols", with(rectBase, "--d", "10"), "invalid --d 10", "--rows 8 and --cols 12 set both sides"),
		refused("run --width without the original", with(rectBase, "--width", "20", "--methods", "compressed"), "invalid --width 20", "it is used only by original"),
		refused("run lop on a rectangular target", with(rectBase, "--methods", "original,lop"), "invalid --methods original,lop", "the lop network needs a square target"),
		refused("run lop beside --width", with(runBase, "--methods", "original,lop", "--width", "12"), "invalid --methods original,lop", "--width 12"),
		refused("run sparse original on 8 x 12", with(rectBase, "--workload", "mc", "--p", "0.5", "--storage", "sparse", "--methods", "original"),
			"invalid --methods original", "forms the 8 x 12 matrix"),
		refusedSetup("verify --rows with a target", with(verifyRect, "--rows", "8"), writeRect, "invalid --rows 8", "the target file sets the shape"),
		refusedSetup("verify --cols with a target", with(verifyRect, "--cols", "12"), writeRect, "invalid --cols 12", "the target file sets the shape"),
		refusedSetup("run --load-instance of 8 x 12 with --rows 9", []string{"run", "--r", "2", "--steps", "5", "--quiet", "--out", "{dir}/out", "--rows", "9"},
			func(t *testing.T, dir string) []string {
				m, err := workloads.WithValuesRect(8, 12, []float64{3, 2}, rand.New(rand.NewPCG(3, 13)))
				require.NoError(t, err)
				writeDense(t, dir, "inst/target.npy", m)
				return []string{"--load-instance", filepath.Join(dir, "inst")}
			}, "invalid --rows 9", "{dir}/inst/target.npy holds a 8 x 12 target"),
	)
	addBadInputs(kindEmpty,
		refused("run --rows 0", with(rectBase, "--rows", "0"), "invalid --rows 0"),
		refused("run --cols 0", with(rectBase, "--cols", "0"), "invalid --cols 0"),
		refused("run --width 0", with(rectBase, "--width", "0"), "invalid --width 0"),
	)
	addBadInputs(kindOddNumbers,
		refused("run --rows 1", with(rectBase, "--rows", "1"), "invalid --rows 1", "size must be at least 2"),
		refused("run --cols -3", with(rectBase, "--cols", "-3"), "invalid --cols -3"),
		refused("run r equal to min(m, n)", with(rectBase, "--r", "8", "--spectrum", "top"), "invalid --r 8", "rank must be below min(m, n) = 8 of the 8 x 12 target"),
		refused("run r above min(m, n)", with(rectBase, "--r", "9", "--spectrum", "top"), "invalid --r 9", "min(m, n) = 8"),
		refused("run spread r above min(m, n)/2", with(rectBase, "--r", "5"), "invalid --r 5", "the spread target needs r <= min(m, n)/2 = 4"),
		refused("run --r-hat above min(m, n)", with(rectBase, "--r-hat", "9"), "invalid --r-hat 9", "at most min(m, n) = 8"),
		refused("run --svals above min(m, n)", with(rectBase, "--svals", "9"), "invalid --svals 9", "[0, 8]"),
		refused("run --width below r", with(rectBase, "--width", "1"), "invalid --width 1", "at least the rank r = 2"),
		refusedSetup("verify --r-hat above min(m, n) of the file", with(verifyRect, "--r-hat", "4,9"), writeRect,
			"invalid --r-hat 4,9", "width 9 is above min(m, n) = 8 of the 8 x 12 target {dir}/rect.npy"),
		refusedSetup("verify --r equal to min(m, n) of the file", []string{"verify", "--r", "8", "--steps", "20", "--quiet", "--out", "{dir}/out"}, writeRect,
			"{dir}/rect.npy: a 8 x 12 target: the rank r = 8 (--r) must be below min(m, n) = 8"),
		refusedSetup("verify a 1 x 5 target", verifyRect, func(t *testing.T, dir string) []string {
			return []string{"--target", writeNPY(t, dir, "row.npy", []int{1, 5}, []float64{1, 2, 3, 4, 5})}
		}, "{dir}/row.npy: a 1 x 5 target; lowdim needs m, n >= 2"),
		refusedSetup("verify a full-rank 3 x 7 target", []string{"verify", "--steps", "20", "--quiet", "--out", "{dir}/out"}, func(t *testing.T, dir string) []string {
			m, err := workloads.TopRect(3, 7, 3, rand.New(rand.NewPCG(4, 13)))
			require.NoError(t, err)
			return []string{"--target", writeDense(t, dir, "full.npy", m)}
		}, "{dir}/full.npy: the 3 x 7 target has full numerical rank 3 (= min(m, n)"),
		refusedSetup("verify mc mask of the transposed shape", []string{"verify", "--workload", "mc", "--r", "2", "--steps", "20", "--quiet", "--out", "{dir}/out"},
			func(t *testing.T, dir string) []string {
				args := writeRect(t, dir)
				return append(args, "--mask", writeNPY(t, dir, "mask.npy", []int{12, 8}, make([]float64, 96)))
			}, "{dir}/mask.npy: a 12 x 8 mask for the 8 x 12 target of {dir}/rect.npy"),
	)
}
