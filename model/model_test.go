package model

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/outdir"
)

// testSeed seeds every random draw of the package's tests.
const testSeed = 13

// Tolerances.
const (
	// productTol bounds ||Product - naive||_F / ||naive||_F: the two
	// multiply the same L <= 4 factors of inner size <= 9 in different
	// orders; each rounds at most about L r eps ~ 1e-14 relative to the
	// product of the factors' norms, which random Gaussian factors keep
	// within a small factor of the product's norm.
	productTol = 1e-12
	// dotUlps scales the per-entry bound of Predict against Product: the
	// same dot product of length r_1 summed in two orders differs by at
	// most 2 r_1 eps sum_k |a_k b_k|.
	dotUlps = 2
	// eps is the unit roundoff of float64.
	eps = 0x1p-53
)

// randDense returns an r x c matrix of standard normal entries.
func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			d.Set(i, j, rng.NormFloat64())
		}
	}
	return d
}

// randModel returns a model whose layer l has shapes[l] (rows, cols), and
// the centering of kind k with random means.
func randModel(rng *rand.Rand, k CenteringKind, shapes ...[2]int) *Model {
	m := &Model{Method: "compressed", Width: shapes[0][0]}
	for _, s := range shapes {
		m.Layers = append(m.Layers, randDense(rng, s[0], s[1]))
	}
	rows, cols := m.Dims()
	shape, _ := meansShape(k, rows, cols)
	m.Centering.Kind = k
	if shape != nil {
		for range shape[0] * shape[1] {
			m.Centering.Means = append(m.Centering.Means, 3+rng.NormFloat64())
		}
	}
	return m
}

func ptr(v float64) *float64 { return &v }

// naiveProduct multiplies W_1 by W_2, ..., W_L from the left, then adds the
// means entry by entry: a reference independent of prefix.
func naiveProduct(m *Model) *mat.Dense {
	p := mat.DenseCopyOf(m.Layers[0])
	for _, w := range m.Layers[1:] {
		var next mat.Dense
		next.Mul(w, p)
		p = &next
	}
	r, c := p.Dims()
	for i := range r {
		for j := range c {
			mean := 0.0
			switch m.Centering.kind() {
			case CenterGlobal:
				mean = m.Centering.Means[0]
			case CenterRows:
				mean = m.Centering.Means[i]
			case CenterColumns:
				mean = m.Centering.Means[j]
			}
			p.Set(i, j, p.At(i, j)+mean)
		}
	}
	return p
}

// relDiff returns ||a - b||_F / ||b||_F.
func relDiff(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / mat.Norm(b, 2)
}

// shapeCases are the networks of the tests: one to four layers, square and
// rectangular, widening and narrowing.
var shapeCases = []struct {
	name   string
	center CenteringKind
	shapes [][2]int
}{
	{"L=1/none", CenterNone, [][2]int{{5, 7}}},
	{"L=1/columns", CenterColumns, [][2]int{{4, 3}}},
	{"L=2/global", CenterGlobal, [][2]int{{3, 9}, {6, 3}}},
	{"L=3/rows", CenterRows, [][2]int{{4, 11}, {4, 4}, {8, 4}}},
	{"L=3/square/none", CenterNone, [][2]int{{6, 6}, {6, 6}, {6, 6}}},
	{"L=4/columns", CenterColumns, [][2]int{{2, 5}, {9, 2}, {3, 9}, {7, 3}}},
}

func TestProductAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 1))
	for _, tc := range shapeCases {
		t.Run(tc.name, func(t *testing.T) {
			m := randModel(rng, tc.center, tc.shapes...)
			got := m.Product()
			r, c := got.Dims()
			wr, wc := m.Dims()
			require.Equal(t, [2]int{wr, wc}, [2]int{r, c})
			assert.LessOrEqual(t, relDiff(got, naiveProduct(m)), productTol)
		})
	}
}

func TestPredictAgainstProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 2))
	for _, tc := range shapeCases {
		t.Run(tc.name, func(t *testing.T) {
			m := randModel(rng, tc.center, tc.shapes...)
			p := m.Product()
			rows, cols := m.Dims()
			const n = 200
			ri, ci := make([]int, n), make([]int, n)
			for k := range n {
				ri[k], ci[k] = rng.IntN(rows), rng.IntN(cols)
			}
			dst := make([]float64, n)
			for k := range dst {
				dst[k] = math.NaN() // unwritten entries show
			}
			require.NoError(t, m.Predict(ri, ci, dst))
			a := m.prefix()
			for k := range n {
				// sum_k |a_k b_k| bounds the rounding of the dot product;
				// a one-layer model copies the entry exactly (bound 0).
				bound := 0.0
				if a != nil {
					for q := range a.RawRowView(0) {
						bound += math.Abs(a.At(ri[k], q) * m.Layers[0].At(q, ci[k]))
					}
				}
				r1, _ := m.Layers[0].Dims()
				// ... and adding the same mean rounds once more in each.
				bound = dotUlps*float64(r1)*eps*bound + 2*eps*math.Abs(p.At(ri[k], ci[k]))
				assert.InDelta(t, p.At(ri[k], ci[k]), dst[k], bound, "entry (%d, %d)", ri[k], ci[k])
			}
		})
	}
}

func TestPredictErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 3))
	m := randModel(rng, CenterNone, [2]int{3, 5}, [2]int{4, 3})
	dst := []float64{7, 7}
	for _, tc := range []struct {
		name       string
		rows, cols []int
		dst        []float64
		want       string
	}{
		{"lengths", []int{0}, []int{0, 1}, dst, "model: Predict: 1 rows, 2 columns and 2 destinations, want one length"},
		{"row", []int{0, 4}, []int{0, 1}, dst, "model: entry 1: row 4 out of range [0, 4)"},
		{"negative column", []int{0, 1}, []int{-1, 1}, dst, "model: entry 0: column -1 out of range [0, 5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.EqualError(t, m.Predict(tc.rows, tc.cols, tc.dst), tc.want)
			assert.Equal(t, []float64{7, 7}, dst, "nothing written on error")
		})
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 4))
	for _, tc := range shapeCases {
		t.Run(tc.name, func(t *testing.T) {
			m := randModel(rng, tc.center, tc.shapes...)
			m.Config = json.RawMessage(`{"workload": "mc", "depth": 3, "methods": ["compressed"]}`)
			m.ConfigHash = "abc123"
			steps, sel := 5200, 2600
			m.Training = Training{Status: "stopped", Message: "no new lowest validation error", Stopping: "loss <= 1e-10 x initial, validation patience 20 checkpoints of 50 steps",
				Steps: &steps, SelectedStep: &sel}
			m.Errors = Errors{Recovery: ptr(0.0125), RMSE: ptr(0.93)}
			m.Sources = []Source{{File: "data/ratings.csv", SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}}
			m.LowdimVersion = "v1.2.3"
			dir := filepath.Join(t.TempDir(), "model")
			require.NoError(t, Save(dir, m))

			got, err := Load(dir)
			require.NoError(t, err)
			assert.Equal(t, KindDeepLinear, got.Kind)
			require.Len(t, got.Layers, len(m.Layers))
			for l := range m.Layers {
				assert.Equal(t, m.Layers[l].RawMatrix(), got.Layers[l].RawMatrix(), "layer %d bit for bit", l+1)
			}
			assert.Equal(t, m.Centering.Kind, got.Centering.Kind)
			assert.Equal(t, m.Centering.Means, got.Centering.Means)
			assert.JSONEq(t, string(m.Config), string(got.Config))
			for _, f := range []struct {
				name      string
				got, want any
			}{
				{"method", got.Method, m.Method}, {"width", got.Width, m.Width},
				{"hash", got.ConfigHash, m.ConfigHash}, {"training", got.Training, m.Training},
				{"errors", got.Errors, m.Errors}, {"sources", got.Sources, m.Sources},
				{"version", got.LowdimVersion, m.LowdimVersion},
			} {
				assert.Equal(t, f.want, f.got, f.name)
			}
			assert.Nil(t, got.Errors.HeldOut, "absent stays absent")

			// The folder holds exactly the manifest, the layers, the means
			// and outdir's marker.
			want := []string{ManifestFile, outdir.Marker}
			for l := range m.Layers {
				want = append(want, layerFile(l, len(m.Layers)))
			}
			if tc.center != CenterNone {
				want = append(want, MeansFile)
			}
			assert.ElementsMatch(t, want, listDir(t, dir))
			assert.Equal(t, []string{"model"}, listDir(t, filepath.Dir(dir)), "no staging folder left")

			// The manifest writes an absent error as null, not 0.
			var raw map[string]any
			b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &raw))
			errs := raw["errors"].(map[string]any)
			assert.Contains(t, errs, "held_out")
			assert.Nil(t, errs["held_out"])
			assert.InDelta(t, float64(m.Parameters()), raw["parameters"], 0)
		})
	}
}

// TestSaveDefaults: an empty configuration is null, no sources an empty
// list, an empty version the machine's, and an empty centering none.
func TestSaveDefaults(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 5))
	m := randModel(rng, "", [2]int{2, 3})
	dir := filepath.Join(t.TempDir(), "m")
	require.NoError(t, Save(dir, m))
	var raw map[string]any
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &raw))
	assert.Contains(t, string(b), `"shape": [2, 3],`, "a shape on one line")
	assert.Nil(t, raw["config"])
	assert.Equal(t, []any{}, raw["sources"])
	assert.NotEmpty(t, raw["lowdim_version"])
	assert.Equal(t, map[string]any{"kind": "none"}, raw["centering"])
	got, err := Load(dir)
	require.NoError(t, err)
	assert.Nil(t, got.Config)
	assert.Equal(t, CenterNone, got.Centering.Kind)
	assert.Equal(t, Errors{}, got.Errors)
}

func TestLayerFileNames(t *testing.T) {
	for _, tc := range []struct {
		l, L int
		want string
	}{
		{0, 1, "layer-01.npy"},
		{2, 3, "layer-03.npy"},
		{9, 64, "layer-10.npy"},
		{0, 100, "layer-001.npy"}, // all names of a model have one width
		{99, 100, "layer-100.npy"},
	} {
		assert.Equal(t, tc.want, layerFile(tc.l, tc.L), "layer %d of %d", tc.l, tc.L)
	}
	names := make([]string, 12)
	for l := range names {
		names[l] = layerFile(l, len(names))
	}
	assert.True(t, slices.IsSorted(names), "names sort in order of application: %v", names)
}

func TestValidate(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 6))
	for _, tc := range []struct {
		name   string
		modify func(m *Model)
		want   string
	}{
		{"no layers", func(m *Model) { m.Layers = nil }, "no layers"},
		{"nil layer", func(m *Model) { m.Layers[1] = nil }, "layer 2 (W_2) is empty"},
		{"chain", func(m *Model) { m.Layers[1] = randDense(rng, 4, 2) },
			"layer 2 (W_2) is 4 x 2 but layer 1 has 3 rows: the shapes do not chain (W_2 must have 3 columns)"},
		{"NaN", func(m *Model) { m.Layers[0].Set(1, 2, math.NaN()) }, "layer 1 (W_1): element (1, 2) is NaN"},
		{"Inf mean", func(m *Model) { m.Centering = Centering{Kind: CenterGlobal, Means: []float64{math.Inf(1)}} }, "centering global: mean 0 is +Inf"},
		{"means length", func(m *Model) { m.Centering = Centering{Kind: CenterRows, Means: []float64{1}} }, "centering rows has 1 means, want 4 (model 4 x 5)"},
		{"means without centering", func(m *Model) { m.Centering.Means = []float64{1} }, "centering none has 1 means, want 0 (model 4 x 5)"},
		{"centering kind", func(m *Model) { m.Centering.Kind = "median" }, `centering "median" is not one of none, global, rows, columns`},
		{"kind", func(m *Model) { m.Kind = "mlp" }, `kind "mlp" is not supported (this lowdim writes "deep-linear")`},
		{"config", func(m *Model) { m.Config = json.RawMessage(`[1]`) }, "config is a JSON []interface {}, want an object"},
		{"error", func(m *Model) { m.Errors.RMSE = ptr(math.NaN()) }, "error rmse = NaN: want a finite value >= 0 (nil when not measured)"},
		{"source", func(m *Model) { m.Sources = []Source{{File: "x.csv", SHA256: "ABC"}} }, `source 1 (x.csv): sha256 "ABC" is not 64 lowercase hex digits`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := randModel(rng, CenterNone, [2]int{3, 5}, [2]int{4, 3})
			tc.modify(m)
			require.EqualError(t, m.Validate(), tc.want)
			// Save refuses it before writing anything.
			parent := t.TempDir()
			err := Save(filepath.Join(parent, "m"), m)
			require.ErrorContains(t, err, tc.want)
			assert.Empty(t, listDir(t, parent))
		})
	}
}

func TestFileSHA256(t *testing.T) {
	// The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
	path := filepath.Join(t.TempDir(), "abc.txt")
	require.NoError(t, os.WriteFile(path, []byte("abc"), 0o644))
	s, err := SourceOf(path)
	require.NoError(t, err)
	assert.Equal(t, Source{File: path, SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}, s)
	_, err = FileSHA256(filepath.Join(t.TempDir(), "absent"))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "absent")
}

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
