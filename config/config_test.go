package config_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/methods"
	"github.com/stretchr/testify/require"
)

// requireConfigError fails unless err is a *config.ConfigError for flag whose
// message shows "--<flag> <value>", the form a user typed.
func requireConfigError(t *testing.T, err error, flag, value string) {
	t.Helper()
	require.Error(t, err)
	var ce *config.ConfigError
	require.True(t, errors.As(err, &ce), "error %q (%T) is not a *config.ConfigError", err, err)
	require.Equal(t, flag, ce.Flag, "flag of %q", err)
	require.Contains(t, err.Error(), "--"+flag+" "+value)
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *config.Config)
		flag  string
		value string // as it appears after --flag in the message
	}{
		{"r equal to d", func(c *config.Config) { c.R, c.Spectrum = 12, "top" }, "r", "12"},
		{"r above d", func(c *config.Config) { c.R, c.Spectrum = 13, "top" }, "r", "13"},
		{"r zero", func(c *config.Config) { c.R = 0 }, "r", "0"},
		{"r-hat zero", func(c *config.Config) { c.RHat = 0 }, "r-hat", "0"},
		{"r-hat negative", func(c *config.Config) { c.RHat = -1 }, "r-hat", "-1"},
		{"r-hat above d", func(c *config.Config) { c.RHat = 13 }, "r-hat", "13"},
		{"eps zero", func(c *config.Config) { c.Eps = 0 }, "eps", "0"},
		{"eps negative", func(c *config.Config) { c.Eps = -1 }, "eps", "-1"},
		{"eps NaN", func(c *config.Config) { c.Eps = math.NaN() }, "eps", "NaN"},
		{"eta zero", func(c *config.Config) { c.Eta = 0 }, "eta", "0"},
		{"eta infinite", func(c *config.Config) { c.Eta = math.Inf(1) }, "eta", "+Inf"},
		{"alpha zero", func(c *config.Config) { c.Alpha = 0 }, "alpha", "0"},
		{"p zero", func(c *config.Config) { c.Workload, c.Params = "mc", config.Params{"p": 0.0} }, "p", "0"},
		{"p above one", func(c *config.Config) { c.Workload, c.Params = "mc", config.Params{"p": 1.5} }, "p", "1.5"},
		{"m zero for ms", func(c *config.Config) { c.Workload, c.Params = "ms", config.Params{"m": 0} }, "m", "0"},
		{"noise negative", func(c *config.Config) { c.Workload, c.Params = "ms", config.Params{"m": 10, "noise": -0.1} }, "noise", "-0.1"},
		{"m not an integer", func(c *config.Config) { c.Workload, c.Params = "ms", config.Params{"m": 1.5} }, "m", "1.5"},
		{"parameter of no workload", func(c *config.Config) { c.Set("zeta", 1.0) }, "zeta", "1"},
		{"unknown workload", func(c *config.Config) { c.Workload = "xx" }, "workload", "xx"},
		{"unknown loss", func(c *config.Config) { c.Set("loss", "median") }, "loss", "median"},
		{"sum loss on mc", func(c *config.Config) { c.Workload = "mc"; c.Set("p", 0.5) }, "loss", "sum"},
		{"unknown spectrum", func(c *config.Config) { c.Spectrum = "band" }, "spectrum", "band"},
		{"geometric ratio above one", func(c *config.Config) { c.Spectrum, c.Ratio = "geometric", 2 }, "ratio", "2"},
		{"unknown method", func(c *config.Config) { c.Methods = []string{methods.Original, "foo"} }, "methods", "original,foo"},
		{"duplicate method", func(c *config.Config) { c.Methods = []string{methods.Original, methods.Compressed, methods.Original} }, "methods", "original,compressed,original"},
		{"no method", func(c *config.Config) { c.Methods = []string{} }, "methods", ""},
		{"name leaving --out", func(c *config.Config) { c.Name = "../escape" }, "name", "../escape"},
		{"name with a separator", func(c *config.Config) { c.Name = "a/b" }, "name", "a/b"},
		{"name dot-dot", func(c *config.Config) { c.Name = ".." }, "name", ".."},
		{"ratio NaN", func(c *config.Config) { c.Ratio = math.NaN() }, "ratio", "NaN"},
		// d = 12: the spread target takes every (d/2r)-th singular triplet,
		// so it needs 2r <= d; r = 7 breaks it while r < d holds.
		{"spread with r above d/2", func(c *config.Config) { c.R, c.RHat = 7, 7 }, "r", "7"},
		{"d one", func(c *config.Config) { c.D, c.R, c.RHat = 1, 1, 1 }, "d", "1"},
		{"depth one", func(c *config.Config) { c.Depth = 1 }, "depth", "1"},
		// config.MaxDepth = 64: one above, and the newcomer's 100000.
		{"depth above MaxDepth", func(c *config.Config) { c.Depth = config.MaxDepth + 1 }, "depth", "65"},
		{"depth 100000", func(c *config.Config) { c.Depth = 100000 }, "depth", "100000"},
		{"steps negative", func(c *config.Config) { c.Steps = -1 }, "steps", "-1"},
		{"tol negative", func(c *config.Config) { c.Tol = -1e-3 }, "tol", "-0.001"},
		{"every zero", func(c *config.Config) { c.Every = 0 }, "every", "0"},
		{"svals above d", func(c *config.Config) { c.SVals = 13 }, "svals", "13"},
		{"svals negative", func(c *config.Config) { c.SVals = -1 }, "svals", "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tinyConfig("mf").WithDefaults()
			require.NoError(t, c.Validate(), "the base configuration must be valid")
			tt.edit(&c)
			requireConfigError(t, c.Validate(), tt.flag, tt.value)
		})
	}
}

func TestValidateAcceptsTinyConfigs(t *testing.T) {
	for _, w := range config.WorkloadNames() {
		t.Run(w, func(t *testing.T) {
			require.NoError(t, tinyConfig(w).WithDefaults().Validate())
		})
	}
}

func TestWithDefaults(t *testing.T) {
	got := config.Config{D: 12, R: 2, Eta: 1, Steps: 500}.WithDefaults()
	require.Equal(t, "mf", got.Workload)
	require.Equal(t, "mean", got.Text("loss"))
	require.Equal(t, "spread", got.Spectrum)
	require.Equal(t, 4, got.RHat, "r-hat defaults to 2r")
	require.Equal(t, 3, got.Depth)
	require.Equal(t, 1e-2, got.Eps)
	require.Equal(t, 1.0, got.Alpha)
	require.Equal(t, 5, got.Every, "every defaults to steps/100")
	require.Equal(t, config.DefaultMethods(), got.Methods)
}

func TestPresetsValidate(t *testing.T) {
	ps := config.Presets()
	require.NotEmpty(t, ps)
	for _, p := range ps {
		require.NotEmpty(t, p.Runs, "preset %s", p.Name)
		for i, c := range p.Runs {
			t.Run(fmt.Sprintf("%s/%d-%s", p.Name, i, c.Name), func(t *testing.T) {
				require.NoError(t, c.WithDefaults().Validate())
			})
		}
	}
}

func TestLookupPreset(t *testing.T) {
	for _, name := range config.PresetNames() {
		p, err := config.LookupPreset(name)
		require.NoError(t, err, name)
		require.Equal(t, name, p.Name)
	}
	_, err := config.LookupPreset("nope")
	requireConfigError(t, err, "preset", "nope")

	// Presets and LookupPreset hand out copies: editing one leaves the table.
	p, err := config.LookupPreset("quick")
	require.NoError(t, err)
	p.Runs[0].D = 1
	again, err := config.LookupPreset("quick")
	require.NoError(t, err)
	require.NotEqual(t, 1, again.Runs[0].D)
}

// TestResolveRefusesCases: the bad-inputs cases of ../shared/cases
// (testdata/cases): a run name that leaves --out and a negative seed, each
// refused naming the key and the value; and a list given empty, from a
// flag or a file, is an error, never the default.
func TestResolveRefusesCases(t *testing.T) {
	for _, tc := range []struct {
		file, want string
	}{
		{"testdata/cases/bad-inputs_name_escape.toml", "--name ../escape"},
		{"testdata/cases/bad-inputs_seed_neg.toml", "seed"},
	} {
		runs, err := config.Resolve(config.Layers{File: tc.file})
		if err == nil {
			// Resolved: each run must fail validation.
			for _, c := range runs {
				if err = c.WithDefaults().Validate(); err != nil {
					break
				}
			}
		}
		require.Error(t, err, tc.file)
		require.Contains(t, err.Error(), tc.want, tc.file)
	}
	for _, v := range []string{"", ",", " , ,"} {
		f, ok := config.LookupField("methods")
		require.True(t, ok)
		_, err := f.Parse(v)
		require.Error(t, err, "--methods %q", v)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "empty.toml")
	require.NoError(t, os.WriteFile(file, []byte("methods = []\n"), 0o644))
	_, err := config.Resolve(config.Layers{File: file})
	require.Error(t, err)
	require.Contains(t, err.Error(), "methods")
	require.Contains(t, err.Error(), "empty")
}

// TestResolveUnused: a value given that no run of the preset uses is
// refused naming it, its value and why; in a preset of several runs a
// value is given to the runs that use it and the others keep the preset's.
func TestResolveUnused(t *testing.T) {
	for _, tt := range []struct {
		name  string
		l     config.Layers
		flag  string
		value string
		why   string
	}{
		{"p on mf", config.Layers{Flags: map[string]any{"p": 0.5}}, "p", "0.5", "does not apply to --workload mf (it is a parameter of mc)"},
		{"p on ms", config.Layers{Flags: map[string]any{"workload": "ms", "p": 0.5}}, "p", "0.5", "--workload ms"},
		{"alpha without compressed", config.Layers{Flags: map[string]any{"methods": []string{"original"}, "alpha": 2.0}}, "alpha", "2", "it is used only by compressed"},
		{"gamma in verify", config.Layers{Flags: map[string]any{"gamma": 1.0}, Command: "lowdim verify", Methods: []string{"original", "compressed"}},
			"gamma", "1", "does not apply to lowdim verify, which trains original and compressed (it is used only by lop)"},
		{"ratio off geometric", config.Layers{Flags: map[string]any{"ratio": 0.3}}, "ratio", "0.3", "--spectrum spread"},
		{"spectrum from files", config.Layers{Flags: map[string]any{"spectrum": "top"}, Loading: true}, "spectrum", "top", "instance from files"},
		{"noise from files", config.Layers{Flags: map[string]any{"workload": "ms", "noise": 0.1}, Loading: true}, "noise", "0.1", "instance from files"},
		{"storage on mf", config.Layers{Flags: map[string]any{"storage": "dense"}}, "storage", "dense", "--workload mf"},
		{"r-hat used by no run of quick", config.Layers{Preset: "quick", Flags: map[string]any{"methods": []string{"original"}, "r-hat": 4}}, "r-hat", "4", "nor to the other runs of preset quick"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Resolve(tt.l)
			requireConfigError(t, err, tt.flag, tt.value)
			require.ErrorContains(t, err, tt.why)
		})
	}

	runs, err := config.Resolve(config.Layers{Preset: "quick", Flags: map[string]any{"p": 0.2}})
	require.NoError(t, err)
	for _, c := range runs {
		if c.Workload == "mc" {
			require.Equal(t, 0.2, c.Float("p"), "the mc run takes --p")
		} else {
			require.NotContains(t, c.Params, "p", "the %s run keeps the preset's parameters", c.Workload)
		}
	}
}

// TestParseUnderflow: a flag's number that parses as 0 but is not zero
// (below the smallest subnormal) is refused, never silently 0.
func TestParseUnderflow(t *testing.T) {
	f, ok := config.LookupField("eps")
	require.True(t, ok)
	for _, s := range []string{"1e-400", "-1e-330", "0x1p-1100"} {
		_, err := f.Parse(s)
		require.ErrorContains(t, err, "underflows to 0", s)
	}
	for _, s := range []string{"0", "-0", "0e10", "0x0p1", "5e-324"} {
		_, err := f.Parse(s)
		require.NoError(t, err, s)
	}
}
