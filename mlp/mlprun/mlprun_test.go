package mlprun

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/results"
)

// tinyConfig is the fmnist preset shrunk to the synthetic data set.
func tinyConfig(t *testing.T, dir string) Config {
	c, err := Preset("fmnist")
	require.NoError(t, err)
	c.Data = dir
	c.Width, c.Width2, c.RHat = 16, 8, 4
	c.Batch, c.Epochs, c.Every = 16, 6, 5
	c.LatencySeconds = 0
	return c
}

func syntheticDir(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, idx.WriteDir(dir, idx.Synthetic(4, 6, 160, 80, 80, 2), true))
	return dir
}

func TestPresets(t *testing.T) {
	require.Equal(t, []string{"fmnist", "mnist"}, Presets())
	for _, name := range Presets() {
		c, err := Preset(name)
		require.NoError(t, err)
		require.NoError(t, c.Validate(), name)
		require.Equal(t, name, c.Preset)
		require.True(t, IsPreset(name))
	}
	require.False(t, IsPreset("paper-mf"))
	_, err := Preset("cifar")
	require.ErrorContains(t, err, "invalid --preset cifar: unknown preset (want fmnist or mnist)")
}

func TestValidateNamesTheFlag(t *testing.T) {
	for _, tt := range []struct {
		flag string
		edit func(c *Config)
	}{
		{"methods", func(c *Config) { c.Methods = nil }},
		{"methods", func(c *Config) { c.Methods = []string{"dln", "wide"} }},
		{"methods", func(c *Config) { c.Methods = []string{"dln", "dln"} }},
		{"width", func(c *Config) { c.Width = 0 }},
		{"width2", func(c *Config) { c.Width2 = -1 }},
		{"depth", func(c *Config) { c.Depth = 1 }},
		{"r-hat", func(c *Config) { c.RHat = c.Width + 1 }},
		{"eps", func(c *Config) { c.Eps = 0 }},
		{"alpha", func(c *Config) { c.Alpha = -2 }},
		{"batch", func(c *Config) { c.Batch = 0 }},
		{"eta", func(c *Config) { c.Eta = 0 }},
		{"momentum", func(c *Config) { c.Momentum = 1 }},
		{"schedule", func(c *Config) { c.Schedule = "step" }},
		{"epochs", func(c *Config) { c.Epochs = 0 }},
		{"steps", func(c *Config) { c.Steps = -1 }},
		{"every", func(c *Config) { c.Every = -1 }},
		{"eval-rows", func(c *Config) { c.EvalRows = -1 }},
		{"train-rows", func(c *Config) { c.TrainRows = -1 }},
		{"latency-seconds", func(c *Config) { c.LatencySeconds = -1 }},
	} {
		c, _ := Preset("fmnist")
		tt.edit(&c)
		err := c.Validate()
		var ce *ConfigError
		require.True(t, errors.As(err, &ce), "%s: %v", tt.flag, err)
		require.Equal(t, tt.flag, ce.Flag)
		require.Contains(t, err.Error(), "invalid --"+tt.flag+" ")
	}
}

func TestLoadData(t *testing.T) {
	dir := syntheticDir(t)
	c := tinyConfig(t, dir)
	d, err := LoadData(c)
	require.NoError(t, err)
	require.Equal(t, "idx", d.Name)
	require.Contains(t, d.Source, dir)
	require.Equal(t, 160, d.Set.Train.N)

	c.Data = filepath.Join(dir, "missing")
	_, err = LoadData(c)
	require.ErrorIs(t, err, ErrData)

	bad := t.TempDir()
	require.NoError(t, idx.WriteDir(bad, idx.Synthetic(1, 2, 3, 3, 0, 1), false))
	c.Data = bad
	_, err = LoadData(c)
	require.ErrorContains(t, err, "1 class, need at least 2")
}

// TestLoadDataFallsBackToMNIST: without FashionMNIST the fmnist preset
// reads MNIST and says why.
func TestLoadDataFallsBackToMNIST(t *testing.T) {
	if _, err := idx.MNISTDir(); err != nil {
		testenv.Unavailablef(t, "MNIST not available: %v", err)
	}
	defer func(d string) { fashionDir = d }(fashionDir)
	fashionDir = filepath.Join(t.TempDir(), "fashion-mnist")
	c, _ := Preset("fmnist")
	d, err := LoadData(c)
	require.NoError(t, err)
	require.Equal(t, MNIST, d.Name)
	require.Contains(t, d.Source, "MNIST from ")
	require.Contains(t, d.Source, "FashionMNIST is not installed ("+fashionDir+" is missing")
	require.Equal(t, 10000, d.Set.Test.N)
}

// TestRun trains the three variants on the synthetic set and checks the
// record, the outputs and that the checks are evaluated.
func TestRun(t *testing.T) {
	c := tinyConfig(t, syntheticDir(t))
	d, err := LoadData(c)
	require.NoError(t, err)
	var log bytes.Buffer
	rec, err := Run(c, d, Options{Log: &log})
	require.NoError(t, err)
	require.Len(t, rec.Methods, 3)
	require.Equal(t, 3, strings.Count(log.String(), "steps in"))
	require.Equal(t, results.KindMLP, rec.Kind)
	for _, m := range rec.Methods {
		require.Equal(t, results.MaxSteps, m.Status, m.Method)
		require.Equal(t, 6*160/16, m.Steps)
		x := m.MLP
		require.NotNil(t, x, m.Method)
		require.NotNil(t, x.FinalTestAccuracy, m.Method)
		t.Logf("%s: test accuracy %v", m.Method, *x.FinalTestAccuracy)
		require.Greater(t, *x.FinalTestAccuracy, 0.6, m.Method) // chance: 0.25
		require.Equal(t, m.Steps*int(x.StepFlops), int(x.CountedFlops), m.Method)
		require.Greater(t, *x.LatencyBatch1, 0.0)
		require.Greater(t, *x.LatencyBatch256, 0.0)
		require.Equal(t, 80, x.Trajectory[len(x.Trajectory)-1].TestRows)
	}
	require.Equal(t, [][2]int{{16, 36}, {4, 16}, {4, 4}, {16, 4}, {8, 16}, {4, 8}}, rec.Method("cdln").Layers)
	require.Contains(t, rec.Ratios, "cdln/dln")
	require.Len(t, rec.Checks, 2)
	for _, ch := range rec.Checks {
		require.NotEqual(t, results.Skipped, ch.Status)
	}
	// cdln-speedup compares CPU seconds (exact: the same two numbers
	// divided), not wall seconds.
	wide, comp := rec.Method("dln").MLP.CPUSeconds, rec.Method("cdln").MLP.CPUSeconds
	require.NotNil(t, wide)
	require.NotNil(t, comp)
	require.Equal(t, "cdln-speedup", rec.Checks[1].Name)
	require.Equal(t, *wide / *comp, rec.Checks[1].Observed)
	require.Contains(t, rec.Checks[1].Detail, "wall time dln ")

	// run.json reads back to the record, every field.
	dir := t.TempDir()
	require.NoError(t, WriteOutputs(dir, rec))
	back, err := results.ReadRun(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	require.Equal(t, rec, back)
	require.Equal(t, c, *back.MLPConfig)
	for _, f := range []string{"accuracy_vs_step", "accuracy_vs_time", "loss_vs_step", "loss_vs_time"} {
		for _, ext := range []string{".svg", ".png"} {
			st, err := os.Stat(filepath.Join(dir, f+ext))
			require.NoError(t, err)
			require.Greater(t, st.Size(), int64(1000))
		}
	}
	csvb, err := os.ReadFile(filepath.Join(dir, "trajectories.csv"))
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(csvb)).ReadAll()
	require.NoError(t, err)
	n := 0
	for _, m := range rec.Methods {
		n += len(m.MLP.Trajectory)
	}
	require.Len(t, recs, 1+n)
	require.Equal(t, "method", recs[0][0])

	var out bytes.Buffer
	require.NoError(t, WriteSummary(&out, rec))
	for _, want := range []string{"original", "dln", "cdln", "cdln/dln: time ", "cdln-speedup", "checks: "} {
		require.Contains(t, out.String(), want)
	}
}

func TestRunBatchTooLarge(t *testing.T) {
	c := tinyConfig(t, syntheticDir(t))
	c.Batch = 161
	d, err := LoadData(c)
	require.NoError(t, err)
	_, err = Run(c, d, Options{})
	require.ErrorContains(t, err, "invalid --batch 161: exceeds the 160 training rows")
}

// TestClaimChecks covers pass, each way to fail, and skipping: the checks
// can fail. Times are chosen so that wall and CPU time disagree where it
// matters: cdln-speedup must follow the CPU seconds.
func TestClaimChecks(t *testing.T) {
	// m is a finished method with the test accuracy acc, wall seconds wall
	// and CPU seconds cpu.
	m := func(acc, wall, cpu float64) *results.MethodResult {
		return &results.MethodResult{Seconds: wall, Status: results.MaxSteps,
			MLP: &results.MLPMethod{FinalTestAccuracy: &acc, CPUSeconds: &cpu}}
	}
	for _, tt := range []struct {
		name       string
		wide, comp *results.MethodResult
		want       [2]results.CheckStatus
		speedup    float64 // Observed of cdln-speedup: dln's CPU over cdln's (NaN: absent)
	}{
		{"pass", m(0.900, 200, 400), m(0.897, 100, 200), [2]results.CheckStatus{results.Pass, results.Pass}, 2},
		{"compressed better", m(0.890, 180, 360), m(0.901, 100, 200), [2]results.CheckStatus{results.Pass, results.Pass}, 1.8},
		{"accuracy gap", m(0.900, 200, 400), m(0.894, 100, 200), [2]results.CheckStatus{results.Fail, results.Pass}, 2},
		{"too slow", m(0.900, 170, 340), m(0.900, 100, 200), [2]results.CheckStatus{results.Pass, results.Fail}, 1.7},
		// The broken case: cdln takes more CPU time than dln; a loaded
		// machine made dln's wall time 3x cdln's. The check fails.
		{"cdln more CPU, faster wall", m(0.900, 300, 100), m(0.900, 100, 150), [2]results.CheckStatus{results.Pass, results.Fail}, 100.0 / 150},
		// Wall time says too slow (1.2x), CPU time says 2.5x: it passes.
		{"fast in CPU, slow wall", m(0.900, 120, 250), m(0.900, 100, 100), [2]results.CheckStatus{results.Pass, results.Pass}, 2.5},
		{"missing", m(0.9, 1, 1), nil, [2]results.CheckStatus{results.Skipped, results.Skipped}, results.Absent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cs := claimChecks(tt.wide, tt.comp)
			require.Len(t, cs, 2)
			require.Equal(t, tt.want, [2]results.CheckStatus{cs[0].Status, cs[1].Status})
			require.Equal(t, "cdln-speedup", cs[1].Name)
			if results.IsAbsent(tt.speedup) {
				require.True(t, results.IsAbsent(cs[1].Observed), "observed %v", cs[1].Observed)
			} else {
				require.Equal(t, tt.speedup, cs[1].Observed)
			}
			require.Contains(t, cs[1].Quantity, "CPU time")
			require.Contains(t, cs[1].Regime, "not wall time")
			if tt.comp != nil {
				require.Contains(t, cs[1].Detail, fmt.Sprintf("wall time dln %.3g s, cdln %.3g s", tt.wide.Seconds, tt.comp.Seconds))
			}
		})
	}
	noAcc := m(0.9, 1, 1)
	noAcc.MLP.FinalTestAccuracy = nil
	cs := claimChecks(m(0.9, 2, 2), noAcc)
	require.Equal(t, results.NotEvaluable, cs[0].Status)
	require.Equal(t, "no test accuracy recorded", cs[0].Detail)
	require.True(t, results.IsAbsent(cs[0].Observed))
	require.Equal(t, results.Pass, cs[1].Status, "the speed-up needs no accuracy")
	d := m(0.9, 1, 1)
	d.Status = results.Diverged
	cs = claimChecks(d, m(0.9, 1, 1))
	require.Equal(t, results.NotEvaluable, cs[0].Status)
	require.Equal(t, results.NotEvaluable, cs[1].Status)
	require.Equal(t, "a method diverged", cs[0].Detail)

	// Without CPU seconds (nil) the speed-up is skipped, with 0 not
	// evaluable, each with the reason, never computed from 0; the wall
	// times are still reported.
	for _, tt := range []struct {
		name   string
		cpu    *float64
		status results.CheckStatus
		reason string
	}{
		{"no CPU time", nil, results.Skipped, "no CPU time recorded"},
		{"zero CPU time", new(float64), results.NotEvaluable, "too short to measure"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			comp := m(0.9, 1, 1)
			comp.MLP.CPUSeconds = tt.cpu
			cs := claimChecks(m(0.9, 10, 10), comp)
			require.Equal(t, results.Pass, cs[0].Status)
			require.Equal(t, tt.status, cs[1].Status)
			require.True(t, results.IsAbsent(cs[1].Observed), "observed %v", cs[1].Observed)
			require.Contains(t, cs[1].Detail, tt.reason)
			require.Contains(t, cs[1].Detail, "wall time dln 10 s, cdln 1 s (ratio 10)")
		})
	}
}
