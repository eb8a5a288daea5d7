package matfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The fuzz targets of this file read .csv and .mtx content from memory
// (readCSV, readMTX) and assert, for every input:
//
//   - an error is an *Error naming the input, never a panic;
//   - what reads back is finite, non-empty, and round-trips exactly through
//     the writer (writeCSV, writeMTX) and the reader again;
//   - a UTF-8 byte order mark in front changes nothing (spreadsheets and
//     PowerShell write one);
//   - the heap allocated by a read is bounded by the input's size
//     (fuzzAllocPerByte bytes per input byte plus fuzzAllocSlack), so a size
//     line cannot make the reader allocate what the input does not hold.
//
// Seeds: small valid and invalid inputs below, the real files of
// testdata/cases (copied from ../shared/cases) and testdata/fuzz/FuzzXxx.
// `make fuzz` runs each target for a while.

const (
	// fuzzAllocPerByte bounds the heap a read may allocate per input byte:
	// a two-byte cell ("1,") becomes an 8-byte float64, and appending
	// doubles a slice (another 2x), so 8 per byte; encoding/csv keeps the
	// line and its record (a few times the line); 64 leaves room.
	fuzzAllocPerByte = 64
	// fuzzAllocSlack is the fixed part of the bound: buffers (the 64 KiB
	// line buffer of the .mtx scanner, 4 KiB of bufio) and the lag of the
	// runtime's allocation counter (a span per size class).
	fuzzAllocSlack = 4 << 20
	// fuzzMaxCoordinate is the largest rows×cols of a coordinate .mtx
	// whose dense matrices the target lets the reader allocate: the
	// memory check (checkFits) refuses a larger one, as the machine's
	// budget refuses a file too large for it, after the entries were read
	// in memory proportional to them; so the allocation bound holds for
	// any declared size (issue 12, item 1).
	fuzzMaxCoordinate = 1 << 16
)

// heapAllocated returns the bytes allocated on the heap so far by the
// whole process (runtime/metrics; it does not stop the world).
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// addFiles adds the content of every file matching pattern to f's corpus.
func addFiles(f *testing.F, pattern string) {
	names, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// readMeasured reads b with read and returns its result and the heap it
// allocated, failing t if that exceeds the bound or the error is not an
// *Error naming path.
func readMeasured(t *testing.T, read func([]byte) (*Matrix, error), b []byte, path string) *Matrix {
	t.Helper()
	before := heapAllocated()
	m, err := read(b)
	used := heapAllocated() - before
	if limit := uint64(fuzzAllocPerByte*len(b) + fuzzAllocSlack); used > limit {
		t.Fatalf("reading %d bytes allocated %d bytes, more than %d (error: %v)", len(b), used, limit, err)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
		if e.Path != path || !strings.HasPrefix(err.Error(), path+":") {
			t.Fatalf("error %q does not name %s", err, path)
		}
		if lines := bytes.Count(b, []byte("\n")) + 1; e.Line < 0 || e.Line > lines {
			t.Fatalf("error %q names line %d of a %d-line input", err, e.Line, lines)
		}
		return nil
	}
	if m == nil || m.Dense == nil || m.Dense.IsEmpty() {
		t.Fatalf("no error and no matrix")
	}
	r, c := m.Dense.Dims()
	for i := range r {
		for j := range c {
			if v := m.Dense.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("element (%d, %d) is %v; the reader promises finite values", i, j, v)
			}
		}
	}
	return m
}

// requireSame fails t unless got and want hold the same matrix, bit for
// bit (so -0 and 0 differ).
func requireSame(t *testing.T, what string, got, want *mat.Dense) {
	t.Helper()
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	if gr != wr || gc != wc {
		t.Fatalf("%s: %dx%d, want %dx%d", what, gr, gc, wr, wc)
	}
	for i := range wr {
		for j := range wc {
			if g, w := got.At(i, j), want.At(i, j); math.Float64bits(g) != math.Float64bits(w) {
				t.Fatalf("%s: element (%d, %d) is %v, want %v", what, i, j, g, w)
			}
		}
	}
}

// written returns what fill writes.
func written(fill func(*bufio.Writer, *mat.Dense), m *mat.Dense) []byte {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	fill(w, m)
	w.Flush()
	return buf.Bytes()
}

// requireRoundTrip writes m with fill, reads it back with read and
// requires the same matrix, then requires that writing that again gives
// the same bytes.
func requireRoundTrip(t *testing.T, m *mat.Dense, fill func(*bufio.Writer, *mat.Dense), read func([]byte) (*Matrix, error)) {
	t.Helper()
	out := written(fill, m)
	back, err := read(out)
	if err != nil {
		t.Fatalf("reading back what the writer wrote: %v\n%s", err, out)
	}
	requireSame(t, "read back", back.Dense, m)
	if again := written(fill, back.Dense); !bytes.Equal(again, out) {
		t.Fatalf("writing again gives\n%s\nwant\n%s", again, out)
	}
}

func csvBytes(b []byte) (*Matrix, error) { return readCSV(bytes.NewReader(b), "fuzz.csv") }
func mtxBytes(b []byte) (*Matrix, error) { return readMTX(bytes.NewReader(b), "fuzz.mtx") }

const bom = "\ufeff"

func FuzzReadCSV(f *testing.F) {
	addFiles(f, filepath.Join("testdata", "cases", "*.csv"))
	for _, s := range []string{
		"1,2,3\n4,5,6\n", "1,2\r\n3,4", " 1 ,\t2.5\n -3,4e2 \n", "# c\n\n1,2\n# m\n3,4\n  \n",
		"\"1\",\" 2 \"\n3,4\n", bom + "1,2\n", "-0\n", "0x1p-2,1E3\n", "1e308,-1e-320\n",
		// invalid: empty, comments only, ragged, non-numeric, NaN, Inf,
		// out of range, a bare quote, a quoted newline, UTF-16.
		"", "# only\n\n", "1,2\n3\n", "a,b\n1,2\n", "NaN\n", "1,inf\n", "1e400\n", "1,\"2\n",
		"\"1\n\",2\n", "\xff\xfe1\x00,\x002\x00\n\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := readMeasured(t, csvBytes, b, "fuzz.csv")
		if !bytes.HasPrefix(b, []byte(bom)) {
			requireSameResult(t, csvBytes, b, m)
		}
		if m == nil {
			return
		}
		if m.Observed != nil {
			t.Fatalf("a CSV file has no mask, got one")
		}
		requireRoundTrip(t, m.Dense, writeCSV, csvBytes)
		requireRoundTrip(t, m.Dense, writeMTX, mtxBytes)
	})
}

// requireSameResult requires that read gives the same matrix, or an error,
// for b with a UTF-8 byte order mark in front as m for b.
func requireSameResult(t *testing.T, read func([]byte) (*Matrix, error), b []byte, m *Matrix) {
	t.Helper()
	mb, err := read(append([]byte(bom), b...))
	switch {
	case m == nil && err == nil:
		t.Fatalf("with a byte order mark the input reads, without it it does not")
	case m != nil && err != nil:
		t.Fatalf("a byte order mark in front makes the input fail: %v", err)
	case m != nil:
		requireSame(t, "with a byte order mark", mb.Dense, m.Dense)
	}
}

// fuzzBudget is the memory check of the fuzz targets: the dense values
// and mask of at most fuzzMaxCoordinate elements fit, more do not.
func fuzzBudget(need uint64, what string) error {
	if need > 2*8*fuzzMaxCoordinate {
		return fmt.Errorf("%s needs %d bytes, more than the fuzz target's %d", what, need, 2*8*fuzzMaxCoordinate)
	}
	return nil
}

func FuzzReadMTX(f *testing.F) {
	addFiles(f, filepath.Join("testdata", "cases", "*.mtx"))
	for _, s := range []string{
		"%%MatrixMarket matrix coordinate real general\n% c\n\n3 4 3\n1 1 1.5\n3 2 -2\n2 4 0\n",
		"%%matrixmarket MATRIX Coordinate REAL General\r\n 2  2  1 \r\n\t2 1  7e-1\r\n",
		"%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 2\n3 1 5\n3 2 7\n",
		"%%MatrixMarket matrix coordinate integer skew-symmetric\n3 3 2\n2 1 4\n3 2 -1\n",
		"%%MatrixMarket matrix coordinate pattern general\n2 3 2\n1 3\n2 1\n",
		"%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n2 1\n",
		"%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n",
		"%%MatrixMarket matrix array integer symmetric\n2 2\n1\n2\n3\n",
		"%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n",
		"%%MatrixMarket matrix array integer general\n1 1\n99999999999999999999\n",
		// invalid: empty, no banner, bad words, size lines, entries,
		// duplicates, counts, values, pattern arrays, UTF-16.
		"", "1 2 3\n", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
		"%%MatrixMarket vector coordinate real general\n", "%%MatrixMarket matrix array pattern general\n1 1\n",
		"%%MatrixMarket matrix coordinate pattern skew-symmetric\n1 1 0\n",
		"%%MatrixMarket matrix coordinate real general\n0 3 0\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 5\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n1 1 2\n",
		"%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n2 1 1\n1 2 1\n",
		"%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 3\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 2\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 NaN\n",
		"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n",
		"%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n",
		"%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n5\n",
		"%%MatrixMarket matrix array real general\n1000000 1000 \n1\n",
		"%%MatrixMarket matrix array real symmetric\n2 3\n",
		"%%MatrixMarket matrix coordinate real general\n99999999999 99999999999 1\n1 1 1\n",
		"\xff\xfe%\x00%\x00M\x00",
	} {
		f.Add([]byte(s))
	}
	defer func(f func(uint64, string) error) { checkFits = f }(checkFits)
	checkFits = fuzzBudget
	f.Fuzz(func(t *testing.T, b []byte) {
		m := readMeasured(t, mtxBytes, b, "fuzz.mtx")
		if m != nil {
			if m.Observed != nil {
				requireMask(t, m)
			}
			requireRoundTrip(t, m.Dense, writeMTX, mtxBytes)
			requireRoundTrip(t, m.Dense, writeCSV, csvBytes)
		}
		if m != nil && m.Observed != nil {
			// The list reader gives the elements the dense one sets.
			e, err := readMTXEntriesFrom(bytes.NewReader(b), "fuzz.mtx")
			if err != nil {
				t.Fatalf("Read accepts the coordinate file, ReadMTXEntries refuses it: %v", err)
			}
			if e.Len() != m.Entries {
				t.Fatalf("ReadMTXEntries: %d entries, Read %d", e.Len(), m.Entries)
			}
			for k, v := range e.Value {
				if m.Observed.At(e.Row[k], e.Col[k]) != 1 || m.Dense.At(e.Row[k], e.Col[k]) != v {
					t.Fatalf("ReadMTXEntries: entry %d (%d, %d) = %v, not Read's", k, e.Row[k], e.Col[k], v)
				}
			}
		}
		if bytes.HasPrefix(b, []byte(bom)) {
			return
		}
		// A byte order mark before %%MatrixMarket is dropped, as readCSV
		// drops it (case compare-bom-utf16).
		requireSameResult(t, mtxBytes, b, m)
	})
}

// requireMask checks the mask of a coordinate file: Observed is 0 or 1,
// of Dense's shape, and Dense is 0 where Observed is 0.
func requireMask(t *testing.T, m *Matrix) {
	t.Helper()
	r, c := m.Dense.Dims()
	if or, oc := m.Observed.Dims(); or != r || oc != c {
		t.Fatalf("mask is %dx%d, values %dx%d", or, oc, r, c)
	}
	for i := range r {
		for j := range c {
			o, v := m.Observed.At(i, j), m.Dense.At(i, j)
			if (o != 0 && o != 1) || (o == 0 && v != 0) {
				t.Fatalf("element (%d, %d): observed %v, value %v", i, j, o, v)
			}
		}
	}
}
