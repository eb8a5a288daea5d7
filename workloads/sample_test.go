package workloads

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSampleObservedWays: the bitset and the sorted batches keep the same
// entries and leave the generator in the same state (the next draw
// agrees), over shapes and fractions from a handful of entries to all of
// them (p = 1: many batches) and sizes whose indices need one to four
// radix digits, sorted by radixSort alone or in sortKeys's buckets. SampleObserved's results at a seed therefore do not
// depend on which way it takes.
func TestSampleObservedWays(t *testing.T) {
	cases := []struct {
		rows, cols int
		p          float64
	}{
		{1, 1, 1}, {3, 5, 0.2}, {37, 41, 0.3}, {37, 41, 1}, {200, 150, 0.9},
		{1000, 1000, 0.001}, {64, 4096, 0.01}, {3000, 2500, 0.0005}, {100000, 50, 0.002},
		{3000, 3000, 0.01}, {4000, 5000, 0.02}, // sortKeys's buckets
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dx%d/p=%g", tc.rows, tc.cols, tc.p), func(t *testing.T) {
			n := int64(tc.rows) * int64(tc.cols)
			k := int64(tc.p * float64(n))
			r1, r2 := rand.New(rand.NewPCG(9, uint64(n))), rand.New(rand.NewPCG(9, uint64(n)))
			p1, c1, err := sampleBitset(tc.rows, tc.cols, k, r1)
			require.NoError(t, err)
			p2, c2, err := sampleSorted(tc.rows, tc.cols, k, r2)
			require.NoError(t, err)
			require.Equal(t, p1, p2, "row pointers")
			require.Equal(t, c1, c2, "columns")
			require.Equal(t, r1.Uint64(), r2.Uint64(), "the generator's next draw")
		})
	}
}

// TestSortKeys: sortKeys sorts like slices.Sort at GOMAXPROCS 1, 2 and 3,
// through radixSort alone (few values, or few bits) and through its
// buckets (with empty buckets and repeats: values drawn from a small range
// in the top bits).
func TestSortKeys(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range []struct{ n, nbits int }{
		{0, 36}, {1, 36}, {1000, 36}, {sortMinParallel, 22}, {sortMinParallel, 36}, {3*sortMinParallel + 7, 36}, {200000, 23}, {150000, 64},
	} {
		rng := rand.New(rand.NewPCG(4, uint64(tc.n)))
		a := make([]uint64, tc.n)
		for i := range a {
			a[i] = rng.Uint64() >> (64 - tc.nbits)
			if i%3 == 0 && tc.nbits > 40 {
				a[i] &^= 0xff << (tc.nbits - 8) // empty buckets
			}
		}
		want := slices.Clone(a)
		slices.Sort(want)
		for _, procs := range []int{1, 2, 3} {
			runtime.GOMAXPROCS(procs)
			got := slices.Clone(a)
			sortKeys(got, make([]uint64, len(got)), tc.nbits)
			require.Equal(t, want, got, "n=%d nbits=%d procs=%d", tc.n, tc.nbits, procs)
		}
	}
}

// TestSampleObservedChoice: the bitset is taken while its rows*cols/8
// bytes are at most the sorted batches' 16 bytes per entry, p >= 1/128;
// d = 262,144 at p = 0.000625 sorts (a bitset would take 8.6 GB).
func TestSampleObservedChoice(t *testing.T) {
	require.True(t, useBitset(1024*1024, 1024*1024/128))
	require.False(t, useBitset(1024*1024, 1024*1024/128-1))
	n := int64(262144) * 262144
	require.False(t, useBitset(n, int64(0.000625*float64(n))))
}

// TestMergeUnion: merging sorted distinct runs drops the values in both.
func TestMergeUnion(t *testing.T) {
	keys := []uint64{1, 4, 6, 9, 2, 4, 9, 10, 0, 0}
	scratch := make([]uint64, 4)
	m := mergeUnion(keys, 4, 4, scratch)
	require.Equal(t, []uint64{1, 2, 4, 6, 9, 10}, keys[:m])
}
