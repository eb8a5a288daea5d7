package matfile

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entriesBytes reads b as an entry list named fuzz.csv.
func entriesBytes(b []byte, opts EntriesOptions) (*Entries, error) {
	return ReadEntriesFrom(bytes.NewReader(b), "fuzz.csv", opts)
}

// requireEntries requires e to hold exactly the entries of want, as
// (row, col, value) triples in order (values compared bit for bit: every
// value here is a decimal literal both strconv and the compiler round
// alike).
func requireEntries(t *testing.T, e *Entries, m, n int, want ...[3]float64) {
	t.Helper()
	require.NotNil(t, e)
	assert.Equal(t, m, e.M, "M")
	assert.Equal(t, n, e.N, "N")
	got := make([][3]float64, e.Len())
	for k := range got {
		got[k] = [3]float64{float64(e.Row[k]), float64(e.Col[k]), e.Value[k]}
	}
	require.Equal(t, want, got)
}

func TestReadEntries(t *testing.T) {
	tests := []struct {
		name, in string
		opts     EntriesOptions
		m, n     int
		want     [][3]float64
		// how the file was read
		oneBased, detected, header bool
		delim                      byte
		averaged                   int
	}{
		{
			name: "csv 1-based detected", in: "1,1,5\n3,2,1.5\n2,4,-2\n",
			// no 0 index: 1-based; M = 3, N = 4 from the largest indices
			m: 3, n: 4, want: [][3]float64{{0, 0, 5}, {2, 1, 1.5}, {1, 3, -2}},
			oneBased: true, detected: true, delim: ',',
		},
		{
			name: "0 index means 0-based", in: "0,1,5\n2,0,1\n",
			m: 3, n: 2, want: [][3]float64{{0, 1, 5}, {2, 0, 1}},
			detected: true, delim: ',',
		},
		{
			name: "declared 0-based without a 0", in: "1,1,5\n",
			opts: EntriesOptions{Index: IndexZero},
			m:    2, n: 2, want: [][3]float64{{1, 1, 5}}, delim: ',',
		},
		{
			name: "tsv with header, BOM, CRLF, comments", in: "\ufeffuser\titem\trating\r\n# note\r\n\r\n1\t2\t3\r\n2\t1\t4\r\n",
			opts: EntriesOptions{Index: IndexOne},
			m:    2, n: 2, want: [][3]float64{{0, 1, 3}, {1, 0, 4}},
			oneBased: true, header: true, delim: '\t',
		},
		{
			name: "spaces, declared size", in: "  1   2  3.25 \n3 1 1e-3\n",
			opts: EntriesOptions{Index: IndexOne, M: 5, N: 4},
			m:    5, n: 4, want: [][3]float64{{0, 1, 3.25}, {2, 0, 1e-3}},
			oneBased: true, delim: ' ',
		},
		{
			name: "semicolon, spaces around fields", in: "1 ; 2 ; 3\n2;2;4\n",
			m: 2, n: 2, want: [][3]float64{{0, 1, 3}, {1, 1, 4}},
			oneBased: true, detected: true, delim: ';',
		},
		{
			name: "extra fields (MovieLens u.data)", in: "196\t242\t3\t881250949\n186\t302\t3\t891717742\n",
			opts: EntriesOptions{ExtraFields: true, Index: IndexOne},
			m:    196, n: 302, want: [][3]float64{{195, 241, 3}, {185, 301, 3}},
			oneBased: true, delim: '\t',
		},
		{
			name: "duplicates averaged", in: "1,1,1\n2,2,5\n1,1,2\n1,1,4\n",
			opts: EntriesOptions{Duplicates: DuplicatesAverage},
			// (1 + 2 + 4) / 3 at the first line's place
			m: 2, n: 2, want: [][3]float64{{0, 0, 7.0 / 3}, {1, 1, 5}},
			oneBased: true, detected: true, delim: ',', averaged: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := entriesBytes([]byte(tc.in), tc.opts)
			require.NoError(t, err)
			requireEntries(t, e, tc.m, tc.n, tc.want...)
			assert.Equal(t, "fuzz.csv", e.Source)
			assert.Equal(t, tc.oneBased, e.OneBased, "OneBased")
			assert.Equal(t, tc.detected, e.BaseDetected, "BaseDetected")
			assert.Equal(t, tc.header, e.Header, "Header")
			assert.Equal(t, string(tc.delim), string(e.Delim), "Delim")
			assert.Equal(t, tc.averaged, e.Averaged, "Averaged")
			require.NoError(t, e.Check())
		})
	}
}

func TestReadEntriesErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		opts      EntriesOptions
		line, col int
		msg       string
	}{
		{name: "empty", in: "", msg: "no entries: the file is empty"},
		{name: "comments only", in: "# a\n\n  \n", msg: "no entries: the file is empty"},
		{name: "header only", in: "row,col,value\n", msg: "no entries: the file holds only a header line"},
		{name: "ragged short", in: "1,2,3\n1,2\n", line: 2, msg: "line has 2 fields, want 3 fields (row, col, value)"},
		{name: "ragged long", in: "1,2,3\n1,3,3,4\n", line: 2, msg: "line has 4 fields, want 3 fields"},
		{name: "ragged with extra fields", in: "1,2,3,4\n1,3,3\n", opts: EntriesOptions{ExtraFields: true}, line: 2, msg: "line has 3 fields, want 4 fields like the first data line"},
		{name: "partly numeric first line", in: "1,x,3\n", line: 1, col: 2, msg: `column index "x" is not an integer`},
		{name: "float index", in: "1,2,3\n2.5,1,1\n", line: 2, col: 1, msg: `row index "2.5" is not an integer`},
		{name: "negative index", in: "1,-2,3\n", line: 1, col: 2, msg: "column index -2 is negative"},
		{name: "huge index", in: "99999999999,1,3\n", line: 1, col: 1, msg: `row index "99999999999" is out of range (indices up to 2147483646)`},
		{name: "zero in 1-based", in: "1,2,3\n0,1,1\n", opts: EntriesOptions{Index: IndexOne}, line: 2, col: 1, msg: "row index 0 in a file declared 1-based"},
		{name: "NaN", in: "1,2,NaN\n", line: 1, col: 3, msg: "value is NaN; lowdim needs finite values"},
		{name: "Inf", in: "1,2,3\n2,2,-Inf\n", line: 2, col: 3, msg: "value is -Inf"},
		{name: "overflow", in: "1,2,1e999\n", line: 1, col: 3, msg: `value "1e999" is out of float64 range`},
		{name: "not a number", in: "1,2,three\n", line: 1, col: 3, msg: `value "three" is not a number`},
		{name: "empty value", in: "1,2,\n", line: 1, col: 3, msg: "value is empty"},
		{name: "duplicate", in: "1,1,1\n2,2,2\n1,1,3\n", line: 3, msg: "duplicate entry (1, 1), already given on line 1"},
		{name: "beyond declared size", in: "1,1,1\n4,2,2\n", opts: EntriesOptions{Index: IndexOne, M: 3, N: 3}, line: 2, msg: "entry (4, 2) is outside the declared 3 x 3 matrix (indices 1-based)"},
		{name: "UTF-16", in: "\xff\xfe1\x00,\x002\x00", line: 1, msg: "UTF-16 text"},
		{name: "long line", in: strings.Repeat("1", maxEntryLine+1) + "\n", line: 1, msg: "line longer than"},
		{name: "declared delimiter", in: "1,5\t2\t3\n", opts: EntriesOptions{Delim: '\t'}, line: 1, col: 1, msg: `row index "1,5" is not an integer`},
		{name: "average overflows", in: "1,1,1e308\n1,1,1e308\n", opts: EntriesOptions{Duplicates: DuplicatesAverage}, line: 1, msg: "the mean of the 2 values of entry (1, 1) overflows"},
		{name: "bad delimiter option", in: "1,1,1\n", opts: EntriesOptions{Delim: '|'}, msg: `delimiter '|'`},
		{name: "bad size option", in: "1,1,1\n", opts: EntriesOptions{M: -1}, msg: "declared size -1 x 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := entriesBytes([]byte(tc.in), tc.opts)
			assert.Nil(t, e)
			requireError(t, err, "fuzz.csv", tc.line, tc.col, tc.msg)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := ReadEntries(filepath.Join(t.TempDir(), "none.csv"), EntriesOptions{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "none.csv")
	})
}

// randomEntries returns an m x n list of up to count distinct entries with
// values of many magnitudes (integers when ints is set).
func randomEntries(rng *rand.Rand, m, n, count int, ints bool) *Entries {
	e := &Entries{M: m, N: n}
	seen := map[[2]int]bool{}
	for range count {
		i, j := rng.IntN(m), rng.IntN(n)
		if seen[[2]int{i, j}] {
			continue
		}
		seen[[2]int{i, j}] = true
		v := math.Ldexp(rng.NormFloat64(), rng.IntN(200)-100)
		if ints {
			v = float64(rng.IntN(11) - 5)
		}
		e.Row, e.Col, e.Value = append(e.Row, i), append(e.Col, j), append(e.Value, v)
	}
	return e
}

func TestWriteEntriesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, ints := range []bool{false, true} {
		e := randomEntries(rng, 7, 11, 40, ints)
		for _, ext := range []string{".csv", ".tsv", ".txt", ".mtx"} {
			for _, header := range []bool{false, true} {
				path := filepath.Join(t.TempDir(), "e"+ext)
				require.NoError(t, WriteEntries(path, e, header))
				if ext == ".mtx" {
					// Read gives the masked dense matrix; EntriesOf lists it
					// row-major, so compare as sets of triples.
					m, err := Read(path)
					require.NoError(t, err)
					back, err := EntriesOf(path, m)
					require.NoError(t, err)
					assert.Equal(t, sortedTriples(e), sortedTriples(back), "mtx ints=%v", ints)
					continue
				}
				back, err := ReadEntries(path, EntriesOptions{Index: IndexOne, M: e.M, N: e.N})
				require.NoError(t, err)
				assert.Equal(t, header, back.Header)
				assert.Equal(t, e.Row, back.Row)
				assert.Equal(t, e.Col, back.Col)
				for k := range e.Value {
					require.Equal(t, math.Float64bits(e.Value[k]), math.Float64bits(back.Value[k]), "value %d in %s", k, ext)
				}
			}
		}
	}
	t.Run("errors", func(t *testing.T) {
		dir := t.TempDir()
		e := &Entries{M: 2, N: 2, Row: []int{0}, Col: []int{2}, Value: []float64{1}}
		requireError(t, WriteEntries(filepath.Join(dir, "e.csv"), e, false), filepath.Join(dir, "e.csv"), 0, 0, "entry 0 at (0, 2) is outside the 2 x 2 matrix")
		e.Col[0] = 1
		requireError(t, WriteEntries(filepath.Join(dir, "e.json"), e, false), filepath.Join(dir, "e.json"), 0, 0, "unknown entry-list format")
	})
}

// sortedTriples returns e's entries as row-major sorted triples.
func sortedTriples(e *Entries) map[[2]int]float64 {
	out := map[[2]int]float64{}
	for k := range e.Value {
		out[[2]int{e.Row[k], e.Col[k]}] = e.Value[k]
	}
	return out
}

func TestEntriesCheck(t *testing.T) {
	ok := func() *Entries {
		return &Entries{M: 2, N: 3, Row: []int{0, 1}, Col: []int{2, 0}, Value: []float64{1, 2}}
	}
	require.NoError(t, ok().Check())
	tests := []struct {
		name  string
		spoil func(e *Entries)
		msg   string
	}{
		{"size", func(e *Entries) { e.N = 0 }, "size 2 x 0"},
		{"lengths", func(e *Entries) { e.Col = e.Col[:1] }, "2 rows, 1 columns and 2 values"},
		{"empty", func(e *Entries) { e.Row, e.Col, e.Value = nil, nil, nil }, "no entries"},
		{"range", func(e *Entries) { e.Row[1] = 2 }, "entry 1 at (2, 0) is outside the 2 x 3 matrix"},
		{"negative", func(e *Entries) { e.Col[0] = -1 }, "entry 0 at (0, -1) is outside"},
		{"NaN", func(e *Entries) { e.Value[0] = math.NaN() }, "entry 0 at (0, 2) is NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ok()
			tc.spoil(e)
			requireError(t, e.Check(), "entry list", 0, 0, tc.msg)
			e.Source = "r.csv"
			requireError(t, e.Check(), "r.csv", 0, 0, tc.msg)
		})
	}
	rows, cols := ok().Counts()
	assert.Equal(t, []int{1, 1}, rows)
	assert.Equal(t, []int{1, 0, 1}, cols)
}

func TestEntriesOf(t *testing.T) {
	// A symmetric coordinate file: line 3 sets (2, 1) and (1, 2).
	path := writeText(t, "s.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 7\n3 3 -1\n")
	m, err := Read(path)
	require.NoError(t, err)
	e, err := EntriesOf(path, m)
	require.NoError(t, err)
	// row-major: (0, 1), (1, 0), (2, 2)
	requireEntries(t, e, 3, 3, [3]float64{0, 1, 7}, [3]float64{1, 0, 7}, [3]float64{2, 2, -1})
	assert.Equal(t, path, e.Source)

	dense := writeText(t, "d.csv", "1,2\n3,4\n")
	md, err := Read(dense)
	require.NoError(t, err)
	_, err = EntriesOf(dense, md)
	requireError(t, err, dense, 0, 0, "not a coordinate file")
}

// FuzzReadEntries asserts, for every input read with detection (and
// averaging, when the input has its first byte odd, to reach that path):
// an error is an *Error naming the input and a line within it, never a
// panic; a list read passes Check, has no (row, col) twice and
// round-trips exactly through the writer (1-based, declared size); a UTF-8
// byte order mark in front changes nothing; and the heap allocated is
// bounded by the input's size (the fuzzAllocPerByte and fuzzAllocSlack of
// fuzz_test.go: an entry costs 2 ints, a float64, an int32 line and a map
// slot, under 100 bytes, for a line of at least 6 bytes "1,1,1\n"). Seeds:
// the inputs below and testdata/fuzz/FuzzReadEntries.
func FuzzReadEntries(f *testing.F) {
	for _, s := range []string{
		"1,1,5\n3,2,1.5\n2,4,-2\n", "0,1,5\n2,0,1\n", "user\titem\trating\r\n1\t2\t3\r\n",
		"  1   2  3.25 \n3 1 1e-3\n", "1 ; 2 ; 3\n", "196\t242\t3\t881250949\n", "1,1,1\n1,1,2\n",
		"", "# a\n", "row,col,value\n", "1,2\n", "1,x,3\n", "1,2,NaN\n", "99999999999,1,3\n",
		"\xff\xfe1\x00", bom + "1,2,3\n", "0x10,1,1\n", "+1,1,1\n", "1,1,0x1p-3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		opts := EntriesOptions{ExtraFields: true}
		if len(b) > 0 && b[0]%2 == 1 {
			opts.Duplicates = DuplicatesAverage
		}
		before := heapAllocated()
		e, err := entriesBytes(b, opts)
		if used, limit := heapAllocated()-before, uint64(fuzzAllocPerByte*len(b)+fuzzAllocSlack); used > limit {
			t.Fatalf("reading %d bytes allocated %d bytes, more than %d", len(b), used, limit)
		}
		withBOM, errBOM := entriesBytes(append([]byte(bom), b...), opts)
		if !bytes.HasPrefix(b, []byte(bom)) && !bytes.HasPrefix(b, []byte("\xff\xfe")) && !bytes.HasPrefix(b, []byte("\xfe\xff")) {
			if (err == nil) != (errBOM == nil) {
				t.Fatalf("a byte order mark changes the outcome: %v, then %v", err, errBOM)
			}
			if err == nil {
				requireSameEntries(t, "with a byte order mark", withBOM, e)
			}
		}
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Path != "fuzz.csv" || !strings.HasPrefix(err.Error(), "fuzz.csv:") {
				t.Fatalf("error %v (%T) is not an *Error naming fuzz.csv", err, err)
			}
			if lines := bytes.Count(b, []byte("\n")) + 1; fe.Line < 0 || fe.Line > lines {
				t.Fatalf("error %q names line %d of a %d-line input", err, fe.Line, lines)
			}
			return
		}
		if err := e.Check(); err != nil {
			t.Fatalf("read a list that fails Check: %v", err)
		}
		seen := map[[2]int]bool{}
		for k := range e.Value {
			if seen[[2]int{e.Row[k], e.Col[k]}] {
				t.Fatalf("(%d, %d) listed twice", e.Row[k], e.Col[k])
			}
			seen[[2]int{e.Row[k], e.Col[k]}] = true
		}
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		writeEntryLines(w, e, ',', false)
		w.Flush()
		back, err := entriesBytes(buf.Bytes(), EntriesOptions{Index: IndexOne, M: e.M, N: e.N})
		if err != nil {
			t.Fatalf("reading back what the writer wrote: %v\n%s", err, buf.Bytes())
		}
		requireSameEntries(t, "read back", back, e)
	})
}

// requireSameEntries fails t unless got and want hold the same size and
// entries in the same order, values bit for bit.
func requireSameEntries(t *testing.T, what string, got, want *Entries) {
	t.Helper()
	if got.M != want.M || got.N != want.N || got.Len() != want.Len() {
		t.Fatalf("%s: %d x %d with %d entries, want %d x %d with %d", what, got.M, got.N, got.Len(), want.M, want.N, want.Len())
	}
	for k := range want.Value {
		if got.Row[k] != want.Row[k] || got.Col[k] != want.Col[k] || math.Float64bits(got.Value[k]) != math.Float64bits(want.Value[k]) {
			t.Fatalf("%s: entry %d is (%d, %d, %v), want (%d, %d, %v)", what, k, got.Row[k], got.Col[k], got.Value[k], want.Row[k], want.Col[k], want.Value[k])
		}
	}
}
