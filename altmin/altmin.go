package altmin

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Entries is a list of a matrix's entries, 0-based: entry t is Value[t]
// at (Row[t], Col[t]). Its three slices have one length. A
// matfile.Entries converts as Entries{Row: e.Row, Col: e.Col, Value:
// e.Value}; functions here never modify a list.
type Entries struct {
	Row, Col []int
	Value    []float64
}

// Len returns the number of entries.
func (e Entries) Len() int { return len(e.Value) }

// Check returns an error when e is not a list of at least one entry of an
// m×n matrix with finite values: slices of different lengths, no entry,
// an index outside [0, m)×[0, n), a NaN or ±Inf value. It names the
// first bad entry and allocates nothing unless it fails.
func (e Entries) Check(m, n int) error {
	switch {
	case len(e.Row) != len(e.Value) || len(e.Col) != len(e.Value):
		return fmt.Errorf("%d rows, %d columns and %d values: want one of each per entry", len(e.Row), len(e.Col), len(e.Value))
	case len(e.Value) == 0:
		return errors.New("no entries")
	}
	for t, v := range e.Value {
		i, j := e.Row[t], e.Col[t]
		if i < 0 || i >= m || j < 0 || j >= n {
			return fmt.Errorf("entry %d at (%d, %d) is outside the %d x %d matrix (0-based)", t, i, j, m, n)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("entry %d at (%d, %d) is %v; want a finite value", t, i, j, v)
		}
	}
	return nil
}

// Init names an initialization of U.
type Init int

const (
	// InitSpectral, the zero value, starts from the top k singular pairs
	// of the rescaled observed matrix (see the package documentation).
	InitSpectral Init = iota
	// InitRandom starts from iid Gaussian U.
	InitRandom
)

func (i Init) String() string {
	switch i {
	case InitSpectral:
		return "spectral"
	case InitRandom:
		return "random"
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

const (
	// DefaultLambda is the default relative ridge (λ = DefaultLambda ×
	// rms of the training values). It is a numerical safeguard, not a
	// statistical regularizer. Large enough: each system's ridge λ n_i
	// exceeds the rounding floor eps × ‖Gram‖ <= eps n_i max‖v_j‖² by a
	// factor λ / (eps max‖v_j‖²), about 4e4 when max‖v_j‖² is 10 rms
	// (every system with an entry is positive definite to working
	// precision, even with fewer than k entries). Small enough: it moves
	// an exact rank-k fit by about 5e-10 relative (60 x 90, k = 3,
	// p = 0.5; TestExactRecovery). Regularization against noise is
	// [Tune]'s job, on a validation list.
	DefaultLambda = 1e-10
	// floorRidge is the ridge, relative to the trace of a row's Gram
	// XᵀX, that a system gets when λ n_i falls below its rounding floor
	// (Cholesky failed): 2^-40 ≈ 9e-13, about 4,000 eps, so that
	// XᵀX + ridge I is positive definite to working precision whatever
	// the rank of X. Found by TestProperties: 21 x 3, k = 2, p = 0.3,
	// its column 0 has two entries and Cholesky failed at sweep 2
	// (TestRidgeFloor).
	floorRidge = 0x1p-40
	// DefaultMaxSweeps bounds the sweeps. AltMin converges linearly:
	// from the spectral start exact recovery (60 x 90, p = 0.5) stops on
	// Tol after 16 to 32 sweeps; from a random start with a ridge the
	// factors' slow rebalancing keeps F decreasing until this bound
	// (held-out error then 1.6e-9).
	DefaultMaxSweeps = 200
	// DefaultTol is the relative decrease of F below which a run stops.
	DefaultTol = 1e-9
	// DefaultPatience is the number of sweeps without a new best
	// validation RMSE after which a run with a validation list stops.
	DefaultPatience = 5
)

// DefaultLambdaGrid is the grid [Tune] searches by default: the numerical
// floor, then relative ridges from 1e-3 to 0.1 in steps of about 3. On
// ratings.DefaultConfig data (943 x 1682, 100,000 ratings, noise RMSE
// 0.59; 80/10/10 split, k = 10) the validation choice is 0.01, with a
// held-out RMSE of 0.67, against 6.0 at the floor; 0.1 already
// underfits (validation RMSE 1.04), so the grid brackets the useful range.
var DefaultLambdaGrid = []float64{DefaultLambda, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1}

// Config configures a run. Fields left zero mean what each says; copy
// [DefaultConfig] for the defaults.
type Config struct {
	// K is the rank: 1 <= K <= min(m, n). Required.
	K int
	// Lambda is the ridge relative to the rms of the training values
	// (dimensionless, >= 0): λ = Lambda × rms, each observed entry
	// paying λ(‖u_i‖² + ‖v_j‖²). 0 is plain AltMin, which refuses a row
	// or column with fewer than K entries.
	Lambda float64
	// Init chooses the initialization; the zero value is spectral.
	Init Init
	// Seed seeds the initialization's PCG source.
	Seed uint64
	// MaxSweeps is the most sweeps run; 0 means DefaultMaxSweeps.
	MaxSweeps int
	// Tol stops a run when F_{t−1} − F_t <= Tol F_{t−1}; 0 stops only
	// when F stops decreasing at all (or at MaxSweeps).
	Tol float64
	// Patience is the number of sweeps without a new best validation RMSE
	// after which a run stops (used only with a validation list); 0 means
	// DefaultPatience.
	Patience int
}

// DefaultConfig is the configuration to copy, with K to set.
var DefaultConfig = Config{Lambda: DefaultLambda, Tol: DefaultTol, MaxSweeps: DefaultMaxSweeps, Patience: DefaultPatience}

// Stop says why a run stopped.
type Stop int

const (
	StopMaxSweeps Stop = iota // MaxSweeps sweeps were run
	StopTol                   // the relative decrease of F fell to Tol
	StopExact                 // F reached 0
	StopPatience              // no better validation RMSE for Patience sweeps
)

func (s Stop) String() string {
	switch s {
	case StopMaxSweeps:
		return "max-sweeps"
	case StopTol:
		return "tol"
	case StopExact:
		return "exact"
	case StopPatience:
		return "patience"
	}
	return fmt.Sprintf("Stop(%d)", int(s))
}

// Record is the state after one sweep.
type Record struct {
	// Sweep counts from 1.
	Sweep int
	// Objective is F(U, V), in squared data units.
	Objective float64
	// TrainRMSE is sqrt(Σ_O (u_iᵀv_j − M_ij)² / |O|), in data units.
	TrainRMSE float64
	// ValRMSE is the RMSE on the validation list, NaN without one.
	ValRMSE float64
}

// Result is the outcome of [Solver.Run].
type Result struct {
	// U (m×k) and V (n×k) are the factors returned: the predictions are
	// U Vᵀ. With a validation list they are those of sweep Best.
	U, V *mat.Dense
	// History holds one record per sweep run.
	History []Record
	// Best is the sweep whose factors are returned (the last one run
	// without a validation list).
	Best int
	// Stop says which rule ended the run.
	Stop Stop
	// Lambda is the absolute ridge λ used, in data units, and
	// LambdaRel the relative one it came from (Config.Lambda).
	Lambda, LambdaRel float64
}

// Solver holds a completion problem, its factors and every workspace a
// sweep needs. It is not safe for concurrent use.
type Solver struct {
	m, n, k int
	cfg     Config
	lambda  float64 // absolute: cfg.Lambda × rms
	rms     float64 // of the training values

	// The training entries by row (CSR: rowPtr, rowIdx the column,
	// rowVal) and by column (CSC: colPtr, colIdx the row, colVal), each
	// sorted by the other index so results do not depend on the order of
	// the input list.
	rowPtr, colPtr []int
	rowIdx, colIdx []int32
	rowVal, colVal []float64
	val            Entries // validation list, may be empty

	u, v         *mat.Dense // current factors
	u0           *mat.Dense // initial U, so Run can start again
	bestU, bestV *mat.Dense // best on validation (nil without)

	gather  []float64 // (max degree)×k: the factor rows of one system
	gram    []float64 // k×k
	rhs     []float64 // k
	history []Record  // capacity min(MaxSweeps, maxHistoryCap)
}

// maxHistoryCap bounds the history preallocated by New (a huge MaxSweeps
// must not reserve memory up front; Run appends beyond it).
const maxHistoryCap = 4096

// New checks a completion problem and returns a solver at its initial
// point: m×n, training list train (at least one entry, no duplicate),
// optional validation list val (zero Entries for none), configuration
// cfg. It allocates every workspace and computes the initialization.
// Errors name the list and entry, or the row or column, at fault (see the
// package documentation). New does not retain train or val's slices
// beyond copying them into its own layout (val is kept as given: do not
// modify it during Run).
func New(m, n int, train, val Entries, cfg Config) (*Solver, error) {
	if m < 1 || n < 1 || m > math.MaxInt32 || n > math.MaxInt32 {
		return nil, fmt.Errorf("altmin: size %d x %d: want each in [1, %d]", m, n, math.MaxInt32)
	}
	if train.Len() > math.MaxInt32 {
		return nil, fmt.Errorf("altmin: %d training entries: at most %d", train.Len(), math.MaxInt32)
	}
	if cfg.K < 1 || cfg.K > min(m, n) {
		return nil, fmt.Errorf("altmin: rank k = %d: want 1 <= k <= min(m, n) = %d", cfg.K, min(m, n))
	}
	if math.IsNaN(cfg.Tol) || math.IsInf(cfg.Tol, 0) || cfg.Tol < 0 {
		return nil, fmt.Errorf("altmin: Tol = %v: want a finite value >= 0", cfg.Tol)
	}
	if cfg.MaxSweeps < 0 || cfg.Patience < 0 {
		return nil, fmt.Errorf("altmin: MaxSweeps = %d, Patience = %d: want >= 0 (0 takes the default)", cfg.MaxSweeps, cfg.Patience)
	}
	if cfg.Init != InitSpectral && cfg.Init != InitRandom {
		return nil, fmt.Errorf("altmin: unknown initialization %v", cfg.Init)
	}
	if cfg.MaxSweeps == 0 {
		cfg.MaxSweeps = DefaultMaxSweeps
	}
	if cfg.Patience == 0 {
		cfg.Patience = DefaultPatience
	}
	if err := train.Check(m, n); err != nil {
		return nil, fmt.Errorf("altmin: training list: %w", err)
	}
	if val.Len() > 0 || len(val.Row) > 0 || len(val.Col) > 0 {
		if err := val.Check(m, n); err != nil {
			return nil, fmt.Errorf("altmin: validation list: %w", err)
		}
	}
	k := cfg.K
	s := &Solver{m: m, n: n, k: k, cfg: cfg, val: val}
	var err error
	if s.rowPtr, s.rowIdx, s.rowVal, err = compress(m, train.Row, train.Col, train.Value); err != nil {
		return nil, fmt.Errorf("altmin: training list: %w", err)
	}
	var ss float64
	for _, x := range s.rowVal { // sorted: the sum does not depend on the list's order
		ss += x * x
	}
	if ss == 0 {
		return nil, errors.New("altmin: every training value is 0: nothing to fit (the prediction is 0)")
	}
	rms := math.Sqrt(ss / float64(train.Len()))
	s.rms = rms
	s.colPtr, s.colIdx, s.colVal, _ = compress(n, train.Col, train.Row, train.Value)
	if err := s.SetLambda(cfg.Lambda); err != nil {
		return nil, err
	}
	maxDeg := 0
	for i := range m {
		maxDeg = max(maxDeg, s.rowPtr[i+1]-s.rowPtr[i])
	}
	for j := range n {
		maxDeg = max(maxDeg, s.colPtr[j+1]-s.colPtr[j])
	}

	s.u = mat.NewDense(m, k, nil)
	s.v = mat.NewDense(n, k, nil)
	s.gather = make([]float64, maxDeg*k)
	s.gram = make([]float64, k*k)
	s.rhs = make([]float64, k)
	s.history = make([]Record, 0, min(cfg.MaxSweeps, maxHistoryCap))
	if val.Len() > 0 {
		s.bestU = mat.NewDense(m, k, nil)
		s.bestV = mat.NewDense(n, k, nil)
	}
	switch cfg.Init {
	case InitSpectral:
		s.u0 = s.spectralInit(rms)
	case InitRandom:
		s.u0 = randomInit(m, k, rms, cfg.Seed)
	}
	s.u.Copy(s.u0)
	return s, nil
}

// compress lays out the list (major[t], minor[t], value[t]) by major index
// (CSR with rows = major): ptr (length size+1), the minor indices sorted
// within each major index, and the values. A (major, minor) pair given
// twice is an error naming both entries.
func compress(size int, major, minor []int, value []float64) (ptr []int, idx []int32, val []float64, err error) {
	ptr = make([]int, size+1)
	for _, i := range major {
		ptr[i+1]++
	}
	for i := range size {
		ptr[i+1] += ptr[i]
	}
	order := make([]int32, len(major)) // entries by major index, in list order
	next := slices.Clone(ptr[:size])
	for t, i := range major {
		order[next[i]] = int32(t)
		next[i]++
	}
	idx = make([]int32, len(major))
	val = make([]float64, len(major))
	for i := range size {
		seg := order[ptr[i]:ptr[i+1]]
		slices.SortStableFunc(seg, func(a, b int32) int { return minor[a] - minor[b] })
		for q, t := range seg {
			if q > 0 && minor[t] == minor[seg[q-1]] {
				return nil, nil, nil, fmt.Errorf("entries %d and %d are both (%d, %d)", seg[q-1], t, major[t], minor[t])
			}
			idx[ptr[i]+q] = int32(minor[t])
			val[ptr[i]+q] = value[t]
		}
	}
	return ptr, idx, val, nil
}

// Lambda returns the absolute ridge λ = Lambda × rms, in data units.
func (s *Solver) Lambda() float64 { return s.lambda }

// SetLambda sets the relative ridge for the next Sweep or Run (as
// Config.Lambda), keeping the lists and the initialization. An error, and
// no change, for a negative or non-finite value, or for 0 when a row or
// column has fewer than k training entries (naming the first).
func (s *Solver) SetLambda(rel float64) error {
	if math.IsNaN(rel) || math.IsInf(rel, 0) || rel < 0 {
		return fmt.Errorf("altmin: Lambda = %v: want a finite value >= 0", rel)
	}
	if rel == 0 {
		for _, side := range []struct {
			ptr  []int
			what string
		}{{s.rowPtr, "row"}, {s.colPtr, "column"}} {
			for i := range len(side.ptr) - 1 {
				if d := side.ptr[i+1] - side.ptr[i]; d > 0 && d < s.k {
					return fmt.Errorf("altmin: %s %d has %d training entries, fewer than k = %d, and Lambda = 0: its least-squares problem has no unique solution (set Lambda > 0, e.g. DefaultLambda)", side.what, i, d, s.k)
				}
			}
		}
	}
	s.cfg.Lambda, s.lambda = rel, rel*s.rms
	return nil
}

// Factors returns the current factors U (m×k) and V (n×k), owned by s:
// the next Sweep or Run overwrites them.
func (s *Solver) Factors() (u, v *mat.Dense) { return s.u, s.v }

// Sweep runs one sweep from the current factors: V from U, then U from V
// (the package documentation's normal equations). It allocates nothing.
// An error (a k×k system not positive definite) leaves the factors
// partly updated.
func (s *Solver) Sweep() error {
	if err := s.half(s.v, s.u, s.colPtr, s.colIdx, s.colVal, "column"); err != nil {
		return err
	}
	return s.half(s.u, s.v, s.rowPtr, s.rowIdx, s.rowVal, "row")
}

// half solves dst's every row i from the fixed factor src: the n_i rows
// of src listed in idx[ptr[i]:ptr[i+1]] (X), with values val (y), give
// (Xᵀ X + λ n_i I) dst_i = Xᵀ y.
func (s *Solver) half(dst, src *mat.Dense, ptr []int, idx []int32, val []float64, what string) error {
	k := s.k
	srcRaw, dstRaw := src.RawMatrix(), dst.RawMatrix()
	gram := blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: s.gram}
	rhs := blas64.Vector{N: k, Inc: 1, Data: s.rhs}
	for i := range len(ptr) - 1 {
		lo, hi := ptr[i], ptr[i+1]
		out := dstRaw.Data[i*dstRaw.Stride : i*dstRaw.Stride+k]
		if lo == hi { // nothing observed: a zero row (see the package doc)
			clear(out)
			continue
		}
		d := hi - lo
		for q, j := range idx[lo:hi] {
			copy(s.gather[q*k:(q+1)*k], srcRaw.Data[int(j)*srcRaw.Stride:int(j)*srcRaw.Stride+k])
		}
		x := blas64.General{Rows: d, Cols: k, Stride: k, Data: s.gather[:d*k]}
		ridge := s.lambda * float64(d)
		blas64.Syrk(blas.Trans, 1, x, 0, gram)
		for a := range k {
			s.gram[a*k+a] += ridge
		}
		blas64.Gemv(blas.Trans, 1, x, blas64.Vector{N: d, Inc: 1, Data: val[lo:hi]}, 0, rhs)
		t, ok := lapack64.Potrf(gram)
		if !ok && ridge > 0 {
			// The ridge fell below the Gram's rounding floor: the fixed
			// factor's rows are so long (unbalanced factors, a row or
			// column with fewer than k entries) that λ n_i < eps ‖XᵀX‖.
			// Raise it to floorRidge × trace(XᵀX), which makes the system
			// positive definite to working precision and moves the
			// solution by about that relative amount; Potrf overwrote
			// the Gram, so form it again.
			blas64.Syrk(blas.Trans, 1, x, 0, gram)
			var tr float64
			for a := range k {
				tr += s.gram[a*k+a]
			}
			ridge = max(ridge, floorRidge*tr)
			for a := range k {
				s.gram[a*k+a] += ridge
			}
			t, ok = lapack64.Potrf(gram)
		}
		if !ok {
			return fmt.Errorf("altmin: the normal equations of %s %d (%d entries) are not positive definite with ridge λ n = %g; set Lambda > 0 or lower k", what, i, d, ridge)
		}
		lapack64.Potrs(t, blas64.General{Rows: k, Cols: 1, Stride: 1, Data: s.rhs})
		copy(out, s.rhs)
	}
	return nil
}

// objective returns F(U, V) and the training RMSE of the current factors.
func (s *Solver) objective() (f, rmse float64) {
	k := s.k
	u, v := s.u.RawMatrix(), s.v.RawMatrix()
	var ss float64
	for i := range s.m {
		ui := u.Data[i*u.Stride : i*u.Stride+k]
		for q := s.rowPtr[i]; q < s.rowPtr[i+1]; q++ {
			j := int(s.rowIdx[q])
			r := dot(ui, v.Data[j*v.Stride:j*v.Stride+k]) - s.rowVal[q]
			ss += r * r
		}
	}
	rmse = math.Sqrt(ss / float64(len(s.rowVal)))
	return ss + s.lambda*(weightedSq(u, s.rowPtr, k)+weightedSq(v, s.colPtr, k)), rmse
}

// weightedSq returns Σ_i n_i ‖a_i‖², n_i = ptr[i+1] − ptr[i] the entries
// of row i.
func weightedSq(a blas64.General, ptr []int, k int) float64 {
	var ss float64
	for i := range len(ptr) - 1 {
		var ri float64
		for _, x := range a.Data[i*a.Stride : i*a.Stride+k] {
			ri += x * x
		}
		ss += float64(ptr[i+1]-ptr[i]) * ri
	}
	return ss
}

// dot returns xᵀy in a fixed order (the predictions' sums are the same in
// every function here).
func dot(x, y []float64) float64 {
	var s float64
	for a, xa := range x {
		s += xa * y[a]
	}
	return s
}

// Run restarts from the initialization and sweeps until a stopping rule
// of the package documentation holds, recording each sweep. It returns
// the factors kept (copies the caller owns) and the record; an error if a
// system is not positive definite or F becomes non-finite. Run allocates
// only its Result; calling it again gives the same result.
func (s *Solver) Run() (*Result, error) {
	s.u.Copy(s.u0)
	s.history = s.history[:0]
	validate := s.val.Len() > 0
	best, bestSweep, stop := math.Inf(1), 0, StopMaxSweeps
	prev := math.Inf(1)
	for t := 1; t <= s.cfg.MaxSweeps; t++ {
		if err := s.Sweep(); err != nil {
			return nil, fmt.Errorf("sweep %d: %w", t, err)
		}
		f, rmse := s.objective()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("altmin: sweep %d: objective is %v", t, f)
		}
		rec := Record{Sweep: t, Objective: f, TrainRMSE: rmse, ValRMSE: math.NaN()}
		if validate {
			rec.ValRMSE = rmseOf(s.u, s.v, s.val)
			if rec.ValRMSE < best {
				best, bestSweep = rec.ValRMSE, t
				s.bestU.Copy(s.u)
				s.bestV.Copy(s.v)
			}
		} else {
			bestSweep = t
		}
		s.history = append(s.history, rec)
		if f == 0 {
			stop = StopExact
			break
		}
		if t > 1 && prev-f <= s.cfg.Tol*prev {
			stop = StopTol
			break
		}
		if validate && t-bestSweep >= s.cfg.Patience {
			stop = StopPatience
			break
		}
		prev = f
	}
	res := &Result{History: slices.Clone(s.history), Best: bestSweep, Stop: stop, Lambda: s.lambda, LambdaRel: s.cfg.Lambda}
	if validate {
		res.U, res.V = mat.DenseCopyOf(s.bestU), mat.DenseCopyOf(s.bestV)
	} else {
		res.U, res.V = mat.DenseCopyOf(s.u), mat.DenseCopyOf(s.v)
	}
	return res, nil
}

// Fit is New followed by Run.
func Fit(m, n int, train, val Entries, cfg Config) (*Result, error) {
	s, err := New(m, n, train, val, cfg)
	if err != nil {
		return nil, err
	}
	return s.Run()
}
