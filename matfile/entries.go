package matfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// This file holds the entry-list (coordinate) form of a sparse matrix:
// [Entries], its reader of plain "row,col,value" text ([ReadEntries]), its
// writer ([WriteEntries]: CSV, TSV or coordinate Matrix Market) and the
// conversion from a Matrix Market coordinate [Matrix] ([EntriesOf]). The
// seeded train / validation / test split is in split.go.

// Entries is a list of a matrix's observed entries, in coordinate form:
// entry t is the value Value[t] at row Row[t], column Col[t], indices
// 0-based whatever the file used. Its memory is proportional to the number
// of entries (two ints and a float64 each), never to M×N.
//
// A list returned by this package has Row, Col and Value of one length,
// at least one entry, indices in [0, M) x [0, N), finite values and no
// (row, col) twice (see [Entries.Check]).
type Entries struct {
	// M and N are the matrix's rows and columns.
	M, N int
	// Row, Col and Value are the entries, in the order of the file.
	Row, Col []int
	Value    []float64

	// Source is the file the list was read from ("" when built otherwise).
	// The fields below describe how it was read, so a caller can report
	// them as coming from that file; they are zero for a list built in
	// memory.
	Source string
	// OneBased reports that the file's indices were 1-based.
	OneBased bool
	// BaseDetected reports that the base was detected ([IndexDetect])
	// rather than declared: 0-based because some index is 0, otherwise
	// 1-based.
	BaseDetected bool
	// Header reports that the file's first data line was a header
	// (skipped).
	Header bool
	// Delim is the field delimiter used: ',', '\t', ';' or ' ' (runs of
	// spaces and tabs).
	Delim byte
	// Averaged is the number of duplicate lines averaged into an earlier
	// entry ([DuplicatesAverage]); 0 otherwise.
	Averaged int
	// Symmetric reports that the list was read from a symmetric or
	// skew-symmetric Matrix Market file ([ReadMTXEntries]): the entries
	// (i, j) and (j, i) come from one line of it, so pass it to
	// [SplitEntries] to keep them on one side.
	Symmetric bool
	// Lines is the number of entry lines of a Matrix Market file
	// ([ReadMTXEntries]; a symmetric file's off-diagonal line sets two
	// entries); 0 otherwise.
	Lines int
}

// Len returns the number of entries.
func (e *Entries) Len() int { return len(e.Value) }

// Check returns an error, naming e.Source when set, when e is not a valid
// list: M or N below 1, slices of different lengths, no entries, an index
// outside [0, M) x [0, N), or a value NaN or ±Inf. It does not look for
// duplicates (that needs memory; the reader rejects them). It allocates
// nothing unless it fails.
func (e *Entries) Check() error {
	name := e.Source
	if name == "" {
		name = "entry list"
	}
	switch {
	case e.M < 1 || e.N < 1:
		return &Error{Path: name, Msg: fmt.Sprintf("size %d x %d: both must be at least 1", e.M, e.N)}
	case len(e.Row) != len(e.Value) || len(e.Col) != len(e.Value):
		return &Error{Path: name, Msg: fmt.Sprintf("%d rows, %d columns and %d values: want one of each per entry", len(e.Row), len(e.Col), len(e.Value))}
	case len(e.Value) == 0:
		return &Error{Path: name, Msg: "no entries"}
	}
	for t, v := range e.Value {
		i, j := e.Row[t], e.Col[t]
		if i < 0 || i >= e.M || j < 0 || j >= e.N {
			return &Error{Path: name, Msg: fmt.Sprintf("entry %d at (%d, %d) is outside the %d x %d matrix (0-based)", t, i, j, e.M, e.N)}
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &Error{Path: name, Msg: fmt.Sprintf("entry %d at (%d, %d) is %v; lowdim needs finite values", t, i, j, v)}
		}
	}
	return nil
}

// Counts returns the number of entries in each row (length M) and each
// column (length N). A row or column with none is one the entries say
// nothing about; see the consumer's documentation for its treatment.
func (e *Entries) Counts() (rows, cols []int) {
	rows, cols = make([]int, e.M), make([]int, e.N)
	for t := range e.Value {
		rows[e.Row[t]]++
		cols[e.Col[t]]++
	}
	return rows, cols
}

// Index says how a file's row and column indices are numbered.
type Index int

const (
	// IndexDetect, the zero value, reads the indices as 0-based if any
	// row or column index in the file is 0, and as 1-based otherwise
	// (reported in Entries.BaseDetected). A 0-based file whose first row
	// and first column are both empty is read, wrongly, as 1-based:
	// declare the base when it is known.
	IndexDetect Index = iota
	// IndexZero reads 0-based indices.
	IndexZero
	// IndexOne reads 1-based indices (Matrix Market's, R's, MovieLens's);
	// an index 0 is an error.
	IndexOne
)

// Duplicates says what the reader does with a (row, col) listed twice.
type Duplicates int

const (
	// DuplicatesError, the zero value, makes a repeated (row, col) an
	// error naming the line and the line that gave it first.
	DuplicatesError Duplicates = iota
	// DuplicatesAverage keeps one entry per (row, col), at its first
	// line's place in the list, whose value is the mean of every line
	// giving it (summed in file order, then divided); Entries.Averaged
	// counts the lines merged.
	DuplicatesAverage
)

// EntriesOptions says how to read an entry list. The zero value detects
// the delimiter, the header and the index base, infers the size and
// refuses duplicates.
type EntriesOptions struct {
	// Delim is the field delimiter: ',', '\t', ';' or ' ' (runs of spaces
	// and tabs). 0 detects it from the first data line: a tab, else a
	// comma, else a semicolon, else spaces.
	Delim byte
	// Index is the numbering of the indices; the zero value detects it.
	Index Index
	// M and N, when positive, are the matrix's size: an index beyond it is
	// an error. 0 infers each as the largest index read plus one (after
	// the base is taken off).
	M, N int
	// Duplicates is what a repeated (row, col) does; the zero value makes
	// it an error.
	Duplicates Duplicates
	// ExtraFields allows lines of more than three fields and ignores the
	// fields after the value (such as the timestamp of MovieLens's u.data).
	// Every line must still have as many fields as the first data line.
	ExtraFields bool
}

// maxIndex is the largest index an entry list may hold: indices are
// packed in pairs into 64-bit keys.
const maxIndex = math.MaxInt32 - 1

// maxEntryLine is the longest line read, in bytes; a longer line is an
// error, not a reason to buffer a whole binary file.
const maxEntryLine = 1 << 16

// ReadEntries reads the entry list in the text file at path: one entry per
// line, "row<delim>col<delim>value", as ratings data is usually shipped.
//
//   - A UTF-8 byte order mark at the start is skipped; a UTF-16 one is an
//     error (save the file as UTF-8).
//   - Blank lines and lines starting with '#' are skipped.
//   - The first data line is a header, skipped and reported in
//     Entries.Header, when none of its fields is a number (e.g.
//     "user,item,rating"); one that is partly numeric is an error.
//   - Fields are trimmed of spaces. Indices are integers; the value is a
//     finite float (the shortest text that reads back is written by
//     [WriteEntries]).
//   - The base (0 or 1), the delimiter, the size and duplicates follow
//     opts (see [EntriesOptions]).
//
// A malformed file is an *Error naming path, the line and, where it
// applies, the field (1-based): a ragged line, a non-integer or negative
// index, an index 0 in a 1-based file, an index beyond a declared size, a
// value that is not a finite number, a duplicate (naming the first line),
// or a file with no entries. Memory is proportional to the entries: the
// list, plus while reading a line number per entry and a map of the
// (row, col) pairs seen. ReadEntries reads .csv, .tsv, .txt or any other
// extension alike; for a Matrix Market file use [Read] and [EntriesOf].
func ReadEntries(path string, opts EntriesOptions) (*Entries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadEntriesFrom(f, path, opts)
}

// ReadEntriesFrom reads an entry list from r as [ReadEntries] does; path
// names it in errors and in Entries.Source.
func ReadEntriesFrom(r io.Reader, path string, opts EntriesOptions) (*Entries, error) {
	if opts.M < 0 || opts.N < 0 || opts.M > maxIndex+1 || opts.N > maxIndex+1 {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("declared size %d x %d: want each in [0, %d] (0 infers it)", opts.M, opts.N, maxIndex+1)}
	}
	switch opts.Delim {
	case 0, ',', '\t', ';', ' ':
	default:
		return nil, &Error{Path: path, Msg: fmt.Sprintf("delimiter %q: want ',', tab, ';' or ' ' (or 0 to detect)", opts.Delim)}
	}
	switch opts.Index {
	case IndexDetect, IndexZero, IndexOne:
	default:
		return nil, &Error{Path: path, Msg: fmt.Sprintf("index base %d: want IndexDetect, IndexZero or IndexOne", opts.Index)}
	}
	rd := &entryReader{path: path, opts: opts, e: &Entries{Source: path, Delim: opts.Delim}, seen: map[uint64]int32{}}
	if err := rd.read(r); err != nil {
		return nil, err
	}
	return rd.finish()
}

// entryReader holds the state of one ReadEntriesFrom.
type entryReader struct {
	path   string
	opts   EntriesOptions
	e      *Entries
	line   []int32          // per entry, its line (for errors found after reading)
	seen   map[uint64]int32 // (raw row, raw col) -> entry
	sums   map[int32]int32  // DuplicatesAverage: entry -> lines merged into it
	n      int              // line number of the line being read
	fields int              // fields per line, set by the first data line
	zero   bool             // some index is 0
	maxRow int
	maxCol int
}

func (rd *entryReader) errorf(col int, format string, args ...any) *Error {
	return &Error{Path: rd.path, Line: rd.n, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// read reads every line of r into rd.e with raw (file) indices.
func (rd *entryReader) read(r io.Reader) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(2); err == nil && (string(b) == "\xff\xfe" || string(b) == "\xfe\xff") {
		return &Error{Path: rd.path, Line: 1, Msg: "UTF-16 text (byte order mark " + fmt.Sprintf("% x", b) + "); save the file as UTF-8"}
	}
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(nil, maxEntryLine)
	var fields [][]byte
	first := true
	for sc.Scan() {
		rd.n++
		s := bytes.TrimSpace(sc.Bytes())
		if len(s) == 0 || s[0] == '#' {
			continue
		}
		if rd.e.Delim == 0 {
			rd.e.Delim = detectDelim(s)
		}
		fields = splitFields(fields[:0], s, rd.e.Delim)
		if first {
			first = false
			rd.fields = len(fields)
			if isHeader(fields) {
				rd.e.Header = true
				rd.fields = 0 // the first entry line sets it
				continue
			}
		}
		if rd.fields == 0 {
			rd.fields = len(fields)
		}
		if err := rd.entry(fields); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &Error{Path: rd.path, Line: rd.n + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxEntryLine)}
		}
		return &Error{Path: rd.path, Msg: "reading", Err: err}
	}
	if len(rd.e.Value) == 0 {
		msg := "no entries: the file is empty or holds only comments and blank lines"
		if rd.e.Header {
			msg = "no entries: the file holds only a header line"
		}
		return &Error{Path: rd.path, Msg: msg}
	}
	return nil
}

// entry parses the fields of one data line and appends its entry.
func (rd *entryReader) entry(f [][]byte) error {
	want := "3 fields (row, col, value)"
	if rd.opts.ExtraFields {
		want = fmt.Sprintf("%d fields like the first data line", rd.fields)
	}
	switch {
	case len(f) < 3:
		return rd.errorf(0, "line has %d fields, want %s", len(f), want)
	case len(f) > 3 && !rd.opts.ExtraFields:
		return rd.errorf(0, "line has %d fields, want %s (EntriesOptions.ExtraFields ignores the fields after the value)", len(f), want)
	case len(f) != rd.fields:
		return rd.errorf(0, "line has %d fields, want %s", len(f), want)
	}
	i, err := rd.index(f[0], 1, "row")
	if err != nil {
		return err
	}
	j, err := rd.index(f[1], 2, "column")
	if err != nil {
		return err
	}
	v, msg := parseFinite("value", string(f[2]))
	if msg != "" {
		return rd.errorf(3, "%s", msg)
	}
	if len(rd.e.Value) >= MaxEntries {
		return rd.errorf(0, "more than %d entries", MaxEntries)
	}
	key := uint64(i)<<32 | uint64(j)
	if t, dup := rd.seen[key]; dup {
		if rd.opts.Duplicates != DuplicatesAverage {
			return rd.errorf(0, "duplicate entry (%d, %d), already given on line %d (EntriesOptions.Duplicates can average them)", i, j, rd.line[t])
		}
		if rd.sums == nil {
			rd.sums = map[int32]int32{}
		}
		rd.e.Value[t] += v
		rd.sums[t]++
		rd.e.Averaged++
		return nil
	}
	rd.seen[key] = int32(len(rd.e.Value))
	rd.e.Row = append(rd.e.Row, i)
	rd.e.Col = append(rd.e.Col, j)
	rd.e.Value = append(rd.e.Value, v)
	rd.line = append(rd.line, int32(min(rd.n, math.MaxInt32)))
	rd.zero = rd.zero || i == 0 || j == 0
	rd.maxRow, rd.maxCol = max(rd.maxRow, i), max(rd.maxCol, j)
	return nil
}

// index parses the index in field col (1-based) of the line.
func (rd *entryReader) index(b []byte, col int, what string) (int, error) {
	i, err := strconv.Atoi(string(b))
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange), err == nil && i > maxIndex:
		return 0, rd.errorf(col, "%s index %q is out of range (indices up to %d)", what, b, maxIndex)
	case err != nil:
		return 0, rd.errorf(col, "%s index %q is not an integer", what, b)
	case i < 0:
		return 0, rd.errorf(col, "%s index %d is negative", what, i)
	case i == 0 && rd.opts.Index == IndexOne:
		return 0, rd.errorf(col, "%s index 0 in a file declared 1-based", what)
	}
	return i, nil
}

// finish takes the base off the indices, sets or checks the size and
// divides averaged values.
func (rd *entryReader) finish() (*Entries, error) {
	e := rd.e
	base := 0
	switch rd.opts.Index {
	case IndexOne:
		base = 1
	case IndexDetect:
		e.BaseDetected = true
		if !rd.zero {
			base = 1
		}
	}
	e.OneBased = base == 1
	for t := 0; rd.sums != nil && t < len(e.Value); t++ { // in order: the first overflow is the one reported
		c, ok := rd.sums[int32(t)]
		if !ok {
			continue
		}
		// Summing may overflow where the mean would not: rare enough
		// (values near 1e308) to be an error rather than a scaled sum.
		if e.Value[t] /= float64(c + 1); math.IsInf(e.Value[t], 0) {
			rd.n = int(rd.line[t])
			return nil, rd.errorf(0, "the mean of the %d values of entry (%d, %d) overflows", c+1, e.Row[t], e.Col[t])
		}
	}
	e.M, e.N = rd.opts.M, rd.opts.N
	if e.M == 0 {
		e.M = rd.maxRow - base + 1
	}
	if e.N == 0 {
		e.N = rd.maxCol - base + 1
	}
	for t := range e.Value {
		i, j := e.Row[t]-base, e.Col[t]-base
		if i >= e.M || j >= e.N {
			rd.n = int(rd.line[t])
			return nil, rd.errorf(0, "entry (%d, %d) is outside the declared %d x %d matrix (indices %d-based)", e.Row[t], e.Col[t], e.M, e.N, base)
		}
		e.Row[t], e.Col[t] = i, j
	}
	return e, nil
}

// detectDelim returns the delimiter of a data line: a tab, else a comma,
// else a semicolon, else runs of spaces.
func detectDelim(s []byte) byte {
	for _, d := range []byte{'\t', ',', ';'} {
		if bytes.IndexByte(s, d) >= 0 {
			return d
		}
	}
	return ' '
}

// splitFields appends to dst the fields of s, trimmed of spaces.
func splitFields(dst [][]byte, s []byte, delim byte) [][]byte {
	if delim == ' ' {
		return append(dst, bytes.Fields(s)...)
	}
	for {
		k := bytes.IndexByte(s, delim)
		if k < 0 {
			return append(dst, bytes.TrimSpace(s))
		}
		dst = append(dst, bytes.TrimSpace(s[:k]))
		s = s[k+1:]
	}
}

// isHeader reports whether no field of a line is a number.
func isHeader(f [][]byte) bool {
	for _, b := range f {
		if _, err := strconv.ParseFloat(string(b), 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

// ReadMTXEntries reads the Matrix Market coordinate file at path as an
// entry list, without ever allocating its rows×cols matrix (memory
// proportional to the entries): every element the file sets, in the
// file's order, a symmetric (skew-symmetric) file's off-diagonal line
// giving (i, j) and then (j, i) (with the value negated), M×N the size
// line's, Symmetric set for a symmetric or skew-symmetric file, Lines the
// entry lines. A pattern file's values are 1. The file is checked as [Read]
// checks it (banner, size, indices in range, no element set twice, the
// declared number of entries); an array file, or a coordinate file with no
// entries, is an *Error naming path.
func ReadMTXEntries(path string) (*Entries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readMTXEntriesFrom(f, path)
}

// readMTXEntriesFrom is ReadMTXEntries reading r; path names it.
func readMTXEntriesFrom(r io.Reader, path string) (*Entries, error) {
	l, h, size, sizeLine, err := readMTXHead(r, path)
	if err != nil {
		return nil, err
	}
	if !h.coordinate {
		return nil, &Error{Path: path, Line: 1, Msg: "an array Matrix Market file is a dense matrix, not a list of entries (want the coordinate format)"}
	}
	list, lines, err := l.readCoordinateList(h, size[0], size[1], size[2], sizeLine)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &Error{Path: path, Line: sizeLine, Msg: "no entries"}
	}
	e := &Entries{M: size[0], N: size[1], Source: path, OneBased: true, Delim: ' ', Symmetric: h.symmetry != "general", Lines: lines,
		Row: make([]int, len(list)), Col: make([]int, len(list)), Value: make([]float64, len(list))}
	for t, x := range list {
		e.Row[t], e.Col[t], e.Value[t] = x.i, x.j, x.v
	}
	return e, nil
}

// EntriesOf returns the entries of a Matrix read by [Read] from a Matrix
// Market coordinate file (m.Observed not nil): every element the file
// sets, in row-major order, with M×N the file's size. For a symmetric
// file both (i, j) and (j, i) are listed; pass symmetric = true to
// [SplitEntries] so that the two go to the same side. It walks Observed,
// O(M N) time, and allocates the list. An *Error when m has no mask (a
// dense format) or no entries.
func EntriesOf(path string, m *Matrix) (*Entries, error) {
	if m.Observed == nil {
		return nil, &Error{Path: path, Msg: "not a coordinate file: a dense matrix has no list of observed entries"}
	}
	r, c := m.Observed.Dims()
	e := &Entries{M: r, N: c, Source: path, OneBased: true, Delim: ' '}
	e.Row = make([]int, 0, m.Entries)
	e.Col = make([]int, 0, m.Entries)
	e.Value = make([]float64, 0, m.Entries)
	for i := range r {
		for j := range c {
			if m.Observed.At(i, j) != 0 {
				e.Row = append(e.Row, i)
				e.Col = append(e.Col, j)
				e.Value = append(e.Value, m.Dense.At(i, j))
			}
		}
	}
	if len(e.Value) == 0 {
		return nil, &Error{Path: path, Msg: "no entries"}
	}
	return e, nil
}

// WriteEntries writes e to the file at path in the format its extension
// names, with 1-based indices:
//
//   - .csv: "row,col,value" lines, after a header line "row,col,value"
//     when header is true;
//   - .tsv or .txt: the same with tabs;
//   - .mtx: a Matrix Market coordinate general file of size M×N (field
//     integer when every value is an integer of magnitude below 2^53,
//     real otherwise; header is ignored), which [Read] reads back as a
//     masked matrix.
//
// Values are written in the shortest form that parses back exactly, so
// ReadEntries with IndexOne and e's M, N gives e back. It writes
// atomically (see [Write]). An invalid e ([Entries.Check]) or another
// extension is an *Error naming path.
func WriteEntries(path string, e *Entries, header bool) error {
	if err := e.Check(); err != nil {
		var me *Error
		if errors.As(err, &me) {
			me.Path = path
		}
		return err
	}
	var sep byte
	switch format(path) {
	case ".csv":
		sep = ','
	case ".tsv", ".txt":
		sep = '\t'
	case ".mtx":
		return writeAtomic(path, func(w *bufio.Writer) { writeEntriesMTX(w, e) })
	default:
		return &Error{Path: path, Msg: "unknown entry-list format (want .csv, .tsv, .txt or .mtx)"}
	}
	return writeAtomic(path, func(w *bufio.Writer) {
		if header {
			w.WriteString(strings.Join([]string{"row", "col", "value"}, string(sep)) + "\n")
		}
		writeEntryLines(w, e, sep, false)
	})
}

// writeEntryLines writes one "row sep col sep value" line per entry,
// 1-based, values as integers when integer is set. Errors are left in w.
func writeEntryLines(w *bufio.Writer, e *Entries, sep byte, integer bool) {
	var buf []byte
	for t, v := range e.Value {
		buf = strconv.AppendInt(buf[:0], int64(e.Row[t])+1, 10)
		buf = append(buf, sep)
		buf = strconv.AppendInt(buf, int64(e.Col[t])+1, 10)
		buf = append(buf, sep)
		if integer {
			buf = strconv.AppendInt(buf, int64(v), 10)
		} else {
			buf = appendFloat(buf, v)
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
}

// writeEntriesMTX writes e as a Matrix Market coordinate general file.
func writeEntriesMTX(w *bufio.Writer, e *Entries) {
	integer := true
	for _, v := range e.Value {
		if v != math.Trunc(v) || math.Abs(v) >= 1<<53 {
			integer = false
			break
		}
	}
	field := "real"
	if integer {
		field = "integer"
	}
	fmt.Fprintf(w, "%%%%MatrixMarket matrix coordinate %s general\n%d %d %d\n", field, e.M, e.N, len(e.Value))
	writeEntryLines(w, e, ' ', integer)
}

// IsEntryList reports whether the file at path looks like a list of
// entries rather than a dense matrix, from its extension and first data
// line:
//
//   - .tsv and .txt: always (Read reads no dense matrix from them);
//   - .mtx: a coordinate Matrix Market file (its banner);
//   - .csv: a first data line (after blank lines and '#' comments) that is
//     a header (no field a number: Read refuses it as a matrix) or holds
//     three fields whose first two are non-negative integers, as in
//     "196,242,3". A dense three-column matrix whose first two columns
//     are such integers looks like an entry list too: the caller should
//     let the user say which it is;
//   - anything else (.npy): never.
//
// It reads at most the first 64 KiB of text. Errors are those of opening
// the file, or an *Error for a UTF-16 file.
func IsEntryList(path string) (bool, error) {
	switch format(path) {
	case ".tsv", ".txt":
		return true, nil
	case ".mtx", ".csv":
	default:
		return false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	br, err := textReader(f, path)
	if err != nil {
		return false, err
	}
	sc := bufio.NewScanner(io.LimitReader(br, 64<<10))
	sc.Buffer(nil, 64<<10)
	for sc.Scan() {
		s := bytes.TrimSpace(sc.Bytes())
		if format(path) == ".mtx" {
			fs := strings.Fields(strings.ToLower(string(s)))
			return len(fs) >= 3 && fs[0] == strings.ToLower(banner) && fs[2] == "coordinate", nil
		}
		if len(s) == 0 || s[0] == '#' {
			continue
		}
		fields := splitFields(nil, s, ',')
		if isHeader(fields) {
			return true, nil
		}
		if len(fields) != 3 {
			return false, nil
		}
		for _, b := range fields[:2] {
			if i, err := strconv.Atoi(string(b)); err != nil || i < 0 {
				return false, nil
			}
		}
		return true, nil
	}
	return false, nil
}
