package theory

import "math"

// ipow returns x^n for n >= 0 by n multiplications left to right, the same
// order as Mode.Product of n equal scalars, so that the two agree bitwise.
func ipow(x float64, n int) float64 {
	p := 1.0
	for range n {
		p *= x
	}
	return p
}

func checkNorm(phiNorm float64) {
	if !(phiNorm > 0) || math.IsInf(phiNorm, 0) {
		bad("||Phi||_F = %v is not positive and finite", phiNorm)
	}
}

// Rho returns the common singular value rho(t), t = 0..steps (steps+1
// values), of the untouched directions of every layer of the original
// network on MF with orthogonal eps-init (Law of Parsimony, DESIGN.md
// 4(a)3):
//
//	rho(0) = eps,  rho(t+1) = rho(t) (1 - eta c rho(t)^(2(L-1))).
//
// Derivation: on a direction that the target does not touch, each of the L
// layers acts as rho times an orthogonal map, the product as rho^L, and its
// gradient is c rho^L times rho^(L-1) (the other L-1 layers). For L = 1 it is
// the geometric rho(t) = eps (1 - eta c)^t.
//
// Each step is evaluated as rho - eta (c rho^L) rho^(L-1), powers multiplied
// left to right: the operations of a Mode with target 0, so that ZeroMode
// with Alpha = 1 reproduces Rho^L to the last bit or two rather than to the
// per-step rounding of a differently ordered formula (the factored
// rho (1 - eta c rho^(2(L-1))) drifts from it by up to u relative per step,
// 2.6e-12 in rho^L after 5000 steps at the paper-mf preset). Either way the
// recursion is good to about u relative to rho per step.
//
// Rho allocates steps+1 values: it is for short horizons and tests. A run,
// whose step budget comes from the user, uses RhoSeq, which holds one value.
// The two agree bit for bit.
//
// It panics with ErrInput if L < 1, steps < 0, or an argument is not finite.
func Rho(eps, eta, c float64, L, steps int) []float64 {
	if steps < 0 {
		bad("steps = %d < 0", steps)
	}
	q := NewRhoSeq(eps, eta, c, L)
	rho := make([]float64, steps+1)
	for t := range rho {
		rho[t] = q.At(t)
	}
	return rho
}

// RhoSeq is rho(t) of Rho advanced on demand: it holds the last value
// computed and its step, so a caller asking for t = 0, 1, 2, ... (or any
// increasing sequence) pays one recursion step per step and no memory.
// It is not safe for concurrent use.
type RhoSeq struct {
	eps, eta, c float64
	L           int
	t           int     // step of x
	x           float64 // rho(t)
}

// NewRhoSeq returns rho(t) of Rho(eps, eta, c, L, .) positioned at t = 0.
// It panics with ErrInput if L < 1 or an argument is not finite.
func NewRhoSeq(eps, eta, c float64, L int) *RhoSeq {
	checkDepth(L, 1)
	ModeParams{L: L, Eps: eps, Eta: eta, Alpha: 1, C: c}.check()
	return &RhoSeq{eps: eps, eta: eta, c: c, L: L, x: eps}
}

// At returns rho(t), equal bit for bit to Rho(eps, eta, c, L, T)[t] for any
// T >= t. It costs t - t' recursion steps when t >= t', the step of the
// previous call, and t steps otherwise (it restarts from rho(0); t = 0 is
// free); it allocates nothing. It panics with ErrInput if t < 0.
func (q *RhoSeq) At(t int) float64 {
	if t < 0 {
		bad("t = %d < 0", t)
	}
	if t == 0 {
		return q.eps
	}
	if t < q.t {
		q.t, q.x = 0, q.eps
	}
	for ; q.t < t; q.t++ {
		x := q.x
		g := ipow(x, q.L-1) // the other L-1 layers
		q.x = x - q.eta*(q.c*(g*x))*g
	}
	return q.x
}

// LoPGap returns the predicted distance ||W_orig(t) - W_comp(t)||_F between
// the original network and the LoP compressed network with frozen outer
// factors (gamma = 0) on MF (DESIGN.md 4(a)4): the two agree on the 2r
// directions the compressed network spans and differ by the original's
// rho^L on each of the other d - 2r, so
//
//	LoPGap = rho^L sqrt(d - 2r),
//
// with rho = Rho(...)[t]. It panics with ErrInput if L < 1, r < 1 or
// d < 2r.
func LoPGap(rho float64, L, d, r int) float64 {
	checkDepth(L, 1)
	checkWidth("r", r)
	if d < 2*r {
		bad("d = %d < 2r = %d", d, 2*r)
	}
	return math.Abs(ipow(rho, L)) * math.Sqrt(float64(d-2*r))
}

// FloorOriginal returns the error floor of the original network on MF
// (DESIGN.md 4(b)7): it keeps d - r unlearned directions at scale about
// rho^L, so its relative recovery error levels off near
//
//	FloorOriginal = rho^L sqrt(d - r) / ||Phi||_F.
//
// This is an estimate ("about"), not an identity: the r directions next to
// the learned ones in the 2r-dimensional moving subspace need not sit at
// exactly rho. It panics with ErrInput if L < 1, r < 1, d < r or phiNorm is
// not positive and finite.
func FloorOriginal(rho float64, L, d, r int, phiNorm float64) float64 {
	checkDepth(L, 1)
	checkWidth("r", r)
	if d < r {
		bad("d = %d < r = %d", d, r)
	}
	checkNorm(phiNorm)
	return math.Abs(ipow(rho, L)) * math.Sqrt(float64(d-r)) / phiNorm
}

// FloorCompressed returns the error floor of the compressed network of width
// rh on MF (DESIGN.md 4(b)7): its rh - r zero-target modes sit at the
// product pZero of ZeroMode and nothing else is left once the r signal modes
// are learned, so
//
//	FloorCompressed = |pZero| sqrt(rh - r) / ||Phi||_F.
//
// With Alpha = 1, pZero = rho^L and FloorCompressed / FloorOriginal =
// sqrt((rh - r)/(d - r)). It panics with ErrInput if r < 1, rh < r (then
// unlearned target modes dominate the error) or phiNorm is not positive and
// finite.
func FloorCompressed(pZero float64, rh, r int, phiNorm float64) float64 {
	checkWidth("r", r)
	if rh < r {
		bad("rh = %d < r = %d", rh, r)
	}
	checkNorm(phiNorm)
	return math.Abs(pZero) * math.Sqrt(float64(rh-r)) / phiNorm
}
