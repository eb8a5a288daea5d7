package matfile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mtx joins lines into a file's content, one per line.
func mtx(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestReadMTX(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          [][]float64
		observed      [][]float64 // nil: the format is dense
	}{
		{
			// Entries (1,1)=1.5, (3,2)=-2, (2,4)=0; all else 0 and unobserved.
			// The explicit zero at (2,4) is observed.
			name: "coordinate general",
			content: mtx("%%MatrixMarket matrix coordinate real general",
				"% a comment", "%", "", "3 4 3", "1 1 1.5", "3 2 -2", "", "% between", "2 4 0"),
			want:     [][]float64{{1.5, 0, 0, 0}, {0, 0, 0, 0}, {0, -2, 0, 0}},
			observed: [][]float64{{1, 0, 0, 0}, {0, 0, 0, 1}, {0, 1, 0, 0}},
		},
		{
			name:     "banner case-insensitive, CRLF, extra spaces",
			content:  "%%matrixmarket MATRIX Coordinate REAL General\r\n 2  2  1 \r\n\t2 1  7e-1\r\n",
			want:     [][]float64{{0, 0}, {0.7, 0}},
			observed: [][]float64{{0, 0}, {1, 0}},
		},
		{
			// Lower-triangle entries (1,1)=2, (3,1)=5, (3,2)=7, mirrored to
			// (1,3) and (2,3).
			name:     "coordinate symmetric",
			content:  mtx("%%MatrixMarket matrix coordinate real symmetric", "3 3 3", "1 1 2", "3 1 5", "3 2 7"),
			want:     [][]float64{{2, 0, 5}, {0, 0, 7}, {5, 7, 0}},
			observed: [][]float64{{1, 0, 1}, {0, 0, 1}, {1, 1, 0}},
		},
		{
			// (2,1)=4 gives (1,2)=-4; an explicit zero diagonal is allowed.
			name:     "coordinate skew-symmetric",
			content:  mtx("%%MatrixMarket matrix coordinate real skew-symmetric", "3 3 2", "2 1 4", "3 3 0"),
			want:     [][]float64{{0, -4, 0}, {4, 0, 0}, {0, 0, 0}},
			observed: [][]float64{{0, 1, 0}, {1, 0, 0}, {0, 0, 1}},
		},
		{
			name:     "coordinate pattern",
			content:  mtx("%%MatrixMarket matrix coordinate pattern general", "2 3 2", "1 2", "2 3"),
			want:     [][]float64{{0, 1, 0}, {0, 0, 1}},
			observed: [][]float64{{0, 1, 0}, {0, 0, 1}},
		},
		{
			name:     "coordinate pattern symmetric",
			content:  mtx("%%MatrixMarket matrix coordinate pattern symmetric", "3 3 2", "2 1", "3 3"),
			want:     [][]float64{{0, 1, 0}, {1, 0, 0}, {0, 0, 1}},
			observed: [][]float64{{0, 1, 0}, {1, 0, 0}, {0, 0, 1}},
		},
		{
			// An integer beyond int64 is still a valid integer: 1e20.
			name:     "coordinate integer",
			content:  mtx("%%MatrixMarket matrix coordinate integer general", "1 2 2", "1 1 -7", "1 2 100000000000000000000"),
			want:     [][]float64{{-7, 1e20}},
			observed: [][]float64{{1, 1}},
		},
		{
			name:     "coordinate with no entries",
			content:  mtx("%%MatrixMarket matrix coordinate real general", "2 1 0"),
			want:     [][]float64{{0}, {0}},
			observed: [][]float64{{0}, {0}},
		},
		{
			// Column-major: column 1 is (1, 4), column 2 (2, 5), column 3 (3, 6).
			name:    "array general column-major",
			content: mtx("%%MatrixMarket matrix array real general", "% 2x3", "2 3", "1", "4", "2", "5", "3", "6"),
			want:    [][]float64{{1, 2, 3}, {4, 5, 6}},
		},
		{
			// Lower triangle with diagonal, column-major: (1,1)=1 (2,1)=2
			// (3,1)=3 (2,2)=4 (3,2)=5 (3,3)=6.
			name:    "array symmetric",
			content: mtx("%%MatrixMarket matrix array real symmetric", "3 3", "1", "2", "3", "4", "5", "6"),
			want:    [][]float64{{1, 2, 3}, {2, 4, 5}, {3, 5, 6}},
		},
		{
			// Strict lower triangle, column-major: (2,1)=1 (3,1)=2 (3,2)=3.
			name:    "array skew-symmetric",
			content: mtx("%%MatrixMarket matrix array real skew-symmetric", "3 3", "1", "2", "3"),
			want:    [][]float64{{0, -1, -2}, {1, 0, -3}, {2, 3, 0}},
		},
		{
			name:    "array integer",
			content: mtx("%%MatrixMarket matrix array integer general", "2 1", "3", "-4"),
			want:    [][]float64{{3}, {-4}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeText(t, "m.mtx", tc.content)
			got, err := Read(path)
			require.NoError(t, err)
			requireEqual(t, dense(tc.want...), got.Dense, "Dense")
			if tc.observed == nil {
				assert.Nil(t, got.Observed, "Observed of an array file")
				return
			}
			requireEqual(t, dense(tc.observed...), got.Observed, "Observed")
			ones := 0 // Entries is the count of Observed's ones
			for _, v := range tc.observed {
				for _, o := range v {
					ones += int(o)
				}
			}
			assert.Equal(t, ones, got.Entries, "Entries")
			assert.NotSame(t, got.Dense, got.Observed)
			got.Observed.Set(0, 0, 42) // separate storage: Dense unchanged
			assert.Equal(t, tc.want[0][0], got.Dense.At(0, 0))
		})
	}
}

func TestReadMTXErrors(t *testing.T) {
	const (
		coord = "%%MatrixMarket matrix coordinate real general"
		array = "%%MatrixMarket matrix array real general"
	)
	for _, tc := range []struct {
		name, content string
		line          int // where the error must point; 0 if nowhere
		msg           string
	}{
		// Banner.
		{"empty file", "", 0, "empty file; want a Matrix Market file"},
		{"no banner", mtx("3 3 1", "1 1 1"), 1, `not a Matrix Market file: first line is "3 3 1", want "%%MatrixMarket matrix <format> <field> <symmetry>"`},
		{"comment before banner", mtx("% hi", coord, "1 1 0"), 1, "not a Matrix Market file"},
		{"short banner", mtx("%%MatrixMarket matrix coordinate real", "1 1 0"), 1, "has 4 words, want 5"},
		{"vector object", mtx("%%MatrixMarket vector coordinate real general", "3 1"), 1, `object "vector" is not supported; want matrix`},
		{"complex field", mtx("%%MatrixMarket matrix coordinate complex general", "1 1 1", "1 1 1 0"), 1, `field "complex" is not supported; want real, integer or pattern`},
		{"unknown format", mtx("%%MatrixMarket matrix sparse real general", "1 1 0"), 1, `format "sparse" is not supported`},
		{"hermitian", mtx("%%MatrixMarket matrix coordinate real hermitian", "1 1 0"), 1, `symmetry "hermitian" is not supported`},
		{"pattern array", mtx("%%MatrixMarket matrix array pattern general", "1 1"), 1, "field pattern is only valid with the coordinate format"},
		{"pattern skew", mtx("%%MatrixMarket matrix coordinate pattern skew-symmetric", "2 2 0"), 1, "field pattern cannot be skew-symmetric"},

		// Size line.
		{"no size line", mtx(coord, "% only comments"), 0, "file ends before the size line"},
		{"coordinate size line without nnz", mtx(coord, "% c", "3 3", "1 1 1"), 3, `size line "3 3" has 2 numbers, want 3: rows cols entries`},
		{"array size line with nnz", mtx(array, "2 2 4"), 2, `size line "2 2 4" has 3 numbers, want 2: rows cols`},
		{"size not a number", mtx(coord, "3 x 1"), 2, `size line "3 x 1": "x" is not a non-negative integer`},
		{"negative size", mtx(coord, "-3 3 1"), 2, `"-3" is not a non-negative integer`},
		{"size beyond int", mtx(coord, "99999999999999999999 1 0"), 2, "is not a non-negative integer"},
		{"empty matrix", mtx(coord, "0 3 0"), 2, "matrix is empty (0x3)"},
		{"absurd size", mtx(coord, "100000 100000 1", "1 1 1"), 2, "size 100000x100000 exceeds the limit of 1000000000 entries"},
		{"absurd array size", mtx(array, "1000000000 2", "1"), 2, "size 1000000000x2 exceeds the limit"},
		{"symmetric not square", mtx("%%MatrixMarket matrix coordinate real symmetric", "3 4 1", "1 1 1"), 2, "symmetric matrix must be square, size is 3x4"},
		{"skew array not square", mtx("%%MatrixMarket matrix array real skew-symmetric", "2 3"), 2, "skew-symmetric matrix must be square, size is 2x3"},
		{"nnz beyond capacity", mtx(coord, "2 2 5"), 2, "size line declares 5 entries, more than the 4 a 2x2 general matrix can hold"},
		{"nnz beyond symmetric capacity", mtx("%%MatrixMarket matrix coordinate real symmetric", "2 2 4"), 2, "more than the 3 a 2x2 symmetric matrix can hold"},

		// Coordinate entries.
		{"row out of range", mtx(coord, "2 2 2", "1 1 1", "3 1 1"), 4, "entry (3, 1) is outside the 2x2 matrix (indices are 1-based)"},
		{"column out of range", mtx(coord, "2 3 1", "% c", "1 4 1"), 4, "entry (1, 4) is outside the 2x3 matrix"},
		{"zero index", mtx(coord, "2 2 1", "0 1 1"), 3, "entry (0, 1) is outside the 2x2 matrix (indices are 1-based)"},
		{"bad row index", mtx(coord, "2 2 1", "a 1 1"), 3, `row index "a" is not an integer`},
		{"bad column index", mtx(coord, "2 2 1", "1 1.0 1"), 3, `column index "1.0" is not an integer`},
		{"missing value", mtx(coord, "2 2 1", "1 1"), 3, `entry "1 1" has 2 fields, want 3: row col value`},
		{"value in pattern", mtx("%%MatrixMarket matrix coordinate pattern general", "2 2 1", "1 1 5"), 3, "has 3 fields, want 2: row col"},
		{"duplicate", mtx(coord, "2 2 3", "1 2 1", "2 2 1", "% c", "1 2 3"), 6, "duplicate entry (1, 2), already given on line 3"},
		{"symmetric duplicate", mtx("%%MatrixMarket matrix coordinate real symmetric", "2 2 2", "2 1 1", "1 2 1"), 4, "duplicate entry (1, 2), already given on line 3 (in a symmetric file, entry (2, 1) also sets (1, 2))"},
		{"fewer entries", mtx(coord, "% c", "3 3 3", "1 1 1", "2 2 2"), 3, "size line declares 3 entries, file has 2"},
		{"more entries", mtx(coord, "3 3 2", "1 1 1", "2 2 2", "3 3 3"), 5, "entry beyond the 2 declared on the size line (line 2)"},
		{"NaN value", mtx(coord, "2 2 2", "1 1 1", "2 1 nan"), 4, "value is NaN; lowdim needs finite values"},
		{"Inf value", mtx(coord, "2 2 1", "2 1 Inf"), 3, "value is +Inf; lowdim needs finite values"},
		{"overflowing value", mtx(coord, "2 2 1", "2 1 -1e400"), 3, `value "-1e400" is out of float64 range`},
		{"value not a number", mtx(coord, "2 2 1", "2 1 abc"), 3, `value "abc" is not a number`},
		{"integer field with a fraction", mtx("%%MatrixMarket matrix coordinate integer general", "2 2 1", "2 1 1.5"), 3, `value "1.5" is not an integer (the field is integer)`},
		{"skew nonzero diagonal", mtx("%%MatrixMarket matrix coordinate real skew-symmetric", "2 2 1", "2 2 3"), 3, "diagonal entry (2, 2) is 3; a skew-symmetric matrix has a zero diagonal"},
		{"line too long", coord + "\n% " + strings.Repeat("x", 2<<20) + "\n1 1 0\n", 2, "line longer than 1048576 bytes"},

		// Array values.
		{"array fewer values", mtx(array, "2 2", "1", "2", "3"), 2, "size line declares 4 values (a 2x2 general array), file has 3"},
		{"array more values", mtx(array, "1 2", "1", "2", "3"), 5, "value beyond the 2 of a 1x2 general array declared on the size line (line 2)"},
		{"symmetric array more values", mtx("%%MatrixMarket matrix array real symmetric", "2 2", "1", "2", "3", "4"), 6, "value beyond the 3 of a 2x2 symmetric array"},
		{"array two values on a line", mtx(array, "2 1", "1 2"), 3, `line "1 2" has 2 fields, want 1`},
		{"array NaN", mtx(array, "2 1", "1", "NaN"), 4, "value is NaN; lowdim needs finite values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeText(t, "m.mtx", tc.content)
			got, err := Read(path)
			assert.Nil(t, got)
			requireError(t, err, path, tc.line, 0, tc.msg)
		})
	}
}
