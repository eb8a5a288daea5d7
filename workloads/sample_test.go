package workloads

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSampleObservedWays: the bitset and the sorted batches keep the same
// entries and leave the generator in the same state (the next draw
// agrees), over shapes and fractions from a handful of entries to all of
// them (p = 1: many batches) and sizes whose indices need one to four
// radix digits. SampleObserved's results at a seed therefore do not
// depend on which way it takes.
func TestSampleObservedWays(t *testing.T) {
	cases := []struct {
		rows, cols int
		p          float64
	}{
		{1, 1, 1}, {3, 5, 0.2}, {37, 41, 0.3}, {37, 41, 1}, {200, 150, 0.9},
		{1000, 1000, 0.001}, {64, 4096, 0.01}, {3000, 2500, 0.0005}, {100000, 50, 0.002},
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
