package machine

import (
	"github.com/lowdim/lowdim/internal/testenv"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryBudget(t *testing.T) {
	type files = map[string]string
	const meminfo = "MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n"
	const avail = 4000000 * 1024 // 4.096 GB
	v2 := func(max, current string) files {
		return files{
			meminfoFile:                        meminfo,
			cgroupFile:                         "0::/job\n",
			"sys/fs/cgroup/cgroup.controllers": "memory\n",
			"sys/fs/cgroup/job/memory.max":     max,
			"sys/fs/cgroup/job/memory.current": current,
		}
	}
	tests := []struct {
		name    string
		files   files
		want    Budget
		wantErr string
	}{
		{name: "MemAvailable only", files: files{meminfoFile: meminfo},
			want: Budget{MemAvailable: avail, HasMemAvailable: true, Available: avail, Source: FromMemAvailable}},
		{name: "cgroup v2 max", files: v2("max\n", "123\n"),
			want: Budget{MemAvailable: avail, HasMemAvailable: true, Available: avail, Source: FromMemAvailable}},
		// 2e9 - 5e8 = 1.5e9 < 4.096e9: the cgroup bounds.
		{name: "cgroup v2 below MemAvailable", files: v2("2000000000\n", "500000000\n"),
			want: Budget{MemAvailable: avail, HasMemAvailable: true, CgroupLimit: 2e9, CgroupUsage: 5e8,
				CgroupFile: "/sys/fs/cgroup/job/memory.max", Available: 1.5e9, Source: FromCgroup}},
		// 1e10 - 1e9 = 9e9 > 4.096e9: MemAvailable bounds.
		{name: "cgroup v2 above MemAvailable", files: v2("10000000000\n", "1000000000\n"),
			want: Budget{MemAvailable: avail, HasMemAvailable: true, CgroupLimit: 1e10, CgroupUsage: 1e9,
				CgroupFile: "/sys/fs/cgroup/job/memory.max", Available: avail, Source: FromMemAvailable}},
		{name: "usage over limit", files: v2("1000\n", "2000\n"),
			want: Budget{MemAvailable: avail, HasMemAvailable: true, CgroupLimit: 1000, CgroupUsage: 2000,
				CgroupFile: "/sys/fs/cgroup/job/memory.max", Available: 0, Source: FromCgroup}},
		{name: "cgroup without MemAvailable", files: files{
			cgroupFile: "4:memory:/job\n",
			"sys/fs/cgroup/memory/job/memory.limit_in_bytes": "3000\n",
			"sys/fs/cgroup/memory/job/memory.usage_in_bytes": "1000\n",
		}, want: Budget{CgroupLimit: 3000, CgroupUsage: 1000,
			CgroupFile: "/sys/fs/cgroup/memory/job/memory.limit_in_bytes", Available: 2000, Source: FromCgroup}},
		{name: "nothing known", files: files{meminfoFile: "MemTotal: 1 kB\n"},
			wantErr: "machine: available memory unknown: no MemAvailable in /proc/meminfo and no cgroup memory limit"},
		{name: "no files", wantErr: "available memory unknown"},
		{name: "malformed memory.max", files: v2("lots\n", "1\n"),
			wantErr: `machine: /sys/fs/cgroup/job/memory.max: malformed value "lots" (want a byte count or "max")`},
		{name: "malformed memory.current", files: v2("1000\n", "-1\n"),
			wantErr: `machine: /sys/fs/cgroup/job/memory.current: malformed value "-1" (want a byte count)`},
		{name: "missing memory.current", files: files{
			cgroupFile:                         "0::/job\n",
			"sys/fs/cgroup/cgroup.controllers": "memory\n",
			"sys/fs/cgroup/job/memory.max":     "1000\n",
		}, wantErr: "machine: /sys/fs/cgroup/job/memory.current: missing, but /sys/fs/cgroup/job/memory.max sets a limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := memoryBudget(fakeFS(tt.files))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
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
	if _, statErr := os.Stat("/" + meminfoFile); statErr != nil {
		testenv.Unavailable(t, "no /proc/meminfo")
	}
	require.NoError(t, err)
	assert.Positive(t, v)
	b, err := MemoryBudget()
	require.NoError(t, err)
	t.Logf("%+v", b)
	assert.LessOrEqual(t, b.Available, b.MemAvailable, "Available is bounded by MemAvailable")
}

func TestCheckFits(t *testing.T) {
	mem := func(avail uint64) Budget {
		return Budget{MemAvailable: avail, HasMemAvailable: true, Available: avail, Source: FromMemAvailable}
	}
	// 2 GB limit, 1 GB used: 1 GB left, of which 80% is 800 MB.
	cg := Budget{MemAvailable: 8e9, HasMemAvailable: true, CgroupLimit: 2e9, CgroupUsage: 1e9,
		CgroupFile: "/sys/fs/cgroup/job/memory.max", Available: 1e9, Source: FromCgroup}
	tests := []struct {
		name    string
		need    uint64
		b       Budget
		what    string
		wantErr string
	}{
		{"well within", 100, mem(1000), "x", ""},
		{"exactly 80%", 800, mem(1000), "x", ""},
		{"just over 80%", 801, mem(1000), "x", "x needs 801 B but only 800 B of memory is available (80% of MemAvailable 1 kB)"},
		{"zero need, zero avail", 0, mem(0), "x", ""},
		{"example", 1_280_000_000, mem(1_120_000_000), "sensing operator",
			"sensing operator needs 1.28 GB but only 896 MB of memory is available (80% of MemAvailable 1.12 GB)"},
		{"fits in GB", 4_000_000_000, mem(8_000_000_000), "sensing operator", ""},
		{"empty what", 2000, mem(1000), "",
			"this operation needs 2 kB but only 800 B of memory is available (80% of MemAvailable 1 kB)"},
		{"cgroup fits", 800_000_000, cg, "x", ""},
		{"cgroup bounds", 1_280_000_000, cg, "sensing operator",
			"sensing operator needs 1.28 GB but only 800 MB of memory is available " +
				"(80% of the 1 GB left under the cgroup limit 2 GB in /sys/fs/cgroup/job/memory.max, 1 GB in use)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFits(tt.need, tt.b, tt.what)
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
