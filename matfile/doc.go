// Package matfile reads a user's matrix (a target to recover, or an
// observation mask) from a .npy, .csv or Matrix Market (.mtx) file, and
// writes matrices in those formats so they round-trip.
//
// # Formats
//
// [Read] picks the format from the file name's extension (case-insensitive):
//
//   - .npy: a 2-D NumPy array, read with npy.ReadMatrixFile from package
//     github.com/lowdim/lowdim/npy (any float, integer or bool dtype; see that
//     package for what is accepted).
//   - .csv: one matrix row per record, cells separated by commas
//     (encoding/csv quoting rules). Every cell must be a finite number; spaces
//     around a cell are ignored. Lines starting with '#' are comments; blank
//     lines are skipped. There is no header row: a non-numeric cell is an
//     error. Every row must have as many cells as the first.
//   - .mtx: a Matrix Market file (https://math.nist.gov/MatrixMarket/formats.html)
//     whose first line is the banner
//     "%%MatrixMarket matrix coordinate|array real|integer|pattern general|symmetric|skew-symmetric"
//     (words compared case-insensitively). Lines starting with '%' are
//     comments and blank lines are skipped. Then comes the size line, "rows
//     cols entries" for the coordinate format or "rows cols" for the array
//     format, then the entries: "i j value" (or "i j" for pattern) per line
//     with 1-based indices for coordinate, one value per line in column-major
//     order for array. A symmetric or skew-symmetric file stores one triangle
//     (for array, the lower one, with the diagonal only when symmetric) and
//     is expanded to the full matrix, with A[j][i] = A[i][j] or -A[i][j]. The
//     pattern field is only valid with the coordinate format and without
//     skew-symmetry; the complex field, the hermitian symmetry and the vector
//     object are not supported.
//
// The text formats (.csv, .mtx) are UTF-8: a byte order mark before the
// first line is dropped (spreadsheets and PowerShell 5.1 write one), and
// UTF-16 text (byte order mark FF FE or FE FF) is an *Error naming the file,
// "m.mtx:1: UTF-16 text (byte order mark ff fe); save the file as UTF-8".
//
// A [Matrix] holds the values in Dense. Observed is nil for the dense formats
// (.npy, .csv and Matrix Market array). For a Matrix Market coordinate file it
// is a 0/1 mask of the entries the file lists (both (i, j) and (j, i) for a
// symmetric file; listing an explicit zero marks it observed), and Dense is 0
// off the mask, so one file of observed entries gives both the values of a
// matrix-completion target and its mask. For a pattern file Dense is the 0/1
// pattern and Observed an equal, separate copy.
//
// An empty matrix (a zero dimension) is an error, since a mat.Dense cannot
// hold one, and so is a declared size of more than [MaxEntries] entries,
// checked before anything is allocated. The data of a CSV or Matrix Market
// array file is buffered as it is read, so a lying size line costs no more
// memory than the file's content. A coordinate file's entries are read as a
// list (memory in proportion to the entries) and checked; only then are its
// rows×cols Dense and Observed allocated, once their 16 rows cols bytes
// pass the memory preflight (machine.CheckFits), whose refusal is an
// *Error naming the file and the size, e.g.
//
//	m.mtx:2: the 10000 x 10000 matrix of its 1 listed entries (values and mask, dense) needs 1.6 GB but only 1 GB of memory is available (80% of MemAvailable 1.25 GB)
//
// [Matrix].Dtype names the precision of the values read: the stored dtype
// of a .npy file ("float32", "int64", ...), "float64" for text.
//
// [Write] writes a *mat.Dense as .csv, .mtx (array real general) or .npy,
// atomically, with values formatted so that [Read] gives them back exactly.
//
// # Errors
//
// A malformed, inconsistent or unsupported file is reported as an error,
// never a panic. For .csv and .mtx files the error has type *[Error], whose
// message is "path:line:col: problem", with the line (1-based) and, for CSV,
// the column (the 1-based cell number, not a byte offset) left out when they
// do not apply. For example:
//
//	m.csv:3:2: cell "abc" is not a number
//	m.csv:2:5: cell is NaN; lowdim needs finite values
//	m.csv:4: row has 3 cells, want 4 like line 1
//	m.mtx:1: not a Matrix Market file: first line is "1 2 3", want "%%MatrixMarket matrix <format> <field> <symmetry>"
//	m.mtx:7: entry (4, 1) is outside the 3x3 matrix (indices are 1-based)
//	m.mtx:9: duplicate entry (2, 1), already given on line 5
//	m.mtx:2: size line declares 6 entries, file has 5
//
// Errors from .npy files are those of package npy (type *npy.Error), whose
// messages also start with the path. Errors opening a file come from package
// os and name the path; I/O errors met while reading or writing are wrapped
// in an *Error and available through errors.Is / errors.As.
//
// Panics are reserved for programmer errors, such as calling [Write] with an
// empty matrix.
package matfile
