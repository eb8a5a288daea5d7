// Package npy reads and writes NumPy .npy files holding float64 arrays.
//
// # Conventions
//
// An [Array] is a shape and a flat []float64 in C order (row-major: the last
// index varies fastest), the layout NumPy uses by default and the layout of
// gonum's mat.Dense. A 0-D array (shape ()) holds one value; shapes may
// contain zero dimensions, in which case Data is empty.
//
// [Write] and [WriteFile] always produce format version 1.0 with dtype '<f8'
// (little-endian float64) and fortran_order False, byte for byte what
// numpy.save writes for a C-contiguous float64 array (including numpy's
// header padding), so files round-trip through np.load unchanged.
//
// [Read] and [ReadFile] accept format versions 1.0, 2.0 and 3.0, both byte
// orders, and fortran_order True (converted to C order). The dtypes float64
// and float32, signed and unsigned integers of 1, 2, 4 and 8 bytes, and bool
// are converted to float64; int64 and uint64 values beyond 2^53 are rounded
// to the nearest float64. Anything else (complex, strings, structured or
// object arrays, ...) is rejected. The dtype the file stored is kept in
// [Array].Dtype ("float32", "int16", ...), since it tells the precision of
// the data (a float32 file's values carry float32 rounding).
//
// # Errors
//
// A malformed, truncated or unsupported file is reported as an error, never a
// panic. Such errors have type *[Error], whose message names the input (the
// file path for the *File functions, "npy" for [Read]) and says what is wrong
// and what was expected, for example:
//
//	target.npy: truncated: header says shape (100, 100) = 10000 float64 values (80000 bytes), file has 7992 bytes of data
//	target.npy: dtype '<c16' is not supported; lowdim needs float64 ('<f8') (float32, integer and bool arrays are converted)
//	target.npy: shape (3, 4), want (100, 100)
//	target.npy: element (3, 7) is NaN
//
// Bytes after the data that the header declares are rejected as trailing
// data rather than silently ignored. A header cannot make the reader allocate
// memory the input does not back: data is read in bounded chunks (or its size
// checked first when the input's length is known), so a header claiming a
// terabyte-sized shape fails with a truncation error after reading what is
// there. I/O errors from the underlying reader or writer are wrapped and
// available through errors.Is / errors.As.
//
// Panics are reserved for programmer errors, such as calling [Write] with a
// shape whose product is not len(data).
package npy
