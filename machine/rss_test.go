package machine

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatusField(t *testing.T) {
	// An excerpt of /proc/self/status; values in kB (KiB).
	const status = "Name:\tlowdim\nVmPeak:\t  812345 kB\nVmHWM:\t    3000 kB\nVmRSS:\t    2048 kB\nThreads:\t5\n"
	tests := []struct {
		name   string
		files  map[string]string
		key    string
		want   uint64
		wantOK bool
	}{
		{"VmHWM", map[string]string{statusFile: status}, "VmHWM", 3000 * 1024, true},
		{"VmRSS", map[string]string{statusFile: status}, "VmRSS", 2048 * 1024, true},
		{"absent field", map[string]string{statusFile: "Name:\tx\n"}, "VmHWM", 0, false},
		{"malformed field", map[string]string{statusFile: "VmHWM:\tlots kB\n"}, "VmHWM", 0, false},
		{"no status file", map[string]string{}, "VmRSS", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := statusField(fakeFS(tt.files), tt.key)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRSSLive(t *testing.T) {
	// Touch 8 MiB so that the resident set is not trivially small.
	buf := make([]byte, 8<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	rss, ok := CurrentRSS()
	peak, pok := PeakRSS()
	_ = buf[len(buf)-1]
	if runtime.GOOS != "linux" {
		assert.False(t, ok)
		assert.False(t, pok)
		return
	}
	assert.True(t, ok, "VmRSS")
	assert.True(t, pok, "VmHWM")
	assert.Positive(t, peak)
	// The peak is read after the current figure, and never below it.
	assert.GreaterOrEqual(t, peak, rss)
	assert.GreaterOrEqual(t, rss, uint64(8<<20), "an 8 MiB buffer just written is resident")
}
