package main

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/results"
)

// TestVerifyNoiseLevel: verify --noise-level s on a noisy matrix (30 x 45,
// singular values 3, 2, 1.5 plus Gaussian noise of standard deviation s =
// 0.02, full numerical rank) takes r from the singular values above the
// noise's edge s (sqrt(30) + sqrt(45)) = 0.02 x (5.477 + 6.708) = 0.2437
// (3: the noise's own reach about that edge, the signal's smallest 1.5),
// reports it as the file's with that edge, and trains every network to the noise's loss (converged, the
// regime naming the training RMSE at the noise level) instead of a
// tolerance the floor keeps it from reaching.
func TestVerifyNoiseLevel(t *testing.T) {
	const sigma = 0.02
	phi := rectTarget(t, 30, 45)
	rng := rand.New(rand.NewPCG(1, 14))
	r, c := phi.Dims()
	for i := range r {
		for j := range c {
			phi.Set(i, j, phi.At(i, j)+sigma*rng.NormFloat64())
		}
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "noisy.npy")
	require.NoError(t, matfile.Write(target, phi))
	out := filepath.Join(dir, "out")
	code, stdout, stderr := lowdim(t, "verify", "--target", target, "--noise-level", "0.02", "--quiet", "--out", out)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	words := strings.Join(strings.Fields(stdout), " ")
	require.Contains(t, words, "r = 3: the singular values of "+target+" above the noise's edge 0.2437 (--noise-level 0.02 x (sqrt(30) + sqrt(45)))")
	require.Contains(t, words, "training RMSE at the noise level")
	v := readFullVerdict(t, out)
	require.Equal(t, 3, v.Config.R)
	require.Equal(t, results.Converged, v.Original.Status)
	for _, w := range v.Widths {
		require.Equal(t, results.Converged, w.Status, "r_hat %d", w.RHat)
		require.NotNil(t, w.RMSE)
		// The residual of a fit to the noise's loss: the noise's RMSE, give
		// or take the part of it the network fits (a fifth, generously).
		require.InDelta(t, sigma, *w.RMSE, sigma/5, "r_hat %d", w.RHat)
	}
}
