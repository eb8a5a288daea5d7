package workloads

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"
)

// EntryList is a list of a matrix's entries, 0-based: entry t is Value[t]
// at (Row[t], Col[t]). Its three slices have one length.
type EntryList struct {
	Row, Col []int
	Value    []float64
}

// Len returns the number of entries.
func (e EntryList) Len() int { return len(e.Value) }

// CenterKind is the mean subtracted from a completion problem's values
// before training (EntriesMC): none, one global mean, a mean per row or a
// mean per column, each of the training entries. The names are those of
// model.CenteringKind.
type CenterKind string

// The centerings.
const (
	CenterNone    CenterKind = "none"
	CenterGlobal  CenterKind = "global"
	CenterRows    CenterKind = "rows"
	CenterColumns CenterKind = "columns"
)

// CenterKinds lists the centerings, in the order the CLI shows them.
var CenterKinds = []CenterKind{CenterNone, CenterGlobal, CenterRows, CenterColumns}

// Centering is the mean subtracted from every value of a completion
// problem before training, added back to every prediction: the offset of
// entry (i, j) is 0 (none), Means[0] (global), Means[i] (rows) or Means[j]
// (columns).
type Centering struct {
	Kind  CenterKind
	Means []float64
}

// Offset returns the mean subtracted at (i, j).
func (c Centering) Offset(i, j int) float64 {
	switch c.Kind {
	case CenterGlobal:
		return c.Means[0]
	case CenterRows:
		return c.Means[i]
	case CenterColumns:
		return c.Means[j]
	}
	return 0
}

// NewCentering returns the centering of kind computed from the training
// entries train of a rows x cols matrix: the mean of all of them (global),
// of each row's (rows) or of each column's (columns). A row (column) with
// no training entry takes the global mean of the training entries, the
// value predicted for it. An unknown kind is an error.
func NewCentering(kind CenterKind, rows, cols int, train EntryList) (Centering, error) {
	var sum float64
	for _, v := range train.Value {
		sum += v
	}
	global := sum / float64(max(train.Len(), 1))
	var idx []int
	size := 0
	switch kind {
	case CenterNone, "":
		return Centering{Kind: CenterNone}, nil
	case CenterGlobal:
		return Centering{Kind: CenterGlobal, Means: []float64{global}}, nil
	case CenterRows:
		idx, size = train.Row, rows
	case CenterColumns:
		idx, size = train.Col, cols
	default:
		return Centering{}, fmt.Errorf("workloads: centering %q: want one of %v", kind, CenterKinds)
	}
	means := make([]float64, size)
	counts := make([]int, size)
	for t, v := range train.Value {
		means[idx[t]] += v
		counts[idx[t]]++
	}
	for k := range means {
		if counts[k] == 0 {
			means[k] = global
		} else {
			means[k] /= float64(counts[k])
		}
	}
	return Centering{Kind: kind, Means: means}, nil
}

// heldList is a held-out part of an EntriesMC: positions, centered values
// and the squared norm of the values in the data's units.
type heldList struct {
	row, col []int32
	val      []float64 // centered: value - offset
	norm2    float64   // sum of the uncentered values squared
}

func (h *heldList) len() int { return len(h.val) }

// EntriesMC is matrix completion from a list of entries: the target is
// known only on the entries a file lists, divided into a training part
// (the loss's), a validation part (read at checkpoints, to stop training
// and keep the best weights; never the reported error) and a test part
// (the held-out entries every recovery error and test loss is measured
// on). It holds no rows x cols matrix: the training entries in compressed
// sparse row form and the other two as lists, 16 to 24 bytes an entry.
//
// The loss is MC's, f(W) = ||P_O(W - C)||_F^2 / (2|O|) over the training
// entries O, where C holds the values minus the centering (Centering; the
// zero centering is none). Errors are in the data's units: the residual
// W_ij - C_ij equals (W_ij + offset) - M_ij, so the test loss and RMSE do
// not depend on the centering, and the relative error divides by the norm
// of the uncentered test values M:
//
//	rel = ||P_H(W + offset - M)||_F / ||P_H(M)||_F,  RMSE = ||P_H(W + offset - M)||_F / sqrt(|H|).
//
// Target and Surrogate return nil (no dense matrix exists): the surrogate
// P_O(C)/p is applied from the entries (TopSingular, TargetTop).
type EntriesMC struct {
	rows, cols int
	rowPtr     []int
	colIdx     []int32
	vals       []float64
	test, val  heldList
	center     Centering
	rng        *rand.Rand
	reh        rehearsal
}

var (
	_ Workload   = (*EntriesMC)(nil)
	_ TestLosser = (*EntriesMC)(nil)
	_ Recoverer  = (*EntriesMC)(nil)
	_ Scaler     = (*EntriesMC)(nil)
	_ Rehearser  = (*EntriesMC)(nil)
)

// NewEntriesMC returns the completion workload of a rows x cols matrix
// known on train, validation and test (disjoint lists, 0-based; the
// validation list may be empty), its values centered by center (computed
// from train: NewCentering). rng seeds the randomized SVD of TopSingular.
// Errors: an empty training or test list, an index outside the matrix, a
// value that is not finite, a position listed twice (in one list or two),
// or a centering whose means do not fit the matrix.
func NewEntriesMC(rows, cols int, train, validation, test EntryList, center Centering, rng *rand.Rand) (*EntriesMC, error) {
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("workloads: a %d x %d completion problem", rows, cols)
	}
	if train.Len() == 0 {
		return nil, fmt.Errorf("workloads: no training entry")
	}
	if test.Len() == 0 {
		return nil, fmt.Errorf("workloads: no held-out test entry")
	}
	switch want := map[CenterKind]int{CenterGlobal: 1, CenterRows: rows, CenterColumns: cols}[center.Kind]; {
	case center.Kind == "":
		center.Kind = CenterNone
	case center.Kind != CenterNone && len(center.Means) != want:
		return nil, fmt.Errorf("workloads: %s centering with %d means, want %d", center.Kind, len(center.Means), want)
	}
	for _, m := range center.Means {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return nil, fmt.Errorf("workloads: a centering mean is %v", m)
		}
	}
	seen := make(map[uint64]string, train.Len()+validation.Len()+test.Len())
	for _, l := range []struct {
		name string
		e    EntryList
	}{{"training", train}, {"validation", validation}, {"test", test}} {
		e := l.e
		if len(e.Row) != e.Len() || len(e.Col) != e.Len() {
			return nil, fmt.Errorf("workloads: %s list of %d rows, %d columns and %d values", l.name, len(e.Row), len(e.Col), e.Len())
		}
		for t, v := range e.Value {
			i, j := e.Row[t], e.Col[t]
			if i < 0 || i >= rows || j < 0 || j >= cols {
				return nil, fmt.Errorf("workloads: %s entry %d at (%d, %d) is outside the %d x %d matrix", l.name, t, i, j, rows, cols)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("workloads: %s entry %d at (%d, %d) is %v", l.name, t, i, j, v)
			}
			key := uint64(i)<<32 | uint64(j)
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("workloads: entry (%d, %d) is in the %s list and the %s list", i, j, prev, l.name)
			}
			seen[key] = l.name
		}
	}
	w := &EntriesMC{rows: rows, cols: cols, center: center, rng: rng}
	// Training entries in CSR, columns increasing within a row.
	order := make([]int, train.Len())
	for t := range order {
		order[t] = t
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(train.Row[a], train.Row[b]), cmp.Compare(train.Col[a], train.Col[b]))
	})
	w.rowPtr = make([]int, rows+1)
	w.colIdx = make([]int32, train.Len())
	w.vals = make([]float64, train.Len())
	for k, t := range order {
		i, j := train.Row[t], train.Col[t]
		w.rowPtr[i+1]++
		w.colIdx[k] = int32(j)
		w.vals[k] = train.Value[t] - center.Offset(i, j)
	}
	for i := 0; i < rows; i++ {
		w.rowPtr[i+1] += w.rowPtr[i]
	}
	w.test = newHeldList(test, center)
	w.val = newHeldList(validation, center)
	return w, nil
}

func newHeldList(e EntryList, center Centering) heldList {
	h := heldList{row: make([]int32, e.Len()), col: make([]int32, e.Len()), val: make([]float64, e.Len())}
	for t, v := range e.Value {
		i, j := e.Row[t], e.Col[t]
		h.row[t], h.col[t] = int32(i), int32(j)
		h.val[t] = v - center.Offset(i, j)
		h.norm2 += v * v
	}
	return h
}

func (w *EntriesMC) Name() string          { return "mc" }
func (w *EntriesMC) Dims() (int, int)      { return w.rows, w.cols }
func (w *EntriesMC) Target() *mat.Dense    { return nil }
func (w *EntriesMC) Surrogate() *mat.Dense { return nil }

// Observed returns |O|, the training entries.
func (w *EntriesMC) Observed() int { return len(w.colIdx) }

// Observations returns the training entries in CSR form with their
// centered values (trainer.Observed).
func (w *EntriesMC) Observations() (rowPtr []int, cols []int32, vals []float64) {
	return w.rowPtr, w.colIdx, w.vals
}

// HeldOutCount returns |H|, the test entries (the target is partial).
func (w *EntriesMC) HeldOutCount() int { return w.test.len() }

// ValidationCount returns the number of validation entries.
func (w *EntriesMC) ValidationCount() int { return w.val.len() }

// Centering returns the centering applied. It must not be modified.
func (w *EntriesMC) Centering() Centering { return w.center }

// ErrorScale implements RMSEScaler: the norm of the uncentered test values
// and their count.
func (w *EntriesMC) ErrorScale() (norm float64, count int) {
	return math.Sqrt(w.test.norm2), w.test.len()
}

// Bytes counts the CSR training entries, the two held-out lists and the
// means.
func (w *EntriesMC) Bytes() int64 {
	return int64(8*len(w.rowPtr)+12*len(w.colIdx)) + int64(16*(w.test.len()+w.val.len())) + int64(8*len(w.center.Means))
}

// Scale implements Scaler: the curvature of the mean loss over |O|
// entries, p/|O| = 1/(rows*cols) in expectation.
func (w *EntriesMC) Scale() float64 { return 1 / (float64(w.rows) * float64(w.cols)) }

func (w *EntriesMC) Loss(x *mat.Dense) float64 { return w.Gradient(nil, x) }

// Gradient writes P_O(W - C)/|O| to dst (when not nil; zero off O) and
// returns the training loss. It allocates nothing.
func (w *EntriesMC) Gradient(dst, x *mat.Dense) float64 {
	if xr, xc := x.Dims(); xr != w.rows || xc != w.cols {
		panic(fmt.Errorf("%w: %d x %d and %d x %d", ErrShape, xr, xc, w.rows, w.cols))
	}
	if dst != nil {
		checkSame(dst, x)
		dst.Zero()
	}
	inv := 1 / float64(len(w.colIdx))
	var ss float64
	for i := 0; i < w.rows; i++ {
		row := x.RawRowView(i)
		for k := w.rowPtr[i]; k < w.rowPtr[i+1]; k++ {
			j := int(w.colIdx[k])
			e := row[j] - w.vals[k]
			ss += e * e
			if dst != nil {
				dst.Set(i, j, inv*e)
			}
		}
	}
	return inv * ss / 2
}

// sqDense returns the sum of squared residuals of W on h.
func (h *heldList) sqDense(x *mat.Dense) float64 {
	raw := x.RawMatrix()
	var ss float64
	for t, v := range h.val {
		e := raw.Data[int(h.row[t])*raw.Stride+int(h.col[t])] - v
		ss += e * e
	}
	return ss
}

// sqFactored returns the sum of squared residuals of W = A B on h, given A
// (rows x k) and B^T (cols x k): O(|h| k).
func (h *heldList) sqFactored(a, bt *mat.Dense) float64 {
	ar, br := a.RawMatrix(), bt.RawMatrix()
	k := ar.Cols
	var ss float64
	for t, v := range h.val {
		ai := ar.Data[int(h.row[t])*ar.Stride : int(h.row[t])*ar.Stride+k]
		bj := br.Data[int(h.col[t])*br.Stride : int(h.col[t])*br.Stride+k]
		var p float64
		for m, x := range ai {
			p += x * bj[m]
		}
		e := p - v
		ss += e * e
	}
	return ss
}

// rel returns the relative error of a sum of squared residuals ss on h.
func (h *heldList) rel(ss float64) float64 {
	if h.norm2 == 0 {
		return math.Sqrt(ss)
	}
	return math.Sqrt(ss / h.norm2)
}

// RecoveryError implements Recoverer: the relative error of W on the test
// entries, in the data's units. It allocates nothing.
func (w *EntriesMC) RecoveryError(x *mat.Dense) float64 {
	w.checkDense(x)
	return w.test.rel(w.test.sqDense(x))
}

// TestLoss implements TestLosser: ||P_H(W - C)||^2 / (2|H|) on the test
// entries H (RMSE = sqrt(2 TestLoss)).
func (w *EntriesMC) TestLoss(x *mat.Dense) (float64, bool) {
	w.checkDense(x)
	return w.test.sqDense(x) / (2 * float64(w.test.len())), true
}

// HeldOutFactored returns the relative error and the test loss of W = A B
// on the test entries from A (rows x k) and B^T (cols x k), never forming
// W: O(|H| k). It allocates nothing.
func (w *EntriesMC) HeldOutFactored(a, bt *mat.Dense) (rel, testLoss float64) {
	w.checkFactors(a, bt)
	ss := w.test.sqFactored(a, bt)
	return w.test.rel(ss), ss / (2 * float64(w.test.len()))
}

// ValidationRMSE returns the RMSE of W on the validation entries, in the
// data's units, and false when there are none. It allocates nothing.
func (w *EntriesMC) ValidationRMSE(x *mat.Dense) (float64, bool) {
	if w.val.len() == 0 {
		return 0, false
	}
	w.checkDense(x)
	return math.Sqrt(w.val.sqDense(x) / float64(w.val.len())), true
}

// ValidationFactored is ValidationRMSE of W = A B from A and B^T: O(|V| k).
func (w *EntriesMC) ValidationFactored(a, bt *mat.Dense) (float64, bool) {
	if w.val.len() == 0 {
		return 0, false
	}
	w.checkFactors(a, bt)
	return math.Sqrt(w.val.sqFactored(a, bt) / float64(w.val.len())), true
}

func (w *EntriesMC) checkDense(x *mat.Dense) {
	if xr, xc := x.Dims(); xr != w.rows || xc != w.cols {
		panic(fmt.Errorf("%w: %d x %d and %d x %d", ErrShape, xr, xc, w.rows, w.cols))
	}
}

func (w *EntriesMC) checkFactors(a, bt *mat.Dense) {
	ar, ak := a.Dims()
	br, bk := bt.Dims()
	if ar != w.rows || br != w.cols || ak != bk {
		panic(fmt.Errorf("%w: factors %d x %d and %d x %d (B^T) for a %d x %d problem", ErrShape, ar, ak, br, bk, w.rows, w.cols))
	}
}

// TopSingular returns the k leading singular vectors of the surrogate
// P_O(C)/p by randomized subspace iteration (4 power iterations), from the
// training entries alone. Each call continues the generator's stream, as
// SparseMC.TopSingular's (RehearseTopSingular). The vectors must not be
// modified.
func (w *EntriesMC) TopSingular(k int) (u, v *mat.Dense, err error) {
	return w.reh.topSingular(k, func() { skipBlock(w.rows, w.cols, k, w.rng) }, func() (u, v *mat.Dense, err error) {
		apply, applyT := csrProducts(w.rows, w.rowPtr, w.colIdx, w.vals)
		u, v, _, err = topSingular(w.rows, w.cols, k, 4, apply, applyT, w.rng)
		return u, v, err
	})
}

// RehearseTopSingular implements Rehearser.
func (w *EntriesMC) RehearseTopSingular(k int) (cancel func()) { return w.reh.announce(k) }

// RehearsedTime implements Rehearser.
func (w *EntriesMC) RehearsedTime() time.Duration { return w.reh.took }

// targetEstimate implements targetEstimator: the products with P_O(C) and
// 1/p.
func (w *EntriesMC) targetEstimate() (apply, applyT func(dst, x *mat.Dense), scale float64) {
	apply, applyT = csrProducts(w.rows, w.rowPtr, w.colIdx, w.vals)
	return apply, applyT, float64(w.rows) * float64(w.cols) / float64(w.Observed())
}

// Partial is implemented by the workloads whose target is known only on
// some entries (MC with held-out entries, EntriesMC): their recovery error
// is measured on the HeldOutCount held-out entries, and the target's rank
// and singular values cannot be read from them.
type Partial interface {
	HeldOutCount() int
}

// ErrorScaler is implemented by workloads that say how their relative
// recovery error converts to the data's units: RMSE = rel norm /
// sqrt(count), norm the Frobenius norm of the target on the entries the
// error is measured on and count their number.
type ErrorScaler interface {
	ErrorScale() (norm float64, count int)
}

// RMSE returns the recovery error rel of W on work in the data's units,
// the root mean square error on the entries it is measured on (work's
// ErrorScale, else every entry of its dense target), and false when work
// says neither (a sparse generated instance's factors are used by its
// ErrorScale).
func RMSE(work Workload, rel float64) (float64, bool) {
	if s, ok := work.(ErrorScaler); ok {
		norm, n := s.ErrorScale()
		if n == 0 {
			return 0, false
		}
		return rel * norm / math.Sqrt(float64(n)), true
	}
	t := work.Target()
	if t == nil {
		return 0, false
	}
	r, c := t.Dims()
	return rel * mat.Norm(t, 2) / math.Sqrt(float64(r)*float64(c)), true
}

// Lists returns the training, validation and test entries with their
// centered values (the values minus Centering's offsets), in the CSR order
// for training and the given order for the others: what a baseline fitted
// to the same problem (altmin) trains, stops and is scored on. They are
// copies.
func (w *EntriesMC) Lists() (train, validation, test EntryList) {
	train = EntryList{Row: make([]int, len(w.vals)), Col: make([]int, len(w.vals)), Value: append([]float64(nil), w.vals...)}
	for i := 0; i < w.rows; i++ {
		for k := w.rowPtr[i]; k < w.rowPtr[i+1]; k++ {
			train.Row[k], train.Col[k] = i, int(w.colIdx[k])
		}
	}
	held := func(h heldList) EntryList {
		e := EntryList{Row: make([]int, h.len()), Col: make([]int, h.len()), Value: append([]float64(nil), h.val...)}
		for t := range h.val {
			e.Row[t], e.Col[t] = int(h.row[t]), int(h.col[t])
		}
		return e
	}
	return train, held(w.val), held(w.test)
}

// EntryLoss returns the loss of a residual of RMSE e on the training
// entries: e^2 / 2 (the loss is their mean).
func (w *EntriesMC) EntryLoss(e float64) float64 { return e * e / 2 }
