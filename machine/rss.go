package machine

import (
	"io/fs"
	"os"
	"runtime/debug"
)

// PeakRSS returns the peak resident set size of this process in bytes, the
// high-water mark of the physical memory it has held (VmHWM in
// /proc/self/status), and false when it is unknown (non-Linux). Unlike
// HeapBytes it counts everything the process maps: the Go heap and its
// spans not yet returned, stacks, C allocations such as OpenBLAS buffers.
func PeakRSS() (uint64, bool) { return statusField(rootFS, "VmHWM") }

// ResetPeakRSS returns the Go heap's free memory to the system
// (debug.FreeOSMemory: earlier work's arrays) and resets the process's
// peak RSS (VmHWM) to its current RSS by writing 5 to
// /proc/self/clear_refs (Linux 4.0 and later), so that the peak read
// after a piece of work is that work's own plus what the process holds
// between pieces. The error says the reset is unsupported.
func ResetPeakRSS() error {
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// CurrentRSS returns the resident set size of this process now in bytes
// (VmRSS in /proc/self/status), and false when it is unknown (non-Linux).
func CurrentRSS() (uint64, bool) { return statusField(rootFS, "VmRSS") }

// statusField returns the field key of /proc/self/status in fsys, in
// bytes, and whether the file holds it well-formed.
func statusField(fsys fs.FS, key string) (uint64, bool) {
	f, err := fsys.Open(statusFile)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	v, ok := parseMeminfo(f)[key]
	return v, ok
}
