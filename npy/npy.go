package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/gonum/mat"
)

const (
	magic      = "\x93NUMPY"
	maxHeader  = 1 << 20 // bytes; numpy itself refuses headers over 10000 bytes by default
	chunkBytes = 1 << 16 // I/O chunk; a multiple of every supported item size
)

// Array is an n-dimensional float64 array in C order (row-major): the element
// at index (i0, ..., ik) of a shape (d0, ..., dk) is
// Data[((i0*d1+i1)*d2+...)*dk+ik]. len(Data) is the product of Shape (1 for a
// 0-D array with Shape empty).
type Array struct {
	Shape []int
	Data  []float64
	// Dtype is the NumPy name of the element type the file stored, before
	// the conversion to float64 ("float64", "float32", "int16", "uint8",
	// "bool", ...; see the package documentation): it tells the precision
	// of the source (a float32 file's values carry float32 rounding). Read
	// sets it; an Array made by hand may leave it empty, meaning float64.
	Dtype string
}

// Error reports a malformed, truncated or unsupported .npy input, a shape or
// value check that failed, or an I/O error (in Err) met while reading or
// writing. Its message is "Name: Msg[: Err]".
type Error struct {
	Name string // file path for the *File functions, "npy" otherwise
	Msg  string // what is wrong, e.g. "shape (3, 4), want (100, 100)"
	Err  error  // underlying I/O error, or nil
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Name + ": " + e.Msg + ": " + e.Err.Error()
	}
	return e.Name + ": " + e.Msg
}

// Unwrap returns the underlying I/O error, if any.
func (e *Error) Unwrap() error { return e.Err }

func errorf(format string, args ...any) *Error {
	return &Error{Name: "npy", Msg: fmt.Sprintf(format, args...)}
}

func ioError(msg string, err error) *Error { return &Error{Name: "npy", Msg: msg, Err: err} }

// Write writes data with the given shape to w as a version 1.0 .npy file with
// dtype '<f8' and fortran_order False, byte for byte as numpy.save would; data
// must be in C order. A nil or empty shape writes a 0-D array (shape ()).
// Write encodes in 64 KiB chunks, so it allocates O(1) beyond the header
// whatever the size of data, and returns an *Error wrapping any error from w.
// It panics if a dimension is negative or len(data) is not the product of
// shape: those are programmer errors.
func Write(w io.Writer, shape []int, data []float64) error {
	checkData("npy.Write", shape, data)
	if _, err := w.Write(header(shape)); err != nil {
		return ioError("writing header", err)
	}
	buf := make([]byte, min(chunkBytes, 8*len(data)))
	for len(data) > 0 {
		k := min(len(data), len(buf)/8)
		for i, v := range data[:k] {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
		}
		if _, err := w.Write(buf[:8*k]); err != nil {
			return ioError("writing data", err)
		}
		data = data[k:]
	}
	return nil
}

// WriteMatrix writes the r×c matrix m to w as Write does, with shape (r, c).
// It copies m into a temporary []float64 unless m is a *mat.Dense (or other
// mat.RawMatrixer) with contiguous rows.
func WriteMatrix(w io.Writer, m mat.Matrix) error {
	r, c := m.Dims()
	var data []float64
	if rm, ok := m.(mat.RawMatrixer); ok && rm.RawMatrix().Stride == c {
		data = rm.RawMatrix().Data[:r*c]
	} else {
		data = make([]float64, 0, r*c)
		for i := range r {
			for j := range c {
				data = append(data, m.At(i, j))
			}
		}
	}
	return Write(w, []int{r, c}, data)
}

func checkData(fn string, shape []int, data []float64) {
	n, ok := count(shape, 8)
	if !ok {
		panic(fmt.Sprintf("%s: invalid shape %s", fn, formatShape(shape)))
	}
	if n != len(data) {
		panic(fmt.Sprintf("%s: shape %s has %d elements, len(data) = %d", fn, formatShape(shape), n, len(data)))
	}
}

// header returns the preamble numpy.save writes for a C-order '<f8' array:
// magic, version, header length and a dict padded with spaces and '\n' so the
// preamble is a multiple of 64 bytes, with room for the first axis to grow to
// 21 digits (numpy's GROWTH_AXIS_MAX_DIGITS).
func header(shape []int) []byte {
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': " + formatShape(shape) + ", }"
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, 21-len(strconv.Itoa(shape[0]))))
	}
	hlen := len(dict) + 1 // + '\n'
	prefix, version := 10, byte(1)
	if hlen+64 > math.MaxUint16 { // as numpy: fall back to 2.0 when 1.0 cannot hold it
		prefix, version = 12, 2
	}
	pad := 64 - (prefix+hlen)%64
	b := make([]byte, prefix, prefix+hlen+pad)
	copy(b, magic)
	b[6], b[7] = version, 0
	if version == 1 {
		binary.LittleEndian.PutUint16(b[8:], uint16(hlen+pad))
	} else {
		binary.LittleEndian.PutUint32(b[8:], uint32(hlen+pad))
	}
	b = append(b, dict...)
	b = append(b, strings.Repeat(" ", pad)...)
	return append(b, '\n')
}

// Read reads one .npy file from r, converting its values to float64 in C
// order (see the package documentation for the accepted versions and dtypes).
// It reads r to EOF: bytes after the declared data are an error. When r
// reports its remaining length (a *bytes.Reader, *strings.Reader,
// *bytes.Buffer or regular *os.File) the data size is checked before
// allocating and Data is allocated once; otherwise data is read in 64 KiB
// chunks and Data grows only as data actually arrives. A Fortran-order array
// costs one extra copy. Errors have type *Error.
func Read(r io.Reader) (*Array, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	data, err := readData(r, h, remaining(r))
	if err != nil {
		return nil, err
	}
	if h.fortran {
		data = fortranToC(h.shape, data)
	}
	return &Array{Shape: h.shape, Data: data, Dtype: h.dt.name}, nil
}

type npyHeader struct {
	dt      dtype
	fortran bool
	shape   []int
	n       int // number of elements
}

func readHeader(r io.Reader) (*npyHeader, error) {
	var pre [8]byte
	n, err := io.ReadFull(r, pre[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, ioError("reading header", err)
	}
	if m := min(n, len(magic)); string(pre[:m]) != magic[:m] {
		return nil, errorf("not a .npy file: starts with %q, want magic %q", pre[:m], magic)
	}
	if n == 0 {
		return nil, errorf("empty input, not a .npy file")
	}
	if n < len(pre) {
		return nil, errorf("truncated header: input ends after %d bytes", n)
	}
	lenBytes := 4
	switch v := [2]byte{pre[6], pre[7]}; v {
	case [2]byte{1, 0}:
		lenBytes = 2
	case [2]byte{2, 0}, [2]byte{3, 0}:
	default:
		return nil, errorf("unsupported .npy format version %d.%d (supported: 1.0, 2.0, 3.0)", v[0], v[1])
	}
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:lenBytes]); err != nil {
		return nil, readErr("truncated header: input ends inside the header length", err)
	}
	hlen := int(binary.LittleEndian.Uint32(lb[:]))
	if hlen > maxHeader {
		return nil, errorf("header length %d bytes exceeds the %d byte limit; the file is probably corrupt", hlen, maxHeader)
	}
	text := make([]byte, hlen)
	if n, err := io.ReadFull(r, text); err != nil {
		return nil, readErr(fmt.Sprintf("truncated header: header length is %d bytes, input has %d", hlen, n), err)
	}
	if pre[6] == 3 && !utf8.Valid(text) {
		return nil, errorf("malformed header: version 3.0 header is not valid UTF-8")
	}
	return parseHeader(string(text))
}

// readErr reports err as an I/O error unless it is a premature end of input,
// which is reported as msg.
func readErr(msg string, err error) *Error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errorf("%s", msg)
	}
	return ioError("reading", err)
}

func parseHeader(text string) (*npyHeader, error) {
	quoted := strings.TrimRight(text, " \n")
	if len(quoted) > 200 {
		quoted = quoted[:200] + "..."
	}
	bad := func(format string, args ...any) *Error {
		return errorf("malformed header %q: %s", quoted, fmt.Sprintf(format, args...))
	}
	dict, err := (&pyParser{s: text}).dict()
	if err != nil {
		return nil, bad("%v", err)
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := dict[k]; !ok {
			return nil, bad("missing key '%s'", k)
		}
	}
	h := new(npyHeader)
	var ok bool
	if h.fortran, ok = dict["fortran_order"].(bool); !ok {
		return nil, bad("'fortran_order' is not True or False")
	}
	dims, ok := dict["shape"].([]any)
	if !ok {
		return nil, bad("'shape' is not a tuple")
	}
	h.shape = make([]int, len(dims))
	for i, d := range dims {
		lit, ok := d.(pyNumber)
		if !ok {
			return nil, bad("'shape' element %d is not an integer", i)
		}
		v, err := strconv.Atoi(strings.TrimRight(string(lit), "Ll"))
		if err != nil {
			return nil, bad("'shape' element %d (%s) is not an integer in range", i, lit)
		}
		if v < 0 {
			return nil, bad("negative dimension %d in 'shape'", v)
		}
		h.shape[i] = v
	}
	switch descr := dict["descr"].(type) {
	case string:
		if h.dt, err = parseDtype(descr); err != nil {
			return nil, err
		}
	case []any:
		return nil, errorf("structured dtype (a list of fields) is not supported; lowdim needs float64 ('<f8')")
	default:
		return nil, bad("'descr' is not a string")
	}
	if h.n, ok = count(h.shape, h.dt.size); !ok {
		return nil, errorf("shape %s has too many elements: more than %d bytes of %s values", formatShape(h.shape), math.MaxInt, h.dt.name)
	}
	return h, nil
}

// count returns the product of shape, and false if a dimension is negative
// or the product times size overflows int.
func count(shape []int, size int) (int, bool) {
	if slices.Contains(shape, 0) {
		return 0, !slices.ContainsFunc(shape, func(d int) bool { return d < 0 })
	}
	n := 1
	for _, d := range shape {
		if d < 0 || d > math.MaxInt/size/n {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// remaining returns how many bytes r has left, or -1 if it cannot tell.
func remaining(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		cur, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return fi.Size() - cur
	}
	return -1
}

func readData(r io.Reader, h *npyHeader, avail int64) ([]float64, error) {
	size := h.dt.size
	need := int64(h.n) * int64(size)
	if avail >= 0 && avail != need {
		return nil, sizeError(h, avail)
	}
	capacity := h.n
	if avail < 0 {
		capacity = min(h.n, chunkBytes/size)
	}
	data := make([]float64, 0, capacity)
	buf := make([]byte, min(need, chunkBytes))
	for got := int64(0); got < need; {
		chunk := buf[:min(need-got, int64(len(buf)))]
		n, err := io.ReadFull(r, chunk)
		got += int64(n)
		if err != nil {
			return nil, readErr(sizeError(h, got).Msg, err)
		}
		old := len(data)
		data = slices.Grow(data, n/size)[:old+n/size]
		h.dt.decode(data[old:], chunk)
	}
	if avail < 0 { // reject trailing data
		var one [1]byte
		if n, _ := io.ReadFull(r, one[:]); n > 0 {
			extra, _ := io.Copy(io.Discard, r)
			return nil, sizeError(h, need+1+extra)
		}
	}
	return data, nil
}

func sizeError(h *npyHeader, have int64) *Error {
	need := int64(h.n) * int64(h.dt.size)
	what := "truncated"
	if have > need {
		what = "trailing data"
	}
	msg := fmt.Sprintf("%s: header says shape %s = %d %s values (%d bytes), file has %d bytes of data",
		what, formatShape(h.shape), h.n, h.dt.name, need, have)
	if have > need {
		msg += fmt.Sprintf(" (%d extra)", have-need)
	}
	return errorf("%s", msg)
}

// fortranToC returns the C-order copy of src, which holds an array of the
// given shape in Fortran (column-major) order.
func fortranToC(shape []int, src []float64) []float64 {
	if len(shape) < 2 || len(src) == 0 {
		return src
	}
	stride := make([]int, len(shape)) // Fortran strides
	s := 1
	for k, d := range shape {
		stride[k] = s
		s *= d
	}
	dst := make([]float64, len(src))
	idx := make([]int, len(shape))
	off := 0
	for i := range dst {
		dst[i] = src[off]
		for k := len(shape) - 1; k >= 0; k-- { // next C-order index
			idx[k]++
			off += stride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= stride[k] * shape[k]
			idx[k] = 0
		}
	}
	return dst
}

// Matrix returns a as a *mat.Dense that shares a.Data (no copy). It returns
// an *Error if a is not 2-D or has a zero dimension, which mat.Dense cannot
// represent, and panics if len(a.Data) does not match a.Shape.
func (a *Array) Matrix() (*mat.Dense, error) {
	if len(a.Shape) != 2 {
		return nil, errorf("shape %s is not 2-D; want a matrix (rows, cols)", formatShape(a.Shape))
	}
	if a.Shape[0] == 0 || a.Shape[1] == 0 {
		return nil, errorf("shape %s is empty; a mat.Dense needs at least one row and column", formatShape(a.Shape))
	}
	return mat.NewDense(a.Shape[0], a.Shape[1], a.Data), nil
}

// CheckFinite returns an *Error naming the first (in C order) element that
// is NaN or ±Inf, such as "element (3, 7) is NaN", or nil if all are finite.
func (a *Array) CheckFinite() error {
	for i, v := range a.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errorf("element %s is %v", formatShape(unravel(a.Shape, i)), v)
		}
	}
	return nil
}

// unravel returns the C-order multi-index of flat index i in shape.
func unravel(shape []int, i int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return idx
}

// expectShape returns an *Error unless a.Shape has rank len(want) and equals
// want in every dimension where want is non-negative.
func (a *Array) expectShape(want []int) error {
	ok := len(a.Shape) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] < 0 || want[i] == a.Shape[i]
	}
	if !ok {
		return errorf("shape %s, want %s", formatShape(a.Shape), formatShape(want))
	}
	return nil
}

// formatShape formats a shape as Python prints a tuple: (), (5,), (3, 4).
// Negative entries (wildcards in expected shapes) print as *.
func formatShape(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		if d < 0 {
			b.WriteByte('*')
		} else {
			b.WriteString(strconv.Itoa(d))
		}
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// asError is errors.As for *Error.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
