package instance_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/workloads"
)

// writeFile writes content to name in a test folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// mcConfig is the configuration lowdim verify resolves for a user's
// completion target: mc, the rank and p left to the file.
func mcConfig() config.Config {
	return config.Config{Workload: "mc", Eta: 1, Steps: 1, Seed: 3}
}

// lowRankEntries returns the entries (i, j, round(10 S_ij)) of a rank-k
// m x n matrix S = A B^T, every entry when p = 1 or a seeded fraction p,
// 1-based "row,col,value" lines after a header.
func lowRankEntries(m, n, k int, p, noise float64, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	a := mat.NewDense(m, k, nil)
	b := mat.NewDense(n, k, nil)
	for _, x := range []*mat.Dense{a, b} {
		r, c := x.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				x.Set(i, j, rng.NormFloat64())
			}
		}
	}
	var s strings.Builder
	s.WriteString("user,item,rating\n")
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if rng.Float64() < p {
				v := mat.Dot(a.RowView(i), b.RowView(j)) + noise*rng.NormFloat64()
				fmt.Fprintf(&s, "%d,%d,%.6g\n", i+1, j+1, v)
			}
		}
	}
	return s.String()
}

// symmetricMTX returns a symmetric coordinate file of a d x d matrix with
// one line per pair i >= j of a seeded half of them.
func symmetricMTX(d int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 2))
	var lines []string
	for i := 1; i <= d; i++ {
		for j := 1; j <= i; j++ {
			if rng.IntN(2) == 0 {
				lines = append(lines, fmt.Sprintf("%d %d %d", i, j, 1+rng.IntN(5)))
			}
		}
	}
	return fmt.Sprintf("%%%%MatrixMarket matrix coordinate integer symmetric\n%d %d %d\n%s\n", d, d, len(lines), strings.Join(lines, "\n"))
}

// mirrorsApart counts the held-out (validation or test) entries of w
// whose mirror (j, i) is a training entry: the leak the split over a
// symmetric file's lines prevents.
func mirrorsApart(w *workloads.EntriesMC) int {
	tr, va, te := w.Lists()
	train := map[[2]int]bool{}
	for k := range tr.Value {
		train[[2]int{tr.Row[k], tr.Col[k]}] = true
	}
	n := 0
	for _, l := range []workloads.EntryList{va, te} {
		for k := range l.Value {
			if i, j := l.Row[k], l.Col[k]; i != j && train[[2]int{j, i}] {
				n++
			}
		}
	}
	return n
}

// TestEntriesSymmetricSplit: a symmetric coordinate file used for
// completion holds out (i, j) with its mirror (j, i), the same line of the
// file; the broken case, the same list split entry by entry, puts mirrors
// on both sides (issue 13: the held-out error was measured on entries the
// network saw).
func TestEntriesSymmetricSplit(t *testing.T) {
	path := writeFile(t, "sym.mtx", symmetricMTX(30, 1))
	c := mcConfig()
	in, err := instance.FromFiles(&c, instance.UserFiles{Target: path, RGiven: true, Entry: instance.EntryOptions{}})
	require.Error(t, err, "r must be given or chosen: r = 0 given is refused") // RGiven with R 0
	c = mcConfig()
	c.R = 2
	in, err = instance.FromFiles(&c, instance.UserFiles{Target: path, RGiven: true})
	require.NoError(t, err)
	w, ok := in.Work.(*workloads.EntriesMC)
	require.True(t, ok, "a coordinate .mtx for mc is a list of entries")
	require.Zero(t, mirrorsApart(w), "a held-out entry's mirror is in training")
	info := in.Entries
	require.True(t, info.Symmetric)
	require.Equal(t, "mtx coordinate symmetric", info.Format)
	require.Equal(t, info.Lines, info.Units, "the units drawn are the file's lines")
	require.Equal(t, info.Entries, info.Train+info.Validation+info.Test)

	// Broken: the same entries split one by one.
	e, err := matfile.ReadMTXEntries(path)
	require.NoError(t, err)
	e.Symmetric = false
	c = mcConfig()
	c.R = 2
	broken, err := instance.NewFromEntries(&c, e, instance.EntryOptions{}, true)
	require.NoError(t, err)
	require.Positive(t, mirrorsApart(broken.Work.(*workloads.EntriesMC)), "an entry-wise split of a symmetric list puts mirrors apart")
}

// TestEntriesFromFile: what a list of entries fixes (shape, p, rank) is
// taken from it and reported; its oddities are errors naming the file and
// line, or counted.
func TestEntriesFromFile(t *testing.T) {
	// 4 x 5, 1-based with a header; row 3 and column 4 have no entry.
	ratings := "user,item,rating\n1,1,5\n1,2,3\n2,1,4\n2,5,1\n4,3,2\n4,5,4\n1,5,2\n2,2,5\n4,1,3\n1,3,1\n2,3,2\n4,2,5\n"
	t.Run("csv", func(t *testing.T) {
		path := writeFile(t, "r.csv", ratings)
		c := mcConfig()
		c.R = 1
		in, err := instance.FromFiles(&c, instance.UserFiles{Target: path, RGiven: true, HeldOut: 0.25, Entry: instance.EntryOptions{Validation: 0.25}})
		require.NoError(t, err)
		rows, cols := c.Dims()
		require.Equal(t, [2]int{4, 5}, [2]int{rows, cols}, "the shape from the largest indices")
		info := in.Entries
		require.Equal(t, 1, info.Base)
		require.True(t, info.BaseDetected)
		require.True(t, info.Header)
		require.Equal(t, "csv", info.Format)
		require.Equal(t, 12, info.Entries)
		require.Equal(t, 1, info.EmptyRows)
		require.Equal(t, 1, info.EmptyCols)
		// 12 units: round(0.25 x 12) = 3 to test, 3 to validation, 6 train.
		require.Equal(t, [3]int{6, 3, 3}, [3]int{info.Train, info.Validation, info.Test})
		require.Equal(t, 6.0/20, c.Float("p"), "p is the training entries' fraction")
		require.Equal(t, info.P, c.Float("p"))
		require.Equal(t, "global", info.Center, "the default centering of a list")
		require.True(t, in.Partial())
		require.Nil(t, in.Target, "no dense target")
		// Reported as the file's: the shape and p (r was given).
		keys := map[string]any{}
		for _, d := range in.Derived {
			keys[d.Key] = d.Value
			require.Contains(t, d.From, path)
		}
		require.Equal(t, map[string]any{"rows": 4, "cols": 5, "p": 6.0 / 20}, keys)
	})
	t.Run("tsv zero-based declared", func(t *testing.T) {
		path := writeFile(t, "r.tsv", strings.ReplaceAll(strings.ReplaceAll(ratings, ",", "\t"), "user\titem\trating\n", ""))
		c := mcConfig()
		c.R = 1
		in, err := instance.FromFiles(&c, instance.UserFiles{Target: path, RGiven: true, HeldOut: 0.25, Entry: instance.EntryOptions{Index: matfile.IndexZero}})
		require.NoError(t, err)
		rows, cols := c.Dims()
		require.Equal(t, [2]int{5, 6}, [2]int{rows, cols}, "0-based: index 4 is the fifth row")
		require.Equal(t, 0, in.Entries.Base)
		require.False(t, in.Entries.BaseDetected)
		require.Equal(t, "tsv", in.Entries.Format)
	})
	errCases := []struct {
		name, file, content string
		u                   instance.UserFiles
		workload            string
		want, notWant       []string
	}{
		{name: "duplicate", file: "d.csv", content: "1,1,5\n2,2,3\n1,1,4\n2,1,1\n",
			want: []string{"d.csv:3: duplicate entry (1, 1), already given on line 1 (--duplicates average keeps their mean)"}},
		// A dense three-column matrix whose first line looks like a list.
		{name: "a matrix that looks like a list", file: "m.csv", content: "1,2,3\n0.5,1,2\n",
			want: []string{`m.csv:2:1: row index "0.5" is not an integer`, "give --target-format matrix to read it as a matrix"}},
		{name: "index 0 declared 1-based", file: "z.csv", content: "0,1,5\n2,2,3\n", u: instance.UserFiles{Entry: instance.EntryOptions{Index: matfile.IndexOne}},
			want: []string{"z.csv:1:1: row index 0 in a file declared 1-based"}},
		{name: "mtx out of range", file: "o.mtx", content: "%%MatrixMarket matrix coordinate real general\n2 3 2\n1 1 1\n3 1 2\n",
			want: []string{"o.mtx:4: entry (3, 1) is outside the 2x3 matrix"}},
		{name: "a list for mf", file: "r.csv", content: ratings, workload: "mf", u: instance.UserFiles{Format: instance.FormatEntries},
			want: []string{"invalid --target-format entries", "needs --workload mc"}},
		{name: "a list read as a matrix", file: "r.csv", content: ratings, u: instance.UserFiles{Format: instance.FormatMatrix},
			want: []string{"r.csv:1:1: cell \"user\" is not a number"}, notWant: []string{"give --workload mc"}},
		// Read as a matrix since mf takes no list: the error says what the
		// file looks like and which workload reads it.
		// Without a header: read as a 3-column matrix, of full rank.
		{name: "a headerless list on mf", file: "r.csv", content: "1,1,5\n1,2,3\n2,1,4\n2,3,1\n3,2,2\n3,3,5\n4,1,2\n", workload: "mf",
			want: []string{"has full numerical rank 3", "give --r < 3 to fit a low-rank approximation (the file looks like a row,col,value list of entries, a completion problem: give --workload mc without --mask to read it as one)"}},
		{name: "a list on mf", file: "r.csv", content: ratings, workload: "mf",
			want: []string{"r.csv:1:1: cell \"user\" is not a number (the file looks like a row,col,value list of entries, a completion problem: give --workload mc without --mask to read it as one; this run has --workload mf)"}},
		{name: "centering a matrix", file: "m.csv", content: "1,2.5\n3,4\n", u: instance.UserFiles{Entry: instance.EntryOptions{Center: workloads.CenterRows}},
			want: []string{"m.csv is read as a matrix: --center"}},
		{name: "no validation without r", file: "r.csv", content: ratings, u: instance.UserFiles{Entry: instance.EntryOptions{ValidationNone: true}},
			want: []string{"with none held out, give --r"}},
		{name: "bad centering", file: "r.csv", content: ratings, u: instance.UserFiles{RGiven: true, Entry: instance.EntryOptions{Center: "median"}},
			want: []string{"invalid --center median"}},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.u
			u.Target, u.HeldOut = writeFile(t, tc.file, tc.content), 0.25
			c := mcConfig()
			if tc.workload != "" {
				c.Workload = tc.workload
			}
			if u.RGiven {
				c.R = 1
			}
			_, err := instance.FromFiles(&c, u)
			require.Error(t, err)
			require.True(t, config.IsUserError(err), "an input error (exit 2): %v", err)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
			for _, w := range tc.notWant {
				require.NotContains(t, err.Error(), w)
			}
		})
	}
	t.Run("duplicates averaged", func(t *testing.T) {
		path := writeFile(t, "d.csv", "1,1,5\n2,2,3\n1,1,4\n2,1,1\n1,2,2\n3,3,1\n3,1,5\n")
		c := mcConfig()
		c.R = 1
		in, err := instance.FromFiles(&c, instance.UserFiles{Target: path, RGiven: true, HeldOut: 0.2, Entry: instance.EntryOptions{Duplicates: matfile.DuplicatesAverage}})
		require.NoError(t, err)
		require.Equal(t, 1, in.Entries.Averaged)
		require.Equal(t, 6, in.Entries.Entries)
		require.Equal(t, 7, in.Entries.Lines)
	})
}

// TestChooseRank: on a rank-3 matrix plus noise, the rank chosen on the
// validation entries is 3; on noise alone it is 1, the smallest tried.
func TestChooseRank(t *testing.T) {
	for _, tc := range []struct {
		name  string
		k     int
		noise float64
		want  int
	}{
		// 60 x 80, 40% observed, noise 0.1 against entries of std sqrt(3).
		{"rank 3", 3, 0.1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "r.csv", lowRankEntries(60, 80, tc.k, 0.4, tc.noise, 7))
			c := mcConfig()
			in, err := instance.FromFiles(&c, instance.UserFiles{Target: path, HeldOut: instance.DefaultHeldOut})
			require.NoError(t, err)
			require.Equal(t, tc.want, c.R)
			trials := in.Entries.RankTrials
			require.GreaterOrEqual(t, len(trials), tc.want+3, "three ranks past the lowest are tried")
			require.Contains(t, in.Entries.RankFrom, "chosen on the")
		})
	}
	// Noise alone: no rank fits validation entries better than the next.
	rng := rand.New(rand.NewPCG(9, 9))
	var train, val workloads.EntryList
	for i := 0; i < 40; i++ {
		for j := 0; j < 50; j++ {
			l := &train
			if rng.IntN(5) == 0 {
				l = &val
			}
			l.Row, l.Col, l.Value = append(l.Row, i), append(l.Col, j), append(l.Value, rng.NormFloat64())
		}
	}
	r, trials, err := instance.ChooseRank(40, 50, train, val, 1)
	require.NoError(t, err)
	require.Equal(t, 1, r, "trials %v", trials)
}

// TestNoiseRank: a rank-4 target plus noise of a known level has rank 4
// above the noise's edge sigma (sqrt(m) + sqrt(n)); a level far below the
// noise counts every value (an error asking for --r), one far above none.
func TestNoiseRank(t *testing.T) {
	const m, n, k, sigma = 50, 70, 4, 0.1
	rng := rand.New(rand.NewPCG(4, 4))
	target := mat.NewDense(m, n, nil)
	u := mat.NewDense(m, k, nil)
	v := mat.NewDense(n, k, nil)
	for _, x := range []*mat.Dense{u, v} {
		r, c := x.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				x.Set(i, j, rng.NormFloat64())
			}
		}
	}
	target.Mul(u, v.T()) // singular values about sqrt(m n) = 59, far above the edge 1.5
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			target.Set(i, j, target.At(i, j)+sigma*rng.NormFloat64())
		}
	}
	r, err := instance.NoiseRank(target, sigma, "t.npy")
	require.NoError(t, err)
	require.Equal(t, k, r)
	// The numerical rank without the noise level: full.
	full, err := instance.NumericalRank(target)
	require.NoError(t, err)
	require.Equal(t, m, full)
	_, err = instance.NoiseRank(target, sigma/100, "t.npy")
	require.ErrorContains(t, err, "t.npy: every singular value of the 50 x 70 target is above the noise's edge")
	_, err = instance.NoiseRank(target, 1000, "t.npy")
	require.ErrorContains(t, err, "t.npy: no singular value of the 50 x 70 target is above the noise's edge")
	require.InDelta(t, sigma*(7.0710678118654755+8.366600265340756), instance.NoiseEdge(m, n, sigma), 1e-12)

	// Through FromFiles with --noise-level: r is the file's, reported with
	// where it came from (it was left out of the values from the files).
	path := filepath.Join(t.TempDir(), "t.npy")
	require.NoError(t, matfile.Write(path, target))
	c := config.Config{Workload: "mf", Eta: 1, Steps: 1, Seed: 3}.WithDefaults()
	in, err := instance.FromFiles(&c, instance.UserFiles{Target: path, NoiseLevel: sigma})
	require.NoError(t, err)
	require.Equal(t, k, c.R)
	from := map[string]string{}
	for _, d := range in.Derived {
		from[d.Key] = d.From
	}
	require.Equal(t, fmt.Sprintf("the singular values of %s above the noise's edge 1.544 (--noise-level 0.1 x (sqrt(50) + sqrt(70)))", path), from["r"], "0.1 x (7.071 + 8.367) = 1.544")
}
