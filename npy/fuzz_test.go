package npy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime/metrics"
	"testing"
)

const (
	// fuzzAllocPerByte bounds the heap Read may allocate per input byte:
	// a one-byte dtype (bool, u1) becomes an 8-byte float64, a Fortran
	// array is copied once (2x), and the header text is parsed into a
	// shape of 8-byte ints; 32 leaves room.
	fuzzAllocPerByte = 32
	// fuzzAllocSlack is the fixed part: the header buffer, which Read
	// sizes from the header length field before reading it (npy.go:202,
	// at most maxHeader = 1 MiB), the 64 KiB chunk and first capacity of
	// the streaming path, and the lag of the runtime's allocation counter.
	fuzzAllocSlack = 4 << 20
)

// heapAllocated returns the bytes allocated on the heap so far by the
// whole process (runtime/metrics; it does not stop the world).
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// FuzzRead asserts, for every input:
//   - Read never panics, and its errors are *Error values;
//   - the length-aware and streaming read paths agree (result or message);
//   - neither allocates more than fuzzAllocPerByte per input byte plus
//     fuzzAllocSlack, whatever the header declares;
//   - a successful read has as many values as its shape's product, and
//     round-trips bit for bit through Write and Read, and writing it again
//     gives the same bytes.
//
// Seeds: testdata/*.npy (written by NumPy), testdata/cases/*.npy (the real
// files of ../shared/cases), small malformed inputs below and
// testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	for _, pattern := range []string{"*.npy", filepath.Join("cases", "*.npy")} {
		files, err := filepath.Glob(filepath.Join("testdata", pattern))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte(magic + "\x01\x00"))
	f.Add([]byte(magic + "\x01\x00\xff\xff"))
	f.Add([]byte(magic + "\x02\x00\xff\xff\x0f\x00"))
	f.Add(rawNPY(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", make([]byte, 64)))
	f.Add(rawNPY(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", make([]byte, 16)))
	f.Add(rawNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (100000000,), }", make([]byte, 16)))
	f.Add(rawNPY(1, "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", make([]byte, 12)))
	f.Add(rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f8Bytes(1)[:4]))
	f.Add(rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807), }", nil))
	f.Add(rawNPY(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8Bytes(math.NaN(), math.Inf(-1))))
	f.Add(rawNPY(1, "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': ((((1,),),),), }", nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		limit := uint64(fuzzAllocPerByte*len(b) + fuzzAllocSlack)
		before := heapAllocated()
		a1, err1 := Read(bytes.NewReader(b))
		if used := heapAllocated() - before; used > limit {
			t.Fatalf("sized read of %d bytes allocated %d bytes, more than %d", len(b), used, limit)
		}
		before = heapAllocated()
		a2, err2 := Read(stream{bytes.NewReader(b)})
		if used := heapAllocated() - before; used > limit {
			t.Fatalf("stream read of %d bytes allocated %d bytes, more than %d", len(b), used, limit)
		}
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("sized read error %v, stream read error %v", err1, err2)
		}
		if err1 != nil {
			if err1.Error() != err2.Error() {
				t.Fatalf("errors differ:\n%v\n%v", err1, err2)
			}
			if _, ok := asError(err1); !ok {
				t.Fatalf("error %v is not an *Error", err1)
			}
			return
		}
		n, ok := count(a1.Shape, 1)
		if !ok || n != len(a1.Data) || len(a2.Data) != n {
			t.Fatalf("shape %v with %d values", a1.Shape, len(a1.Data))
		}
		requireSameArray(t, "stream read", a2, a1)

		var out bytes.Buffer
		if err := Write(&out, a1.Shape, a1.Data); err != nil {
			t.Fatal(err)
		}
		back, err := Read(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("reading back what Write wrote: %v", err)
		}
		requireSameArray(t, "read back", back, a1)
		var again bytes.Buffer
		if err := Write(&again, back.Shape, back.Data); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("writing again gives other bytes")
		}
	})
}

// requireSameArray fails t unless got and want have the same shape and the
// same values bit for bit (NaN payloads and -0 included).
func requireSameArray(t *testing.T, what string, got, want *Array) {
	t.Helper()
	if formatShape(got.Shape) != formatShape(want.Shape) || len(got.Data) != len(want.Data) {
		t.Fatalf("%s: shape %v with %d values, want %v with %d", what, got.Shape, len(got.Data), want.Shape, len(want.Data))
	}
	for i := range want.Data {
		if math.Float64bits(got.Data[i]) != math.Float64bits(want.Data[i]) {
			t.Fatalf("%s: value %d is %v, want %v", what, i, got.Data[i], want.Data[i])
		}
	}
}
