package steptest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/trainer/steptest"
	"github.com/lowdim/lowdim/workloads"
)

// recorder is a testing.TB that records failures instead of reporting
// them, so that the suite's checks can be run on broken paths. Fatalf and
// FailNow end the calling goroutine as testing.T's do: run checks through
// record. Methods it does not override (through the nil embedded TB) are
// not used by the suite.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}

func (r *recorder) Logf(string, ...any) {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// record runs check on a recorder in its own goroutine (so that Fatalf can
// end it) and returns the recorder.
func record(check func(testing.TB)) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r
}

var densePath, factoredPath = steptest.Dense, steptest.FactoredMF

// broken wraps a path's objective; evaluate and step, when set, replace
// Evaluate and Step (and may call the wrapped ones).
type broken struct {
	trainer.Objective
	net      *dln.Network
	evaluate func(b *broken) float64
	step     func(b *broken, eta float64)
}

func (b *broken) Evaluate() float64 {
	if b.evaluate != nil {
		return b.evaluate(b)
	}
	return b.Objective.Evaluate()
}

func (b *broken) Step(eta float64) {
	if b.step != nil {
		b.step(b, eta)
		return
	}
	b.Objective.Step(eta)
}

// breakObjective returns p with its objective wrapped by set.
func breakObjective(p steptest.Path, set func(b *broken)) steptest.Path {
	q := p
	q.Name = "broken " + p.Name
	q.New = func(net *dln.Network, work workloads.Workload, mult []float64) trainer.Objective {
		b := &broken{Objective: p.New(net, work, mult), net: net}
		set(b)
		return b
	}
	return q
}

// skewedGradient is a workload whose gradient is wrong in one entry, G_00
// scaled by 1 + 1e-3, while its loss is right.
type skewedGradient struct{ workloads.Workload }

func (w skewedGradient) Gradient(dst, x *mat.Dense) float64 {
	f := w.Workload.Gradient(dst, x)
	dst.Set(0, 0, dst.At(0, 0)*(1+1e-3))
	return f
}

// sink keeps the allocation of the allocating path alive.
var sink []float64

// checks names the suite's per-case checks.
var checks = map[string]func(testing.TB, steptest.Path, steptest.Case){
	"gradient":  steptest.CheckGradient,
	"reference": steptest.CheckReference,
	"allocs":    steptest.CheckAllocs,
	"flops":     steptest.CheckFlops,
	"measure":   steptest.CheckMeasureAfterStep,
}

// TestSuitePassesHealthyPaths is the control of the test below: the
// recorder records no failure for the real paths.
func TestSuitePassesHealthyPaths(t *testing.T) {
	for _, p := range []steptest.Path{densePath, factoredPath} {
		c := steptest.Cases(p)[2] // depth 3, narrow
		for name, check := range checks {
			if r := record(func(tb testing.TB) { check(tb, p, c) }); r.Failed() {
				t.Errorf("%s %v: %s failed: %q", p.Name, c, name, r.msgs)
			}
		}
		if r := record(func(tb testing.TB) { steptest.CheckShapePanics(tb, p) }); r.Failed() {
			t.Errorf("%s: shape panics failed: %q", p.Name, r.msgs)
		}
	}
}

// TestSuiteCatchesBrokenPaths: each deliberately broken path fails the
// checks that are meant to catch its defect, with a message containing
// want.
func TestSuiteCatchesBrokenPaths(t *testing.T) {
	for _, tc := range []struct {
		name   string
		path   steptest.Path
		checks []string // the checks that must fail
		want   string   // in the first message of each
	}{
		{
			// G_00 off by 1e-3 relative: the layers' gradients are not
			// those of the loss, nor the reference's.
			name: "wrong gradient entry",
			path: func() steptest.Path {
				p := densePath
				p.New = func(net *dln.Network, work workloads.Workload, mult []float64) trainer.Objective {
					return trainer.NewDense(net, skewedGradient{work}, mult)
				}
				return p
			}(),
			checks: []string{"gradient", "reference"},
			want:   "grad",
		},
		{
			// Ascent instead of descent: the gradients are right, the update
			// is not.
			name: "sign flip in the step",
			path: breakObjective(factoredPath, func(b *broken) {
				b.step = func(b *broken, eta float64) { b.Objective.Step(-eta) }
			}),
			checks: []string{"reference"},
			want:   "moved by other than -eta mult grad",
		},
		{
			// The last layer's gradient keeps its old value in one entry:
			// the NaN the suite put there before the call propagates.
			name: "unwritten gradient entry",
			path: breakObjective(factoredPath, func(b *broken) {
				b.evaluate = func(b *broken) float64 {
					g := b.net.LastGrad()
					old := g.At(0, 0)
					f := b.Objective.Evaluate()
					g.Set(0, 0, old)
					return f
				}
			}),
			checks: []string{"gradient", "reference"},
			want:   "NaN",
		},
		{
			name: "loss off by 1e-6 relative",
			path: breakObjective(densePath, func(b *broken) {
				b.evaluate = func(b *broken) float64 { return b.Objective.Evaluate() * (1 + 1e-6) }
			}),
			checks: []string{"gradient", "reference"},
			want:   "",
		},
		{
			// Measure sees the parameters after the Step, as FactoredMF
			// and SampledMC once did.
			name: "measure after step sees the new parameters",
			path: breakObjective(factoredPath, func(b *broken) {
				b.step = func(b *broken, eta float64) { b.Objective.Step(eta); b.Objective.Evaluate() }
			}),
			checks: []string{"measure"},
			want:   "not the parameters of the last Evaluate",
		},
		{
			name: "one uncounted flop too many",
			path: breakObjective(factoredPath, func(b *broken) {
				b.evaluate = func(b *broken) float64 { b.net.AddFlops(1); return b.Objective.Evaluate() }
			}),
			checks: []string{"flops"},
			want:   "formula says",
		},
		{
			name: "allocates in Evaluate",
			path: breakObjective(densePath, func(b *broken) {
				b.evaluate = func(b *broken) float64 { sink = make([]float64, 8); return b.Objective.Evaluate() }
			}),
			checks: []string{"allocs"},
			want:   "allocates",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := steptest.Cases(tc.path)[2]
			for _, name := range tc.checks {
				r := record(func(tb testing.TB) { checks[name](tb, tc.path, c) })
				if !r.Failed() {
					t.Errorf("%s passed %v", name, c)
					continue
				}
				if !strings.Contains(r.msgs[0], tc.want) {
					t.Errorf("%s failed with %q, want a message containing %q", name, r.msgs[0], tc.want)
				}
			}
		})
	}
}

// TestSuiteCatchesMissingShapeCheck: a constructor that accepts a network
// of the wrong shape fails CheckShapePanics.
func TestSuiteCatchesMissingShapeCheck(t *testing.T) {
	p := densePath
	p.New = func(net *dln.Network, work workloads.Workload, mult []float64) (obj trainer.Objective) {
		defer func() { _ = recover() }()
		return trainer.NewDense(net, work, mult)
	}
	r := record(func(tb testing.TB) { steptest.CheckShapePanics(tb, p) })
	if len(r.msgs) != 4 {
		t.Errorf("%d failures %q, want one for each of the 4 bad shapes", len(r.msgs), r.msgs)
	}
}

// TestTargetSingularValues: Target has the singular values it is given.
func TestTargetSingularValues(t *testing.T) {
	// The frames are orthonormal to rounding (Householder QR, ~n u): the
	// singular values are exact to ~1e-15 relative; 1e-13 is a margin.
	const tol = 1e-13
	s := []float64{3, 1, 0.25}
	for _, shape := range [][2]int{{9, 9}, {7, 12}, {12, 7}} {
		phi := steptest.Target(shape[0], shape[1], s, steptest.NewRand(1))
		var svd mat.SVD
		if !svd.Factorize(phi, mat.SVDNone) {
			t.Fatal("SVD failed")
		}
		got := svd.Values(nil)
		for i := range got {
			want := 0.0
			if i < len(s) {
				want = s[i]
			}
			if d := got[i] - want; !(d <= tol*s[0] && -d <= tol*s[0]) {
				t.Errorf("%v: singular value %d = %.17g, want %v", shape, i, got[i], want)
			}
		}
	}
}
