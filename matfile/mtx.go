package matfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/machine"
)

// checkFits is the memory preflight of a coordinate file's dense matrices
// (machine.CheckFits; tests replace it).
var checkFits = machine.CheckFits

const (
	banner     = "%%MatrixMarket"
	bannerWant = "%%MatrixMarket matrix <format> <field> <symmetry>"
	maxLine    = 1 << 20 // bytes; longer lines are an error
)

// mmHeader is what a Matrix Market banner declares.
type mmHeader struct {
	coordinate bool   // coordinate format, else array
	field      string // "real", "integer" or "pattern"
	symmetry   string // "general", "symmetric" or "skew-symmetric"
}

// mmLines reads the lines of a Matrix Market file, counting them.
type mmLines struct {
	sc   *bufio.Scanner
	n    int // number of the line last read
	path string
	// check, when not nil, is called before a coordinate file's dense
	// matrices are allocated (ReadChecked).
	check func(Info) error
}

// errorf returns an *Error on the line last read.
func (l *mmLines) errorf(format string, args ...any) *Error {
	return &Error{Path: l.path, Line: l.n, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next line that is neither blank nor a comment, with
// surrounding space trimmed, or ok false at the end of the file.
func (l *mmLines) next() (s string, ok bool, err error) {
	for l.sc.Scan() {
		l.n++
		s := strings.TrimSpace(l.sc.Text())
		if s != "" && s[0] != '%' {
			return s, true, nil
		}
	}
	return "", false, l.err()
}

// err reports the scanner's error, if any, as an *Error.
func (l *mmLines) err() error {
	err := l.sc.Err()
	if errors.Is(err, bufio.ErrTooLong) {
		return &Error{Path: l.path, Line: l.n + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLine)}
	}
	if err != nil {
		return &Error{Path: l.path, Msg: "reading", Err: err}
	}
	return nil
}

// readMTX reads a Matrix Market matrix from r; path names it in errors.
func readMTX(r io.Reader, path string) (*Matrix, error) { return readMTXChecked(r, path, nil) }

// readMTXChecked is readMTX calling check (when not nil) on a coordinate
// file's Info before its dense matrices are allocated (ReadChecked).
func readMTXChecked(r io.Reader, path string, check func(Info) error) (*Matrix, error) {
	l, h, size, sizeLine, err := readMTXHead(r, path)
	if err != nil {
		return nil, err
	}
	l.check = check
	rows, cols := size[0], size[1]
	if h.coordinate {
		return l.readCoordinate(h, rows, cols, size[2], sizeLine)
	}
	return l.readArray(h, rows, cols, sizeLine)
}

// readMTXHead reads a Matrix Market file's banner and size line from r
// (path names it in errors), checks the size, and returns the reader
// positioned after the size line, the banner, the sizes (rows, cols and,
// for coordinate, entries) and the size line's number.
func readMTXHead(r io.Reader, path string) (l *mmLines, h mmHeader, size []int, sizeLine int, err error) {
	br, err := textReader(r, path)
	if err != nil {
		return nil, h, nil, 0, err
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	l = &mmLines{sc: sc, path: path}
	if !sc.Scan() {
		if err := l.err(); err != nil {
			return nil, h, nil, 0, err
		}
		return nil, h, nil, 0, &Error{Path: path, Msg: fmt.Sprintf("empty file; want a Matrix Market file starting with %q", bannerWant)}
	}
	l.n++
	if h, err = l.parseBanner(sc.Text()); err != nil {
		return nil, h, nil, 0, err
	}

	s, ok, err := l.next()
	if err != nil {
		return nil, h, nil, 0, err
	}
	if !ok {
		return nil, h, nil, 0, &Error{Path: path, Msg: "file ends before the size line"}
	}
	sizeLine = l.n
	f := strings.Fields(s)
	want, desc := 2, "rows cols"
	if h.coordinate {
		want, desc = 3, "rows cols entries"
	}
	if len(f) != want {
		return nil, h, nil, 0, l.errorf("size line %q has %d numbers, want %d: %s", s, len(f), want, desc)
	}
	size = make([]int, want)
	for k, w := range f {
		if size[k], err = strconv.Atoi(w); err != nil || size[k] < 0 {
			return nil, h, nil, 0, l.errorf("size line %q: %q is not a non-negative integer", s, w)
		}
	}
	rows, cols := size[0], size[1]
	switch {
	case rows == 0 || cols == 0:
		return nil, h, nil, 0, l.errorf("matrix is empty (%dx%d); want at least one row and column", rows, cols)
	case rows > MaxEntries/cols:
		return nil, h, nil, 0, l.errorf("size %dx%d exceeds the limit of %d entries", rows, cols, MaxEntries)
	case h.symmetry != "general" && rows != cols:
		return nil, h, nil, 0, l.errorf("%s matrix must be square, size is %dx%d", h.symmetry, rows, cols)
	}
	return l, h, size, sizeLine, nil
}

// parseBanner parses the first line, s.
func (l *mmLines) parseBanner(s string) (mmHeader, error) {
	var h mmHeader
	f := strings.Fields(s)
	if len(f) == 0 || !strings.EqualFold(f[0], banner) {
		if len(s) > 80 {
			s = s[:80] + "..."
		}
		return h, l.errorf("not a Matrix Market file: first line is %q, want %q", s, bannerWant)
	}
	if len(f) != 5 {
		return h, l.errorf("banner %q has %d words, want 5: %s", s, len(f), bannerWant)
	}
	for k := range f {
		f[k] = strings.ToLower(f[k])
	}
	object, format, field, symmetry := f[1], f[2], f[3], f[4]
	if object != "matrix" {
		return h, l.errorf("object %q is not supported; want matrix", object)
	}
	switch format {
	case "coordinate":
		h.coordinate = true
	case "array":
	default:
		return h, l.errorf("format %q is not supported; want coordinate or array", format)
	}
	switch field {
	case "real", "integer", "pattern":
		h.field = field
	default:
		return h, l.errorf("field %q is not supported; want real, integer or pattern", field)
	}
	switch symmetry {
	case "general", "symmetric", "skew-symmetric":
		h.symmetry = symmetry
	default:
		return h, l.errorf("symmetry %q is not supported; want general, symmetric or skew-symmetric", symmetry)
	}
	if field == "pattern" && !h.coordinate {
		return h, l.errorf("field pattern is only valid with the coordinate format")
	}
	if field == "pattern" && symmetry == "skew-symmetric" {
		return h, l.errorf("field pattern cannot be skew-symmetric")
	}
	return h, nil
}

// parseValue parses an entry's value s for the given field (not pattern).
func (l *mmLines) parseValue(field, s string) (float64, error) {
	if field == "integer" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return float64(v), nil
		}
		if !errors.Is(err, strconv.ErrRange) {
			return 0, l.errorf("value %q is not an integer (the field is integer)", s)
		}
		// An integer beyond int64: parse it as a float below.
	}
	v, msg := parseFinite("value", s)
	if msg != "" {
		return 0, l.errorf("%s", msg)
	}
	return v, nil
}

// coordEntry is an element a coordinate file sets, 0-based.
type coordEntry struct {
	i, j int
	v    float64
}

// readCoordinate reads the entries of a coordinate file of the given size,
// whose size line, declaring nnz entries, is line sizeLine, and returns
// its dense matrices.
func (l *mmLines) readCoordinate(h mmHeader, rows, cols, nnz, sizeLine int) (*Matrix, error) {
	entries, got, err := l.readCoordinateList(h, rows, cols, nnz, sizeLine)
	if err != nil {
		return nil, err
	}
	if l.check != nil {
		if err := l.check(Info{Rows: rows, Cols: cols, Coordinate: true, Entries: len(entries), Dtype: "float64"}); err != nil {
			return nil, err
		}
	}
	// Dense and Observed: two rows x cols float64 matrices.
	need := 2 * 8 * uint64(rows) * uint64(cols)
	if err := checkFits(need, fmt.Sprintf("the %d x %d matrix of its %d listed entries (values and mask, dense)", rows, cols, got)); err != nil {
		return nil, &Error{Path: l.path, Line: sizeLine, Msg: err.Error()}
	}
	dense := mat.NewDense(rows, cols, nil)
	obs := mat.NewDense(rows, cols, nil)
	for _, e := range entries {
		dense.Set(e.i, e.j, e.v)
		obs.Set(e.i, e.j, 1)
	}
	return &Matrix{Dense: dense, Observed: obs, Entries: len(entries)}, nil
}

// readCoordinateList reads the entries of a coordinate file as
// readCoordinate does and returns every element the file sets (a
// symmetric file's off-diagonal line twice, the line's element first) in
// the file's order, and the number of entry lines.
func (l *mmLines) readCoordinateList(h mmHeader, rows, cols, nnz, sizeLine int) ([]coordEntry, int, error) {
	capacity := rows * cols
	if h.symmetry != "general" {
		capacity = rows * (rows + 1) / 2
	}
	if nnz > capacity {
		return nil, 0, l.errorf("size line declares %d entries, more than the %d a %dx%d %s matrix can hold", nnz, capacity, rows, cols, h.symmetry)
	}
	want, desc := 3, "row col value"
	if h.field == "pattern" {
		want, desc = 2, "row col"
	}
	// The entries are kept as a list until the file has been read and
	// checked, so that memory grows with the file, not with rows x cols
	// (a size line may declare a huge matrix with one entry). line holds,
	// per element set, the number of the line that set it: duplicates can
	// then name both lines.
	var entries []coordEntry
	line := map[int]int{}
	got := 0
	for {
		s, ok, err := l.next()
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			break
		}
		if got == nnz {
			return nil, 0, l.errorf("entry beyond the %d declared on the size line (line %d)", nnz, sizeLine)
		}
		f := strings.Fields(s)
		if len(f) != want {
			return nil, 0, l.errorf("entry %q has %d fields, want %d: %s", s, len(f), want, desc)
		}
		i, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, 0, l.errorf("row index %q is not an integer", f[0])
		}
		j, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, 0, l.errorf("column index %q is not an integer", f[1])
		}
		if i < 1 || i > rows || j < 1 || j > cols {
			return nil, 0, l.errorf("entry (%d, %d) is outside the %dx%d matrix (indices are 1-based)", i, j, rows, cols)
		}
		v := 1.0
		if h.field != "pattern" {
			if v, err = l.parseValue(h.field, f[2]); err != nil {
				return nil, 0, err
			}
		}
		if prev := line[(i-1)*cols+j-1]; prev != 0 {
			e := l.errorf("duplicate entry (%d, %d), already given on line %d", i, j, prev)
			if h.symmetry != "general" && i != j {
				e.Msg += fmt.Sprintf(" (in a %s file, entry (%d, %d) also sets (%d, %d))", h.symmetry, j, i, i, j)
			}
			return nil, 0, e
		}
		if h.symmetry == "skew-symmetric" && i == j && v != 0 {
			return nil, 0, l.errorf("diagonal entry (%d, %d) is %v; a skew-symmetric matrix has a zero diagonal", i, j, v)
		}
		i, j = i-1, j-1
		entries = append(entries, coordEntry{i, j, v})
		line[i*cols+j] = l.n
		if i != j {
			switch h.symmetry {
			case "symmetric":
				entries = append(entries, coordEntry{j, i, v})
				line[j*cols+i] = l.n
			case "skew-symmetric":
				entries = append(entries, coordEntry{j, i, -v})
				line[j*cols+i] = l.n
			}
		}
		got++
	}
	if got < nnz {
		return nil, 0, &Error{Path: l.path, Line: sizeLine, Msg: fmt.Sprintf("size line declares %d entries, file has %d", nnz, got)}
	}
	return entries, got, nil
}

// readArray reads the column-major values of an array file of the given
// size, whose size line is line sizeLine. A symmetric file holds the lower
// triangle with the diagonal, a skew-symmetric one the strict lower
// triangle, each column-major.
func (l *mmLines) readArray(h mmHeader, rows, cols, sizeLine int) (*Matrix, error) {
	n := rows * cols
	switch h.symmetry {
	case "symmetric":
		n = rows * (rows + 1) / 2
	case "skew-symmetric":
		n = rows * (rows - 1) / 2
	}
	var vals []float64 // grows with the file, not with what the size line claims
	for {
		s, ok, err := l.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if len(vals) == n {
			return nil, l.errorf("value beyond the %d of a %dx%d %s array declared on the size line (line %d)", n, rows, cols, h.symmetry, sizeLine)
		}
		if f := strings.Fields(s); len(f) != 1 {
			return nil, l.errorf("line %q has %d fields, want 1 (the array format has one value per line)", s, len(f))
		}
		v, err := l.parseValue(h.field, s)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	if len(vals) < n {
		return nil, &Error{Path: l.path, Line: sizeLine, Msg: fmt.Sprintf("size line declares %d values (a %dx%d %s array), file has %d", n, rows, cols, h.symmetry, len(vals))}
	}
	dense := mat.NewDense(rows, cols, nil)
	if h.symmetry == "general" {
		for k, v := range vals {
			dense.Set(k%rows, k/rows, v)
		}
		return &Matrix{Dense: dense}, nil
	}
	k := 0
	for j := range cols {
		start := j
		if h.symmetry == "skew-symmetric" {
			start = j + 1
		}
		for i := start; i < rows; i++ {
			v := vals[k]
			k++
			dense.Set(i, j, v)
			if h.symmetry == "skew-symmetric" {
				v = -v
			}
			dense.Set(j, i, v)
		}
	}
	return &Matrix{Dense: dense}, nil
}

// writeMTX writes m to w as a Matrix Market array real general file.
// Errors are left in w.
func writeMTX(w *bufio.Writer, m *mat.Dense) {
	r, c := m.Dims()
	fmt.Fprintf(w, "%s matrix array real general\n%d %d\n", banner, r, c)
	var buf []byte
	for j := range c {
		for i := range r {
			buf = append(appendFloat(buf[:0], m.At(i, j)), '\n')
			w.Write(buf)
		}
	}
}
