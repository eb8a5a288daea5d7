package theory

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestModeDepthOne: with L = 1 the chain is x <- x - eta C (x - s) (the
// product over the other layers is empty), so x_t = s + (eps - s)(1 - eta C)^t.
func TestModeDepthOne(t *testing.T) {
	// Each step rounds about 3 times (C(x - s), eta*res, the subtraction):
	// at most 3u |x| absolute per step, carried forward by the contraction
	// 1 - eta C < 1, so at most 3 t u max(|s|, |eps|) after t steps; the
	// closed form adds t u/2 from rounding 1 - eta C before the power. We
	// allow 4 t u times the scale.
	const steps = 300
	const tolPerStep = 4 * unitRoundoff
	for _, tc := range []struct {
		name           string
		s, eps, eta, c float64
	}{
		{"from below", 2, 1e-2, 0.1, 1},
		{"from above", 0.5, 3, 0.5, 1},
		{"mean loss", 1.5, 0.1, 1, 0.04},
		{"oscillating", 1, 0, 1.5, 1}, // 1 - eta C = -0.5
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMode(tc.s, ModeParams{L: 1, Eps: tc.eps, Eta: tc.eta, Alpha: 1, C: tc.c})
			scale := math.Max(math.Abs(tc.s), math.Abs(tc.eps))
			for k := 1; k <= steps; k++ {
				m.Step()
				want := tc.s + (tc.eps-tc.s)*math.Pow(1-tc.eta*tc.c, float64(k))
				requireClose(t, m.Layer(1), want, float64(k)*tolPerStep*scale, 0, "step %d", k)
				require.Equal(t, m.Layer(1), m.Product(), "L = 1: product is the layer")
			}
		})
	}
}

// TestModeBalanced: with equal step sizes on all layers and equal starts the
// layers stay equal. For L <= 4 every prod_{k != l} x_k of equal scalars is
// the same floating-point expression up to commutation (x(xx) = (xx)x
// exactly), so the layers stay bitwise equal: tolerance 0. For L = 2 both
// layers are outer, so any Alpha keeps them equal.
func TestModeBalanced(t *testing.T) {
	for _, tc := range []struct {
		name  string
		L     int
		alpha float64
	}{
		{"L=2 alpha=1", 2, 1},
		{"L=2 alpha=0.5 (both outer)", 2, 0.5},
		{"L=3 alpha=1", 3, 1},
		{"L=4 alpha=1", 4, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMode(2, ModeParams{L: tc.L, Eps: 0.1, Eta: 0.05, Alpha: tc.alpha, C: 1})
			for k := 1; k <= 3000; k++ {
				m.Step()
				for l := 2; l <= tc.L; l++ {
					require.Equal(t, m.Layer(1), m.Layer(l), "step %d layer %d", k, l)
				}
			}
			// The chain has converged: p = s to a few ulps (tolerance 1e-12
			// relative, far above rounding and far below any learning error).
			requireClose(t, m.Product(), 2, 0, 1e-12)
		})
	}
}

// TestModeAlphaOuter: with Alpha != 1 the outer layers move at a different
// rate from the inner ones (the broken case of TestModeBalanced), while the
// two outer layers, which see mirror-image updates, stay equal.
func TestModeAlphaOuter(t *testing.T) {
	// After 500 steps the chain has left eps = 0.1 (p grows from 1e-3 towards
	// s = 2), and the layers differ at the percent level; 1e-3 relative is a
	// safe lower bound on the difference that rounding (1e-13) cannot reach.
	const minDiff = 1e-3
	for _, alpha := range []float64{0, 0.5, 2} {
		m := NewMode(2, ModeParams{L: 4, Eps: 0.1, Eta: 0.05, Alpha: alpha, C: 1})
		for range 500 {
			m.Step()
		}
		require.Equal(t, m.Layer(1), m.Layer(4), "alpha %v: outer layers", alpha)
		require.Equal(t, m.Layer(2), m.Layer(3), "alpha %v: inner layers", alpha)
		diff := math.Abs(m.Layer(1)-m.Layer(2)) / math.Abs(m.Layer(2))
		require.Greater(t, diff, minDiff, "alpha %v: outer %v, inner %v", alpha, m.Layer(1), m.Layer(2))
		if alpha == 0 {
			require.Equal(t, 0.1, m.Layer(1), "alpha 0 freezes the outer layers")
		}
	}
}

// TestCompressedMFConverges: a small well-conditioned problem, s = (3, 2, 1),
// rh = 4, L = 3, sum loss. The balanced chain's curvature at the minimum is
// L s^(2(L-1)/L) <= 3 * 3^(4/3) ~ 13, so eta = 0.05 is stable (< 2/13) and the
// error decreases at every checkpoint.
func TestCompressedMFConverges(t *testing.T) {
	s := []float64{3, 2, 1}
	p := ModeParams{L: 3, Eps: 1e-2, Eta: 0.05, Alpha: 1, C: 1}
	tr := CompressedMF(s, 4, p, 10000, 100)
	require.Len(t, tr.Steps, 101)
	for i := 1; i < len(tr.Steps); i++ {
		require.LessOrEqual(t, tr.RecoveryError[i], tr.RecoveryError[i-1], "step %d", tr.Steps[i])
	}
	// Floor: the zero mode stays below eps^3 = 1e-6, so the final error is
	// about 1e-6 / ||s|| = 1e-6/sqrt(14) = 2.67e-7; 1e-6 leaves room.
	last := len(tr.Steps) - 1
	require.Less(t, tr.RecoveryError[last], 1e-6)
	requireClose(t, tr.TrainLoss[last], p.C/2*math.Pow(tr.RecoveryError[last], 2)*14, 0, 1e-12)
	// Learned singular values: s to 1e-12 relative (converged), then the
	// zero mode's product, below eps^L.
	sv := tr.SingularValues[last]
	require.Len(t, sv, 4)
	for i, want := range s {
		requireClose(t, sv[i], want, 0, 1e-12, "sv[%d]", i)
	}
	require.Less(t, sv[3], 1e-6)

	// Incremental learning: the largest first.
	at := LearnSteps(s, 4, p, 0.5, 10000)
	require.Len(t, at, 3)
	require.True(t, Ordered(at), "learn steps %v", at)
	require.Positive(t, at[0])
}

// TestCompressedMFWidthBelowRank: with r > rh the modes i >= rh are never
// learned and the error levels off at sqrt(sum_{i>=rh} s_i^2)/||s||.
func TestCompressedMFWidthBelowRank(t *testing.T) {
	s := []float64{3, 2, 1}
	p := ModeParams{L: 2, Eps: 1e-2, Eta: 0.05, Alpha: 1, C: 1}
	tr := CompressedMF(s, 2, p, 5000, 5000)
	require.Equal(t, []int{0, 5000}, tr.Steps)
	// Both learned modes converge to 1e-12 relative; the floor is
	// 1/sqrt(14) exactly up to rounding.
	requireClose(t, tr.RecoveryError[1], 1/math.Sqrt(14), 0, 1e-12)
	require.Len(t, tr.SingularValues[1], 2)
}

func TestCompressedMFCheckpoints(t *testing.T) {
	p := DefaultModeParams
	for _, tc := range []struct {
		name         string
		steps, every int
		want         []int
	}{
		{"no steps", 0, 5, []int{0}},
		{"multiple", 10, 5, []int{0, 5, 10}},
		{"remainder", 11, 5, []int{0, 5, 10, 11}},
		{"every beyond steps", 3, 10, []int{0, 3}},
		{"every step", 3, 1, []int{0, 1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := CompressedMF([]float64{1}, 2, p, tc.steps, tc.every)
			require.Equal(t, tc.want, tr.Steps)
			require.Len(t, tr.RecoveryError, len(tc.want))
			require.Len(t, tr.TrainLoss, len(tc.want))
			require.Len(t, tr.SingularValues, len(tc.want))
			for i, step := range tc.want {
				got, ok := tr.At(step)
				require.True(t, ok)
				require.Equal(t, i, got)
			}
			_, ok := tr.At(tc.steps + 1)
			require.False(t, ok)
		})
	}
}

// TestCompressedMFStepZero compares the error at step 0 with a direct
// evaluation: every mode's product is eps^L, so
// ||W - Phi||^2 = sum_{i<min(r,rh)} (eps^L - s_i)^2 + (rh - r)_+ eps^(2L)
// + sum_{i>=rh} s_i^2.
func TestCompressedMFStepZero(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := rapid.IntRange(1, 8).Draw(t, "r")
		rh := rapid.IntRange(1, 12).Draw(t, "rh")
		L := rapid.IntRange(1, 6).Draw(t, "L")
		eps := rapid.Float64Range(1e-3, 2).Draw(t, "eps")
		s := make([]float64, r)
		prev := 10.0
		for i := range s {
			prev = rapid.Float64Range(1e-2, prev).Draw(t, "s")
			s[i] = prev
		}
		p := ModeParams{L: L, Eps: eps, Eta: 1, Alpha: 1, C: 0.5}
		tr := CompressedMF(s, rh, p, 0, 1)

		pl := math.Pow(eps, float64(L))
		// errSq bounds |computed - exact| of sq for either side: eps^L is
		// good to (L+2) u relative however it is formed, and a term
		// (pl - v)^2 moves by 2 |pl - v| times pl's error, which is large
		// next to the term when pl and v nearly cancel; the subtraction, the
		// square and the sum of at most r + 1 terms add (r+3) u relative of
		// sq. Twice that covers both sides.
		var sq, phi2, errSq float64
		for i, v := range s {
			phi2 += v * v
			if i < rh {
				sq += (pl - v) * (pl - v)
				errSq += 2 * math.Abs(pl-v) * pl * float64(L+2) * unitRoundoff
			} else {
				sq += v * v
			}
		}
		if rh > r {
			sq += float64(rh-r) * pl * pl
			errSq += float64(rh-r) * pl * pl * float64(2*L+4) * unitRoundoff
		}
		errSq = 2 * (errSq + float64(r+3)*unitRoundoff*sq)
		// The recovery error is sqrt(sq/phi2): sqrt moves by at most
		// sqrt(sq) - sqrt(sq - errSq) when sq moves by errSq, and phi2, the
		// division and the root add (r+4) u relative.
		rec := math.Sqrt(sq / phi2)
		recTol := rec - math.Sqrt(math.Max(sq-errSq, 0)/phi2)
		requireClose(t, tr.RecoveryError[0], rec, recTol, float64(r+4)*unitRoundoff)
		requireClose(t, tr.TrainLoss[0], p.C/2*sq, p.C/2*errSq, 2*unitRoundoff)
		require.Len(t, tr.SingularValues[0], rh)
		for _, v := range tr.SingularValues[0] {
			requireClose(t, v, pl, 0, float64(L)*unitRoundoff)
		}
	})
}

// TestCompressedMFAllocs: the loop allocates nothing, so the allocation
// count does not depend on the number of steps at a fixed checkpoint count.
func TestCompressedMFAllocs(t *testing.T) {
	s := []float64{3, 2, 1}
	short := testing.AllocsPerRun(5, func() { CompressedMF(s, 5, DefaultModeParams, 10, 10) })
	long := testing.AllocsPerRun(5, func() { CompressedMF(s, 5, DefaultModeParams, 5000, 5000) })
	require.Equal(t, short, long)
	m := NewMode(1, DefaultModeParams)
	require.Zero(t, testing.AllocsPerRun(100, m.Step))
}

// TestZeroModeIsRho: with Alpha = 1 the zero mode's layers follow the
// Law-of-Parsimony recursion, so ZeroMode = Rho^L. Tolerance 1e-15 relative:
// both evaluate x - eta (c x^L) x^(L-1); the update term differs by a few u
// relative at most and is itself far below x, so the states agree to an ulp
// or two, and rho^L to L ulps (3.3e-16 at L = 3) below 1e-15. With Alpha != 1
// (the broken case) the outer layers decay at another rate and the two part.
func TestZeroModeIsRho(t *testing.T) {
	const tol = 1e-15
	const steps = 2000
	for _, tc := range []struct {
		name string
		p    ModeParams
	}{
		{"paper-mf", DefaultModeParams},
		{"L=1", ModeParams{L: 1, Eps: 0.3, Eta: 0.1, Alpha: 1, C: 1}},
		{"L=2", ModeParams{L: 2, Eps: 0.9, Eta: 0.3, Alpha: 1, C: 1}},
		{"L=5 fast decay", ModeParams{L: 5, Eps: 0.9, Eta: 0.1, Alpha: 1, C: 1}},
		{"L=6", ModeParams{L: 6, Eps: 0.3, Eta: 1, Alpha: 1, C: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := ZeroMode(tc.p, steps)
			rho := Rho(tc.p.Eps, tc.p.Eta, tc.p.C, tc.p.L, steps)
			require.Len(t, z, steps+1)
			for k := range z {
				requireClose(t, z[k], math.Pow(rho[k], float64(tc.p.L)), 0, tol, "step %d", k)
			}
			// Floor ratio: with pZero = rho^L the floors compare as
			// sqrt((rh - r)/(d - r)); a few roundings on each side, 8u.
			const d, r, rh, phiNorm = 100, 10, 20, 7.5
			got := FloorCompressed(z[steps], rh, r, phiNorm) / FloorOriginal(rho[steps], tc.p.L, d, r, phiNorm)
			requireClose(t, got, math.Sqrt(float64(rh-r)/float64(d-r)), 0, 8*unitRoundoff)
		})
	}
	t.Run("alpha=1.5 differs", func(t *testing.T) {
		p := ModeParams{L: 3, Eps: 0.5, Eta: 0.5, Alpha: 1.5, C: 1}
		z := ZeroMode(p, 100)
		rho := Rho(p.Eps, p.Eta, p.C, p.L, 100)
		// eta c rho^4 = 0.03 per step at the start: after 100 steps the
		// outer layers have decayed visibly faster; 1e-3 is a safe margin.
		require.Greater(t, math.Abs(z[100]-math.Pow(rho[100], 3))/z[100], 1e-3)
	})
}

func TestLearnSteps(t *testing.T) {
	p := ModeParams{L: 3, Eps: 1e-2, Eta: 0.01, Alpha: 1, C: 1}
	t.Run("well separated", func(t *testing.T) {
		// The time to learn s_i scales like 1/(eta s_i eps) (about 1000,
		// 2000, 4000 steps here): halving s doubles it.
		at := LearnSteps([]float64{10, 5, 2.5}, 4, p, 0.5, 10000)
		require.Len(t, at, 3)
		for i := 1; i < len(at); i++ {
			require.Greater(t, at[i], at[i-1], "learn steps %v", at)
		}
		require.True(t, Ordered(at))
	})
	t.Run("too few steps", func(t *testing.T) {
		at := LearnSteps([]float64{10, 5, 2.5}, 4, p, 0.5, 1500)
		require.Equal(t, -1, at[1])
		require.Equal(t, -1, at[2])
		require.Positive(t, at[0])
		require.True(t, Ordered(at))
	})
	t.Run("rank above width", func(t *testing.T) {
		require.Len(t, LearnSteps([]float64{10, 5, 2.5}, 2, p, 0.5, 10), 2)
	})
	t.Run("at step 0", func(t *testing.T) {
		// eps^3 = 1e-6 >= 0.5 * 1e-6 at once.
		require.Equal(t, []int{0}, LearnSteps([]float64{1e-6}, 1, p, 0.5, 0))
	})
}

func TestOrdered(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []int
		want  bool
	}{
		{"empty", nil, true},
		{"increasing", []int{3, 5, 9}, true},
		{"ties", []int{3, 3, 9}, true},
		{"never last", []int{3, 9, -1, -1}, true},
		{"all never", []int{-1, -1}, true},
		{"decreasing", []int{3, 9, 5}, false},
		{"never in the middle", []int{3, -1, 9}, false},
		{"never first", []int{-1, 3}, false},
		{"other negative", []int{3, -2}, false},
	} {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, Ordered(tc.steps), "%v", tc.steps) })
	}
}

func TestModesPanic(t *testing.T) {
	p := DefaultModeParams
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"zero ModeParams", func() { NewMode(1, ModeParams{}) }},
		{"NaN eta", func() { NewMode(1, ModeParams{L: 2, Eta: math.NaN()}) }},
		{"layer 0", func() { NewMode(1, p).Layer(0) }},
		{"layer L+1", func() { NewMode(1, p).Layer(p.L + 1) }},
		{"empty s", func() { CompressedMF(nil, 2, p, 1, 1) }},
		{"increasing s", func() { CompressedMF([]float64{1, 2}, 2, p, 1, 1) }},
		{"zero s", func() { CompressedMF([]float64{1, 0}, 2, p, 1, 1) }},
		{"rh 0", func() { CompressedMF([]float64{1}, 0, p, 1, 1) }},
		{"negative steps", func() { CompressedMF([]float64{1}, 1, p, -1, 1) }},
		{"every 0", func() { CompressedMF([]float64{1}, 1, p, 1, 0) }},
		{"frac 0", func() { LearnSteps([]float64{1}, 1, p, 0, 1) }},
		{"negative maxSteps", func() { LearnSteps([]float64{1}, 1, p, 0.5, -1) }},
		{"zero mode negative steps", func() { ZeroMode(p, -1) }},
	} {
		t.Run(tc.name, func(t *testing.T) { requireErrInput(t, tc.f) })
	}
}
