package calibrate

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/machine"
)

// tiny is a calibration small enough for a test: n = 64, 1 MiB arrays.
var tiny = Options{Sizes: []int{16, 64}, Reps: 2, MinSample: 5 * time.Millisecond, Budget: time.Second, TriadBytes: 1 << 20, TriadReps: 3, DRAMBytes: 1 << 20}

func TestMeasureTiny(t *testing.T) {
	c, err := Measure(tiny)
	require.NoError(t, err)
	t.Logf("%+v", c)
	require.Len(t, c.Dgemm, 2)
	for i, r := range c.Dgemm {
		assert.Equal(t, tiny.Sizes[i], r.N)
		assert.True(t, positive(r.GFLOPS), "n=%d: %v GFLOP/s", r.N, r.GFLOPS)
		assert.True(t, positive(r.Seconds))
		assert.GreaterOrEqual(t, r.Samples, 1)
		assert.LessOrEqual(t, r.GFLOPS, c.PeakGFLOPS)
	}
	assert.Equal(t, max(c.Dgemm[0].GFLOPS, c.Dgemm[1].GFLOPS), c.PeakGFLOPS)
	assert.True(t, positive(c.TriadGBps), "%v GB/s", c.TriadGBps)
	assert.Equal(t, int64(1<<20), c.TriadBytes)
	assert.Positive(t, c.TriadThreads)
	assert.Equal(t, machine.BLASBackend, c.Backend)
	assert.NotEmpty(t, c.BackendDetail)
	assert.Equal(t, machine.BLASBackend, c.Machine.BLAS)
	require.Len(t, c.Levels, 4)
	for i, name := range []string{LevelL1, LevelL2, LevelL3, LevelDRAM} {
		l := c.Levels[i]
		assert.Equal(t, name, l.Name)
		assert.True(t, positive(l.StreamGBps), "%s stream %v GB/s", name, l.StreamGBps)
		assert.True(t, positive(l.GatherGBps), "%s gather %v GB/s", name, l.GatherGBps)
		assert.Positive(t, l.WorkingSetBytes)
		assert.Positive(t, l.Threads)
	}
	assert.Equal(t, int64(1<<20), c.Levels[3].WorkingSetBytes)
	assert.Zero(t, c.Levels[3].FitsBytes, "DRAM holds any working set")
	_, err = time.Parse(time.RFC3339, c.Date)
	assert.NoError(t, err)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"defaults", Options{}, ""},
		{"zero size", Options{Sizes: []int{64, 0}}, "calibrate: size 0, want at least 1"},
		{"reps", Options{Reps: -1}, "calibrate: -1 repetitions, want at least 1"},
		{"triad reps", Options{TriadReps: -2}, "calibrate: -2 triad repetitions, want at least 1"},
		{"triad bytes", Options{TriadBytes: 4}, "calibrate: triad arrays of 4 bytes, want at least 8"},
		{"budget", Options{Budget: -time.Second}, "calibrate: budget -1s, want positive"},
		{"dram bytes", Options{DRAMBytes: 4096}, "calibrate: DRAM working set of 4096 bytes, want at least 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

// sample is a calibration with round figures.
func sample() Calibration {
	return Calibration{
		Date:          "2026-01-02T03:04:05Z",
		Machine:       machine.Fingerprint{CPUModel: "Test CPU", Cores: 2, GOMAXPROCS: 2, BLAS: "openblas"},
		Backend:       "openblas",
		BackendDetail: "OpenBLAS 0.3.21; core Zen; 2 threads",
		Dgemm: []Rate{
			{N: 256, GFLOPS: 100, Seconds: 0.000335, Samples: 5},
			{N: 1024, GFLOPS: 150, Seconds: 0.0143, Samples: 5},
		},
		PeakGFLOPS:   150,
		TriadGBps:    12.5,
		TriadBytes:   64 << 20,
		TriadThreads: 2,
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	want := sample()
	path, err := DefaultPath(want.Backend)
	require.NoError(t, err)
	require.Equal(t, "calibration-openblas.json", filepath.Base(path))
	require.NoError(t, want.Save(path)) // creates the lowdim folder
	got, err := Load("openblas")
	require.NoError(t, err)
	assert.Equal(t, want, got)
	got, err = LoadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestLoadErrors(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	path, err := DefaultPath("gonum")
	require.NoError(t, err)

	_, err = Load("gonum")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoCalibration)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "lowdim calibrate")

	write := func(s string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
	}
	tests := []struct {
		name, content, want string
	}{
		{"truncated JSON", `{"backend": "gonum", "peak_gf`, "malformed calibration: unexpected end of JSON input"},
		{"not JSON", "peak 12 GFLOP/s\n", "malformed calibration: invalid character"},
		{"wrong type", `{"backend": "gonum", "peak_gflops": "fast"}`, "malformed calibration: json: cannot unmarshal"},
		{"no backend", `{"peak_gflops": 10, "triad_gbps": 5}`, "malformed calibration: no backend"},
		{"no peak", `{"backend": "gonum", "triad_gbps": 5}`, "malformed calibration: peak_gflops = 0, want a positive number"},
		{"negative triad", `{"backend": "gonum", "peak_gflops": 10, "triad_gbps": -1}`, "malformed calibration: triad_gbps = -1, want a positive number"},
		{"other backend", `{"backend": "openblas", "peak_gflops": 10, "triad_gbps": 5}`, `calibration of backend "openblas", want "gonum"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(tt.content)
			_, err := Load("gonum")
			require.Error(t, err)
			assert.Contains(t, err.Error(), path, "the error names the file")
			assert.Contains(t, err.Error(), tt.want)
			assert.False(t, errors.Is(err, ErrNoCalibration))
		})
	}
	_, err = LoadFile(filepath.Join(t.TempDir(), "absent.json"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "absent.json")
}

func TestFractions(t *testing.T) {
	c := sample()
	// 75 of a 150 GFLOP/s peak; 5 of 12.5 GB/s.
	assert.Equal(t, 0.5, c.Fraction(75))
	assert.Equal(t, 0.4, c.BandwidthFraction(5))
	var zero Calibration
	assert.True(t, math.IsNaN(zero.Fraction(1)))
	assert.True(t, math.IsNaN(zero.BandwidthFraction(1)))
}

// TestBest: a call slower than the budget is timed once, as its own
// warm-up; short calls are batched until a batch lasts minSample.
func TestBest(t *testing.T) {
	calls := 0
	sec, samples := best(func() { calls++; time.Sleep(20 * time.Millisecond) }, 5, time.Millisecond, time.Millisecond, never)
	assert.Equal(t, 1, samples)
	assert.Equal(t, 1, calls)
	assert.GreaterOrEqual(t, sec, 0.02)

	calls = 0
	sec, samples = best(func() { calls++; time.Sleep(10 * time.Millisecond) }, 2, 25*time.Millisecond, time.Minute, never)
	assert.Equal(t, 2, samples)
	// Warm-up, then two samples: a batch of 1 is too short on an idle
	// machine (10 ms < 25 ms) and batches of 3 follow (8 calls); under
	// load one sleep can already last 25 ms, so only the warm-up and one
	// call per sample are certain.
	assert.GreaterOrEqual(t, calls, 1+2)
	assert.GreaterOrEqual(t, sec, 0.01)

	calls = 0
	_, samples = best(func() { calls++ }, 3, 2*time.Millisecond, time.Minute, never)
	assert.Equal(t, 3, samples)
	assert.Greater(t, calls, 100, "batches of many calls")
}

// never is best's stop when nothing interrupts.
func never() bool { return false }

// TestMeasureInterrupted: a closed Interrupt stops Measure with
// ErrInterrupted and no calibration; best starts no batch once stopped.
func TestMeasureInterrupted(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	c, err := Measure(Options{Sizes: []int{8}, Reps: 1, TriadBytes: 1 << 10, Interrupt: stop})
	require.ErrorIs(t, err, ErrInterrupted)
	require.Empty(t, c.Dgemm)

	calls := 0
	_, samples := best(func() { calls++ }, 3, time.Millisecond, time.Minute, func() bool { return true })
	assert.Equal(t, 0, samples)
	assert.Equal(t, 1, calls, "the warm-up call only")
}

// TestLevelFor: a working set goes to the smallest level that holds it,
// DRAM beyond the others; a calibration without levels has none.
func TestLevelFor(t *testing.T) {
	c := Calibration{Levels: levelSets(2, 512<<20)}
	for _, tt := range []struct {
		bytes int64
		want  string
	}{{1, LevelL1}, {64 << 10, LevelL1}, {64<<10 + 1, LevelL2}, {1 << 20, LevelL2}, {1<<20 + 1, LevelL3}, {16 << 20, LevelL3}, {16<<20 + 1, LevelDRAM}, {1 << 40, LevelDRAM}} {
		l, ok := c.LevelFor(tt.bytes)
		require.True(t, ok)
		assert.Equal(t, tt.want, l.Name, "%d bytes", tt.bytes)
	}
	_, ok := Calibration{}.LevelFor(1)
	assert.False(t, ok)
	l, ok := c.Level(LevelL3)
	assert.True(t, ok)
	assert.Equal(t, int64(8<<20), l.WorkingSetBytes)
}
