package matfile

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requirePartition requires the three parts of s to hold every entry of e
// exactly once, each part in e's order.
func requirePartition(t *testing.T, e *Entries, s *Split) {
	t.Helper()
	assert.Equal(t, e.Len(), s.Train.Len()+s.Validation.Len()+s.Test.Len(), "entries in the parts")
	next := map[[2]int]int{} // (row, col) -> index in e
	for k := range e.Value {
		next[[2]int{e.Row[k], e.Col[k]}] = k
	}
	for _, p := range []*Entries{s.Train, s.Validation, s.Test} {
		assert.Equal(t, e.M, p.M)
		assert.Equal(t, e.N, p.N)
		last := -1
		for k := range p.Value {
			at, ok := next[[2]int{p.Row[k], p.Col[k]}]
			require.True(t, ok, "entry (%d, %d) is not in the list, or in two parts", p.Row[k], p.Col[k])
			require.Equal(t, e.Value[at], p.Value[k])
			require.Greater(t, at, last, "parts keep the list's order")
			last = at
			delete(next, [2]int{p.Row[k], p.Col[k]})
		}
	}
}

func TestSplitEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed, 11))
	e := randomEntries(rng, 30, 40, 500, false)
	f := Fractions{Validation: 0.1, Test: 0.2}
	s, err := SplitEntries(e, false, f, 3)
	require.NoError(t, err)
	requirePartition(t, e, s)
	// round(0.2 U) and round(0.1 U) units, one entry each.
	u := e.Len()
	assert.Equal(t, u, s.Units)
	assert.Equal(t, int(0.2*float64(u)+0.5), s.Test.Len())
	assert.Equal(t, int(0.1*float64(u)+0.5), s.Validation.Len())

	t.Run("deterministic", func(t *testing.T) {
		again, err := SplitEntries(e, false, f, 3)
		require.NoError(t, err)
		assert.Equal(t, s, again)
		other, err := SplitEntries(e, false, f, 4)
		require.NoError(t, err)
		assert.NotEqual(t, s.Test.Row, other.Test.Row, "another seed draws another split")
	})
	t.Run("positive fraction gets a unit", func(t *testing.T) {
		small := &Entries{M: 2, N: 2, Row: []int{0, 1, 1}, Col: []int{0, 0, 1}, Value: []float64{1, 2, 3}}
		s, err := SplitEntries(small, false, Fractions{Validation: 0.01, Test: 0.01}, 1)
		require.NoError(t, err)
		assert.Equal(t, []int{1, 1, 1}, []int{s.Train.Len(), s.Validation.Len(), s.Test.Len()})
		s, err = SplitEntries(small, false, Fractions{}, 1)
		require.NoError(t, err)
		assert.Equal(t, 3, s.Train.Len())
		assert.Equal(t, 0, s.Test.Len())
	})
}

// TestSplitSymmetric: the case of issue 13, a symmetric coordinate file
// whose mirrored entries (i, j) and (j, i) (one line) must never be split
// between training and a held-out part.
func TestSplitSymmetric(t *testing.T) {
	const d = 25
	rng := rand.New(rand.NewPCG(seed, 12))
	var b strings.Builder
	var lines []string
	seen := map[[2]int]bool{}
	for range 150 {
		i, j := rng.IntN(d)+1, rng.IntN(d)+1
		if i < j {
			i, j = j, i // lower triangle, as the format stores
		}
		if seen[[2]int{i, j}] {
			continue
		}
		seen[[2]int{i, j}] = true
		lines = append(lines, fmt.Sprintf("%d %d %d", i, j, rng.IntN(9)+1))
	}
	fmt.Fprintf(&b, "%%%%MatrixMarket matrix coordinate integer symmetric\n%d %d %d\n%s\n", d, d, len(lines), strings.Join(lines, "\n"))
	path := writeText(t, "sym.mtx", b.String())
	m, err := Read(path)
	require.NoError(t, err)
	e, err := EntriesOf(path, m)
	require.NoError(t, err)

	s, err := SplitEntries(e, true, Fractions{Validation: 0.15, Test: 0.25}, 9)
	require.NoError(t, err)
	requirePartition(t, e, s)
	assert.Equal(t, len(lines), s.Units, "one unit per line of the file")
	side := map[[2]int]string{}
	for name, p := range map[string]*Entries{"train": s.Train, "validation": s.Validation, "test": s.Test} {
		for k := range p.Value {
			side[[2]int{p.Row[k], p.Col[k]}] = name
		}
	}
	for ij, name := range side {
		if mirror, ok := side[[2]int{ij[1], ij[0]}]; ok {
			require.Equal(t, name, mirror, "entry %v and its mirror", ij)
		}
	}

	// Without symmetric, the same list leaks: some held-out entry has its
	// mirror in training (the check above must be able to fail).
	leaky, err := SplitEntries(e, false, Fractions{Validation: 0.15, Test: 0.25}, 9)
	require.NoError(t, err)
	train := map[[2]int]bool{}
	for k := range leaky.Train.Value {
		train[[2]int{leaky.Train.Row[k], leaky.Train.Col[k]}] = true
	}
	leaks := 0
	for k := range leaky.Test.Value {
		if i, j := leaky.Test.Row[k], leaky.Test.Col[k]; i != j && train[[2]int{j, i}] {
			leaks++
		}
	}
	assert.Positive(t, leaks, "an entry-wise split of a symmetric list puts mirrors apart")
}

func TestSplitEntriesErrors(t *testing.T) {
	e := &Entries{M: 2, N: 3, Row: []int{0, 1}, Col: []int{0, 2}, Value: []float64{1, 2}, Source: "r.csv"}
	tests := []struct {
		name      string
		e         *Entries
		symmetric bool
		f         Fractions
		msg       string
	}{
		{"invalid list", &Entries{M: 1, N: 1}, false, Fractions{}, "no entries"},
		{"negative", e, false, Fractions{Test: -0.1}, "split fractions validation 0, test -0.1"},
		{"sum 1", e, false, Fractions{Validation: 0.5, Test: 0.5}, "want each in [0, 1) and a sum below 1"},
		{"not square", e, true, Fractions{}, "a symmetric split needs a square matrix, have 2 x 3"},
		{"too few units", e, false, Fractions{Validation: 0.1, Test: 0.1}, "2 units cannot give 1 to test, 1 to validation and at least one to training"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.e.Source
			if path == "" {
				path = "entry list"
			}
			_, err := SplitEntries(tc.e, tc.symmetric, tc.f, 1)
			requireError(t, err, path, 0, 0, tc.msg)
		})
	}
}
