package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/idx"
)

func TestMLPPresetArg(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--preset", "fmnist"}, "fmnist"},
		{[]string{"--quiet", "-preset", "mnist", "--eta", "1"}, "mnist"},
		{[]string{"--preset=fmnist"}, "fmnist"},
		{[]string{"-preset=paper-mf"}, "paper-mf"},
		{[]string{"--preset"}, ""},
		{[]string{"--", "--preset", "fmnist"}, ""},
		{[]string{"--d", "12"}, ""},
	} {
		require.Equal(t, tt.want, mlpPresetArg(tt.args), "%q", tt.args)
	}
	require.True(t, isMLPPreset([]string{"--preset", "mnist"}))
	require.False(t, isMLPPreset([]string{"--preset", "quick"}))
}

// mlpData writes a synthetic IDX data set (4 classes of 6 x 6 images).
func mlpData(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, idx.WriteDir(dir, idx.Synthetic(4, 6, 160, 80, 80, 3), true))
	return dir
}

// mlpTiny are flags that shrink the fmnist preset to the synthetic data.
func mlpTiny(data, out string) []string {
	return []string{"run", "--preset", "fmnist", "--data", data, "--out", out, "--quiet",
		"--width", "16", "--width2", "8", "--r-hat", "4", "--batch", "16", "--epochs", "1", "--latency-seconds", "0"}
}

func TestRunMLPTiny(t *testing.T) {
	data, out := mlpData(t), filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := lowdim(t, mlpTiny(data, out)...)
	require.Equal(t, exitOK, code, stderr)
	require.Empty(t, stderr)
	require.Contains(t, stdout, "data: IDX files in "+data+" (--data)")
	require.Contains(t, stdout, "cdln-speedup")
	var rec struct {
		Config struct {
			Preset string   `json:"preset"`
			Width  int      `json:"width"`
			Method []string `json:"methods"`
		} `json:"mlp_config"`
		Methods []struct {
			Method string `json:"method"`
			Steps  int    `json:"steps"`
		} `json:"methods"`
	}
	readJSON(t, filepath.Join(out, "run.json"), &rec)
	require.Equal(t, "fmnist", rec.Config.Preset)
	require.Equal(t, 16, rec.Config.Width)
	require.Len(t, rec.Methods, 3)
	require.Equal(t, 160/16, rec.Methods[2].Steps)
	for _, f := range []string{"trajectories.csv", "accuracy_vs_time.svg", "loss_vs_step.png"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	requireNoTempFiles(t, out)

	// Not a terminal and not quiet: one line per method on stderr.
	out2 := filepath.Join(t.TempDir(), "out")
	args := append(mlpTiny(data, out2), "--methods", "cdln")
	args = append(args[:0:0], args...)
	for i, a := range args {
		if a == "--quiet" {
			args = append(args[:i], args[i+1:]...)
			break
		}
	}
	code, _, stderr = lowdim(t, args...)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, "cdln")
	require.Contains(t, stderr, "10 steps in")
}

// TestRunMLPFailedCheckExitsZero: a finished run whose checks fail exits
// 0. With --r-hat equal to --width the cdln block has dln's shapes, so
// dln's CPU time over cdln's is about 1, far below the 1.8 cdln-speedup
// asks: the check fails on any machine, and the run still exits 0. The
// block is 128 wide and trains 200 steps (about 10^9 flops per variant,
// tenths of a second) so that CPU time is measured, not noise (a few
// milliseconds are not: 16 wide and 10 steps gave a "speed-up" of 4.8).
func TestRunMLPFailedCheckExitsZero(t *testing.T) {
	data, out := mlpData(t), filepath.Join(t.TempDir(), "out")
	args := append(withoutFlag(mlpTiny(data, out), "--epochs"), "--methods", "dln,cdln", "--width", "128", "--r-hat", "128", "--steps", "200")
	code, stdout, stderr := lowdim(t, args...)
	require.Equal(t, exitOK, code, stderr)
	var rec struct {
		Checks []struct {
			Name     string `json:"name"`
			Status   string `json:"status"`
			Quantity string `json:"quantity"`
			Detail   string `json:"detail"`
		} `json:"checks"`
	}
	readJSON(t, filepath.Join(out, "run.json"), &rec)
	found := false
	for _, c := range rec.Checks {
		if c.Name == "cdln-speedup" {
			found = true
			t.Logf("%s: %s", c.Status, c.Detail)
			require.Equal(t, "fail", c.Status, "%+v", c)
			require.Contains(t, c.Quantity, "CPU time")
			require.Contains(t, c.Detail, "wall time dln ")
		}
	}
	require.True(t, found, "no cdln-speedup check in %+v", rec.Checks)
	require.Contains(t, stdout, "cdln-speedup")
}

func TestRunMLPBadInput(t *testing.T) {
	data := mlpData(t)
	truncated := t.TempDir()
	require.NoError(t, idx.WriteDir(truncated, idx.Synthetic(4, 6, 160, 80, 80, 3), false))
	labels := filepath.Join(truncated, "t10k-labels-idx1-ubyte")
	require.NoError(t, os.WriteFile(labels, idx.Encode([]int{79}, make([]byte, 79)), 0o644))
	tests := []struct {
		name string
		args []string // after the tiny base
		want string   // substring of stderr
	}{
		{"width zero", []string{"--width", "0"}, "invalid --width 0"},
		{"r-hat above width", []string{"--r-hat", "17"}, "invalid --r-hat 17"},
		{"unknown method", []string{"--methods", "original,wide"}, `invalid --methods original,wide: unknown method "wide"`},
		{"eta negative", []string{"--eta", "-1"}, "invalid --eta -1"},
		{"momentum one", []string{"--momentum", "1"}, "invalid --momentum 1"},
		{"schedule", []string{"--schedule", "step"}, "invalid --schedule step"},
		{"depth one", []string{"--depth", "1"}, "invalid --depth 1"},
		{"batch above rows", []string{"--batch", "161"}, "invalid --batch 161: exceeds the 160 training rows"},
		{"not a number", []string{"--alpha", "big"}, `"big"`},
		{"unknown flag", []string{"--workload", "mf"}, "-workload"},
		{"second preset", []string{"--preset", "mnist"}, `--preset given as both "fmnist" and "mnist"`},
		{"missing folder", []string{"--data", filepath.Join(data, "nope")}, "nope"},
		{"label count mismatch", []string{"--data", truncated}, labels + ": files do not match: 79 labels for 80 images"},
		{"extra argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := lowdim(t, append(mlpTiny(data, out), tt.args...)...)
			require.Equal(t, exitUsage, code, stderr)
			require.Contains(t, stderr, tt.want)
			requireNoFile(t, filepath.Join(out, "run.json"))
		})
	}
}

func TestRunMLPHelp(t *testing.T) {
	code, _, stderr := lowdim(t, "run", "--preset", "mnist", "-h")
	require.Equal(t, exitOK, code)
	require.Contains(t, stderr, "lowdim run --preset fmnist|mnist")
	require.Contains(t, stderr, "-r-hat")
}

// TestRunMLPConfigFile: a --config file picks the MLP preset and sets its
// flags by name; flags on the command line override it.
func TestRunMLPConfigFile(t *testing.T) {
	data := mlpData(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mlp.toml")
	require.NoError(t, os.WriteFile(cfg, []byte(`preset = "fmnist"
data = "`+data+`"
methods = ["original", "cdln"]
width = 16
width2 = 8
r-hat = 4
batch = 16
epochs = 1
eta = 0.05
latency-seconds = 0
standardize = false
`), 0o644))
	require.Equal(t, "fmnist", mlpPresetArg([]string{"--config", cfg}))
	out := filepath.Join(dir, "out")
	code, _, stderr := lowdim(t, "run", "--config", cfg, "--width", "12", "--quiet", "--out", out)
	require.Equal(t, exitOK, code, stderr)
	var rec struct {
		Config struct {
			Preset      string   `json:"preset"`
			Width       int      `json:"width"`
			RHat        int      `json:"r_hat"`
			Eta         float64  `json:"eta"`
			Standardize bool     `json:"standardize"`
			Methods     []string `json:"methods"`
		} `json:"mlp_config"`
	}
	readJSON(t, filepath.Join(out, "run.json"), &rec)
	require.Equal(t, "fmnist", rec.Config.Preset)
	require.Equal(t, 12, rec.Config.Width, "the flag overrides the file")
	require.Equal(t, 4, rec.Config.RHat)
	require.Equal(t, 0.05, rec.Config.Eta)
	require.False(t, rec.Config.Standardize)
	require.Equal(t, []string{"original", "cdln"}, rec.Config.Methods)

	for _, tt := range []struct{ name, text, want string }{
		{"unknown key", "preset = \"fmnist\"\nwidht = 3\n", `unknown key "widht"`},
		{"bad value", "preset = \"fmnist\"\nwidth = \"wide\"\n", `key "width": invalid value "wide"`},
		{"table value", "preset = \"fmnist\"\n[width]\nx = 1\n", `key "width": a map[string]interface {} value`},
		{"invalid by validation", "preset = \"fmnist\"\nmomentum = 1.5\n", "invalid --momentum 1.5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.toml")
			require.NoError(t, os.WriteFile(p, []byte(tt.text), 0o644))
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := lowdim(t, "run", "--config", p, "--data", data, "--quiet", "--out", out)
			require.Equal(t, exitUsage, code, stderr)
			require.Contains(t, stderr, tt.want)
			requireNoFile(t, filepath.Join(out, "run.json"))
		})
	}
}

// withoutFlag returns args without the flag name and its value.
func withoutFlag(args []string, name string) []string {
	i := slices.Index(args, name)
	if i < 0 {
		return args
	}
	return append(slices.Clone(args[:i]), args[i+2:]...)
}
