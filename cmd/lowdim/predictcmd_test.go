package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/model"
)

// predictSeed seeds the models and positions of the predict tests.
const predictSeed = 17

// predictTol bounds |predicted - Product| relative to the product's largest
// entry: Predict and Product compute the same dot products of length
// r_1 = 3 in two summation orders (at most 2 r_1 2^-53 of the sum of the
// terms' sizes, which is within a small factor of the largest entry for
// these Gaussian factors plus means of about 3).
const predictTol = 1e-14

// savePredictModel saves a depth-3 model of a 7 x 5 matrix (layers 3 x 5,
// 4 x 3, 7 x 4) centered by row means into dir/model and returns the folder
// and the model as Load gives it back.
func savePredictModel(t *testing.T, dir string) (string, *model.Model) {
	t.Helper()
	rng := rand.New(rand.NewPCG(predictSeed, 1))
	var layers []*mat.Dense
	for _, s := range [][2]int{{3, 5}, {4, 3}, {7, 4}} {
		w := mat.NewDense(s[0], s[1], nil)
		for i := range s[0] {
			for j := range s[1] {
				w.Set(i, j, rng.NormFloat64())
			}
		}
		layers = append(layers, w)
	}
	means := make([]float64, 7)
	for i := range means {
		means[i] = 3 + rng.NormFloat64()
	}
	m := &model.Model{Layers: layers, Method: "compressed", Width: 3,
		Centering: model.Centering{Kind: model.CenterRows, Means: means}}
	path := filepath.Join(dir, "model")
	require.NoError(t, model.Save(path, m))
	loaded, err := model.Load(path)
	require.NoError(t, err)
	return path, loaded
}

// predict runs lowdim predict in-process (without main's dispatch).
func predict(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cmdPredict(args, &out, &errb)
	return code, out.String(), errb.String()
}

// parsePredictions reads the command's CSV output into its positions (as
// printed) and values.
func parsePredictions(t *testing.T, text string) (rows, cols []int, values []float64) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	require.Equal(t, []string{"row", "col", "value"}, recs[0])
	for _, r := range recs[1:] {
		i, err := strconv.Atoi(r[0])
		require.NoError(t, err)
		j, err := strconv.Atoi(r[1])
		require.NoError(t, err)
		v, err := strconv.ParseFloat(r[2], 64)
		require.NoError(t, err)
		rows, cols, values = append(rows, i), append(cols, j), append(values, v)
	}
	return rows, cols, values
}

// TestPredictAgainstProduct: the predictions of random positions (every
// row and column at least once, some twice) are the model's Predict values
// bit for bit (the output reads back exactly) and the product's entries
// within predictTol, in the input's order and base.
func TestPredictAgainstProduct(t *testing.T) {
	dir := t.TempDir()
	modelDir, m := savePredictModel(t, dir)
	p := m.Product()
	scale := mat.Norm(p, math.Inf(1))
	rng := rand.New(rand.NewPCG(predictSeed, 2))
	for _, zeroBased := range []bool{false, true} {
		t.Run(fmt.Sprintf("zero-based=%v", zeroBased), func(t *testing.T) {
			base := 1
			if zeroBased {
				base = 0
			}
			var rows, cols []int
			for k := range 60 {
				i, j := rng.IntN(7), rng.IntN(5)
				if k < 7 {
					i, j = k, k%5
				}
				rows, cols = append(rows, i), append(cols, j)
			}
			rows, cols = append(rows, rows[0]), append(cols, cols[0]) // a duplicate
			var in strings.Builder
			in.WriteString("user\titem\n# positions\n")
			for k := range rows {
				fmt.Fprintf(&in, "%d\t%d\n", rows[k]+base, cols[k]+base)
			}
			entries := filepath.Join(dir, fmt.Sprintf("pairs-%v.tsv", zeroBased))
			require.NoError(t, os.WriteFile(entries, []byte(in.String()), 0o644))

			args := []string{"--model", modelDir, "--entries", entries}
			if zeroBased {
				args = append(args, "--zero-based")
			}
			code, stdout, stderr := predict(args...)
			require.Equal(t, exitOK, code, stderr)
			assert.Empty(t, stderr)
			gotRows, gotCols, got := parsePredictions(t, stdout)
			want := make([]float64, len(rows))
			require.NoError(t, m.Predict(rows, cols, want))
			require.Len(t, got, len(rows))
			for k := range rows {
				assert.Equal(t, rows[k]+base, gotRows[k], "row of line %d, in the input's base", k)
				assert.Equal(t, cols[k]+base, gotCols[k], "column of line %d", k)
				assert.Equal(t, want[k], got[k], "Predict's value exactly at (%d, %d)", rows[k], cols[k])
				assert.InDelta(t, p.At(rows[k], cols[k]), got[k], predictTol*scale, "Product at (%d, %d)", rows[k], cols[k])
			}
		})
	}
}

func TestPredictOut(t *testing.T) {
	dir := t.TempDir()
	modelDir, _ := savePredictModel(t, dir)
	entries := filepath.Join(dir, "pairs.csv")
	require.NoError(t, os.WriteFile(entries, []byte("1,1\n7,5\n"), 0o644))
	out := filepath.Join(dir, "preds.csv")
	require.NoError(t, os.WriteFile(out, []byte("old"), 0o644))
	code, stdout, stderr := predict("--model", modelDir, "--entries", entries, "--out", out)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, fmt.Sprintf("wrote 2 predictions to %s (model %s: compressed, 7 x 5)\n", out, modelDir), stdout)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	rows, cols, _ := parsePredictions(t, string(b))
	assert.Equal(t, []int{1, 7}, rows)
	assert.Equal(t, []int{1, 5}, cols)
	assert.ElementsMatch(t, []string{"model", "pairs.csv", "preds.csv"}, dirNames(t, dir), "no temporary left")
}

// TestPredictErrors: each bad input exits 2 before anything is written,
// with a message naming the flag, the file, the line and the value.
func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	modelDir, _ := savePredictModel(t, dir)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	good := write("good.csv", "1,1\n")
	broken := filepath.Join(dir, "broken")
	require.NoError(t, os.CopyFS(broken, os.DirFS(modelDir)))
	layer := filepath.Join(broken, "layer-02.npy")
	b, err := os.ReadFile(layer)
	require.NoError(t, err)
	b[len(b)-1] ^= 1
	require.NoError(t, os.WriteFile(layer, b, 0o644))
	out := filepath.Join(dir, "never.csv")
	// A run's --save-model folder (models.json and one model folder) and a
	// preset's (one such folder per workload).
	saved := filepath.Join(dir, "saved")
	require.NoError(t, os.CopyFS(filepath.Join(saved, "compressed"), os.DirFS(modelDir)))
	require.NoError(t, os.WriteFile(filepath.Join(saved, modelsIndex),
		[]byte(`{"models": [{"network": "compressed", "folder": "compressed"}, {"network": "original", "not_saved": "too large"}]}`), 0o644))
	preset := filepath.Join(dir, "preset")
	require.NoError(t, os.CopyFS(filepath.Join(preset, "mc"), os.DirFS(saved)))

	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"no model", []string{"--entries", good}, []string{"invalid --model \"\": --model is required"}},
		{"no entries", []string{"--model", modelDir}, []string{"invalid --entries \"\": --entries is required"}},
		{"argument", []string{"--model", modelDir, "--entries", good, "extra"}, []string{`lowdim predict: unexpected argument "extra" (every input is a flag`}},
		{"bad flag", []string{"--frobnicate"}, []string{"flag provided but not defined: --frobnicate"}},
		{"model absent", []string{"--model", filepath.Join(dir, "none"), "--entries", good}, []string{"invalid --model " + filepath.Join(dir, "none"), "manifest.json", "no such file"}},
		{"model is a run's --save-model folder", []string{"--model", saved, "--entries", good},
			[]string{"invalid --model " + saved, "; " + saved + " is a --save-model folder: give one of its models, " + filepath.Join(saved, "compressed")}},
		{"model is a preset's --save-model folder", []string{"--model", preset, "--entries", good},
			[]string{"; " + preset + " holds the --save-model folders of a preset's runs: give one model, " + filepath.Join(preset, "mc", "compressed")}},
		{"model corrupted", []string{"--model", broken, "--entries", good}, []string{"invalid --model " + broken + ": " + layer + ": sha256 "}},
		{"entries absent", []string{"--model", modelDir, "--entries", filepath.Join(dir, "none.csv")}, []string{"invalid --entries " + filepath.Join(dir, "none.csv"), "no such file"}},
		{"row beyond the model", []string{"--model", modelDir, "--entries", write("far.csv", "1,1\n8,2\n")},
			[]string{"invalid --entries " + filepath.Join(dir, "far.csv") + ": line 2, field 1: row index 8 is beyond the matrix's 7 rows (indices 1-based: 1 to 7); the model is 7 x 5"}},
		{"column beyond, 0-based", []string{"--model", modelDir, "--zero-based", "--entries", write("far0.csv", "0,5\n")},
			[]string{"line 1, field 2: column index 5 is beyond the matrix's 5 columns (indices 0-based: 0 to 4)"}},
		{"0 in a 1-based file", []string{"--model", modelDir, "--entries", write("zero.csv", "0,1\n")},
			[]string{"line 1, field 1: row index 0 in a file declared 1-based (--zero-based reads 0-based indices)"}},
		{"not an integer", []string{"--model", modelDir, "--entries", write("float.csv", "1,1\n2,1.5\n")},
			[]string{`line 2, field 2: column index "1.5" is not an integer`}},
		{"no positions", []string{"--model", modelDir, "--entries", write("empty.csv", "row,col\n")},
			[]string{"no positions: the file holds only a header line"}},
		{"out is a folder", []string{"--model", modelDir, "--entries", good, "--out", dir}, []string{"invalid --out " + dir + ": is a folder, not a file"}},
		{"out's folder absent", []string{"--model", modelDir, "--entries", good, "--out", filepath.Join(dir, "none", "p.csv")}, []string{"invalid --out " + filepath.Join(dir, "none", "p.csv"), "does not exist"}},
		{"out empty", []string{"--model", modelDir, "--entries", good, "--out", ""}, []string{`invalid --out "": the output file must not be empty`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !strings.Contains(strings.Join(args, " "), "--out") {
				args = append(args[:len(args):len(args)], "--out", out)
			}
			code, stdout, stderr := predict(args...)
			require.Equal(t, exitUsage, code, "stderr: %s", stderr)
			for _, w := range tc.want {
				assert.Contains(t, stderr, w)
			}
			assert.Empty(t, stdout)
			_, err := os.Stat(out)
			assert.True(t, errors.Is(err, os.ErrNotExist), "nothing written")
		})
	}
}

// failingWriter fails every write: a closed stdout or a full disk.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestPredictWriteFails: predictions that cannot be written are an internal
// failure (exit 3), not an input error.
func TestPredictWriteFails(t *testing.T) {
	dir := t.TempDir()
	modelDir, _ := savePredictModel(t, dir)
	entries := filepath.Join(dir, "pairs.csv")
	require.NoError(t, os.WriteFile(entries, []byte("1,1\n"), 0o644))
	var stderr bytes.Buffer
	code := cmdPredict([]string{"--model", modelDir, "--entries", entries}, failingWriter{}, &stderr)
	assert.Equal(t, exitInternal, code)
	assert.Contains(t, stderr.String(), "lowdim predict: writing the predictions: no space left on device")
}

func TestPredictHelp(t *testing.T) {
	code, _, stderr := predict("-h")
	assert.Equal(t, exitOK, code)
	for _, s := range []string{"Usage: lowdim predict --model DIR --entries FILE", "Exit codes: 0 ok; 2 usage or input error", "-zero-based"} {
		assert.Contains(t, stderr, s)
	}
}

// dirNames returns the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestPredictThroughMain: main dispatches predict and lists it in its usage.
func TestPredictThroughMain(t *testing.T) {
	dir := t.TempDir()
	modelDir, _ := savePredictModel(t, dir)
	entries := filepath.Join(dir, "pairs.csv")
	require.NoError(t, os.WriteFile(entries, []byte("2,3\n"), 0o644))
	code, stdout, stderr := lowdim(t, "predict", "--model", modelDir, "--entries", entries)
	require.Equal(t, exitOK, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "row,col,value\n2,3,"), stdout)
	code, _, stderr = lowdim(t, "predict")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--model is required")
	_, stdout, _ = lowdim(t, "help")
	assert.Contains(t, stdout, "lowdim predict --model DIR --entries FILE")
}
