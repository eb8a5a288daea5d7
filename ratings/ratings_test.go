package ratings

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/matfile"
)

// seed is the one source of test randomness.
const seed = 1

// topShare returns the share of all entries held by the 10% of rows (of
// counts) with the most entries.
func topShare(counts []int) float64 {
	c := slices.Clone(counts)
	slices.Sort(c)
	slices.Reverse(c)
	top, all := 0, 0
	for i, x := range c {
		if i < len(c)/10 {
			top += x
		}
		all += x
	}
	return float64(top) / float64(all)
}

func TestGenerateDefault(t *testing.T) {
	cfg := DefaultConfig
	cfg.Seed = seed
	d, err := Generate(cfg)
	require.NoError(t, err)
	e := d.Entries
	require.NoError(t, e.Check())
	assert.Equal(t, 943, e.M)
	assert.Equal(t, 1682, e.N)
	require.Equal(t, 100_000, e.Len())

	seen := map[[2]int]bool{}
	hist := map[float64]int{}
	var sum float64
	for k, v := range e.Value {
		p := [2]int{e.Row[k], e.Col[k]}
		require.False(t, seen[p], "entry %v twice", p)
		seen[p] = true
		require.True(t, v == math.Trunc(v) && v >= MinRating && v <= MaxRating, "value %v", v)
		hist[v]++
		sum += v
		if k > 0 {
			require.True(t, e.Row[k-1] < e.Row[k] || (e.Row[k-1] == e.Row[k] && e.Col[k-1] < e.Col[k]), "sorted by row, then column")
		}
	}
	rows, cols := e.Counts()
	assert.Positive(t, slices.Min(rows), "every row has an entry (E >= max(m, n))")
	assert.Positive(t, slices.Min(cols), "every column has an entry")
	// Long tails: the top 10% would hold 10% under uniform degrees; the
	// default laws' weights give 35% (rows) and 48% (columns), which the
	// covering entries and the redrawn pairs of the head lower (29.8% and
	// 40.9% at seed 1; the bounds leave room for other seeds).
	rs, cs := topShare(rows), topShare(cols)
	t.Logf("top 10%% of rows hold %.1f%%, of columns %.1f%%; rows %d..%d, columns %d..%d; ratings %v; mean %.2f; noise RMSE %.3f",
		100*rs, 100*cs, slices.Min(rows), slices.Max(rows), slices.Min(cols), slices.Max(cols), hist, sum/float64(e.Len()), d.NoiseRMSE)
	assert.Greater(t, rs, 0.25)
	assert.Greater(t, cs, 0.35)
	assert.Less(t, slices.Max(rows), e.N, "the most active row is not full")
	// Every rating level occurs: the signal (mean 3.5, std 1) plus noise
	// reaches 1 and 5 with probability above 3% each.
	for v := MinRating; v <= MaxRating; v++ {
		assert.Greater(t, hist[float64(v)], e.Len()/100, "rating %d", v)
	}
	// The mean rating is near μ = 3.5 (clamping at 1 and 5 pulls little).
	assert.InDelta(t, 3.5, sum/float64(e.Len()), 0.2)
	// The oracle's error is at least the noise's std minus sampling slack
	// (clamping and rounding both cost), at most its root sum of squares
	// with rounding (1/12) plus clamping's share.
	assert.Greater(t, d.NoiseRMSE, 0.45)
	assert.Less(t, d.NoiseRMSE, math.Sqrt(0.25+1.0/12)+0.1)
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := Config{M: 50, N: 80, Entries: 600, Rank: 3, Noise: 0.3, Rows: DefaultRowDegrees, Cols: DefaultColDegrees, Seed: seed}
	a, err := Generate(cfg)
	require.NoError(t, err)
	b, err := Generate(cfg)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	cfg.Seed++
	c, err := Generate(cfg)
	require.NoError(t, err)
	assert.NotEqual(t, a.Entries.Value, c.Entries.Value)

	// The values follow the signal: with no noise, a rating is the
	// signal rounded and clamped.
	cfg.Noise = 0
	d, err := Generate(cfg)
	require.NoError(t, err)
	for k, v := range d.Entries.Value {
		s := d.Signal(d.Entries.Row[k], d.Entries.Col[k])
		require.Equal(t, math.Min(math.Max(math.Round(s), 1), 5), v)
	}
}

func TestGenerateSmallAndUniform(t *testing.T) {
	// Fewer entries than rows: no coverage is possible, the list is still
	// exact in count and free of duplicates.
	d, err := Generate(Config{M: 30, N: 20, Entries: 10, Seed: seed})
	require.NoError(t, err)
	require.Equal(t, 10, d.Entries.Len())
	require.NoError(t, d.Entries.Check())
	// Uniform degrees (the zero laws): the top 10% hold about 10%.
	u, err := Generate(Config{M: 200, N: 300, Entries: 12_000, Seed: seed})
	require.NoError(t, err)
	rows, _ := u.Entries.Counts()
	// Expected share 10% plus the order statistics of Poisson(60)
	// counts: the top 20 of 200 are about 1.5 std above 60, about 0.13.
	assert.Less(t, topShare(rows), 0.16)
}

func TestWrite(t *testing.T) {
	d, err := Generate(Config{M: 40, N: 60, Entries: 500, Rows: DefaultRowDegrees, Cols: DefaultColDegrees, Noise: 0.5, Seed: seed})
	require.NoError(t, err)
	dir := t.TempDir()
	csv := filepath.Join(dir, "r.csv")
	require.NoError(t, d.Write(csv, true))
	back, err := matfile.ReadEntries(csv, matfile.EntriesOptions{})
	require.NoError(t, err)
	assert.True(t, back.Header)
	assert.True(t, back.OneBased, "detected: a 1-based file has no index 0")
	assert.Equal(t, d.Entries.Row, back.Row)
	assert.Equal(t, d.Entries.Col, back.Col)
	assert.Equal(t, d.Entries.Value, back.Value)

	mtx := filepath.Join(dir, "r.mtx")
	require.NoError(t, d.Write(mtx, false))
	m, err := matfile.Read(mtx)
	require.NoError(t, err)
	r, c := m.Dense.Dims()
	assert.Equal(t, [2]int{40, 60}, [2]int{r, c}, "the size line keeps M x N")
	assert.Equal(t, 500, m.Entries)
	for k, v := range d.Entries.Value {
		require.Equal(t, v, m.Dense.At(d.Entries.Row[k], d.Entries.Col[k]))
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"negative size", Config{M: -1}, "M = -1"},
		{"too dense", Config{M: 10, N: 10, Entries: 51}, "51 entries in a 10 x 10 matrix: want at most half"},
		{"rank", Config{M: 10, N: 20, Entries: 20, Rank: 11}, "Rank = 11: want at most min(M, N) = 10"},
		{"noise", Config{Noise: -0.5}, "Noise = -0.5"},
		{"exponent", Config{Rows: Degrees{Exponent: math.NaN()}}, "Rows.Exponent = NaN"},
		{"mean", Config{Mean: math.Inf(1)}, "Mean = +Inf"},
		{"concentrated", Config{M: 100, N: 100, Entries: 5000, Rows: Degrees{Exponent: 8}, Cols: Degrees{Exponent: 8}}, "the degree laws are too concentrated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}
