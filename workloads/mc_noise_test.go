package workloads_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/workloads"
)

// mcConfig is a small resolved mc configuration with noise sigma (no
// key at all when given is false).
func mcConfig(t *testing.T, d int, p, sigma float64, given bool, storage string) config.Config {
	t.Helper()
	flags := map[string]any{"workload": "mc", "d": d, "r": 2, "p": p, "storage": storage}
	if given {
		flags["noise"] = sigma
	}
	runs, err := config.Resolve(config.Layers{Flags: flags})
	require.NoError(t, err)
	return runs[0].WithDefaults()
}

func streams(seed uint64) func(uint64) *rand.Rand {
	return func(s uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, s)) }
}

// drawMC draws the dense mc instance of c with the registry's New.
func drawMC(t *testing.T, c config.Config) (*mat.Dense, *workloads.MC) {
	t.Helper()
	spec, ok := workloads.Lookup("mc")
	require.True(t, ok)
	target, err := workloads.Target(c, newRNG(1))
	require.NoError(t, err)
	w, err := spec.New(c, target, streams(11))
	require.NoError(t, err)
	return target, w.(*workloads.MC)
}

// TestMCNoiseHash: mc's noise is left out of the canonical encoding at 0,
// so every noiseless mc configuration keeps the hash it had before mc had
// noise (the value pinned below was computed for paper-mc-fast by the
// commit before it); a nonzero noise changes it.
func TestMCNoiseHash(t *testing.T) {
	runs, err := config.Resolve(config.Layers{Preset: "paper-mc-fast"})
	require.NoError(t, err)
	require.Equal(t, "febdbf24b153092feb9ca4f60069ec94ee8de6e914c5c639c064f4ffecd0af1b", config.Hash(runs[0]))
	zero, err := config.Resolve(config.Layers{Preset: "paper-mc-fast", Flags: map[string]any{"noise": 0.0}})
	require.NoError(t, err)
	require.Equal(t, config.Hash(runs[0]), config.Hash(zero[0]), "--noise 0 is the noiseless run")
	require.NotContains(t, string(config.Canonical(zero[0])), "noise")
	noisy, err := config.Resolve(config.Layers{Preset: "paper-mc-fast", Flags: map[string]any{"noise": 0.01}})
	require.NoError(t, err)
	require.Contains(t, string(config.Canonical(noisy[0])), `"noise":0.01`)
	require.NotEqual(t, config.Hash(runs[0]), config.Hash(noisy[0]))
}

// TestMCNoiseZeroDrawsNothing: noise 0, given or not, is the instance of
// before: the observed values are the target's (the same matrix), and the
// mask of a noisy instance is the noiseless one's (the noise is drawn
// after it, from its stream).
func TestMCNoiseZeroDrawsNothing(t *testing.T) {
	_, none := drawMC(t, mcConfig(t, 20, 0.4, 0, false, "dense"))
	target, zero := drawMC(t, mcConfig(t, 20, 0.4, 0, true, "dense"))
	require.False(t, zero.Noisy())
	require.Same(t, zero.Target(), zero.ObservedValues())
	require.Equal(t, none.Mask().RawMatrix().Data, zero.Mask().RawMatrix().Data)
	_, _, vals := zero.Observations()
	_, _, valsNone := none.Observations()
	require.Equal(t, valsNone, vals)
	_, noisy := drawMC(t, mcConfig(t, 20, 0.4, 0.1, true, "dense"))
	require.True(t, noisy.Noisy())
	require.Equal(t, zero.Mask().RawMatrix().Data, noisy.Mask().RawMatrix().Data, "the noise is drawn after the mask")
	require.Equal(t, target.RawMatrix().Data, noisy.Target().RawMatrix().Data, "the target is clean")
}

// TestMCNoiseStatistics: the observed values differ from the target by
// sigma z on the mask and not elsewhere; over 0.5 * 120^2 = 7200 entries
// the sample mean of z is within 4 standard errors (4/sqrt(7200) = 0.047)
// of 0 and its sample standard deviation within 5% of 1 (its standard
// error is 1/sqrt(2n) = 0.0083: 6 of them).
func TestMCNoiseStatistics(t *testing.T) {
	const sigma = 0.03
	target, w := drawMC(t, mcConfig(t, 120, 0.5, sigma, true, "dense"))
	obs, mask := w.ObservedValues(), w.Mask()
	var z []float64
	r, c := target.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			diff := obs.At(i, j) - target.At(i, j)
			if mask.At(i, j) == 0 {
				require.Zero(t, diff, "unobserved entry (%d, %d)", i, j)
				continue
			}
			z = append(z, diff/sigma)
		}
	}
	require.Len(t, z, w.Observed())
	mean, sd := stat.MeanStdDev(z, nil)
	require.InDelta(t, 0, mean, 4/math.Sqrt(float64(len(z))))
	require.InDelta(t, 1, sd, 0.05)
}

// TestMCObservedLoss: the loss is against the observed values, the
// recovery error and test loss against the clean target: at W = Phi the
// loss is sum_O (sigma z)^2 / (2|O|) and the error 0; the surrogate is
// P_O(Y)/p and Observations holds Y.
func TestMCObservedLoss(t *testing.T) {
	target, w := drawMC(t, mcConfig(t, 30, 0.5, 0.2, true, "dense"))
	obs, mask := w.ObservedValues(), w.Mask()
	var ss float64
	r, c := target.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if mask.At(i, j) == 1 {
				e := target.At(i, j) - obs.At(i, j)
				ss += e * e
			}
		}
	}
	want := ss / (2 * float64(w.Observed()))
	requireClose(t, "loss at the target", w.Loss(target), want, 0, 1e-12)
	require.Zero(t, w.RecoveryError(target))
	tl, ok := w.TestLoss(target)
	require.True(t, ok)
	require.Zero(t, tl)
	p := float64(w.Observed()) / float64(r*c)
	var sur mat.Dense
	sur.MulElem(obs, mask)
	sur.Scale(1/p, &sur)
	requireMatClose(t, "surrogate", w.Surrogate(), &sur, 0, 1e-15)
	rowPtr, cols, vals := w.Observations()
	for i := 0; i < r; i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			require.Equal(t, obs.At(i, int(cols[k])), vals[k])
		}
	}
}

// TestMCNoiseSparse: the sparse instance draws the same noise on its
// observed values (the CSR order is row-major, as the dense draw's), and
// none at 0.
func TestMCNoiseSparse(t *testing.T) {
	spec, _ := workloads.Lookup("mc")
	draw := func(sigma float64) []float64 {
		c := mcConfig(t, 40, 0.3, sigma, true, "sparse")
		w, _, err := spec.NewSparse(c, streams(5))
		require.NoError(t, err)
		_, _, vals := w.(*workloads.SparseMC).Observations()
		return vals
	}
	clean, zero, noisy := draw(0), draw(0), draw(0.05)
	require.Equal(t, clean, zero)
	var z []float64
	for k := range clean {
		z = append(z, (noisy[k]-clean[k])/0.05)
	}
	mean, sd := stat.MeanStdDev(z, nil)
	require.InDelta(t, 0, mean, 4/math.Sqrt(float64(len(z))))
	require.InDelta(t, 1, sd, 0.1)
}

// TestMCNoiseSaveLoad: a noisy instance saves its observed values
// (ObservedFile) and loads back to the same loss; a noiseless one writes
// no such file.
func TestMCNoiseSaveLoad(t *testing.T) {
	spec, _ := workloads.Lookup("mc")
	for _, sigma := range []float64{0, 0.1} {
		c := mcConfig(t, 12, 0.5, sigma, true, "dense")
		target, w := drawMC(t, c)
		dir := t.TempDir()
		require.NoError(t, spec.Save(w, dir))
		back, err := spec.Load(&config.Config{Workload: "mc", Params: config.Params{}}, target, dir)
		require.NoError(t, err)
		b := back.(*workloads.MC)
		require.Equal(t, sigma > 0, b.Noisy())
		x := gaussian(12, 12, newRNG(2))
		require.Equal(t, w.Loss(x), b.Loss(x))
		require.Equal(t, w.RecoveryError(x), b.RecoveryError(x))
	}
}

// TestAddObservationNoiseRefuses: sigma negative, NaN or infinite is an
// error, as SampleSensing's.
func TestAddObservationNoiseRefuses(t *testing.T) {
	m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	for _, s := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		_, err := workloads.AddObservationNoise(m, m, s, newRNG(1))
		require.ErrorContains(t, err, "noise sigma")
	}
	_, err := workloads.NewMCObserved(m, mat.NewDense(2, 2, []float64{1, 0, 0, 1}), mat.NewDense(2, 2, []float64{math.NaN(), 0, 0, 1}))
	require.ErrorContains(t, err, "observed value (0, 0) is NaN")
}
