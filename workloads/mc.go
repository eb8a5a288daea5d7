package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// MC is matrix completion: f(W) = ||P_O(W - Phi)||_F^2 / (2|O|) over the set
// O of observed entries. Its test loss is the same on the unobserved entries,
// normalised by their number. Its surrogate is P_O(Phi)/p with p = |O|/(rows*cols).
//
// An MC made by NewMCHeldOut knows its target only on O and a held-out set
// H disjoint from O (the user's data, where the other entries are unknown):
// its test loss and recovery error are measured on H alone.
type MC struct {
	target    *mat.Dense
	mask      *mat.Dense // 1 on observed entries, 0 elsewhere
	observed  int
	surrogate *mat.Dense
	// held is 1 on the held-out entries (NewMCHeldOut), nil otherwise;
	// heldCount is |H| and heldNorm2 ||P_H(Phi)||_F^2.
	held      *mat.Dense
	heldCount int
	heldNorm2 float64
	// The observed entries in compressed sparse row form, row-major order:
	// row i holds cols[rowPtr[i]:rowPtr[i+1]] with target values vals[...].
	rowPtr []int
	cols   []int32
	vals   []float64
}

var _ Workload = (*MC)(nil)
var _ TestLosser = (*MC)(nil)

// SampleMask returns a rows x cols 0/1 mask with exactly floor(p*rows*cols)
// ones at positions drawn uniformly without replacement (a partial
// Fisher-Yates shuffle of the row-major indices). p must be in (0, 1].
func SampleMask(rows, cols int, p float64, rng *rand.Rand) (*mat.Dense, error) {
	if !(p > 0 && p <= 1) {
		return nil, fmt.Errorf("workloads: observed fraction p = %v, want 0 < p <= 1", p)
	}
	n := rows * cols
	k := int(p * float64(n))
	if k < 1 {
		return nil, fmt.Errorf("workloads: p = %v of %d x %d entries observes none", p, rows, cols)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + rng.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	mask := mat.NewDense(rows, cols, nil)
	data := mask.RawMatrix().Data
	for _, idx := range perm[:k] {
		data[idx] = 1
	}
	return mask, nil
}

// NewMC returns the completion workload of target observed on mask. Both are
// kept and must not be modified. The mask must have the target's shape,
// entries 0 or 1 and at least one 1; otherwise NewMC returns an error
// naming the first bad entry.
func NewMC(target, mask *mat.Dense) (*MC, error) {
	tr, tc := target.Dims()
	mr, mcols := mask.Dims()
	if tr != mr || tc != mcols {
		return nil, fmt.Errorf("workloads: mask is %d x %d, target is %d x %d", mr, mcols, tr, tc)
	}
	w := &MC{target: target, mask: mask}
	for i := 0; i < tr; i++ {
		for j := 0; j < tc; j++ {
			switch mask.At(i, j) {
			case 1:
				w.observed++
			case 0:
			default:
				return nil, fmt.Errorf("workloads: mask entry (%d, %d) is %v, want 0 or 1", i, j, mask.At(i, j))
			}
		}
	}
	if w.observed == 0 {
		return nil, fmt.Errorf("workloads: mask observes no entry")
	}
	w.rowPtr = make([]int, tr+1)
	w.cols = make([]int32, 0, w.observed)
	w.vals = make([]float64, 0, w.observed)
	for i := 0; i < tr; i++ {
		for j := 0; j < tc; j++ {
			if mask.At(i, j) == 1 {
				w.cols = append(w.cols, int32(j))
				w.vals = append(w.vals, target.At(i, j))
			}
		}
		w.rowPtr[i+1] = len(w.cols)
	}
	p := float64(w.observed) / float64(tr*tc)
	w.surrogate = mat.NewDense(tr, tc, nil)
	w.surrogate.MulElem(target, mask)
	w.surrogate.Scale(1/p, w.surrogate)
	return w, nil
}

// NewMCHeldOut returns the completion workload of a target known only on
// the entries where mask or held is 1 (elsewhere target should hold zeros;
// no loss, error or gradient reads it there): it trains on mask and
// measures its test loss and recovery error on held. The matrices are kept and must not be modified.
// held must have the target's shape, entries 0 or 1, at least one 1, none
// where mask is 1, and the target must not be zero on it; otherwise
// NewMCHeldOut returns an error naming the problem.
func NewMCHeldOut(target, mask, held *mat.Dense) (*MC, error) {
	w, err := NewMC(target, mask)
	if err != nil {
		return nil, err
	}
	tr, tc := target.Dims()
	if hr, hc := held.Dims(); hr != tr || hc != tc {
		return nil, fmt.Errorf("workloads: held-out mask is %d x %d, target is %d x %d", hr, hc, tr, tc)
	}
	for i := 0; i < tr; i++ {
		for j := 0; j < tc; j++ {
			switch held.At(i, j) {
			case 1:
				if mask.At(i, j) != 0 {
					return nil, fmt.Errorf("workloads: entry (%d, %d) is both observed and held out", i, j)
				}
				w.heldCount++
				v := target.At(i, j)
				w.heldNorm2 += v * v
			case 0:
			default:
				return nil, fmt.Errorf("workloads: held-out mask entry (%d, %d) is %v, want 0 or 1", i, j, held.At(i, j))
			}
		}
	}
	if w.heldCount == 0 {
		return nil, fmt.Errorf("workloads: held-out mask holds no entry")
	}
	if w.heldNorm2 == 0 || math.IsInf(w.heldNorm2, 0) || math.IsNaN(w.heldNorm2) {
		return nil, fmt.Errorf("workloads: the target's %d held-out entries have squared norm %v; the recovery error on them needs a positive finite one", w.heldCount, w.heldNorm2)
	}
	w.held = held
	return w, nil
}

func (w *MC) Name() string          { return "mc" }
func (w *MC) Dims() (int, int)      { return w.target.Dims() }
func (w *MC) Target() *mat.Dense    { return w.target }
func (w *MC) Surrogate() *mat.Dense { return w.surrogate }
func (w *MC) Bytes() int64 {
	return bytesOf(w.target, w.mask, w.surrogate, w.held) + int64(8*len(w.rowPtr)+12*len(w.cols))
}

// Scale implements Scaler: the loss ||P_O(W - Phi)||^2 / (2|O|) has
// curvature p/|O| = 1/(rows*cols) in expectation.
func (w *MC) Scale() float64 {
	r, c := w.Dims()
	return 1 / float64(r*c)
}

// HeldOut returns the 0/1 mask of the held-out entries and their number:
// nil and 0 unless w was made by NewMCHeldOut. It must not be modified.
func (w *MC) HeldOut() (*mat.Dense, int) { return w.held, w.heldCount }

// Observations returns the observed entries in compressed sparse row form:
// row i's observed columns are cols[rowPtr[i]:rowPtr[i+1]], increasing, and
// vals holds the target's values there. The slices must not be modified.
func (w *MC) Observations() (rowPtr []int, cols []int32, vals []float64) {
	return w.rowPtr, w.cols, w.vals
}

// Mask returns the 0/1 observation mask. It must not be modified.
func (w *MC) Mask() *mat.Dense { return w.mask }

// Observed returns |O|, the number of observed entries.
func (w *MC) Observed() int { return w.observed }

func (w *MC) Loss(x *mat.Dense) float64 { return w.Gradient(nil, x) }

// Gradient writes P_O(W - Phi)/|O| to dst (when dst is not nil) and returns
// the training loss.
func (w *MC) Gradient(dst, x *mat.Dense) float64 {
	checkSame(x, w.target)
	xr, tr, mr := x.RawMatrix(), w.target.RawMatrix(), w.mask.RawMatrix()
	var dr []float64
	if dst != nil {
		checkSame(dst, x)
		d := dst.RawMatrix()
		if d.Stride != d.Cols {
			panic(ErrShape)
		}
		dr = d.Data
	}
	c := 1 / float64(w.observed)
	var ss float64
	for i := 0; i < xr.Rows; i++ {
		a := xr.Data[i*xr.Stride : i*xr.Stride+xr.Cols]
		b := tr.Data[i*tr.Stride : i*tr.Stride+tr.Cols]
		m := mr.Data[i*mr.Stride : i*mr.Stride+mr.Cols]
		for j, v := range a {
			var e float64
			if m[j] != 0 { // not m[j]*(v-b[j]): an unobserved Inf must not leak
				e = v - b[j]
			}
			ss += e * e
			if dr != nil {
				dr[i*xr.Cols+j] = c * e
			}
		}
	}
	return c * ss / 2
}

// TestLoss returns ||P_{O^c}(W - Phi)||_F^2 / (2|O^c|), and false when every
// entry is observed; with held-out entries H, ||P_H(W - Phi)||_F^2 / (2|H|).
// It allocates nothing.
func (w *MC) TestLoss(x *mat.Dense) (float64, bool) {
	ss, n := w.outside(x)
	if n == 0 {
		return 0, false
	}
	return ss / (2 * float64(n)), true
}

// RecoveryError returns RecoveryError(x, Target()), or with held-out
// entries H the relative error on them, ||P_H(W - Phi)||_F / ||P_H(Phi)||_F.
// It allocates nothing.
func (w *MC) RecoveryError(x *mat.Dense) float64 {
	if w.held == nil {
		return RecoveryError(x, w.target)
	}
	ss, _ := w.outside(x)
	return math.Sqrt(ss / w.heldNorm2)
}

// outside returns the squared error of x on the entries the test loss
// covers (H, or the unobserved ones) and their number.
func (w *MC) outside(x *mat.Dense) (float64, int) {
	checkSame(x, w.target)
	r, c := x.Dims()
	sel, want, n := w.mask, 0.0, r*c-w.observed // unobserved: mask 0
	if w.held != nil {
		sel, want, n = w.held, 1, w.heldCount
	}
	xr, tr, mr := x.RawMatrix(), w.target.RawMatrix(), sel.RawMatrix()
	var ss float64
	for i := 0; i < r; i++ {
		a := xr.Data[i*xr.Stride : i*xr.Stride+c]
		b := tr.Data[i*tr.Stride : i*tr.Stride+c]
		m := mr.Data[i*mr.Stride : i*mr.Stride+c]
		for j, v := range a {
			if m[j] == want {
				e := v - b[j]
				ss += e * e
			}
		}
	}
	return ss, n
}
