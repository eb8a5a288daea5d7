package machine

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFiles(t *testing.T) {
	td := func(name string) string { return filepath.Join("testdata", name) }
	tests := []struct {
		name         string
		cpuinfo      string
		meminfo      string
		wantCPU      string
		wantMemTotal uint64
		wantMemAvail uint64
	}{
		{"intel", td("cpuinfo_intel"), td("meminfo_full"),
			"Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", 16318388 * 1024, 11221632 * 1024},
		{"arm without model name", td("cpuinfo_arm"), td("meminfo_full"),
			runtime.GOARCH, 16318388 * 1024, 11221632 * 1024},
		{"malformed lines", td("cpuinfo_malformed"), td("meminfo_malformed"),
			"AMD EPYC 7763 64-Core Processor", 8000000 * 1024, 0},
		{"meminfo without MemAvailable", td("cpuinfo_intel"), td("meminfo_no_available"),
			"Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", 2054476 * 1024, 0},
		{"missing files", td("nonexistent"), td("nonexistent"),
			runtime.GOARCH, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := readFiles(tt.cpuinfo, tt.meminfo)
			assert.Equal(t, tt.wantCPU, f.CPUModel)
			assert.Equal(t, tt.wantMemTotal, f.MemTotalBytes)
			assert.Equal(t, tt.wantMemAvail, f.MemAvailableBytes)
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

func TestReadFromNilReaders(t *testing.T) {
	f := readFrom(nil, nil)
	assert.Equal(t, runtime.GOARCH, f.CPUModel)
	assert.Zero(t, f.MemTotalBytes)
	assert.Zero(t, f.MemAvailableBytes)
}

func TestRead(t *testing.T) {
	f := Read()
	t.Logf("%+v", f)
	assert.NotEmpty(t, f.CPUModel)
	assert.Positive(t, f.Cores)
	assert.Positive(t, f.GOMAXPROCS)
	assert.Equal(t, BLASBackend, f.BLAS)
	if runtime.GOOS == "linux" {
		assert.Positive(t, f.MemTotalBytes)
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
