package theory

import "math"

// StableEta returns the largest base learning rate at which gradient
// descent from a small balanced initialization keeps the top singular mode
// of a depth-L factorization at its fixed point, for a loss of curvature c
// (f(W) = c ||W - Phi||_F^2 / 2 along the mode) and a top singular value
// s1. The L_out = min(L, 2) outer layers step at alpha eta, the others at
// eta. Gradient flow keeps sigma_l^2 / eta_l equal across the layers (up
// to eps^2), so near the fixed point x = prod sigma_l = s1 the error
// x - s1 is multiplied per step by 1 - eta c L alpha^(L_out/L)
// s1^(2-2/L), which stays in (-1, 1) below
//
//	eta = 2 / (c L alpha^(L_out/L) s1^(2-2/L)).
//
// The limit is for the last, stiffest phase of training; the presets run
// at 0.3 to 0.65 of it. It panics with ErrInput unless L >= 1 and c, s1 and
// alpha are positive and finite.
func StableEta(s1 float64, L int, c, alpha float64) float64 {
	finitePos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case L < 1:
		bad("L = %d < 1", L)
	case !finitePos(s1):
		bad("s1 = %v, want positive and finite", s1)
	case !finitePos(c):
		bad("c = %v, want positive and finite", c)
	case !finitePos(alpha):
		bad("alpha = %v, want positive and finite", alpha)
	}
	n := float64(L)
	rate := n * math.Pow(alpha, float64(min(L, 2))/n)
	return 2 / (c * rate * math.Pow(s1, 2-2/n))
}
