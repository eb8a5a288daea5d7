package energy

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// busy spins until this process has used at least seconds of CPU time
// since the call, and returns the CPU seconds it measured.
func busy(seconds float64) float64 {
	start := CPUSeconds()
	x := 1.0
	for CPUSeconds()-start < seconds {
		for i := 0; i < 10000; i++ {
			x = math.Sqrt(x + 1)
		}
	}
	sink = x
	return CPUSeconds() - start
}

var sink float64

func TestReadingUnit(t *testing.T) {
	tests := []struct {
		name string
		r    Reading
		want string
	}{
		{"measured", Reading{Joules: 1, Measured: true, Source: "rapl:package-0"}, "energy-J/op"},
		{"modelled", Reading{Joules: 1, Source: "model: 10 W/core x cpu seconds"}, "model-J/op"},
		{"zero", Reading{}, "model-J/op"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.r.Unit()
			assert.Equal(t, tt.want, u)
			// benchfmt tooling reads units containing these as time and
			// bytes.
			assert.NotContains(t, u, "ns")
			assert.NotContains(t, u, "MB")
		})
	}
}

func TestMeterModel(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "powercap")
	tests := []struct {
		name       string
		meter      func() *Meter
		watts      float64
		wantSource string
		wantWhy    string
	}{
		{
			name:       "no powercap tree, default model",
			meter:      func() *Meter { return NewMeter(missing, Model{}) },
			watts:      DefaultWattsPerCore,
			wantSource: "model: 10 W/core x cpu seconds",
			wantWhy:    "energy: no RAPL counters under " + missing,
		},
		{
			name:       "no powercap tree, 4.5 W per core",
			meter:      func() *Meter { return NewMeter(missing, Model{WattsPerCore: 4.5}) },
			watts:      4.5,
			wantSource: "model: 4.5 W/core x cpu seconds",
			wantWhy:    "energy: no RAPL counters under " + missing,
		},
		{
			name: "subzones only",
			meter: func() *Meter {
				root := t.TempDir()
				writeTree(t, root, zoneFiles("intel-rapl:0:0", "core", 1, pkgRange))
				return NewMeter(root, Model{})
			},
			watts:      DefaultWattsPerCore,
			wantSource: "model: 10 W/core x cpu seconds",
			wantWhy:    "no package-level RAPL domain",
		},
		{
			name:       "zero Meter",
			meter:      func() *Meter { return new(Meter) },
			watts:      DefaultWattsPerCore,
			wantSource: "model: 10 W/core x cpu seconds",
			wantWhy:    "not made by NewMeter",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.meter()
			assert.Contains(t, m.Why(), tt.wantWhy)
			before := CPUSeconds()
			m.Start()
			// The Meter's CPU interval contains busy's, which is at least
			// 20 ms, and lies within [before, after].
			used := busy(0.02)
			r := m.Stop()
			after := CPUSeconds()
			assert.False(t, r.Measured)
			assert.Equal(t, "model-J/op", r.Unit())
			assert.Equal(t, tt.wantSource, r.Source)
			assert.GreaterOrEqual(t, r.Joules, tt.watts*used)
			assert.LessOrEqual(t, r.Joules, tt.watts*(after-before))
		})
	}
}

// TestMeterRAPL runs a Meter on a fake two-package tree whose counters
// the test moves.
func TestMeterRAPL(t *testing.T) {
	setCounters := func(t *testing.T, root string, pkg0, pkg1, dram0 uint64) {
		writeTree(t, root, map[string]string{
			"intel-rapl:0/energy_uj":   uintString(pkg0),
			"intel-rapl:1/energy_uj":   uintString(pkg1),
			"intel-rapl:0:1/energy_uj": uintString(dram0),
		})
	}
	newMeter := func(t *testing.T) (*Meter, string) {
		root := t.TempDir()
		writeTree(t, root, twoPackages())
		m := NewMeter(root, Model{})
		require.Empty(t, m.Why())
		m.interval = time.Hour // polls are made by hand below
		return m, root
	}

	t.Run("one interval", func(t *testing.T) {
		m, root := newMeter(t)
		setCounters(t, root, 10_000_000, 20_000_000, 0)
		m.Start()
		// package-0 +3 J, package-1 +4.25 J; the dram subzone's +9 J is
		// inside package-0 and not added.
		setCounters(t, root, 13_000_000, 24_250_000, 9_000_000)
		r := m.Stop()
		assert.True(t, r.Measured)
		assert.Equal(t, "energy-J/op", r.Unit())
		assert.Equal(t, "rapl:package-0+package-1", r.Source)
		assert.InDelta(t, 7.25, r.Joules, jouleTol)
	})

	t.Run("two wraps caught by polls", func(t *testing.T) {
		m, root := newMeter(t)
		const top = pkgRange - 1_000_000 // 1 J below the wrap
		setCounters(t, root, top, 0, 0)
		m.Start()
		// Wrap (1 J up to the wrap + 0.5 J after it), poll, climb from
		// 500000 back to top (262142328850 - 500000 µJ = 262141.82885 J),
		// poll, wrap again to 2000000 (1 J + 2 J). A single difference
		// top -> 2000000 would have seen 3 J in all. package-1 is
		// unchanged throughout.
		setCounters(t, root, 500_000, 0, 0)
		m.poll()
		setCounters(t, root, top, 0, 0)
		m.poll()
		setCounters(t, root, 2_000_000, 0, 0)
		r := m.Stop()
		assert.True(t, r.Measured)
		assert.InDelta(t, 1.5+262141.82885+3, r.Joules, jouleTol)
	})

	t.Run("background poller", func(t *testing.T) {
		// A counter that wraps and then climbs back above its value at
		// Start is seen by Stop's single difference as the small step
		// from top to top+250000 µJ (0.25 J); only a read in between,
		// which nothing but the poller makes here, accounts for the wrap:
		// (pkgRange - top) + 500000 µJ up to the read (1.5 J), then
		// top + 250000 - 500000 µJ after it, in all pkgRange + 250000 µJ
		// = 262143.57885 J. package-1 is unchanged.
		m, root := newMeter(t)
		m.interval = time.Millisecond
		const top = pkgRange - 1_000_000
		setCounters(t, root, top, 2_000_000, 0)
		m.Start()
		setCounters(t, root, 500_000, 2_000_000, 0)
		waitForPoll(t, m, 500_000)
		setCounters(t, root, top+250_000, 2_000_000, 0)
		r := m.Stop()
		assert.True(t, r.Measured)
		assert.InDelta(t, (pkgRange+250_000)/1e6, r.Joules, jouleTol)
	})

	t.Run("restart discards the measurement in progress", func(t *testing.T) {
		m, root := newMeter(t)
		m.Start()
		setCounters(t, root, 5_000_000, 2_000_000, 0)
		m.Start()
		setCounters(t, root, 6_000_000, 2_000_000, 0)
		assert.InDelta(t, 1.0, m.Stop().Joules, jouleTol)
	})

	t.Run("read failing mid-run falls back to the model", func(t *testing.T) {
		m, root := newMeter(t)
		m.Start()
		writeTree(t, root, map[string]string{"intel-rapl:1/energy_uj": "garbage\n"})
		r := m.Stop()
		assert.False(t, r.Measured)
		assert.Equal(t, "model-J/op", r.Unit())
		assert.Equal(t, "model: 10 W/core x cpu seconds", r.Source)
		assert.Contains(t, m.Why(), filepath.Join(root, "intel-rapl:1", "energy_uj")+` holds "garbage"`)
		// The Meter stays on the model even once the counter is readable.
		writeTree(t, root, map[string]string{"intel-rapl:1/energy_uj": "2000000\n"})
		m.Start()
		assert.False(t, m.Stop().Measured)
	})
}

// pollWait bounds how long waitForPoll waits for the poller, only so that
// a poller that never runs fails the test with a message rather than
// hanging it until go test's timeout. It is 60000 poll intervals of the
// test's Meter: no assertion about speed.
const pollWait = time.Minute

// waitForPoll waits until the running Meter m's poller has read
// package-0's counter (the first domain) at uj, which the test wrote
// before the call and no one else reads. It fails the test after
// pollWait.
func waitForPoll(t *testing.T, m *Meter, uj uint64) {
	t.Helper()
	deadline := time.Now().Add(pollWait)
	for {
		m.mu.Lock()
		seen := m.useRAPL && m.last.UJ[0] == uj
		m.mu.Unlock()
		if seen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the poller did not read package-0 = %d µJ within %v (poll interval %v)", uj, pollWait, m.interval)
		}
		time.Sleep(m.interval)
	}
}

func uintString(v uint64) string { return strconv.FormatUint(v, 10) + "\n" }

func TestMeterPanics(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "powercap")
	assert.PanicsWithValue(t, "energy: Meter.Stop without Start", func() {
		NewMeter(missing, Model{}).Stop()
	})
	assert.Panics(t, func() { NewMeter(missing, Model{WattsPerCore: -1}) })
	m := NewMeter(missing, Model{})
	m.Start()
	m.Stop()
	assert.Panics(t, func() { m.Stop() }, "second Stop")
}
