package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures in testdata/ are written by the real numpy; see testdata/gen.py.
// Expected values are derived here the same way gen.py derives them.

func float32Sevenths(n int) []float64 {
	out := sevenths(n)
	for i, v := range out {
		out[i] = float64(float32(v)) // numpy's astype('<f4') rounds the same way
	}
	return out
}

func TestNumpyFixtures(t *testing.T) {
	fixtures := []struct {
		file  string
		shape []int
		data  []float64
	}{
		{"f8_scalar.npy", []int{}, []float64{3.5}},
		{"f8_5.npy", []int{5}, sevenths(5)},
		{"f8_3x4.npy", []int{3, 4}, sevenths(12)},
		{"f8_2x3x4.npy", []int{2, 3, 4}, sevenths(24)},
		{"f8_0x3.npy", []int{0, 3}, []float64{}},
		{"f8_fortran_3x4.npy", []int{3, 4}, sevenths(12)},
		{"f8_fortran_2x3x4.npy", []int{2, 3, 4}, sevenths(24)},
		{"f8_be_3x4.npy", []int{3, 4}, sevenths(12)},
		{"f8_3x4_v2.npy", []int{3, 4}, sevenths(12)},
		{"f8_3x4_v3.npy", []int{3, 4}, sevenths(12)},
		{"f4_2x3.npy", []int{2, 3}, float32Sevenths(6)},
		{"f4_be_2x3.npy", []int{2, 3}, float32Sevenths(6)},
		{"i8_5.npy", []int{5}, []float64{-2000, -1000, 0, 1000, 2000}},
		{"i4_2x2.npy", []int{2, 2}, []float64{-7, 0, 1, 2147483647}},
		{"u1_3.npy", []int{3}, []float64{0, 1, 255}},
		{"b1_2x3.npy", []int{2, 3}, []float64{1, 0, 1, 0, 0, 1}},
	}
	for _, tc := range fixtures {
		t.Run(tc.file, func(t *testing.T) {
			a, err := ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			assert.Equal(t, tc.shape, a.Shape)
			assert.Equal(t, tc.data, a.Data)
			// The file name's prefix is numpy's dtype code (gen.py).
			dtype := map[string]string{"f8": "float64", "f4": "float32", "i8": "int64", "i4": "int32", "u1": "uint8", "b1": "bool"}[tc.file[:2]]
			assert.Equal(t, dtype, a.Dtype, "the source dtype")
		})
	}
}

func TestNumpyRejected(t *testing.T) {
	path := filepath.Join("testdata", "c16_2.npy")
	_, err := ReadFile(path)
	require.EqualError(t, err, path+": dtype '<c16' is not supported; lowdim needs float64 ('<f8') (float32, integer and bool arrays are converted)")
}

// TestWriteMatchesNumpy checks that Write produces exactly the bytes
// np.save wrote for the same C-order float64 array.
func TestWriteMatchesNumpy(t *testing.T) {
	fixtures := []struct {
		file  string
		shape []int
		data  []float64
	}{
		{"f8_scalar.npy", nil, []float64{3.5}},
		{"f8_5.npy", []int{5}, sevenths(5)},
		{"f8_3x4.npy", []int{3, 4}, sevenths(12)},
		{"f8_2x3x4.npy", []int{2, 3, 4}, sevenths(24)},
		{"f8_0x3.npy", []int{0, 3}, nil},
	}
	for _, tc := range fixtures {
		t.Run(tc.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, tc.shape, tc.data))
			assert.Equal(t, string(want), buf.String())
		})
	}
}
