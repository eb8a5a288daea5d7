package machine

import (
	"bufio"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/klauspost/cpuid/v2"

	"github.com/lowdim/lowdim/blasbackend"
)

// Version is the lowdim version or commit the binary was built from. It is
// "dev" unless the linker sets it:
//
//	go build -ldflags "-X github.com/lowdim/lowdim/machine.Version=$(git describe --always --dirty)"
//
// Read falls back on the VCS revision stamped by the Go toolchain when
// Version is "dev"; see Fingerprint.Version.
var Version = "dev"

// rootFS is the machine's file system, in which Read and the memory
// functions find /proc and /sys.
var rootFS = os.DirFS("/")

// Fingerprint identifies the machine and build a run used. Sizes are in
// bytes. A fact that may be absent is a pointer or a slice, null in JSON
// when absent, so that it is never mistaken for a zero.
type Fingerprint struct {
	// CPUModel is the CPU's brand string as the CPUID instruction reports
	// it (the string Go's benchmark header prints, e.g. "AMD EPYC 7763
	// 64-Core Processor"), else the "model name" of the first processor in
	// /proc/cpuinfo, else runtime.GOARCH (ARM without a model name,
	// non-Linux).
	CPUModel string `json:"cpu_model"`
	// VectorExtensions are the SIMD and matrix extensions of the CPU that
	// a BLAS kernel may use, among those listed in vectorFeatures, sorted
	// by name, as github.com/klauspost/cpuid/v2 names them: "AVX",
	// "AVX2", "AVX512F", "FMA3", "SSE42", "ASIMD", "SVE", ...
	VectorExtensions []string `json:"vector_extensions"`
	// CacheL1D, CacheL1I, CacheL2 and CacheL3 are the sizes of the CPU's
	// caches as CPUID reports them (per core, or shared for L3); nil when
	// not detected.
	CacheL1D *uint64 `json:"cache_l1d_bytes,omitempty"`
	CacheL1I *uint64 `json:"cache_l1i_bytes,omitempty"`
	CacheL2  *uint64 `json:"cache_l2_bytes,omitempty"`
	CacheL3  *uint64 `json:"cache_l3_bytes,omitempty"`
	// Cores is runtime.NumCPU: the logical CPUs this process may run on.
	Cores int `json:"cores"`
	// CPUQuota is the CPU bandwidth limit of the process's cgroups in
	// CPUs (quota / period, e.g. 1.5), the smallest among its cgroup and
	// its ancestors; nil when unlimited or unknown. See readCPUQuota.
	CPUQuota *float64 `json:"cgroup_cpu_quota"`
	// GOMAXPROCS is runtime.GOMAXPROCS(0) when the fingerprint was read.
	GOMAXPROCS int `json:"gomaxprocs"`
	// GoVersion is runtime.Version(), e.g. "go1.26.8".
	GoVersion string `json:"go_version"`
	// OS and Arch are runtime.GOOS and runtime.GOARCH.
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// KernelRelease is the kernel's release, as uname -r prints it
	// (/proc/sys/kernel/osrelease), e.g. "6.8.0-45-generic"; empty when
	// unknown (non-Linux).
	KernelRelease string `json:"kernel_release"`
	// Hostname is os.Hostname, empty when unknown.
	Hostname string `json:"hostname"`
	// BLAS is BLASBackend; BLASDetail the backend's own description
	// (OpenBLAS's configuration, kernel and threads).
	BLAS       string `json:"blas"`
	BLASDetail string `json:"blas_detail"`
	// Version is the package variable Version when the linker set it. When
	// Version is "dev", it is the VCS revision from the binary's build info
	// (first 12 hex digits, with "-dirty" appended when the tree was
	// modified), else the main module's version when it is not "(devel)",
	// else "dev".
	Version string `json:"version"`
	// MemTotalBytes and MemAvailableBytes are MemTotal and MemAvailable from
	// /proc/meminfo, machine-wide; 0 when unknown.
	MemTotalBytes     uint64 `json:"mem_total_bytes"`
	MemAvailableBytes uint64 `json:"mem_available_bytes"`
	// CgroupMemoryLimit is the memory limit of the cgroup that bounds the
	// process (Budget.CgroupLimit); nil when there is none or it cannot be
	// read.
	CgroupMemoryLimit *uint64 `json:"cgroup_memory_limit_bytes"`
}

// Read returns the fingerprint of the running machine and binary. It never
// fails: facts that cannot be read are left empty, zero or nil.
func Read() Fingerprint {
	return readFS(rootFS, cpuid.CPU)
}

// readFS is Read with the files of /proc and /sys read from fsys and the
// CPU described by cpu. An absent or unreadable file leaves its facts
// unknown.
func readFS(fsys fs.FS, cpu cpuid.CPUInfo) Fingerprint {
	f := Fingerprint{
		CPUModel:         strings.TrimSpace(cpu.BrandName),
		VectorExtensions: vectorExtensions(cpu.Supports),
		CacheL1D:         cacheBytes(cpu.Cache.L1D),
		CacheL1I:         cacheBytes(cpu.Cache.L1I),
		CacheL2:          cacheBytes(cpu.Cache.L2),
		CacheL3:          cacheBytes(cpu.Cache.L3),
		Cores:            runtime.NumCPU(),
		GOMAXPROCS:       runtime.GOMAXPROCS(0),
		GoVersion:        runtime.Version(),
		OS:               runtime.GOOS,
		Arch:             runtime.GOARCH,
		BLAS:             BLASBackend,
		BLASDetail:       blasbackend.Detail(),
		Version:          version(),
	}
	if h, err := os.Hostname(); err == nil {
		f.Hostname = h
	}
	if f.CPUModel == "" {
		if r, err := fsys.Open(cpuinfoFile); err == nil {
			f.CPUModel = parseCPUModel(r)
			r.Close()
		}
	}
	if f.CPUModel == "" {
		f.CPUModel = runtime.GOARCH
	}
	if r, err := fsys.Open(meminfoFile); err == nil {
		mi := parseMeminfo(r)
		r.Close()
		f.MemTotalBytes = mi["MemTotal"]
		f.MemAvailableBytes = mi["MemAvailable"]
	}
	if m, ok, err := readCgroupMemory(fsys); err == nil && ok {
		f.CgroupMemoryLimit = &m.limit
	}
	if q, ok, err := readCPUQuota(fsys); err == nil && ok {
		f.CPUQuota = &q
	}
	if s, _, err := readValue(fsys, osreleaseFile); err == nil {
		f.KernelRelease = s
	}
	return f
}

// parseCPUModel returns the first non-empty "model name" value in a
// /proc/cpuinfo listing, or "" when there is none. Lines without a colon are
// skipped.
func parseCPUModel(r io.Reader) string {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64*1024), 1<<20) // flags lines can be long
	for s.Scan() {
		key, val, ok := strings.Cut(s.Text(), ":")
		if !ok || strings.TrimSpace(key) != "model name" {
			continue
		}
		if val = strings.TrimSpace(val); val != "" {
			return val
		}
	}
	return ""
}

// version resolves the Fingerprint's Version from the package variable and
// the binary's build info.
func version() string {
	info, ok := debug.ReadBuildInfo()
	return resolveVersion(Version, info, ok)
}

// resolveVersion returns linked unless it is "dev" or empty, then the VCS
// revision of info (shortened to 12 hex digits, "-dirty" appended when
// vcs.modified is true), then info's main module version unless it is
// "(devel)", then "dev".
func resolveVersion(linked string, info *debug.BuildInfo, ok bool) string {
	if linked != "" && linked != "dev" {
		return linked
	}
	if !ok || info == nil {
		return "dev"
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "-dirty"
		}
		return rev
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	return "dev"
}
