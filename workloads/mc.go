package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/npy"
)

// MC is matrix completion: f(W) = ||P_O(W - Y)||_F^2 / (2|O|) over the set
// O of observed entries, Y the observed values: the target Phi itself, or,
// with observation noise (NewMCObserved, --noise), Phi + sigma Z on O. Its
// test loss is ||P_{O^c}(W - Phi)||_F^2 over the unobserved entries,
// normalised by their number, and its recovery error is against Phi: the
// noise is in what the network sees, never in what it is judged against.
// Its surrogate is P_O(Y)/p with p = |O|/(rows*cols).
//
// An MC made by NewMCHeldOut knows its target only on O and a held-out set
// H disjoint from O (the user's data, where the other entries are unknown):
// its test loss and recovery error are measured on H alone.
type MC struct {
	target *mat.Dense
	// obs holds the observed values Y on the mask's entries (elsewhere it
	// is not read): target itself when there is no noise.
	obs       *mat.Dense
	mask      *mat.Dense // 1 on observed entries, 0 elsewhere
	observed  int
	surrogate *mat.Dense
	// held is 1 on the held-out entries (NewMCHeldOut), nil otherwise;
	// heldCount is |H| and heldNorm2 ||P_H(Phi)||_F^2.
	held      *mat.Dense
	heldCount int
	heldNorm2 float64
	// The observed entries in compressed sparse row form, row-major order:
	// row i holds cols[rowPtr[i]:rowPtr[i+1]] with observed values vals[...].
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
func NewMC(target, mask *mat.Dense) (*MC, error) { return NewMCObserved(target, mask, target) }

// NewMCObserved returns the completion workload of target observed on mask
// with the values obs (read on the mask's entries only; obs == target: no
// noise, which is NewMC): the loss, its gradient and the surrogate use obs,
// the test loss and the recovery error target. The matrices are kept and
// must not be modified. obs must have the target's shape and be finite on
// the mask; the mask as for NewMC.
func NewMCObserved(target, mask, obs *mat.Dense) (*MC, error) {
	tr, tc := target.Dims()
	mr, mcols := mask.Dims()
	if tr != mr || tc != mcols {
		return nil, fmt.Errorf("workloads: mask is %d x %d, target is %d x %d", mr, mcols, tr, tc)
	}
	if or, oc := obs.Dims(); or != tr || oc != tc {
		return nil, fmt.Errorf("workloads: observed values are %d x %d, target is %d x %d", or, oc, tr, tc)
	}
	w := &MC{target: target, obs: obs, mask: mask}
	for i := 0; i < tr; i++ {
		for j := 0; j < tc; j++ {
			switch mask.At(i, j) {
			case 1:
				if v := obs.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("workloads: observed value (%d, %d) is %v, want a finite number", i, j, v)
				}
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
				w.vals = append(w.vals, obs.At(i, j))
			}
		}
		w.rowPtr[i+1] = len(w.cols)
	}
	p := float64(w.observed) / float64(tr*tc)
	w.surrogate = mat.NewDense(tr, tc, nil)
	w.surrogate.MulElem(obs, mask)
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
	return w.withHeldOut(held)
}

// withHeldOut is NewMCHeldOut's check and setting of held on w.
func (w *MC) withHeldOut(held *mat.Dense) (*MC, error) {
	target, mask := w.target, w.mask
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
	b := bytesOf(w.target, w.mask, w.surrogate, w.held) + int64(8*len(w.rowPtr)+12*len(w.cols))
	if w.obs != w.target {
		b += bytesOf(w.obs)
	}
	return b
}

// Noisy reports whether the observed values differ from the target (an
// instance drawn with --noise > 0, or loaded with ObservedFile).
func (w *MC) Noisy() bool { return w.obs != w.target }

// ObservedValues returns the matrix of the observed values Y, read on the
// mask's entries: Target() when there is no noise. It must not be
// modified.
func (w *MC) ObservedValues() *mat.Dense { return w.obs }

// AddObservationNoise returns a copy of target whose entries where mask is
// 1 have sigma z added, z standard normal, drawn from rng in row-major
// order: the observation noise of mc, defined as ms's measurement noise
// (SampleSensing: an additive Gaussian of standard deviation sigma, in the
// units of what is observed, here the target's entries). It allocates one
// matrix of the target's shape. sigma must be finite and >= 0 (0 returns
// a copy without drawing).
func AddObservationNoise(target, mask *mat.Dense, sigma float64, rng *rand.Rand) (*mat.Dense, error) {
	if err := checkSigma(sigma); err != nil {
		return nil, err
	}
	r, c := target.Dims()
	if mr, mc := mask.Dims(); mr != r || mc != c {
		return nil, fmt.Errorf("workloads: mask is %d x %d, target is %d x %d", mr, mc, r, c)
	}
	obs := mat.DenseCopyOf(target)
	if sigma == 0 {
		return obs, nil
	}
	for i := 0; i < r; i++ {
		row, m := obs.RawRowView(i), mask.RawRowView(i)
		for j := range row {
			if m[j] == 1 {
				row[j] += sigma * rng.NormFloat64()
			}
		}
	}
	return obs, nil
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
// vals holds the observed values there (the target's, plus the noise of
// a noisy instance). The slices must not be modified.
func (w *MC) Observations() (rowPtr []int, cols []int32, vals []float64) {
	return w.rowPtr, w.cols, w.vals
}

// Mask returns the 0/1 observation mask. It must not be modified.
func (w *MC) Mask() *mat.Dense { return w.mask }

// Observed returns |O|, the number of observed entries.
func (w *MC) Observed() int { return w.observed }

func (w *MC) Loss(x *mat.Dense) float64 { return w.Gradient(nil, x) }

// Gradient writes P_O(W - Y)/|O| to dst (when dst is not nil) and returns
// the training loss (Y the observed values: Phi without noise).
func (w *MC) Gradient(dst, x *mat.Dense) float64 {
	checkSame(x, w.target)
	xr, tr, mr := x.RawMatrix(), w.obs.RawMatrix(), w.mask.RawMatrix()
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
		m, b = m[:len(a)], b[:len(a)]
		if dr == nil {
			for j, v := range a {
				e := observedDiff(v, b[j], m[j])
				ss += e * e
			}
			continue
		}
		g := dr[i*xr.Cols : i*xr.Cols+len(a)]
		for j, v := range a {
			e := observedDiff(v, b[j], m[j])
			ss += e * e
			g[j] = c * e
		}
	}
	return c * ss / 2
}

// observedDiff returns v - t where m != 0 and +0 elsewhere, without a
// branch (the mask's pattern is random: a branch on it is mispredicted on
// about min(p, 1-p) of the entries, most of the time of MC.Gradient). It is
// not m*(v-t): an unobserved Inf or NaN must not leak; the difference's
// bits are and-ed with all ones or with zero.
func observedDiff(v, t, m float64) float64 {
	var keep uint64
	if m != 0 {
		keep = 1
	}
	return math.Float64frombits(math.Float64bits(v-t) & -keep)
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

// PCG streams of an MC instance's draws (numbers kept from before the
// registry, so instances did not change).
const (
	streamMask    = 2 // the observed entries
	streamSurrSVD = 4 // randomized SVD of a sparse instance's surrogate
)

// MC instance files.
const (
	MaskFile    = "mask.npy"
	HeldOutFile = "heldout.npy"
	// ObservedFile holds a noisy instance's observed values (the target
	// plus the noise on the mask's entries, 0 elsewhere); absent, the
	// observed values are the target's.
	ObservedFile = "observed.npy"
	// A sparse instance (--storage sparse, or auto above
	// config.SparseMinD) holds no rows x cols matrix and is saved as
	// its factored target Phi = U diag(S) V^T (TargetUFile: rows x r,
	// TargetSFile: r, TargetVFile: cols x r) and its observed entries in
	// compressed sparse row form: ObservedRowPtrFile (rows+1,) the start
	// of each row's entries, ObservedColsFile (|O|,) their columns in
	// increasing order within a row, ObservedValsFile (|O|,) the
	// observed values (the target's, plus the noise when drawn with
	// --noise). All are float64 .npy files; the indices are exact
	// integers (below 2^53).
	TargetUFile        = "target_U.npy"
	TargetSFile        = "target_S.npy"
	TargetVFile        = "target_V.npy"
	ObservedRowPtrFile = "observed_rowptr.npy"
	ObservedColsFile   = "observed_cols.npy"
	ObservedValsFile   = "observed_vals.npy"
)

// SparseFiles are the files of a saved sparse mc instance, in the order
// saveSparse writes them.
var SparseFiles = []string{TargetUFile, TargetSFile, TargetVFile, ObservedRowPtrFile, ObservedColsFile, ObservedValsFile}

// saveSparse writes w to dir as SparseFiles: O(|O|) time, 16 bytes per
// observed entry on disk plus the factors, and a temporary of 8 bytes per
// entry (the columns as float64), never a rows x cols matrix.
func saveSparse(w *SparseMC, dir string) error {
	phi := w.Factored()
	rows, _ := phi.Dims()
	r := len(phi.S)
	rowPtr, colIdx, vals := w.Observations()
	for _, f := range []struct {
		name string
		m    *mat.Dense
	}{{TargetUFile, phi.U}, {TargetVFile, phi.V}} {
		if err := SaveMatrix(fileIn(dir, f.name), f.m); err != nil {
			return err
		}
	}
	if err := npy.WriteFile(fileIn(dir, TargetSFile), []int{r}, phi.S); err != nil {
		return err
	}
	idx := make([]float64, max(rows+1, len(colIdx)))
	for i, v := range rowPtr {
		idx[i] = float64(v)
	}
	if err := npy.WriteFile(fileIn(dir, ObservedRowPtrFile), []int{rows + 1}, idx[:rows+1]); err != nil {
		return err
	}
	for i, v := range colIdx {
		idx[i] = float64(v)
	}
	if err := npy.WriteFile(fileIn(dir, ObservedColsFile), []int{len(colIdx)}, idx[:len(colIdx)]); err != nil {
		return err
	}
	return npy.WriteFile(fileIn(dir, ObservedValsFile), []int{len(vals)}, vals)
}

// noiseParam is the noise of mc: the observation noise's standard
// deviation, defined as ms's (the same key, help and check).
var noiseParam = config.Param{Key: "noise", Kind: config.Float, Default: 0.0, Drawn: true,
	Help: "noise standard deviation: added to each measurement (ms) or observed entry (mc)",
	Check: func(v any, c config.Config) error {
		if f := v.(float64); f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return config.Bad("noise", v, "noise must be finite and >= 0")
		}
		return nil
	}}

// mc's registration: parameters p and noise (OmitZero: a noiseless
// configuration keeps the hash it had before mc had noise), the sampled
// step, sparse storage above config.SparseMinD.
func init() {
	Register(Spec{
		WorkloadInfo: config.WorkloadInfo{
			Name: "mc", Title: "matrix completion", Order: 2,
			Params: []config.Param{{Key: "p", Kind: config.Float, Unit: "fraction", InTitle: true, FromFiles: true,
				Help: "observed fraction (mc)",
				Check: func(v any, c config.Config) error {
					if p := v.(float64); !(p > 0 && p <= 1) {
						return config.Bad("p", v, "observed fraction must be in (0, 1]")
					}
					return nil
				}},
				mcNoise()},
			Paths: []string{config.PathSampled},
			Sparse: func(c config.Config) bool {
				rows, cols := c.Dims()
				return c.Storage == config.StorageSparse || (c.Storage == config.StorageAuto && max(rows, cols) > config.SparseMinD)
			},
			Presets: []config.Preset{
				{Name: "paper-mc", Description: "deep MC as in the paper's notebook: p=0.3, eta=10, alpha=5", Runs: []config.Config{{
					Name: "mc", Workload: "mc", D: 100, R: 5, RHat: 10, Depth: 3, Eps: 1e-2, Eta: 10, Alpha: 5,
					Steps: 25000, Tol: 1e-12, Every: 100, Params: config.Params{"p": 0.3},
				}}},
				{Name: "paper-mc-fast", Description: "paper-mc at d=60, r=3, r_hat=6 with eta=6, tol 1e-9", Runs: []config.Config{{
					Name: "mc", Workload: "mc", D: 60, R: 3, RHat: 6, Depth: 3, Eps: 1e-2, Eta: 6, Alpha: 5,
					Steps: 15000, Tol: 1e-9, Every: 50, Params: config.Params{"p": 0.3},
				}}},
			},
			Fast: "paper-mc-fast",
			Quick: &config.Config{Name: "mc", Workload: "mc", D: 40, R: 3, RHat: 6, Depth: 3, Eps: 1e-2, Eta: 6, Alpha: 5,
				Steps: 5000, Tol: 1e-8, Every: 25, Params: config.Params{"p": 0.4}},
		},
		New: func(c config.Config, target *mat.Dense, rng func(uint64) *rand.Rand) (Workload, error) {
			rows, cols := target.Dims()
			r := rng(streamMask)
			mask, err := SampleMask(rows, cols, c.Float("p"), r)
			if err != nil {
				return nil, config.Bad("p", c.Float("p"), "%v", err)
			}
			if sigma := c.Float("noise"); sigma > 0 {
				// Drawn after the mask from its stream, as ms draws its
				// noise after the operator: a noiseless instance draws
				// nothing more, and is the one it was before.
				obs, err := AddObservationNoise(target, mask, sigma, r)
				if err != nil {
					return nil, config.Bad("noise", sigma, "%v", err)
				}
				return NewMCObserved(target, mask, obs)
			}
			return NewMC(target, mask)
		},
		NewSparse: func(c config.Config, rng func(uint64) *rand.Rand) (Workload, *Factored, error) {
			s, err := SparseValues(c)
			if err != nil {
				return nil, nil, err
			}
			rows, ncols := c.Dims()
			var times SparseBuild
			start := time.Now()
			phi, err := NewFactoredRect(rows, ncols, s, rng(1))
			if err != nil {
				return nil, nil, err
			}
			times.Factors = time.Since(start)
			start = time.Now()
			r := rng(streamMask)
			rowPtr, cols, err := SampleObserved(rows, ncols, c.Float("p"), r)
			if err != nil {
				return nil, nil, config.Bad("p", c.Float("p"), "%v", err)
			}
			times.Sampling = time.Since(start)
			start = time.Now()
			w, err := NewSparseMC(phi, rowPtr, cols, rng(streamSurrSVD))
			if err == nil {
				err = w.addNoise(c.Float("noise"), r)
				times.Values = time.Since(start)
				w.built = times
			}
			return w, phi, err
		},
		Masked: true,
		User: func(c *config.Config, target, mask, held *mat.Dense) (Workload, error) {
			if mask == nil {
				return nil, fmt.Errorf("--workload mc needs the observed entries: a --mask file or a coordinate .mtx target")
			}
			var w *MC
			var err error
			if held != nil {
				w, err = NewMCHeldOut(target, mask, held)
			} else {
				w, err = NewMC(target, mask)
			}
			if err != nil {
				return nil, err
			}
			// The fraction the instance trains on (a preset's p says
			// nothing of a user's data; a given one must agree).
			if err := setObservedP(c, w, "the observed entries of the --mask or of the coordinate --target", "observe"); err != nil {
				return nil, err
			}
			return w, nil
		},
		Files: append([]string{MaskFile, HeldOutFile, ObservedFile}, SparseFiles...),
		Save: func(w Workload, dir string) error {
			if sp, ok := w.(*SparseMC); ok {
				return saveSparse(sp, dir)
			}
			mc, ok := w.(*MC)
			if !ok {
				return fmt.Errorf("an mc instance of type %T cannot be saved", w)
			}
			if err := SaveMatrix(fileIn(dir, MaskFile), mc.mask); err != nil {
				return err
			}
			if mc.Noisy() {
				var o mat.Dense
				o.MulElem(mc.obs, mc.mask)
				if err := SaveMatrix(fileIn(dir, ObservedFile), &o); err != nil {
					return err
				}
			}
			if mc.held != nil {
				return SaveMatrix(fileIn(dir, HeldOutFile), mc.held)
			}
			return nil
		},
		Load: func(c *config.Config, target *mat.Dense, dir string) (Workload, error) {
			rows, cols := target.Dims()
			mask, err := npy.ReadMatrixFile(fileIn(dir, MaskFile), rows, cols)
			if err != nil {
				return nil, err
			}
			files := fileIn(dir, MaskFile)
			obs := target
			if _, serr := os.Stat(fileIn(dir, ObservedFile)); serr == nil {
				if obs, err = npy.ReadMatrixFile(fileIn(dir, ObservedFile), rows, cols); err != nil {
					return nil, err
				}
				files += ", " + fileIn(dir, ObservedFile)
			}
			w, err := NewMCObserved(target, mask, obs)
			if err == nil {
				if _, serr := os.Stat(fileIn(dir, HeldOutFile)); serr == nil {
					held, rerr := npy.ReadMatrixFile(fileIn(dir, HeldOutFile), rows, cols)
					if rerr != nil {
						return nil, rerr
					}
					files += ", " + fileIn(dir, HeldOutFile)
					w, err = w.withHeldOut(held)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", files, err)
			}
			if err := setObservedP(c, w, files, "observes"); err != nil {
				return nil, err
			}
			return w, nil
		},
		Footprint: func(c config.Config) []Need {
			rows, cols := c.Dims()
			p := c.Float("p")
			o := uint64(p * float64(rows) * float64(cols))
			if c.Sparse() {
				return sparseFootprint(c, rows, cols, p, o)
			}
			// Target, mask and surrogate, and the observed entries' row
			// pointers and (column, value) pairs (MC.Bytes); with noise,
			// the observed values' matrix.
			mats, what := uint64(3), "target, mask, surrogate and observed entries"
			if c.Float("noise") > 0 {
				mats, what = 4, "target, noisy observed values, mask, surrogate and observed entries"
			}
			return []Need{{Bytes: mats*8*uint64(rows)*uint64(cols) + uint64(8*(rows+1)) + 12*o, What: what}}
		},
		Bench: func(int) (config.Params, bool) { return config.Params{"p": 0.3}, true },
		Tags:  []string{"ci"},
	})
}

// setObservedP sets p of c to the fraction w observes, the files' (named
// by files, the subject of verb); a p given before must name the same count of entries
// (round(p rows cols) = observed), so a rounded fraction such as 0.333 for
// 12 of 36 is accepted.
func setObservedP(c *config.Config, w *MC, files, verb string) error {
	rows, cols := w.Dims()
	n := rows * cols
	if given := c.Float("p"); given != 0 && int(math.Round(given*float64(n))) != w.Observed() {
		return config.Bad("p", given, "%s %s %d of %d entries (p = %.4g)", files, verb, w.Observed(), n, float64(w.Observed())/float64(n))
	}
	c.Set("p", float64(w.Observed())/float64(n))
	return nil
}

// HeldOutCount implements Partial: |H|, 0 when the target is known
// everywhere.
func (w *MC) HeldOutCount() int { return w.heldCount }

// ErrorScale implements ErrorScaler: the norm of the target on the
// entries RecoveryError measures (the held-out ones, or all) and their
// number.
func (w *MC) ErrorScale() (norm float64, count int) {
	if w.held != nil {
		return math.Sqrt(w.heldNorm2), w.heldCount
	}
	r, c := w.Dims()
	return mat.Norm(w.target, 2), r * c
}

// EntryLoss returns the loss of a residual of RMSE e on the observed
// entries: e^2 / 2 (the loss is their mean).
func (w *MC) EntryLoss(e float64) float64 { return e * e / 2 }

// mcNoise is mc's noise parameter: ms's, left out of the canonical
// encoding when 0.
func mcNoise() config.Param {
	p := noiseParam
	p.OmitZero = true
	return p
}

// sparseFootprint is the memory of a sparse mc instance of rows x cols
// with o = floor(p rows cols) observed entries: the CSR pattern and values
// (12 bytes per entry and 8 per row) and the factors (SparseMC.Bytes);
// and, while the instance is drawn, SampleObserved's scratch
// (samplingBytes).
func sparseFootprint(c config.Config, rows, cols int, p float64, o uint64) []Need {
	shape := fmt.Sprintf("a --d %d target", rows)
	if rows != cols {
		shape = fmt.Sprintf("a %d x %d target", rows, cols)
	}
	data := 12*o + uint64(8*(rows+1)) + uint64(8*(rows+cols)*c.R)
	needs := []Need{{Bytes: data, Flag: "p", Value: p, What: fmt.Sprintf("the observed entries of --p %g of %s", p, shape)}}
	return append(needs, Need{Bytes: samplingBytes(rows, cols, o), Flag: "p", Value: p, Building: true,
		What: fmt.Sprintf("the draw of the observed entries of --p %g of %s", p, shape)})
}

// samplingBytes is SampleObserved's scratch for o of rows x cols entries:
// its bitset, or its sorted batches (16 bytes per entry).
func samplingBytes(rows, cols int, o uint64) uint64 {
	n := uint64(rows) * uint64(cols)
	if useBitset(int64(n), int64(o)) {
		return (n + 63) / 64 * 8
	}
	return 16 * o
}
