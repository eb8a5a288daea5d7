package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"
)

// rawNPY builds a .npy file by hand: magic, version major.0, the header
// length field for that version, dict padded to 64 bytes, then data.
func rawNPY(major byte, dict string, data []byte) []byte {
	prefix := 12
	if major == 1 {
		prefix = 10
	}
	hlen := len(dict) + 1
	pad := (64 - (prefix+hlen)%64) % 64
	b := []byte(magic)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(hlen+pad))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(hlen+pad))
	}
	b = append(b, dict...)
	b = append(b, strings.Repeat(" ", pad)...)
	b = append(b, '\n')
	return append(b, data...)
}

// f8Bytes encodes vals as little-endian float64.
func f8Bytes(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// sevenths returns float64(i)/7 for i in [0, n).
func sevenths(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i) / 7
	}
	return out
}

// stream hides Len/Seek so Read must take its chunked, size-unknown path.
type stream struct{ io.Reader }

// readBoth reads b through a length-aware reader and a plain stream and
// requires both to give the same result.
func readBoth(t *testing.T, b []byte) (*Array, error) {
	t.Helper()
	a1, err1 := Read(bytes.NewReader(b))
	a2, err2 := Read(stream{bytes.NewReader(b)})
	if err1 != nil || err2 != nil {
		require.Error(t, err1)
		require.Error(t, err2)
		require.Equal(t, err1.Error(), err2.Error())
		var e *Error
		require.True(t, errors.As(err1, &e), "error %v is not an *Error", err1)
		return nil, err1
	}
	require.Equal(t, a1, a2)
	return a1, nil
}

func TestRoundTrip(t *testing.T) {
	shapes := []struct {
		name  string
		shape []int
	}{
		{"scalar", []int{}},
		{"vector", []int{5}},
		{"matrix", []int{3, 4}},
		{"3-D", []int{2, 3, 4}},
		{"empty", []int{0, 3}},
		{"multi-chunk", []int{3, 10000}},
	}
	for _, tc := range shapes {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := count(tc.shape, 8)
			data := sevenths(n)
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, tc.shape, data))
			require.Zero(t, (buf.Len()-n*8)%64, "preamble not 64-byte aligned")
			a, err := readBoth(t, buf.Bytes())
			require.NoError(t, err)
			assert.Equal(t, tc.shape, a.Shape)
			assert.Equal(t, data, a.Data)

			path := filepath.Join(t.TempDir(), "a.npy")
			require.NoError(t, WriteFile(path, tc.shape, data))
			a, err = ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.shape, a.Shape)
			assert.Equal(t, data, a.Data)
		})
	}
}

func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rank := rapid.IntRange(0, 4).Draw(t, "rank")
		shape := rapid.SliceOfN(rapid.IntRange(0, 4), rank, rank).Draw(t, "shape")
		n, _ := count(shape, 8)
		bits := rapid.SliceOfN(rapid.Uint64(), n, n).Draw(t, "bits")
		data := make([]float64, n)
		for i, b := range bits {
			data[i] = math.Float64frombits(b)
		}
		var buf bytes.Buffer
		if err := Write(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		a, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if formatShape(a.Shape) != formatShape(shape) || len(a.Data) != n {
			t.Fatalf("got shape %v, want %v", a.Shape, shape)
		}
		for i, v := range a.Data { // compare bits: NaN payloads must survive
			if math.Float64bits(v) != bits[i] {
				t.Fatalf("element %d: got bits %x, want %x", i, math.Float64bits(v), bits[i])
			}
		}
	})
}

func TestWritePanicsOnProgrammerError(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
		data  []float64
	}{
		{"length mismatch", []int{3, 4}, make([]float64, 11)},
		{"negative dim", []int{-1, 4}, nil},
		{"scalar without data", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Panics(t, func() { _ = Write(io.Discard, tc.shape, tc.data) })
			assert.Panics(t, func() { _ = WriteFile(filepath.Join(t.TempDir(), "x.npy"), tc.shape, tc.data) })
		})
	}
}

func TestReadMalformed(t *testing.T) {
	good := "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
	v1 := func(dict string, data []byte) []byte { return rawNPY(1, dict, data) }
	withLen := func(major byte, hlen uint32, rest string) []byte {
		b := append([]byte(magic), major, 0)
		if major == 1 {
			b = binary.LittleEndian.AppendUint16(b, uint16(hlen))
		} else {
			b = binary.LittleEndian.AppendUint32(b, hlen)
		}
		return append(b, rest...)
	}
	cases := []struct {
		name    string
		input   []byte
		wantErr string
	}{
		{"empty", nil, "npy: empty input, not a .npy file"},
		{"bad magic", []byte("PK\x03\x04 this is a zip"), `not a .npy file: starts with "PK\x03\x04 t", want magic "\x93NUMPY"`},
		{"short bad magic", []byte("{'d"), "not a .npy file"},
		{"truncated magic", []byte("\x93NUM"), "truncated header: input ends after 4 bytes"},
		{"unsupported version", append([]byte(magic), 4, 0, 0, 0), "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)"},
		{"truncated header length", append([]byte(magic), 2, 0, 1), "truncated header: input ends inside the header length"},
		{"truncated header", withLen(1, 118, "{'descr': '<f8'"), "truncated header: header length is 118 bytes, input has 15"},
		{"huge header length", withLen(2, 1<<31, "{"), "header length 2147483648 bytes exceeds the 1048576 byte limit"},
		{"not a dict", v1("['descr', '<f8']", nil), "want a dict starting with '{'"},
		{"unterminated dict", v1("{'descr': '<f8', 'fortran_order': False", nil), "want ',' or '}'"},
		{"text after dict", v1(good+" x", nil), "unexpected text after the dict"},
		{"unterminated string", v1("{'descr: '<f8'}", nil), "want ':' after key"},
		{"duplicate key", v1("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", nil), "duplicate key 'descr'"},
		{"missing shape", v1("{'descr': '<f8', 'fortran_order': False}", nil), "missing key 'shape'"},
		{"missing descr", v1("{'fortran_order': False, 'shape': (3,)}", nil), "missing key 'descr'"},
		{"missing fortran_order", v1("{'descr': '<f8', 'shape': (3,)}", nil), "missing key 'fortran_order'"},
		{"fortran_order not bool", v1("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}", nil), "'fortran_order' is not True or False"},
		{"shape not tuple", v1("{'descr': '<f8', 'fortran_order': False, 'shape': 3}", nil), "'shape' is not a tuple"},
		{"shape element string", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (3, '4')}", nil), "'shape' element 1 is not an integer"},
		{"shape element float", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (3.5,)}", nil), "'shape' element 0 (3.5) is not an integer in range"},
		{"shape element name", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (n,)}", nil), `unknown name "n"`},
		{"negative dim", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 4)}", nil), "negative dimension -3 in 'shape'"},
		{"overflowing dim", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", nil), "'shape' element 0 (99999999999999999999) is not an integer in range"},
		{"overflowing product", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", nil), "shape (4294967296, 4294967296) has too many elements"},
		{"descr not string", v1("{'descr': 8, 'fortran_order': False, 'shape': (3,)}", nil), "'descr' is not a string"},
		{"complex", v1("{'descr': '<c16', 'fortran_order': False, 'shape': (3,)}", nil), "npy: dtype '<c16' is not supported; lowdim needs float64 ('<f8')"},
		{"unicode", v1("{'descr': '<U5', 'fortran_order': False, 'shape': (3,)}", nil), "dtype '<U5' is not supported"},
		{"half", v1("{'descr': '<f2', 'fortran_order': False, 'shape': (3,)}", nil), "dtype '<f2' is not supported"},
		{"object", v1("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}", nil), "dtype '|O' (Python objects) is not supported"},
		{"structured", v1("{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, 'shape': (3,)}", nil), "structured dtype (a list of fields) is not supported"},
		{"no byte order", v1("{'descr': '=f8', 'fortran_order': False, 'shape': (3,)}", nil), "dtype '=f8' does not state its byte order"},
		{"invalid utf-8 in v3", rawNPY(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': '\xff'}", nil), "version 3.0 header is not valid UTF-8"},
		{"truncated data", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (100, 100), }", make([]byte, 7992)),
			"npy: truncated: header says shape (100, 100) = 10000 float64 values (80000 bytes), file has 7992 bytes of data"},
		{"truncated float32", v1("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", make([]byte, 11)),
			"truncated: header says shape (3,) = 3 float32 values (12 bytes), file has 11 bytes of data"},
		{"no data", v1(good, nil), "truncated: header says shape (3,) = 3 float64 values (24 bytes), file has 0 bytes of data"},
		{"trailing data", v1(good, make([]byte, 30)), "trailing data: header says shape (3,) = 3 float64 values (24 bytes), file has 30 bytes of data (6 extra)"},
		{"huge shape, little data", v1("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", make([]byte, 16)),
			"truncated: header says shape (1000000, 1000000) = 1000000000000 float64 values (8000000000000 bytes), file has 16 bytes of data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readBoth(t, tc.input)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestReadAccepts(t *testing.T) {
	// Very old numpy padded the preamble to a multiple of 16, not 64.
	old := []byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }")
	old = append(old, strings.Repeat(" ", 10+0x46-len(old)-1)...)
	old = append(old, '\n')
	require.Zero(t, len(old)%16)
	require.NotZero(t, len(old)%64)
	old = append(old, f8Bytes(42)...)

	cases := []struct {
		name  string
		input []byte
		shape []int
		data  []float64
	}{
		{"unknown key ignored", rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': [1.5, None, (True, 'x')]}", f8Bytes(1, 2)), []int{2}, []float64{1, 2}},
		{"double quotes, no trailing comma, list shape", rawNPY(1, `{"descr": "<f8", "shape": [2], "fortran_order": False}`, f8Bytes(1, 2)), []int{2}, []float64{1, 2}},
		{"python 2 long dims", rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 2L), }", f8Bytes(1, 2)), []int{1, 2}, []float64{1, 2}},
		{"v2.0", rawNPY(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8Bytes(1, 2)), []int{2}, []float64{1, 2}},
		{"fortran 2x3", rawNPY(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f8Bytes(0, 3, 1, 4, 2, 5)), []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"fortran 1-D", rawNPY(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (3,), }", f8Bytes(0, 1, 2)), []int{3}, []float64{0, 1, 2}},
		{"big-endian f8", rawNPY(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", binary.BigEndian.AppendUint64(nil, math.Float64bits(-2.5))), []int{1}, []float64{-2.5}},
		{"bool nonzero is true", rawNPY(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", []byte{0, 1, 7}), []int{3}, []float64{0, 1, 1}},
		{"int8", rawNPY(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", []byte{0xff, 0x80}), []int{2}, []float64{-1, -128}},
		{"uint16 big-endian", rawNPY(1, "{'descr': '>u2', 'fortran_order': False, 'shape': (1,), }", []byte{1, 2}), []int{1}, []float64{258}},
		{"int16", rawNPY(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }", []byte{0xfe, 0xff}), []int{1}, []float64{-2}},
		{"uint32", rawNPY(1, "{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }", []byte{0xff, 0xff, 0xff, 0xff}), []int{1}, []float64{4294967295}},
		{"uint64", rawNPY(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", binary.LittleEndian.AppendUint64(nil, 1<<63)), []int{1}, []float64{1 << 63}},
		{"16-byte alignment (old numpy)", old, []int{1}, []float64{42}},
		{"zero dim with huge other dim", rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807), }", nil), []int{0, math.MaxInt64}, []float64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := readBoth(t, tc.input)
			require.NoError(t, err)
			assert.Equal(t, tc.shape, a.Shape)
			assert.Equal(t, tc.data, a.Data)
		})
	}
}

func TestHugeShapeDoesNotAllocate(t *testing.T) {
	// Header claims 8 TB; the input holds 16 bytes. Neither read path may
	// allocate more than a few chunks.
	b := rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", make([]byte, 16))
	readers := []struct {
		name string
		r    func() io.Reader
	}{
		{"sized", func() io.Reader { return bytes.NewReader(b) }},
		{"stream", func() io.Reader { return stream{bytes.NewReader(b)} }},
	}
	for _, tc := range readers {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Read(tc.r())
			runtime.ReadMemStats(&after)
			require.ErrorContains(t, err, "truncated")
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20))
		})
	}
}

func TestCheckFinite(t *testing.T) {
	cases := []struct {
		name    string
		shape   []int
		bad     int // flat index of the non-finite value, or -1
		value   float64
		wantErr string
	}{
		{"finite", []int{5, 8}, -1, 0, ""},
		{"NaN", []int{5, 8}, 3*8 + 7, math.NaN(), "npy: element (3, 7) is NaN"},
		{"+Inf 1-D", []int{5}, 4, math.Inf(1), "npy: element (4,) is +Inf"},
		{"-Inf 3-D", []int{2, 3, 4}, 1*12 + 2*4 + 3, math.Inf(-1), "npy: element (1, 2, 3) is -Inf"},
		{"scalar NaN", []int{}, 0, math.NaN(), "npy: element () is NaN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := count(tc.shape, 8)
			a := &Array{Shape: tc.shape, Data: sevenths(n)}
			if tc.bad >= 0 {
				a.Data[tc.bad] = tc.value
				if tc.bad < n-1 {
					a.Data[n-1] = math.NaN() // only the first is reported
				}
			}
			err := a.CheckFinite()
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.wantErr)

			path := filepath.Join(t.TempDir(), "x.npy")
			require.NoError(t, WriteFile(path, a.Shape, a.Data))
			want := make([]int, len(tc.shape))
			for i := range want {
				want[i] = -1
			}
			_, err = ReadArrayFile(path, want...)
			require.EqualError(t, err, path+strings.TrimPrefix(tc.wantErr, "npy"))
		})
	}
}

func TestMatrix(t *testing.T) {
	cases := []struct {
		name    string
		shape   []int
		wantErr string
	}{
		{"2-D", []int{3, 4}, ""},
		{"1-D", []int{5}, "npy: shape (5,) is not 2-D; want a matrix (rows, cols)"},
		{"3-D", []int{2, 3, 4}, "npy: shape (2, 3, 4) is not 2-D"},
		{"empty", []int{0, 3}, "npy: shape (0, 3) is empty; a mat.Dense needs at least one row and column"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := count(tc.shape, 8)
			a := &Array{Shape: tc.shape, Data: sevenths(n)}
			m, err := a.Matrix()
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 6.0/7, m.At(1, 2))
			m.Set(0, 0, 99) // shares a.Data
			assert.Equal(t, 99.0, a.Data[0])
		})
	}
}

func TestWriteMatrix(t *testing.T) {
	big := mat.NewDense(4, 5, sevenths(20))
	want := mat.DenseCopyOf(big.Slice(1, 3, 1, 4))
	cases := []struct {
		name string
		m    mat.Matrix
		want *mat.Dense
	}{
		{"dense", big, big},
		{"strided view", big.Slice(1, 3, 1, 4), want},
		{"transpose", big.T(), mat.DenseCopyOf(big.T())},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, WriteMatrix(&buf, tc.m))
			a, err := Read(&buf)
			require.NoError(t, err)
			m, err := a.Matrix()
			require.NoError(t, err)
			assert.True(t, mat.Equal(tc.want, m))
		})
	}
}

func TestReadMatrixFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	require.NoError(t, WriteFile(path, []int{3, 4}, sevenths(12)))
	vec := filepath.Join(dir, "v.npy")
	require.NoError(t, WriteFile(vec, []int{5}, sevenths(5)))
	cases := []struct {
		name       string
		path       string
		rows, cols int
		wantErr    string
	}{
		{"exact", path, 3, 4, ""},
		{"any", path, 0, 0, ""},
		{"any rows", path, -1, 4, ""},
		{"mismatch", path, 100, 100, path + ": shape (3, 4), want (100, 100)"},
		{"mismatch cols", path, 0, 5, path + ": shape (3, 4), want (*, 5)"},
		{"not 2-D", vec, 0, 0, vec + ": shape (5,), want (*, *)"},
		{"missing file", filepath.Join(dir, "nope.npy"), 3, 4, filepath.Join(dir, "nope.npy")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadMatrixFile(tc.path, tc.rows, tc.cols)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.True(t, mat.Equal(mat.NewDense(3, 4, sevenths(12)), m))
		})
	}
}

func TestReadArrayFileShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ops.npy")
	require.NoError(t, WriteFile(path, []int{6, 3, 3}, sevenths(54)))
	cases := []struct {
		name    string
		shape   []int
		wantErr string
	}{
		{"exact", []int{6, 3, 3}, ""},
		{"any m", []int{-1, 3, 3}, ""},
		{"wrong d", []int{-1, 4, 4}, path + ": shape (6, 3, 3), want (*, 4, 4)"},
		{"wrong rank", []int{6, 9}, path + ": shape (6, 3, 3), want (6, 9)"},
		{"scalar wanted", nil, path + ": shape (6, 3, 3), want ()"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ReadArrayFile(path, tc.shape...)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, sevenths(54), a.Data)
		})
	}
}

func TestReadFileErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target.npy")
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, []int{100, 100}, make([]float64, 10000)))
	require.NoError(t, os.WriteFile(path, buf.Bytes()[:128+7992], 0o644))
	_, err := ReadFile(path)
	require.EqualError(t, err, path+": truncated: header says shape (100, 100) = 10000 float64 values (80000 bytes), file has 7992 bytes of data")

	missing := filepath.Join(dir, "missing.npy")
	_, err = ReadFile(missing)
	require.ErrorContains(t, err, missing)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestWriteFileAtomic(t *testing.T) {
	t.Run("replaces existing file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.npy")
		require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
		require.NoError(t, WriteFile(path, []int{2}, []float64{1, 2}))
		a, err := ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, []float64{1, 2}, a.Data)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1)
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	})
	t.Run("rename fails, nothing left", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.npy")
		require.NoError(t, os.Mkdir(path, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(path, "keep"), nil, 0o644))
		err := WriteFile(path, []int{2}, []float64{1, 2})
		require.ErrorContains(t, err, path)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "temporary file left behind")
	})
	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "no", "a.npy")
		err := WriteFile(path, []int{2}, []float64{1, 2})
		require.ErrorContains(t, err, path)
		require.ErrorIs(t, err, os.ErrNotExist)
		var pe *fs.PathError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, path, pe.Path)
	})
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		budget  int
		wantErr string
	}{
		{"header", 0, "npy: writing header: short write"},
		{"data", 200, "npy: writing data: short write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(&failWriter{tc.budget}, []int{100}, make([]float64, 100))
			require.EqualError(t, err, tc.wantErr)
			require.ErrorIs(t, err, io.ErrShortWrite)
		})
	}
}
