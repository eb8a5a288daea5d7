package classify

import (
	"bytes"
	"github.com/lowdim/lowdim/machine"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/mlp"
)

// trainedOnSynthetic trains variant v at rhat on the generated set and
// returns the model, the scaling, the classes, the standardised test
// split and its raw table (as a predict would read it).
func trainedOnSynthetic(t *testing.T, v mlp.Variant, rhat int) (*mlp.Model, Scaling, []int64, *Set, *Table) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, WriteSyntheticCSV(&b, 1200, 5, 0.2, 3))
	src, err := Read("data", write(t, "d.csv", b.String()), "label")
	require.NoError(t, err)
	names, err := Classes(src.Train)
	require.NoError(t, err)
	tr, te, err := StratifiedSplit(src.Train, names, 0.25, 1)
	require.NoError(t, err)
	train, err := Numbered(src.Train, names, tr)
	require.NoError(t, err)
	test, err := Numbered(src.Train, names, te)
	require.NoError(t, err)
	raw := &Table{N: test.N, Features: test.Features, X: slices.Clone(test.X), Labels: make([]int64, test.N), Source: "raw test", Columns: src.Train.Columns}
	for i, y := range test.Y {
		raw.Labels[i] = names[y]
	}
	sc, err := Standardize(train, test)
	require.NoError(t, err)
	c := TrainConfig{Width: 16, Width2: 8, Depth: 3, Eps: 1, Alpha: 1, Batch: 32, Eta: 0.05, Epochs: 3}
	r, m, err := Train(c, v, rhat, 7, train, test, nil, nil)
	require.NoError(t, err)
	require.Equal(t, StatusDone, r.Status)
	require.Len(t, r.Trajectory, 3)
	require.Equal(t, *r.Accuracy, r.Trajectory[2].Accuracy, "the last trajectory point is the accuracy")
	return m, sc, names, test, raw
}

// TestSaveLoadPredict: the saved model, read back, predicts on the raw
// test rows exactly the labels the trained model gives the standardised
// ones (its verify's test split), for every variant.
func TestSaveLoadPredict(t *testing.T) {
	for _, v := range []mlp.Variant{mlp.Original, mlp.DLN, mlp.CDLN} {
		t.Run(string(v), func(t *testing.T) {
			m, sc, names, test, raw := trainedOnSynthetic(t, v, 4)
			dir := t.TempDir()
			acc, _ := Evaluate(m, test)
			require.NoError(t, SaveMLP(dir, m, sc, names, raw.Columns, SavedConfig{Variant: string(v), RHat: 4, Seed: 7,
				Train: TrainConfig{Width: 16, Width2: 8, Depth: 3, Eps: 1, Alpha: 1, Batch: 32, Eta: 0.05, Epochs: 3}},
				SavedTraining{Status: StatusDone, TestAccuracy: acc}, nil))
			s, err := LoadMLP(dir)
			require.NoError(t, err)
			got := s.Predict(raw)
			want := make([]int64, test.N)
			f := test.Features
			for i := range test.N {
				z := m.Forward(blas64.General{Rows: 1, Cols: f, Stride: f, Data: test.Row(i)})
				want[i] = names[argmax(z.Data[:z.Cols])]
			}
			require.Equal(t, want, got)
			correct := 0
			for i, l := range got {
				if l == raw.Labels[i] {
					correct++
				}
			}
			require.Equal(t, *acc, 100*float64(correct)/float64(test.N))
		})
	}
}

// TestLoadMLPRefuses: a changed weight file, a manifest of another kind,
// a missing bias: each refused with the file named.
func TestLoadMLPRefuses(t *testing.T) {
	m, sc, names, _, _ := trainedOnSynthetic(t, mlp.CDLN, 4)
	save := func(t *testing.T) string {
		dir := t.TempDir()
		require.NoError(t, SaveMLP(dir, m, sc, names, nil, SavedConfig{Variant: "cdln", RHat: 4,
			Train: TrainConfig{Width: 16, Width2: 8, Depth: 3, Eps: 1, Alpha: 1, Batch: 32, Eta: 0.05, Epochs: 3}}, SavedTraining{}, nil))
		return dir
	}
	edit := func(t *testing.T, path, old, new string) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Contains(t, string(b), old)
		require.NoError(t, os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644))
	}
	t.Run("checksum", func(t *testing.T) {
		dir := save(t)
		p := filepath.Join(dir, "layer-02.npy")
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		b[len(b)-1] ^= 1
		require.NoError(t, os.WriteFile(p, b, 0o644))
		_, err = LoadMLP(dir)
		require.ErrorContains(t, err, "layer-02.npy: sha256")
	})
	t.Run("kind", func(t *testing.T) {
		dir := save(t)
		edit(t, filepath.Join(dir, "manifest.json"), `"kind": "mlp"`, `"kind": "deep-linear"`)
		_, err := LoadMLP(dir)
		require.ErrorContains(t, err, `kind "deep-linear": not an MLP`)
	})
	t.Run("r_hat", func(t *testing.T) {
		dir := save(t)
		edit(t, filepath.Join(dir, "manifest.json"), `"r_hat": 4`, `"r_hat": 5`)
		_, err := LoadMLP(dir)
		require.ErrorContains(t, err, "layers[1]: shape [4 16], but the configuration implies [5 16]")
	})
}

// TestVerifyMemoryAndEnergy: every run of a verify has its peak RSS and
// the RSS it started from where the peak can be reset (Linux), none
// elsewhere; each model's training memory is its parameters plus
// workspace; each latency has an energy per 1000 predictions, labelled.
func TestVerifyMemoryAndEnergy(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteSyntheticCSV(&b, 600, 4, 0.2, 5))
	src, err := Read("data", write(t, "d.csv", b.String()), "label")
	require.NoError(t, err)
	names, err := Classes(src.Train)
	require.NoError(t, err)
	tr, te, err := StratifiedSplit(src.Train, names, 0.25, 1)
	require.NoError(t, err)
	train, err := Numbered(src.Train, names, tr)
	require.NoError(t, err)
	test, err := Numbered(src.Train, names, te)
	require.NoError(t, err)
	_, err = Standardize(train, test)
	require.NoError(t, err)
	drop := 100.0
	c := Config{Train: TrainConfig{Width: 8, Width2: 4, Depth: 2, Eps: 1, Alpha: 1, Batch: 16, Eta: 0.05, Epochs: 2},
		RHats: []int{2}, Seeds: []uint64{1, 2}, MaxDrop: &drop, Decide: DecideMean}
	v, err := Verify(c, train, test, names, Options{LatencyBudget: time.Millisecond})
	require.NoError(t, err)
	resettable := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	for _, m := range v.Models {
		cfg := c.Train.model(mlp.Variant(m.Variant), m.RHat, 4, 4, 1)
		mm, err := mlp.New(cfg, 512)
		require.NoError(t, err)
		require.Equal(t, mm.WorkspaceBytes()+8*int64(mm.Params()), m.ModelBytes, m.Name)
		for _, r := range m.Runs {
			if !resettable {
				require.Nil(t, r.PeakRSSBytes, "%s: a peak with no reset", m.Name)
				continue
			}
			require.NotNil(t, r.PeakRSSBytes, m.Name)
			require.NotNil(t, r.BaseRSSBytes, m.Name)
			require.GreaterOrEqual(t, *r.PeakRSSBytes, *r.BaseRSSBytes, m.Name)
		}
		require.Len(t, m.Latency, len(LatencyBatches), m.Name)
		for _, l := range m.Latency {
			require.NotNil(t, l.JoulesPer1000, m.Name)
			require.GreaterOrEqual(t, *l.JoulesPer1000, 0.0, m.Name)
			require.NotEmpty(t, l.EnergySource, m.Name)
		}
	}
}

// TestEstimateBytes: the memory preflight's estimate is never below what
// a model holds in training (its parameters and mlp's WorkspaceBytes,
// exact) and at most 10% above it (the block's end-to-end product).
func TestEstimateBytes(t *testing.T) {
	for _, c := range []TrainConfig{
		{Width: 16, Width2: 8, Depth: 3, Eps: 1, Alpha: 1, Batch: 32, Eta: 0.05, Epochs: 1},
		{Width: 128, Width2: 64, Depth: 5, Eps: 1, Alpha: 2, Batch: 64, Eta: 0.05, Momentum: 0.9, Epochs: 1},
		{Width: 300, Width2: 20, Depth: 2, Eps: 1, Alpha: 1, Batch: 1024, Eta: 0.05, Epochs: 1},
	} {
		for _, s := range []struct {
			v    mlp.Variant
			rhat int
		}{{mlp.Original, 0}, {mlp.DLN, 0}, {mlp.CDLN, 4}, {mlp.CDLN, c.Width}} {
			m, err := mlp.New(c.model(s.v, s.rhat, 50, 7, 1), max(c.Batch, 512))
			require.NoError(t, err)
			exact := float64(m.WorkspaceBytes() + 8*int64(m.Params()))
			est := c.EstimateBytes(s.v, s.rhat, 50, 7)
			require.GreaterOrEqual(t, est, exact, "%+v %s r %d", c, s.v, s.rhat)
			require.LessOrEqual(t, est, 1.1*exact, "%+v %s r %d", c, s.v, s.rhat)
		}
	}
}

// TestCheckMemory: the memory preflight refuses a verify whose largest
// model does not fit, naming the flag that makes it too large and the
// bytes, and passes one that fits.
func TestCheckMemory(t *testing.T) {
	b := machine.Budget{Available: 1 << 30, Source: machine.FromMemAvailable}
	c := Config{Train: TrainConfig{Width: 1024, Width2: 64, Depth: 1000, Eps: 1, Alpha: 1, Batch: 64, Eta: 0.05, Epochs: 1}, RHats: []int{16}}
	err := c.checkMemory(20, 3, b)
	require.ErrorContains(t, err, "invalid --depth 1000: the dln model would hold about 50.3 GB")
	require.ErrorContains(t, err, "GB in training")
	c.Train.Depth, c.Train.Width = 3, 100000
	require.ErrorContains(t, c.checkMemory(20, 3, b), "invalid --width 100000: the dln model would hold about")
	c.Train.Width = 128
	require.NoError(t, c.checkMemory(20, 3, b))
}
