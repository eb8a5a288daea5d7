package theory

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRho: decreasing from eps, and for L = 1 the geometric closed form.
func TestRho(t *testing.T) {
	t.Run("decreasing", func(t *testing.T) {
		for _, L := range []int{1, 2, 3, 6} {
			rho := Rho(0.5, 0.5, 1, L, 500)
			require.Len(t, rho, 501)
			require.Equal(t, 0.5, rho[0])
			for k := 1; k < len(rho); k++ {
				require.Less(t, rho[k], rho[k-1], "L %d step %d", L, k)
				require.Positive(t, rho[k])
			}
		}
	})
	t.Run("L=1 geometric", func(t *testing.T) {
		// rho(t) = eps (1 - eta c)^t. The recursion rounds about 3 times a
		// step and contracts, so it is within 3 t u relative of the exact
		// value; math.Pow of the rounded 1 - eta c is within (t/2 + 1) u.
		// Allow (4t + 2) u.
		const eps, eta, c, steps = 0.7, 0.3, 0.5, 300
		rho := Rho(eps, eta, c, 1, steps)
		for k, got := range rho {
			want := eps * math.Pow(1-eta*c, float64(k))
			requireClose(t, got, want, 0, float64(4*k+2)*unitRoundoff, "step %d", k)
		}
	})
	t.Run("steps=0", func(t *testing.T) {
		require.Equal(t, []float64{0.01}, Rho(0.01, 1, 1, 3, 0))
	})
	t.Run("paper-mf", func(t *testing.T) {
		// With a = eta c the recursion is Euler's method for
		// d rho/dt = -a rho^(2L-1), whose solution at L = 3 is
		// rho = eps (1 + 4 a eps^4 t)^(-1/4). Here a eps^4 = 1e-12, so after
		// T = 1e5 steps the drift 1 - rho/eps is about 1e-7, and Euler's
		// error is O(a eps^4) = 1e-12 relative to it. Rounding moves rho by
		// at most u relative per step (possibly always the same way, since
		// the update changes slowly): T u = 1.1e-11 relative to rho, that is
		// 1.1e-4 relative to the drift. Allow 2e-4. A wrong exponent
		// (rho^(2L) instead of rho^(2(L-1))) would give a drift of 1e-11.
		const eps, eta, c, T = 1e-2, 1, 1e-4, 100000
		rho := Rho(eps, eta, c, 3, T)
		got := 1 - rho[T]/eps // exact: Sterbenz, rho/eps is near 1
		q := eta * c * math.Pow(eps, 4) * T
		want := -math.Expm1(-0.25 * math.Log1p(4*q))
		requireClose(t, got, want, 0, 2e-4)
	})
}

// TestLoPGap: rho^L sqrt(d - 2r); zero when the compressed width 2r is d.
func TestLoPGap(t *testing.T) {
	require.Zero(t, LoPGap(0.5, 3, 10, 5))
	// 0.5^3 * sqrt(100 - 20) = 0.125 * sqrt(80): a product and a sqrt, 2u.
	requireClose(t, LoPGap(0.5, 3, 100, 10), 0.125*math.Sqrt(80), 0, 2*unitRoundoff)
}

func TestFloors(t *testing.T) {
	// 0.1^2 * sqrt(100 - 10) / 3: a few roundings, 8u.
	requireClose(t, FloorOriginal(0.1, 2, 100, 10, 3), 0.01*math.Sqrt(90)/3, 0, 8*unitRoundoff)
	requireClose(t, FloorCompressed(-0.01, 20, 10, 3), 0.01*math.Sqrt(10)/3, 0, 8*unitRoundoff)
	require.Zero(t, FloorCompressed(0.01, 10, 10, 3), "rh = r leaves no zero mode")
}

func TestParsimonyPanic(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"rho L=0", func() { Rho(0.1, 1, 1, 0, 10) }},
		{"rho negative steps", func() { Rho(0.1, 1, 1, 3, -1) }},
		{"rho NaN", func() { Rho(math.NaN(), 1, 1, 3, 1) }},
		{"gap d<2r", func() { LoPGap(0.1, 3, 9, 5) }},
		{"floor d<r", func() { FloorOriginal(0.1, 3, 4, 5, 1) }},
		{"floor zero norm", func() { FloorOriginal(0.1, 3, 10, 5, 0) }},
		{"compressed floor rh<r", func() { FloorCompressed(0.1, 4, 5, 1) }},
		{"compressed floor Inf norm", func() { FloorCompressed(0.1, 6, 5, math.Inf(1)) }},
	} {
		t.Run(tc.name, func(t *testing.T) { requireErrInput(t, tc.f) })
	}
}

func TestInKwonRegime(t *testing.T) {
	for _, tc := range []struct {
		name       string
		eps, alpha float64
		want       bool
	}{
		{"paper default", 1e-2, 1, true},
		{"at the limit", KwonMaxEps, 1, true},
		{"eps 0.2 broke it", 0.2, 1, false},
		{"alpha 1.5 broke it", 1e-2, 1.5, false},
		{"alpha 5 (MC preset)", 1e-2, 5, false},
		{"eps 0", 0, 1, false},
		{"eps NaN", math.NaN(), 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := InKwonRegime(tc.eps, tc.alpha)
			require.Equal(t, tc.want, ok, why)
			require.NotEmpty(t, why)
		})
	}
}
