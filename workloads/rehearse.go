package workloads

import (
	"fmt"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"
)

// Rehearser is implemented by the workloads whose surrogate's top singular
// vectors come from a randomized SVD that draws its starting block from the
// workload's own generator, each call continuing the stream (SparseMC and
// EntriesMC: TopSingular). A network built twice — the time preflight's
// probe, then training — calls TopSingular twice, and training starts from
// the second call's vectors; a rehearsal computes them once.
type Rehearser interface {
	// RehearseTopSingular says that the next call of TopSingular(k) is a
	// rehearsal of the call after it (the probe's build before
	// training's). That call draws the generator's numbers of both calls,
	// computes the second call's vectors, keeps them and returns them;
	// the call after it returns the kept vectors without computing or
	// drawing. Both calls return what the second would have returned
	// without a rehearsal, and leave the generator where the two calls
	// would have left it; the kept vectors (rows x k and cols x k) are
	// held in between. The returned cancel ends a rehearsal whose call
	// was not made (a probe stopped before its network was built), so
	// that the next call is an ordinary one; after the call it does
	// nothing. A call of TopSingular with another k while a rehearsal
	// is announced, or while vectors for another k are kept, panics (the
	// caller rehearsed calls it did not make).
	RehearseTopSingular(k int) (cancel func())
	// RehearsedTime is how long the last rehearsed call took (drawing
	// both calls' numbers and computing the vectors), wall time: what
	// the call after it no longer costs; 0 before one is made.
	RehearsedTime() time.Duration
}

// rehearsal is the state of a Rehearser: the k of an announced rehearsal
// (0: none) and the vectors kept for the call after it.
type rehearsal struct {
	pending int
	kept    *keptVectors
	took    time.Duration // of the last rehearsed call
}

type keptVectors struct {
	k    int
	u, v *mat.Dense
}

// announce implements RehearseTopSingular.
func (r *rehearsal) announce(k int) (cancel func()) {
	if k < 1 {
		panic(fmt.Errorf("workloads: rehearsal of TopSingular(%d)", k))
	}
	if r.pending != 0 || r.kept != nil {
		panic("workloads: a rehearsal of TopSingular is already under way")
	}
	r.pending, r.took = k, 0
	return func() {
		if r.pending == k {
			r.pending = 0
		}
	}
}

// topSingular runs a TopSingular(k) call under the rehearsal's rules:
// skip draws the numbers of a call without computing anything, compute
// makes an ordinary call.
func (r *rehearsal) topSingular(k int, skip func(), compute func() (u, v *mat.Dense, err error)) (u, v *mat.Dense, err error) {
	switch {
	case r.pending == k:
		r.pending = 0
		start := time.Now()
		skip()
		u, v, err = compute()
		r.took = time.Since(start)
		if err == nil {
			r.kept = &keptVectors{k: k, u: u, v: v}
		}
		return u, v, err
	case r.kept != nil && r.kept.k == k:
		u, v = r.kept.u, r.kept.v
		r.kept = nil
		return u, v, nil
	case r.pending != 0 || r.kept != nil:
		panic(fmt.Errorf("workloads: TopSingular(%d) during a rehearsal of TopSingular(%d)", k, max(r.pending, r.keptK())))
	}
	return compute()
}

func (r *rehearsal) keptK() int {
	if r.kept == nil {
		return 0
	}
	return r.kept.k
}

// skipBlock draws from rng the numbers of topSingular's starting block for
// k vectors of a rows x cols map (cols x min(k+10, rows, cols) standard
// normals, as randmat.Gaussian draws them) without keeping them.
func skipBlock(rows, cols, k int, rng *rand.Rand) {
	n := cols * min(k+10, rows, cols)
	for range n {
		rng.NormFloat64()
	}
}
