package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/classify"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/npy"
)

// classifyArgs are the small, fast model and training of these tests.
var classifyArgs = []string{"--width", "32", "--width2", "16", "--batch", "32", "--epochs", "10", "--latency-seconds", "0.01", "--quiet"}

// readClassifyVerdict reads verdict.json of a verify --task classify.
func readClassifyVerdict(t *testing.T, dir string) classifyRecord {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "verdict.json"))
	require.NoError(t, err)
	var rec classifyRecord
	require.NoError(t, json.Unmarshal(b, &rec))
	require.NotNil(t, rec.Verdict)
	return rec
}

// TestVerifyClassifySliceFails is issue 17's test: on a generated CSV of
// 3000 rows and four classes, the fourth overlapping the third, the
// compressed model's overall accuracy is within --max-drop of both
// baselines at a width while a class's drop is not within
// --slice-max-drop: the verdict fails (exit 1) on the slice alone. Judged
// without --slice-max-drop, the same data passes (exit 0) and names a safe
// width.
func TestVerifyClassifySliceFails(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	require.NoError(t, classify.WriteSyntheticCSV(&b, 3000, 6, 0.15, 1))
	data := writeFile(t, dir, "d.csv", b.String())
	args := with([]string{"verify", "--task", "classify", "--data", data, "--label", "label", "--r-hat", "2,8",
		"--seeds", "3", "--test-frac", "0.3", "--max-drop", "6"}, classifyArgs...)

	var out, errb bytes.Buffer
	code := run(with(args, "--slice-max-drop", "5", "--out", filepath.Join(dir, "slices")), &out, &errb)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	require.Contains(t, out.String(), "VERDICT: FAIL")
	require.Contains(t, out.String(), "safe width: none")
	require.Regexp(t, `failed: r_hat = \d+: class \d against (dln|original): drop [0-9.]+ > slice-max-drop 5 \(points\)`, out.String())
	require.NotContains(t, out.String(), "overall against", "an overall gate failed: the test no longer isolates a slice")
	rec := readClassifyVerdict(t, filepath.Join(dir, "slices"))
	require.Equal(t, "classify", rec.Task)
	require.Equal(t, 2100, rec.TrainRows)
	require.Equal(t, 900, rec.TestRows)
	require.Equal(t, []int64{0, 1, 2, 3}, rec.ClassNames)
	require.Len(t, rec.Scaling.Mean, 6)
	sliceOnly := false
	for _, w := range rec.Widths {
		overall, slice := true, false
		for _, g := range w.Gates {
			require.NotNil(t, g.Pass, "r_hat %d gate %s", w.RHat, g.Name)
			if g.Class == nil {
				overall = overall && *g.Pass
			} else if !*g.Pass {
				slice = true
			}
		}
		sliceOnly = sliceOnly || (overall && slice)
	}
	require.True(t, sliceOnly, "no width passes overall and fails on a slice")
	require.Nil(t, rec.SafeWidth)

	out.Reset()
	errb.Reset()
	code = run(with(args, "--out", filepath.Join(dir, "overall")), &out, &errb)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	require.Contains(t, out.String(), "VERDICT: PASS")
	require.Regexp(t, `safe width: r_hat = (2|8) `, out.String())
	rec = readClassifyVerdict(t, filepath.Join(dir, "overall"))
	require.NotNil(t, rec.SafeWidth)
	require.Nil(t, rec.Config.SliceMaxDrop)
}

// TestVerifyClassifySources: an .npy pair with --test-data and an IDX
// folder are read, their splits used as given, and every model measured.
func TestVerifyClassifySources(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	require.NoError(t, classify.WriteSyntheticCSV(&b, 400, 3, 0.2, 2))
	src, err := classify.Read("data", writeFile(t, dir, "d.csv", b.String()), "label")
	require.NoError(t, err)
	tb := src.Train
	y := make([]float64, tb.N)
	for i, l := range tb.Labels {
		y[i] = float64(l)
	}
	require.NoError(t, npy.WriteFile(filepath.Join(dir, "X.npy"), []int{300, 3}, tb.X[:300*3]))
	require.NoError(t, npy.WriteFile(filepath.Join(dir, "y.npy"), []int{300}, y[:300]))
	require.NoError(t, npy.WriteFile(filepath.Join(dir, "Xt.npy"), []int{100, 3}, tb.X[300*3:]))
	require.NoError(t, npy.WriteFile(filepath.Join(dir, "yt.npy"), []int{100}, y[300:]))
	require.NoError(t, idx.WriteDir(filepath.Join(dir, "img"), idx.Synthetic(3, 4, 300, 60, 10, 1), false))
	for _, c := range []struct {
		name       string
		args       []string
		train, tst int
	}{
		{"npy", []string{"--data", filepath.Join(dir, "X.npy") + "," + filepath.Join(dir, "y.npy"),
			"--test-data", filepath.Join(dir, "Xt.npy") + "," + filepath.Join(dir, "yt.npy")}, 300, 100},
		// shift applies to an IDX folder's pixels; dropout at p = 0 changes
		// nothing: its accuracy is the clean one, run by run.
		{"idx", []string{"--data", filepath.Join(dir, "img"), "--perturb", "shift:brightness=0.3:contrast=0.5,dropout:p=0"}, 300, 60},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := filepath.Join(dir, "out-"+c.name)
			models := filepath.Join(dir, "models-"+c.name)
			var out, errb bytes.Buffer
			code := run(with(with([]string{"verify", "--task", "classify", "--r-hat", "4", "--seeds", "2", "--out", o, "--save-model", models}, c.args...), classifyArgs...), &out, &errb)
			require.Contains(t, []int{exitOK, exitFailure}, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
			rec := readClassifyVerdict(t, o)
			require.Equal(t, c.train, rec.TrainRows)
			require.Equal(t, c.tst, rec.TestRows)
			require.Len(t, rec.Models, 3)
			for _, m := range rec.Models {
				require.NotNil(t, m.Accuracy, m.Name)
				require.Len(t, m.Runs, 2)
				require.Len(t, m.Latency, 2, m.Name)
				for i, l := range m.Latency {
					require.Equal(t, classify.LatencyBatches[i], l.Batch)
					require.GreaterOrEqual(t, l.Calls, 20)
					require.Positive(t, l.P50)
					require.GreaterOrEqual(t, l.P99, l.P50)
				}
			}
			require.Equal(t, code == exitOK, rec.Pass)
			// The saved C-DLN predicts the test split (an IDX folder's
			// test files, the npy pair given as --test-data) with the
			// accuracy the verify measured for its seed.
			var pout, perr bytes.Buffer
			pdata := filepath.Join(dir, "img")
			if c.name == "npy" {
				pdata = filepath.Join(dir, "Xt.npy") + "," + filepath.Join(dir, "yt.npy")
			}
			require.Equal(t, exitOK, run([]string{"predict", "--model", filepath.Join(models, "cdln-r4"), "--data", pdata, "--out", filepath.Join(dir, c.name+".pred")}, &pout, &perr), perr.String())
			var acc float64
			var correct, n int
			_, err := fmt.Sscanf(pout.String()[strings.Index(pout.String(), "accuracy on"):], "accuracy on "+pdata+": %f points (%d of %d rows)", &acc, &correct, &n)
			require.NoError(t, err, pout.String())
			require.Equal(t, c.tst, n)
			require.Equal(t, *rec.Models[2].Runs[0].Accuracy, 100*float64(correct)/float64(n))
			if c.name == "idx" {
				// A folder of the test files only predicts the same: the
				// train files are not needed.
				only := filepath.Join(dir, "t10k-only")
				require.NoError(t, os.MkdirAll(only, 0o755))
				for _, f := range []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
					b, err := os.ReadFile(filepath.Join(pdata, f))
					require.NoError(t, err)
					require.NoError(t, os.WriteFile(filepath.Join(only, f), b, 0o644))
				}
				pout.Reset()
				perr.Reset()
				require.Equal(t, exitOK, run([]string{"predict", "--model", filepath.Join(models, "cdln-r4"), "--data", only, "--out", filepath.Join(dir, "only.pred")}, &pout, &perr), perr.String())
				require.Contains(t, pout.String(), fmt.Sprintf("accuracy on %s: %.2f points (%d of %d rows)", only, acc, correct, n))
			}
			if c.name == "idx" {
				for _, m := range rec.Models {
					require.Len(t, m.Perturbed, 2, m.Name)
					require.Equal(t, "shift:brightness=0.3:contrast=0.5:seed=1", m.Perturbed[0].Perturbation)
					require.NotNil(t, m.Perturbed[0].Accuracy, m.Name)
					for _, r := range m.Runs {
						require.Equal(t, *r.Accuracy, *r.Perturbed[1], "%s seed %d: dropout at p = 0", m.Name, r.Seed)
					}
				}
			}
		})
	}
}

// TestVerifyClassifyInterrupted: a signal during training (at step 5 of
// the first run) or after it (phase "trained") gives exit 130 or 143 and
// a verdict.json marked interrupted that neither passes nor names a safe
// width; nothing temporary is left.
func TestVerifyClassifyInterrupted(t *testing.T) {
	onePass(t)
	dir := t.TempDir()
	var b bytes.Buffer
	require.NoError(t, classify.WriteSyntheticCSV(&b, 600, 4, 0.2, 3))
	data := writeFile(t, dir, "d.csv", b.String())
	for _, c := range []struct {
		hook string
		code int
		runs int // runs of the original recorded
	}{{"step/5@INT", 130, 1}, {"trained@TERM", 143, 2}} {
		t.Run(c.hook, func(t *testing.T) {
			o := filepath.Join(dir, "out-"+strings.ReplaceAll(c.hook, "/", "-"))
			r := lowdimChild(t, c.hook, with([]string{"verify", "--task", "classify", "--data", data, "--label", "label",
				"--r-hat", "2", "--seeds", "2", "--max-drop", "50", "--out", o}, classifyArgs...)...)
			require.Equal(t, c.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			require.Contains(t, r.stdout, "VERDICT: INTERRUPTED")
			rec := readClassifyVerdict(t, o)
			require.True(t, rec.Interrupted)
			require.False(t, rec.Pass)
			require.Nil(t, rec.SafeWidth)
			require.Len(t, rec.Models[0].Runs, c.runs)
			if c.runs == 1 {
				require.Equal(t, classify.StatusInterrupted, rec.Models[0].Runs[0].Status)
				require.Equal(t, 5, rec.Models[0].Runs[0].Steps)
				require.Nil(t, rec.Models[0].Accuracy)
			}
			require.Empty(t, findFiles(t, dir, isTemporary))
		})
	}
}

// TestVerifyClassifyRobust: --robust turns a pass into a fail on a
// constructed case. A first run with --max-drop 100 records every gate's
// value; the threshold T is then the smallest over the widths of the
// largest clean drop judged (at least 0), so that without --robust some
// width passes (exit 0), while every width has a drop on a perturbed test
// set above T, so that with --robust none does (exit 1). The perturbed
// accuracies are the same in every run: the perturbations are seeded.
func TestVerifyClassifyRobust(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	require.NoError(t, classify.WriteSyntheticCSV(&b, 1500, 6, 0.15, 2))
	data := writeFile(t, dir, "d.csv", b.String())
	args := with([]string{"verify", "--task", "classify", "--data", data, "--label", "label", "--r-hat", "2,8",
		"--seeds", "3", "--test-frac", "0.3", "--perturb", "noise:snr=0.5,dropout:p=0.3"},
		"--width", "32", "--width2", "16", "--batch", "32", "--epochs", "5", "--latency-seconds", "0", "--quiet")
	runOK := func(name string, want int, extra ...string) (classifyRecord, string) {
		var out, errb bytes.Buffer
		code := run(with(args, append(extra, "--out", filepath.Join(dir, name))...), &out, &errb)
		require.Equal(t, want, code, "%s: stdout:\n%s\nstderr:\n%s", name, out.String(), errb.String())
		return readClassifyVerdict(t, filepath.Join(dir, name)), out.String()
	}
	all, _ := runOK("all", exitOK, "--robust", "--max-drop", "100")
	threshold, safe := math.Inf(1), 0
	worst := map[int]float64{}
	for _, w := range all.Widths {
		clean := math.Inf(-1)
		worst[w.RHat] = math.Inf(-1)
		for _, g := range w.Gates {
			require.NotNil(t, g.Value)
			if g.Perturbation == nil {
				clean = max(clean, *g.Value)
			}
			worst[w.RHat] = max(worst[w.RHat], *g.Value)
		}
		if clean < threshold {
			threshold, safe = clean, w.RHat
		}
	}
	threshold = max(threshold, 0)
	for r, v := range worst {
		require.Greater(t, v, threshold, "r_hat %d: no perturbed drop above the clean threshold: the case does not separate the gates", r)
	}
	targ := strconv.FormatFloat(threshold, 'g', -1, 64)

	plain, out := runOK("plain", exitOK, "--max-drop", targ)
	require.Equal(t, safe, *plain.SafeWidth)
	require.Contains(t, out, "reported, not gated (no --robust)")
	robust, out := runOK("robust", exitFailure, "--max-drop", targ, "--robust")
	require.Nil(t, robust.SafeWidth)
	require.Contains(t, out, "VERDICT: FAIL")
	require.Regexp(t, `failed: r_hat = \d+: perturbed (noise:snr=0.5|dropout:p=0.3):seed=1 against (dln|original): drop [0-9.]+ > max-drop`, out)
	for _, w := range robust.Widths {
		if w.RHat != safe {
			continue
		}
		pertFailed := false
		for _, g := range w.Gates {
			if g.Perturbation == nil {
				require.True(t, *g.Pass, "r_hat %d: clean gate %s against %s fails with --robust", safe, g.Name, g.Baseline)
			} else {
				pertFailed = pertFailed || !*g.Pass
			}
		}
		require.True(t, pertFailed, "r_hat %d fails on no perturbed gate", safe)
	}
	for i, m := range all.Models {
		for k := range m.Perturbed {
			require.Equal(t, m.Perturbed[k].Accuracy.Mean, robust.Models[i].Perturbed[k].Accuracy.Mean, "%s %s", m.Name, m.Perturbed[k].Perturbation)
			require.Len(t, m.Perturbed[k].PerClass, len(all.ClassNames))
		}
		// Each run's per-class accuracies on a perturbed set, weighted by
		// the classes' test rows, give its overall accuracy there.
		for _, r := range m.Runs {
			require.Len(t, r.PerturbedPerClass, 2)
			for k, per := range r.PerturbedPerClass {
				sum := 0.0
				for c, a := range per {
					require.NotNil(t, a, "%s seed %d perturbation %d class %d", m.Name, r.Seed, k, c)
					sum += *a * float64(all.TestCounts[c])
				}
				require.InDelta(t, *r.Perturbed[k], sum/float64(all.TestRows), 1e-9, "%s seed %d perturbation %d", m.Name, r.Seed, k)
			}
		}
	}
	require.Contains(t, out, "per-class accuracy on each perturbed test set")
}

// TestVerifyClassifySaveModelPredict: --save-model writes the first
// seed's models, and lowdim predict --model DIR/<model> --data (the test
// split as a CSV) predicts, for each, exactly the accuracy the verify
// measured for that seed's model on that split; models.json names the safe
// width's folder. The verify also writes trajectories.csv and the figure.
func TestVerifyClassifySaveModelPredict(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	require.NoError(t, classify.WriteSyntheticCSV(&b, 1600, 5, 0.2, 2))
	lines := strings.SplitAfter(strings.TrimSuffix(b.String(), "\n"), "\n")
	header, rows := lines[0], lines[1:]
	var train, test strings.Builder
	train.WriteString(header)
	test.WriteString(header)
	for i, l := range rows {
		if i%4 == 0 {
			test.WriteString(l)
		} else {
			train.WriteString(l)
		}
	}
	trainPath := writeFile(t, dir, "train.csv", train.String())
	testPath := writeFile(t, dir, "test.csv", test.String()+"\n")
	models := filepath.Join(dir, "models")
	var out, errb bytes.Buffer
	code := run(with([]string{"verify", "--task", "classify", "--data", trainPath, "--test-data", testPath, "--label", "label",
		"--r-hat", "2,8", "--seeds", "2", "--max-drop", "50", "--out", filepath.Join(dir, "out"), "--save-model", models}, classifyArgs...), &out, &errb)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	rec := readClassifyVerdict(t, filepath.Join(dir, "out"))
	for _, f := range []string{"trajectories.csv", "accuracy-cpu.png", "accuracy-cpu.svg"} {
		require.FileExists(t, filepath.Join(dir, "out", f))
	}
	var idx classifyModels
	ib, err := os.ReadFile(filepath.Join(models, modelsIndex))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(ib, &idx))
	require.NotNil(t, idx.SafeWidth)
	require.Equal(t, "cdln-r"+strconv.Itoa(*idx.SafeWidth), idx.SafeModel)
	require.Len(t, idx.Models, 4)
	for i, m := range rec.Models {
		folder := idx.Models[i].Folder
		require.NotEmpty(t, folder, m.Name)
		r := m.Runs[0]
		require.Len(t, r.Trajectory, 10, m.Name)
		require.NotNil(t, r.Accuracy, m.Name)
		var pout, perr bytes.Buffer
		pred := filepath.Join(dir, folder+".csv")
		code := run([]string{"predict", "--model", filepath.Join(models, folder), "--data", testPath, "--label", "label", "--out", pred}, &pout, &perr)
		require.Equal(t, exitOK, code, "stderr:\n%s", perr.String())
		var acc float64
		var correct, n int
		_, err := fmt.Sscanf(pout.String()[strings.Index(pout.String(), "accuracy on"):], "accuracy on "+testPath+": %f points (%d of %d rows)", &acc, &correct, &n)
		require.NoError(t, err, pout.String())
		require.Equal(t, *r.Accuracy, 100*float64(correct)/float64(n), "%s: the saved model's accuracy is the verified one's", m.Name)
		pb, err := os.ReadFile(pred)
		require.NoError(t, err)
		require.Equal(t, rec.TestRows+1, strings.Count(string(pb), "\n"), "a header and a line per test row")
	}
	// Without --label the label column is a feature the model does not know.
	var pout, perr bytes.Buffer
	code = run([]string{"predict", "--model", filepath.Join(models, "original"), "--data", testPath}, &pout, &perr)
	require.Equal(t, exitUsage, code)
	require.Contains(t, perr.String(), "6 features, but the model")
	require.Contains(t, perr.String(), `its column "label" is not one of the model's: if it holds the labels, give --label label`)
}

// TestClassifyPreset: --preset paper sets the paper protocol's training
// flags and widths, a flag given overrides it, and an unknown preset is
// refused.
func TestClassifyPreset(t *testing.T) {
	f := classifyFlags{preset: "paper", rhats: "16,32,64", train: classify.DefaultTrain}
	f.train.Eps = 0.5
	require.NoError(t, f.applyPreset(map[string]bool{"eps": true}))
	want := classify.PaperPreset
	want.Eps = 0.5
	require.Equal(t, want, f.train)
	require.Equal(t, "32,64", f.rhats)
	require.Zero(t, f.train.Momentum, "plain SGD")
	g := classifyFlags{preset: "papers"}
	require.ErrorContains(t, g.applyPreset(nil), "invalid --preset papers")
}

// TestFmtClip: an interval end beyond the quantity's range is shown at the
// limit with a star, and the caller learns it; one inside is shown as
// fmtInterval shows it.
func TestFmtClip(t *testing.T) {
	lo, hi := 98.5, 101.25
	in := &experiment.Interval{Mean: 99.9, Lo: &lo, Hi: &hi, N: 3}
	clipped := false
	require.Equal(t, "99.90 [98.50, 100.00*]", fmtClip(in, "%.2f", 0, 100, &clipped))
	require.True(t, clipped)
	clipped = false
	hi = 99.95
	require.Equal(t, fmtInterval(in, "%.2f"), fmtClip(in, "%.2f", 0, 100, &clipped))
	require.False(t, clipped)
	require.Equal(t, "-", fmtClip(nil, "%.2f", 0, 100, &clipped))
}

// TestPredictMLPRefuses: predict on an MLP model refuses, with exit 2 and
// the flag named, a missing --data, a missing data file, --label on an npy
// source, a CSV whose columns are not the model's, and an --out that is
// the data; nothing is written.
func TestPredictMLPRefuses(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	require.NoError(t, classify.WriteSyntheticCSV(&b, 400, 3, 0.2, 2))
	data := writeFile(t, dir, "d.csv", b.String())
	models := filepath.Join(dir, "models")
	var out, errb bytes.Buffer
	code := run(with([]string{"verify", "--task", "classify", "--data", data, "--label", "label", "--r-hat", "4", "--seeds", "2",
		"--max-drop", "100", "--out", filepath.Join(dir, "out"), "--save-model", models}, classifyArgs...), &out, &errb)
	require.Equal(t, exitOK, code, errb.String())
	m := filepath.Join(models, "cdln-r4")
	renamed := writeFile(t, dir, "r.csv", strings.Replace(b.String(), "f1,", "g1,", 1))
	seven := writeFile(t, dir, "seven.csv", "f1,f2,f3,label\n0,0,0,1\n0,0,0,7\n")
	minus := writeFile(t, dir, "minus.csv", "f1,f2,f3,label\n0,0,0,-1\n")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"--model", m}, "invalid --data \"\": --data is required for an MLP model"},
		{"missing file", []string{"--model", m, "--data", filepath.Join(dir, "none.csv")}, "invalid --data"},
		{"label on npy", []string{"--model", m, "--data", filepath.Join(dir, "X.npy"), "--label", "y"}, "invalid --label y: applies to a CSV source"},
		{"other columns", []string{"--model", m, "--data", renamed, "--label", "label"}, "its feature columns g1,f2,f3 are not the model's f1,f2,f3"},
		{"out is data", []string{"--model", m, "--data", data, "--label", "label", "--out", data}, "is --data"},
		{"label 7", []string{"--model", m, "--data", seven, "--label", "label"}, "invalid --data " + seven + ": row 1: label 7 is not a class of the model (its classes: [0 1 2 3])"},
		{"label -1", []string{"--model", m, "--data", minus, "--label", "label"}, "invalid --data " + minus + ": row 0: label -1 is not a class of the model"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			require.Equal(t, exitUsage, run(append([]string{"predict"}, c.args...), &out, &errb), errb.String())
			require.Contains(t, errb.String(), c.want)
			require.Empty(t, out.String())
		})
	}
	got, err := os.ReadFile(data)
	require.NoError(t, err)
	require.Equal(t, b.String(), string(got), "the data file is unchanged")
}

// TestVerifyClassifyConstantFeature: a feature constant in the training
// split is ignored (set to 0 in every split), said on stderr with the
// number of such features and its column, and listed in verdict.json.
func TestVerifyClassifyConstantFeature(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,c,y\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%d,%d,7,%d\n", i%2+i%5, i%3, i%2)
	}
	data := writeFile(t, dir, "d.csv", b.String())
	var out, errb bytes.Buffer
	code := run([]string{"verify", "--task", "classify", "--data", data, "--label", "y", "--r-hat", "2", "--width", "8", "--width2", "4",
		"--seeds", "2", "--epochs", "1", "--batch", "8", "--latency-seconds", "0", "--quiet", "--max-drop", "100", "--out", filepath.Join(dir, "out")}, &out, &errb)
	require.Contains(t, []int{exitOK, exitFailure}, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	require.Contains(t, errb.String(), `warning: 1 of 3 features are constant in the training split of `+data+` (standard deviation 0) and are ignored (set to 0): "c"`)
	rec := readClassifyVerdict(t, filepath.Join(dir, "out"))
	require.Equal(t, []int{2}, rec.Scaling.Ignored)
}

// TestFlagParseErrorsOneLineClassify: verify --task classify and predict
// on an MLP model say a flag the flag package refuses in one line (through
// parseFlags), not followed by the usage of every flag; an MLP model given
// --entries says to use --data.
func TestFlagParseErrorsOneLineClassify(t *testing.T) {
	dir := t.TempDir()
	mlpDir := filepath.Join(dir, "m")
	require.NoError(t, os.MkdirAll(mlpDir, 0o755))
	writeFile(t, mlpDir, "manifest.json", `{"format": "lowdim-model", "version": 1, "kind": "mlp"}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--task", "classify", "--width", "x"}, `lowdim verify: invalid value "x" for flag --width: parse error; give an integer (flags: lowdim verify -h)`},
		{[]string{"verify", "--task", "classify", "--frob"}, `lowdim verify: flag provided but not defined: --frob`},
		{[]string{"predict", "--model", mlpDir, "--data", "x.npy", "--frob"}, `lowdim predict: flag provided but not defined: --frob`},
		{[]string{"predict", "--model", mlpDir, "--entries", "pos.csv"}, "lowdim predict: invalid --entries pos.csv: --model " + mlpDir + ` is an MLP model (kind "mlp", written by verify --task classify): it predicts the labels of rows, not matrix entries; give the rows with --data SRC`},
		{[]string{"predict", "--entries", "pos.csv", "--frob"}, `lowdim predict: flag provided but not defined: --frob`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			require.Equal(t, exitUsage, run(tc.args, &stdout, &stderr))
			require.Contains(t, stderr.String(), tc.want)
			require.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line, no usage:\n%s", stderr.String())
			require.Empty(t, stdout.String())
		})
	}
}

// TestVerifyClassifyDiverged: at --eta 50 the block models diverge; the
// table says so per run (model, seed, step, epoch), the verdict's reason
// and verdict.json name it, the figure keeps the models in its legend,
// trajectories.csv leaves r_hat empty for the original (absent, not 0),
// and the gates table's last column is the row's own result.
func TestVerifyClassifyDiverged(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,c,y\n")
	for i := range 200 {
		y := i % 3
		fmt.Fprintf(&b, "%d.%d,%d,%d.5,%d\n", y, i%7, i%5, 2*y+i%2, y)
	}
	data := writeFile(t, dir, "d.csv", b.String())
	var out, errb bytes.Buffer
	code := run([]string{"verify", "--task", "classify", "--data", data, "--label", "y", "--r-hat", "2,4", "--width", "8", "--width2", "4",
		"--seeds", "2", "--epochs", "2", "--batch", "8", "--eta", "50", "--latency-seconds", "0", "--quiet", "--out", filepath.Join(dir, "out")}, &out, &errb)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	rec := readClassifyVerdict(t, filepath.Join(dir, "out"))
	require.NotEmpty(t, rec.Diverged, "no run diverged at --eta 50: the test no longer tests divergence")
	d := rec.Diverged[0]
	require.Regexp(t, fmt.Sprintf(`diverged: %s, seed %d: the training loss was not finite at step %d \(epoch %d\)`, regexp.QuoteMeta(d.Model), d.Seed, d.Step, d.Epoch), out.String())
	require.Contains(t, out.String(), "VERDICT: FAIL (no width passes every gate: ")
	require.Contains(t, rec.Reason, "diverged")
	require.Contains(t, out.String(), "seeds diverged)")
	require.NotContains(t, out.String(), "0 of 1 pass  false")
	require.Regexp(t, `(?m)^2\s+dln\s+.*\s(pass|FAIL|- \(\d not judged\))$`, out.String())
	svg, err := os.ReadFile(filepath.Join(dir, "out", "accuracy-cpu.svg"))
	require.NoError(t, err)
	require.Contains(t, string(svg), "diverged")
	traj, err := os.ReadFile(filepath.Join(dir, "out", "trajectories.csv"))
	require.NoError(t, err)
	require.Regexp(t, `(?m)^original,original,,1,1,`, string(traj))
	require.NotRegexp(t, `(?m)^(original|dln),[a-z]+,0,`, string(traj))
}

// TestClipPoints: a class's drop beyond 100 points is shown at 100 with a
// "*" as the overall column's interval ends are; within, as it is.
func TestClipPoints(t *testing.T) {
	clipped := false
	require.Equal(t, "12.35", clipPoints(12.345, &clipped))
	require.False(t, clipped)
	require.Equal(t, "100.00*", clipPoints(130.2, &clipped))
	require.True(t, clipped)
	require.Equal(t, "-100.00*", clipPoints(-101, &clipped))
}
