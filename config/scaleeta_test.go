package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lowdim/lowdim/config"
	"github.com/stretchr/testify/require"
)

// resolveMC resolves flags over the mc fast preset (paper-mc-fast, eta 6)
// and returns its one run.
func resolveMC(t *testing.T, l config.Layers) config.Config {
	t.Helper()
	if l.Preset == "" {
		l.Preset = "paper-mc-fast"
	}
	runs, err := config.Resolve(l)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	return runs[0]
}

// TestScaleEtaBoundary: a generated completion instance trains at the
// preset's eta up to d = ScaleEtaMinD and at --eta-frac DefaultUserEtaFrac
// above it, with the reason recorded; the larger side counts for a
// rectangular target.
func TestScaleEtaBoundary(t *testing.T) {
	require.Equal(t, 4096, config.ScaleEtaMinD)
	at := resolveMC(t, config.Layers{Flags: map[string]any{"d": 4096}})
	require.Zero(t, at.EtaFrac)
	require.Empty(t, at.EtaFrom)
	require.Equal(t, 6.0, at.Eta)

	above := resolveMC(t, config.Layers{Flags: map[string]any{"d": 4097}})
	require.Equal(t, config.DefaultUserEtaFrac, above.EtaFrac)
	require.Contains(t, above.EtaFrom, "above d = 4096 (here 4097)")

	rect := resolveMC(t, config.Layers{Flags: map[string]any{"rows": 4097, "cols": 64}})
	require.Equal(t, config.DefaultUserEtaFrac, rect.EtaFrac)
	rect = resolveMC(t, config.Layers{Flags: map[string]any{"rows": 64, "cols": 4096}})
	require.Zero(t, rect.EtaFrac)
}

// TestScaleEtaSparse: --storage sparse takes the default at any size;
// --storage dense above the boundary still does (the size rule), and at the
// preset's size with no storage given the preset's eta stays.
func TestScaleEtaSparse(t *testing.T) {
	sp := resolveMC(t, config.Layers{Flags: map[string]any{"storage": "sparse"}})
	require.Equal(t, 60, sp.D)
	require.Equal(t, config.DefaultUserEtaFrac, sp.EtaFrac)
	require.Contains(t, sp.EtaFrom, "sparse")

	dense := resolveMC(t, config.Layers{Flags: map[string]any{"storage": "dense", "d": 5000}})
	require.Equal(t, config.DefaultUserEtaFrac, dense.EtaFrac)

	small := resolveMC(t, config.Layers{Flags: map[string]any{"storage": "dense"}})
	require.Zero(t, small.EtaFrac)
	own := resolveMC(t, config.Layers{})
	require.Zero(t, own.EtaFrac)
	require.Equal(t, 6.0, own.Eta)
}

// TestScaleEtaGiven: --eta or --eta-frac, by flag or in the file, is
// respected; other workloads and loaded instances are left alone.
func TestScaleEtaGiven(t *testing.T) {
	eta := resolveMC(t, config.Layers{Flags: map[string]any{"d": 8192, "eta": 3.0}})
	require.Zero(t, eta.EtaFrac)
	require.Empty(t, eta.EtaFrom)
	require.Equal(t, 3.0, eta.Eta)

	frac := resolveMC(t, config.Layers{Flags: map[string]any{"d": 8192, "eta-frac": 0.5}})
	require.Equal(t, 0.5, frac.EtaFrac)
	require.Empty(t, frac.EtaFrom)

	file := filepath.Join(t.TempDir(), "c.toml")
	require.NoError(t, os.WriteFile(file, []byte("eta = 2.5\nd = 8192\n"), 0o644))
	fromFile := resolveMC(t, config.Layers{File: file})
	require.Zero(t, fromFile.EtaFrac)
	require.Equal(t, 2.5, fromFile.Eta)

	mf, err := config.Resolve(config.Layers{Preset: "paper-mf-fast", Flags: map[string]any{"d": 8192}})
	require.NoError(t, err)
	require.Zero(t, mf[0].EtaFrac)

	loaded := resolveMC(t, config.Layers{Loading: true, Flags: map[string]any{"d": 8192}})
	require.Zero(t, loaded.EtaFrac)

	// A suite of several workloads: only its mc run is moved to scale.
	quick, err := config.Resolve(config.Layers{Preset: "quick", Flags: map[string]any{"storage": "sparse"}})
	require.NoError(t, err)
	n := 0
	for _, c := range quick {
		if c.Workload == "mc" {
			require.Equal(t, config.DefaultUserEtaFrac, c.EtaFrac, c.Name)
			n++
		} else {
			require.Zero(t, c.EtaFrac, c.Name)
		}
	}
	require.Equal(t, 1, n)
}

// TestScaleEtaHash: a configuration whose --eta-frac was defaulted at
// scale hashes as the one that gave --eta-frac 0.8: EtaFrom, the record of
// why, is no field of the canonical encoding. It differs from the run at a
// given --eta, which trains at another rate.
func TestScaleEtaHash(t *testing.T) {
	def := resolveMC(t, config.Layers{Flags: map[string]any{"d": 8192}})
	given := resolveMC(t, config.Layers{Flags: map[string]any{"d": 8192, "eta-frac": config.DefaultUserEtaFrac}})
	require.NotEmpty(t, def.EtaFrom)
	require.Empty(t, given.EtaFrom)
	require.Equal(t, config.Hash(given), config.Hash(def))
	require.NotContains(t, string(config.Canonical(def)), "eta_from")
	eta := resolveMC(t, config.Layers{Flags: map[string]any{"d": 8192, "eta": 6.0}})
	require.NotEqual(t, config.Hash(eta), config.Hash(def))
}
