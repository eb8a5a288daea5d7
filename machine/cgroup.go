package machine

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
)

// The files this package reads, as paths in a file system rooted at "/"
// (fs.FS paths have no leading slash). Read and the memory functions use
// os.DirFS("/"); tests give fake trees.
const (
	cpuinfoFile   = "proc/cpuinfo"
	meminfoFile   = "proc/meminfo"
	statusFile    = "proc/self/status"
	cgroupFile    = "proc/self/cgroup"
	osreleaseFile = "proc/sys/kernel/osrelease"
	cgroupRoot    = "sys/fs/cgroup"
)

// v1Unlimited: a cgroup v1 limit at or above it means no limit. The kernel
// writes "no limit" as the largest page-aligned int64
// (9223372036854771712 with 4 KiB pages), which depends on the page size.
const v1Unlimited = 1 << 62

// cgroups is this process's place in the cgroup hierarchies, from
// /proc/self/cgroup.
type cgroups struct {
	// v1 maps each cgroup v1 controller ("memory", "cpu", ...) to its
	// controller list as the line gives it ("cpu,cpuacct") and its path.
	v1 map[string][2]string
	// v2 is the path in the unified (v2) hierarchy; hasV2 is whether
	// there is a "0::" line.
	v2    string
	hasV2 bool
}

// readCgroups parses /proc/self/cgroup in fsys. Each line is
// "hierarchy-ID:controller-list:path"; the v2 line is "0::path". A missing
// file (non-Linux, or a kernel without cgroups) gives an empty cgroups and no
// error; a malformed line is an error naming the file and line.
func readCgroups(fsys fs.FS) (cgroups, error) {
	cg := cgroups{v1: map[string][2]string{}}
	f, err := fsys.Open(cgroupFile)
	if errors.Is(err, fs.ErrNotExist) {
		return cg, nil
	}
	if err != nil {
		return cg, fmt.Errorf("machine: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for line := 1; s.Scan(); line++ {
		id, rest, ok1 := strings.Cut(s.Text(), ":")
		ctrls, p, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 || !strings.HasPrefix(p, "/") {
			return cg, fmt.Errorf("machine: /%s:%d: malformed line %q (want id:controllers:/path)", cgroupFile, line, s.Text())
		}
		switch {
		case id == "0" && ctrls == "":
			cg.v2, cg.hasV2 = p, true
		case ctrls != "":
			for c := range strings.SplitSeq(ctrls, ",") {
				cg.v1[c] = [2]string{ctrls, p}
			}
		}
	}
	if err := s.Err(); err != nil {
		return cg, fmt.Errorf("machine: /%s: %w", cgroupFile, err)
	}
	return cg, nil
}

// dirs returns the folders in fsys that hold the files of controller for
// this process, from its own cgroup up to the root of the hierarchy, and
// whether the controller is on cgroup v1. It prefers a v1 hierarchy that
// has the controller (hybrid systems mount v2 at /sys/fs/cgroup/unified
// without the memory and cpu controllers), then v2 mounted at
// /sys/fs/cgroup or /sys/fs/cgroup/unified. When the process's own cgroup
// folder is missing, as in a container without a cgroup namespace that sees
// the host's path, the hierarchy's root stands for it. No hierarchy gives no
// folders.
func (cg cgroups) dirs(fsys fs.FS, controller string) (dirs []string, v1 bool) {
	var base, p string
	if e, ok := cg.v1[controller]; ok {
		for _, name := range []string{e[0], controller} { // "cpu,cpuacct", then "cpu"
			if isDir(fsys, path.Join(cgroupRoot, name)) {
				base, p, v1 = path.Join(cgroupRoot, name), e[1], true
				break
			}
		}
	}
	if base == "" && cg.hasV2 {
		for _, b := range []string{cgroupRoot, path.Join(cgroupRoot, "unified")} {
			if exists(fsys, path.Join(b, "cgroup.controllers")) {
				base, p = b, cg.v2
				break
			}
		}
	}
	if base == "" {
		return nil, false
	}
	// Clean as a rooted path so that ".." (a process outside the reader's
	// cgroup namespace) cannot climb out of base.
	leaf := path.Join(base, path.Clean("/"+p))
	if !isDir(fsys, leaf) {
		leaf = base
	}
	for d := leaf; ; d = path.Dir(d) {
		dirs = append(dirs, d)
		if d == base {
			return dirs, v1
		}
	}
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

func isDir(fsys fs.FS, name string) bool {
	fi, err := fs.Stat(fsys, name)
	return err == nil && fi.IsDir()
}

// readValue returns the trimmed content of the one-line file name in fsys,
// and whether it exists. Errors other than absence name the file.
func readValue(fsys fs.FS, name string) (string, bool, error) {
	b, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("machine: %w", err)
	}
	return strings.TrimSpace(string(b)), true, nil
}

// readBytes reads a byte count from name. With max true, "max" is accepted
// and reported as unlimited. It returns ok false when the file is absent.
func readBytes(fsys fs.FS, name string, max bool) (v uint64, unlimited, ok bool, err error) {
	s, ok, err := readValue(fsys, name)
	if !ok || err != nil {
		return 0, false, ok, err
	}
	if max && s == "max" {
		return 0, true, true, nil
	}
	v, perr := strconv.ParseUint(s, 10, 64)
	if perr != nil {
		want := "a byte count"
		if max {
			want += ` or "max"`
		}
		return 0, false, true, fmt.Errorf("machine: /%s: malformed value %q (want %s)", name, s, want)
	}
	return v, false, true, nil
}

// cgroupMemory is the memory limit that bounds this process most tightly.
type cgroupMemory struct {
	limit, usage uint64
	file         string // the limit's file, with a leading slash
}

// readCgroupMemory returns the memory limit and usage, in bytes, of the
// cgroup with the least headroom (limit - usage) among the process's own
// and its ancestors, and ok false when none sets a limit. On cgroup v2 it
// reads memory.max ("max" is no limit) and memory.current; on v1
// memory.limit_in_bytes (v1Unlimited or more is no limit) and
// memory.usage_in_bytes. A folder without the limit file (the root cgroup)
// sets no limit; a limit without its usage file, or a value that is not a
// byte count, is an error naming the file.
func readCgroupMemory(fsys fs.FS) (m cgroupMemory, ok bool, err error) {
	cg, err := readCgroups(fsys)
	if err != nil {
		return m, false, err
	}
	dirs, v1 := cg.dirs(fsys, "memory")
	limitName, usageName := "memory.max", "memory.current"
	if v1 {
		limitName, usageName = "memory.limit_in_bytes", "memory.usage_in_bytes"
	}
	best := uint64(math.MaxUint64)
	for _, d := range dirs {
		lf := path.Join(d, limitName)
		limit, unlimited, found, err := readBytes(fsys, lf, !v1)
		if err != nil {
			return m, false, err
		}
		if !found || unlimited || (v1 && limit >= v1Unlimited) {
			continue
		}
		uf := path.Join(d, usageName)
		usage, _, found, err := readBytes(fsys, uf, false)
		if err != nil {
			return m, false, err
		}
		if !found {
			return m, false, fmt.Errorf("machine: /%s: missing, but /%s sets a limit", uf, lf)
		}
		if h := headroom(limit, usage); !ok || h < best {
			m, ok, best = cgroupMemory{limit: limit, usage: usage, file: "/" + lf}, true, h
		}
	}
	return m, ok, nil
}

// headroom is limit - usage, or 0 when usage exceeds limit.
func headroom(limit, usage uint64) uint64 {
	if usage >= limit {
		return 0
	}
	return limit - usage
}

// readCPUQuota returns the CPU bandwidth limit of this process's cgroups as
// a number of CPUs (quota / period), the smallest among its own cgroup and
// its ancestors, and ok false when none sets one. On cgroup v2 it reads
// cpu.max, "max 100000" (no limit) or "200000 100000" (2 CPUs); on v1
// cpu.cfs_quota_us (-1 is no limit) and cpu.cfs_period_us. A malformed file
// is an error naming it.
func readCPUQuota(fsys fs.FS) (cpus float64, ok bool, err error) {
	cg, err := readCgroups(fsys)
	if err != nil {
		return 0, false, err
	}
	dirs, v1 := cg.dirs(fsys, "cpu")
	for _, d := range dirs {
		var q float64
		var found bool
		if v1 {
			q, found, err = readCPUQuotaV1(fsys, d)
		} else {
			q, found, err = readCPUQuotaV2(fsys, d)
		}
		if err != nil {
			return 0, false, err
		}
		if found && (!ok || q < cpus) {
			cpus, ok = q, true
		}
	}
	return cpus, ok, nil
}

// readCPUQuotaV2 reads cpu.max in the folder d.
func readCPUQuotaV2(fsys fs.FS, d string) (float64, bool, error) {
	name := path.Join(d, "cpu.max")
	s, found, err := readValue(fsys, name)
	if !found || err != nil {
		return 0, false, err
	}
	f := strings.Fields(s)
	if len(f) == 1 || len(f) == 2 {
		period := 100000.0 // the kernel's default when the file gives only the quota
		var perr error
		if len(f) == 2 {
			period, perr = strconv.ParseFloat(f[1], 64)
		}
		if f[0] == "max" && perr == nil && period > 0 {
			return 0, false, nil
		}
		quota, qerr := strconv.ParseFloat(f[0], 64)
		if qerr == nil && perr == nil && quota > 0 && period > 0 {
			return quota / period, true, nil
		}
	}
	return 0, false, fmt.Errorf(`machine: /%s: malformed value %q (want "max PERIOD" or "QUOTA PERIOD" in µs)`, name, s)
}

// readCPUQuotaV1 reads cpu.cfs_quota_us and cpu.cfs_period_us in the
// folder d.
func readCPUQuotaV1(fsys fs.FS, d string) (float64, bool, error) {
	qf, pf := path.Join(d, "cpu.cfs_quota_us"), path.Join(d, "cpu.cfs_period_us")
	qs, found, err := readValue(fsys, qf)
	if !found || err != nil {
		return 0, false, err
	}
	quota, err := strconv.ParseInt(qs, 10, 64)
	if err != nil || quota == 0 || quota < -1 {
		return 0, false, fmt.Errorf("machine: /%s: malformed value %q (want microseconds or -1)", qf, qs)
	}
	if quota == -1 {
		return 0, false, nil
	}
	ps, found, err := readValue(fsys, pf)
	if err != nil {
		return 0, false, err
	}
	if !found {
		return 0, false, fmt.Errorf("machine: /%s: missing, but /%s sets a quota", pf, qf)
	}
	period, err := strconv.ParseInt(ps, 10, 64)
	if err != nil || period <= 0 {
		return 0, false, fmt.Errorf("machine: /%s: malformed value %q (want microseconds)", pf, ps)
	}
	return float64(quota) / float64(period), true, nil
}
