package npy

import (
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"
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

// WriteFile writes an .npy file at path as Write does, atomically: it writes
// a temporary file in the same directory, syncs it to disk, gives it mode
// 0644 and renames it over path, then syncs the directory. On error no file
// is left behind and an existing file at path is unchanged; errors mention
// path. Like Write it panics if len(data) is not the product of shape.
func WriteFile(path string, shape []int, data []float64) (err error) {
	checkData("npy.WriteFile", shape, data)
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := Write(f, shape, data); err != nil {
		return withPath(err, path)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil { // best effort: persist the rename
		d.Sync()
		d.Close()
	}
	return nil
}
