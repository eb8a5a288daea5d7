package matfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadPairs(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opts     PairsOptions
		want     [][2]int // 0-based (row, col), in file order
		lines    []int
		oneBased bool
		detected bool
		header   bool
		delim    byte
	}{
		{
			name: "csv 1-based", in: "1,1\n3,2\n", opts: PairsOptions{Index: IndexOne},
			want: [][2]int{{0, 0}, {2, 1}}, lines: []int{1, 2}, oneBased: true, delim: ',',
		},
		{
			name: "0-based declared", in: "0,1\n2,0\n", opts: PairsOptions{Index: IndexZero},
			want: [][2]int{{0, 1}, {2, 0}}, lines: []int{1, 2}, delim: ',',
		},
		{
			name: "detected 0-based", in: "1,1\n0,2\n",
			want: [][2]int{{1, 1}, {0, 2}}, lines: []int{1, 2}, detected: true, delim: ',',
		},
		{
			name: "tsv with header, comments, blank lines and a BOM", in: "\ufeffuser\titem\n# test pairs\n\n5\t7\n",
			opts: PairsOptions{Index: IndexOne},
			want: [][2]int{{4, 6}}, lines: []int{4}, oneBased: true, header: true, delim: '\t',
		},
		{
			name: "an entry list's values ignored", in: "row,col,value\n2,3,4.5\n2,3,1\n",
			opts: PairsOptions{Index: IndexOne, M: 2, N: 3},
			// duplicates kept, in order
			want: [][2]int{{1, 2}, {1, 2}}, lines: []int{2, 3}, oneBased: true, header: true, delim: ',',
		},
		{
			name: "spaces", in: "1  2\n 3 4 \n", opts: PairsOptions{Index: IndexOne},
			want: [][2]int{{0, 1}, {2, 3}}, lines: []int{1, 2}, oneBased: true, delim: ' ',
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ReadPairsFrom(strings.NewReader(tc.in), "pairs.csv", tc.opts)
			require.NoError(t, err)
			got := make([][2]int, p.Len())
			for k := range got {
				got[k] = [2]int{p.Row[k], p.Col[k]}
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.lines, p.Line)
			assert.Equal(t, tc.oneBased, p.OneBased, "one-based")
			assert.Equal(t, tc.detected, p.BaseDetected, "detected")
			assert.Equal(t, tc.header, p.Header, "header")
			assert.Equal(t, string(tc.delim), string(p.Delim), "delimiter")
			assert.Equal(t, "pairs.csv", p.Source)
		})
	}
}

func TestReadPairsErrors(t *testing.T) {
	one := PairsOptions{Index: IndexOne}
	for _, tc := range []struct {
		name, in string
		opts     PairsOptions
		want     string
	}{
		{"one field", "1,2\n3\n", one, "pairs.csv:2: line has 1 field, want 2 (row, col)"},
		{"ragged", "1,2,3\n3,4\n", one, "pairs.csv:2: line has 2 fields, want 3 like the first data line"},
		{"not an integer", "1,2\n1.5,2\n", one, `pairs.csv:2:1: row index "1.5" is not an integer`},
		{"negative", "1,-2\n", one, "pairs.csv:1:2: column index -2 is negative"},
		{"zero in 1-based", "1,2\n0,2\n", one, "pairs.csv:2:1: row index 0 in a file declared 1-based"},
		{"partly numeric first line", "user,2\n", one, `pairs.csv:1:1: row index "user" is not an integer`},
		{"row beyond", "1,1\n944,2\n", PairsOptions{Index: IndexOne, M: 943, N: 1682},
			"pairs.csv:2:1: row index 944 is beyond the matrix's 943 rows (indices 1-based: 1 to 943)"},
		{"column beyond 0-based", "0,1682\n", PairsOptions{Index: IndexZero, M: 943, N: 1682},
			"pairs.csv:1:2: column index 1682 is beyond the matrix's 1682 columns (indices 0-based: 0 to 1681)"},
		{"empty", "# nothing\n\n", one, "pairs.csv: no positions: the file is empty or holds only comments and blank lines"},
		{"header only", "row,col\n", one, "pairs.csv: no positions: the file holds only a header line"},
		{"utf-16", "\xff\xfe1\x00", one, "pairs.csv:1: UTF-16 text (byte order mark ff fe); save the file as UTF-8"},
		{"out of range", "1,99999999999999999999\n", one, `pairs.csv:1:2: column index "99999999999999999999" is out of range`},
		{"long line", strings.Repeat("1", maxEntryLine+1) + "\n", one, "pairs.csv:1: line longer than 65536 bytes"},
		{"bad delimiter option", "1,2\n", PairsOptions{Delim: '|'}, `pairs.csv: delimiter '|': want ',', tab, ';' or ' ' (or 0 to detect)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPairsFrom(strings.NewReader(tc.in), "pairs.csv", tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			var me *Error
			assert.ErrorAs(t, err, &me)
		})
	}
}

func TestReadPairsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.tsv")
	require.NoError(t, os.WriteFile(path, []byte("1\t2\n"), 0o644))
	p, err := ReadPairs(path, PairsOptions{Index: IndexOne})
	require.NoError(t, err)
	assert.Equal(t, []int{0}, p.Row)
	assert.Equal(t, []int{1}, p.Col)
	_, err = ReadPairs(filepath.Join(t.TempDir(), "absent.csv"), PairsOptions{})
	require.ErrorIs(t, err, os.ErrNotExist)
}
