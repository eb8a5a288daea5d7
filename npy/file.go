package npy

import (
	"io"
	"os"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/atomicfile"
)

// withPath returns err with path as its *Error name ("path: msg"), or, for
// other errors (which from os already mention the path), err unchanged.
func withPath(err error, path string) error {
	if e, ok := asError(err); ok {
		c := *e
		c.Name = path
		return &c
	}
	return err
}

// ReadFile reads the .npy file at path as Read does, checking the data size
// against the file size before allocating. Every error mentions path: errors
// from os name it, and *Error messages start with it, as in
// "target.npy: truncated: ...".
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(f)
	return a, withPath(err, path)
}

// ReadArrayFile reads the .npy file at path with ReadFile and checks that its
// shape is shape, where a negative expected dimension matches any size (but
// the rank must equal len(shape)), and that every element is finite. Errors
// start with path, e.g. "x.npy: shape (3, 4, 4), want (100, *, *)".
func ReadArrayFile(path string, shape ...int) (*Array, error) {
	a, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := a.expectShape(shape); err != nil {
		return nil, withPath(err, path)
	}
	if err := a.CheckFinite(); err != nil {
		return nil, withPath(err, path)
	}
	return a, nil
}

// ReadMatrixFile reads the .npy file at path with ReadFile and returns it as
// a *mat.Dense sharing the data read. It checks that the array is 2-D, that
// its shape is (rows, cols), where rows <= 0 or cols <= 0 accepts any size in
// that dimension, and that every element is finite. Errors start with path,
// e.g. "x.npy: shape (3, 4), want (100, 100)".
func ReadMatrixFile(path string, rows, cols int) (*mat.Dense, error) {
	want := []int{rows, cols}
	for i := range want {
		if want[i] <= 0 {
			want[i] = -1
		}
	}
	a, err := ReadArrayFile(path, want...)
	if err != nil {
		return nil, err
	}
	m, err := a.Matrix()
	return m, withPath(err, path)
}

// WriteFile writes an .npy file at path as Write does, atomically, with
// atomicfile.Write: it writes a temporary file in the same directory, gives
// it mode 0644, syncs it to disk and renames it over path, then syncs the
// directory. On error no temporary file is left behind and an existing file
// at path is unchanged (unless only the directory sync failed); errors are
// *fs.PathError values naming path, wrapping the *Error of Write when
// writing failed. Like Write it panics if len(data) is not the product of
// shape.
func WriteFile(path string, shape []int, data []float64) error {
	checkData("npy.WriteFile", shape, data)
	return atomicfile.Write(path, func(w io.Writer) error { return Write(w, shape, data) })
}
