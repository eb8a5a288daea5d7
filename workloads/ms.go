package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/randmat"
)

// MS is matrix sensing: f(W) = sum_i (<A_i, W> - y_i)^2 / 2 for m sensing
// matrices A_i stored as the rows of one m x (rows*cols) operator (row i is
// A_i flattened row-major). Its surrogate is (1/m) sum_i y_i A_i.
type MS struct {
	target    *mat.Dense
	op        *mat.Dense // m x rows*cols
	y         []float64
	resid     []float64  // workspace, length m
	buf       *mat.Dense // contiguous copy of W or G for views
	surrogate *mat.Dense
	scale     float64 // ||op||_F^2 / (rows*cols)
}

var _ Workload = (*MS)(nil)

// SensingBytes is the memory of the sensing operator of m measurements of a
// rows x cols matrix, 8*m*rows*cols bytes; callers check it against the
// available memory before calling SampleSensing.
func SensingBytes(m, rows, cols int) uint64 { return 8 * uint64(m) * uint64(rows) * uint64(cols) }

// SampleSensing draws an operator of m Gaussian sensing matrices with iid
// N(0, 1/m^2) entries (the notebooks' scaling) and the measurements
// y_i = <A_i, target> + sigma z_i with z_i standard normal. The operator is
// filled row by row from rng, then the noise. It allocates SensingBytes.
func SampleSensing(target *mat.Dense, m int, sigma float64, rng *rand.Rand) (op *mat.Dense, y []float64, err error) {
	if m < 1 {
		return nil, nil, fmt.Errorf("workloads: %d measurements, want at least 1", m)
	}
	if err := checkSigma(sigma); err != nil {
		return nil, nil, err
	}
	if tr := target.RawMatrix(); tr.Stride != tr.Cols {
		target = mat.DenseCopyOf(target)
	}
	r, c := target.Dims()
	op = mat.NewDense(m, r*c, nil)
	randmat.Gaussian(op, 1/float64(m), rng)
	y = make([]float64, m)
	blas64.Gemv(blas.NoTrans, 1, op.RawMatrix(), vec(target), 0, blas64.Vector{N: m, Inc: 1, Data: y})
	if sigma > 0 {
		for i := range y {
			y[i] += sigma * rng.NormFloat64()
		}
	}
	return op, y, nil
}

// NewMS returns the sensing workload of target with operator op (m x
// rows*cols) and measurements y (length m). All three are kept.
func NewMS(target, op *mat.Dense, y []float64) (*MS, error) {
	r, c := target.Dims()
	m, n := op.Dims()
	if n != r*c {
		return nil, fmt.Errorf("workloads: sensing operator has %d columns, want rows*cols = %d for a %d x %d target", n, r*c, r, c)
	}
	if len(y) != m {
		return nil, fmt.Errorf("workloads: %d measurements for a sensing operator of %d rows", len(y), m)
	}
	if tr := target.RawMatrix(); tr.Stride != tr.Cols {
		target = mat.DenseCopyOf(target)
	}
	w := &MS{target: target, op: op, y: y, resid: make([]float64, m), buf: mat.NewDense(r, c, nil)}
	w.surrogate = mat.NewDense(r, c, nil)
	blas64.Gemv(blas.Trans, 1/float64(m), op.RawMatrix(), blas64.Vector{N: m, Inc: 1, Data: y}, 0, vec(w.surrogate))
	f := mat.Norm(op, 2)
	w.scale = f * f / float64(r*c)
	return w, nil
}

// targetEstimate implements targetEstimator: the surrogate
// (1/m) sum_i y_i A_i has mean Phi Scale/m for an isotropic operator, so
// m/Scale times it estimates Phi.
func (w *MS) targetEstimate() (apply, applyT func(dst, x *mat.Dense), scale float64) {
	apply, applyT = denseProducts(w.surrogate)
	return apply, applyT, float64(len(w.y)) / w.scale
}

// Scale implements Scaler: the loss sum_i (<A_i, W> - y_i)^2 / 2 has
// curvature ||A D||^2 / ||D||_F^2 along D, whose mean over directions is
// ||A||_F^2 / (rows*cols) (1/m for SampleSensing's N(0, 1/m^2) entries).
func (w *MS) Scale() float64 { return w.scale }

func (w *MS) Name() string     { return "ms" }
func (w *MS) Dims() (int, int) { return w.target.Dims() }

// Measurements returns m, the number of measurements.
func (w *MS) Measurements() int     { return len(w.y) }
func (w *MS) Target() *mat.Dense    { return w.target }
func (w *MS) Surrogate() *mat.Dense { return w.surrogate }
func (w *MS) Bytes() int64 {
	return bytesOf(w.target, w.op, w.surrogate, w.buf) + int64(16*len(w.y))
}

// Operator returns the m x rows*cols sensing operator and the measurements.
// They must not be modified.
func (w *MS) Operator() (*mat.Dense, []float64) { return w.op, w.y }

func (w *MS) Loss(x *mat.Dense) float64 { return w.Gradient(nil, x) }

// Gradient writes sum_i (<A_i, W> - y_i) A_i to dst (when dst is not nil)
// and returns the loss: two matrix-vector products with the operator. W and
// dst may be views (Stride > Cols); they are then staged through a
// contiguous buffer.
func (w *MS) Gradient(dst, x *mat.Dense) float64 {
	checkSame(x, w.target)
	if !contiguous(x) {
		w.buf.Copy(x)
		x = w.buf
	}
	m := len(w.y)
	res := blas64.Vector{N: m, Inc: 1, Data: w.resid}
	copy(w.resid, w.y)
	blas64.Gemv(blas.NoTrans, 1, w.op.RawMatrix(), vec(x), -1, res)
	var ss float64
	for _, v := range w.resid {
		ss += v * v
	}
	if dst != nil {
		checkSame(dst, x)
		out := dst
		if !contiguous(dst) {
			out = w.buf
		}
		blas64.Gemv(blas.Trans, 1, w.op.RawMatrix(), res, 0, vec(out))
		if out != dst {
			dst.Copy(out)
		}
	}
	return ss / 2
}

func contiguous(m *mat.Dense) bool {
	raw := m.RawMatrix()
	return raw.Stride == raw.Cols
}

// vec views a contiguous matrix as a vector in row-major order; it panics
// with ErrShape when the matrix is not contiguous.
func vec(m *mat.Dense) blas64.Vector {
	raw := m.RawMatrix()
	if raw.Stride != raw.Cols {
		panic(fmt.Errorf("%w: matrix is not contiguous", ErrShape))
	}
	return blas64.Vector{N: raw.Rows * raw.Cols, Inc: 1, Data: raw.Data[:raw.Rows*raw.Cols]}
}

// streamOperator is the PCG stream of an MS instance's operator and noise
// (the number it had before the registry).
const streamOperator = 3

// MS instance files: A.npy of shape (m, rows, cols) and y.npy of shape (m,).
const (
	OperatorFile     = "A.npy"
	MeasurementsFile = "y.npy"
)

// MaxBenchOperatorBytes bounds the operator of an MS benchmark problem
// (m = 20 d measurements: 160 d^3 bytes, 42 MB at d = 64, 335 MB at
// d = 128).
const MaxBenchOperatorBytes = 400e6

// ms's registration: parameters m and noise.
func init() {
	Register(Spec{
		WorkloadInfo: config.WorkloadInfo{
			Name: "ms", Title: "matrix sensing", Order: 3,
			Params: []config.Param{
				{Key: "m", Kind: config.Int, Unit: "measurements", InTitle: true, FromFiles: true, Help: "number of measurements (ms)",
					Check: func(v any, c config.Config) error {
						if v.(int) < 1 {
							return config.Bad("m", v, "number of measurements must be at least 1")
						}
						return nil
					}},
				noiseParam,
			},
			Presets: []config.Preset{
				{Name: "paper-ms", Description: "deep MS as in the paper's notebook: d=200, m=4000 (a 1.28 GB operator; slow)", Runs: []config.Config{{
					Name: "ms", Workload: "ms", D: 200, R: 5, RHat: 10, Depth: 3, Eps: 1e-2, Eta: 20, Alpha: 1,
					Steps: 25000, Tol: 1e-12, Every: 100, Params: config.Params{"m": 4000},
				}}},
				{Name: "paper-ms-fast", Description: "paper-ms at d=50, m=1000 (a 20 MB operator), eta=10, tol 1e-10", Runs: []config.Config{{
					Name: "ms", Workload: "ms", D: 50, R: 5, RHat: 10, Depth: 3, Eps: 1e-2, Eta: 10, Alpha: 1,
					Steps: 10000, Tol: 1e-10, Every: 50, Params: config.Params{"m": 1000},
				}}},
			},
			Fast: "paper-ms-fast",
			Quick: &config.Config{Name: "ms", Workload: "ms", D: 30, R: 3, RHat: 6, Depth: 3, Eps: 1e-2, Eta: 5, Alpha: 1,
				Steps: 5000, Tol: 1e-8, Every: 25, Params: config.Params{"m": 600}},
		},
		New: func(c config.Config, target *mat.Dense, rng func(uint64) *rand.Rand) (Workload, error) {
			op, y, err := SampleSensing(target, c.Int("m"), c.Float("noise"), rng(streamOperator))
			if err != nil {
				return nil, err
			}
			return NewMS(target, op, y)
		},
		Files: []string{OperatorFile, MeasurementsFile},
		Save: func(w Workload, dir string) error {
			ms := w.(*MS)
			m, _ := ms.op.Dims()
			r, c := ms.Dims()
			if err := npy.WriteFile(fileIn(dir, OperatorFile), []int{m, r, c}, ms.op.RawMatrix().Data); err != nil {
				return err
			}
			return npy.WriteFile(fileIn(dir, MeasurementsFile), []int{len(ms.y)}, ms.y)
		},
		Load: func(c *config.Config, target *mat.Dense, dir string) (Workload, error) {
			rows, cols := target.Dims()
			path := fileIn(dir, OperatorFile)
			a, err := npy.ReadArrayFile(path, -1, rows, cols)
			if err != nil {
				return nil, err
			}
			m := a.Shape[0]
			if m < 1 {
				return nil, fmt.Errorf("%s: shape %s has no measurement", path, Tuple(a.Shape))
			}
			if given := c.Int("m"); given != 0 && given != m {
				return nil, config.Bad("m", given, "%s holds %d measurements", path, m)
			}
			ya, err := npy.ReadArrayFile(fileIn(dir, MeasurementsFile), m)
			if err != nil {
				return nil, err
			}
			c.Set("m", m)
			return NewMS(target, mat.NewDense(m, rows*cols, a.Data), ya.Data)
		},
		Footprint: func(c config.Config) []Need {
			m := c.Int("m")
			rows, cols := c.Dims()
			what := fmt.Sprintf("the sensing operator of --m %d measurements of a --d %d target (m*d^2 doubles)", m, rows)
			if rows != cols {
				what = fmt.Sprintf("the sensing operator of --m %d measurements of a %d x %d target (m*rows*cols doubles)", m, rows, cols)
			}
			return []Need{
				{Bytes: SensingBytes(m, rows, cols), Flag: "m", Value: m, What: what},
				{Bytes: 3*8*uint64(rows)*uint64(cols) + uint64(16*m), What: "target, surrogate, staging buffer, measurements and residual"},
			}
		},
		// Each evaluation streams the operator twice (the residual and the
		// adjoint GEMV).
		StepBytes: func(c config.Config) uint64 {
			rows, cols := c.Dims()
			return 2 * SensingBytes(c.Int("m"), rows, cols)
		},
		Bench: func(d int) (config.Params, bool) {
			return config.Params{"m": 20 * d}, SensingBytes(20*d, d, d) <= MaxBenchOperatorBytes
		},
	})
}

// checkSigma refuses a noise standard deviation that is not finite and >= 0
// (ms's measurement noise, mc's observation noise).
func checkSigma(sigma float64) error {
	if sigma < 0 || math.IsNaN(sigma) || math.IsInf(sigma, 0) {
		return fmt.Errorf("workloads: noise sigma = %v, want finite and >= 0", sigma)
	}
	return nil
}
