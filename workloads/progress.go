package workloads

import (
	"fmt"
	"io"
	"time"

	"gonum.org/v1/gonum/mat"
)

// progressQuiet is how long a phase runs before Progress says anything,
// and progressEvery the least time between two of its lines.
const (
	progressQuiet = time.Second
	progressEvery = 2 * time.Second
)

// progress prints the advance of a phase that may take seconds (the
// randomized SVD of a sparse surrogate at d = 262,144): once the phase has
// run progressQuiet, a line at most every progressEvery with the count
// done and the time left at the rate so far. A nil *progress prints
// nothing.
type progress struct {
	w          io.Writer
	what, unit string
	total      int
	start      time.Time
	last       time.Time
}

// newProgress returns the progress of a phase of total units (a plural
// noun) to w, or nil when w is nil.
func newProgress(w io.Writer, what string, total int, unit string) *progress {
	if w == nil {
		return nil
	}
	now := time.Now()
	return &progress{w: w, what: what, unit: unit, total: total, start: now, last: now}
}

// step says that done of the total units are done.
func (p *progress) step(done int) {
	if p == nil {
		return
	}
	now := time.Now()
	el := now.Sub(p.start)
	if el < progressQuiet || (now.Sub(p.last) < progressEvery && done < p.total) {
		return
	}
	p.last = now
	if done >= p.total {
		fmt.Fprintf(p.w, "%s: %d %s in %.1f s\n", p.what, p.total, p.unit, el.Seconds())
		return
	}
	left := el.Seconds() * float64(p.total-done) / float64(max(done, 1))
	fmt.Fprintf(p.w, "%s: %d of %d %s, %.1f s, about %.0f s left\n", p.what, done, p.total, p.unit, el.Seconds(), left)
}

// counted wraps the products apply and applyT so that each call advances
// p by one.
func counted(p *progress, apply, applyT func(dst, x *mat.Dense)) (func(dst, x *mat.Dense), func(dst, x *mat.Dense)) {
	if p == nil {
		return apply, applyT
	}
	n := 0
	return func(dst, x *mat.Dense) { apply(dst, x); n++; p.step(n) },
		func(dst, x *mat.Dense) { applyT(dst, x); n++; p.step(n) }
}
