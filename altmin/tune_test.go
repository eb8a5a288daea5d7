package altmin

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/ratings"
)

// fromFile converts a matfile entry list.
func fromFile(e *matfile.Entries) Entries { return Entries{Row: e.Row, Col: e.Col, Value: e.Value} }

// ratingsSplit returns the acceptance data (ratings.DefaultConfig
// at the test seed: 943 x 1682, 100,000 ratings 1..5) split 80/10/10 over
// its entries.
func ratingsSplit(t testing.TB) (*ratings.Data, *matfile.Split) {
	cfg := ratings.DefaultConfig
	cfg.Seed = seed
	d, err := ratings.Generate(cfg)
	require.NoError(t, err)
	s, err := matfile.SplitEntries(d.Entries, false, matfile.Fractions{Validation: 0.1, Test: 0.1}, seed)
	require.NoError(t, err)
	return d, s
}

// TestTuneRatings: on long-tailed noisy ratings, AltMin at k = 10 with the
// ridge chosen on the validation split gets a held-out RMSE near the
// noise floor (the oracle's RMSE, d.NoiseRMSE = 0.59): its 26,250
// parameters fit to 80,000 entries absorb some noise and the clamped,
// rounded ratings are not exactly low rank, so the test allows 1.25
// times the floor (measured 1.13). At the numerical floor of the ridge
// the rows and columns with few entries overfit: above twice the floor
// (measured 6.0 / 0.59 = 10), which is why Tune exists.
func TestTuneRatings(t *testing.T) {
	if testing.Short() {
		t.Skip("six fits of a 943 x 1682 matrix (several seconds)")
	}
	d, s := ratingsSplit(t)
	cfg := DefaultConfig
	cfg.K = 10
	res, trials, err := Tune(d.Entries.M, d.Entries.N, fromFile(s.Train), fromFile(s.Validation), cfg, nil)
	require.NoError(t, err)
	require.Len(t, trials, len(DefaultLambdaGrid))
	minVal := math.Inf(1)
	for i, tr := range trials {
		assert.Equal(t, DefaultLambdaGrid[i], tr.Lambda)
		minVal = math.Min(minVal, tr.ValRMSE)
		t.Logf("Lambda %-6g validation RMSE %.4f (sweep %d of %d, %v)", tr.Lambda, tr.ValRMSE, tr.Best, tr.Sweeps, tr.Stop)
	}
	assert.Equal(t, minVal, res.History[res.Best-1].ValRMSE, "Tune keeps the lowest validation RMSE")
	test, err := RMSE(res.U, res.V, fromFile(s.Test))
	require.NoError(t, err)
	t.Logf("chosen Lambda %g: test RMSE %.4f, noise floor %.4f (ratio %.3f)", res.LambdaRel, test, d.NoiseRMSE, test/d.NoiseRMSE)
	assert.Less(t, test, 1.25*d.NoiseRMSE)

	floorCfg := cfg
	floorCfg.Lambda = DefaultLambda
	floor, err := Fit(d.Entries.M, d.Entries.N, fromFile(s.Train), fromFile(s.Validation), floorCfg)
	require.NoError(t, err)
	floorTest, err := RMSE(floor.U, floor.V, fromFile(s.Test))
	require.NoError(t, err)
	t.Logf("at the numerical floor Lambda %g: test RMSE %.4f", DefaultLambda, floorTest)
	assert.Greater(t, floorTest, 2*d.NoiseRMSE)
}

func TestTune(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed, 10))
	pr := lowRank(rng, 30, 40, 2, 0.5, 2)
	for i := range pr.train.Value {
		pr.train.Value[i] += 0.2 * rng.NormFloat64()
	}
	var val Entries
	for i := 0; i < pr.held.Len(); i += 3 {
		val = appendEntry(val, pr.held.Row[i], pr.held.Col[i], pr.held.Value[i]+0.2*rng.NormFloat64())
	}
	cfg := DefaultConfig
	cfg.K = 4 // above the rank: the ridge matters
	grid := []float64{1, 0.01, 1e-10, 0.1}
	res, trials, err := Tune(30, 40, pr.train, val, cfg, grid)
	require.NoError(t, err)
	best := 0
	for i, tr := range trials {
		require.Equal(t, grid[i], tr.Lambda)
		if tr.ValRMSE < trials[best].ValRMSE {
			best = i
		}
	}
	assert.Equal(t, grid[best], res.LambdaRel)
	// The result is the one Fit gives at that ridge.
	cfg.Lambda = grid[best]
	direct, err := Fit(30, 40, pr.train, val, cfg)
	require.NoError(t, err)
	requireIdentical(t, res, direct)

	for _, tc := range []struct {
		name string
		val  Entries
		grid []float64
		msg  string
	}{
		{"no validation", Entries{}, nil, "Tune needs a validation list"},
		{"empty grid", val, []float64{}, "at least one ridge"},
		{"negative", val, []float64{0.1, -1}, "Lambda = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Tune(30, 40, pr.train, tc.val, cfg, tc.grid)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}

// BenchmarkAltMin times one sweep (V, then U) on ratings-like data: the
// issue's 943 x 1682 with 100,000 entries at k = 10, and smaller shapes
// for the scaling in k and |O|. ns/entry is the time per training entry.
func BenchmarkAltMin(b *testing.B) {
	for _, c := range []struct{ m, n, k, entries int }{
		{943, 1682, 10, 100_000},
		{943, 1682, 5, 100_000},
		{943, 1682, 20, 100_000},
		{200, 300, 5, 12_000},
	} {
		b.Run(fmt.Sprintf("m=%d/n=%d/k=%d/entries=%d", c.m, c.n, c.k, c.entries), func(b *testing.B) {
			cfg := ratings.DefaultConfig
			cfg.M, cfg.N, cfg.Entries, cfg.Seed = c.m, c.n, c.entries, seed
			d, err := ratings.Generate(cfg)
			require.NoError(b, err)
			ac := DefaultConfig
			ac.K = c.k
			s, err := New(c.m, c.n, fromFile(d.Entries), Entries{}, ac)
			require.NoError(b, err)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.Sweep(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.entries), "ns/entry")
		})
	}
}
