package model

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/npy"
)

// savedModel saves a depth-3 model centered by row means (layers 3 x 5,
// 4 x 3, 6 x 4) into a fresh folder and returns the folder.
func savedModel(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(testSeed, 7))
	m := randModel(rng, CenterRows, [2]int{3, 5}, [2]int{4, 3}, [2]int{6, 4})
	dir := filepath.Join(t.TempDir(), "model")
	require.NoError(t, Save(dir, m))
	return dir
}

// editManifest decodes dir's manifest into a generic map, lets edit change
// it, and writes it back.
func editManifest(t *testing.T, dir string, edit func(man map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var man map[string]any
	require.NoError(t, json.Unmarshal(b, &man))
	edit(man)
	b, err = json.Marshal(man)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// layer returns the manifest map's layer entry l (0-based).
func layer(man map[string]any, l int) map[string]any {
	return man["layers"].([]any)[l].(map[string]any)
}

// rewriteArray replaces the .npy file name in dir by shape and data and
// records its new checksum in the manifest's entry, so that only what the
// test changes is wrong.
func rewriteArray(t *testing.T, dir, name string, shape []int, data []float64, entry func(man map[string]any) map[string]any) {
	t.Helper()
	require.NoError(t, npy.WriteFile(filepath.Join(dir, name), shape, data))
	sum, err := FileSHA256(filepath.Join(dir, name))
	require.NoError(t, err)
	editManifest(t, dir, func(man map[string]any) { entry(man)["sha256"] = sum })
}

func TestLoadCorrupted(t *testing.T) {
	// Each case breaks one thing in a valid folder; the error must name the
	// file at fault (its path) and say what is wrong with which value.
	man := func(dir string) string { return filepath.Join(dir, ManifestFile) }
	file := func(name string) func(string) string {
		return func(dir string) string { return filepath.Join(dir, name) }
	}
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, dir string)
		file    func(dir string) string // the file the error names
		want    string                  // a part of the message
	}{
		{"missing layer", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "layer-02.npy")))
		}, file("layer-02.npy"), "reading the model's layer-02.npy: open "},
		{"missing manifest", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, ManifestFile)))
		}, man, "no such file or directory"},
		{"manifest not JSON", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestFile), []byte("{"), 0o644))
		}, man, "not a valid manifest"},
		{"shape chain broken", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { layer(m, 1)["shape"] = []int{4, 2} })
		}, man, "layers[1] (W_2): shape [4, 2] does not chain: its columns must be W_1's 3 rows"},
		{"shape differs from the file", func(t *testing.T, dir string) {
			// The manifest says 4 x 3 is 3 x 4 throughout, consistently: the
			// file contradicts it.
			editManifest(t, dir, func(m map[string]any) {
				layer(m, 0)["shape"] = []int{4, 5}
				layer(m, 1)["shape"] = []int{4, 4}
				m["parameters"] = 20 + 16 + 24
			})
		}, file("layer-01.npy"), "shape [3, 5], but the manifest records [4, 5]"},
		{"NaN in a layer", func(t *testing.T, dir string) {
			data := make([]float64, 12)
			data[7] = math.NaN()
			rewriteArray(t, dir, "layer-02.npy", []int{4, 3}, data, func(m map[string]any) map[string]any { return layer(m, 1) })
		}, file("layer-02.npy"), "element (2, 1) is NaN"},
		{"Inf in the means", func(t *testing.T, dir string) {
			data := make([]float64, 6)
			data[5] = math.Inf(-1)
			rewriteArray(t, dir, MeansFile, []int{6, 1}, data, func(m map[string]any) map[string]any { return m["centering"].(map[string]any) })
		}, file(MeansFile), "element (5, 0) is -Inf"},
		{"checksum mismatch", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "layer-03.npy")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			b[len(b)-1] ^= 1 // the last value's lowest bits
			require.NoError(t, os.WriteFile(path, b, 0o644))
		}, file("layer-03.npy"), "but the manifest records"},
		{"truncated layer", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "layer-01.npy")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, b[:len(b)-8], 0o644))
		}, file("layer-01.npy"), "the file was changed or damaged"},
		{"not float64", func(t *testing.T, dir string) {
			// An int64 .npy of the right shape, checksum updated.
			hdr := "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 5), }"
			hdr += strings.Repeat(" ", 128-10-len(hdr)-1) + "\n" // 10 bytes of magic, version and length, header padded to 128
			var b bytes.Buffer
			b.WriteString("\x93NUMPY\x01\x00")
			b.Write([]byte{byte(len(hdr)), 0})
			b.WriteString(hdr)
			b.Write(make([]byte, 15*8))
			path := filepath.Join(dir, "layer-01.npy")
			require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
			sum, err := FileSHA256(path)
			require.NoError(t, err)
			editManifest(t, dir, func(m map[string]any) { layer(m, 0)["sha256"] = sum })
		}, file("layer-01.npy"), "dtype int64, want float64"},
		{"wrong version", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["version"] = 2 })
		}, man, "version 2 is newer than this lowdim reads (1): upgrade lowdim"},
		{"no version", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { delete(m, "version") })
		}, man, "version 0 is not a version of this format (1 to 1)"},
		{"wrong format", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["format"] = "keras" })
		}, man, `format "keras", want "lowdim-model"`},
		{"unknown kind", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["kind"] = "mlp" })
		}, man, `kind "mlp" is not supported: this lowdim reads "deep-linear" models`},
		{"activation in a deep-linear layer", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { layer(m, 1)["activation"] = "relu" })
		}, man, `layers[1] (W_2) has the activation "relu"; a deep-linear model has none`},
		{"bias in a deep-linear layer", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				layer(m, 0)["bias"] = map[string]any{"file": "bias-01.npy", "shape": []int{3}}
			})
		}, man, `layers[0] (W_1) has a bias (file "bias-01.npy"); a deep-linear model has none`},
		{"file outside the folder", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { layer(m, 0)["file"] = "../layer-01.npy" })
		}, man, `layers[0] (W_1): file "../layer-01.npy" is not a plain file name in the model folder`},
		{"file named twice", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { layer(m, 2)["file"] = "layer-01.npy" })
		}, man, `layers[2] (W_3): file "layer-01.npy" is also layers[0] (W_1)`},
		{"bad checksum field", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { layer(m, 2)["sha256"] = "xyz" })
		}, man, `layers[2] (W_3) (layer-03.npy): sha256 "xyz" is not 64 lowercase hex digits`},
		{"parameters", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["parameters"] = 1 })
		}, man, "parameters 1, but the layers hold 51"},
		{"outputs", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["outputs"] = 7 })
		}, man, "outputs 7, but the last layer has 6 rows"},
		{"no layers", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["layers"] = []any{} })
		}, man, "no layers"},
		{"centering shape", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["centering"].(map[string]any)["shape"] = []int{1, 5} })
		}, man, "centering rows: shape [1, 5], want [6, 1] for a 6 x 5 model"},
		{"centering kind", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["centering"].(map[string]any)["kind"] = "median" })
		}, man, `centering kind "median" is not one of none, global, rows, columns`},
		{"negative error", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["errors"].(map[string]any)["rmse"] = -1 })
		}, man, "error rmse = -1: want a finite value >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := savedModel(t)
			_, err := Load(dir)
			require.NoError(t, err, "the folder is valid before it is broken")
			tc.corrupt(t, dir)
			_, err = Load(dir)
			require.Error(t, err)
			t.Log(err)
			require.ErrorContains(t, err, tc.file(dir))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestLoadIgnoresUnknownFields: a field a later writer adds (see
// Compatibility) does not stop this reader.
func TestLoadIgnoresUnknownFields(t *testing.T) {
	dir := savedModel(t)
	editManifest(t, dir, func(m map[string]any) {
		m["standardization"] = map[string]any{"kind": "none"}
		layer(m, 0)["note"] = "added later"
	})
	_, err := Load(dir)
	require.NoError(t, err)
}
