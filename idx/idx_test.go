package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"github.com/lowdim/lowdim/internal/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// encode returns an IDX file of type code typ with the given dims and data.
func encode(typ byte, dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestRead(t *testing.T) {
	images := encode(0x08, []int{3, 2, 4}, seq(24))
	labels := encode(0x08, []int{3}, []byte{0, 2, 1})
	corrupt := gz(images)
	corrupt[len(corrupt)-6] ^= 0xff // inside the CRC-32 trailer
	tests := []struct {
		name     string
		in       []byte
		wantDims []int
		wantData []byte
		wantErr  error  // errors.Is target, or nil
		wantMsg  string // substring of the error
	}{
		{name: "images", in: images, wantDims: []int{3, 2, 4}, wantData: seq(24)},
		{name: "images gzip", in: gz(images), wantDims: []int{3, 2, 4}, wantData: seq(24)},
		{name: "labels", in: labels, wantDims: []int{3}, wantData: []byte{0, 2, 1}},
		{name: "labels gzip", in: gz(labels), wantDims: []int{3}, wantData: []byte{0, 2, 1}},
		{name: "empty", in: nil, wantErr: ErrTruncated, wantMsg: "0 bytes"},
		{name: "wrong magic", in: append([]byte{1, 2}, images[2:]...), wantErr: ErrMagic, wantMsg: "01 02 08 03"},
		{name: "wrong magic gzip", in: gz(append([]byte{0, 1}, images[2:]...)), wantErr: ErrMagic},
		{name: "unknown type", in: encode(0x07, []int{1}, []byte{0}), wantErr: ErrMagic, wantMsg: "0x07"},
		{name: "float type", in: encode(0x0D, []int{1}, make([]byte, 4)), wantErr: ErrType, wantMsg: "float32"},
		{name: "no dims", in: encode(0x08, nil, nil), wantErr: ErrDims, wantMsg: "zero dimensions"},
		{name: "zero dim", in: encode(0x08, []int{2, 0}, nil), wantErr: ErrDims, wantMsg: "dimension 2 is 0"},
		{name: "huge dims", in: encode(0x08, []int{1 << 30, 1 << 30}, nil), wantErr: ErrDims, wantMsg: "exceed"},
		{name: "truncated header", in: images[:3], wantErr: ErrTruncated, wantMsg: "3 of 4 header bytes"},
		{name: "truncated dims", in: images[:9], wantErr: ErrTruncated, wantMsg: "5 of 12 dimension bytes"},
		{name: "truncated data", in: images[:len(images)-5], wantErr: ErrTruncated, wantMsg: "3 x 2 x 4 = 24 data bytes, the file holds 19"},
		{name: "truncated data gzip", in: gz(images[:len(images)-5]), wantErr: ErrTruncated, wantMsg: "holds 19"},
		{name: "truncated gzip stream", in: gz(images)[:20], wantErr: ErrTruncated},
		{name: "trailing", in: append(append([]byte(nil), labels...), 9), wantErr: ErrTrailing, wantMsg: "declares 3 = 3 bytes"},
		{name: "corrupt gzip", in: corrupt, wantMsg: "checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Read(bytes.NewReader(tt.in), "f.idx")
			if tt.wantErr == nil && tt.wantMsg == "" {
				require.NoError(t, err)
				require.Equal(t, tt.wantDims, a.Dims)
				require.Equal(t, tt.wantData, a.Data)
				return
			}
			require.Error(t, err)
			require.Nil(t, a)
			require.True(t, strings.HasPrefix(err.Error(), "f.idx: "), "error %q does not name the file", err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			require.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

// writeSet writes a data set of nTrain and nTest images of rows x cols
// pixels into a new folder and returns it; files get the given names.
func writeSet(t *testing.T, names [4]string, nTrain, nTest, rows, cols int, gzipped bool) string {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if gzipped {
			b = gz(b)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	labels := func(n int) []byte {
		l := make([]byte, n)
		for i := range l {
			l[i] = byte(i % 3)
		}
		return l
	}
	write(names[0], encode(0x08, []int{nTrain, rows, cols}, seq(nTrain*rows*cols)))
	write(names[1], encode(0x08, []int{nTrain}, labels(nTrain)))
	write(names[2], encode(0x08, []int{nTest, rows, cols}, seq(nTest*rows*cols)))
	write(names[3], encode(0x08, []int{nTest}, labels(nTest)))
	return dir
}

var (
	plainNames  = [4]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}
	gzNames     = [4]string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	dottedNames = [4]string{"train-images.idx3-ubyte", "train-labels.idx1-ubyte", "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte"}
)

func TestLoadDir(t *testing.T) {
	for _, tt := range []struct {
		name  string
		names [4]string
		gz    bool
	}{{"plain", plainNames, false}, {"gzip", gzNames, true}, {"dotted", dottedNames, false}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSet(t, tt.names, 5, 3, 2, 4, tt.gz)
			s, err := LoadDir(dir)
			require.NoError(t, err)
			require.Equal(t, 5, s.Train.N)
			require.Equal(t, 3, s.Test.N)
			require.Equal(t, 8, s.Train.Pixels())
			require.Equal(t, seq(40), s.Train.Images)
			require.Equal(t, []byte{0, 1, 2}, s.Test.Labels)
			// Labels are i % 3: classes 0, 1, 2.
			require.Equal(t, 3, s.Classes)
			require.Equal(t, filepath.Join(dir, tt.names[0]), s.Train.ImageFile)
		})
	}
}

func TestLoadDirErrors(t *testing.T) {
	t.Run("missing folder", func(t *testing.T) {
		_, err := LoadDir(filepath.Join(t.TempDir(), "nope"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("missing file", func(t *testing.T) {
		dir := writeSet(t, plainNames, 5, 3, 2, 4, false)
		require.NoError(t, os.Remove(filepath.Join(dir, plainNames[3])))
		_, err := LoadDir(dir)
		require.ErrorContains(t, err, "no t10k-labels-idx1-ubyte file")
	})
	t.Run("count mismatch", func(t *testing.T) {
		dir := writeSet(t, plainNames, 5, 3, 2, 4, false)
		require.NoError(t, os.WriteFile(filepath.Join(dir, plainNames[1]), encode(0x08, []int{4}, make([]byte, 4)), 0o644))
		_, err := LoadDir(dir)
		require.ErrorIs(t, err, ErrMismatch)
		require.ErrorContains(t, err, "4 labels for 5 images")
		require.ErrorContains(t, err, plainNames[1])
	})
	t.Run("image size mismatch", func(t *testing.T) {
		dir := writeSet(t, plainNames, 5, 3, 2, 4, false)
		require.NoError(t, os.WriteFile(filepath.Join(dir, plainNames[2]), encode(0x08, []int{3, 4, 2}, make([]byte, 24)), 0o644))
		_, err := LoadDir(dir)
		require.ErrorIs(t, err, ErrMismatch)
		require.ErrorContains(t, err, "test images are 4 x 2, train images")
	})
	t.Run("images not 3-D", func(t *testing.T) {
		dir := writeSet(t, plainNames, 5, 3, 2, 4, false)
		require.NoError(t, os.WriteFile(filepath.Join(dir, plainNames[0]), encode(0x08, []int{5, 8}, make([]byte, 40)), 0o644))
		_, err := LoadDir(dir)
		require.ErrorIs(t, err, ErrDims)
		require.ErrorContains(t, err, "2 dimensions (5 x 8), want 3")
	})
	t.Run("labels not 1-D", func(t *testing.T) {
		dir := writeSet(t, plainNames, 5, 3, 2, 4, false)
		require.NoError(t, os.WriteFile(filepath.Join(dir, plainNames[3]), encode(0x08, []int{3, 1}, make([]byte, 3)), 0o644))
		_, err := LoadDir(dir)
		require.ErrorIs(t, err, ErrDims)
	})
	t.Run("truncated file", func(t *testing.T) {
		dir := writeSet(t, gzNames, 5, 3, 2, 4, true)
		p := filepath.Join(dir, gzNames[0])
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, b[:len(b)/2], 0o644))
		_, err = LoadDir(dir)
		require.ErrorIs(t, err, ErrTruncated)
		require.ErrorContains(t, err, p)
	})
	t.Run("not a folder", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(p, nil, 0o644))
		_, err := LoadDir(p)
		require.ErrorContains(t, err, "not a folder")
	})
}

func TestEscapePath(t *testing.T) {
	// The module cache's spelling, as `go list -m -f {{.Dir}}` shows it.
	require.Equal(t, "github.com/petar/!go!m!n!i!s!t", escapePath(GoMNISTModule))
	require.Equal(t, "golang.org/x/perf", escapePath("golang.org/x/perf"))
}

// TestMNIST reads the MNIST files shipped by the GoMNIST module, when the
// module cache holds them.
func TestMNIST(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		testenv.Unavailablef(t, "MNIST not available: %v", err)
	}
	s, err := LoadDir(dir)
	require.NoError(t, err)
	require.Equal(t, []int{60000, 10000, 28, 28, 10}, []int{s.Train.N, s.Test.N, s.Train.Rows, s.Train.Cols, s.Classes})
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{ErrMagic, ErrType, ErrDims, ErrTruncated, ErrTrailing, ErrMismatch}
	for i, a := range all {
		for j, b := range all {
			require.Equal(t, i == j, errors.Is(a, b))
		}
	}
}

func TestWriteDirRoundTrip(t *testing.T) {
	s := Synthetic(3, 4, 7, 5, 20, 1)
	require.Equal(t, s, Synthetic(3, 4, 7, 5, 20, 1), "Synthetic is not deterministic")
	for _, compress := range []bool{false, true} {
		dir := t.TempDir()
		require.NoError(t, WriteDir(dir, s, compress))
		got, err := LoadDir(dir)
		require.NoError(t, err)
		require.Equal(t, s.Train.Images, got.Train.Images)
		require.Equal(t, s.Test.Labels, got.Test.Labels)
		require.Equal(t, 3, got.Classes)
		require.Equal(t, compress, strings.HasSuffix(got.Train.ImageFile, ".gz"))
	}
}

func TestEncodeMatchesReader(t *testing.T) {
	require.Equal(t, encode(0x08, []int{2, 3}, seq(6)), Encode([]int{2, 3}, seq(6)))
	require.Panics(t, func() { Encode([]int{2, 3}, seq(5)) })
}
