package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// ErrShape is the panic value of a shape mismatch.
var ErrShape = errors.New("workloads: dimension mismatch")

// Workload is a training loss on an end-to-end matrix W.
type Workload interface {
	// Name is the short name: "mf", "mc" or "ms".
	Name() string
	// Dims is the shape of W and of the target.
	Dims() (rows, cols int)
	// Target is the matrix Phi to recover. It must not be modified.
	Target() *mat.Dense
	// Surrogate is the matrix whose top singular vectors seed the
	// compressed network. It must not be modified.
	Surrogate() *mat.Dense
	// Loss returns f(W). It allocates nothing.
	Loss(w *mat.Dense) float64
	// Gradient writes grad f(W) to dst and returns f(W). dst must not alias
	// w. It allocates nothing.
	Gradient(dst, w *mat.Dense) float64
	// Bytes is the memory the workload holds (target, data, workspace).
	Bytes() int64
}

// TestLosser is implemented by workloads with held-out entries (MC).
type TestLosser interface {
	// TestLoss returns the loss on the held-out entries, normalised like the
	// training loss, and false when there are none.
	TestLoss(w *mat.Dense) (float64, bool)
}

// Scaler is implemented by every workload of this package: Scale is the
// loss's curvature along a typical low-rank direction D, in expectation
// f(W + D) - f(W) - <grad f(W), D> = Scale ||D||_F^2 / 2 (the c of the
// MF loss c ||W - Phi||_F^2 / 2). With the top singular value of the
// target's top singular value (TargetTop) it sets the stable learning
// rate (theory.StableEta).
type Scaler interface {
	Scale() float64
}

// TargetTop estimates the target's largest singular value from the data
// a workload trains on: the top singular value of its surrogate, made an
// unbiased estimate of the target (MF's surrogate is the target, MC's
// P_O(Phi)/p is unbiased, MS's (1/m) sum_i y_i A_i has mean Phi Scale/m for
// an isotropic operator and is divided by that gain). It uses randomized
// subspace iteration (block of 11, 4 power iterations) seeded from rng: a
// lower bound on the surrogate's value, within about 1e-3 relative for the
// spectra of lowdim's problems. A sparse MC workload's surrogate is applied
// from its observed entries, never formed.
func TargetTop(work Workload, rng *rand.Rand) (float64, error) {
	var apply, applyT func(dst, x *mat.Dense)
	scale := 1.0
	if e, ok := work.(targetEstimator); ok {
		apply, applyT, scale = e.targetEstimate()
	} else {
		m := work.Surrogate()
		if m == nil {
			return 0, fmt.Errorf("workloads: %s has no surrogate", work.Name())
		}
		apply, applyT = denseProducts(m)
	}
	r, c := work.Dims()
	_, _, s, err := topSingular(r, c, 1, 4, apply, applyT, rng)
	if err != nil {
		return 0, err
	}
	return scale * s[0], nil
}

// targetEstimator is implemented by the workloads whose surrogate is not
// itself an unbiased estimate of the target held as a dense matrix: they
// give the products with a matrix M and the factor that makes scale * M
// that estimate.
type targetEstimator interface {
	targetEstimate() (apply, applyT func(dst, x *mat.Dense), scale float64)
}

// denseProducts returns dst = m x and dst = m^T x.
func denseProducts(m *mat.Dense) (apply, applyT func(dst, x *mat.Dense)) {
	return func(dst, x *mat.Dense) { dst.Mul(m, x) }, func(dst, x *mat.Dense) { dst.Mul(m.T(), x) }
}

// Recoverer is implemented by workloads that measure the recovery error
// themselves (MC, whose target may be known only on some entries).
type Recoverer interface {
	// RecoveryError returns the relative recovery error of W. It
	// allocates nothing.
	RecoveryError(w *mat.Dense) float64
}

// Recovery returns the relative recovery error of W on work: work's own
// when it is a Recoverer, else RecoveryError(w, work.Target()).
func Recovery(work Workload, w *mat.Dense) float64 {
	if r, ok := work.(Recoverer); ok {
		return r.RecoveryError(w)
	}
	return RecoveryError(w, work.Target())
}

// RecoveryError returns the relative Frobenius error ||W - Phi||_F / ||Phi||_F,
// or ||W||_F when Phi is zero. It panics with ErrShape when the shapes
// differ and allocates nothing.
func RecoveryError(w, target *mat.Dense) float64 {
	checkSame(w, target)
	wr, tr := w.RawMatrix(), target.RawMatrix()
	var num, den float64
	for i := 0; i < wr.Rows; i++ {
		a := wr.Data[i*wr.Stride : i*wr.Stride+wr.Cols]
		b := tr.Data[i*tr.Stride : i*tr.Stride+tr.Cols]
		for j, v := range b {
			e := a[j] - v
			num += e * e
			den += v * v
		}
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

func checkSame(a, b mat.Matrix) {
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if ar != br || ac != bc {
		panic(fmt.Errorf("%w: %d x %d and %d x %d", ErrShape, ar, ac, br, bc))
	}
}

func bytesOf(ms ...*mat.Dense) int64 {
	var b int64
	for _, m := range ms {
		if m != nil {
			r, c := m.Dims()
			b += int64(8 * r * c)
		}
	}
	return b
}
