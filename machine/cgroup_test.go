package machine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fake /proc/self/cgroup and /sys/fs/cgroup trees for the layouts met in
// practice.
var (
	// Pure cgroup v2 (systemd, recent Docker with a cgroup namespace).
	v2Tree = map[string]string{
		cgroupFile:                                  "0::/user.slice/job\n",
		"sys/fs/cgroup/cgroup.controllers":          "cpuset cpu io memory pids\n",
		"sys/fs/cgroup/user.slice/cpu.max":          "max 100000\n",
		"sys/fs/cgroup/user.slice/job/cgroup.procs": "4242\n",
	}
	// cgroup v1 with cpu and cpuacct mounted together, plus an empty
	// unified hierarchy (hybrid), as on this kind of host:
	//	4:memory:/process_api/abc
	v1Tree = map[string]string{
		cgroupFile: "9:name=systemd:/\n4:memory:/process_api/abc\n" +
			"2:cpu,cpuacct:/process_api/abc\n0::/\n",
		"sys/fs/cgroup/unified/cgroup.controllers":    "\n",
		"sys/fs/cgroup/memory/memory.limit_in_bytes":  "9223372036854771712\n",
		"sys/fs/cgroup/memory/memory.usage_in_bytes":  "5000000000\n",
		"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":  "-1\n",
		"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
	}
)

// with returns base with files added or replaced.
func with(base map[string]string, files ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i < len(files); i += 2 {
		m[files[i]] = files[i+1]
	}
	return m
}

func TestReadCgroupMemory(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    cgroupMemory
		wantOK  bool
		wantErr string
	}{
		{name: "no cgroup at all", files: map[string]string{}},
		{name: "v2 without limits", files: v2Tree},
		{name: "v2 max", files: with(v2Tree, "sys/fs/cgroup/user.slice/job/memory.max", "max\n",
			"sys/fs/cgroup/user.slice/job/memory.current", "10\n")},
		{name: "v2 number", files: with(v2Tree, "sys/fs/cgroup/user.slice/job/memory.max", "4000\n",
			"sys/fs/cgroup/user.slice/job/memory.current", "1000\n"),
			want: cgroupMemory{4000, 1000, "/sys/fs/cgroup/user.slice/job/memory.max"}, wantOK: true},
		// Headroom 4000 - 1000 = 3000 in job, 5000 - 3000 = 2000 in its
		// parent (which counts its other children too): the parent bounds.
		{name: "v2 ancestor tighter", files: with(v2Tree,
			"sys/fs/cgroup/user.slice/job/memory.max", "4000\n",
			"sys/fs/cgroup/user.slice/job/memory.current", "1000\n",
			"sys/fs/cgroup/user.slice/memory.max", "5000\n",
			"sys/fs/cgroup/user.slice/memory.current", "3000\n"),
			want: cgroupMemory{5000, 3000, "/sys/fs/cgroup/user.slice/memory.max"}, wantOK: true},
		// A container without a cgroup namespace sees the host's path in
		// /proc/self/cgroup, but its own cgroup mounted at /sys/fs/cgroup.
		{name: "v2 host path missing", files: with(v2Tree, cgroupFile, "0::/docker/0123abcd\n",
			"sys/fs/cgroup/memory.max", "8000\n", "sys/fs/cgroup/memory.current", "10\n"),
			want: cgroupMemory{8000, 10, "/sys/fs/cgroup/memory.max"}, wantOK: true},
		// ".." (a process outside the reader's namespace) cannot climb out
		// of /sys/fs/cgroup.
		{name: "v2 path with dots", files: with(v2Tree, cgroupFile, "0::/../../..\n",
			"sys/fs/cgroup/memory.max", "8000\n", "sys/fs/cgroup/memory.current", "10\n",
			"sys/fs/memory.max", "1\n", "sys/fs/memory.current", "0\n"),
			want: cgroupMemory{8000, 10, "/sys/fs/cgroup/memory.max"}, wantOK: true},
		// v2 mounted at /sys/fs/cgroup/unified (hybrid) with the memory
		// controller, which no v1 line claims.
		{name: "v2 unified", files: map[string]string{
			cgroupFile: "1:name=systemd:/\n0::/job\n",
			"sys/fs/cgroup/unified/cgroup.controllers": "memory\n",
			"sys/fs/cgroup/unified/job/memory.max":     "700\n",
			"sys/fs/cgroup/unified/job/memory.current": "100\n",
		}, want: cgroupMemory{700, 100, "/sys/fs/cgroup/unified/job/memory.max"}, wantOK: true},
		// The root's 9223372036854771712 (2^63 - 4096) means no limit.
		{name: "v1 unlimited", files: with(v1Tree,
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "9223372036854771712\n",
			"sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes", "1000\n")},
		{name: "v1 number", files: with(v1Tree,
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "2000000000\n",
			"sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes", "1000\n"),
			want: cgroupMemory{2e9, 1000, "/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes"}, wantOK: true},
		{name: "malformed cgroup line", files: map[string]string{cgroupFile: "0::/\nnonsense\n"},
			wantErr: `machine: /proc/self/cgroup:2: malformed line "nonsense" (want id:controllers:/path)`},
		{name: "v2 malformed", files: with(v2Tree, "sys/fs/cgroup/user.slice/job/memory.max", "4 GB\n"),
			wantErr: `machine: /sys/fs/cgroup/user.slice/job/memory.max: malformed value "4 GB" (want a byte count or "max")`},
		// v1 has no "max".
		{name: "v1 malformed", files: with(v1Tree, "sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "max\n"),
			wantErr: `machine: /sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes: malformed value "max" (want a byte count)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := readCgroupMemory(fakeFS(tt.files))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadCPUQuota(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    float64
		wantOK  bool
		wantErr string
	}{
		{name: "no cgroup at all", files: map[string]string{}},
		{name: "v2 max", files: v2Tree},
		// 200000 µs per 100000 µs period: 2 CPUs.
		{name: "v2 two CPUs", files: with(v2Tree, "sys/fs/cgroup/user.slice/job/cpu.max", "200000 100000\n"),
			want: 2, wantOK: true},
		// job allows 2 CPUs, its parent 0.5: the smaller holds.
		{name: "v2 ancestor tighter", files: with(v2Tree,
			"sys/fs/cgroup/user.slice/job/cpu.max", "200000 100000\n",
			"sys/fs/cgroup/user.slice/cpu.max", "50000 100000\n"),
			want: 0.5, wantOK: true},
		{name: "v2 malformed", files: with(v2Tree, "sys/fs/cgroup/user.slice/job/cpu.max", "lots\n"),
			wantErr: `machine: /sys/fs/cgroup/user.slice/job/cpu.max: malformed value "lots" (want "max PERIOD" or "QUOTA PERIOD" in µs)`},
		{name: "v2 zero period", files: with(v2Tree, "sys/fs/cgroup/user.slice/job/cpu.max", "max 0\n"),
			wantErr: `cpu.max: malformed value "max 0"`},
		{name: "v1 unlimited", files: v1Tree},
		// 150000 / 100000 = 1.5 CPUs.
		{name: "v1 quota", files: with(v1Tree,
			"sys/fs/cgroup/cpu,cpuacct/process_api/abc/cpu.cfs_quota_us", "150000\n",
			"sys/fs/cgroup/cpu,cpuacct/process_api/abc/cpu.cfs_period_us", "100000\n"),
			want: 1.5, wantOK: true},
		// The mount named after the controller alone ("cpu") also serves.
		{name: "v1 cpu mount", files: map[string]string{
			cgroupFile:                            "1:cpu:/\n",
			"sys/fs/cgroup/cpu/cpu.cfs_quota_us":  "50000\n",
			"sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
		}, want: 0.5, wantOK: true},
		{name: "v1 malformed quota", files: with(v1Tree, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-7\n"),
			wantErr: `machine: /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us: malformed value "-7" (want microseconds or -1)`},
		{name: "v1 malformed period", files: with(v1Tree,
			"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "1000\n",
			"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "0\n"),
			wantErr: `machine: /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us: malformed value "0" (want microseconds)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := readCPUQuota(fakeFS(tt.files))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantOK, ok)
			// Exact: quota / period of small integers, as written above.
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestReadCgroupsLive reads this machine's cgroup files: whatever they hold,
// they must parse.
func TestReadCgroupsLive(t *testing.T) {
	m, ok, err := readCgroupMemory(rootFS)
	require.NoError(t, err)
	q, qok, err := readCPUQuota(rootFS)
	require.NoError(t, err)
	t.Logf("memory limit %+v (%v), CPU quota %g (%v)", m, ok, q, qok)
}
