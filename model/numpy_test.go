package model

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/npy"
)

// requireNumpy returns a python3 that imports numpy, or ends the test
// (testenv.NumpyPython).
func requireNumpy(t *testing.T) string { return testenv.NumpyPython(t) }

// TestNumpyReproduces: a NumPy user who knows only the folder's format
// reproduces the end-to-end product with np.linalg.multi_dot and the
// centering, and the recorded recovery error, to 1e-12 relative
// (testdata/reproduce.py, which also checks the files' checksums).
func TestNumpyReproduces(t *testing.T) {
	py := requireNumpy(t)
	rng := rand.New(rand.NewPCG(testSeed, 12))
	work := t.TempDir()
	args := []string{filepath.Join("testdata", "reproduce.py")}
	for k, tc := range shapeCases {
		m := randModel(rng, tc.center, tc.shapes...)
		rows, cols := m.Dims()
		// A target near the product (so the error is a realistic 0.1).
		p := m.Product()
		target := mat.DenseCopyOf(p)
		noise := randDense(rng, rows, cols)
		noise.Scale(0.1*mat.Norm(p, 2)/mat.Norm(noise, 2), noise)
		target.Add(target, noise)
		m.Errors.Recovery = ptr(relDiff(p, target))

		dir := filepath.Join(work, fmt.Sprintf("model-%d", k))
		require.NoError(t, Save(dir, m), tc.name)
		targetPath := filepath.Join(work, fmt.Sprintf("target-%d.npy", k))
		productPath := filepath.Join(work, fmt.Sprintf("product-%d.npy", k))
		require.NoError(t, npy.WriteFile(targetPath, []int{rows, cols}, target.RawMatrix().Data))
		// The product of the model as Load gives it back: what a user of
		// lowdim predict gets.
		loaded, err := Load(dir)
		require.NoError(t, err, tc.name)
		require.NoError(t, npy.WriteFile(productPath, []int{rows, cols}, loaded.Product().RawMatrix().Data))
		args = append(args, dir, targetPath, productPath)
		t.Logf("%s: %s", filepath.Base(dir), tc.name)
	}
	// One Python for every case: importing numpy costs about a second.
	out, err := exec.Command(py, args...).CombinedOutput()
	t.Logf("%s", out)
	require.NoError(t, err, "reproduce.py: %s", out)
}
