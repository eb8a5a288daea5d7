package experiment

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/workloads"
)

// TestDenseSchedule: every step below 16, then 4 per doubling, never more
// than the steps; independent of --every by construction (its only input
// is the step budget).
func TestDenseSchedule(t *testing.T) {
	on := denseSchedule(100000)
	n := len(on)
	first := on[:24]
	require.True(t, slices.IsSorted(on))
	// 0..15, then floor(16 2^(j/4)) = 16, 19, 22, 26, 32, 38, 45, 53, ...
	require.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 19, 22, 26, 32, 38, 45, 53}, first)
	// 0..15, and floor(16 2^(j/4)) <= 1e5 for j = 0..50 (4 log2(6250) =
	// 50.4): 16 + 51 = 67 evaluations.
	require.Equal(t, 67, n)
	require.Len(t, denseSchedule(0), 1)
	// The largest budget: 16 2^(j/4) < 2^63 for j = 0..235 (j = 236 gives
	// 2^63 itself, above MaxInt and never converted): 16 + 236 = 252 steps.
	big := denseSchedule(math.MaxInt)
	require.Len(t, big, 252)
	require.True(t, slices.IsSorted(big))
}

// BenchmarkStepChecks measures what the checks add to a training step on
// MF (sum loss, r = 10, r_hat = 20, L = 3): per method and size, the step
// (Step and Evaluate) and the checker's every-step observations, timed
// apart in the same iterations (metrics step-ns and check-ns per step, and
// their ratio check-frac), and, as sched-ns, one evaluation of what runs on
// the schedule above DenseCheckMaxD (the SVDs of the original's layers; the
// compressed network's formed recovery error), which at d <= 128 runs at
// every step too.
//
//	go test ./experiment -run '^$' -bench StepChecks -benchtime 5x
func BenchmarkStepChecks(b *testing.B) {
	for _, d := range []int{100, 1000} {
		for _, m := range []string{methods.Original, methods.Compressed} {
			b.Run(fmt.Sprintf("method=%s/d=%d", m, d), func(b *testing.B) {
				c := config.Config{Workload: "mf", Params: config.Params{"loss": "sum"}, D: d, R: 10, RHat: 20, Depth: 3, Eps: 1e-2, Eta: 1,
					Steps: 1 << 20, Methods: []string{m}}.WithDefaults()
				in, err := instance.Build(c)
				if err != nil {
					b.Fatal(err)
				}
				s, _ := workloads.SingularValues(in.Target)
				c.Eta = 0.5 * theory.StableEta(s[0], 3, 1, 1)
				k := newChecker(c, in)
				net, err := NewNetwork(m, c, in)
				if err != nil {
					b.Fatal(err)
				}
				h := k.before(m, net)
				obj, path := NewObjective(m, c, in, net)
				k.path(m, path)
				// The every-step part alone: the schedule is timed apart.
				k.schedule = []int{-1} // non-nil, holds no step
				loss := obj.Evaluate()
				h.step(0, loss)
				var stepNs, checkNs time.Duration
				b.ResetTimer()
				for i := 1; i <= b.N; i++ {
					t0 := time.Now()
					obj.Step(c.Eta)
					loss = obj.Evaluate()
					t1 := time.Now()
					h.step(i, loss)
					stepNs += t1.Sub(t0)
					checkNs += time.Since(t1)
				}
				b.StopTimer()
				t0 := time.Now()
				if m == methods.Original {
					k.countAt(net, 0)
				} else {
					k.fullErrorAt(net, b.N)
				}
				sched := time.Since(t0)
				b.ReportMetric(float64(stepNs.Nanoseconds())/float64(b.N), "step-ns")
				b.ReportMetric(float64(checkNs.Nanoseconds())/float64(b.N), "check-ns")
				b.ReportMetric(float64(checkNs)/float64(stepNs), "check-frac")
				b.ReportMetric(float64(sched.Nanoseconds()), "sched-ns")
			})
		}
	}
}

// TestAlignmentRecorded: the original network's outer layers turn to the
// target's top singular vectors as it learns (Kwon et al.'s power-method
// figure): the alignment recorded at the first checkpoint is that of a
// random orthogonal init, at the last near 1; the power iterations agree
// with an SVD of the final layers; the compressed network records none.
func TestAlignmentRecorded(t *testing.T) {
	c, in := mfProblem(t, goodMF[0], 1)
	run := mustRun(t, c, Options{})
	orig := run.Methods[0]
	require.Equal(t, methods.Original, orig.Method)
	first, last := orig.Trajectory[0], orig.Trajectory[len(orig.Trajectory)-1]
	require.NotNil(t, first.AlignU)
	require.NotNil(t, last.AlignV)
	t.Logf("alignment u: %.3g -> %.6f, v: %.3g -> %.6f", *first.AlignU, *last.AlignU, *first.AlignV, *last.AlignV)
	require.Less(t, *first.AlignU, 0.9, "a random init is not aligned")
	// Learned: the top mode stands apart, |<u_1, u*_1>| within 1e-6 of 1.
	require.InDelta(t, 1, *last.AlignU, 1e-6)
	require.InDelta(t, 1, *last.AlignV, 1e-6)
	for _, cp := range run.Methods[1].Trajectory {
		require.Nil(t, cp.AlignU, "only the original's alignment is recorded")
	}
	// Reference: the power method's estimate against an SVD, on the
	// trained layers of a rerun.
	k := newChecker(c, in)
	net, err := NewNetwork(methods.Original, c, in)
	require.NoError(t, err)
	obj, _ := NewObjective(methods.Original, c, in, net)
	obj.Evaluate()
	for range c.Steps {
		obj.Step(c.Eta)
		obj.Evaluate()
	}
	var svd mat.SVD
	require.True(t, svd.Factorize(net.Layer(net.Layers()-1), mat.SVDThin))
	var u mat.Dense
	svd.UTo(&u)
	_, su, _ := in.TargetSVD()
	want := math.Abs(mat.Dot(u.ColView(0), su.ColView(0)))
	start := mat.NewVecDense(c.D, nil)
	for i := range c.D {
		start.SetVec(i, 1)
	}
	au, _ := alignment(net, k.u, k.v, start)
	require.InDelta(t, want, au, 1e-9, "power iterations against the SVD")
}
