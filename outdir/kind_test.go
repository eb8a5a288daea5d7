package outdir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenRefusesAnotherKind: every folder lowdim commits carries the same
// marker, so the files of each kind tell them apart (Holds); a folder of
// one kind opened for another is refused, naming both, and left as it
// was; the same kind (a run over an earlier run, an instance over an
// earlier instance) is replaced as before, and so is a preset's subfolder.
func TestOpenRefusesAnotherKind(t *testing.T) {
	root := t.TempDir()
	runDir := filepath.Join(root, "run")
	instDir := filepath.Join(root, "inst")
	initDir := filepath.Join(root, "init")
	modelDir := filepath.Join(root, "model")
	commitSet(t, runDir, Options{}, "", map[string]string{"run.json": "{}"})
	commitSet(t, instDir, Options{Kind: KindInstance}, "", map[string]string{"target.npy": "t", "mask.npy": "m"})
	commitSet(t, initDir, Options{Kind: KindInstance}, "", map[string]string{"init_compressed_W1.npy": "w"})
	commitSet(t, modelDir, Options{Kind: KindModel}, "", map[string]string{"models.json": "[]"})
	require.Equal(t, KindRun, Holds(runDir))
	require.Equal(t, KindInstance, Holds(instDir))
	require.Equal(t, KindInstance, Holds(initDir))
	require.Equal(t, KindModel, Holds(modelDir))

	tests := []struct {
		dir, kind, want string
	}{
		{instDir, KindRun, "holds an instance (--save-instance), not a run's outputs (--out)"},
		{initDir, KindRun, "holds an instance (--save-instance), not a run's outputs (--out)"},
		{modelDir, KindRun, "holds saved models (--save-model), not a run's outputs (--out)"},
		{runDir, KindInstance, "holds a run's outputs (--out), not an instance (--save-instance)"},
		{modelDir, KindInstance, "holds saved models (--save-model), not an instance (--save-instance)"},
		{instDir, KindModel, "holds an instance (--save-instance), not saved models (--save-model)"},
	}
	for _, tt := range tests {
		_, err := Open(tt.dir, Options{Kind: tt.kind})
		require.ErrorContains(t, err, tt.dir+" "+tt.want)
	}
	for _, d := range []string{runDir, instDir, initDir, modelDir} {
		require.FileExists(t, filepath.Join(d, Marker), "%s was changed", d)
	}
	require.FileExists(t, filepath.Join(instDir, "target.npy"))
	require.FileExists(t, filepath.Join(modelDir, "models.json"))

	// Each kind over itself is replaced, as before.
	commitSet(t, runDir, Options{}, "", map[string]string{"run.json": "{2}"})
	commitSet(t, instDir, Options{Kind: KindInstance}, "", map[string]string{"target.npy": "t2"})
	commitSet(t, modelDir, Options{Kind: KindModel}, "", map[string]string{"models.json": "[2]"})
	b, err := os.ReadFile(filepath.Join(instDir, "target.npy"))
	require.NoError(t, err)
	require.Equal(t, "t2", string(b))

	// A preset's subfolder of another kind is refused too.
	presets := filepath.Join(root, "presets")
	commitSet(t, presets, Options{Subs: []string{"a"}, Kind: KindInstance}, "a", map[string]string{"target.npy": "t"})
	_, err = Open(presets, Options{Subs: []string{"a"}})
	require.ErrorContains(t, err, filepath.Join(presets, "a")+" holds an instance (--save-instance)")
}
