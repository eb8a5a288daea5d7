package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
)

// SampleObserved draws exactly k = floor(p*rows*cols) distinct entries
// uniformly at random and returns them in compressed sparse row form
// (row-major order, columns increasing within a row). p must be in (0, 1].
//
// The entries are the first k distinct values of the sequence of linear
// indices i*cols + j that rng.Int64N(rows*cols) draws: its expected number
// of draws is about -ln(1-p)/p per entry. Two ways of keeping them give
// the same set and leave rng in the same state (TestSampleObservedWays):
// a bitset of rows*cols bits (rows*cols/8 bytes), taken when that is
// at most the other's 16 bytes per entry (p >= 1/128), and otherwise
// sorted batches (sampleSorted: 16 bytes per entry while drawing,
// rows*cols/8 would be 8.6 GB at d = 262,144). Either way the result
// takes 4 bytes per entry and 8 per row.
func SampleObserved(rows, cols int, p float64, rng *rand.Rand) (rowPtr []int, colIdx []int32, err error) {
	if !(p > 0 && p <= 1) {
		return nil, nil, fmt.Errorf("workloads: observed fraction p = %v, want 0 < p <= 1", p)
	}
	n := int64(rows) * int64(cols)
	k := int64(p * float64(n))
	if k < 1 {
		return nil, nil, fmt.Errorf("workloads: p = %v of %d x %d entries observes none", p, rows, cols)
	}
	if cols > math.MaxInt32 {
		return nil, nil, errors.New("workloads: too many columns for 32-bit column indices")
	}
	if useBitset(n, k) {
		return sampleBitset(rows, cols, k, rng)
	}
	return sampleSorted(rows, cols, k, rng)
}

// useBitset reports whether SampleObserved keeps k of n entries in a
// bitset (n/8 bytes) rather than in sorted batches (16 bytes per entry).
func useBitset(n, k int64) bool { return n/8 <= 16*k }

// sampleBitset is SampleObserved with a bitset of rows*cols bits and
// rejection sampling.
func sampleBitset(rows, cols int, k int64, rng *rand.Rand) (rowPtr []int, colIdx []int32, err error) {
	n := int64(rows) * int64(cols)
	bitset := make([]uint64, (n+63)/64)
	for got := int64(0); got < k; {
		i := rng.Int64N(n)
		if bitset[i/64]&(1<<(i%64)) == 0 {
			bitset[i/64] |= 1 << (i % 64)
			got++
		}
	}
	rowPtr = make([]int, rows+1)
	colIdx = make([]int32, 0, k)
	for i := 0; i < rows; i++ {
		base := int64(i) * int64(cols)
		for j := 0; j < cols; j++ {
			idx := base + int64(j)
			if bitset[idx/64]&(1<<(idx%64)) != 0 {
				colIdx = append(colIdx, int32(j))
			}
		}
		rowPtr[i+1] = len(colIdx)
	}
	return rowPtr, colIdx, nil
}

// sampleSorted is SampleObserved in sorted batches: it draws k indices,
// sorts them (radix sort) and drops repeats, then draws as many as are
// missing, sorts and merges them in without repeats, until k are distinct.
// A batch draws exactly the number missing, so the count of distinct
// indices reaches k at the same draw as sampleBitset's, with the same set.
// Memory: the k indices and a scratch of the same size (16 bytes per
// entry), then the result; time O(k) per batch, with about
// log(k)/log(1/p) batches. The sort runs on up to GOMAXPROCS goroutines
// (sortKeys); a sorted array has one order, so the result does not depend
// on them.
func sampleSorted(rows, cols int, k int64, rng *rand.Rand) (rowPtr []int, colIdx []int32, err error) {
	n := int64(rows) * int64(cols)
	keys := make([]uint64, k)
	scratch := make([]uint64, k)
	nbits := bits.Len64(uint64(n - 1))
	have := 0
	for int64(have) < k {
		batch := keys[have:k]
		for t := range batch {
			batch[t] = uint64(rng.Int64N(n))
		}
		sortKeys(batch, scratch[:len(batch)], nbits)
		nb := len(dedupSorted(batch))
		have = mergeUnion(keys, have, nb, scratch)
	}
	scratch = nil
	rowPtr = make([]int, rows+1)
	colIdx = make([]int32, k)
	row, base, end := 0, uint64(0), uint64(cols)
	for t, key := range keys {
		for key >= end {
			row++
			rowPtr[row] = t
			base, end = end, end+uint64(cols)
		}
		colIdx[t] = int32(key - base)
	}
	for row < rows {
		row++
		rowPtr[row] = len(keys)
	}
	return rowPtr, colIdx, nil
}

// sortMinParallel is the fewest values sortKeys sorts in buckets on
// several goroutines; fewer go through radixSort alone.
const sortMinParallel = 1 << 16

// bucketBits is the width of the digit by which sortKeys first distributes
// the values: 2^bucketBits buckets (2048), of about 170 KB each at
// d = 262,144 and p = 0.000625 (43 million values), so that each sorts in
// a core's L2 cache.
const bucketBits = 11

// sortKeys sorts a (values below 2^nbits) increasingly, using scratch
// (len(a)) as the other buffer, as radixSort does: for a of
// sortMinParallel values or more and nbits above bucketBits + radixDigit,
// by most significant digit first — one pass counts the values of each
// bucket of their top bucketBits bits and one moves them into their
// buckets in scratch, each on up to GOMAXPROCS goroutines over their own
// parts of a, then each bucket is sorted by radixSort on its remaining
// bits, in cache, and copied back to a, the buckets split among the
// goroutines. Where radixSort passes over all of a once per 11-bit digit
// (4 passes at 36 bits), scattering each value to one of 2048 places in
// memory, this passes over memory twice; the buckets' passes run in
// cache. It allocates 2^bucketBits counters per goroutine.
func sortKeys(a, scratch []uint64, nbits int) {
	if len(a) < 2 {
		return
	}
	if len(a) < sortMinParallel || nbits <= bucketBits+radixDigit {
		radixSort(a, scratch, nbits)
		return
	}
	shift := nbits - bucketBits
	g := max(1, min(runtime.GOMAXPROCS(0), len(a)/sortMinParallel))
	part := func(t int) []uint64 { return a[t*len(a)/g : (t+1)*len(a)/g] }
	counts := make([][1 << bucketBits]int, g)
	parallelRanges(g, g*csrParallelMin, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			c := &counts[t]
			for _, v := range part(t) {
				c[v>>shift]++
			}
		}
	})
	// Bucket b of part t starts after the buckets before b (of every
	// part) and bucket b of the parts before t.
	var start [1<<bucketBits + 1]int
	pos := 0
	for b := range 1 << bucketBits {
		start[b] = pos
		for t := range g {
			c := counts[t][b]
			counts[t][b] = pos
			pos += c
		}
	}
	start[1<<bucketBits] = pos
	parallelRanges(g, g*csrParallelMin, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			next := &counts[t]
			for _, v := range part(t) {
				b := v >> shift
				scratch[next[b]] = v
				next[b]++
			}
		}
	})
	parallelRanges(1<<bucketBits, len(a), func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			lo, hi := start[b], start[b+1]
			if hi-lo > 1 {
				radixSort(scratch[lo:hi], a[lo:hi], shift)
			}
			copy(a[lo:hi], scratch[lo:hi])
		}
	})
}

// radixDigit is the width in bits of radixSort's digits: 2048 counters,
// 16 KiB, in a core's L1 cache.
const radixDigit = 11

// radixSort sorts a (values below 2^nbits) increasingly by least
// significant digit first, using scratch (len(a)) as the other buffer; the
// result ends in a.
func radixSort(a, scratch []uint64, nbits int) {
	var count [1 << radixDigit]int
	src, dst := a, scratch
	for shift := 0; shift < nbits; shift += radixDigit {
		clear(count[:])
		for _, v := range src {
			count[(v>>shift)&(1<<radixDigit-1)]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, v := range src {
			d := (v >> shift) & (1<<radixDigit - 1)
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}

// dedupSorted removes repeats from the sorted a in place and returns the
// distinct values, a prefix of a.
func dedupSorted(a []uint64) []uint64 {
	if len(a) == 0 {
		return a
	}
	w := 1
	for _, v := range a[1:] {
		if v != a[w-1] {
			a[w] = v
			w++
		}
	}
	return a[:w]
}

// mergeUnion merges the sorted distinct keys[:have] and
// keys[have:have+nb] into keys[:m] without repeats and returns m. scratch
// holds at least nb values.
func mergeUnion(keys []uint64, have, nb int, scratch []uint64) int {
	if have == 0 {
		return nb
	}
	b := scratch[:nb]
	copy(b, keys[have:have+nb])
	ia, ib, w := have-1, nb-1, have+nb-1
	for ib >= 0 {
		switch {
		case ia >= 0 && keys[ia] > b[ib]:
			keys[w] = keys[ia]
			ia--
		case ia >= 0 && keys[ia] == b[ib]:
			keys[w] = b[ib]
			ia--
			ib--
		default:
			keys[w] = b[ib]
			ib--
		}
		w--
	}
	// keys[:ia+1] are in place; the merged tail starts at w+1.
	if gap := w - ia; gap > 0 {
		copy(keys[ia+1:], keys[w+1:have+nb])
	}
	return have + nb - (w - ia)
}
