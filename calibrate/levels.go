package calibrate

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Memory levels. Measure times two access patterns at four working sets,
// each run by GOMAXPROCS goroutines on arrays of their own (a level's
// working set is the total over the goroutines):
//
//   - stream: a walk over the array in order, one float64 read per
//     64-byte line (the whole line counted), the access of a kernel that
//     walks its data;
//   - gather: rows of GatherRowFloats float64s at random row indices (a
//     fixed sequence drawn once), each 64-byte line of the row read and
//     each line of its second half written (gatherRow): 3/2 x 8
//     GatherRowFloats bytes counted per row (the row read, its second half
//     written back).
//     This is the access of the sampled completion pass
//     (trainer.SampledMC), which gathers the interleaved [B^T | C] row of
//     each observed entry's column at random and updates its C half; at
//     r_hat = 20 a row is 40 floats, which GatherRowFloats is.
//
// The working sets are fixed, not read from the machine (a virtual CPU
// often misreports its caches): LevelL1 16 KiB per goroutine, LevelL2
// 256 KiB per goroutine, LevelL3 8 MiB in all, LevelDRAM Options.DRAMBytes
// (512 MiB) in all:
// half of a level's capacity on current x86 and arm64 servers (L1d of at
// least 32 KiB, L2 of at least 512 KiB per core, an L3 of at least 16 MiB
// shared), so that each set lives in its level. Fits is the largest
// working set (in all, over the goroutines) that a caller should take to
// live in a level: twice the measured one, unbounded for DRAM.
const (
	LevelL1   = "L1"
	LevelL2   = "L2"
	LevelL3   = "L3"
	LevelDRAM = "DRAM"
)

// GatherRowFloats is the row length of the gather measurement in float64s:
// the sampled pass's [B^T | C] row at r_hat = 20 (320 bytes).
const GatherRowFloats = 40

// Level is the bandwidth of one memory level.
type Level struct {
	// Name is LevelL1, LevelL2, LevelL3 or LevelDRAM.
	Name string `json:"name"`
	// WorkingSetBytes is the measured working set, in all over Threads
	// goroutines; FitsBytes the largest a caller takes to live in the
	// level (0: unbounded).
	WorkingSetBytes int64 `json:"working_set_bytes"`
	FitsBytes       int64 `json:"fits_bytes"`
	Threads         int   `json:"threads"`
	// StreamGBps is the in-order read bandwidth, GatherGBps the random
	// row gather-and-update bandwidth (see the package's memory levels),
	// both in GB/s (10^9 bytes per second), best of their samples.
	StreamGBps float64 `json:"stream_gbps"`
	GatherGBps float64 `json:"gather_gbps"`
}

// levelSets returns the working sets of the levels in all, for threads
// goroutines: L1 and L2 per goroutine, L3 and DRAM (dram bytes) shared.
func levelSets(threads int, dram int64) []Level {
	t := int64(threads)
	return []Level{
		{Name: LevelL1, WorkingSetBytes: t * 16 << 10, FitsBytes: t * 32 << 10},
		{Name: LevelL2, WorkingSetBytes: t * 256 << 10, FitsBytes: t * 512 << 10},
		{Name: LevelL3, WorkingSetBytes: 8 << 20, FitsBytes: 16 << 20},
		{Name: LevelDRAM, WorkingSetBytes: dram},
	}
}

// levelsBytes is the memory the level measurements allocate at most: the
// DRAM working set and its row indices.
func levelsBytes(dram int64) uint64 { return uint64(dram + dram/(8*GatherRowFloats)*4) }

// Level returns the calibrated level named name and whether there is one.
func (c Calibration) Level(name string) (Level, bool) {
	for _, l := range c.Levels {
		if l.Name == name {
			return l, true
		}
	}
	return Level{}, false
}

// LevelFor returns the smallest calibrated level that holds a working set
// of bytes (in all, over the goroutines that share it): the first whose
// FitsBytes is at least bytes, or DRAM. It reports false when the
// calibration has no levels (one stored before they were measured).
func (c Calibration) LevelFor(bytes int64) (Level, bool) {
	for _, l := range c.Levels {
		if l.FitsBytes == 0 || bytes <= l.FitsBytes {
			return l, true
		}
	}
	return Level{}, false
}

// measureLevels measures every level with GOMAXPROCS goroutines.
func measureLevels(o Options) ([]Level, error) {
	threads := runtime.GOMAXPROCS(0)
	levels := levelSets(threads, o.DRAMBytes)
	for i := range levels {
		if o.stopped() {
			return nil, ErrInterrupted
		}
		l := &levels[i]
		l.Threads = threads
		per := int(l.WorkingSetBytes / int64(threads) / 8)
		per -= per % GatherRowFloats
		arrays := make([][]float64, threads)
		idx := make([][]uint32, threads)
		for t := range arrays {
			arrays[t] = make([]float64, per)
			for k := range arrays[t] {
				arrays[t][k] = 1
			}
			rows := per / GatherRowFloats
			rng := rand.New(rand.NewPCG(uint64(t), uint64(per)))
			idx[t] = make([]uint32, rows)
			for k := range idx[t] {
				idx[t][k] = uint32(rng.IntN(rows))
			}
		}
		// At least 64 MiB of traffic per call, so that small sets are
		// timed over many passes. Rows start on 64-byte lines: the arrays
		// are page-aligned large allocations and a row is five lines.
		passes := max(1, int((64<<20)/l.WorkingSetBytes))
		sink := make([]float64, threads)
		parallel := func(f func(t int)) {
			var wg sync.WaitGroup
			for t := range threads {
				wg.Add(1)
				go func() { defer wg.Done(); f(t) }()
			}
			wg.Wait()
		}
		stream := func() {
			parallel(func(t int) {
				x := arrays[t]
				var s0, s1, s2, s3 float64
				for range passes {
					for k := 0; k+31 < len(x); k += 32 {
						s0 += x[k]
						s1 += x[k+8]
						s2 += x[k+16]
						s3 += x[k+24]
					}
				}
				sink[t] = s0 + s1 + s2 + s3
			})
		}
		gather := func() {
			parallel(func(t int) {
				x, ix := arrays[t], idx[t]
				for range passes {
					for _, j := range ix {
						gatherRow(x[int(j)*GatherRowFloats : int(j)*GatherRowFloats+GatherRowFloats])
					}
				}
			})
		}
		bytes := float64(passes) * float64(per) * 8 * float64(threads)
		sec, _ := best(stream, o.TriadReps, o.MinSample, o.Budget, o.stopped)
		l.StreamGBps = bytes / sec / 1e9
		sec, _ = best(gather, o.TriadReps, o.MinSample, o.Budget, o.stopped)
		l.GatherGBps = 1.5 * bytes / sec / 1e9
		if o.Log != nil {
			fmt.Fprintf(o.Log, "%s (%d KiB in all, %d goroutines): stream %.3g GB/s, gather %.3g GB/s\n",
				l.Name, l.WorkingSetBytes>>10, threads, l.StreamGBps, l.GatherGBps)
		}
	}
	if o.stopped() {
		return nil, ErrInterrupted
	}
	return levels, nil
}

// gatherRow reads one float64 of each 64-byte line of row (40 floats, five
// lines) and adds it to one float64 of each line of its second half, so
// that every line is moved and the C half's lines written back while the
// core does next to no arithmetic (a measurement of the memory, not of the
// loop); the scale 1/1024 keeps repeated passes finite.
func gatherRow(row []float64) {
	row = row[:GatherRowFloats]
	a, b, c, d, e := row[0], row[8], row[16], row[24], row[32]
	row[20] += (a + b) * (1.0 / 1024)
	row[24] = d + (c+e)*(1.0/1024)
	row[32] = e + a*(1.0/1024)
}
