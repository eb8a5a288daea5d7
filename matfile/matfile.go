package matfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/atomicfile"
	"github.com/lowdim/lowdim/npy"
)

// MaxEntries is the largest rows×cols a file may declare: 1e9 float64
// values are 8 GB, more than lowdim can sensibly work on, and a larger size
// in a header is far more likely a corrupt file than a real matrix.
const MaxEntries = 1_000_000_000

// Matrix is a matrix read from a file.
type Matrix struct {
	// Dense holds the values, rows×cols. For a Matrix Market coordinate
	// file, entries the file does not list are 0.
	Dense *mat.Dense
	// Observed is nil for the dense formats (.npy, .csv, Matrix Market
	// array). For a Matrix Market coordinate file it has Dense's shape and
	// is 1 at the entries the file lists and 0 elsewhere.
	Observed *mat.Dense
	// Entries is, for a Matrix Market coordinate file, the number of
	// elements it sets (the ones of Observed: a symmetric file's
	// off-diagonal line counts twice), known without a pass over
	// Observed; 0 for the dense formats.
	Entries int
	// Dtype names the precision the values came in: for .npy the dtype
	// the file stored (npy.Array.Dtype: "float64", "float32", "int32",
	// "bool", ...); "float64" for .csv and .mtx, whose text is parsed to
	// float64 (the digits printed are not taken as its precision).
	Dtype string
}

// Error reports a malformed, inconsistent or unsupported .csv or .mtx file,
// or an I/O error (in Err) met while reading or writing one. Its message is
// "Path:Line:Col: Msg[: Err]", where ":Col" is left out when Col is 0 and
// ":Line:Col" when Line is 0.
type Error struct {
	Path string // the file, as given to Read or Write
	Line int    // 1-based line number, or 0 if the problem is not on one line
	Col  int    // 1-based CSV cell number within the line, or 0
	Msg  string // what is wrong, e.g. `cell "abc" is not a number`
	Err  error  // underlying error, or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// format returns the lower-cased extension of path, e.g. ".csv".
func format(path string) string { return strings.ToLower(filepath.Ext(path)) }

// Read reads the matrix in the file at path, choosing the format from its
// extension: .npy, .csv or .mtx (case-insensitive; see the package
// documentation). Any other extension is an *Error such as
// "x.txt: unknown matrix format (want .npy, .csv or .mtx)". Every error
// mentions path. Read allocates the returned matrices and, for .csv and
// Matrix Market array files, a buffer of the values as read. It is
// ReadChecked with no check.
func Read(path string) (*Matrix, error) { return ReadChecked(path, nil) }

// Info is what a file holds, known once its values are read and checked
// and before a coordinate file's rows×cols matrices are allocated.
type Info struct {
	Rows, Cols int
	// Coordinate says the file is a Matrix Market coordinate file (the
	// Matrix will have Observed).
	Coordinate bool
	// Entries and Dtype are those of the Matrix to come.
	Entries int
	Dtype   string
}

// ReadChecked reads the file at path as Read does, and calls check (when
// not nil) with its Info once the file has been read and found well
// formed: for a Matrix Market coordinate file, before its rows×cols Dense
// and Observed are allocated (and before the memory preflight of their
// size), so that a caller can refuse, in memory proportional to the file, a
// matrix it would not use. An error from check is returned as it is.
func ReadChecked(path string, check func(Info) error) (*Matrix, error) {
	var read func(io.Reader, string) (*Matrix, error)
	switch format(path) {
	case ".npy":
		a, err := npy.ReadArrayFile(path, -1, -1)
		if err != nil {
			return nil, err
		}
		d, err := a.Matrix()
		if ne := (*npy.Error)(nil); errors.As(err, &ne) {
			named := *ne // "npy: shape ..." named by its file, as npy.ReadMatrixFile does
			named.Name = path
			return nil, &named
		}
		m := &Matrix{Dense: d, Dtype: a.Dtype}
		if err := m.check(check); err != nil {
			return nil, err
		}
		return m, nil
	case ".csv":
		read = readCSV
	case ".mtx":
		read = func(r io.Reader, path string) (*Matrix, error) { return readMTXChecked(r, path, check) }
	default:
		return nil, &Error{Path: path, Msg: "unknown matrix format (want .npy, .csv or .mtx)"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := read(f, path)
	if err != nil {
		return nil, err
	}
	m.Dtype = "float64"
	if m.Observed == nil { // a coordinate file was checked before allocation
		if err := m.check(check); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// check calls check, when not nil, with m's Info.
func (m *Matrix) check(check func(Info) error) error {
	if check == nil {
		return nil
	}
	r, c := m.Dense.Dims()
	return check(Info{Rows: r, Cols: c, Entries: m.Entries, Dtype: m.Dtype})
}

// Write writes m to the file at path in the format its extension names:
// .csv (one row per line), .mtx (Matrix Market array real general) or .npy
// (npy.WriteFile). Values are written in the shortest form that parses back
// to the same float64, so Read(path) returns m exactly. Write refuses, with
// an *Error naming the element, a matrix holding NaN or ±Inf, which Read
// would reject. It writes atomically with atomicfile.Write: a temporary file
// in the same directory is given mode 0644, synced and renamed over path,
// then the directory is synced, so on error no file is left behind and an
// existing file at path is unchanged (unless only the directory sync failed).
// Errors mention path.
// Write panics if m is empty (a zero-value mat.Dense).
func Write(path string, m *mat.Dense) error {
	if m.IsEmpty() {
		panic("matfile.Write: empty matrix")
	}
	r, c := m.Dims()
	for i := range r {
		for j := range c {
			if v := m.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return &Error{Path: path, Msg: fmt.Sprintf("element (%d, %d) is %v; lowdim needs finite values", i, j, v)}
			}
		}
	}
	switch format(path) {
	case ".npy":
		return npy.WriteFile(path, []int{r, c}, mat.DenseCopyOf(m).RawMatrix().Data)
	case ".csv":
		return writeAtomic(path, func(w *bufio.Writer) { writeCSV(w, m) })
	case ".mtx":
		return writeAtomic(path, func(w *bufio.Writer) { writeMTX(w, m) })
	}
	return &Error{Path: path, Msg: "unknown matrix format (want .npy, .csv or .mtx)"}
}

// writeAtomic writes path with atomicfile.Write through a 64 KiB buffer
// filled by fill (see Write). Its errors are *Error values with Msg
// "writing", wrapping what atomicfile reports, e.g.
// "m.csv: writing: creating temporary file: open .m.csv123: permission denied".
func writeAtomic(path string, fill func(w *bufio.Writer)) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		fill(bw)
		return bw.Flush()
	})
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		err = pe.Err // path is in the *Error already
	}
	if err != nil {
		return &Error{Path: path, Msg: "writing", Err: err}
	}
	return nil
}

// appendFloat appends v in the shortest form that parses back to v.
func appendFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'g', -1, 64) }

// parseFinite parses s as a float64 and returns it, or a message (starting
// with what, e.g. "cell") saying why s is not a finite number.
func parseFinite(what, s string) (float64, string) {
	if s == "" {
		return 0, what + " is empty"
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && math.IsInf(v, 0): // ErrRange: too large for float64
		return 0, fmt.Sprintf("%s %q is out of float64 range; lowdim needs finite values", what, s)
	case err != nil:
		return 0, fmt.Sprintf("%s %q is not a number", what, s)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Sprintf("%s is %v; lowdim needs finite values", what, v)
	}
	return v, ""
}
