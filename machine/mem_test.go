package machine

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemAvailableFrom(t *testing.T) {
	tests := []struct {
		file    string
		want    uint64
		wantErr bool
	}{
		{"meminfo_full", 11221632 * 1024, false},
		{"meminfo_no_available", 0, true},
		{"meminfo_malformed", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			defer f.Close()
			got, err := memAvailableFrom(f)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]uint64
	}{
		{"kB and unitless", "MemTotal: 10 kB\nHugePages_Total:   7\n",
			map[string]uint64{"MemTotal": 10240, "HugePages_Total": 7}},
		{"malformed skipped", "no colon\n: 5 kB\nA: x kB\nB: 1 MB\nC: 1 2 3\nD:\nE: 3 kB\n",
			map[string]uint64{"E": 3072}},
		{"overflow skipped", "MemTotal: 18446744073709551615 kB\n", map[string]uint64{}},
		{"empty", "", map[string]uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, parseMeminfo(strings.NewReader(tt.in)))
		})
	}
}

func TestMemAvailable(t *testing.T) {
	v, err := MemAvailable()
	if runtime.GOOS != "linux" {
		assert.Error(t, err)
		return
	}
	if _, statErr := os.Stat(meminfoPath); statErr != nil {
		t.Skip("no /proc/meminfo")
	}
	require.NoError(t, err)
	assert.Positive(t, v)
}

func TestCheckFits(t *testing.T) {
	tests := []struct {
		name    string
		need    uint64
		avail   uint64
		what    string
		wantErr string
	}{
		{"well within", 100, 1000, "x", ""},
		{"exactly 80%", 800, 1000, "x", ""},
		{"just over 80%", 801, 1000, "x", "x needs 801 B but only 800 B of memory is available (80% of MemAvailable 1 kB)"},
		{"zero need, zero avail", 0, 0, "x", ""},
		{"example", 1_280_000_000, 1_120_000_000, "sensing operator",
			"sensing operator needs 1.28 GB but only 896 MB of memory is available (80% of MemAvailable 1.12 GB)"},
		{"fits in GB", 4_000_000_000, 8_000_000_000, "sensing operator", ""},
		{"empty what", 2000, 1000, "",
			"this operation needs 2 kB but only 800 B of memory is available (80% of MemAvailable 1 kB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFits(tt.need, tt.avail, tt.what)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error())
		})
	}
}

func TestCheckFitsLive(t *testing.T) {
	assert.NoError(t, CheckFits(0, "nothing"))
	if _, err := MemAvailable(); err != nil {
		// Cannot check: everything passes.
		assert.NoError(t, CheckFits(1<<62, "everything"))
		return
	}
	err := CheckFits(1<<62, "everything")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "everything needs 4.61 EB")
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{999, "999 B"},
		{1000, "1 kB"},
		{1500, "1.5 kB"},
		{512_000, "512 kB"},
		{999_499, "999 kB"},
		{999_500, "1 MB"},
		{999_999, "1 MB"},
		{3_100_000, "3.1 MB"},
		{12_345_678, "12.3 MB"},
		{900_000_000, "900 MB"},
		{1_000_000_000, "1 GB"},
		{1_100_000_000, "1.1 GB"},
		{1_280_000_000, "1.28 GB"},
		{1_284_999_999, "1.28 GB"},
		{1 << 30, "1.07 GB"},
		{2_500_000_000_000, "2.5 TB"},
		{18_446_744_073_709_551_615, "18.4 EB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, FormatBytes(tt.n))
		})
	}
}
