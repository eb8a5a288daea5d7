package matfile

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadMTXEntries: a coordinate file read as a list gives every element
// Read's dense matrix sets, in the file's order (a symmetric line's
// element, then its mirror), 0-based, with the file's size and symmetry.
func TestReadMTXEntries(t *testing.T) {
	tests := []struct {
		name, content string
		want          *Entries
	}{
		{"general rectangular", mtx("%%MatrixMarket matrix coordinate real general", "2 3 3", "2 3 1.5", "1 1 -2", "1 3 4"),
			&Entries{M: 2, N: 3, Row: []int{1, 0, 0}, Col: []int{2, 0, 2}, Value: []float64{1.5, -2, 4}, Lines: 3}},
		{"symmetric", mtx("%%MatrixMarket matrix coordinate integer symmetric", "3 3 3", "2 1 7", "3 3 -1", "3 1 2"),
			&Entries{M: 3, N: 3, Row: []int{1, 0, 2, 2, 0}, Col: []int{0, 1, 2, 0, 2}, Value: []float64{7, 7, -1, 2, 2}, Symmetric: true, Lines: 3}},
		{"skew-symmetric", mtx("%%MatrixMarket matrix coordinate real skew-symmetric", "2 2 1", "2 1 3"),
			&Entries{M: 2, N: 2, Row: []int{1, 0}, Col: []int{0, 1}, Value: []float64{3, -3}, Symmetric: true, Lines: 1}},
		{"pattern", mtx("%%MatrixMarket matrix coordinate pattern general", "2 2 2", "1 2", "2 1"),
			&Entries{M: 2, N: 2, Row: []int{0, 1}, Col: []int{1, 0}, Value: []float64{1, 1}, Lines: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeText(t, "e.mtx", tc.content)
			got, err := ReadMTXEntries(path)
			require.NoError(t, err)
			tc.want.Source, tc.want.OneBased, tc.want.Delim = path, true, ' '
			require.Equal(t, tc.want, got)
			require.NoError(t, got.Check())
			// The same elements as Read's dense matrix and mask.
			m, err := Read(path)
			require.NoError(t, err)
			r, c := m.Dense.Dims()
			require.Equal(t, [2]int{got.M, got.N}, [2]int{r, c})
			require.Equal(t, m.Entries, got.Len())
			for k := range got.Value {
				require.Equal(t, 1.0, m.Observed.At(got.Row[k], got.Col[k]))
				require.Equal(t, m.Dense.At(got.Row[k], got.Col[k]), got.Value[k])
			}
		})
	}
}

// TestReadMTXEntriesRejects: what Read refuses, the list refuses with the
// same message; an array file and an empty one are not lists.
func TestReadMTXEntriesRejects(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"array", mtx("%%MatrixMarket matrix array real general", "2 1", "1", "2"), ":1: an array Matrix Market file is a dense matrix, not a list of entries"},
		{"no entries", mtx("%%MatrixMarket matrix coordinate real general", "2 2 0"), ":2: no entries"},
		{"outside", mtx("%%MatrixMarket matrix coordinate real general", "2 2 1", "3 1 1"), ":3: entry (3, 1) is outside the 2x2 matrix"},
		{"duplicate", mtx("%%MatrixMarket matrix coordinate real general", "2 2 2", "1 1 1", "1 1 2"), ":4: duplicate entry (1, 1), already given on line 3"},
		{"mirror duplicate", mtx("%%MatrixMarket matrix coordinate real symmetric", "2 2 2", "2 1 1", "1 2 2"), "(in a symmetric file, entry (2, 1) also sets (1, 2))"},
		{"short", mtx("%%MatrixMarket matrix coordinate real general", "2 2 2", "1 1 1"), ":2: size line declares 2 entries, file has 1"},
		{"symmetric not square", mtx("%%MatrixMarket matrix coordinate real symmetric", "2 3 1", "1 1 1"), "symmetric matrix must be square"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeText(t, "e.mtx", tc.content)
			_, err := ReadMTXEntries(path)
			require.ErrorContains(t, err, path)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestReadMTXEntriesMemory: a size line declaring 31622 x 31622 (16 GB of
// dense values and mask) with one entry is read as a list in memory
// proportional to the file, where Read would refuse it.
func TestReadMTXEntriesMemory(t *testing.T) {
	const bound = 1 << 20
	big := writeText(t, "31622.mtx", mtx("%%MatrixMarket matrix coordinate real general", "31622 31622 1", "31622 31622 -2.5"))
	var e *Entries
	var err error
	used := allocatedBy(func() { e, err = ReadMTXEntries(big) })
	require.NoError(t, err)
	assert.Less(t, used, uint64(bound))
	require.Equal(t, 31622, e.M)
	require.Equal(t, []int{31621}, e.Row)
	require.Equal(t, []float64{-2.5}, e.Value)
}

// TestIsEntryList: the file's extension and first data line decide; a
// dense .csv is a matrix.
func TestIsEntryList(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                bool
	}{
		{"header", "r.csv", "user,item,rating\n1,2,3\n", true},
		{"three integer fields", "r.csv", "# comment\n\n196,242,3\n", true},
		{"bom", "r.csv", "\ufeff1,1,4.5\n", true},
		{"zero-based", "r.csv", "0,0,1\n", true},
		{"dense three columns of floats", "m.csv", "0.5,1,2\n1,2,3\n", false},
		{"dense four columns", "m.csv", "1,2,3,4\n", false},
		{"negative index", "m.csv", "-1,2,3\n", false},
		{"tsv", "r.tsv", "anything", true},
		{"txt", "r.txt", "anything", true},
		{"coordinate mtx", "r.mtx", "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 2\n", true},
		{"array mtx", "r.mtx", "%%MatrixMarket matrix array real general\n1 1\n2\n", false},
		{"npy", "r.npy", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			if tc.file != "r.npy" {
				path = writeText(t, tc.file, tc.content)
			}
			got, err := IsEntryList(path)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := IsEntryList(writeText(t, "u.csv", "\xff\xfe1\x00"))
	require.ErrorContains(t, err, "UTF-16")
}
