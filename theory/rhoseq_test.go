package theory

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// rhoSlice is Rho as it was before RhoSeq: the recursion into a slice of
// steps+1 values. It is the reference RhoSeq must reproduce bit for bit.
func rhoSlice(eps, eta, c float64, L, steps int) []float64 {
	rho := make([]float64, steps+1)
	rho[0] = eps
	for t := 1; t <= steps; t++ {
		x := rho[t-1]
		g := ipow(x, L-1)
		rho[t] = x - eta*(c*(g*x))*g
	}
	return rho
}

// TestRhoSeq: RhoSeq.At, in order, backwards, by jumps, and Rho (built on
// it) equal the old slice exactly (the same operations in the same order:
// tolerance 0), and ZeroModeAt equals ZeroMode's last value exactly.
func TestRhoSeq(t *testing.T) {
	const steps = 4000
	cases := []struct {
		name        string
		eps, eta, c float64
		L           int
	}{
		{"paper-mf L=3", 1e-2, 1, 1e-4, 3},
		{"fast decay L=2", 0.5, 0.5, 1, 2},
		{"L=1", 0.7, 0.3, 0.5, 1},
		{"deep L=6", 0.9, 0.2, 1, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := rhoSlice(tc.eps, tc.eta, tc.c, tc.L, steps)
			// Compared as bits: 0 and -0, or NaNs, must match too.
			bits := func(x float64) uint64 { return math.Float64bits(x) }
			q := NewRhoSeq(tc.eps, tc.eta, tc.c, tc.L)
			for s := 0; s <= steps; s++ {
				require.Equal(t, bits(want[s]), bits(q.At(s)), "in order, step %d", s)
			}
			for s := steps; s >= 0; s -= 397 {
				require.Equal(t, bits(want[s]), bits(q.At(s)), "backwards, step %d", s)
			}
			for _, s := range []int{steps, 0, 1, 1234, 1233, steps} {
				require.Equal(t, bits(want[s]), bits(q.At(s)), "jump to step %d", s)
			}
			got := Rho(tc.eps, tc.eta, tc.c, tc.L, steps)
			for s := range want {
				require.Equal(t, bits(want[s]), bits(got[s]), "Rho step %d", s)
			}
			p := ModeParams{L: tc.L, Eps: tc.eps, Eta: tc.eta, Alpha: 1, C: tc.c}
			z := ZeroMode(p, steps)
			for _, s := range []int{0, 1, 17, 1000, steps} {
				require.Equal(t, bits(z[s]), bits(ZeroModeAt(p, s)), "ZeroModeAt step %d", s)
			}
		})
	}
}

// TestRhoSeqAllocs: At allocates nothing however far it advances.
func TestRhoSeqAllocs(t *testing.T) {
	q := NewRhoSeq(1e-2, 1, 1e-4, 3)
	s := 0
	allocs := testing.AllocsPerRun(10, func() {
		s += 10000
		q.At(s)
	})
	require.Zero(t, allocs)
}

// TestRhoSeqPanics: the input errors of Rho, and t < 0.
func TestRhoSeqPanics(t *testing.T) {
	requireErrInput(t, func() { NewRhoSeq(0.1, 1, 1, 0) })
	requireErrInput(t, func() { NewRhoSeq(math.NaN(), 1, 1, 3) })
	requireErrInput(t, func() { NewRhoSeq(0.1, 1, 1, 3).At(-1) })
	requireErrInput(t, func() { ZeroModeAt(ModeParams{L: 3, Eps: 0.1, Eta: 1, Alpha: 1, C: 1}, -1) })
}
