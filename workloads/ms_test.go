package workloads_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/workloads"
)

// sensingEntry returns A_i[j][k] under the row-major flattening the package
// documents: row i of the operator, column j*cols + k.
func sensingEntry(op *mat.Dense, i, j, k, cols int) float64 { return op.At(i, j*cols+k) }

// inner returns <A_i, W> = sum_j sum_k A_i[j][k] W[j][k] by an explicit
// double loop, and sum_jk |A_i[j][k] W[j][k]| (for the rounding bound).
func inner(op *mat.Dense, i int, w *mat.Dense) (dot, abs float64) {
	rows, cols := w.Dims()
	for j := 0; j < rows; j++ {
		for k := 0; k < cols; k++ {
			p := sensingEntry(op, i, j, k, cols) * w.At(j, k)
			dot += p
			abs += math.Abs(p)
		}
	}
	return dot, abs
}

// TestSampleSensingScale: entries of A are iid N(0, 1/m^2), i.e. m*A_ij is
// standard normal. With m = 200 and d = 10 there are N = 20000 entries. The
// sample mean of m*A_ij has sd 1/sqrt(N) = 0.0071 and the sample sd has
// relative sd 1/sqrt(2N) = 0.005; 6 sd bounds (0.042 and 0.03) never fail
// for a correct generator but reject a scale of 1/sqrt(m) (14x), 1/m^2
// (1/200x) or a mean shift.
func TestSampleSensingScale(t *testing.T) {
	const m, d = 200, 10
	const n = m * d * d
	rng := newRNG(21)
	phi := gaussian(d, d, rng)
	op, y, err := workloads.SampleSensing(phi, m, 0, rng)
	require.NoError(t, err)
	r, c := op.Dims()
	require.Equal(t, [2]int{m, d * d}, [2]int{r, c})
	require.Len(t, y, m)
	var sum, sumsq float64
	for _, v := range op.RawMatrix().Data {
		z := m * v
		sum += z
		sumsq += z * z
	}
	mean := sum / n
	sd := math.Sqrt((sumsq - n*mean*mean) / (n - 1))
	requireClose(t, "mean of m*A_ij", mean, 0, 6/math.Sqrt(n), 0)
	requireClose(t, "sd of m*A_ij", sd, 1, 6/math.Sqrt(2*n), 0)
}

// TestSampleSensingMeasurements: y_i = <A_i, Phi> + sigma z_i, with the
// operator drawn row by row from rng and then the noise (the documented
// order). Re-drawing from the same seed reproduces the operator bit for bit
// and the noise z_i; the residual y_i - <A_i, Phi> (explicit double loop,
// row-major) must then be sigma z_i up to rounding: the two inner products
// differ by at most 2 gamma_n sum|A_i Phi|, the addition of the noise rounds
// once (u |y_i|). A rectangular target makes a column-major flattening
// show.
func TestSampleSensingMeasurements(t *testing.T) {
	const rows, cols, m, seed = 3, 5, 40, 22
	phi := gaussian(rows, cols, newRNG(99))
	for _, sigma := range []float64{0, 0.25} {
		t.Run("sigma="+formatFloat(sigma), func(t *testing.T) {
			op, y, err := workloads.SampleSensing(phi, m, sigma, newRNG(seed))
			require.NoError(t, err)

			re := newRNG(seed)
			want := mat.NewDense(m, rows*cols, nil)
			for i := 0; i < m; i++ {
				for j := 0; j < rows*cols; j++ {
					want.Set(i, j, 1/float64(m)*re.NormFloat64())
				}
			}
			require.Equal(t, want.RawMatrix().Data, op.RawMatrix().Data, "operator drawn row-major from rng with std 1/m")

			for i := 0; i < m; i++ {
				noise := 0.0
				if sigma > 0 {
					noise = sigma * re.NormFloat64()
				}
				dot, abs := inner(op, i, phi)
				tol := 2*gamma(rows*cols)*abs + unitRoundoff*math.Abs(y[i]) + unitRoundoff*math.Abs(noise)
				requireClose(t, "y_i - <A_i, Phi> - sigma z_i", y[i]-dot-noise, 0, tol, 0)
			}
		})
	}
}

// TestSampleSensingNoiseLevel: the residual y - A vec(Phi) has sample sd
// sigma. m = 2000 residuals: relative sd of the sample sd 1/sqrt(2m) =
// 0.016; 6 sd = 0.095.
func TestSampleSensingNoiseLevel(t *testing.T) {
	const d, m, sigma = 4, 2000, 0.1
	rng := newRNG(23)
	phi := gaussian(d, d, rng)
	op, y, err := workloads.SampleSensing(phi, m, sigma, rng)
	require.NoError(t, err)
	var sum, sumsq float64
	for i := 0; i < m; i++ {
		dot, _ := inner(op, i, phi)
		r := y[i] - dot
		sum += r
		sumsq += r * r
	}
	mean := sum / m
	sd := math.Sqrt((sumsq - m*mean*mean) / (m - 1))
	requireClose(t, "residual sd", sd, sigma, 0, 6/math.Sqrt(2*m))
	requireClose(t, "residual mean", mean, 0, 6*sigma/math.Sqrt(m), 0)
}

// TestMSLossGradientSurrogate compares loss, gradient and surrogate with
// explicit loops over A_i[j][k] on a rectangular problem with noisy
// measurements, at a W that is not the target.
//
// Rounding bounds: r_i = <A_i, W> - y_i computed two ways differs by
// delta_i <= 2 gamma_{n+1} (sum|A_i W| + |y_i|). Then
//
//	loss:      |d loss| <= sum_i |r_i| delta_i + gamma_m * loss (+ its own rounding),
//	gradient:  |dG_jk| <= sum_i delta_i |A_ijk| + 2 gamma_m sum_i |r_i A_ijk|,
//	surrogate: |dS_jk| <= 2 gamma_{m+1} sum_i |y_i A_ijk| / m.
func TestMSLossGradientSurrogate(t *testing.T) {
	const rows, cols, m, sigma = 4, 6, 30, 0.1
	const n = rows * cols
	rng := newRNG(24)
	phi := gaussian(rows, cols, rng)
	op, y, err := workloads.SampleSensing(phi, m, sigma, rng)
	require.NoError(t, err)
	work, err := workloads.NewMS(phi, op, y)
	require.NoError(t, err)
	require.Equal(t, "ms", work.Name())
	gotOp, gotY := work.Operator()
	require.Same(t, op, gotOp)
	require.Equal(t, y, gotY)
	w := gaussian(rows, cols, rng)

	r := make([]float64, m)
	delta := make([]float64, m)
	var loss, lossTol float64
	for i := 0; i < m; i++ {
		dot, abs := inner(op, i, w)
		r[i] = dot - y[i]
		delta[i] = 2 * gamma(n+1) * (abs + math.Abs(y[i]))
		loss += r[i] * r[i] / 2
		lossTol += math.Abs(r[i]) * delta[i]
	}
	lossTol += 2 * gamma(m+1) * loss
	requireClose(t, "loss", work.Loss(w), loss, lossTol, 0)

	dst := nanDense(rows, cols)
	f := work.Gradient(dst, w)
	require.Equal(t, work.Loss(w), f, "Gradient returns the loss")
	require.Equal(t, work.Loss(w), work.Gradient(nil, w))
	sur := work.Surrogate()
	for j := 0; j < rows; j++ {
		for k := 0; k < cols; k++ {
			var g, gTol, s, sAbs float64
			for i := 0; i < m; i++ {
				a := sensingEntry(op, i, j, k, cols)
				g += r[i] * a
				gTol += delta[i]*math.Abs(a) + 2*gamma(m)*math.Abs(r[i]*a)
				s += y[i] * a
				sAbs += math.Abs(y[i] * a)
			}
			requireClose(t, "gradient entry", dst.At(j, k), g, gTol, 0)
			requireClose(t, "surrogate entry", sur.At(j, k), s/m, 2*gamma(m+1)*sAbs/m, 0)
		}
	}
}

// TestMSNoiselessTarget: with sigma = 0 the target has zero loss and zero
// gradient up to rounding (each residual is a difference of two inner
// products of n terms: 2 gamma_n sum|A_i Phi|).
func TestMSNoiselessTarget(t *testing.T) {
	const d, m = 5, 60
	rng := newRNG(25)
	phi := gaussian(d, d, rng)
	op, y, err := workloads.SampleSensing(phi, m, 0, rng)
	require.NoError(t, err)
	work, err := workloads.NewMS(phi, op, y)
	require.NoError(t, err)
	var bound float64
	for i := 0; i < m; i++ {
		_, abs := inner(op, i, phi)
		bound = max(bound, 2*gamma(d*d)*abs)
	}
	requireClose(t, "loss at Phi", work.Loss(phi), 0, m*bound*bound, 0)
}

// TestNewMSView: a target that is a view into a larger matrix is accepted;
// the workload keeps a contiguous copy with the same values.
func TestNewMSView(t *testing.T) {
	const m = 20
	rng := newRNG(26)
	big := gaussian(5, 7, rng)
	view := big.Slice(1, 4, 2, 6).(*mat.Dense)
	phi := mat.DenseCopyOf(view)
	op, y, err := workloads.SampleSensing(phi, m, 0, rng)
	require.NoError(t, err)
	work, err := workloads.NewMS(view, op, y)
	require.NoError(t, err)
	require.True(t, mat.Equal(phi, work.Target()))
	ref, err := workloads.NewMS(phi, op, y)
	require.NoError(t, err)
	w := gaussian(3, 4, rng)
	require.Equal(t, ref.Loss(w), work.Loss(w))
}

func TestNewMSErrors(t *testing.T) {
	const rows, cols, m = 3, 5, 10
	phi := mat.NewDense(rows, cols, nil)
	for _, tc := range []struct {
		name     string
		op       *mat.Dense
		y        []float64
		contains string
	}{
		{"operator 14 columns for 3x5", mat.NewDense(m, 14, nil), make([]float64, m), "14"},
		{"operator 16 columns for 3x5", mat.NewDense(m, 16, nil), make([]float64, m), "16"},
		{"9 measurements for 10 rows", mat.NewDense(m, rows*cols, nil), make([]float64, m-1), "9"},
		{"11 measurements for 10 rows", mat.NewDense(m, rows*cols, nil), make([]float64, m+1), "11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work, err := workloads.NewMS(phi, tc.op, tc.y)
			require.Error(t, err)
			require.Nil(t, work)
			require.Contains(t, err.Error(), tc.contains)
		})
	}
}

func TestSampleSensingErrors(t *testing.T) {
	phi := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	for _, tc := range []struct {
		name  string
		m     int
		sigma float64
	}{
		{"m=0", 0, 0},
		{"m=-3", -3, 0},
		{"sigma<0", 5, -0.1},
		{"sigma=NaN", 5, math.NaN()},
		{"sigma=+Inf", 5, math.Inf(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, y, err := workloads.SampleSensing(phi, tc.m, tc.sigma, newRNG(1))
			require.Error(t, err)
			require.Nil(t, op)
			require.Nil(t, y)
		})
	}
}

func TestSensingBytes(t *testing.T) {
	for _, tc := range []struct {
		name          string
		m, rows, cols int
		want          uint64
	}{
		// 8 * 4000 * 200 * 200 = 1.28e9 (DESIGN.md section 1)
		{"paper-ms", 4000, 200, 200, 1_280_000_000},
		// 8 * 1 * 1 * 1
		{"1x1", 1, 1, 1, 8},
		// 8 * 100000 * 1000 * 1000 = 8e11 overflows int32 but not uint64
		{"large", 100_000, 1000, 1000, 800_000_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, workloads.SensingBytes(tc.m, tc.rows, tc.cols))
		})
	}
	// The operator SampleSensing allocates is SensingBytes.
	op, _, err := workloads.SampleSensing(mat.NewDense(3, 4, nil), 7, 0, newRNG(1))
	require.NoError(t, err)
	r, c := op.Dims()
	require.Equal(t, workloads.SensingBytes(7, 3, 4), uint64(8*r*c))
}

func TestMSShapePanics(t *testing.T) {
	phi := mat.NewDense(2, 3, nil)
	op, y, err := workloads.SampleSensing(phi, 5, 0, newRNG(1))
	require.NoError(t, err)
	work, err := workloads.NewMS(phi, op, y)
	require.NoError(t, err)
	requireShapePanic(t, "Loss 3x2", func() { work.Loss(mat.NewDense(3, 2, nil)) })
	requireShapePanic(t, "Gradient dst 3x2", func() { work.Gradient(mat.NewDense(3, 2, nil), mat.NewDense(2, 3, nil)) })
}

// TestSampleSensingView: SampleSensing of a target that is a view into a
// larger matrix draws the same operator and measurements as for its
// contiguous copy (NewMS accepts such a target and copies it).
//
// Fails at the time of writing: SampleSensing passes the target to vec,
// which panics with ErrShape on a non-contiguous matrix; see the report.
func TestSampleSensingView(t *testing.T) {
	const m = 12
	big := gaussian(5, 7, newRNG(27))
	view := big.Slice(1, 4, 2, 6).(*mat.Dense)
	wantOp, wantY, err := workloads.SampleSensing(mat.DenseCopyOf(view), m, 0.1, newRNG(28))
	require.NoError(t, err)
	noPanic(t, "SampleSensing of a view", func() {
		op, y, err := workloads.SampleSensing(view, m, 0.1, newRNG(28))
		require.NoError(t, err)
		require.Equal(t, wantOp.RawMatrix().Data, op.RawMatrix().Data)
		require.Equal(t, wantY, y)
	})
}
