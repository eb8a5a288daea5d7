package machine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
)

// MemFraction is the share of the available memory (Budget.Available) a
// single planned allocation may take for CheckFits to accept it. The rest is
// headroom for the Go runtime, the garbage collector's overshoot and whatever
// else runs on the machine or in the cgroup.
const MemFraction = 0.8

// BudgetSource names the figure that bounds a Budget's Available.
type BudgetSource string

const (
	// FromMemAvailable: the kernel's MemAvailable, machine-wide.
	FromMemAvailable BudgetSource = "MemAvailable"
	// FromCgroup: the memory limit of a cgroup of the process, less its
	// usage.
	FromCgroup BudgetSource = "cgroup"
)

// Budget is the memory a process may still take, from the machine's and its
// cgroups' points of view. Sizes are in bytes.
type Budget struct {
	// MemAvailable is the kernel's estimate of the memory available for
	// new work without swapping (MemAvailable in /proc/meminfo); 0 when
	// unknown (see HasMemAvailable).
	MemAvailable    uint64
	HasMemAvailable bool
	// CgroupLimit and CgroupUsage are the memory limit and current usage
	// of the cgroup that bounds the process most tightly: the one with the
	// least CgroupLimit - CgroupUsage among its own cgroup and its
	// ancestors. Both are 0, and CgroupFile is "", when no cgroup sets a
	// limit ("max" on cgroup v2, no cgroup at all, non-Linux).
	CgroupLimit uint64
	CgroupUsage uint64
	// CgroupFile is the file CgroupLimit was read from, such as
	// "/sys/fs/cgroup/user.slice/memory.max".
	CgroupFile string
	// Available is the smaller of MemAvailable and
	// CgroupLimit - CgroupUsage (0 when usage exceeds the limit), over
	// those known; Source says which one it is, FromMemAvailable on a tie.
	Available uint64
	Source    BudgetSource
}

// MemoryBudget returns the memory this process may still take: the
// kernel's MemAvailable from /proc/meminfo, bounded by the memory limit of
// the process's cgroup. It finds the cgroup in /proc/self/cgroup and reads,
// on cgroup v2, memory.max and memory.current under /sys/fs/cgroup/<path>
// (or /sys/fs/cgroup/unified/<path> on a hybrid system), on cgroup v1
// memory.limit_in_bytes and memory.usage_in_bytes under
// /sys/fs/cgroup/memory/<path>, in that cgroup and each of its ancestors.
//
// It returns an error naming the file when a cgroup file is malformed, and
// an error when neither figure is known (non-Linux, or a kernel older than
// 3.14 outside any memory-limited cgroup).
func MemoryBudget() (Budget, error) {
	return memoryBudget(rootFS)
}

// memoryBudget is MemoryBudget reading the files from fsys.
func memoryBudget(fsys fs.FS) (Budget, error) {
	var b Budget
	if f, err := fsys.Open(meminfoFile); err == nil {
		b.MemAvailable, b.HasMemAvailable = parseMeminfo(f)["MemAvailable"]
		f.Close()
	}
	cg, limited, err := readCgroupMemory(fsys)
	if err != nil {
		return Budget{}, err
	}
	if limited {
		b.CgroupLimit, b.CgroupUsage, b.CgroupFile = cg.limit, cg.usage, cg.file
	}
	switch h := headroom(b.CgroupLimit, b.CgroupUsage); {
	case b.HasMemAvailable && (!limited || b.MemAvailable <= h):
		b.Available, b.Source = b.MemAvailable, FromMemAvailable
	case limited:
		b.Available, b.Source = h, FromCgroup
	default:
		return Budget{}, errors.New("machine: available memory unknown: no MemAvailable in /proc/meminfo and no cgroup memory limit")
	}
	return b, nil
}

// MemAvailable returns the memory available to this process for new work,
// in bytes: Budget.Available of MemoryBudget, that is the kernel's
// MemAvailable bounded by the process's cgroup memory limit less its usage.
// It returns MemoryBudget's error when that figure is unknown.
func MemAvailable() (uint64, error) {
	b, err := MemoryBudget()
	return b.Available, err
}

// parseMeminfo returns the well-formed fields of a /proc/meminfo listing in
// bytes. A well-formed line is "Key: value" or "Key: value kB"; values in kB
// (which the kernel means as KiB) are multiplied by 1024. Other lines, and
// values that do not parse or overflow, are skipped. /proc/self/status has
// the same form for the fields it shares (VmRSS, VmHWM, ...).
func parseMeminfo(r io.Reader) map[string]uint64 {
	m := make(map[string]uint64)
	s := bufio.NewScanner(r)
	for s.Scan() {
		key, rest, ok := strings.Cut(s.Text(), ":")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 || len(fields) > 2 {
			continue
		}
		v, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			continue
		}
		if len(fields) == 2 {
			if fields[1] != "kB" || v > math.MaxUint64/1024 {
				continue
			}
			v *= 1024
		}
		m[key] = v
	}
	return m
}

// CheckFits is a memory preflight: it returns nil when need bytes fit in
// MemFraction of MemoryBudget's Available, and otherwise an error naming
// what (e.g. "sensing operator"), the figures and the bound that applies,
// such as
//
//	sensing operator needs 1.28 GB but only 896 MB of memory is available (80% of MemAvailable 1.12 GB)
//	sensing operator needs 1.28 GB but only 800 MB of memory is available (80% of the 1 GB left under the cgroup limit 2 GB in /sys/fs/cgroup/job/memory.max, 1 GB in use)
//
// When the available memory cannot be read (non-Linux, old kernel, a
// malformed cgroup file) it cannot check and returns nil.
func CheckFits(need uint64, what string) error {
	b, err := MemoryBudget()
	if err != nil {
		return nil
	}
	return checkFits(need, b, what)
}

// CheckFits is the package's CheckFits against b.
func (b Budget) CheckFits(need uint64, what string) error { return checkFits(need, b, what) }

// checkFits is CheckFits with the budget given.
func checkFits(need uint64, b Budget, what string) error {
	budget := uint64(float64(b.Available) * MemFraction)
	if need <= budget {
		return nil
	}
	if what == "" {
		what = "this operation"
	}
	var of string
	switch b.Source {
	case FromCgroup:
		of = fmt.Sprintf("the %s left under the cgroup limit %s in %s, %s in use",
			FormatBytes(b.Available), FormatBytes(b.CgroupLimit), b.CgroupFile, FormatBytes(b.CgroupUsage))
	default:
		of = "MemAvailable " + FormatBytes(b.Available)
	}
	return fmt.Errorf("%s needs %s but only %s of memory is available (%g%% of %s)",
		what, FormatBytes(need), FormatBytes(budget), MemFraction*100, of)
}

// byteUnits are the decimal SI units FormatBytes uses, each 1000 times the
// previous one.
var byteUnits = [...]string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}

// FormatBytes renders n bytes in decimal SI units (1 kB = 1000 B,
// 1 GB = 10^9 B) with three significant digits and no trailing zeros:
// "512 B", "512 kB", "3.1 MB", "1.28 GB", "1 GB".
func FormatBytes(n uint64) string {
	if n < 1000 {
		return strconv.FormatUint(n, 10) + " B"
	}
	u := 0
	div := 1.0
	for x := n; x >= 1000 && u < len(byteUnits)-1; x /= 1000 {
		u++
		div *= 1000
	}
	for {
		v := float64(n) / div
		s := strconv.FormatFloat(v, 'f', decimals(v), 64)
		// Rounding may carry into the next unit: 999.9 kB -> "1000" -> 1 MB.
		if r, _ := strconv.ParseFloat(s, 64); r >= 1000 && u < len(byteUnits)-1 {
			u++
			div *= 1000
			continue
		}
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s + " " + byteUnits[u]
	}
}

// decimals is the number of decimals that gives v three significant digits.
func decimals(v float64) int {
	switch {
	case v < 10:
		return 2
	case v < 100:
		return 1
	default:
		return 0
	}
}
