//go:build openblas

package blasbackend_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/blasbackend"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/randmat"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// full makes TestBackendsAgree train the quick preset's runs at their
// full length (the measurement behind README.md's agreement figures):
//
//	go test -tags openblas -run TestBackendsAgree -v ./blasbackend/ -args -full
var full = flag.Bool("full", false, "TestBackendsAgree: train the quick preset's runs at full length and log the agreement")

// agreeSteps is the length of TestBackendsAgree's runs without -full.
const agreeSteps = 300

// agreeRel bounds the relative difference between the two backends'
// losses (training and test) and recovery errors at any checkpoint of the
// quick preset's runs, at full length (-full) as at agreeSteps. Each
// product differs by rounding only (a few ulps, from a different summation
// order), which training amplifies. Measured with -full (OpenBLAS 0.3.21,
// Zen kernel, two cores): at most 6.6e-12 for a training loss (MF,
// original, step 4175), 3.3e-12 for a recovery error (the same), 1.3e-12
// for a test loss (MC); at agreeSteps, smaller. 1e-10 leaves a factor 15
// for another kernel's rounding, and is far below the 1e-9 change of the
// learning rate that TestCompareRunsFails must see.
const agreeRel = 1e-10

// useGonum makes gonum's pure-Go implementation blas64's for the rest of
// the test and restores the previous one after it. Tests that call it must
// not run in parallel: blas64's implementation is a global.
func useGonum(t *testing.T) {
	prev := blas64.Implementation()
	blas64.Use(gonum.Implementation{})
	t.Cleanup(func() { blas64.Use(prev) })
}

// TestBackendsAgree trains the quick preset's three workloads (every
// default method) for agreeSteps steps, or at full length with -full, with
// OpenBLAS and with gonum's pure Go, and compares the trajectories.
func TestBackendsAgree(t *testing.T) {
	testenv.SkipIfShort(t, "trains three workloads twice")
	p, err := config.LookupPreset("quick")
	require.NoError(t, err)
	for _, c := range p.Runs {
		if !*full {
			c.Steps, c.Tol, c.Every = agreeSteps, 0, 25
		}
		t.Run(c.Name, func(t *testing.T) {
			require.IsType(t, blasbackend.OpenBLAS{}, blas64.Implementation())
			fast := train(t, c)
			t.Run("gonum", func(t *testing.T) {
				useGonum(t)
				slow := train(t, c)
				worst := compareRuns(t, slow, fast)
				for _, q := range quantities {
					w, tol := worst[q], agreeRel
					t.Logf("%s: largest relative difference %.3g (%s)", q, w.rel, w.where)
					if !(w.rel <= tol) {
						t.Errorf("%s: %s: relative difference %.3g > %g", q, w.where, w.rel, tol)
					}
				}
			})
		})
	}
}

// TestCompareRunsFails: the comparison sees a change of 1e-9 in the
// learning rate, on one backend.
func TestCompareRunsFails(t *testing.T) {
	p, err := config.LookupPreset("quick")
	require.NoError(t, err)
	c := p.Runs[0]
	c.Steps, c.Tol, c.Every = 100, 0, 25
	a := train(t, c)
	c.Eta *= 1 + 1e-9
	b := train(t, c)
	worst := compareRuns(t, a, b)
	require.Greater(t, worst["recovery error"].rel, agreeRel, worst["recovery error"].where)
}

// TestOpenBLASAllocatesNothing: the overrides pass pointers, not copies.
func TestOpenBLASAllocatesNothing(t *testing.T) {
	impl := blasbackend.OpenBLAS{}
	const n = 200
	a, b, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	x, y := make([]float64, n), make([]float64, n)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Dgemm", func() { impl.Dgemm(blas.NoTrans, blas.Trans, n, n, n, 1, a, n, b, n, 0, c, n) }},
		{"Dgemv", func() { impl.Dgemv(blas.Trans, n, n, 1, a, n, x, 1, 0, y, -1) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Zero(t, testing.AllocsPerRun(20, tt.f))
		})
	}
}

// TestDLNStepAllocatesNothing: with OpenBLAS a whole training step of a
// d = 256 network allocates nothing (gonum's Dgemm would start goroutines
// at this size).
func TestDLNStepAllocatesNothing(t *testing.T) {
	const d, rh = 256, 16
	rng := rand.New(rand.NewPCG(seed, 3))
	target := mat.NewDense(d, d, nil)
	randmat.Gaussian(target, 1, rng)
	mf, err := workloads.NewMF(target, workloads.Mean)
	require.NoError(t, err)
	for _, dims := range [][]int{{d, d, d, d}, {d, rh, rh, d}} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			net := dln.New(dln.Chain(dims...))
			net.InitOrthogonal(0.1, rng)
			g := mat.NewDense(d, d, nil)
			mult := []float64{2, 1, 2}
			allocs := testing.AllocsPerRun(10, func() {
				mf.Gradient(g, net.Forward())
				net.Backward(g)
				net.Step(1e-3, mult)
			})
			require.Zero(t, allocs)
		})
	}
}

// TestObjectivesAllocateNothing: with OpenBLAS the factored MF step and the
// sampled MC step (several shares on two goroutines) allocate nothing. The
// Go runtime allocates a few wait records (sudogs) of its own when
// goroutines block and wake (the trainer's helpers, and the split's helper
// and the callers waiting for it), until its per-P caches settle, and again
// after a GC cycle empties them: so the test allows maxRuntimeMallocs in
// 100 steps, where an allocation per step would make 100. (testing.AllocsPerRun would set
// GOMAXPROCS to 1; mallocs are counted here.)
func TestObjectivesAllocateNothing(t *testing.T) {
	// runtime.MemStats counts the whole process's allocations: besides
	// the steps', the Go runtime's own (scheduler records when the split's
	// and the sampled step's goroutines park and wake, background work) --
	// a few that depend on scheduling (0 to 13 seen in 100 to 400 steps),
	// not on the number of steps. So the test bounds the allocations per
	// step: fewer than one per 10 steps, where an allocation of lowdim's
	// in a step gives at least one per step. It runs at GOMAXPROCS 1 (no
	// goroutine hand-off) and 2.
	const d, rh, steps = 768, 8, 400
	// The workloads are built once for both GOMAXPROCS values: their
	// 768 x 768 target comes from the SVD of a Gaussian matrix, which
	// took longer than the steps counted.
	rng := rand.New(rand.NewPCG(seed, 5))
	target, err := workloads.Top(d, 3, rng)
	require.NoError(t, err)
	mask, err := workloads.SampleMask(d, d, 0.4, rng)
	require.NoError(t, err)
	mc, err := workloads.NewMC(target, mask)
	require.NoError(t, err)
	mf, err := workloads.NewMF(target, workloads.Sum)
	require.NoError(t, err)
	_, cols, _ := mc.Observations()
	require.Greater(t, trainer.SampledShares(len(cols), d), 1)
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			objectivesAllocate(t, procs, d, rh, steps, mc, mf, rng)
		})
	}
}

// objectivesAllocate checks the sampled and factored objectives' steady
// steps on mc and mf (d x d) at procs, for networks of width rh initialized
// from rng (see TestObjectivesAllocateNothing).
func objectivesAllocate(t *testing.T, procs, d, rh, steps int, mc *workloads.MC, mf *workloads.MF, rng *rand.Rand) {
	maxRuntimeMallocs := uint64(steps / 10)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	for name, mk := range map[string]func(*dln.Network) trainer.Objective{
		"sampled":  func(n *dln.Network) trainer.Objective { return trainer.NewSampledMC(n, mc, nil) },
		"factored": func(n *dln.Network) trainer.Objective { return trainer.NewFactoredMF(n, mf, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			net := dln.New(dln.Chain(d, rh, rh, d))
			net.InitOrthogonal(0.1, rng)
			obj := mk(net)
			runtime.GC()
			for range 20 {
				obj.Evaluate()
				obj.Step(1e-6)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range steps {
				obj.Evaluate()
				obj.Step(1e-6)
			}
			runtime.ReadMemStats(&after)
			require.LessOrEqual(t, after.Mallocs-before.Mallocs, maxRuntimeMallocs, "mallocs in %d steps at GOMAXPROCS %d", steps, procs)
		})
	}
}

// TestKernelsDeterministic: Dgemm and Dgemv give bit-identical results at
// GOMAXPROCS 1 to 4 on shapes around the split's thresholds (one piece,
// uneven bands, bands of the rows or the columns, thin and flat products,
// the compressed network's d x 8 x d products) and with every transpose
// and a negative increment.
func TestKernelsDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	impl := blasbackend.OpenBLAS{}
	rng := rand.New(rand.NewPCG(seed, 6))
	gemms := [][3]int{{40, 40, 40}, {70, 65, 66}, {300, 301, 302}, {8, 1024, 1024}, {1024, 8, 1024},
		{1024, 1024, 8}, {513, 517, 1031}, {1, 1024, 1024}, {1024, 1, 1024}, {1024, 1024, 1024}}
	for _, sz := range gemms {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tA := range transposes {
			for _, tB := range transposes {
				a, b := randSlice(rng, m*k), randSlice(rng, k*n)
				c0 := randSlice(rng, m*n)
				lda, ldb := k, n
				if tA != blas.NoTrans {
					lda = m
				}
				if tB != blas.NoTrans {
					ldb = k
				}
				var ref []float64
				for procs := 1; procs <= 4; procs++ {
					runtime.GOMAXPROCS(procs)
					c := append([]float64(nil), c0...)
					impl.Dgemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, -0.3, c, n)
					if ref == nil {
						ref = c
						continue
					}
					requireSameBits(t, fmt.Sprintf("Dgemm m=%d n=%d k=%d tA=%c tB=%c GOMAXPROCS=%d", m, n, k, tA, tB, procs), ref, c)
				}
			}
		}
	}
	gemvs := [][2]int{{600, 900}, {100, 100}, {1000, 1000}, {1280, 4096}, {3000, 7}, {7, 3000}, {97, 1031}}
	for _, sz := range gemvs {
		m, n := sz[0], sz[1]
		a := randSlice(rng, m*n)
		for _, tA := range transposes {
			for _, incY := range []int{1, -2} {
				lenX, lenY := n, m
				if tA != blas.NoTrans {
					lenX, lenY = m, n
				}
				x := randSlice(rng, lenX)
				y0 := randSlice(rng, lenY*abs(incY))
				var ref []float64
				for procs := 1; procs <= 4; procs++ {
					runtime.GOMAXPROCS(procs)
					y := append([]float64(nil), y0...)
					impl.Dgemv(tA, m, n, 1.3, a, n, x, 1, 0.5, y, incY)
					if ref == nil {
						ref = y
						continue
					}
					requireSameBits(t, fmt.Sprintf("Dgemv m=%d n=%d tA=%c incY=%d GOMAXPROCS=%d", m, n, tA, incY, procs), ref, y)
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

// requireSameBits fails unless got and want hold the same bits everywhere.
func requireSameBits(t *testing.T, name string, want, got []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// BenchmarkThreading measures what bit-identical results cost: a 1024 x
// 1024 x 1024 Dgemm (the original network's product at d = 1024) through
// the shim (mode=split: single-threaded OpenBLAS pieces on GOMAXPROCS
// goroutines, split.go) against OpenBLAS's own threading on GOMAXPROCS
// threads (mode=openblas, not deterministic: see the package comment).
// Compare the two with benchstat, e.g.
//
//	go test -tags openblas -run '^$' -bench Threading -count 10 -cpu 1,2 ./blasbackend | benchstat -col /mode -
func BenchmarkThreading(b *testing.B) {
	const n = 1024
	rng := rand.New(rand.NewPCG(1, 2))
	a, bb, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float64, n*n)
	flops := 2 * float64(n) * n * n
	report := func(b *testing.B) {
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	b.Run(fmt.Sprintf("op=dgemm/n=%d/mode=split", n), func(b *testing.B) {
		for b.Loop() {
			blas64.Implementation().Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, bb, n, 0, c, n)
		}
		report(b)
	})
	b.Run(fmt.Sprintf("op=dgemm/n=%d/mode=openblas", n), func(b *testing.B) {
		for b.Loop() {
			blasbackend.ThreadedDgemm(runtime.GOMAXPROCS(0), n, a, bb, c)
		}
		report(b)
	})
}
