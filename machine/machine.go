package machine

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

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

// Paths of the Linux files Read parses.
const (
	cpuinfoPath = "/proc/cpuinfo"
	meminfoPath = "/proc/meminfo"
)

// Fingerprint identifies the machine and build a run used.
type Fingerprint struct {
	// CPUModel is the "model name" of the first processor in /proc/cpuinfo,
	// or runtime.GOARCH when there is none (ARM, non-Linux).
	CPUModel string `json:"cpu_model"`
	// Cores is runtime.NumCPU: the logical CPUs this process may run on.
	Cores int `json:"cores"`
	// GOMAXPROCS is runtime.GOMAXPROCS(0) when the fingerprint was read.
	GOMAXPROCS int `json:"gomaxprocs"`
	// GoVersion is runtime.Version(), e.g. "go1.26.8".
	GoVersion string `json:"go_version"`
	// OS and Arch are runtime.GOOS and runtime.GOARCH.
	OS   string `json:"os"`
	Arch string `json:"arch"`
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
	// /proc/meminfo, in bytes; 0 when unknown.
	MemTotalBytes     uint64 `json:"mem_total_bytes"`
	MemAvailableBytes uint64 `json:"mem_available_bytes"`
}

// Read returns the fingerprint of the running machine and binary. It never
// fails: facts that cannot be read are left empty or zero.
func Read() Fingerprint {
	return readFiles(cpuinfoPath, meminfoPath)
}

// readFiles is Read with the cpuinfo and meminfo files at the given paths.
// A file that cannot be opened counts as absent.
func readFiles(cpuinfo, meminfo string) Fingerprint {
	var cr, mr io.Reader
	if f, err := os.Open(cpuinfo); err == nil {
		defer f.Close()
		cr = f
	}
	if f, err := os.Open(meminfo); err == nil {
		defer f.Close()
		mr = f
	}
	return readFrom(cr, mr)
}

// readFrom is Read with the contents of /proc/cpuinfo and /proc/meminfo
// given as readers; a nil reader counts as an absent file.
func readFrom(cpuinfo, meminfo io.Reader) Fingerprint {
	f := Fingerprint{
		CPUModel:   runtime.GOARCH,
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		BLAS:       BLASBackend,
		BLASDetail: blasbackend.Detail(),
		Version:    version(),
	}
	if h, err := os.Hostname(); err == nil {
		f.Hostname = h
	}
	if cpuinfo != nil {
		if m := parseCPUModel(cpuinfo); m != "" {
			f.CPUModel = m
		}
	}
	if meminfo != nil {
		mi := parseMeminfo(meminfo)
		f.MemTotalBytes = mi["MemTotal"]
		f.MemAvailableBytes = mi["MemAvailable"]
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
