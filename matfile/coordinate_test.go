package matfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/npy"
)

// hugeMTX is ../shared/cases/bad-inputs/mtx_10k_1entry.mtx: a coordinate
// file declaring 10000 x 10000 with one entry, (1, 1) = 1.
const hugeMTX = "testdata/mtx_10k_1entry.mtx"

// TestCoordinateChecksMemoryFirst: a coordinate file is read as its list of
// entries and its dense matrices are sized against the memory budget
// before they are allocated. The 46-byte file declaring 10000 x 10000
// once took 1.59 GB and 101 s before a refusal.
func TestCoordinateChecksMemoryFirst(t *testing.T) {
	// The dense values and mask: 2 x 10000^2 x 8 bytes = 1.6e9 bytes.
	const wantNeed = 2 * 8 * 10000 * 10000
	t.Run("refused", func(t *testing.T) {
		var need uint64
		defer func(f func(uint64, string) error) { checkFits = f }(checkFits)
		checkFits = func(n uint64, what string) error {
			need = n
			return errors.New(what + " needs 1.6 GB but only 1 GB of memory is available")
		}
		var err error
		// Reading 3 lines: 1 MiB allocated is slack of orders of
		// magnitude, and far below the dense matrices (1.6 GB).
		require.Less(t, allocatedBy(func() { _, err = Read(hugeMTX) }), uint64(1<<20))
		require.Error(t, err)
		assert.Equal(t, uint64(wantNeed), need)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, hugeMTX+":2: the 10000 x 10000 matrix of its 1 listed entries (values and mask, dense) needs 1.6 GB but only 1 GB of memory is available", err.Error())
	})
	t.Run("read sparsely until it fits", func(t *testing.T) {
		// With a budget, the entries alone are read first: a lying size
		// line with entries beyond the file is refused before any check.
		defer func(f func(uint64, string) error) { checkFits = f }(checkFits)
		checked := false
		checkFits = func(uint64, string) error { checked = true; return nil }
		path := filepath.Join(t.TempDir(), "short.mtx")
		require.NoError(t, os.WriteFile(path, []byte(mtx("%%MatrixMarket matrix coordinate real general", "10000 10000 2", "1 1 1")), 0o644))
		_, err := Read(path)
		require.EqualError(t, err, path+":2: size line declares 2 entries, file has 1")
		assert.False(t, checked, "the memory check comes after the entries are read and checked")
	})
}

// TestReadCheckedBeforeAllocation: ReadChecked shows a coordinate file's
// Info to its caller before the memory check and the allocation of its
// rows x cols matrices, and returns the caller's refusal; other formats
// are checked once read.
func TestReadCheckedBeforeAllocation(t *testing.T) {
	defer func(f func(uint64, string) error) { checkFits = f }(checkFits)
	fitsCalled := false
	checkFits = func(uint64, string) error { fitsCalled = true; return nil }
	refuse := errors.New("refused")
	var got Info
	_, err := ReadChecked(hugeMTX, func(i Info) error { got = i; return refuse })
	require.ErrorIs(t, err, refuse)
	assert.Equal(t, Info{Rows: 10000, Cols: 10000, Coordinate: true, Entries: 1, Dtype: "float64"}, got)
	assert.False(t, fitsCalled, "refused before the dense matrices are sized")

	csv := writeText(t, "m.csv", "1,2\n3,4\n5,6\n")
	_, err = ReadChecked(csv, func(i Info) error { got = i; return refuse })
	require.ErrorIs(t, err, refuse)
	assert.Equal(t, Info{Rows: 3, Cols: 2, Dtype: "float64"}, got)
	m, err := ReadChecked(csv, func(Info) error { return nil })
	require.NoError(t, err)
	assert.Equal(t, 6.0, m.Dense.At(2, 1))
}

// TestReadDtype: the source precision is reported with the values.
func TestReadDtype(t *testing.T) {
	dir := t.TempDir()
	f4 := filepath.Join(dir, "f4.npy")
	// A float32 .npy written by hand (header as numpy.save writes it).
	hdr := "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	raw := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)+1), 0)
	raw = append(raw, hdr+"\n"...)
	raw = append(raw, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40) // 1.0f, 2.0f little-endian
	require.NoError(t, os.WriteFile(f4, raw, 0o644))
	f8 := filepath.Join(dir, "f8.npy")
	require.NoError(t, npy.WriteFile(f8, []int{1, 2}, []float64{1, 2}))
	csv := writeText(t, "m.csv", "1,2\n")
	for _, tt := range []struct{ path, dtype string }{
		{f4, "float32"}, {f8, "float64"}, {csv, "float64"}, {hugeMTX, "float64"},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			m, err := Read(tt.path)
			require.NoError(t, err)
			assert.Equal(t, tt.dtype, m.Dtype)
			if m.Observed != nil {
				assert.Equal(t, 1, m.Entries, "the file lists (1, 1)")
			}
			assert.Equal(t, 1.0, m.Dense.At(0, 0))
		})
	}
}

// allocatedBy returns the bytes the process allocated on the heap while f
// ran (runtime.MemStats.TotalAlloc: a deterministic upper bound of what f
// allocated, up to the small allocations of the runtime itself).
func allocatedBy(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// TestCoordinateMemoryFollowsEntries: a coordinate file declaring a huge
// matrix with one entry is read in memory proportional to its entries until
// the dense size has been checked, and then refused: the 10000 x 10000 of
// ../shared/cases/bad-inputs/mtx_10k_1entry.mtx (1.6 GB dense) and a
// 31622 x 31622 size line (16 GB dense; it once died with a Go
// out-of-memory trace). The bound, 1 MiB, is the scanner's and the
// reader's 64 KiB buffers and the error with room to spare; a dense
// allocation would be 1600 times that.
func TestCoordinateMemoryFollowsEntries(t *testing.T) {
	const bound = 1 << 20
	defer func(f func(uint64, string) error) { checkFits = f }(checkFits)
	// A budget of 1 GB: both files are refused by the memory check.
	checkFits = func(need uint64, what string) error {
		if need > 1e9 {
			return fmt.Errorf("%s needs %d bytes but only 1 GB of memory is available", what, need)
		}
		return nil
	}
	big := writeText(t, "31622.mtx", mtx("%%MatrixMarket matrix coordinate real general", "31622 31622 1", "31622 31622 -2.5"))
	for _, tt := range []struct {
		path string
		need uint64 // 2 dense float64 matrices
	}{
		{hugeMTX, 2 * 8 * 10000 * 10000},
		{big, 2 * 8 * 31622 * 31622},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			var err error
			used := allocatedBy(func() { _, err = Read(tt.path) })
			require.ErrorContains(t, err, tt.path+":2: ")
			require.ErrorContains(t, err, fmt.Sprintf("needs %d bytes", tt.need))
			assert.Less(t, used, uint64(bound), "allocated before the refusal")

			// A caller's check sees the file's Info in the same memory.
			refuse := errors.New("refused")
			used = allocatedBy(func() { _, err = ReadChecked(tt.path, func(Info) error { return refuse }) })
			require.ErrorIs(t, err, refuse)
			assert.Less(t, used, uint64(bound), "allocated before the caller's check")
		})
	}
}

// TestByteOrderMark: a UTF-8 byte order mark before the first line is
// dropped for .mtx as for .csv (case compare-bom-utf16: bom.mtx used to be
// "not a Matrix Market file"); UTF-16 text is refused naming the file.
func TestByteOrderMark(t *testing.T) {
	const bomMTX = "testdata/cases/compare-bom-utf16_bom.mtx" // ../shared/cases/compare-bom-utf16/bom.mtx
	m, err := Read(bomMTX)
	require.NoError(t, err)
	plain, err := readMTX(strings.NewReader(mtx("%%MatrixMarket matrix coordinate real general", "2 2 1", "1 1 1.0")), "plain.mtx")
	require.NoError(t, err)
	requireSame(t, "bom.mtx", m.Dense, plain.Dense)
	requireSame(t, "bom.mtx mask", m.Observed, plain.Observed)

	csv := writeText(t, "bom.csv", "\ufeff1,2\n3,4\n")
	c, err := Read(csv)
	require.NoError(t, err)
	requireSame(t, "bom.csv", c.Dense, mat.NewDense(2, 2, []float64{1, 2, 3, 4}))

	for _, name := range []string{"utf16le.mtx", "utf16be.csv"} {
		bom := "\xff\xfe"
		if strings.Contains(name, "be") {
			bom = "\xfe\xff"
		}
		p := writeText(t, name, bom+"%\x00%\x00")
		_, err := Read(p)
		require.EqualError(t, err, p+":1: UTF-16 text (byte order mark "+fmt.Sprintf("% x", bom)+"); save the file as UTF-8")
	}
}
