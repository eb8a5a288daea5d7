package gate

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// AcceptFile is the accept file's name at the root of the head revision.
const AcceptFile = ".lowdim-gate-accept"

// AcceptLine accepts the head's value of one exact or tolerance metric.
type AcceptLine struct {
	Benchmark string // without "Benchmark"
	Unit      string // as the gate prints it
	Value     float64
	Line      int
}

// Accept is the parsed accept file: intended changes of exact and
// tolerance metrics, committed in the same commit as the change.
//
// Each line that is not blank or a # comment reads
//
//	Benchmark<name> <unit> <value>
//
// (the "Benchmark" prefix optional), e.g.
//
//	BenchmarkStep/workload=mf/method=compressed/path=factored/d=64/L=3 flops/op 256200
//
// and accepts a head whose metric has that value (within the kind's
// tolerance), whatever the base's. A line whose value is no longer the
// head's accepts nothing, so an old line cannot hide a later change;
// lines that accepted nothing are listed as stale (Stale), not errors.
type Accept []AcceptLine

// ParseAccept reads an accept file's data; name is used in errors, which
// give the line.
func ParseAccept(name string, data []byte) (Accept, error) {
	var a Accept
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want \"Benchmark<name> <unit> <value>\", got %q", name, n, line)
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: value %q is not a number", name, n, f[2])
		}
		if k := kindOf(f[1]); k != Exact && k != Tolerance {
			return nil, fmt.Errorf("%s:%d: unit %s is not gated exactly or within a tolerance, so it needs no accepting", name, n, f[1])
		}
		a = append(a, AcceptLine{Benchmark: strings.TrimPrefix(f[0], "Benchmark"), Unit: f[1], Value: v, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return a, nil
}

// Accepts reports whether a accepts value as the head's unit of name.
func (a Accept) Accepts(name, unit string, value float64, k Kind) bool {
	return a.match(name, unit, value, k) >= 0
}

func (a Accept) match(name, unit string, value float64, k Kind) int {
	for i, l := range a {
		if l.Benchmark == name && l.Unit == unit && agree(unit, k, l.Value, value) {
			return i
		}
	}
	return -1
}

// Stale returns the lines of a that accepted no row of rows.
func (a Accept) Stale(rows []Row) []AcceptLine {
	used := make([]bool, len(a))
	for _, r := range rows {
		if r.Verdict == Accepted {
			if i := a.match(r.Benchmark, r.Unit, r.Head.Center, r.Kind); i >= 0 {
				used[i] = true
			}
		}
	}
	var out []AcceptLine
	for i, l := range a {
		if !used[i] {
			out = append(out, l)
		}
	}
	return out
}
