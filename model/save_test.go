package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/outdir"
)

// failAfter makes Save fail after it has written n files of its staging
// folder, for the rest of the test.
func failAfter(t *testing.T, n int) {
	t.Helper()
	saved := afterWrite
	t.Cleanup(func() { afterWrite = saved })
	written := 0
	afterWrite = func(path string) error {
		written++
		if written > n {
			return errors.New("injected failure")
		}
		return nil
	}
}

// TestSaveFailureLeavesNothing: a Save that fails after any number of its
// files leaves no staging folder and no model, whether DIR was absent, an
// empty folder, or an older model (which is left whole).
func TestSaveFailureLeavesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 8))
	m := randModel(rng, CenterGlobal, [2]int{3, 5}, [2]int{4, 3}, [2]int{6, 4})
	// 3 layers, means.npy and manifest.json: failing after 0 to 4 files
	// fails at each of the 5.
	for n := range 5 {
		t.Run(fmt.Sprintf("absent/files=%d", n), func(t *testing.T) {
			failAfter(t, n)
			parent := t.TempDir()
			err := Save(filepath.Join(parent, "model"), m)
			require.ErrorContains(t, err, "injected failure")
			require.ErrorContains(t, err, filepath.Join(parent, "model"))
			assert.Empty(t, listDir(t, parent), "after %d files", n)
		})
		t.Run(fmt.Sprintf("empty folder/files=%d", n), func(t *testing.T) {
			failAfter(t, n)
			parent := t.TempDir()
			dir := filepath.Join(parent, "model")
			require.NoError(t, os.Mkdir(dir, 0o755))
			require.Error(t, Save(dir, m))
			assert.Equal(t, []string{"model"}, listDir(t, parent))
			assert.Empty(t, listDir(t, dir))
		})
		t.Run(fmt.Sprintf("older model/files=%d", n), func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "model")
			old := randModel(rng, CenterNone, [2]int{2, 5}, [2]int{6, 2})
			require.NoError(t, Save(dir, old))
			failAfter(t, n)
			require.Error(t, Save(dir, m))
			assert.Equal(t, []string{"model"}, listDir(t, parent))
			got, err := Load(dir)
			require.NoError(t, err)
			assert.Equal(t, old.Layers[1].RawMatrix(), got.Layers[1].RawMatrix(), "the older model is intact")
		})
	}
}

// TestSaveReplaces: a second Save to a model folder replaces the model
// whole, files of the first that the second lacks included.
func TestSaveReplaces(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 9))
	parent := t.TempDir()
	dir := filepath.Join(parent, "model")
	first := randModel(rng, CenterRows, [2]int{3, 5}, [2]int{4, 3})
	second := randModel(rng, CenterNone, [2]int{2, 5}, [2]int{2, 2}, [2]int{4, 2})
	require.NoError(t, Save(dir, first))
	require.NoError(t, Save(dir, second))
	got, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, got.Layers, 3)
	assert.Equal(t, second.Layers[2].RawMatrix(), got.Layers[2].RawMatrix())
	assert.Equal(t, []string{"model"}, listDir(t, parent), "no staging or old folder left")
	assert.ElementsMatch(t, []string{ManifestFile, "layer-01.npy", "layer-02.npy", "layer-03.npy", outdir.Marker}, listDir(t, dir),
		"the first model's means.npy is gone with it")
}

func TestSaveRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 10))
	m := randModel(rng, CenterNone, [2]int{3, 5}, [2]int{4, 3})
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"a file", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(dir, []byte("x"), 0o644))
		}, "exists and is not a folder"},
		{"a folder that is not a model", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644))
		}, "holds files lowdim did not write (notes.txt)"},
		{"a folder being written", func(t *testing.T, dir string) {
			l, err := outdir.Acquire(dir)
			require.NoError(t, err)
			t.Cleanup(func() { l.Release() })
		}, "in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "model")
			tc.setup(t, dir)
			before := listDir(t, parent)
			err := Save(dir, m)
			require.ErrorContains(t, err, "saving model "+dir+": ")
			require.ErrorContains(t, err, tc.want)
			assert.Equal(t, before, listDir(t, parent), "nothing left or changed")
		})
	}
}

// TestWriteFiles: the files of a model written into a folder a caller
// commits itself load as the model.
func TestWriteFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 11))
	m := randModel(rng, CenterColumns, [2]int{3, 5}, [2]int{4, 3})
	dir := t.TempDir()
	require.NoError(t, WriteFiles(dir, m))
	assert.ElementsMatch(t, []string{ManifestFile, "layer-01.npy", "layer-02.npy", MeansFile}, listDir(t, dir))
	got, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, m.Layers[1].RawMatrix(), got.Layers[1].RawMatrix())
	err = WriteFiles(dir, m)
	require.ErrorContains(t, err, filepath.Join(dir, "layer-01.npy"))
	require.ErrorIs(t, err, os.ErrExist, "an existing file is not overwritten")
}
