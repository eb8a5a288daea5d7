package trainer

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/workloads"
)

// FactoredMF trains a network of at least two layers on matrix
// factorization without forming the end-to-end matrix in a step (DESIGN.md
// section 3). With A = W_L (n_L x h), B = W_{L-1} ... W_1 (h x n_0), the
// loss f(W) = c ||W - Phi||_F^2 / 2 and G = c (A B - Phi):
//
//	grad_L  = G B^T = c (A (B B^T) - Phi B^T)      Phi B^T: 2 n_L n_0 h flops
//	W_L^T G = A^T G = c ((A^T A) B - A^T Phi)      A^T Phi: 2 n_L n_0 h flops
//	f       = c (<A^T A, B B^T> - 2 <A, Phi B^T> + ||Phi||_F^2) / 2
//
// plus four products of O((n_L + n_0) h^2) and the inner layers' backward
// pass at width h (dln.Network.BackwardInner). A step costs 4 n_L n_0 h +
// O((n_L + n_0) h^2) flops against the 6 n_L n_0 h of the dense step, and
// holds no n_L x n_0 buffer. (DESIGN.md speaks of Phi P^T alone; the inner
// layers' gradients need A^T Phi as well, so there are two products with
// Phi per step; they share one read of Phi, in row panels of at most
// FusedPanelBytes.)
//
// The loss. The expansion above is a difference of terms whose sum is
// S = c (<A^T A, B B^T> + 2 |<A, Phi B^T>| + ||Phi||_F^2) / 2, about
// 2 c ||Phi||_F^2 near a fit: its rounding error is about k u S (u = 2^-53,
// k growing like the square root of the lengths of the sums, measured
// below 50 up to n = 4096; worst-case bounds grow like n_0 + n_L h), so
// near the floor it is dominated by rounding and may even be negative.
// When it is below ExactLossFraction S, Evaluate discards it and computes
// the loss exactly, as the dense path does, from the residual
// c ||A B - Phi||_F^2 / 2 formed in row panels of at most ResidualPanel
// entries (one panel buffer, never the n_L x n_0 product): 2 n_L n_0 h +
// 3 n_L n_0 more flops, which the network's counter does not count (its
// count stays the analytic FactoredMFFlops per evaluation) and
// ExactEvaluations reports. Above the switch the expansion's relative error
// is below k u / ExactLossFraction, under 1e-10 for k up to about 900; below
// it the loss agrees with the dense path's to rounding in the residual
// (about h u ||A||_F ||B||_F per entry), so a convergence tolerance is met
// at the same step on both paths and a tolerance below the floor is never
// met. The gradients keep the expansion (their error, about k u ||Phi||_F
// ||B||_F, is what bounds the floor of either path).
//
// Measure forms W from copies of A and B taken by Evaluate (n_L n_0 h
// flops, not counted, in a buffer allocated at the first checkpoint), so
// that checkpoint errors are exact and are those of the last Evaluate's
// parameters even after a Step.
type FactoredMF struct {
	net    *dln.Network
	work   *workloads.MF
	mult   []float64
	phi    *mat.Dense
	phiSq  float64    // ||Phi||_F^2
	pbt    *mat.Dense // Phi B^T, n_L x h
	atp    *mat.Dense // A^T Phi, h x n_0
	bbt    *mat.Dense // B B^T, h x h
	ata    *mat.Dense // A^T A, h x h
	a0     *mat.Dense // copy of A at the last Evaluate, for Measure
	b0     *mat.Dense // copy of B at the last Evaluate (Step moves W_1, which is B when L = 2)
	panel  []float64  // a row panel of A B for the exact loss
	w      *mat.Dense // end-to-end matrix for Measure, allocated on first use
	exact  int        // evaluations whose loss came from the residual
	rows   int
	cols   int
	h      int
	scaleC float64
}

// ExactLossFraction is the switch of FactoredMF's loss: when the expansion's
// value is below ExactLossFraction times the sum of its terms' magnitudes,
// the loss is computed from the residual instead.
const ExactLossFraction = 1e-3

// ResidualPanel is the most entries of A B that FactoredMF forms at once
// for its exact loss: rows of A B in panels of max(1, ResidualPanel / n_0)
// rows (256 KiB, about a core's L2 cache).
const ResidualPanel = 1 << 15

// residualRows is the rows of a residual panel of a workload with cols
// columns.
func residualRows(rows, cols int) int { return max(1, min(rows, ResidualPanel/cols)) }

var _ Objective = (*FactoredMF)(nil)

// NewFactoredMF binds net to the factorization workload work with
// per-layer learning-rate multipliers mult (nil for all ones). It panics
// with dln.ErrShape when net has fewer than two layers, its end-to-end
// shape differs from the workload's, or mult has the wrong length.
func NewFactoredMF(net *dln.Network, work *workloads.MF, mult []float64) *FactoredMF {
	r, c := net.Dims()
	wr, wc := work.Dims()
	if net.Layers() < 2 || r != wr || c != wc || (mult != nil && len(mult) != net.Layers()) {
		panic(fmt.Errorf("%w: factored MF objective of a %d-layer %d x %d network on a %d x %d workload", dln.ErrShape, net.Layers(), r, c, wr, wc))
	}
	_, h := net.Layer(net.Layers() - 1).Dims()
	phi := work.Target()
	n := mat.Norm(phi, 2)
	return &FactoredMF{
		net: net, work: work, mult: mult, phi: phi, phiSq: n * n,
		pbt: mat.NewDense(r, h, nil), atp: mat.NewDense(h, c, nil),
		bbt: mat.NewDense(h, h, nil), ata: mat.NewDense(h, h, nil),
		a0: mat.NewDense(r, h, nil), b0: mat.NewDense(h, c, nil),
		panel: make([]float64, residualRows(r, c)*c),
		rows:  r, cols: c, h: h, scaleC: work.Scale(),
	}
}

// FactoredMFWorkspaceBytes is the workspace of a FactoredMF besides the
// network's, for a rows x cols workload at inner width h: Phi B^T, A^T Phi,
// B B^T and A^T A, the copies of A and B that Measure reads, the residual
// panel of the exact loss (residualRows(rows, cols) x cols, at most
// ResidualPanel entries) and, with formW, the end-to-end matrix formed at
// checkpoints.
func FactoredMFWorkspaceBytes(rows, cols, h int, formW bool) int64 {
	b := 8 * int64(h) * (2*int64(rows) + 2*int64(cols) + 2*int64(h))
	b += 8 * int64(residualRows(rows, cols)) * int64(cols)
	if formW {
		b += 8 * int64(rows) * int64(cols)
	}
	return b
}

// FactoredMFFlops is the flop count of the products of one evaluation
// beyond the inner forward pass at inner width h: the two products with
// Phi (2 rows cols h each) and the four at width h (B B^T, A^T A,
// A (B B^T), (A^T A) B: 2 (rows + cols) h^2 each pair).
func FactoredMFFlops(rows, cols, h int) uint64 {
	r, c, k := uint64(rows), uint64(cols), uint64(h)
	return 4*r*c*k + 4*(r+c)*k*k
}

// Network returns the trained network.
func (f *FactoredMF) Network() *dln.Network { return f.net }

// WorkspaceBytes implements the figure of FactoredMFWorkspaceBytes (with W
// once a checkpoint has formed it).
func (f *FactoredMF) WorkspaceBytes() int64 {
	return f.net.WorkspaceBytes() + FactoredMFWorkspaceBytes(f.rows, f.cols, f.h, f.w != nil)
}

// gemm does c = alpha op(a) op(b) + beta c.
func gemm(ta, tb blas.Transpose, alpha float64, a, b *mat.Dense, beta float64, c *mat.Dense) {
	blas64.Gemm(ta, tb, alpha, a.RawMatrix(), b.RawMatrix(), beta, c.RawMatrix())
}

// Evaluate implements Objective: the loss, the last layer's gradient and
// W_L^T G from the products of Phi with the factors, the loss from the
// residual below the switch (see FactoredMF). It allocates nothing beyond
// what the BLAS does.
func (f *FactoredMF) Evaluate() float64 {
	b := f.net.ForwardInner()
	a := f.net.Layer(f.net.Layers() - 1)
	f.a0.Copy(a)
	f.b0.Copy(b)
	f.phiProducts(a, b)
	gemm(blas.NoTrans, blas.Trans, 1, b, b, 0, f.bbt) // B B^T
	gemm(blas.Trans, blas.NoTrans, 1, a, a, 0, f.ata) // A^T A
	// f = c (<A^T A, B B^T> - 2 <A, Phi B^T> + ||Phi||^2) / 2
	quad := frob(f.ata, f.bbt)
	cross := frob(a, f.pbt)
	c := f.scaleC
	loss := c * (quad - 2*cross + f.phiSq) / 2
	if loss < ExactLossFraction*c*(quad+2*math.Abs(cross)+f.phiSq)/2 {
		loss = c * f.residualSq(a, b) / 2
		f.exact++
	}
	// grad_L = c (A (B B^T) - Phi B^T), into LastGrad.
	g := f.net.LastGrad()
	g.Copy(f.pbt)
	gemm(blas.NoTrans, blas.NoTrans, c, a, f.bbt, -c, g)
	// W_L^T G = c ((A^T A) B - A^T Phi), into OuterBack.
	back := f.net.OuterBack()
	back.Copy(f.atp)
	gemm(blas.NoTrans, blas.NoTrans, c, f.ata, b, -c, back)
	f.net.AddFlops(FactoredMFFlops(f.rows, f.cols, f.h))
	return loss
}

// FusedPanelBytes bounds the row panel of the target that FactoredMF's two
// products with it share: the panel is read from memory by the first
// product (Phi B^T) and again, from the last-level cache, by the second
// (A^T Phi), so that a step reads the target from memory once.
const FusedPanelBytes = 4 << 20

// fusedRows is the rows of a fused panel of a workload with cols columns:
// max(1, FusedPanelBytes / (8 cols)), at most rows.
func fusedRows(rows, cols int) int { return max(1, min(rows, FusedPanelBytes/(8*cols))) }

// phiProducts forms Phi B^T into pbt and A^T Phi into atp in row panels of
// fusedRows rows: per panel, its rows of Phi B^T, then A^T Phi += (the
// panel's rows of A)^T (the panel). With one panel (rows x cols x 8 bytes
// at most FusedPanelBytes) these are the two whole products; with more,
// A^T Phi is summed panel by panel, a reassociation of its sums of length
// rows (an error of about (rows / fusedRows) u relative to the terms'
// magnitudes, u = 2^-53).
func (f *FactoredMF) phiProducts(a, b *mat.Dense) {
	pr, ar, pbt := f.phi.RawMatrix(), a.RawMatrix(), f.pbt.RawMatrix()
	k := fusedRows(f.rows, f.cols)
	for i0 := 0; i0 < f.rows; i0 += k {
		m := min(k, f.rows-i0)
		phiP := blas64.General{Rows: m, Cols: pr.Cols, Stride: pr.Stride, Data: pr.Data[i0*pr.Stride:]}
		aP := blas64.General{Rows: m, Cols: ar.Cols, Stride: ar.Stride, Data: ar.Data[i0*ar.Stride:]}
		pbtP := blas64.General{Rows: m, Cols: pbt.Cols, Stride: pbt.Stride, Data: pbt.Data[i0*pbt.Stride:]}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, phiP, b.RawMatrix(), 0, pbtP) // Phi B^T
		beta := 1.0
		if i0 == 0 {
			beta = 0
		}
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, aP, phiP, beta, f.atp.RawMatrix()) // A^T Phi
	}
}

// FactoredMFLimit is the least time a FactoredMF step could take on a
// calibrated machine for a rows x cols target at inner width h: the larger
// of MemoryNs, one pass over the target (8 rows cols bytes) at the stream
// bandwidth of the level that holds it (calibrate.Calibration.LevelFor),
// and FlopNs, FactoredMFFlops at the dgemm peak. It returns an error when
// the calibration has no memory levels or no peak.
func FactoredMFLimit(cal calibrate.Calibration, rows, cols, h int) (ns, memoryNs, flopNs float64, err error) {
	bytes := 8 * int64(rows) * int64(cols)
	l, ok := cal.LevelFor(bytes)
	if !ok {
		return 0, 0, 0, fmt.Errorf("trainer: the calibration of %s has no memory levels: run lowdim calibrate again", cal.Date)
	}
	if !(cal.PeakGFLOPS > 0) {
		return 0, 0, 0, fmt.Errorf("trainer: the calibration of %s has no dgemm peak", cal.Date)
	}
	memoryNs = float64(bytes) / l.StreamGBps
	flopNs = float64(FactoredMFFlops(rows, cols, h)) / cal.PeakGFLOPS
	return max(memoryNs, flopNs), memoryNs, flopNs, nil
}

// residualSq returns ||A B - Phi||_F^2, forming A B in row panels of
// residualRows rows and summing the squared differences row by row, in the
// order of the dense path's workloads.MF.Gradient.
func (f *FactoredMF) residualSq(a, b *mat.Dense) float64 {
	ar, br, pr := a.RawMatrix(), b.RawMatrix(), f.phi.RawMatrix()
	n := f.cols
	k := residualRows(f.rows, n)
	var ss float64
	for i0 := 0; i0 < f.rows; i0 += k {
		m := min(k, f.rows-i0)
		p := blas64.General{Rows: m, Cols: n, Stride: n, Data: f.panel[:m*n]}
		ap := blas64.General{Rows: m, Cols: ar.Cols, Stride: ar.Stride, Data: ar.Data[i0*ar.Stride:]}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, ap, br, 0, p)
		for i := 0; i < m; i++ {
			w := p.Data[i*n : i*n+n]
			t := pr.Data[(i0+i)*pr.Stride : (i0+i)*pr.Stride+n]
			for j, v := range w {
				e := v - t[j]
				ss += e * e
			}
		}
	}
	return ss
}

// ExactEvaluations returns how many evaluations took their loss from the
// residual (see FactoredMF), whose flops (ExactLossFlops each) the network
// does not count.
func (f *FactoredMF) ExactEvaluations() int { return f.exact }

// ExactLossFlops is the flop count of one exact loss on a rows x cols
// workload at inner width h: the product A B (2 rows cols h) and the
// squared differences (3 rows cols).
func ExactLossFlops(rows, cols, h int) uint64 {
	r, c := uint64(rows), uint64(cols)
	return 2*r*c*uint64(h) + 3*r*c
}

// frob returns the Frobenius inner product <x, y> of two matrices of the
// same shape.
func frob(x, y *mat.Dense) float64 {
	rx, ry := x.RawMatrix(), y.RawMatrix()
	var s float64
	for i := 0; i < rx.Rows; i++ {
		a := rx.Data[i*rx.Stride : i*rx.Stride+rx.Cols]
		b := ry.Data[i*ry.Stride : i*ry.Stride+rx.Cols]
		for j, v := range a {
			s += v * b[j]
		}
	}
	return s
}

// Step implements Objective: the inner layers' gradients from W_L^T G
// (prepared by Evaluate), then the update. It allocates nothing.
func (f *FactoredMF) Step(eta float64) {
	f.net.BackwardInner()
	f.net.Step(eta, f.mult)
}

// FillWorkspace sets every entry of the workspace the objective owns besides
// the network's (Phi B^T, A^T Phi, B B^T, A^T A, the copies of A and B,
// the residual panel and the checkpoint's W) to v. It is for tests, as
// Dense.FillWorkspace; Evaluate overwrites all but the panel (which it
// writes before reading when it uses it) and W, which Measure overwrites.
func (f *FactoredMF) FillWorkspace(v float64) {
	for _, m := range []*mat.Dense{f.pbt, f.atp, f.bbt, f.ata, f.a0, f.b0, f.w} {
		fill(m, v)
	}
	for i := range f.panel {
		f.panel[i] = v
	}
}

// Measure implements Objective: it forms W = A B from the copies of the
// last Evaluate (allocating its buffer at the first call) and measures it
// exactly.
func (f *FactoredMF) Measure(k int) Measurement {
	if f.w == nil {
		f.w = mat.NewDense(f.rows, f.cols, nil)
	}
	f.w.Mul(f.a0, f.b0)
	m := Measurement{RecoveryError: workloads.Recovery(f.work, f.w)}
	if k > 0 {
		if s, err := workloads.SingularValues(f.w); err == nil {
			m.SingularValues = s[:min(k, len(s))]
		}
	}
	return m
}
