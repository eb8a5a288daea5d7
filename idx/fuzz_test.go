package idx

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"runtime/metrics"
	"strings"
	"testing"
)

const (
	// fuzzAllocPerByte bounds the heap Read may allocate per byte of IDX
	// content: io.ReadAll doubles its buffer as data arrives (about 3x
	// the data in all), plus the dimensions; 16 leaves room.
	fuzzAllocPerByte = 16
	// fuzzAllocSlack is the fixed part: the 4 KiB bufio buffer, gzip's
	// and flate's state (a 32 KiB window and tables), and the lag of the
	// runtime's allocation counter.
	fuzzAllocSlack = 4 << 20
)

// heapAllocated returns the bytes allocated on the heap so far by the
// whole process (runtime/metrics; it does not stop the world).
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sentinels are the error values Read's errors wrap, besides gzip's.
var sentinels = []error{ErrMagic, ErrType, ErrDims, ErrTruncated, ErrTrailing}

// sentinel returns the package error value err wraps, or nil.
func sentinel(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// fromGzip reports whether err comes from a corrupt gzip stream. A gzip
// header cut short is reported as gzip's io.ErrUnexpectedEOF (idx.go:62-64
// passes gzip.NewReader's error on), not as ErrTruncated as a cut inside
// the data is.
func fromGzip(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &ce) ||
		(strings.Contains(err.Error(), ": gzip: ") && errors.Is(err, io.ErrUnexpectedEOF))
}

// readMeasured reads b as the IDX file "fuzz.idx" and fails t if that
// allocates more than fuzzAllocPerByte per byte of content (n bytes) plus
// fuzzAllocSlack, or if an error does not name the file or wrap one of the
// package's error values or gzip's.
func readMeasured(t *testing.T, b []byte, n int) (*Array, error) {
	t.Helper()
	before := heapAllocated()
	a, err := Read(bytes.NewReader(b), "fuzz.idx")
	if used, limit := heapAllocated()-before, uint64(fuzzAllocPerByte*n+fuzzAllocSlack); used > limit {
		t.Fatalf("reading %d bytes allocated %d bytes, more than %d (error: %v)", len(b), used, limit, err)
	}
	if err != nil {
		if !strings.HasPrefix(err.Error(), "fuzz.idx: ") {
			t.Fatalf("error %q does not name the file", err)
		}
		if sentinel(err) == nil && !fromGzip(err) {
			t.Fatalf("error %q (%T) wraps neither a package error nor gzip's", err, err)
		}
		return nil, err
	}
	return a, nil
}

// FuzzRead asserts, for every input:
//   - Read never panics; its errors name the file and wrap one of the
//     package's error values (or a gzip error);
//   - reading allocates at most fuzzAllocPerByte per byte of content plus
//     fuzzAllocSlack, whatever the header declares;
//   - a successful read has at least one dimension, none zero, and their
//     product in bytes of data, and Encode gives the input back byte for
//     byte (for plain input);
//   - the input gzip-compressed reads the same: the same array, or an error
//     wrapping the same package error value.
//
// Seeds: encoded arrays and malformed headers below, a small synthetic
// data set, and testdata/fuzz/FuzzRead. ../shared/cases holds no IDX file.
func FuzzRead(f *testing.F) {
	set := Synthetic(3, 4, 5, 2, 20, 1)
	for _, b := range [][]byte{
		Encode([]int{set.Train.N, set.Train.Rows, set.Train.Cols}, set.Train.Images),
		Encode([]int{set.Train.N}, set.Train.Labels),
		gz(Encode([]int{set.Test.N, set.Test.Rows, set.Test.Cols}, set.Test.Images)),
		Encode([]int{1}, []byte{7}),
		Encode([]int{2, 1, 1, 1, 1, 1, 1, 1}, []byte{1, 2}),
		// invalid: empty, one byte, bad magic, other types, no or zero
		// dimensions, huge or overflowing dimensions, truncated, trailing,
		// gzip header only, corrupt gzip.
		{}, {0}, {1, 2, 3, 4}, encode(0x0D, []int{1}, make([]byte, 4)), encode(0x07, []int{1}, []byte{1}),
		encode(0x08, nil, nil), encode(0x08, []int{3, 0}, nil),
		encode(0x08, []int{60000, 28, 28}, seq(100)),
		encode(0x08, []int{0xffffffff, 0xffffffff, 0xffffffff}, nil),
		encode(0x08, []int{1 << 17, 1 << 17}, seq(10)),
		encode(0x08, []int{2, 3}, seq(5)), encode(0x08, []int{2, 3}, seq(7)),
		{0, 0, 8, 2, 0, 0},
		{0x1f, 0x8b}, gz(seq(40))[:20], append(gz(encode(0x08, []int{1}, []byte{1})), 0x1f, 0x8b, 8),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := readMeasured(t, b, len(b))
		isGzip := len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b
		if a != nil {
			n := 1
			for _, d := range a.Dims {
				if d < 1 {
					t.Fatalf("dimensions %v", a.Dims)
				}
				n *= d
			}
			if len(a.Dims) == 0 || n != len(a.Data) {
				t.Fatalf("dimensions %v with %d bytes", a.Dims, len(a.Data))
			}
			if !isGzip && !bytes.Equal(Encode(a.Dims, a.Data), b) {
				t.Fatalf("Encode does not give the input back")
			}
		}
		if isGzip {
			return // compressing it again reads as a file starting 1f 8b
		}
		az, errz := readMeasured(t, gz(b), len(b))
		switch {
		case (err == nil) != (errz == nil):
			t.Fatalf("plain: %v; gzip-compressed: %v", err, errz)
		case err != nil:
			if sentinel(err) != sentinel(errz) {
				t.Fatalf("plain: %v; gzip-compressed: %v", err, errz)
			}
		default:
			if !bytes.Equal(Encode(az.Dims, az.Data), b) {
				t.Fatalf("gzip-compressed, the input reads as dimensions %v", az.Dims)
			}
		}
	})
}
