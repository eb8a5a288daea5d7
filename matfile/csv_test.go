package matfile

import (
	"encoding/csv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          [][]float64
	}{
		{"plain", "1,2,3\n4,5,6\n", [][]float64{{1, 2, 3}, {4, 5, 6}}},
		{"no final newline", "1,2\n3,4", [][]float64{{1, 2}, {3, 4}}},
		{"CRLF", "1,2\r\n3,4\r\n", [][]float64{{1, 2}, {3, 4}}},
		{"spaces around cells", " 1 ,\t2.5\n  -3,4e2 \n", [][]float64{{1, 2.5}, {-3, 400}}},
		{"comments and blank lines", "# target\n\n1,2\n# middle\n\n3,4\n   \n", [][]float64{{1, 2}, {3, 4}}},
		{"quoted cells", "\"1\",\" 2 \"\n3,4\n", [][]float64{{1, 2}, {3, 4}}},
		{"byte order mark", "\ufeff1,2\n", [][]float64{{1, 2}}},
		{"one column", "1\n2\n3\n", [][]float64{{1}, {2}, {3}}},
		{"one cell", "-0.125\n", [][]float64{{-0.125}}},
		{"hex float and exponent", "0x1p-2,1E3\n", [][]float64{{0.25, 1000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeText(t, "m.csv", tc.content)
			got, err := Read(path)
			require.NoError(t, err)
			requireEqual(t, dense(tc.want...), got.Dense, "Dense")
			assert.Nil(t, got.Observed)
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		line, col     int // where the error must point; 0 if nowhere
		msg           string
	}{
		{"empty file", "", 0, 0, "no data: the file is empty or holds only comments and blank lines"},
		{"only comments", "# nothing\n\n# here\n", 0, 0, "no data"},
		{"not a number", "1,2\n3,4\n5,abc\n", 3, 2, `cell "abc" is not a number`},
		{"header row", "a,b\n1,2\n", 1, 1, `cell "a" is not a number`},
		{"line counts comments", "# c\n\n1,2\nx,2\n", 4, 1, `cell "x" is not a number`},
		{"NaN", "1,2,3,4,5\n1,2,3,4,NaN\n", 2, 5, "cell is NaN; lowdim needs finite values"},
		{"Inf", "1,inf\n", 1, 2, "cell is +Inf; lowdim needs finite values"},
		{"-Inf", "1,2\n-Infinity,2\n", 2, 1, "cell is -Inf; lowdim needs finite values"},
		{"overflow", "1e999\n", 1, 1, `cell "1e999" is out of float64 range; lowdim needs finite values`},
		{"empty cell", "1,,3\n", 1, 2, "cell is empty"},
		{"semicolons", "1;2\n", 1, 1, `cell "1;2" is not a number`},
		{"short row", "1,2,3\n4,5,6\n7,8\n", 3, 0, "row has 2 cells, want 3 like line 1"},
		{"long row after comment", "# c\n1,2\n3,4,5\n", 3, 0, "row has 3 cells, want 2 like line 2"},
		{"bare quote", "1,2\n1,a\"b\n", 2, 0, "malformed CSV at byte 4 of the line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeText(t, "m.csv", tc.content)
			got, err := Read(path)
			assert.Nil(t, got)
			requireError(t, err, path, tc.line, tc.col, tc.msg)
		})
	}

	t.Run("exact messages", func(t *testing.T) {
		path := writeText(t, "m.csv", "1,2\n3,4\n5,abc\n")
		_, err := Read(path)
		assert.EqualError(t, err, path+`:3:2: cell "abc" is not a number`)
		path = writeText(t, "m.csv", "1,2,3,4,5\n1,2,3,4,NaN\n")
		_, err = Read(path)
		assert.EqualError(t, err, path+":2:5: cell is NaN; lowdim needs finite values")
	})

	t.Run("parse error wraps encoding/csv", func(t *testing.T) {
		path := writeText(t, "m.csv", "1,a\"b\n")
		_, err := Read(path)
		assert.ErrorIs(t, err, csv.ErrBareQuote)
	})
}
