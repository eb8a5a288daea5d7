package trainer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/trainer"
)

// quadratic is the scalar objective f(x) = (x - a)^2 / 2 with gradient
// x - a. A step with eta multiplies x - a by (1 - eta), the loss by
// (1 - eta)^2. Its recovery error is |x - a| and its "singular values"
// are k copies of |x|. It counts its calls and can sleep in each, to test
// what Train times.
type quadratic struct {
	x, a, g float64

	evals, steps, measures int

	evalSleep, stepSleep, measureSleep time.Duration
}

var _ trainer.Objective = (*quadratic)(nil)

func (q *quadratic) Evaluate() float64 {
	time.Sleep(q.evalSleep)
	q.evals++
	q.g = q.x - q.a
	return q.g * q.g / 2
}

func (q *quadratic) Step(eta float64) {
	time.Sleep(q.stepSleep)
	q.steps++
	q.x -= eta * q.g
}

func (q *quadratic) Measure(k int) trainer.Measurement {
	time.Sleep(q.measureSleep)
	q.measures++
	m := trainer.Measurement{RecoveryError: math.Abs(q.x - q.a)}
	for i := 0; i < k; i++ {
		m.SingularValues = append(m.SingularValues, math.Abs(q.x))
	}
	return m
}

// sequence is an objective whose losses and recovery errors are scripted:
// the evaluation after s steps returns losses[s], a measurement after s
// steps reports errs[s] (or 1/(s+1) when errs is nil).
type sequence struct {
	t      *testing.T
	losses []float64
	errs   []float64
	steps  int
}

var _ trainer.Objective = (*sequence)(nil)

func (s *sequence) Evaluate() float64 {
	require.Less(s.t, s.steps, len(s.losses), "Train evaluated past the scripted losses")
	return s.losses[s.steps]
}

func (s *sequence) Step(float64) { s.steps++ }

func (s *sequence) Measure(int) trainer.Measurement {
	if s.errs != nil {
		return trainer.Measurement{RecoveryError: s.errs[s.steps]}
	}
	return trainer.Measurement{RecoveryError: 1 / float64(s.steps+1)}
}

// nonFinite walks v (structs, pointers, interfaces, slices, maps) and
// returns the path of every NaN or infinite float.
func nonFinite(v any) []string {
	var bad []string
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Float32, reflect.Float64:
			if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
				bad = append(bad, fmt.Sprintf("%s = %v", path, f))
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(fmt.Sprintf("%s[%v]", path, it.Key()), it.Value())
			}
		}
	}
	walk("result", reflect.ValueOf(v))
	return bad
}

// newRNG is the one seeded source of a test's randomness.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7a1)) }
