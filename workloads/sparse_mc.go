package workloads

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"
)

// SparseMC is matrix completion at scale: the same loss as MC,
// f(W) = ||P_O(W - Phi)||_F^2 / (2|O|), with the target held in factored
// form and the observed entries in compressed sparse row form, so the
// workload never holds a rows x cols matrix: its memory is 12 bytes per
// observed entry plus the factors. It is trained through its observations
// (trainer.SampledMC); Gradient, for a dense W, exists for networks that
// form W and costs O(rows*cols + |O| r).
//
// Target and Surrogate return nil: use Factored for the target and
// TopSingular for the surrogate's singular vectors.
type SparseMC struct {
	phi    *Factored
	rowPtr []int
	cols   []int32
	vals   []float64
	rng    *rand.Rand
	reh    rehearsal
	// log receives the progress of the randomized SVDs (SetLog).
	log io.Writer
	// built is how long mc's NewSparse took to draw it (Built).
	built SparseBuild
}

// SparseBuild is how long the phases of drawing a sparse mc instance took
// (the mc spec's NewSparse), wall time: the target's factors
// (NewFactoredRect), the observed entries (SampleObserved), and the
// target's values on them (NewSparseMC) with the observation noise.
type SparseBuild struct {
	Factors, Sampling, Values time.Duration
}

// Built returns how long the phases of drawing w took; zero for a
// workload made by NewSparseMC alone.
func (w *SparseMC) Built() SparseBuild { return w.built }

// SetLog sends the progress of the surrogate's randomized SVDs
// (TopSingular and TargetTop: 10 products with the observed entries each)
// to log, a line every 2 s once one has run a second, with the time left;
// nil (the default) prints nothing.
func (w *SparseMC) SetLog(log io.Writer) { w.log = log }

// randSVDProducts is the number of products with the surrogate of
// topSingular with 4 power iterations: 2*4 + 2.
const randSVDProducts = 10

var (
	_ Workload  = (*SparseMC)(nil)
	_ Rehearser = (*SparseMC)(nil)
)

// NewSparseMC returns the completion workload of phi observed on the CSR
// pattern (rowPtr, cols) (as from SampleObserved). rng seeds the randomized
// SVD of TopSingular. It evaluates the target at every observed entry
// (O(|O| r), on up to GOMAXPROCS goroutines, each entry on its own, in
// column panels: Factored.values).
func NewSparseMC(phi *Factored, rowPtr []int, cols []int32, rng *rand.Rand) (*SparseMC, error) {
	r, c := phi.Dims()
	if len(rowPtr) != r+1 || rowPtr[0] != 0 || rowPtr[r] != len(cols) {
		return nil, fmt.Errorf("workloads: row pointers of length %d for %d rows and %d entries", len(rowPtr), r, len(cols))
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("workloads: no observed entry")
	}
	for i := 0; i < r; i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			if j := int(cols[k]); j < 0 || j >= c || (k > rowPtr[i] && cols[k] <= cols[k-1]) {
				return nil, fmt.Errorf("workloads: observed column %d in row %d is out of range or out of order", j, i)
			}
		}
	}
	w := &SparseMC{phi: phi, rowPtr: rowPtr, cols: cols, vals: make([]float64, len(cols)), rng: rng}
	phi.values(rowPtr, cols, w.vals)
	return w, nil
}

// values sets vals[t] to Phi_ij (At: the same sum, term by term) for the
// entries t of the CSR pattern (rowPtr, cols), on up to GOMAXPROCS
// goroutines over their own rows. The entries are visited in column panels
// (csrPanels: rows of V in panels of csrPanelBytes), so that the rows of V
// they read at random columns come from cache. It allocates a cursor per
// row and a row of r per goroutine.
func (f *Factored) values(rowPtr []int, cols []int32, vals []float64) {
	rows, n := f.Dims()
	r := len(f.S)
	vr := f.V.RawMatrix()
	bounds := panelBounds(n, csrPanels(rows, n, len(cols), r))
	parallelRanges(rows, len(cols)*r, func(r0, r1 int) {
		cur := make([]int, r1-r0)
		copy(cur, rowPtr[r0:r1])
		us := make([]float64, r)
		panelRuns(rowPtr, cols, bounds[1:], r0, r1, cur, func(i, t0, t1 int) {
			// u_k S_k, as At's u[k] * sk * v[k] groups it.
			for k, u := range f.U.RawRowView(i)[:r] {
				us[k] = u * f.S[k]
			}
			for t := t0; t < t1; t++ {
				j := int(cols[t])
				v := vr.Data[j*vr.Stride : j*vr.Stride+r]
				var s float64
				for k, uk := range us {
					s += uk * v[k]
				}
				vals[t] = s
			}
		})
	})
}

func (w *SparseMC) Name() string          { return "mc" }
func (w *SparseMC) Dims() (int, int)      { return w.phi.Dims() }
func (w *SparseMC) Target() *mat.Dense    { return nil }
func (w *SparseMC) Surrogate() *mat.Dense { return nil }

// Factored returns the target's factors. They must not be modified.
func (w *SparseMC) Factored() *Factored { return w.phi }

// Observed returns |O|.
func (w *SparseMC) Observed() int { return len(w.cols) }

// Observations implements the CSR view of the observed entries, as
// MC.Observations.
func (w *SparseMC) Observations() (rowPtr []int, cols []int32, vals []float64) {
	return w.rowPtr, w.cols, w.vals
}

// Bytes counts the CSR pattern, the target's values on it and the factors.
func (w *SparseMC) Bytes() int64 {
	return int64(8*len(w.rowPtr)+12*len(w.cols)) + bytesOf(w.phi.U, w.phi.V)
}

func (w *SparseMC) Loss(x *mat.Dense) float64 { return w.Gradient(nil, x) }

// Gradient writes P_O(W - Phi)/|O| to dst (when not nil; zero off O) and
// returns the training loss.
func (w *SparseMC) Gradient(dst, x *mat.Dense) float64 {
	r, c := w.Dims()
	if xr, xc := x.Dims(); xr != r || xc != c {
		panic(fmt.Errorf("%w: %d x %d and %d x %d", ErrShape, xr, xc, r, c))
	}
	if dst != nil {
		checkSame(dst, x)
		dst.Zero()
	}
	inv := 1 / float64(len(w.cols))
	var ss float64
	for i := 0; i < r; i++ {
		row := x.RawRowView(i)
		for k := w.rowPtr[i]; k < w.rowPtr[i+1]; k++ {
			j := int(w.cols[k])
			e := row[j] - w.vals[k]
			ss += e * e
			if dst != nil {
				dst.Set(i, j, inv*e)
			}
		}
	}
	return inv * ss / 2
}

// TopSingular returns the k leading singular vectors of the surrogate
// P_O(Phi)/p (only the vectors matter, so the 1/p is dropped), u (rows x
// k) and v (cols x k), by randomized subspace iteration with 4 power
// iterations, O(|O| (k+10)) per product (csrProducts). Each call draws
// from the generator given to NewSparseMC, continuing its stream: a
// network built twice (the time preflight's probe, then training) starts
// from the second call's vectors, as it always has (the golden
// trajectories of cmd/lowdim's TestMCNoiseZeroBitIdentical/sparse hold
// them); RehearseTopSingular makes the first call compute them and the
// second return them. The vectors must not be modified.
func (w *SparseMC) TopSingular(k int) (u, v *mat.Dense, err error) {
	r, c := w.Dims()
	return w.reh.topSingular(k, func() { skipBlock(r, c, k, w.rng) }, func() (u, v *mat.Dense, err error) {
		apply, applyT := w.applySurrogate()
		p := newProgress(w.log, fmt.Sprintf("spectral initialization: the surrogate's top %d singular vectors", k), randSVDProducts, "products with the observed entries")
		apply, applyT = counted(p, apply, applyT)
		u, v, _, err = topSingular(r, c, k, 4, apply, applyT, w.rng)
		return u, v, err
	})
}

// RehearseTopSingular implements Rehearser.
func (w *SparseMC) RehearseTopSingular(k int) (cancel func()) { return w.reh.announce(k) }

// RehearsedTime implements Rehearser.
func (w *SparseMC) RehearsedTime() time.Duration { return w.reh.took }

// targetEstimate implements targetEstimator: the products with P_O(Phi),
// never formed, and 1/p.
func (w *SparseMC) targetEstimate() (apply, applyT func(dst, x *mat.Dense), scale float64) {
	r, c := w.Dims()
	apply, applyT = w.applySurrogate()
	p := newProgress(w.log, "learning rate: the target's top singular value", randSVDProducts, "products with the observed entries")
	apply, applyT = counted(p, apply, applyT)
	return apply, applyT, float64(r*c) / float64(w.Observed())
}

// applySurrogate returns the products with P_O(Phi) and its transpose
// (the surrogate times p): dst = S x and dst = S^T x.
func (w *SparseMC) applySurrogate() (apply, applyT func(dst, x *mat.Dense)) {
	r, _ := w.Dims()
	return csrProducts(r, w.rowPtr, w.cols, w.vals)
}

// Scale implements Scaler: the loss ||P_O(W - Phi)||^2 / (2|O|) has
// curvature p/|O| = 1/(rows*cols) in expectation.
func (w *SparseMC) Scale() float64 {
	r, c := w.Dims()
	return 1 / float64(r*c)
}

// FactoredError returns the relative recovery error ||A B - Phi||_F/||Phi||_F
// of W = A B given A (rows x h) and B^T (cols x h), without forming W:
//
//	||W - Phi||^2 = tr((A^T A)(B B^T)) - 2 sum_k S_k (V^T B^T)_k . (A^T U)_:k + ||S||^2,
//
// in O((rows + cols) h (h + r)). It also returns ||W - Phi||_F^2 for the test
// loss. The subtraction loses accuracy when W is close to Phi: the error is
// resolved down to about 1e-7 relative (sqrt of float64 precision).
func (w *SparseMC) FactoredError(a, bt *mat.Dense) (rel, sq float64) {
	var ata, btb, au, vb mat.Dense
	ata.Mul(a.T(), a)
	btb.Mul(bt.T(), bt)
	au.Mul(a.T(), w.phi.U)  // h x r
	vb.Mul(w.phi.V.T(), bt) // r x h
	var ww float64
	h, _ := ata.Dims()
	for i := 0; i < h; i++ {
		for j := 0; j < h; j++ {
			ww += ata.At(i, j) * btb.At(j, i)
		}
	}
	var cross float64
	for k, s := range w.phi.S {
		var t float64
		for m := 0; m < h; m++ {
			t += vb.At(k, m) * au.At(m, k)
		}
		cross += s * t
	}
	n := w.phi.Norm()
	sq = math.Max(ww-2*cross+n*n, 0)
	return math.Sqrt(sq) / n, sq
}

// ErrorScale implements ErrorScaler: ||Phi||_F over every entry.
func (w *SparseMC) ErrorScale() (norm float64, count int) {
	r, c := w.Dims()
	return w.phi.Norm(), r * c
}

// EntryLoss returns the loss of a residual of RMSE e on the observed
// entries: e^2 / 2.
func (w *SparseMC) EntryLoss(e float64) float64 { return e * e / 2 }

// addNoise adds sigma z to each observed value, z standard normal drawn
// from rng in the CSR order (row-major): mc's observation noise
// (AddObservationNoise). sigma 0 draws nothing.
func (w *SparseMC) addNoise(sigma float64, rng *rand.Rand) error {
	if err := checkSigma(sigma); err != nil {
		return err
	}
	if sigma == 0 {
		return nil
	}
	for k := range w.vals {
		w.vals[k] += sigma * rng.NormFloat64()
	}
	return nil
}
