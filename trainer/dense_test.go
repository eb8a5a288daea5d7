package trainer_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// Tolerances of the Dense objective against references computed here with
// gonum's mat.Mul from the same layers.
//
// A product of k factors of inner dimension <= n computed in any order and
// blocking is within gamma_{(k-1)n} |A_1|...|A_k| of the exact one, and
// || |A_1|...|A_k| ||_F <= prod ||A_i||_F. With n <= 32, k <= 5 that is
// 128 u ~ 1.4e-14 times prod ||A_i||_F; the factors here are scaled
// orthogonal or Gaussian, for which prod ||A_i||_F / ||product||_F is at
// most about n (a few tens). Two computations differ by twice the bound:
// ~1e-12 of the product's norm at worst.
const (
	// productRelTol: end-to-end matrix, loss and measurements (relative to
	// the norm of the matrix, or to the value).
	productRelTol = 1e-10
	// gradRelTol: layer gradients and updates, chains of up to 5 factors
	// (the bound above, with a factor ~100 of margin).
	gradRelTol = 1e-10
	// svRelTol: singular values of the end-to-end matrix, relative to the
	// largest: the matrix's own rounding (productRelTol) plus a
	// backward-stable SVD (~d u).
	svRelTol = 1e-10
)

// endToEnd returns W_L ... W_1 by mat.Mul, W_1 applied first.
func endToEnd(net *dln.Network) *mat.Dense {
	w := mat.DenseCopyOf(net.Layer(0))
	for l := 1; l < net.Layers(); l++ {
		var p mat.Dense
		p.Mul(net.Layer(l), w)
		w = &p
	}
	return w
}

// product returns W_hi ... W_lo (the identity of size n when hi < lo).
func product(net *dln.Network, lo, hi, n int) *mat.Dense {
	if hi < lo {
		id := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			id.Set(i, i, 1)
		}
		return id
	}
	w := mat.DenseCopyOf(net.Layer(lo))
	for l := lo + 1; l <= hi; l++ {
		var p mat.Dense
		p.Mul(net.Layer(l), w)
		w = &p
	}
	return w
}

// refGrads returns grad_l = S_l^T G P_{l-1}^T for every layer (DESIGN.md
// section 3) from the end-to-end gradient g.
func refGrads(net *dln.Network, g *mat.Dense) []*mat.Dense {
	L := net.Layers()
	out := make([]*mat.Dense, L)
	rows, cols := net.Dims()
	for l := 0; l < L; l++ {
		s := product(net, l+1, L-1, rows) // S_l = W_{L-1}...W_{l+1}
		p := product(net, 0, l-1, cols)   // P_{l-1} = W_{l-1}...W_0
		var sg, gr mat.Dense
		sg.Mul(s.T(), g)
		gr.Mul(&sg, p.T())
		out[l] = &gr
	}
	return out
}

func relDiff(got, want mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(got, want)
	return mat.Norm(&d, 2) / mat.Norm(want, 2)
}

func requireMatClose(t *testing.T, what string, got, want mat.Matrix, relTol float64) {
	t.Helper()
	if e := relDiff(got, want); !(e <= relTol) {
		t.Fatalf("%s: ||got - want||_F / ||want||_F = %.3g > %.3g", what, e, relTol)
	}
}

// mfProblem draws a spread target of rank r and its MF workload.
func mfProblem(t *testing.T, d, r int, red workloads.Reduction, rng *rand.Rand) *workloads.MF {
	t.Helper()
	phi, err := workloads.Spread(d, r, rng)
	require.NoError(t, err)
	work, err := workloads.NewMF(phi, red)
	require.NoError(t, err)
	return work
}

// mcProblem draws a spread target of rank r observed on a fraction p.
func mcProblem(t *testing.T, d, r int, p float64, rng *rand.Rand) *workloads.MC {
	t.Helper()
	phi, err := workloads.Spread(d, r, rng)
	require.NoError(t, err)
	mask, err := workloads.SampleMask(d, d, p, rng)
	require.NoError(t, err)
	work, err := workloads.NewMC(phi, mask)
	require.NoError(t, err)
	return work
}

// netCase builds a 3-layer network for a d x d workload.
type netCase struct {
	name  string
	build func(t *testing.T, work workloads.Workload, rng *rand.Rand) *dln.Network
}

func netCases(d, rh int) []netCase {
	return []netCase{
		{"compressed spectral", func(t *testing.T, work workloads.Workload, _ *rand.Rand) *dln.Network {
			net := dln.New(dln.Chain(d, rh, rh, d))
			require.NoError(t, net.InitSpectral(work.Surrogate(), 0.7))
			return net
		}},
		{"compressed gaussian", func(t *testing.T, _ workloads.Workload, rng *rand.Rand) *dln.Network {
			net := dln.New(dln.Chain(d, rh, rh, d))
			net.InitGaussian(0.7, rng)
			return net
		}},
		{"original orthogonal", func(t *testing.T, _ workloads.Workload, rng *rand.Rand) *dln.Network {
			net := dln.New(dln.Chain(d, d, d, d))
			net.InitOrthogonal(0.7, rng)
			return net
		}},
	}
}

// TestDenseEvaluate: Evaluate returns the workload's loss of the network's
// end-to-end matrix, at initialization and after some steps.
func TestDenseEvaluate(t *testing.T) {
	const d, r, rh = 24, 3, 6
	for _, nc := range netCases(d, rh) {
		t.Run(nc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(51, 1))
			work := mfProblem(t, d, r, workloads.Mean, rng)
			net := nc.build(t, work, rng)
			obj := trainer.NewDense(net, work, []float64{2, 1, 2})
			require.Same(t, net, obj.Network())
			for step := 0; step < 4; step++ {
				loss := obj.Evaluate()
				w := endToEnd(net)
				requireMatClose(t, "end-to-end matrix", net.EndToEnd(), w, productRelTol)
				// f = ||W - Phi||_F^2 / (2 d^2) by an explicit loop.
				var ss float64
				for i := 0; i < d; i++ {
					for j := 0; j < d; j++ {
						e := w.At(i, j) - work.Target().At(i, j)
						ss += e * e
					}
				}
				require.InEpsilon(t, ss/(2*d*d), loss, productRelTol, "loss after %d steps", step)
				obj.Step(100)
			}
		})
	}
}

// TestDenseStep: one Step updates layer l by -eta*mult[l]*grad_l with the
// gradients of the last Evaluate; the outer layers of a compressed network
// move alpha times as far. Compared against grad_l = S_l^T G P_{l-1}^T
// computed here and against net.Grad.
func TestDenseStep(t *testing.T) {
	const d, r, rh, eta, alpha = 24, 3, 6, 0.01, 5
	for _, nc := range netCases(d, rh) {
		for _, mc := range []struct {
			name string
			mult []float64
		}{{"mult nil", nil}, {"mult alpha=5 outer", []float64{alpha, 1, alpha}}} {
			t.Run(nc.name+"/"+mc.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(52, 1))
				// The sum loss keeps G = W - Phi of order one, so the update
				// is well above the rounding of the weights.
				work := mfProblem(t, d, r, workloads.Sum, rng)
				net := nc.build(t, work, rng)
				obj := trainer.NewDense(net, work, mc.mult)

				obj.Evaluate()
				before := make([]*mat.Dense, net.Layers())
				for l := range before {
					before[l] = mat.DenseCopyOf(net.Layer(l))
				}
				g := mat.NewDense(d, d, nil)
				g.Sub(endToEnd(net), work.Target()) // sum loss: G = W - Phi
				want := refGrads(net, g)

				obj.Step(eta)
				for l := range before {
					m := 1.0
					if mc.mult != nil {
						m = mc.mult[l]
					}
					requireMatClose(t, "net.Grad", net.Grad(l), want[l], gradRelTol)
					var got, upd mat.Dense
					got.Sub(net.Layer(l), before[l])
					upd.Scale(-eta*m, want[l])
					requireMatClose(t, fmt.Sprintf("update of layer %d", l), &got, &upd, gradRelTol)
				}
			})
		}
	}
}

// TestDenseMeasure: recovery error, test loss (MC only) and the k largest
// singular values of the end-to-end matrix of the last Evaluate.
func TestDenseMeasure(t *testing.T) {
	const d, r, rh = 24, 2, 4
	rng := rand.New(rand.NewPCG(53, 1))
	mf := mfProblem(t, d, r, workloads.Mean, rng)
	mc := mcProblem(t, d, r, 0.5, rng)
	for _, wc := range []struct {
		name string
		work workloads.Workload
	}{{"mf", mf}, {"mc", mc}} {
		for _, nc := range netCases(d, rh) {
			t.Run(wc.name+"/"+nc.name, func(t *testing.T) {
				net := nc.build(t, wc.work, rng)
				obj := trainer.NewDense(net, wc.work, nil)
				obj.Evaluate()
				w := endToEnd(net)
				phi := wc.work.Target()

				// ||W - Phi||_F / ||Phi||_F and the test loss by explicit loops.
				var num, den, test float64
				unobserved := 0
				for i := 0; i < d; i++ {
					for j := 0; j < d; j++ {
						e := w.At(i, j) - phi.At(i, j)
						num += e * e
						den += phi.At(i, j) * phi.At(i, j)
						if wc.name == "mc" && mc.Mask().At(i, j) == 0 {
							test += e * e
							unobserved++
						}
					}
				}
				var svd mat.SVD
				require.True(t, svd.Factorize(w, mat.SVDNone))
				sv := svd.Values(nil)

				for _, k := range []int{0, 1, 3, d, d + 5} {
					m := obj.Measure(k)
					require.InEpsilon(t, math.Sqrt(num/den), m.RecoveryError, productRelTol, "k=%d", k)
					if wc.name == "mc" {
						require.True(t, m.HasTestLoss)
						require.Equal(t, d*d-mc.Observed(), unobserved)
						require.InEpsilon(t, test/(2*float64(unobserved)), m.TestLoss, productRelTol)
					} else {
						require.False(t, m.HasTestLoss)
						require.Zero(t, m.TestLoss)
					}
					if k == 0 {
						require.Nil(t, m.SingularValues)
						continue
					}
					require.Len(t, m.SingularValues, min(k, d))
					for i, s := range m.SingularValues {
						require.InDelta(t, sv[i], s, svRelTol*sv[0], "singular value %d of %d", i, k)
						if i > 0 {
							require.LessOrEqual(t, s, m.SingularValues[i-1], "decreasing")
						}
					}
				}
			})
		}
	}
}

// TestDenseMeasureAtLastEvaluate: Measure reports the parameters of the
// last Evaluate, not a Step taken since.
func TestDenseMeasureAtLastEvaluate(t *testing.T) {
	const d = 16
	rng := rand.New(rand.NewPCG(54, 1))
	work := mfProblem(t, d, 2, workloads.Sum, rng)
	net := dln.New(dln.Chain(d, d, d, d))
	net.InitOrthogonal(0.7, rng)
	obj := trainer.NewDense(net, work, nil)
	obj.Evaluate()
	m0 := obj.Measure(2)
	obj.Step(0.05)
	require.Equal(t, m0, obj.Measure(2), "Step alone does not move the measured matrix")
	obj.Evaluate()
	require.NotEqual(t, m0.RecoveryError, obj.Measure(2).RecoveryError, "Evaluate after Step does")
}

// TestDenseAllocations: a steady-state Evaluate + Step allocates nothing
// for 32 x 32 layers (gonum's Dgemm is serial up to 64 x 64 outputs).
func TestDenseAllocations(t *testing.T) {
	const d, rh = 32, 6
	rng := rand.New(rand.NewPCG(55, 1))
	mf := mfProblem(t, d, 3, workloads.Mean, rng)
	mc := mcProblem(t, d, 3, 0.4, rng)
	for _, tc := range []struct {
		name string
		work workloads.Workload
		dims []int
	}{
		{"mf original 3x32x32", mf, []int{d, d, d, d}},
		{"mf compressed", mf, []int{d, rh, rh, d}},
		{"mc original 3x32x32", mc, []int{d, d, d, d}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := dln.New(dln.Chain(tc.dims...))
			net.InitOrthogonal(0.5, rng)
			obj := trainer.NewDense(net, tc.work, []float64{2, 1, 2})
			allocs := testing.AllocsPerRun(50, func() {
				obj.Evaluate()
				obj.Step(1e-3)
			})
			require.Zero(t, allocs)
		})
	}
}

func TestNewDensePanics(t *testing.T) {
	work := mfProblem(t, 8, 2, workloads.Mean, rand.New(rand.NewPCG(56, 1)))
	for _, tc := range []struct {
		name string
		net  *dln.Network
		mult []float64
	}{
		{"network 8 -> 6", dln.New(dln.Chain(8, 4, 6)), nil},
		{"network 6 -> 8", dln.New(dln.Chain(6, 4, 8)), nil},
		{"2 multipliers for 3 layers", dln.New(dln.Chain(8, 4, 4, 8)), []float64{1, 1}},
		{"4 multipliers for 3 layers", dln.New(dln.Chain(8, 4, 4, 8)), []float64{1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r, "no panic")
				err, ok := r.(error)
				require.True(t, ok, "panic value %v", r)
				require.True(t, errors.Is(err, dln.ErrShape), "panic %v", err)
			}()
			trainer.NewDense(tc.net, work, tc.mult)
		})
	}
}

func TestDenseWorkspaceBytes(t *testing.T) {
	const d, rh = 10, 4
	work := mfProblem(t, d, 2, workloads.Mean, rand.New(rand.NewPCG(57, 1)))
	net := dln.New(dln.Chain(d, rh, rh, d))
	obj := trainer.NewDense(net, work, nil)
	// the network's workspace plus the d x d end-to-end gradient
	require.Equal(t, net.WorkspaceBytes()+8*d*d, obj.WorkspaceBytes())
}

// trace is a trajectory without wall times, floats as bits so that the
// comparison is bit-exact.
type trace struct {
	Status  results.Status
	Message string
	Steps   int
	Points  [][]uint64
}

func traceOf(res results.MethodResult) trace {
	tr := trace{Status: res.Status, Message: res.Message, Steps: res.Steps}
	for _, c := range res.Trajectory {
		p := []uint64{uint64(c.Step), math.Float64bits(c.TrainLoss), math.Float64bits(c.RecoveryError), math.Float64bits(c.TestLoss)}
		for _, s := range c.SingularValues {
			p = append(p, math.Float64bits(s))
		}
		tr.Points = append(tr.Points, p)
	}
	return tr
}

// TestDenseDeterminism: the same setup from the same seed trains to a
// bit-identical trajectory (wall times aside); another seed does not. The
// original network is 72 x 72, above gonum's 64 x 64 threshold for parallel
// Dgemm, whose blocks must not make the result depend on scheduling.
func TestDenseDeterminism(t *testing.T) {
	for _, tc := range []struct {
		name       string
		d, rh      int
		mult       []float64
		eta        float64
		steps      int
		compressed bool
	}{
		{"mc compressed", 32, 6, []float64{5, 1, 5}, 10, 300, true},
		{"mc original d=72", 72, 72, nil, 100, 60, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(seed uint64) results.MethodResult {
				rng := rand.New(rand.NewPCG(seed, 2))
				work := mcProblem(t, tc.d, 3, 0.4, rng)
				net := dln.New(dln.Chain(tc.d, tc.rh, tc.rh, tc.d))
				if tc.compressed {
					require.NoError(t, net.InitSpectral(work.Surrogate(), 0.5))
				} else {
					net.InitOrthogonal(0.5, rng)
				}
				return trainer.Train(trainer.NewDense(net, work, tc.mult), trainer.Config{
					Steps: tc.steps, Eta: tc.eta, Every: 10, SingularValues: 3,
				})
			}
			a, b, c := run(58), run(58), run(59)
			require.Equal(t, results.MaxSteps, a.Status, "message %q", a.Message)
			require.Equal(t, traceOf(a), traceOf(b))
			require.NotEqual(t, traceOf(a), traceOf(c))
			// The trajectory moves: the loss decreased.
			first, last := a.Trajectory[0], a.Trajectory[len(a.Trajectory)-1]
			require.Less(t, last.TrainLoss, first.TrainLoss/2)
		})
	}
}
