package trainer

import (
	"fmt"
	"runtime"

	"github.com/lowdim/lowdim/calibrate"
)

// SampledLimit is the least time per observed entry that the fused sampled
// pass of a SampledMC could take on a calibrated machine (calibrate): the
// largest of three times, each the work of one entry over the machine's
// rate for it.
//
//	flops   6 h flops (the residual's dot product and the two
//	        sparse-dense products' updates, SampledFlops / |O|) at the
//	        calibrated dgemm peak;
//	gather  24 h bytes (the entry's [B^T | C] row of 2h floats read, its C
//	        half written back) at the gather bandwidth of the memory level
//	        that holds the panels the shares run at once (min(GOMAXPROCS,
//	        shares) panel slices of 16 h bytes a column);
//	stream  what the pass reads in order, per entry: the column and value
//	        (12 bytes), the rows of A and of the gradient once per
//	        (panel, row) with entries (24 h bytes each), and per step each
//	        share's fill of its buffer (16 h bytes a column) and the
//	        reduction of the C halves (8 h bytes a column per share), at
//	        the stream bandwidth of the level that holds all of it.
//
// The gather bandwidth, not the stream one, is the right one for the rows
// of B^T and C: the pass takes them at the random columns of the observed
// entries, a few per row of a panel, which no prefetcher foresees. The
// inner layers' products at width h (O((rows + cols) h^2) flops a step)
// are left out: below 1% of a step at the benchmark's sizes.
type SampledLimit struct {
	// NsPerEntry is the limit, the largest of FlopNs, GatherNs and
	// StreamNs (ns per observed entry).
	NsPerEntry, FlopNs, GatherNs, StreamNs float64
	// GatherLevel and StreamLevel name the calibrated levels used
	// (calibrate.LevelL1 ... calibrate.LevelDRAM); GatherBytes is the
	// working set of the panels run at once.
	GatherLevel, StreamLevel string
	GatherBytes              int64
}

// Limit returns the limit of s's fused pass on the machine of cal at the
// current GOMAXPROCS. It returns an error when cal has no memory levels
// (stored by a lowdim calibrate before they were measured) or no peak.
func (s *SampledMC) Limit(cal calibrate.Calibration) (SampledLimit, error) {
	c := s.core
	if len(cal.Levels) == 0 {
		return SampledLimit{}, fmt.Errorf("trainer: the calibration of %s has no memory levels: run lowdim calibrate again", cal.Date)
	}
	if !(cal.PeakGFLOPS > 0) {
		return SampledLimit{}, fmt.Errorf("trainer: the calibration of %s has no dgemm peak", cal.Date)
	}
	h := float64(c.h)
	n := float64(c.observed)
	_, cols := c.net.Dims()
	shares := len(c.split) - 1
	running := min(runtime.GOMAXPROCS(0), shares)
	var l SampledLimit
	l.FlopNs = 6 * h / cal.PeakGFLOPS
	l.GatherBytes = int64(running) * int64(c.pw) * 16 * int64(c.h)
	gl, _ := cal.LevelFor(l.GatherBytes)
	l.GatherLevel = gl.Name
	l.GatherNs = 24 * h / gl.GatherGBps
	perStep := float64(shares) * float64(cols) * 24 * h
	stream := 12*n + float64(c.segments)*24*h + perStep
	footprint := int64(12*n) + int64(c.rows)*16*int64(c.h) + int64(shares)*int64(cols)*16*int64(c.h)
	sl, _ := cal.LevelFor(footprint)
	l.StreamLevel = sl.Name
	l.StreamNs = stream / n / sl.StreamGBps
	l.NsPerEntry = max(l.FlopNs, l.GatherNs, l.StreamNs)
	return l, nil
}
