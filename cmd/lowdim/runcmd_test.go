package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/outdir"
)

// runJSON is the part of run.json the tests read.
type runJSON struct {
	Tool   string `json:"tool"`
	Config struct {
		Name     string   `json:"name"`
		Workload string   `json:"workload"`
		D        int      `json:"d"`
		R        int      `json:"r"`
		RHat     int      `json:"r_hat"`
		Eta      float64  `json:"eta"`
		EtaFrac  float64  `json:"eta_frac"`
		P        float64  `json:"p"`
		M        int      `json:"m"`
		Steps    int      `json:"steps"`
		Methods  []string `json:"methods"`
	} `json:"config"`
	Instance struct {
		Source    string  `json:"source"`
		Rows      int     `json:"rows"`
		TargetTop float64 `json:"target_top"`
		StableEta float64 `json:"stable_eta"`
	} `json:"instance"`
	Methods []struct {
		Method string   `json:"method"`
		Status string   `json:"status"`
		Steps  int      `json:"steps"`
		Params int      `json:"params"`
		Layers [][2]int `json:"layers"`
	} `json:"methods"`
}

func readRunJSON(t *testing.T, dir string) runJSON {
	t.Helper()
	var r runJSON
	readJSON(t, filepath.Join(dir, "run.json"), &r)
	return r
}

// readJSON decodes the JSON file path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), "%s does not parse", path)
}

// readCSV reads trajectories.csv as records, the header first.
func readCSV(t *testing.T, dir string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "trajectories.csv"))
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll() // also checks equal field counts
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	return recs
}

// withoutSeconds drops the seconds column (the third) of CSV records.
func withoutSeconds(recs [][]string) [][]string {
	out := make([][]string, len(recs))
	for i, r := range recs {
		out[i] = slices.Delete(slices.Clone(r), 2, 3)
	}
	return out
}

// requireNoTempFiles fails if dir, or its parent, holds a name starting
// with "." other than lowdim's marker (outdir.Marker): the prefix of the
// temporary files of atomic writes and of the lock files and staging
// folders beside an output folder.
func requireNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		entries, err := os.ReadDir(d)
		require.NoError(t, err)
		for _, e := range entries {
			require.False(t, strings.HasPrefix(e.Name(), ".") && e.Name() != outdir.Marker, "temporary file %s left in %s", e.Name(), d)
		}
	}
}

var figureFiles = []string{
	"error_vs_step.svg", "error_vs_step.png",
	"error_vs_time.svg", "error_vs_time.png",
	"loss_vs_step.svg", "loss_vs_step.png",
}

func requireFigures(t *testing.T, dir string) {
	t.Helper()
	for _, name := range figureFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		if strings.HasSuffix(name, ".png") {
			require.True(t, bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")), "%s is not a PNG", name)
		} else {
			require.Contains(t, string(b), "<svg", "%s is not an SVG", name)
		}
	}
}

var validStatuses = []string{"converged", "max-steps", "diverged"}

func TestRunTiny(t *testing.T) {
	for _, w := range []string{"mf", "mc", "ms"} {
		t.Run(w, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := lowdim(t, "run", "--workload", w, "--d", "12", "--r", "2", "--steps", "200", "--out", dir, "--quiet")
			require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
			require.Empty(t, stderr, "--quiet writes nothing to stderr")
			require.Contains(t, stdout, strings.ToUpper(w)+" d=12 r=2")

			r := readRunJSON(t, dir)
			require.Equal(t, "lowdim", r.Tool)
			require.Equal(t, w, r.Config.Workload)
			require.Equal(t, 12, r.Config.D)
			require.Equal(t, 2, r.Config.R)
			require.Equal(t, 4, r.Config.RHat, "r-hat defaults to 2r, not the preset's")
			require.Equal(t, 200, r.Config.Steps)
			require.Equal(t, 12, r.Instance.Rows)

			// Parameter counts (DESIGN.md section 2) at d = 12, r-hat = 4,
			// L = 3: original L d^2 = 3*144 = 432; compressed and narrow
			// 2 d rh + (L-2) rh^2 = 96 + 16 = 112; Burer-Monteiro 2 d rh = 96.
			wantParams := map[string]int{"original": 432, "compressed": 112, "narrow": 112, "bm": 96}
			var methods []string
			steps := map[string]int{}
			for _, m := range r.Methods {
				methods = append(methods, m.Method)
				require.Contains(t, validStatuses, m.Status, "status of %s", m.Method)
				require.Equal(t, wantParams[m.Method], m.Params, "params of %s", m.Method)
				require.LessOrEqual(t, m.Steps, 200)
				steps[m.Method] = m.Steps
			}
			require.Equal(t, []string{"original", "compressed", "narrow", "bm"}, methods)
			require.Equal(t, [][2]int{{4, 12}, {4, 4}, {12, 4}}, r.Methods[1].Layers, "compressed layers, W1 first")

			recs := readCSV(t, dir)
			require.Equal(t, []string{"method", "step", "seconds", "train_loss", "recovery_error", "test_loss"}, recs[0][:6])
			rows := map[string][][]string{}
			for _, rec := range recs[1:] {
				rows[rec[0]] = append(rows[rec[0]], rec)
			}
			require.Len(t, rows, 4, "rows for each method and nothing else")
			for _, m := range methods {
				require.NotEmpty(t, rows[m], "rows of %s", m)
				require.Equal(t, "0", rows[m][0][1], "%s starts at step 0", m)
				if w == "mc" {
					require.NotEmpty(t, rows[m][0][5], "mc records a test loss")
				} else {
					require.Empty(t, rows[m][0][5], "only mc has a test loss")
				}
			}
			for _, m := range r.Methods {
				if m.Status != "diverged" {
					last := rows[m.Method][len(rows[m.Method])-1]
					require.Equal(t, strconv.Itoa(steps[m.Method]), last[1], "%s: the last step is recorded", m.Method)
				}
			}

			requireFigures(t, dir)
			requireNoTempFiles(t, dir)
		})
	}
}

func TestRunQuickPreset(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := lowdim(t, "run", "--preset", "quick", "--out", dir, "--quiet", "--steps", "100")
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
	for _, w := range []string{"mf", "mc", "ms"} {
		sub := filepath.Join(dir, w)
		r := readRunJSON(t, sub)
		require.Equal(t, w, r.Config.Name)
		require.Equal(t, w, r.Config.Workload)
		require.Equal(t, 100, r.Config.Steps, "--steps overrides every run of the preset")
		require.Len(t, r.Methods, 4)
		readCSV(t, sub)
		requireFigures(t, sub)
		requireNoTempFiles(t, sub)
		require.Contains(t, stdout, "-> "+sub)
	}
}

// writeConfig writes a TOML config file and returns its path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lowdim.toml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestRunConfigFile(t *testing.T) {
	const mcFile = "d = 12\nr = 2\nsteps = 50\nworkload = \"mc\"\np = 0.5\n"
	const mfFile = "# mf: the workload of the default preset\nd = 12\nr = 2\nsteps = 50\neta = 0.01\nmethods = [\"original\", \"compressed\"]\n"
	tests := []struct {
		name      string
		file      string
		flags     []string
		workload  string
		steps     int
		eta       float64 // 0: not checked
		p         float64 // 0: not checked
		methods   []string
		presetRun string // the subfolder of a preset of several runs
	}{
		{name: "mc from the file", file: mcFile, workload: "mc", steps: 50, p: 0.5, methods: []string{"original", "compressed", "narrow", "bm"}},
		{name: "mc, a flag overrides the file", file: mcFile, flags: []string{"--steps", "30"}, workload: "mc", steps: 30, p: 0.5, methods: []string{"original", "compressed", "narrow", "bm"}},
		{name: "mf from the file", file: mfFile, workload: "mf", steps: 50, eta: 0.01, methods: []string{"original", "compressed"}},
		{name: "mf, flags override the file", file: mfFile, flags: []string{"--steps", "30", "--methods", "bm"}, workload: "mf", steps: 30, eta: 0.01, methods: []string{"bm"}},
		{name: "the file overrides the preset it names", file: "preset = \"quick\"\nsteps = 20\n", workload: "ms", steps: 20, presetRun: "ms", methods: []string{"original", "compressed", "narrow", "bm"}},
		{name: "the file overrides the preset flag", file: "steps = 20\nmethods = [\"compressed\"]\n", flags: []string{"--preset", "quick"}, workload: "mc", steps: 20, presetRun: "mc", methods: []string{"compressed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, tt.file)
			dir := filepath.Join(t.TempDir(), "out")
			args := append([]string{"run", "--config", cfg, "--out", dir, "--quiet"}, tt.flags...)
			code, _, stderr := lowdim(t, args...)
			require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
			r := readRunJSON(t, filepath.Join(dir, tt.presetRun))
			require.Equal(t, tt.workload, r.Config.Workload)
			require.Equal(t, tt.steps, r.Config.Steps)
			if tt.presetRun == "" {
				require.Equal(t, 12, r.Config.D, "d from the file, not the preset")
				require.Equal(t, 2, r.Config.R)
			}
			if tt.eta != 0 {
				require.Equal(t, tt.eta, r.Config.Eta)
			}
			if tt.p != 0 {
				require.Equal(t, tt.p, r.Config.P)
			}
			require.Equal(t, tt.methods, r.Config.Methods)
		})
	}
}

func TestRunConfigFileErrors(t *testing.T) {
	tests := []struct {
		name string
		file string // "" : no such file
		want []string
	}{
		{"unknown key", "d = 12\nbogus = 3\n", []string{`"bogus"`}},
		{"malformed", "d = = 3\n", []string{"line 1"}},
		{"wrong type", "d = \"twelve\"\n", []string{"d"}},
		{"missing file", "", []string{"no such file"}},
		{"invalid value", "d = 12\nr = 2\nr-hat = 4\neps = -1\n", []string{"--eps -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.toml")
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			dir := filepath.Join(t.TempDir(), "out")
			code, _, stderr := lowdim(t, "run", "--config", path, "--steps", "10", "--out", dir, "--quiet")
			require.Equal(t, exitUsage, code, "stderr:\n%s", stderr)
			if !strings.HasPrefix(tt.name, "invalid") {
				require.Contains(t, stderr, path, "the error names the file")
			}
			for _, w := range tt.want {
				require.Contains(t, stderr, w)
			}
			requireNoFile(t, filepath.Join(dir, "run.json"))
		})
	}
}

// tinyFlags are flags of a problem whose trajectories visibly move within
// 200 steps (eps = 0.3 skips the plateau of the default 1e-2 init).
func tinyFlags(w string) []string {
	f := []string{"--workload", w, "--d", "12", "--r", "2", "--steps", "200", "--eps", "0.3", "--quiet", "--seed", "5"}
	switch w {
	case "mf":
		f = append(f, "--eta", "0.05")
	case "mc":
		f = append(f, "--p", "0.5", "--eta", "3", "--alpha", "1")
	case "ms":
		f = append(f, "--m", "150", "--eta", "5")
	}
	return f
}

func TestRunSaveLoadInstance(t *testing.T) {
	for _, w := range []string{"mf", "mc", "ms"} {
		t.Run(w, func(t *testing.T) {
			tmp := t.TempDir()
			inst, out1, out2 := filepath.Join(tmp, "inst"), filepath.Join(tmp, "out1"), filepath.Join(tmp, "out2")
			args := append([]string{"run"}, tinyFlags(w)...)
			code, _, stderr := lowdim(t, append(args, "--out", out1, "--save-instance", inst)...)
			require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
			files := map[string]bool{}
			entries, err := os.ReadDir(inst)
			require.NoError(t, err)
			for _, e := range entries {
				files[e.Name()] = true
			}
			want := []string{"target.npy", "init_original_W1.npy", "init_original_W3.npy", "init_compressed_W3.npy", "init_narrow_W3.npy", "init_bm_W2.npy"}
			switch w {
			case "mc":
				want = append(want, "mask.npy")
			case "ms":
				want = append(want, "A.npy", "y.npy")
			}
			for _, f := range want {
				require.True(t, files[f], "%s missing from the instance folder (has %v)", f, files)
			}
			requireNoTempFiles(t, inst)

			// Every method's initial weights are in the folder: --eps is
			// refused with it (it would shape nothing), so it is dropped.
			code, _, stderr = lowdim(t, append(args, "--out", out2, "--load-instance", inst)...)
			require.Equal(t, exitUsage, code, "stderr:\n%s", stderr)
			require.Contains(t, stderr, "invalid --eps 0.3: does not apply to --load-instance")
			var load []string
			for i := 0; i < len(args); i++ {
				if args[i] == "--eps" {
					i++
					continue
				}
				load = append(load, args[i])
			}
			code, _, stderr = lowdim(t, append(load, "--out", out2, "--load-instance", inst)...)
			require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
			a, b := readCSV(t, out1), readCSV(t, out2)
			require.Greater(t, len(a), 5)
			require.Equal(t, withoutSeconds(a), withoutSeconds(b), "trajectories differ apart from seconds")
			require.NotEqual(t, a[1][4], a[len(a)-1][4], "the trajectories should move")
			require.Equal(t, "seed", readRunJSON(t, out1).Instance.Source)
			require.Equal(t, inst, readRunJSON(t, out2).Instance.Source)
		})
	}
}

// TestRunLoadInstanceTakesDFromFiles loads an instance without --d: the
// preset's d must not contradict the files (cmdRun skips validation with
// --load-instance because "d comes from the instance").
func TestRunLoadInstanceTakesDFromFiles(t *testing.T) {
	tmp := t.TempDir()
	inst := filepath.Join(tmp, "inst")
	code, _, stderr := lowdim(t, "run", "--d", "12", "--r", "2", "--steps", "20", "--quiet", "--out", filepath.Join(tmp, "out1"), "--save-instance", inst)
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
	out := filepath.Join(tmp, "out2")
	code, _, stderr = lowdim(t, "run", "--r", "2", "--steps", "20", "--quiet", "--out", out, "--load-instance", inst)
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
	require.Equal(t, 12, readRunJSON(t, out).Config.D)
}

func TestRunLoadInstanceErrors(t *testing.T) {
	tests := []struct {
		name     string
		workload string
		file     string
		corrupt  func(t *testing.T, path string)
		want     string
	}{
		{"truncated target", "mf", "target.npy", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, b[:len(b)-3], 0o644))
		}, "truncated"},
		{"missing target", "mf", "target.npy", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path))
		}, "no such file"},
		{"garbage mask", "mc", "mask.npy", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, []byte("not an npy file"), 0o644))
		}, "not a .npy file"},
		{"truncated y", "ms", "y.npy", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, b[:len(b)-8], 0o644))
		}, "truncated"},
		{"missing init layer", "mf", "init_compressed_W2.npy", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path))
		}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			inst := filepath.Join(tmp, "inst")
			args := append([]string{"run"}, tinyFlags(tt.workload)...)
			code, _, stderr := lowdim(t, append(args, "--steps", "1", "--out", filepath.Join(tmp, "out1"), "--save-instance", inst)...)
			require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
			path := filepath.Join(inst, tt.file)
			tt.corrupt(t, path)

			out := filepath.Join(tmp, "out2")
			code, _, stderr = lowdim(t, append(args, "--out", out, "--load-instance", inst)...)
			require.Equal(t, exitUsage, code, "stderr:\n%s", stderr)
			require.Contains(t, stderr, path, "the error names the file")
			require.Contains(t, stderr, tt.want)
			requireNoFile(t, filepath.Join(out, "run.json"))
		})
	}
}

// TestRunOutputNotWritable: an --out that cannot hold results is an input
// error (exit 2) found before training (TestOutCheckedBeforeWork has the
// cases of every command).
func TestRunOutputNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	code, _, stderr := lowdim(t, "run", "--d", "12", "--r", "2", "--steps", "5", "--quiet", "--out", file)
	require.Equal(t, exitUsage, code, "stderr:\n%s", stderr)
	require.Contains(t, stderr, "invalid --out "+file)
}

// TestRunEtaFrac: --eta-frac sets the learning rate from the instance,
// says so, records it, and refuses --eta beside it.
func TestRunEtaFrac(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := lowdim(t, "run", "--workload", "mc", "--d", "12", "--r", "2", "--steps", "50", "--eta-frac", "0.5",
		"--methods", "original,compressed", "--out", dir, "--quiet")
	require.Equal(t, exitOK, code, stderr)
	r := readRunJSON(t, dir)
	require.Equal(t, 0.5, r.Config.EtaFrac)
	require.Positive(t, r.Instance.TargetTop)
	require.InDelta(t, 0.5*r.Instance.StableEta, r.Config.Eta, 1e-12*r.Config.Eta)
	require.Contains(t, stdout, fmt.Sprintf("eta = %.4g: 0.5 of the stable learning rate %.4g", r.Config.Eta, r.Instance.StableEta))

	code, _, stderr = lowdim(t, "run", "--workload", "mc", "--eta", "3", "--eta-frac", "0.5", "--out", dir, "--quiet")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "invalid --eta-frac 0.5: --eta and --eta-frac both set the learning rate")
	code, _, stderr = lowdim(t, "verify", "--workload", "mf", "--eta-frac", "2.5", "--out", dir, "--quiet")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "invalid --eta-frac 2.5")
}

// TestRunEveryMethodDiverges: a finished run exits 0 even when every method
// diverges, but says so plainly: the dynamics checks are not evaluable and
// the closing line counts them apart, never "N pass, 0 fail" alone
// (kwon-bound is skipped by its regime: eta above 0.8 x the stable rate at
// depth 3).
func TestRunEveryMethodDiverges(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := lowdim(t, "run", "--workload", "mf", "--d", "20", "--r", "2", "--eta", "100", "--steps", "50", "--quiet", "--out", out)
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
	require.Contains(t, stdout, "status: every method diverged")
	require.Regexp(t, `checks: \d+ pass, 0 fail, \d+ skipped, [1-9]\d* not evaluable`, stdout)
	require.Regexp(t, `kwon-bound +compressed +skipped +- +- +- +depth 3 with eta = \S+ x the stable rate \(> 0.8\)`, stdout)
}
