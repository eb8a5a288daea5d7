package machine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/cpuid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeFS returns a file system holding files, keyed by their path without
// the leading slash, e.g. "proc/meminfo". Folders are implied.
func fakeFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, content := range files {
		m[name] = &fstest.MapFile{Data: []byte(content)}
	}
	return m
}

// testdata returns the content of testdata/name.
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func TestReadFS(t *testing.T) {
	const xeon = "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz"
	type files = map[string]string
	tests := []struct {
		name         string
		files        files // read in setup: testdata names for proc/cpuinfo and proc/meminfo
		brand        string
		wantCPU      string
		wantMemTotal uint64
		wantMemAvail uint64
		wantKernel   string
		wantLimit    *uint64
		wantQuota    *float64
	}{
		{name: "intel", files: files{cpuinfoFile: "cpuinfo_intel", meminfoFile: "meminfo_full"},
			wantCPU: xeon, wantMemTotal: 16318388 * 1024, wantMemAvail: 11221632 * 1024},
		// CPUID's brand string wins over /proc/cpuinfo, which some
		// hypervisors shorten to "AMD EPYC".
		{name: "brand string", files: files{cpuinfoFile: "cpuinfo_intel"}, brand: "  AMD EPYC 7763 64-Core Processor ",
			wantCPU: "AMD EPYC 7763 64-Core Processor"},
		{name: "arm without model name", files: files{cpuinfoFile: "cpuinfo_arm", meminfoFile: "meminfo_full"},
			wantCPU: runtime.GOARCH, wantMemTotal: 16318388 * 1024, wantMemAvail: 11221632 * 1024},
		{name: "malformed lines", files: files{cpuinfoFile: "cpuinfo_malformed", meminfoFile: "meminfo_malformed"},
			wantCPU: "AMD EPYC 7763 64-Core Processor", wantMemTotal: 8000000 * 1024},
		{name: "meminfo without MemAvailable", files: files{cpuinfoFile: "cpuinfo_intel", meminfoFile: "meminfo_no_available"},
			wantCPU: xeon, wantMemTotal: 2054476 * 1024},
		{name: "missing files", wantCPU: runtime.GOARCH},
		{name: "kernel and cgroup v2 limits", files: files{
			osreleaseFile:                      "6.8.0-45-generic\n",
			cgroupFile:                         "0::/job\n",
			"sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
			"sys/fs/cgroup/job/memory.max":     "2000000000\n",
			"sys/fs/cgroup/job/memory.current": "1000\n",
			"sys/fs/cgroup/job/cpu.max":        "150000 100000\n",
		}, wantCPU: runtime.GOARCH, wantKernel: "6.8.0-45-generic", wantLimit: ptr[uint64](2000000000), wantQuota: ptr(1.5)},
		// A malformed cgroup file leaves the facts unknown: Read never fails.
		{name: "malformed cgroup files", files: files{
			cgroupFile:                         "0::/job\n",
			"sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
			"sys/fs/cgroup/job/memory.max":     "lots\n",
			"sys/fs/cgroup/job/cpu.max":        "a b c\n",
		}, wantCPU: runtime.GOARCH},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := files{}
			for name, content := range tt.files {
				if name == cpuinfoFile || name == meminfoFile {
					content = testdata(t, content)
				}
				fs[name] = content
			}
			var cpu cpuid.CPUInfo
			cpu.BrandName = tt.brand
			cpu.Cache.L1D, cpu.Cache.L1I, cpu.Cache.L2, cpu.Cache.L3 = -1, -1, -1, -1
			f := readFS(fakeFS(fs), cpu)
			assert.Equal(t, tt.wantCPU, f.CPUModel)
			assert.Equal(t, tt.wantMemTotal, f.MemTotalBytes)
			assert.Equal(t, tt.wantMemAvail, f.MemAvailableBytes)
			assert.Equal(t, tt.wantKernel, f.KernelRelease)
			assert.Equal(t, tt.wantLimit, f.CgroupMemoryLimit)
			assert.Equal(t, tt.wantQuota, f.CPUQuota)
			// A zero CPUInfo supports nothing and detected no cache.
			assert.Nil(t, f.VectorExtensions)
			assert.Nil(t, f.CacheL1D)
			assert.Nil(t, f.CacheL3)
			// Facts that do not come from the files.
			assert.Equal(t, runtime.NumCPU(), f.Cores)
			assert.Equal(t, runtime.GOMAXPROCS(0), f.GOMAXPROCS)
			assert.Equal(t, runtime.Version(), f.GoVersion)
			assert.Equal(t, runtime.GOOS, f.OS)
			assert.Equal(t, runtime.GOARCH, f.Arch)
			assert.Equal(t, BLASBackend, f.BLAS)
			assert.NotEmpty(t, f.Version)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestReadFSCaches(t *testing.T) {
	var cpu cpuid.CPUInfo
	// cpuid reports -1 for a cache it did not detect; 0 is treated alike.
	cpu.Cache.L1D, cpu.Cache.L1I, cpu.Cache.L2, cpu.Cache.L3 = 32768, 0, 1<<20, -1
	f := readFS(fakeFS(nil), cpu)
	assert.Equal(t, ptr[uint64](32768), f.CacheL1D)
	assert.Nil(t, f.CacheL1I)
	assert.Equal(t, ptr[uint64](1<<20), f.CacheL2)
	assert.Nil(t, f.CacheL3)
	b, err := json.Marshal(f)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"cache_l1d_bytes":32768`)
	assert.NotContains(t, string(b), `cache_l1i_bytes`)
	assert.NotContains(t, string(b), `cache_l3_bytes`)
	assert.Contains(t, string(b), `"cgroup_cpu_quota":null`)
}

func TestVectorExtensions(t *testing.T) {
	set := func(ids ...cpuid.FeatureID) func(...cpuid.FeatureID) bool {
		return func(q ...cpuid.FeatureID) bool {
			for _, id := range q {
				if !slices.Contains(ids, id) {
					return false
				}
			}
			return true
		}
	}
	tests := []struct {
		name string
		has  func(...cpuid.FeatureID) bool
		want []string
	}{
		{"none", set(), nil},
		// Sorted by name, whatever the order of vectorFeatures; features
		// that are not vector extensions (ADX) are left out.
		{"zen3", set(cpuid.FMA3, cpuid.AVX2, cpuid.AVX, cpuid.SSE42, cpuid.ADX),
			[]string{"AVX", "AVX2", "FMA3", "SSE42"}},
		{"avx512", set(cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX),
			[]string{"AVX", "AVX512F", "AVX512VL"}},
		{"arm", set(cpuid.ASIMD, cpuid.SVE), []string{"ASIMD", "SVE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, vectorExtensions(tt.has))
		})
	}
}

func TestRead(t *testing.T) {
	f := Read()
	b, err := json.Marshal(f)
	require.NoError(t, err)
	t.Logf("%s", b)
	assert.NotEmpty(t, f.CPUModel)
	assert.Positive(t, f.Cores)
	assert.Positive(t, f.GOMAXPROCS)
	assert.Equal(t, BLASBackend, f.BLAS)
	if runtime.GOOS == "linux" {
		assert.Positive(t, f.MemTotalBytes)
		assert.NotEmpty(t, f.KernelRelease)
	}
	switch runtime.GOARCH {
	case "amd64": // SSE2 is part of amd64
		assert.Contains(t, f.VectorExtensions, "SSE2")
		assert.NotEqual(t, runtime.GOARCH, f.CPUModel, "no brand string from CPUID")
	case "arm64": // Advanced SIMD is part of ARMv8-A
		assert.Contains(t, f.VectorExtensions, "ASIMD")
	}
}

func TestFingerprintJSONKeys(t *testing.T) {
	b, err := json.Marshal(Fingerprint{})
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	want := []string{
		"cpu_model", "cores", "gomaxprocs", "go_version", "os", "arch",
		"hostname", "blas", "blas_detail", "version", "mem_total_bytes", "mem_available_bytes",
		// Added with the cpuid and cgroup facts; the caches are omitted when
		// unknown, the other pointers written as null.
		"vector_extensions", "cgroup_cpu_quota", "kernel_release", "cgroup_memory_limit_bytes",
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, want, keys)
}

func TestResolveVersion(t *testing.T) {
	info := func(main string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/lowdim/lowdim", Version: main}}
		for i := 0; i < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name   string
		linked string
		info   *debug.BuildInfo
		ok     bool
		want   string
	}{
		{"linker wins", "v1.2.3-4-gabcdef0-dirty", info("(devel)", "vcs.revision", rev), true, "v1.2.3-4-gabcdef0-dirty"},
		{"no build info", "dev", nil, false, "dev"},
		{"empty linked", "", nil, false, "dev"},
		{"vcs revision", "dev", info("(devel)", "vcs.revision", rev, "vcs.modified", "false"), true, "0123456789ab"},
		{"vcs dirty", "dev", info("(devel)", "vcs.revision", rev, "vcs.modified", "true"), true, "0123456789ab-dirty"},
		{"short revision kept", "dev", info("", "vcs.revision", "abc123"), true, "abc123"},
		{"module version", "dev", info("v0.4.0"), true, "v0.4.0"},
		{"devel only", "dev", info("(devel)"), true, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, resolveVersion(tt.linked, tt.info, tt.ok))
		})
	}
}

func TestParseCPUModelLongLine(t *testing.T) {
	// A flags line longer than bufio.Scanner's default 64 kB limit.
	in := "flags\t: " + strings.Repeat("x", 100_000) + "\nmodel name\t: Long CPU\n"
	assert.Equal(t, "Long CPU", parseCPUModel(strings.NewReader(in)))
}

// TestHeapBytesGrows: a live 8 MB allocation shows in the heap figure.
func TestHeapBytesGrows(t *testing.T) {
	before := HeapBytes()
	buf := make([]byte, 8<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	after := HeapBytes()
	if after < before+(8<<20)/2 {
		t.Fatalf("heap %d -> %d after an 8 MiB allocation", before, after)
	}
	_ = buf[len(buf)-1]
}
