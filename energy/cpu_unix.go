//go:build unix

package energy

import (
	"math"
	"syscall"
)

// CPUSeconds returns the CPU time this process has used so far, user plus
// system, summed over all its threads, in seconds (getrusage(RUSAGE_SELF)).
// It returns NaN if getrusage fails, and on systems without it
// (cpu_other.go), so that a modelled energy is NaN rather than a plausible 0.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
