package machine

import "io/fs"

// PeakRSS returns the peak resident set size of this process in bytes, the
// high-water mark of the physical memory it has held (VmHWM in
// /proc/self/status), and false when it is unknown (non-Linux). Unlike
// HeapBytes it counts everything the process maps: the Go heap and its
// spans not yet returned, stacks, C allocations such as OpenBLAS buffers.
func PeakRSS() (uint64, bool) { return statusField(rootFS, "VmHWM") }

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
