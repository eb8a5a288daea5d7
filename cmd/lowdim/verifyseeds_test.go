package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/ratings"
)

// TestVerifySeeds: verify --seeds 3 on a list of ratings repeats the whole
// verify at seeds 0, 1 and 2 (each its own split, rank choice and
// initializations) and reports every network's errors over the seeds with
// their 95% t-intervals, each width's count of seeds it was sufficient on
// (0 included), and the safe width of the mean errors; --save-model keeps
// the first seed's networks. The data is a small ratings-like matrix (80 x
// 120, 4000 ratings: a second or two per seed) with --reference altmin,
// as TestVerifyRatings's scale model.
func TestVerifySeeds(t *testing.T) {
	cfg := ratings.DefaultConfig
	cfg.Seed = 3
	cfg.M, cfg.N, cfg.Entries = 80, 120, 4000
	d, err := ratings.Generate(cfg)
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "ratings.csv")
	require.NoError(t, d.Write(path, true))
	out, models := filepath.Join(dir, "out"), filepath.Join(dir, "models")
	code, stdout, stderr := lowdim(t, "verify", "--workload", "mc", "--target", path, "--reference", "altmin", "--r", "3",
		"--seeds", "3", "--quiet", "--out", out, "--save-model", models)
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, []int{exitOK, exitFailure}, code)

	v := readFullVerdict(t, out)
	s := v.Seeds
	require.NotNil(t, s)
	require.Equal(t, []uint64{0, 1, 2}, s.Seeds)
	require.Len(t, s.Networks, 1+len(v.Config.RHats), "the reference, then every width")
	require.Len(t, s.SafeWidths, 3)
	require.Nil(t, s.Networks[0].SafeOn, "the reference is no candidate")
	for _, n := range s.Networks {
		require.Len(t, n.Errors, 3, n.Network)
		require.NotNil(t, n.Error, "%s: every seed judged it", n.Network)
		require.NotNil(t, n.RMSE, n.Network)
		require.Equal(t, 3, n.Error.N, n.Network)
		require.LessOrEqual(t, *n.Error.Lo, n.Error.Mean, n.Network)
		require.LessOrEqual(t, n.Error.Mean, *n.Error.Hi, n.Network)
		// Each seed its own split: the three held-out errors differ.
		require.NotEqual(t, *n.Errors[0], *n.Errors[1], n.Network)
		require.NotEqual(t, *n.Errors[1], *n.Errors[2], n.Network)
		if n.RHat > 0 {
			require.NotNil(t, n.SafeOn, n.Network)
			require.LessOrEqual(t, *n.SafeOn, 3, n.Network)
		}
	}
	words := strings.Join(strings.Fields(stdout), " ")
	require.Contains(t, words, "over 3 seeds [0 1 2] (95% t-interval of the mean):")
	require.Regexp(t, `compressed r_hat=3 +\S+ \[\S+, \S+\] +\S+ \[\S+, \S+\] +[0-3] of 3 seeds`, stdout, "one row a network, aligned")
	for _, line := range strings.Split(stdout, "\n") {
		require.LessOrEqual(t, len([]rune(line)), 100, line)
	}
	if v.SafeWidth != nil {
		require.Equal(t, exitOK, code, "a safe width on the mean errors, no seed failing")
	}

	// The saved models are the first seed's.
	var idx modelsFile
	readJSON(t, filepath.Join(models, modelsIndex), &idx)
	require.Len(t, idx.Models, 1+len(v.Config.RHats), "the original (not trained: AltMin is the reference) and every width")
}
