package idx

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Errors wrapped by the errors of Read, ReadFile and LoadDir; test with
// errors.Is.
var (
	// ErrMagic: the file does not start with an IDX magic number.
	ErrMagic = errors.New("not an IDX file (wrong magic number)")
	// ErrType: the element type is not unsigned byte.
	ErrType = errors.New("unsupported IDX element type")
	// ErrDims: a dimension is zero, there is none, or the size overflows.
	ErrDims = errors.New("bad IDX dimensions")
	// ErrTruncated: the file ends before the data the header declares.
	ErrTruncated = errors.New("truncated")
	// ErrTrailing: the file goes on after the data the header declares.
	ErrTrailing = errors.New("trailing bytes after the data")
	// ErrMismatch: files of one data set disagree (counts, image sizes,
	// ranks).
	ErrMismatch = errors.New("files do not match")
)

// maxElems bounds the number of elements a header may declare (16 GiB of
// bytes), so that a corrupt header is refused rather than believed.
const maxElems = 1 << 34

// Array is the content of one IDX file of unsigned bytes.
type Array struct {
	// Dims are the dimensions, outermost first (n, rows, cols for images;
	// n for labels).
	Dims []int
	// Data holds the product of Dims bytes in row-major order.
	Data []byte
}

// typeNames names the IDX element types.
var typeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// Read reads one IDX file of unsigned bytes from r, gzip-compressed or
// plain (told apart by the gzip magic 1f 8b). name names the source in
// errors, which wrap one of the package's error values (or gzip's).
func Read(r io.Reader, name string) (*Array, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil && len(head) < 2 {
		return nil, fmt.Errorf("%s: %w: %d bytes, no IDX header", name, ErrTruncated, len(head))
	}
	var src io.Reader = br
	if head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		src = zr
	}
	a, err := readIDX(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// ReadFile reads the IDX file at path (see Read).
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// readIDX parses an uncompressed IDX stream. Errors do not name the file.
func readIDX(r io.Reader) (*Array, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, wrapRead(err, fmt.Errorf("%w: %d of 4 header bytes", ErrTruncated, n))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("%w: starts with % x", ErrMagic, magic[:])
	}
	if magic[2] != 0x08 {
		if t, ok := typeNames[magic[2]]; ok {
			return nil, fmt.Errorf("%w: %s (0x%02x), want unsigned byte (0x08)", ErrType, t, magic[2])
		}
		return nil, fmt.Errorf("%w: type code 0x%02x is no IDX type", ErrMagic, magic[2])
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, fmt.Errorf("%w: zero dimensions", ErrDims)
	}
	raw := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, raw); err != nil {
		return nil, wrapRead(err, fmt.Errorf("%w: %d of %d dimension bytes", ErrTruncated, n, len(raw)))
	}
	dims := make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(raw[4*i:])
		if d == 0 {
			return nil, fmt.Errorf("%w: dimension %d is 0", ErrDims, i+1)
		}
		dims[i] = int(d)
		total *= int64(d)
		if total > maxElems {
			return nil, fmt.Errorf("%w: %s elements exceed %d", ErrDims, dimString(dims[:i+1]), int64(maxElems))
		}
	}
	// ReadAll grows its buffer with the data actually present, so a header
	// that lies about the size does not make us allocate it.
	data, err := io.ReadAll(io.LimitReader(r, total+1))
	if err != nil && !early(err) {
		return nil, fmt.Errorf("reading data: %w", err)
	}
	switch {
	case int64(len(data)) < total:
		return nil, fmt.Errorf("%w: the header declares %s = %d data bytes, the file holds %d",
			ErrTruncated, dimString(dims), total, len(data))
	case int64(len(data)) > total:
		return nil, fmt.Errorf("%w (the header declares %s = %d bytes)", ErrTrailing, dimString(dims), total)
	}
	return &Array{Dims: dims, Data: data}, nil
}

// wrapRead returns short for an early end of input, and passes other
// errors (a corrupt gzip stream, an I/O error) on.
func wrapRead(err, short error) error {
	if early(err) {
		return short
	}
	return fmt.Errorf("reading header: %w", err)
}

// early reports whether err is an end of input (a truncated plain file or
// gzip stream).
func early(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func dimString(d []int) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, " x ")
}
