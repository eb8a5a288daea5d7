package theory

import (
	"errors"
	"fmt"
)

// ErrInput is the error value that theory's functions panic with when given
// arguments outside their domain (a depth below 1, a negative width, singular
// values out of order, ...). Such arguments are programming errors: the
// predictions are computed from configurations that were validated upstream.
var ErrInput = errors.New("theory: invalid input")

// bad panics with ErrInput wrapped in a message naming the offending value.
func bad(format string, args ...any) {
	panic(fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, args...)))
}
