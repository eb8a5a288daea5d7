// Package machine describes the machine a benchmark or training run used,
// and answers memory questions for preflight checks.
//
// # Fingerprint
//
// Read returns a Fingerprint: CPU model, core count, GOMAXPROCS, Go version,
// OS and architecture, host name, BLAS backend, lowdim version and memory
// totals. It never fails; facts that cannot be read are left empty or zero.
// A Fingerprint marshals to JSON with snake_case keys for run.json, and
// ConfigLines renders it as configuration lines of the Go benchmark format
// ("goos: linux", "cpu: ...", ...), to be printed before benchmark results.
//
// On Linux the CPU model comes from the "model name" field of /proc/cpuinfo
// (absent on most ARM kernels, in which case runtime.GOARCH is used) and the
// memory figures from /proc/meminfo. Elsewhere the memory figures are 0.
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
// MemAvailable reports the kernel's estimate of the memory available to new
// work (MemAvailable in /proc/meminfo). CheckFits compares a planned
// allocation with MemFraction of it, so that a run too large for the machine
// fails before it starts rather than after swapping or being killed.
// Sizes are printed by FormatBytes in decimal SI units (1 GB = 10^9 bytes).
package machine
