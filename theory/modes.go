package theory

import (
	"math"
	"slices"
)

// ModeParams configures the scalar recursion of one singular mode of the
// compressed network trained by gradient descent on the MF loss
// (DESIGN.md 4(a)2). Its zero value is not usable (L must be at least 1);
// copy DefaultModeParams and change what differs.
type ModeParams struct {
	// L is the depth: the number of layers, hence of scalars per mode.
	// At least 1.
	L int
	// Eps is the initial value of every layer's scalar: the init scale eps
	// of W_1 = eps V_rh^T, W_l = eps I, W_L = eps U_rh. Dimensionless.
	Eps float64
	// Eta is the step size of the inner layers 2..L-1.
	Eta float64
	// Alpha multiplies Eta on the outer layers 1 and L (for L = 1 the
	// single layer is outer, for L = 2 both are). It is used as given:
	// 0 freezes the outer layers, 1 is plain gradient descent.
	Alpha float64
	// C is the loss scale of f(W) = C ||W - Phi||_F^2 / 2: 1/(rows*cols)
	// for the "mean" loss, 1 for the "sum" loss.
	C float64
}

// DefaultModeParams is the paper-mf preset of DESIGN.md section 2: depth 3,
// eps = 1e-2, eta = 1, alpha = 1 and the mean loss at d = 100
// (C = 1/d^2 = 1e-4).
var DefaultModeParams = ModeParams{L: 3, Eps: 1e-2, Eta: 1, Alpha: 1, C: 1e-4}

func (p ModeParams) check() {
	checkDepth(p.L, 1)
	for _, v := range [...]struct {
		name string
		x    float64
	}{{"Eps", p.Eps}, {"Eta", p.Eta}, {"Alpha", p.Alpha}, {"C", p.C}} {
		if math.IsNaN(v.x) || math.IsInf(v.x, 0) {
			bad("ModeParams.%s = %v is not finite", v.name, v.x)
		}
	}
}

// Mode is one singular mode of the compressed network on MF with surrogate
// Phi = U diag(s) V^T. With the spectral init every layer stays diagonal in
// the bases of Phi's singular vectors, so mode i is a chain of L scalars
// x_1..x_L (the i-th diagonal entry of each layer), all starting at Eps,
// whose product p = x_1 ... x_L is the i-th singular value of W up to sign.
// Restricted to the mode, the loss is C (p - s)^2 / 2, so a GD step is
//
//	x_l <- x_l - eta_l C (p - s) prod_{k != l} x_k   (all l at once),
//
// eta_l = Alpha Eta for l = 1 and l = L, Eta otherwise.
//
// Layers are numbered 1..L, as in DESIGN.md. A Mode allocates its state in
// NewMode; Step, Product and Layer allocate nothing.
type Mode struct {
	s                float64
	c, eta, etaOuter float64
	x, pre           []float64
}

// NewMode returns the mode of target singular value s (0 for a mode beyond
// the target's rank) at step 0. It panics with ErrInput if p is invalid or s
// is not finite.
func NewMode(s float64, p ModeParams) *Mode {
	p.check()
	if math.IsNaN(s) || math.IsInf(s, 0) {
		bad("target singular value %v is not finite", s)
	}
	m := &Mode{
		s: s, c: p.C, eta: p.Eta, etaOuter: p.Alpha * p.Eta,
		x: make([]float64, p.L), pre: make([]float64, p.L),
	}
	for l := range m.x {
		m.x[l] = p.Eps
	}
	return m
}

// Step advances the mode by one gradient-descent step, updating all layers
// simultaneously from the old values. prod_{k != l} x_k is formed as a
// prefix product times a suffix product (no division, so a zero layer is
// fine): O(L) flops, no allocation.
func (m *Mode) Step() {
	x, pre := m.x, m.pre
	L := len(x)
	prod := 1.0
	for l := range L {
		pre[l] = prod // x_1 ... x_{l-1} (0-based: x[0..l-1])
		prod *= x[l]
	}
	res := m.c * (prod - m.s)
	suf := 1.0 // x_{l+1} ... x_L of the old values
	for l := L - 1; l >= 0; l-- {
		g := pre[l] * suf
		suf *= x[l]
		eta := m.eta
		if l == 0 || l == L-1 {
			eta = m.etaOuter
		}
		x[l] -= eta * res * g
	}
}

// Product returns p = x_1 ... x_L, multiplied left to right.
func (m *Mode) Product() float64 {
	prod := 1.0
	for _, v := range m.x {
		prod *= v
	}
	return prod
}

// Layer returns x_l, the scalar of layer l, 1 <= l <= L. It panics if l is
// out of range.
func (m *Mode) Layer(l int) float64 {
	if l < 1 || l > len(m.x) {
		bad("layer %d outside 1..%d", l, len(m.x))
	}
	return m.x[l-1]
}

// Trajectory is the predicted course of a training run at its checkpoints.
// All slices have one entry per checkpoint.
type Trajectory struct {
	// Steps are the checkpoint step counts, increasing: 0, every, 2 every,
	// ..., and always the last step.
	Steps []int
	// RecoveryError is ||W - Phi||_F / ||Phi||_F.
	RecoveryError []float64
	// TrainLoss is C ||W - Phi||_F^2 / 2.
	TrainLoss []float64
	// SingularValues are the rh singular values |p_i| of W, decreasing.
	SingularValues [][]float64
}

// At returns the index of the checkpoint taken at step, and whether there is
// one.
func (t Trajectory) At(step int) (i int, ok bool) {
	return slices.BinarySearch(t.Steps, step)
}

// checkTarget panics with ErrInput unless s is a nonempty, non-increasing
// list of positive finite singular values.
func checkTarget(s []float64) {
	if len(s) == 0 {
		bad("no target singular values (a zero target has no relative error)")
	}
	for i, v := range s {
		if !(v > 0) || math.IsInf(v, 0) {
			bad("target singular value s[%d] = %v is not positive and finite", i, v)
		}
		if i > 0 && v > s[i-1] {
			bad("target singular values not decreasing: s[%d] = %v > s[%d] = %v", i, v, i-1, s[i-1])
		}
	}
}

// CompressedMF predicts the MF training trajectory of the compressed network
// of width rh (DESIGN.md 4(a)2): W_1 = eps V_rh^T, W_l = eps I,
// W_L = eps U_rh from the SVD of the surrogate Phi = U diag(s) V^T, trained
// by gradient descent on f(W) = C ||W - Phi||_F^2 / 2 with step sizes
// Alpha Eta (outer layers) and Eta (inner).
//
// s holds Phi's r nonzero singular values in decreasing order. Mode i < rh
// evolves as a Mode with target s_i (s_i = 0 for r <= i < rh), so
// W = U_rh diag(p) V_rh^T and
//
//	||W - Phi||_F^2 = sum_{i<rh} (p_i - s_i)^2 + sum_{i>=rh} s_i^2:
//
// modes i >= rh (when r > rh) are never learned. The rh - r zero-target
// modes are identical and simulated once. Checkpoints are taken at steps 0,
// every, 2 every, ... and at steps; steps = 0 gives the initial point only.
//
// Cost: O(min(r, rh) + 1) L flops per step plus O(rh log rh) per checkpoint.
// All output is allocated before the first step; the loop allocates nothing.
// It panics with ErrInput if s is empty, not positive or not decreasing,
// rh < 1, steps < 0, every < 1, or p is invalid.
func CompressedMF(s []float64, rh int, p ModeParams, steps, every int) Trajectory {
	checkTarget(s)
	checkWidth("rh", rh)
	p.check()
	if steps < 0 {
		bad("steps = %d < 0", steps)
	}
	if every < 1 {
		bad("every = %d < 1", every)
	}
	r := len(s)
	k := min(r, rh) // learned signal modes
	nZero := max(rh-r, 0)
	var phi2, tail float64
	for i, v := range s {
		phi2 += v * v
		if i >= rh {
			tail += v * v
		}
	}
	phiNorm := math.Sqrt(phi2)

	modes := make([]*Mode, k)
	for i := range modes {
		modes[i] = NewMode(s[i], p)
	}
	zero := NewMode(0, p)

	n := steps/every + 1
	if steps%every != 0 {
		n++
	}
	tr := Trajectory{
		Steps:          make([]int, 0, n),
		RecoveryError:  make([]float64, 0, n),
		TrainLoss:      make([]float64, 0, n),
		SingularValues: make([][]float64, 0, n),
	}
	svs := make([]float64, n*rh)
	record := func(t int) {
		sv := svs[len(tr.Steps)*rh : (len(tr.Steps)+1)*rh : (len(tr.Steps)+1)*rh]
		sq := tail
		for i, m := range modes {
			pi := m.Product()
			sq += (pi - s[i]) * (pi - s[i])
			sv[i] = math.Abs(pi)
		}
		if nZero > 0 {
			p0 := zero.Product()
			sq += float64(nZero) * p0 * p0
			for i := k; i < rh; i++ {
				sv[i] = math.Abs(p0)
			}
		}
		slices.Sort(sv)
		slices.Reverse(sv)
		tr.Steps = append(tr.Steps, t)
		tr.RecoveryError = append(tr.RecoveryError, math.Sqrt(sq)/phiNorm)
		tr.TrainLoss = append(tr.TrainLoss, p.C/2*sq)
		tr.SingularValues = append(tr.SingularValues, sv)
	}
	record(0)
	for t := 1; t <= steps; t++ {
		for _, m := range modes {
			m.Step()
		}
		if nZero > 0 {
			zero.Step()
		}
		if t%every == 0 || t == steps {
			record(t)
		}
	}
	return tr
}

// ZeroMode returns the product p(t) = x_1(t) ... x_L(t) of a mode with
// target s = 0 for t = 0..steps (steps+1 values): the scale of the rh - r
// unlearned directions of the compressed network, used by FloorCompressed.
// With Alpha = 1 every layer follows the Law-of-Parsimony recursion, since
// x <- x - Eta C x^L x^(L-1) = x (1 - Eta C x^(2(L-1))), so
// ZeroMode(p, T)[t] = Rho(Eps, Eta, C, L, T)[t]^L. It panics with ErrInput
// if steps < 0 or p is invalid.
func ZeroMode(p ModeParams, steps int) []float64 {
	if steps < 0 {
		bad("steps = %d < 0", steps)
	}
	m := NewMode(0, p)
	out := make([]float64, steps+1)
	out[0] = m.Product()
	for t := 1; t <= steps; t++ {
		m.Step()
		out[t] = m.Product()
	}
	return out
}

// ZeroModeAt returns ZeroMode(p, t)[t], the product of a zero-target mode
// at step t, without the slice: t recursion steps, no allocation beyond
// the mode's. It panics with ErrInput if t < 0 or p is invalid.
func ZeroModeAt(p ModeParams, t int) float64 {
	if t < 0 {
		bad("steps = %d < 0", t)
	}
	m := NewMode(0, p)
	for range t {
		m.Step()
	}
	return m.Product()
}

// LearnSteps predicts when each singular value is learned (DESIGN.md
// 4(c)8, incremental learning). For each target singular value s_i,
// i < min(r, rh), it returns the first step t in 0..maxSteps at which the
// mode's product reaches p_i(t) >= frac s_i, or -1 if it does not within
// maxSteps. The recursion stops once every mode is learned. frac is
// typically in (0, 1); a mode converging to s_i from below never reaches
// frac > 1. Incremental learning is the prediction that the result is
// Ordered, and increasing for well-separated s.
//
// It panics with ErrInput on an invalid s or p (see CompressedMF), rh < 1,
// frac not positive and finite, or maxSteps < 0.
func LearnSteps(s []float64, rh int, p ModeParams, frac float64, maxSteps int) []int {
	checkTarget(s)
	checkWidth("rh", rh)
	p.check()
	if !(frac > 0) || math.IsInf(frac, 0) {
		bad("frac = %v is not positive and finite", frac)
	}
	if maxSteps < 0 {
		bad("maxSteps = %d < 0", maxSteps)
	}
	k := min(len(s), rh)
	modes := make([]*Mode, k)
	at := make([]int, k)
	for i := range modes {
		modes[i] = NewMode(s[i], p)
		at[i] = -1
	}
	left := k
	for t := 0; ; t++ {
		for i, m := range modes {
			if at[i] < 0 && m.Product() >= frac*s[i] {
				at[i] = t
				left--
			}
		}
		if left == 0 || t == maxSteps {
			return at
		}
		for i, m := range modes {
			if at[i] < 0 {
				m.Step()
			}
		}
	}
}

// Ordered reports whether steps, as returned by LearnSteps, is in learning
// order: its non-negative entries are non-decreasing and every -1 (never
// learned) comes after all of them. Any other negative entry makes it false.
func Ordered(steps []int) bool {
	last, sawNever := 0, false
	for _, t := range steps {
		switch {
		case t == -1:
			sawNever = true
		case t < 0, sawNever, t < last:
			return false
		default:
			last = t
		}
	}
	return true
}
