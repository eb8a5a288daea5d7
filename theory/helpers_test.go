package theory

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// unitRoundoff is float64's u = 2^-53: one correctly rounded operation has
// relative error at most u.
const unitRoundoff = 0x1p-53

// testSeed seeds every random source of these tests (rapid draws its own
// seeds and prints them on failure).
const testSeed = 20231105

// requireClose fails unless |got - want| <= absTol + relTol |want|, printing
// both values and the tolerances.
func requireClose(t require.TestingT, got, want, absTol, relTol float64, msgAndArgs ...any) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	if d := math.Abs(got - want); !(d <= absTol+relTol*math.Abs(want)) {
		what := ""
		if len(msgAndArgs) > 0 {
			if f, ok := msgAndArgs[0].(string); ok {
				what = fmt.Sprintf(f, msgAndArgs[1:]...) + ": "
			}
		}
		require.Failf(t, "not close",
			"%sgot %.17g, want %.17g: |diff| = %.3g > abs %.3g + rel %.3g * |want|",
			what, got, want, d, absTol, relTol)
	}
}

// requireErrInput fails unless f panics with an error wrapping ErrInput.
func requireErrInput(t testing.TB, f func()) {
	t.Helper()
	var got any
	func() {
		defer func() { got = recover() }()
		f()
	}()
	err, ok := got.(error)
	require.Truef(t, ok && errors.Is(err, ErrInput), "want a panic wrapping ErrInput, got %v", got)
}
