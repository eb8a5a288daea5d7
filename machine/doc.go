// Package machine describes the machine a benchmark or training run used,
// and answers memory questions for preflight checks.
//
// # Fingerprint
//
// Read returns a Fingerprint: CPU model, vector extensions and cache sizes,
// core count, cgroup CPU quota, GOMAXPROCS, Go version, OS, kernel release
// and architecture, host name, BLAS backend, lowdim version, memory totals
// and the cgroup memory limit. It never fails; facts that cannot be read are
// left empty, zero or nil (null in JSON). A Fingerprint marshals to JSON with
// snake_case keys for run.json, and ConfigLines renders it as configuration
// lines of the Go benchmark format ("goos: linux", "cpu: ...", ...), to be
// printed before benchmark results.
//
// The CPU facts come from the CPUID instruction through
// github.com/klauspost/cpuid/v2: the full brand string, the one Go's own
// benchmark header prints (/proc/cpuinfo, which some hypervisors shorten,
// and then runtime.GOARCH are the fallbacks), the vector extensions and the
// cache sizes. On Linux the memory figures come from /proc/meminfo, the
// kernel release from /proc/sys/kernel/osrelease and the limits from the
// process's cgroups (see MemoryBudget). Elsewhere those are unknown.
//
// # Version
//
// Version is "dev" unless set by the linker:
//
//	go build -ldflags "-X github.com/lowdim/lowdim/machine.Version=$(git describe --always --dirty)" ./cmd/...
//
// When it is left at "dev", the VCS revision the Go toolchain stamps into the
// binary is used instead (see Fingerprint.Version).
//
// # BLAS backend
//
// BLASBackend names the BLAS implementation the binary was built with. It is
// defined once, in a build-tagged file per backend: blas_gonum.go (the
// default, "gonum") and blas_openblas.go under the openblas build tag.
//
// # Memory preflight
//
// MemoryBudget reports the memory the process may still take: the kernel's
// estimate of the memory available to new work (MemAvailable in
// /proc/meminfo), bounded by the memory limit of the process's cgroup (v1 or
// v2) less the cgroup's usage, and says which of the two bounds it.
// MemAvailable returns that bound alone. CheckFits compares a planned
// allocation with MemFraction of it, so that a run too large for the machine
// or its container fails before it starts rather than after swapping or
// being killed, and names the bound in its error. Sizes are printed by
// FormatBytes in decimal SI units (1 GB = 10^9 bytes).
//
// # Memory use
//
// HeapBytes samples the Go heap; PeakRSS and CurrentRSS read the process's
// peak and current resident set (VmHWM and VmRSS in /proc/self/status),
// which also count memory outside the Go heap, such as OpenBLAS buffers.
//
// # Files read
//
// The functions that read /proc and /sys read them through an fs.FS rooted
// at "/", so that tests can give fake trees; errors name the files with
// their absolute paths.
package machine
