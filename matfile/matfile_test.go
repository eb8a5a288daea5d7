package matfile

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/npy"
)

// seed is the one source of test randomness (values for round trips).
const seed = 1

// writeText writes content to a file called name in a fresh temporary
// directory and returns its path.
func writeText(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// dense builds a matrix from rows, which must be non-empty and equal length.
func dense(rows ...[]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

// requireEqual requires got to equal want element for element, with zero
// tolerance: every value in these tests is a decimal literal that both
// strconv.ParseFloat and the Go compiler round to the same nearest float64,
// or was written with the shortest exact representation.
func requireEqual(t *testing.T, want, got *mat.Dense, what string) {
	t.Helper()
	require.NotNil(t, got, "%s is nil", what)
	if !mat.Equal(want, got) {
		t.Fatalf("%s:\ngot\n%v\nwant\n%v", what,
			mat.Formatted(got, mat.Prefix(""), mat.Squeeze()),
			mat.Formatted(want, mat.Prefix(""), mat.Squeeze()))
	}
}

// requireError requires err to be an *Error for path on the given line and
// column whose message starts "path:line:col: " (":col" only when col > 0,
// ":line" only when line > 0) and contains msg.
func requireError(t *testing.T, err error, path string, line, col int, msg string) *Error {
	t.Helper()
	require.Error(t, err)
	var e *Error
	require.True(t, errors.As(err, &e), "error %q is not an *Error", err)
	assert.Equal(t, path, e.Path, "Path")
	assert.Equal(t, line, e.Line, "Line of %q", err)
	assert.Equal(t, col, e.Col, "Col of %q", err)
	prefix := path
	if line > 0 {
		prefix += ":" + strconv.Itoa(line)
		if col > 0 {
			prefix += ":" + strconv.Itoa(col)
		}
	}
	prefix += ": "
	assert.True(t, strings.HasPrefix(err.Error(), prefix), "error %q does not start with %q", err, prefix)
	assert.Contains(t, err.Error(), msg)
	return e
}

// randomMatrix returns an r×c matrix of values spread over many magnitudes,
// including the extremes of float64, to exercise exact formatting.
func randomMatrix(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	special := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, math.MaxFloat64, -math.SmallestNonzeroFloat64, 1e-300, 123456789012345678}
	for i := range r {
		for j := range c {
			if k := i*c + j; k < len(special) {
				m.Set(i, j, special[k])
			} else {
				m.Set(i, j, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
			}
		}
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, tc := range []struct {
		name string
		r, c int
	}{
		{"m.csv", 1, 1},
		{"m.csv", 7, 5},
		{"m.csv", 1, 12},
		{"m.mtx", 1, 1},
		{"m.mtx", 5, 7},
		{"m.mtx", 12, 1},
		{"m.npy", 4, 3},
		{"UPPER.CSV", 3, 4},
		{"UPPER.MTX", 3, 4},
	} {
		t.Run(tc.name+"/"+strconv.Itoa(tc.r)+"x"+strconv.Itoa(tc.c), func(t *testing.T) {
			want := randomMatrix(rng, tc.r, tc.c)
			dir := t.TempDir()
			path := filepath.Join(dir, tc.name)
			require.NoError(t, Write(path, want))
			got, err := Read(path)
			require.NoError(t, err)
			requireEqual(t, want, got.Dense, "Dense")
			assert.Nil(t, got.Observed, "Observed of a dense format")

			// Overwriting works and leaves no temporary file behind.
			want2 := randomMatrix(rng, tc.r, tc.c)
			require.NoError(t, Write(path, want2))
			got, err = Read(path)
			require.NoError(t, err)
			requireEqual(t, want2, got.Dense, "Dense after overwrite")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, entries, 1, "files in %s", dir)
		})
	}
}

// TestWriteFormat pins the text Write produces, so the files are readable
// by other tools: one CSV row per line; Matrix Market array column-major.
func TestWriteFormat(t *testing.T) {
	m := dense([]float64{1, 2.5, -3}, []float64{4, 0, 1e-7})
	for _, tc := range []struct{ name, want string }{
		{"m.csv", "1,2.5,-3\n4,0,1e-07\n"},
		{"m.mtx", "%%MatrixMarket matrix array real general\n2 3\n1\n4\n2.5\n0\n-3\n1e-07\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.name)
			require.NoError(t, Write(path, m))
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(b))
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
		})
	}
}

func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string // relative to a temporary directory
		m    *mat.Dense
		msg  string
	}{
		{"NaN", "m.csv", dense([]float64{1, math.NaN()}), "element (0, 1) is NaN; lowdim needs finite values"},
		{"Inf", "m.mtx", dense([]float64{1}, []float64{math.Inf(-1)}), "element (1, 0) is -Inf"},
		{"unknown format", "m.txt", dense([]float64{1}), "unknown matrix format (want .npy, .csv or .mtx)"},
		{"missing directory", "nodir/m.csv", dense([]float64{1}), "creating temporary file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.path)
			requireError(t, Write(path, tc.m), path, 0, 0, tc.msg)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "Write left files behind")
		})
	}

	t.Run("existing file unchanged", func(t *testing.T) {
		path := writeText(t, "m.csv", "1,2\n")
		requireError(t, Write(path, dense([]float64{math.NaN()})), path, 0, 0, "is NaN")
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, "1,2\n", string(b))
	})

	// A file cannot be renamed over a non-empty folder: the rename fails
	// after the temporary file was written, which must then be removed.
	for _, name := range []string{"m.csv", "m.mtx", "m.npy"} {
		t.Run("rename fails/"+name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			require.NoError(t, os.Mkdir(path, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(path, "keep"), nil, 0o644))
			err := Write(path, dense([]float64{1, 2}))
			require.ErrorContains(t, err, path)
			require.ErrorContains(t, err, "rename ")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, entries, 1, "Write left files behind in %s", dir)
		})
	}

	t.Run("empty matrix panics", func(t *testing.T) {
		assert.PanicsWithValue(t, "matfile.Write: empty matrix", func() {
			Write(filepath.Join(t.TempDir(), "m.csv"), &mat.Dense{})
		})
	})
}

func TestReadNPY(t *testing.T) {
	dir := t.TempDir()
	t.Run("delegates", func(t *testing.T) {
		for _, name := range []string{"m.npy", "M.NPY"} {
			path := filepath.Join(dir, name)
			require.NoError(t, npy.WriteFile(path, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}))
			got, err := Read(path)
			require.NoError(t, err)
			requireEqual(t, dense([]float64{1, 2, 3}, []float64{4, 5, 6}), got.Dense, name)
			assert.Nil(t, got.Observed)
		}
	})
	t.Run("npy errors pass through", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			shape []int
			data  []float64
			msg   string
		}{
			{"nan.npy", []int{1, 2}, []float64{1, math.NaN()}, "element (0, 1) is NaN"},
			{"vector.npy", []int{3}, []float64{1, 2, 3}, "shape (3,), want (*, *)"},
		} {
			path := filepath.Join(dir, tc.name)
			require.NoError(t, npy.WriteFile(path, tc.shape, tc.data))
			_, err := Read(path)
			var e *npy.Error
			require.True(t, errors.As(err, &e), "error %v is not an *npy.Error", err)
			assert.Equal(t, path+": "+tc.msg, err.Error())
		}
	})
}

func TestReadDispatchErrors(t *testing.T) {
	t.Run("unknown format", func(t *testing.T) {
		for _, name := range []string{"x.txt", "x", "x.csv.gz"} {
			path := writeText(t, name, "1,2\n")
			_, err := Read(path)
			requireError(t, err, path, 0, 0, "unknown matrix format (want .npy, .csv or .mtx)")
			assert.Equal(t, path+": unknown matrix format (want .npy, .csv or .mtx)", err.Error())
		}
	})
	t.Run("missing file", func(t *testing.T) {
		for _, name := range []string{"m.csv", "m.mtx", "m.npy"} {
			path := filepath.Join(t.TempDir(), name)
			_, err := Read(path)
			require.ErrorIs(t, err, os.ErrNotExist)
			assert.Contains(t, err.Error(), path)
		}
	})
}

func TestErrorMessage(t *testing.T) {
	errDisk := errors.New("disk on fire")
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Path: "m.csv", Msg: "no data"}, "m.csv: no data"},
		{Error{Path: "m.csv", Line: 3, Msg: "bad"}, "m.csv:3: bad"},
		{Error{Path: "m.csv", Line: 3, Col: 2, Msg: "bad"}, "m.csv:3:2: bad"},
		{Error{Path: "m.mtx", Msg: "reading", Err: errDisk}, "m.mtx: reading: disk on fire"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.e.Error())
			if tc.e.Err != nil {
				assert.ErrorIs(t, &tc.e, errDisk)
			}
		})
	}
}
