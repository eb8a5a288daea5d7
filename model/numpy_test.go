package model

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/npy"
)

// requireNumpy returns a python3 that imports numpy: the one on PATH, else
// the system's /usr/bin/python3 (where Debian's python3-numpy installs, when
// PATH leads to another Python first), or ends the test (skipped, or failed
// under LOWDIM_REQUIRE_ALL=1: .ci/run installs python3-numpy).
func requireNumpy(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", py, err))
			continue
		}
		out, err := exec.Command(path, "-c", "import numpy").CombinedOutput()
		if err == nil {
			return path
		}
		tried = append(tried, fmt.Sprintf("%s: %v: %s", path, err, bytes.TrimSpace(out)))
	}
	testenv.Unavailablef(t, "python3 with numpy (apt-get install python3-numpy); tried %s", strings.Join(tried, "; "))
	return ""
}

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
