package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/machine"
)

// TestBenchWarnsCalibrationBelowMeasured: a stored calibration whose peak is
// below what the bench measures (peak-frac above 1) draws one warning line
// naming the calibration file and its date and saying to recalibrate; a
// calibration far above it draws none.
func TestBenchWarnsCalibrationBelowMeasured(t *testing.T) {
	for _, tc := range []struct {
		name string
		peak float64 // GFLOP/s
		warn bool
	}{{"stale", 1e-6, true}, {"fitting", 1e9, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			path, err := calibrate.DefaultPath(machine.BLASBackend)
			require.NoError(t, err)
			const date = "2020-01-02T03:04:05Z"
			cal := calibrate.Calibration{Date: date, Backend: machine.BLASBackend, PeakGFLOPS: tc.peak, TriadGBps: tc.peak}
			require.NoError(t, cal.Save(path))
			out := filepath.Join(t.TempDir(), "x.bench")
			code, _, stderr := lowdim(t, "bench", "--filter", oneBenchCase, "--count", "2", "--benchtime", "2x", "--out", out)
			require.Equal(t, exitOK, code, stderr)
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Contains(t, string(b), "peak-frac", "the results carry peak-frac")
			var warnings []string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.Contains(l, "rerun lowdim calibrate") {
					warnings = append(warnings, l)
				}
			}
			if !tc.warn {
				require.Empty(t, warnings, stderr)
				return
			}
			require.Len(t, warnings, 1, "one line for all results:\n%s", stderr)
			w := warnings[0]
			require.Contains(t, w, "peak-frac or limit-frac above 1 in 2 results")
			require.Contains(t, w, "the calibration "+path+" of "+date+" has a peak below what was just measured (stale, or made under load)")
		})
	}
}
