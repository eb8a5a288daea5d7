package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/model"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/results"
)

// longName is a target file's name of the length users give theirs.
const longName = "customer_item_ratings_matrix_exported_from_the_warehouse_2024_q3_v2_final.npy"

// TestVerifyWidthFiles: verify writes, beside verdict.json, one
// trajectories.csv of every network with a width column, the figures run
// draws with one curve per network, and error_vs_width; and its printed
// verdict fits in 100 columns with four widths, a long target name and a
// long output folder.
func TestVerifyWidthFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a folder whose name is as long as the ones people keep their results in")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	target := filepath.Join(dir, longName)
	saveMatrix(t, target, rank2Target(t))
	out := filepath.Join(dir, "verify-results-of-the-ratings-matrix-at-four-widths")
	code, stdout, stderr := lowdim(t, "verify", "--target", target, "--r-hat", "2,4,8,16", "--svals", "3", "--steps", "3000", "--quiet", "--out", out)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)

	for i, line := range strings.Split(stdout, "\n") {
		// A path longer than a line cannot be broken: the folder's line
		// is the one exception, and this folder fits.
		require.LessOrEqual(t, utf8.RuneCountInString(line), tableWidth, "line %d is wider than %d columns:\n%s", i+1, tableWidth, line)
	}
	require.Contains(t, stdout, "compressed r_hat=16")
	require.Contains(t, stdout, "VERDICT: PASS")

	// trajectories.csv: the original and four widths, by a width column.
	f, err := os.Open(filepath.Join(out, "trajectories.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"method", "width", "step", "seconds", "train_loss", "recovery_error", "test_loss"}, recs[0][:7])
	seen := map[string]int{}
	for _, r := range recs[1:] {
		seen[r[0]+" "+r[1]]++
		_, err := strconv.ParseFloat(r[5], 64)
		require.NoError(t, err, "recovery_error of %v", r)
	}
	for _, k := range []string{"original 20", "compressed 2", "compressed 4", "compressed 8", "compressed 16"} {
		require.Positive(t, seen[k], "rows of %s in trajectories.csv: %v", k, seen)
	}
	require.Len(t, seen, 5)

	for _, name := range []string{"error_vs_step", "error_vs_time", "loss_vs_step", "error_vs_width", "staircase_compressed_r_hat_16"} {
		for _, ext := range []string{".svg", ".png"} {
			require.FileExists(t, filepath.Join(out, name+ext))
		}
	}
	svg, err := os.ReadFile(filepath.Join(out, "error_vs_step.svg"))
	require.NoError(t, err)
	for _, w := range []string{"original", "compressed r_hat=2", "compressed r_hat=16"} {
		require.Contains(t, string(svg), w, "one curve per network, named in the legend")
	}
	requireNoTempFiles(t, out)
}

// saveMatrix writes m as a float64 .npy file.
func saveMatrix(t *testing.T, path string, m *mat.Dense) {
	t.Helper()
	r, c := m.Dims()
	require.NoError(t, npy.WriteFile(path, []int{r, c}, mat.DenseCopyOf(m).RawMatrix().Data))
}

// TestVerifySaveModelNumpy: verify --save-model writes the original and
// every width as model folders; a NumPy user reproduces each one's
// end-to-end product with np.linalg.multi_dot, and its recorded recovery
// error against the target, to 1e-12 (model/testdata/reproduce.py); and
// lowdim predict on the safe width's model returns the product's entries.
func TestVerifySaveModelNumpy(t *testing.T) {
	py := testenv.NumpyPython(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "target.npy")
	phi := rank2Target(t)
	saveMatrix(t, target, phi)
	models := filepath.Join(dir, "models")
	out := filepath.Join(dir, "out")
	code, stdout, stderr := lowdim(t, "verify", "--target", target, "--r-hat", "2,4", "--steps", "3000", "--quiet", "--out", out, "--save-model", models)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "models: "+models)

	var idx modelsFile
	readJSON(t, filepath.Join(models, modelsIndex), &idx)
	require.Len(t, idx.Models, 3)
	require.NotNil(t, idx.SafeWidth)
	require.Equal(t, fmt.Sprintf("compressed-r%d", *idx.SafeWidth), idx.SafeModel)
	args := []string{filepath.Join("..", "..", "model", "testdata", "reproduce.py")}
	sum, err := model.FileSHA256(target)
	require.NoError(t, err)
	for _, e := range idx.Models {
		require.Equal(t, results.Converged, e.Status, e.Network)
		folder := filepath.Join(models, e.Folder)
		m, err := model.Load(folder)
		require.NoError(t, err, e.Network)
		require.Equal(t, []model.Source{{File: target, SHA256: sum}}, m.Sources)
		require.Equal(t, "converged", m.Training.Status)
		// The stopping rule in force, which the configuration's tol (0 on
		// a user's target) does not say, and the steps taken.
		require.Equal(t, "loss <= 1e-10 x initial", m.Training.Stopping, e.Network)
		require.NotNil(t, m.Training.Steps, e.Network)
		require.Positive(t, *m.Training.Steps, e.Network)
		require.Nil(t, m.Training.SelectedStep, "no early stopping on a matrix target")
		require.NotNil(t, m.Errors.Recovery)
		var cfg config.Config
		require.NoError(t, json.Unmarshal(m.Config, &cfg), e.Network)
		require.Equal(t, m.ConfigHash, config.Hash(cfg), "the manifest's hash is its configuration's")
		product := filepath.Join(dir, e.Folder+"-product.npy")
		saveMatrix(t, product, m.Product())
		args = append(args, folder, target, product)
	}
	outPy, err := exec.Command(py, args...).CombinedOutput()
	t.Logf("%s", outPy)
	require.NoError(t, err, "reproduce.py: %s", outPy)

	// lowdim predict on the safe model returns the product's entries.
	safe := filepath.Join(models, idx.SafeModel)
	m, err := model.Load(safe)
	require.NoError(t, err)
	p := m.Product()
	pairs := [][2]int{{1, 1}, {3, 17}, {20, 20}, {11, 2}}
	var b strings.Builder
	b.WriteString("row,col\n")
	for _, q := range pairs {
		fmt.Fprintf(&b, "%d,%d\n", q[0], q[1])
	}
	entries := writeFile(t, dir, "pairs.csv", b.String())
	code, predOut, stderr := lowdim(t, "predict", "--model", safe, "--entries", entries)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(predOut), "\n")
	require.Len(t, lines, len(pairs)+1)
	for k, q := range pairs {
		f := strings.Split(lines[k+1], ",")
		v, err := strconv.ParseFloat(f[2], 64)
		require.NoError(t, err, lines[k+1])
		want := p.At(q[0]-1, q[1]-1)
		// One dot product of length r_1 against the product's: rounding
		// of r_1 terms, far below 1e-12 of the target's scale.
		require.InDelta(t, want, v, 1e-12*mat.Norm(phi, math.Inf(1)), "entry %v", q)
	}
}

// TestRunSaveModel: run --save-model writes every method's network, its
// manifest recording the run's configuration (and hash), status and final
// recovery error as run.json has them.
func TestRunSaveModel(t *testing.T) {
	dir := t.TempDir()
	models, out := filepath.Join(dir, "models"), filepath.Join(dir, "out")
	code, stdout, stderr := lowdim(t, "run", "--workload", "mf", "--d", "12", "--r", "2", "--steps", "200", "--eps", "0.3",
		"--methods", "original,compressed", "--quiet", "--out", out, "--save-model", models)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	run, err := results.ReadRun(filepath.Join(out, "run.json"))
	require.NoError(t, err)
	for _, res := range run.Methods {
		m, err := model.Load(filepath.Join(models, res.Method))
		require.NoError(t, err, res.Method)
		require.Equal(t, res.Method, m.Method)
		require.Equal(t, string(res.Status), m.Training.Status)
		require.Equal(t, *res.FinalError, *m.Errors.Recovery)
		require.Equal(t, config.Hash(*run.Config), m.ConfigHash)
		require.Empty(t, m.Sources, "a drawn instance has no source file")
		var shapes [][2]int
		for _, w := range m.Layers {
			r, c := w.Dims()
			shapes = append(shapes, [2]int{r, c})
		}
		require.Equal(t, res.Layers, shapes)
	}
	// --save-model inside --out is refused before anything runs.
	code, _, stderr = lowdim(t, "run", "--quiet", "--out", out, "--save-model", filepath.Join(out, "models"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "invalid --save-model")
}

// TestModelSaverInterrupted: a network the interruption cut short is saved
// with the training status "interrupted" and its message; one it kept from
// starting, and a diverged one, are listed in models.json as not saved.
func TestModelSaverInterrupted(t *testing.T) {
	dir := t.TempDir()
	s, err := newModelSaver(dir, nil)
	require.NoError(t, err)
	c := config.Config{Workload: "mf", D: 4, R: 1}
	c = c.WithDefaults()
	in := experimentInstance(t, c)
	net, err := experiment.NewNetwork("compressed", c, in)
	require.NoError(t, err)
	e := 0.5
	require.NoError(t, s.save(experiment.TrainedNetwork{Name: "compressed", Method: "compressed", Width: 2, Config: c, Net: net, Instance: in,
		Stopping: "tol=1e-10", Result: results.MethodResult{Status: results.Interrupted, Message: "interrupted at step 7", Steps: 7, FinalError: &e}}))
	require.NoError(t, s.save(experiment.TrainedNetwork{Name: "narrow", Method: "narrow", Width: 2, Config: c, Net: net, Instance: in,
		Result: results.MethodResult{Status: results.Diverged, Message: "diverged at step 3 (loss +Inf)"}}))
	notStarted := results.MethodResult{Method: "original", Status: results.Interrupted, Message: "interrupted before training (step 0)"}
	require.NoError(t, s.finish([]trainedNet{{"original", notStarted}, {"compressed", results.MethodResult{}}, {"narrow", results.MethodResult{}}}, nil, false, true))
	m, err := model.Load(filepath.Join(dir, "compressed"))
	require.NoError(t, err)
	seven := 7
	require.Equal(t, model.Training{Status: "interrupted", Message: "interrupted at step 7", Stopping: "tol=1e-10", Steps: &seven}, m.Training)
	var idx modelsFile
	readJSON(t, filepath.Join(dir, modelsIndex), &idx)
	require.True(t, idx.Interrupted)
	byName := map[string]modelEntry{}
	for _, e := range idx.Models {
		byName[e.Network] = e
	}
	require.Equal(t, "compressed", byName["compressed"].Folder)
	require.Empty(t, byName["narrow"].Folder)
	require.Contains(t, byName["narrow"].Why, "diverged")
	require.Empty(t, byName["original"].Folder)
	require.Equal(t, results.Interrupted, byName["original"].Status)
	require.NoDirExists(t, filepath.Join(dir, "original"))
	require.NoDirExists(t, filepath.Join(dir, "narrow"))
}

// TestMaxTime: a run or verify estimated above --max-time is refused with
// exit 2 naming --max-time, the estimate and how to insist, before any
// network is trained or any file written; --max-time 0 runs it; a bad
// value is a usage error naming the flag.
func TestMaxTime(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range [][]string{
		{"run", "--workload", "mf", "--d", "12", "--r", "2", "--steps", "2000", "--quiet"},
		verifyBase,
	} {
		out := filepath.Join(dir, cmd[0])
		args := append(slices.Clone(cmd), "--out", out)
		code, _, stderr := lowdim(t, append(args, "--max-time", "1ms")...)
		require.Equal(t, exitUsage, code, stderr)
		for _, want := range []string{"invalid --max-time 1ms", "estimated to take", "original:", "--max-time 0"} {
			require.Contains(t, stderr, want)
		}
		require.NoFileExists(t, filepath.Join(out, "run.json"))
		require.NoFileExists(t, filepath.Join(out, "verdict.json"))
		code, _, stderr = lowdim(t, append(args, "--max-time", "0")...)
		require.Contains(t, []int{exitOK, exitFailure}, code, stderr)
	}
	for _, bad := range []string{"-1s", "soon", ""} {
		code, _, stderr := lowdim(t, "run", "--quiet", "--out", filepath.Join(dir, "bad"), "--max-time", bad)
		require.Equal(t, exitUsage, code, bad)
		require.Contains(t, stderr, "max-time", bad)
	}
}

// TestUserTargetEtaFollowsInstance: on a user's target (--target, or
// --load-instance of a folder lowdim did not write) the learning rate is
// DefaultUserEtaFrac of the instance's stable rate unless --eta or
// --eta-frac is given, printed and recorded; a folder lowdim wrote keeps the
// preset's rate. The target is the README's kind of matrix, of top singular
// value above 50, at which paper-mf-fast's eta (5e-3) oscillates.
func TestUserTargetEtaFollowsInstance(t *testing.T) {
	dir := t.TempDir()
	phi := rank2Target(t)
	phi.Scale(62/3.0, phi) // singular values 62 and 41.3
	target := filepath.Join(dir, "big.npy")
	saveMatrix(t, target, phi)

	out := filepath.Join(dir, "v")
	code, stdout, stderr := lowdim(t, "verify", "--target", target, "--steps", "6000", "--quiet", "--out", out)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, fmt.Sprintf(": %g of the stable learning rate", config.DefaultUserEtaFrac))
	require.Contains(t, stdout, "is the default for a target from files")
	// A matrix target is known everywhere: its error is the recovery error.
	require.Contains(t, stdout, "reference: the original network, recovery error ")
	var v struct {
		Config struct {
			Eta     float64 `json:"eta"`
			EtaFrac float64 `json:"eta_frac"`
		} `json:"config"`
		Instance results.InstanceInfo `json:"instance"`
	}
	readJSON(t, filepath.Join(out, "verdict.json"), &v)
	require.Equal(t, config.DefaultUserEtaFrac, v.Config.EtaFrac)
	require.InDelta(t, config.DefaultUserEtaFrac*v.Instance.StableEta, v.Config.Eta, 1e-12*v.Config.Eta)
	require.Contains(t, derivedKeys(v.Instance), "eta")

	// --eta overrides it.
	code, stdout, stderr = lowdim(t, "verify", "--target", target, "--steps", "10", "--eta", "0.005", "--quiet", "--out", out)
	require.Contains(t, []int{exitOK, exitFailure}, code, stderr)
	require.NotContains(t, stdout, "stable learning rate")
	var v2 struct {
		Config struct {
			Eta     float64 `json:"eta"`
			EtaFrac float64 `json:"eta_frac"`
		} `json:"config"`
	}
	readJSON(t, filepath.Join(out, "verdict.json"), &v2)
	require.Equal(t, 0.005, v2.Config.Eta)
	require.Zero(t, v2.Config.EtaFrac)

	// --load-instance: the user's folder follows the instance, a folder
	// lowdim wrote keeps the preset's eta (its instance was drawn for it).
	user := filepath.Join(dir, "user")
	require.NoError(t, os.Mkdir(user, 0o755))
	saveMatrix(t, filepath.Join(user, "target.npy"), phi)
	var run struct {
		Config struct {
			Eta     float64 `json:"eta"`
			EtaFrac float64 `json:"eta_frac"`
			R       int     `json:"r"`
		} `json:"config"`
	}
	code, _, stderr = lowdim(t, "run", "--load-instance", user, "--steps", "10", "--quiet", "--out", filepath.Join(dir, "r1"))
	require.Equal(t, exitOK, code, stderr)
	readJSON(t, filepath.Join(dir, "r1", "run.json"), &run)
	require.Equal(t, config.DefaultUserEtaFrac, run.Config.EtaFrac)
	require.Equal(t, 2, run.Config.R, "r is the file's numerical rank, not the preset's")
	saved := filepath.Join(dir, "saved")
	code, _, stderr = lowdim(t, "run", "--d", "12", "--r", "2", "--steps", "10", "--quiet", "--out", filepath.Join(dir, "r2"), "--save-instance", saved)
	require.Equal(t, exitOK, code, stderr)
	code, _, stderr = lowdim(t, "run", "--load-instance", saved, "--steps", "10", "--quiet", "--out", filepath.Join(dir, "r3"))
	require.Equal(t, exitOK, code, stderr)
	run.Config.EtaFrac = 0 // absent from the file when it is 0
	readJSON(t, filepath.Join(dir, "r3", "run.json"), &run)
	require.Zero(t, run.Config.EtaFrac)
	p, err := config.LookupPreset("paper-mf-fast")
	require.NoError(t, err)
	require.Equal(t, p.Runs[0].Eta, run.Config.Eta)
}

// derivedKeys lists the keys of the values the instance's files fixed.
func derivedKeys(in results.InstanceInfo) []string {
	var ks []string
	for _, d := range in.Derived {
		ks = append(ks, d.Key)
	}
	return ks
}

// TestLoadInstanceDerived (load-instance-lop-probe-d,
// load-instance-mc-p-not-from-mask): a loaded instance takes its shape, its
// rank (numerical, when --r is not given) and the mask's p from its files,
// and says so in the header and in run.json, naming the file.
func TestLoadInstanceDerived(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		header string
		keys   []string
	}{
		{"lop probe d", []string{"--load-instance", mfRank1, "--methods", "original,lop", "--steps", "100"},
			"MF d=8 r=1 ", []string{"d", "r", "eta"}},
		{"mc p from mask", []string{"--load-instance", mc12, "--workload", "mc", "--methods", "compressed", "--steps", "10"},
			"MC d=6 r=1 r̂=2 L=3 p=0.333", []string{"d", "r", "p", "eta"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := lowdim(t, append(append([]string{"run"}, tt.args...), "--quiet", "--out", out)...)
			require.Equal(t, exitOK, code, stderr)
			require.Contains(t, stdout, tt.header)
			require.Contains(t, stdout, "from the files:")
			require.Contains(t, stdout, "target.npy")
			run, err := results.ReadRun(filepath.Join(out, "run.json"))
			require.NoError(t, err)
			require.Equal(t, tt.keys, derivedKeys(*run.Instance))
			for _, d := range run.Instance.Derived {
				require.Contains(t, d.From, "instance", "%s names the file or folder", d.Key)
			}
		})
	}
}

// experimentInstance draws the instance of c.
func experimentInstance(t *testing.T, c config.Config) *instance.Instance {
	t.Helper()
	in, err := instance.Build(c)
	require.NoError(t, err)
	return in
}

// TestVerifySaveModelCentered: a list of entries centered before training
// (--center global) is saved with its centering (means.npy, the training
// mean), and lowdim predict gives values in the data's units: the product
// plus the mean, as close to the file's values as the recorded RMSE says.
func TestVerifySaveModelCentered(t *testing.T) {
	dir := t.TempDir()
	phi := rank2Target(t) // 20 x 20, singular values 3 and 2
	const offset = 3.0    // ratings-like values around 3
	var b strings.Builder
	b.WriteString("row,col,value\n")
	type entry struct {
		i, j int
		v    float64
	}
	var entries []entry
	for i := range 20 {
		for j := range 20 {
			if (i*7+j*3)%5 < 3 { // 60% of the entries, every row and column
				v := phi.At(i, j) + offset
				entries = append(entries, entry{i + 1, j + 1, v})
				fmt.Fprintf(&b, "%d,%d,%s\n", i+1, j+1, strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
	}
	list := writeFile(t, dir, "ratings.csv", b.String())
	models, out := filepath.Join(dir, "models"), filepath.Join(dir, "out")
	code, stdout, stderr := lowdim(t, "verify", "--workload", "mc", "--target", list, "--r", "2", "--r-hat", "4",
		"--center", "global", "--steps", "4000", "--quiet", "--out", out, "--save-model", models)
	require.Contains(t, []int{exitOK, exitFailure}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	var idx modelsFile
	readJSON(t, filepath.Join(models, modelsIndex), &idx)
	folder := ""
	for _, e := range idx.Models {
		if e.Network == "compressed r_hat=4" {
			folder = e.Folder
		}
	}
	require.NotEmpty(t, folder, "%+v", idx)
	m, err := model.Load(filepath.Join(models, folder))
	require.NoError(t, err)
	require.Equal(t, model.CenterGlobal, m.Centering.Kind)
	require.Len(t, m.Centering.Means, 1)
	require.InDelta(t, offset, m.Centering.Means[0], 0.5, "the mean of the training values (the target's own mean is small)")
	require.NotNil(t, m.Errors.HeldOut, "a list of entries is known only on them: its error is the held-out one")
	require.NotNil(t, m.Errors.RMSE)

	var pb strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&pb, "%d,%d\n", e.i, e.j)
	}
	code, predOut, stderr := lowdim(t, "predict", "--model", filepath.Join(models, folder), "--entries", writeFile(t, dir, "pairs.csv", pb.String()))
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(predOut), "\n")[1:]
	require.Len(t, lines, len(entries))
	p := m.Product()
	var sum float64
	for k, e := range entries {
		v, err := strconv.ParseFloat(strings.Split(lines[k], ",")[2], 64)
		require.NoError(t, err)
		require.InDelta(t, p.At(e.i-1, e.j-1), v, 1e-12*offset, "predict is the product with the mean added back")
		sum += (v - e.v) * (v - e.v)
	}
	rmse := math.Sqrt(sum / float64(len(entries)))
	// Over every entry of the file (most trained on), the error is at most
	// a few times the held-out RMSE recorded: in the data's units, not off
	// by the mean.
	require.Less(t, rmse, 3**m.Errors.RMSE+1e-6, "RMSE over the file's entries %g, recorded held-out RMSE %g", rmse, *m.Errors.RMSE)
}
