package energy

import (
	"fmt"
	"math"
	"strconv"
)

// DefaultWattsPerCore is the power Model assumes for one busy core, in
// watts, when Model.WattsPerCore is 0.
//
// It is an assumption, not a measurement: a package's rated power divided
// by its core count, rounded up to leave a share for uncore and memory.
// Server parts give 4 to 7 W per core at full load (AMD EPYC 7763: 280 W
// over 64 cores; Intel Xeon Platinum 8380: 270 W over 40 cores), desktop
// parts about 10 W (Intel Core i9-13900K: 253 W over 24 cores). 10 W is a
// round figure at the upper end, so that a modelled energy errs high rather
// than flattering a method. Set Model.WattsPerCore from a RAPL measurement
// of a similar machine when one is available.
const DefaultWattsPerCore = 10

// Model estimates energy from CPU time when no energy counter can be read:
//
//	joules = WattsPerCore x CPU seconds
//
// It ignores idle and uncore power, memory and other processes, all of
// which RAPL counts; its figures are labelled "model" (see Reading.Unit)
// and are never to be reported as measured.
type Model struct {
	// WattsPerCore is the power of one busy core in watts; 0 means
	// DefaultWattsPerCore. It must be finite and not negative.
	WattsPerCore float64
}

// Watts returns m.WattsPerCore, or DefaultWattsPerCore when that is 0.
func (m Model) Watts() float64 {
	if m.WattsPerCore == 0 {
		return DefaultWattsPerCore
	}
	return m.WattsPerCore
}

// Validate returns an error naming the value when WattsPerCore is
// negative, NaN or infinite. Check a figure taken from a flag or file with
// it before passing the Model to NewMeter, which panics on such values.
func (m Model) Validate() error {
	w := m.WattsPerCore
	if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return fmt.Errorf("energy: watts per core = %v: want a finite value >= 0 (0 means the default, %d W)", w, DefaultWattsPerCore)
	}
	return nil
}

// Joules returns the modelled energy of cpuSeconds seconds of CPU time
// (user plus system, summed over threads, as from CPUSeconds):
// m.Watts() x cpuSeconds.
func (m Model) Joules(cpuSeconds float64) float64 {
	return m.Watts() * cpuSeconds
}

// Source describes the model for Reading.Source, e.g.
// "model: 10 W/core x cpu seconds".
func (m Model) Source() string {
	return "model: " + strconv.FormatFloat(m.Watts(), 'g', -1, 64) + " W/core x cpu seconds"
}
