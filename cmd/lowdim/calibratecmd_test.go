package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/machine"
)

func TestCalibrateExitCodes(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // never the real cache
	malformed := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(malformed, []byte("{not json"), 0o644))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"-h"}, exitOK, "Usage: lowdim calibrate"},
		{"bad flag", []string{"--frobnicate"}, exitUsage, "flag provided but not defined: --frobnicate"},
		{"argument", []string{"now"}, exitUsage, `unexpected argument "now"`},
		{"bad size", []string{"--sizes", "64,x"}, exitUsage, `invalid --sizes 64,x: "x" is not an integer size`},
		{"zero size", []string{"--sizes", "0"}, exitUsage, `invalid --sizes 0: size 0 is below 1`},
		{"empty sizes", []string{"--sizes", ","}, exitUsage, `invalid --sizes ",": an empty list`},
		{"reps", []string{"--reps", "0"}, exitUsage, "invalid --reps 0: must be in 1..1000"},
		{"triad", []string{"--triad-mb", "-1"}, exitUsage, "invalid --triad-mb -1: must be in 1..4096"},
		{"show nothing stored", []string{"--show"}, exitUsage, "calibration-" + machine.BLASBackend + ".json does not exist"},
		{"show malformed", []string{"--show", "--out", malformed}, exitUsage, malformed + ": malformed calibration"},
		{"out folder missing", []string{"--sizes", "8", "--reps", "1", "--triad-mb", "1", "--out", filepath.Join(t.TempDir(), "none", "c.json")}, exitUsage, "its folder"},
		{"unwritable out", []string{"--sizes", "8", "--reps", "1", "--triad-mb", "1", "--out", filepath.Join(malformed, "x.json")}, exitUsage, "invalid --out " + filepath.Join(malformed, "x.json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"calibrate"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}

// TestCalibrateQuick measures a tiny calibration, stores it and shows it.
// It runs in the last pass of make test only: what it checks is the
// command (its output, the file it writes, --show), which each backend
// exercises alike; calibrate's own tests (TestMeasureTiny) measure with
// each backend in every pass. Most of its time is the memory levels'
// fixed samples, the same under every backend.
func TestCalibrateQuick(t *testing.T) {
	testenv.LastPassOnly(t, "the calibrate command's output, file and --show")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run([]string{"calibrate", "--sizes", "16,32", "--reps", "1", "--triad-mb", "1"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	for _, s := range []string{"backend  " + machine.BLASBackend, "dgemm n=16", "dgemm n=32", "dgemm peak", "GB/s", "written to"} {
		assert.Contains(t, stdout.String(), s)
	}
	assert.Contains(t, stderr.String(), "triad:")
	c, err := calibrate.Load(machine.BLASBackend)
	require.NoError(t, err)
	require.Len(t, c.Dgemm, 2)
	assert.Positive(t, c.PeakGFLOPS)
	assert.Positive(t, c.TriadGBps)

	stdout.Reset()
	code = run([]string{"calibrate", "--show"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "dgemm n=32")
	require.Len(t, c.Levels, 4)
	for _, l := range c.Levels { // --show prints the memory levels the sampled step's limit reads
		assert.Contains(t, stdout.String(), l.Name+" stream (")
		assert.Contains(t, stdout.String(), l.Name+" gather (")
	}
	assert.NotContains(t, stdout.String(), "no memory levels")
}
