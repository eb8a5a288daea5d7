// Package memplan plans the memory of a run before anything is allocated,
// checks the plan against the memory the process may take, and holds the
// run to it.
//
// A plan lists phases: sets of buffers that are live at the same time (the
// instance while its target is drawn; each network while it trains, with the
// data and the checks' extra networks). The planned peak RSS is
//
//	Total = Base + Limit,  Limit = Headroom * max over phases of the phase's bytes
//
// where Base is the process's resident memory when the plan is made plus the
// BLAS backend's own buffers (outside the Go heap), and Headroom the share of
// the live heap the garbage collector may add on top of it. Left alone, Go's
// collector (GOGC=100) lets the heap grow to twice the live data before it
// collects, so the peak RSS of a run depends on when collections happen;
// Enforce sets Limit as the Go runtime's soft memory limit
// (runtime/debug.SetMemoryLimit), so that the collector keeps the heap
// within it and the plan is a bound the run keeps, not a guess.
//
// Plans allocate only their own small slices; nothing here touches the
// buffers they describe.
package memplan

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/lowdim/lowdim/machine"
)

// Headroom is the factor on the largest phase's live bytes that the Go
// heap may reach: the live data, plus a quarter for garbage between
// collections and the runtime's own metadata. With the soft limit in force
// a smaller factor makes the collector run more often (cheap here: lowdim's
// large buffers are pointer-free float64 slices, which the collector does not
// scan), a larger one lets the heap grow further before it collects.
const Headroom = 1.25

// Item is one buffer or group of buffers a phase holds, with the flag or
// file whose value sets its size (for the error when it does not fit).
type Item struct {
	// What names it, e.g. "the original network at --d 1500 (parameters and workspace)".
	What string
	// Flag is the flag (without dashes) or file that sets its size, and
	// Value that flag's value; both may be empty.
	Flag  string
	Value any
	Bytes uint64
}

// Phase is a set of items live at the same time.
type Phase struct {
	Name  string
	Items []Item
}

// Bytes returns the sum of the phase's items.
func (p Phase) Bytes() uint64 {
	var b uint64
	for _, it := range p.Items {
		b += it.Bytes
	}
	return b
}

// Plan is a run's memory plan. The zero value plans nothing.
type Plan struct {
	// Base is the resident memory outside the phases: the process as it is
	// when the plan is made (see NewBase).
	Base   uint64
	Phases []Phase
}

// Add appends a phase.
func (p *Plan) Add(name string, items ...Item) {
	p.Phases = append(p.Phases, Phase{Name: name, Items: items})
}

// Largest returns the phase with the most bytes (the first of equals) and
// false when the plan has no phase.
func (p Plan) Largest() (Phase, bool) {
	if len(p.Phases) == 0 {
		return Phase{}, false
	}
	best := p.Phases[0]
	for _, ph := range p.Phases[1:] {
		if ph.Bytes() > best.Bytes() {
			best = ph
		}
	}
	return best, true
}

// Live returns the bytes of the largest phase.
func (p Plan) Live() uint64 {
	ph, _ := p.Largest()
	return ph.Bytes()
}

// Limit is the Go heap the plan allows: Headroom times Live, at least
// MinLimit.
func (p Plan) Limit() uint64 { return max(uint64(Headroom*float64(p.Live())), MinLimit) }

// Total is the planned peak resident memory: Base + Limit.
func (p Plan) Total() uint64 { return p.Base + p.Limit() }

// Error is a plan that does not fit: it names the largest item of the
// largest phase, with its flag and value, and the budget it ran into.
type Error struct {
	Item   Item
	Phase  string
	Total  uint64
	Budget machine.Budget
}

func (e *Error) Error() string {
	where := "available memory (MemAvailable)"
	if e.Budget.Source == machine.FromCgroup {
		where = fmt.Sprintf("the cgroup's memory limit (%s: %s, %s in use)", e.Budget.CgroupFile,
			machine.FormatBytes(e.Budget.CgroupLimit), machine.FormatBytes(e.Budget.CgroupUsage))
	}
	s := fmt.Sprintf("the run needs about %s at its peak (%s: %s for %s), more than %s allows: %s",
		machine.FormatBytes(e.Total), e.Phase, machine.FormatBytes(e.Item.Bytes), e.Item.What,
		where, machine.FormatBytes(e.Budget.Available))
	if e.Item.Flag != "" {
		s = fmt.Sprintf("--%s %v: %s", e.Item.Flag, e.Item.Value, s)
	}
	return s
}

// Check returns an *Error when Total exceeds the budget's Available, and
// nil otherwise (also when the budget is unknown: Available 0 and no
// source).
func (p Plan) Check(b machine.Budget) error {
	if b.Available == 0 && b.Source == "" {
		return nil
	}
	if p.Total() <= b.Available {
		return nil
	}
	ph, _ := p.Largest()
	var big Item
	for _, it := range ph.Items {
		if it.Bytes > big.Bytes {
			big = it
		}
	}
	return &Error{Item: big, Phase: ph.Name, Total: p.Total(), Budget: b}
}

// Enforce sets Limit as the Go runtime's soft memory
// limit unless the user set one with the GOMEMLIMIT environment variable,
// and returns a function that restores the previous limit. It allocates
// nothing.
func (p Plan) Enforce() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(int64(p.Limit()))
	return func() { debug.SetMemoryLimit(prev) }
}

// MinLimit is the smallest soft limit Enforce sets: below it the Go
// runtime's own memory and the small allocations of a run (trajectories,
// figures) dominate, and a tight limit would only make the collector run
// without need.
const MinLimit = 16 << 20

// NewBase returns the base of a plan made now: the process's resident
// memory (VmRSS; 0 where unknown). The BLAS backend's own buffers
// (OpenBLAS's, outside the Go heap) are not counted apart: they stay within
// the Headroom the plan leaves (the package test measures both backends).
func NewBase() uint64 {
	rss, _ := machine.CurrentRSS()
	return rss
}
