package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead checks that Read never panics, that the length-aware and
// streaming read paths agree, and that a successful read is consistent.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte(magic + "\x01\x00"))
	f.Add(rawNPY(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", make([]byte, 64)))
	f.Add(rawNPY(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", make([]byte, 16)))
	f.Add(rawNPY(1, "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': ((((1,),),),), }", nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		a1, err1 := Read(bytes.NewReader(b))
		a2, err2 := Read(stream{bytes.NewReader(b)})
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
	})
}
