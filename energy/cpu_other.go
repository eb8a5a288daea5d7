//go:build !unix

package energy

import "math"

// CPUSeconds is not available without getrusage: it returns NaN (see
// cpu_unix.go).
func CPUSeconds() float64 { return math.NaN() }
