package machine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// MemFraction is the share of MemAvailable a single planned allocation may
// take for CheckFits to accept it. The rest is headroom for the Go runtime,
// the garbage collector's overshoot and whatever else runs on the machine.
const MemFraction = 0.8

// MemAvailable returns the kernel's estimate of the memory available for
// starting new work without swapping (MemAvailable in /proc/meminfo,
// converted from kB to bytes). It returns an error when the figure is
// unknown: no /proc/meminfo (non-Linux), or a kernel older than 3.14.
func MemAvailable() (uint64, error) {
	f, err := os.Open(meminfoPath)
	if err != nil {
		return 0, fmt.Errorf("machine: available memory unknown: %w", err)
	}
	defer f.Close()
	return memAvailableFrom(f)
}

// memAvailableFrom is MemAvailable reading a meminfo listing from r.
func memAvailableFrom(r io.Reader) (uint64, error) {
	v, ok := parseMeminfo(r)["MemAvailable"]
	if !ok {
		return 0, errors.New("machine: available memory unknown: no MemAvailable in meminfo")
	}
	return v, nil
}

// parseMeminfo returns the well-formed fields of a /proc/meminfo listing in
// bytes. A well-formed line is "Key: value" or "Key: value kB"; values in kB
// (which the kernel means as KiB) are multiplied by 1024. Other lines, and
// values that do not parse or overflow, are skipped.
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
// MemFraction of MemAvailable, and otherwise an error naming what (e.g.
// "sensing operator") and the figures, such as
//
//	sensing operator needs 1.28 GB but only 896 MB of memory is available (80% of MemAvailable 1.12 GB)
//
// When MemAvailable cannot be read (non-Linux, old kernel) it cannot check
// and returns nil.
func CheckFits(need uint64, what string) error {
	avail, err := MemAvailable()
	if err != nil {
		return nil
	}
	return checkFits(need, avail, what)
}

// checkFits is CheckFits with MemAvailable given as avail bytes.
func checkFits(need, avail uint64, what string) error {
	budget := uint64(float64(avail) * MemFraction)
	if need <= budget {
		return nil
	}
	if what == "" {
		what = "this operation"
	}
	return fmt.Errorf("%s needs %s but only %s of memory is available (%g%% of MemAvailable %s)",
		what, FormatBytes(need), FormatBytes(budget), MemFraction*100, FormatBytes(avail))
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
