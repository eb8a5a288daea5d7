// Package ratings generates ratings-like matrices: m users × n items with a
// few observed integer ratings 1..5 each, from a low-rank-plus-noise model,
// with the long-tailed activity of real ratings data (a few users rate
// hundreds of items, most rate a few dozen; a few items are rated by
// hundreds). The defaults follow the shape of MovieLens 100k, the data set
// of Kwon et al.'s ratings figure (943 × 1682, 100,000 ratings); no real
// rating is used.
//
// # Model
//
// The signal is S = μ 1 1ᵀ + A Bᵀ, A m×r and B n×r with iid Gaussian
// entries scaled so that the entries of A Bᵀ have standard deviation
// SignalStd (so rank(S) <= r + 1). An observed rating is
//
//	M_ij = clamp(round(S_ij + Noise z_ij), 1, 5),  z_ij iid N(0, 1),
//
// rounding half away from zero. [Data.NoiseRMSE] is the RMS of M_ij − S_ij
// over the observed entries: the error of an oracle knowing S, the floor a
// completion method can approach.
//
// # Observed entries
//
// Row i is drawn with probability proportional to w_i = (ρ_i + Offset m)^−α,
// ρ_i its activity rank (a seeded random permutation of 1..m, so that the
// active rows are not the first ones), α the side's Exponent; columns
// likewise. First min(E, max(m, n)) entries pair the rows and columns in
// two random orders (row ρ mod m with column ρ mod n), so that every row
// and column has at least one entry when E >= max(m, n); the rest are drawn
// as (row, column) pairs from the two laws, a pair already present being
// drawn again. No (row, col) appears twice. The list is sorted by row,
// then column.
//
// # Determinism and cost
//
// Everything is drawn from one PCG source seeded by Config.Seed, in the
// order: row ranks, column ranks, A, B, the covering orders, the pairs,
// the noise (in the list's order). A seed gives the same Data on every
// machine. Memory is O(E + (m + n) r) plus a set of the pairs drawn; time
// O(E (r + log m + log n)) with rejections (bounded: more than 50 E draws
// is an error saying the laws are too concentrated).
package ratings

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/matfile"
)

// The rating scale.
const (
	MinRating = 1
	MaxRating = 5
)

// Degrees is a long-tailed law of entries per row (or column): the row of
// activity rank ρ (1 = most active) is drawn with weight
// (ρ + Offset × size)^−Exponent. The zero value is uniform.
type Degrees struct {
	// Exponent α >= 0 is the power-law (Zipf) exponent; 0 is uniform.
	Exponent float64
	// Offset >= 0, a fraction of the side's size, flattens the head
	// (Zipf–Mandelbrot) so that the most active rows stay below the
	// other side's size.
	Offset float64
}

// Default laws. With E = 100,000 on 943 × 1682 their weights alone would
// give rows 39 to 825 entries (the top 10% of rows 35% of the entries)
// and columns 12 to 669 (top 10%: 48%); redrawing the pairs already
// present thins the head, and DefaultConfig at seed 1 has rows with 29 to
// 577 entries (top 10%: 29.8%) and columns with 3 to 467 (top 10%:
// 40.9%), near MovieLens 100k's users (20 to 737) and items (1 to 583).
var (
	DefaultRowDegrees = Degrees{Exponent: 0.8, Offset: 0.02}
	DefaultColDegrees = Degrees{Exponent: 1.2, Offset: 0.035}
)

// Config configures Generate. A zero M, N, Entries, Rank, Mean or
// SignalStd takes its default; Noise, the degree laws and Seed are taken
// as given (zero: no noise before rounding, uniform degrees). Copy
// [DefaultConfig] for the ratings-like defaults.
type Config struct {
	// M and N are the rows (users) and columns (items); default 943 and
	// 1682.
	M, N int
	// Entries is the number of observed ratings E, at most M N / 2;
	// default 100,000.
	Entries int
	// Rank is r, the rank of A Bᵀ; default 5.
	Rank int
	// Mean is μ, in rating units; default 3.5.
	Mean float64
	// SignalStd is the standard deviation of the entries of A Bᵀ, in
	// rating units; default 1.
	SignalStd float64
	// Noise is the standard deviation of the Gaussian noise added before
	// rounding, in rating units, >= 0. DefaultConfig has 0.5.
	Noise float64
	// Rows and Cols are the laws of entries per row and per column.
	Rows, Cols Degrees
	// Seed seeds every draw.
	Seed uint64
}

// DefaultConfig is the acceptance case: 943 × 1682, 100,000
// ratings, rank 5 plus noise 0.5, long-tailed rows and columns.
var DefaultConfig = Config{
	M: 943, N: 1682, Entries: 100_000, Rank: 5, Mean: 3.5, SignalStd: 1, Noise: 0.5,
	Rows: DefaultRowDegrees, Cols: DefaultColDegrees,
}

// Data is a generated ratings matrix.
type Data struct {
	// Entries holds the observed ratings, 0-based, sorted by row then
	// column, values integers in [MinRating, MaxRating].
	Entries *matfile.Entries
	// A (M×Rank) and B (N×Rank) are the signal's factors: S = Mean + A Bᵀ.
	A, B *mat.Dense
	// Mean is μ.
	Mean float64
	// NoiseRMSE is the RMS of M_ij − S_ij over the observed entries, in
	// rating units (the oracle's error; see the package documentation).
	NoiseRMSE float64
	// Config is the configuration used, defaults filled in.
	Config Config
}

// Signal returns S_ij = Mean + a_iᵀ b_j.
func (d *Data) Signal(i, j int) float64 {
	return d.Mean + mat.Dot(d.A.RowView(i), d.B.RowView(j))
}

// Write writes the observed ratings to path with matfile.WriteEntries:
// a "row,col,value" CSV (1-based, after a header line "row,col,value"
// when header is true), a TSV (.tsv, .txt) or a coordinate Matrix Market
// file (.mtx, integer general, M×N kept).
func (d *Data) Write(path string, header bool) error {
	return matfile.WriteEntries(path, d.Entries, header)
}

// stream is the PCG stream of Generate's draws.
const stream = 0x726174696e6773 // "ratings"

// maxDrawsPerEntry bounds the rejection sampling of pairs.
const maxDrawsPerEntry = 50

// Generate draws a ratings matrix (see the package documentation). Errors:
// sizes below 1, Entries above M N / 2, Rank above min(M, N), a negative
// or non-finite Noise, SignalStd, Mean, exponent or offset, or laws so
// concentrated that the pairs cannot be drawn.
func Generate(cfg Config) (*Data, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.M, DefaultConfig.M)
	def(&cfg.N, DefaultConfig.N)
	def(&cfg.Entries, DefaultConfig.Entries)
	def(&cfg.Rank, DefaultConfig.Rank)
	if cfg.Mean == 0 {
		cfg.Mean = DefaultConfig.Mean
	}
	if cfg.SignalStd == 0 {
		cfg.SignalStd = DefaultConfig.SignalStd
	}
	m, n, e, r := cfg.M, cfg.N, cfg.Entries, cfg.Rank
	switch {
	case m < 1 || n < 1 || e < 1 || r < 1:
		return nil, fmt.Errorf("ratings: M = %d, N = %d, Entries = %d, Rank = %d: want each >= 1 (0 takes the default)", m, n, e, r)
	case m > math.MaxInt32 || n > math.MaxInt32 || float64(e) > float64(m)*float64(n)/2:
		return nil, fmt.Errorf("ratings: %d entries in a %d x %d matrix: want at most half of its %d elements (ratings are sparse)", e, m, n, m*n)
	case r > min(m, n):
		return nil, fmt.Errorf("ratings: Rank = %d: want at most min(M, N) = %d", r, min(m, n))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Noise", cfg.Noise}, {"SignalStd", cfg.SignalStd}, {"Rows.Exponent", cfg.Rows.Exponent}, {"Rows.Offset", cfg.Rows.Offset},
		{"Cols.Exponent", cfg.Cols.Exponent}, {"Cols.Offset", cfg.Cols.Offset}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return nil, fmt.Errorf("ratings: %s = %v: want a finite value >= 0", f.name, f.v)
		}
	}
	if math.IsNaN(cfg.Mean) || math.IsInf(cfg.Mean, 0) {
		return nil, fmt.Errorf("ratings: Mean = %v: want a finite value", cfg.Mean)
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, stream))
	rowCDF := cumulative(cfg.Rows, m, rng)
	colCDF := cumulative(cfg.Cols, n, rng)
	scale := math.Sqrt(cfg.SignalStd / math.Sqrt(float64(r)))
	a, b := gaussian(m, r, scale, rng), gaussian(n, r, scale, rng)

	type pair struct{ i, j int }
	pairs := make([]pair, 0, e)
	seen := make(map[uint64]struct{}, e)
	add := func(i, j int) bool {
		key := uint64(i)<<32 | uint64(j)
		if _, ok := seen[key]; ok {
			return false
		}
		seen[key] = struct{}{}
		pairs = append(pairs, pair{i, j})
		return true
	}
	rowOrder, colOrder := rng.Perm(m), rng.Perm(n)
	for t := range min(e, max(m, n)) {
		add(rowOrder[t%m], colOrder[t%n]) // distinct: t%m or t%n is t itself
	}
	for draws := 0; len(pairs) < e; draws++ {
		if draws > maxDrawsPerEntry*e {
			return nil, fmt.Errorf("ratings: %d draws gave only %d distinct entries of %d: the degree laws are too concentrated for %d entries in %d x %d", draws, len(pairs), e, e, m, n)
		}
		add(draw(rowCDF, rng), draw(colCDF, rng))
	}
	slices.SortFunc(pairs, func(p, q pair) int { return cmp.Or(cmp.Compare(p.i, q.i), cmp.Compare(p.j, q.j)) })

	d := &Data{A: a, B: b, Mean: cfg.Mean, Config: cfg}
	list := &matfile.Entries{M: m, N: n, Row: make([]int, e), Col: make([]int, e), Value: make([]float64, e)}
	var ss float64
	for t, p := range pairs {
		s := d.Signal(p.i, p.j)
		v := math.Min(math.Max(math.Round(s+cfg.Noise*rng.NormFloat64()), MinRating), MaxRating)
		list.Row[t], list.Col[t], list.Value[t] = p.i, p.j, v
		ss += (v - s) * (v - s)
	}
	d.Entries = list
	d.NoiseRMSE = math.Sqrt(ss / float64(e))
	return d, nil
}

// cumulative returns the cumulative weights of a side of the given size
// under law g: the activity ranks are a random permutation of the rows.
func cumulative(g Degrees, size int, rng *rand.Rand) []float64 {
	rank := rng.Perm(size)
	cdf := make([]float64, size)
	var sum float64
	for i := range size {
		sum += math.Pow(float64(rank[i]+1)+g.Offset*float64(size), -g.Exponent)
		cdf[i] = sum
	}
	return cdf
}

// draw returns an index drawn with the weights whose cumulative sums are
// cdf.
func draw(cdf []float64, rng *rand.Rand) int {
	x := rng.Float64() * cdf[len(cdf)-1]
	return min(sort.SearchFloat64s(cdf, x), len(cdf)-1)
}

// gaussian returns a rows×cols matrix of iid N(0, std²) entries.
func gaussian(rows, cols int, std float64, rng *rand.Rand) *mat.Dense {
	g := mat.NewDense(rows, cols, nil)
	raw := g.RawMatrix().Data
	for a := range raw {
		raw[a] = std * rng.NormFloat64()
	}
	return g
}
