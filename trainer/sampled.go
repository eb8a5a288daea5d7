package trainer

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/workloads"
)

// SampledMC trains a network of at least two layers on matrix completion
// without forming the d x d end-to-end matrix in a step (DESIGN.md section
// 3). With A = W_L (n_L x h) and B = W_{L-1} ... W_1 (h x n_0):
//
//	residual  r_ij = A[i,:] . B[:,j] - Phi_ij on the observed set O   2|O|h flops
//	G         = r / |O|, sparse on O
//	grad_L    = G B^T      (a sparse-dense product)                   2|O|h flops
//	W_L^T G   = A^T G      (a sparse-dense product)                   2|O|h flops
//
// and the remaining layers' gradients follow densely at width h
// (dln.Network.BackwardInner). A step costs O(|O| h + n_0 h^2) instead of
// O(n_L n_0 h). Measure forms W, at checkpoints only.
//
// The three sparse products are fused into one pass over O, done by
// Evaluate (which "prepares the gradient for the next Step"): each observed
// entry's residual is used at once while the row of A and the column of B
// are in registers or L1, and the residual on O is never stored. The pass
// visits O in column panels of SampledPanelWidth columns, so that the part
// of B^T and of the back-propagated product it touches stays in the core's
// L2 cache (or, on sparse rows, the last-level cache); B^T and the product
// are interleaved row by row (one 2h-row per column of W) so that one cache
// line fetch serves both. A share's rows of a panel run through an
// assembler kernel in one call (sampledPanelAVX2, where the CPU has AVX2
// and FMA and the build is not purego; it prefetches the rows of the
// entries ahead, whose columns it knows), or row by row through the
// portable loop runLoop; the two agree within a few units of h 2^-53
// relative per entry (sampled_kernel_test.go). At the end of the pass the
// shares' halves of the product are summed and transposed in parallel
// column parts (reduce). Its flops are counted by Evaluate.
type SampledMC struct {
	// core is the state. The helper goroutines hold the core, never the
	// handle, so that the handle can be collected and its cleanup stop them;
	// the exported methods are the handle's, so that a method value keeps
	// the handle alive too.
	core *sampledCore
}

// sampledCore is the state of a SampledMC.
type sampledCore struct {
	net      *dln.Network
	work     Observed
	loss     float64 // of the last Evaluate
	mult     []float64
	observed int
	rows     int
	h        int
	// The observed entries in panel order: the entries of column panel q
	// in row i are start[q*rows+i] .. start[q*rows+i+1]-1, with their
	// columns and the target's values.
	start []int
	cols  []int32
	vals  []float64
	pw    int // columns per panel
	// segments counts the (panel, row) pairs with observed entries.
	segments int
	w        *mat.Dense // end-to-end matrix for Measure
	b        *mat.Dense // B of the last Evaluate (the network's prefix buffer)
	// a0 is a copy of A at the last Evaluate, for Measure (with the B^T in
	// the left half of inter[0], also the last Evaluate's).
	a0 *mat.Dense
	// Shares of the pass: share t covers rows split[t] .. split[t+1]-1
	// (about equal numbers of observed entries) with its own partial sum,
	// its own interleaved [B^T | (A^T G)^T part] buffer (n_0 x 2h) and a 2h
	// scratch row. The shares depend on the problem only, not on the
	// machine; min(GOMAXPROCS, shares) goroutines run them.
	split   []int
	partial []float64
	inter   []*mat.Dense
	scratch [][]float64
	// jobs hands share indices to shares-1 helper goroutines (nil with one
	// share), which live as long as the SampledMC: a cleanup closes jobs
	// when the handle is unreachable. wg counts the shares of a pass.
	jobs chan int
	wg   sync.WaitGroup
}

// ParallelMinEntries is the number of observed entries per share of the
// sampled pass: a problem with |O| observed entries is split into
// min(MaxShares, rows, max(1, |O| / ParallelMinEntries)) shares of rows,
// which the calling goroutine and shares-1 helper goroutines (started with
// the SampledMC, stopped when it is collected) run; with GOMAXPROCS = 1 the
// caller runs them all. A step allocates nothing either way. The shares and the
// order in which their partial sums are combined depend on the problem
// alone, so a run is bit-identical for a given seed on any machine and at
// any GOMAXPROCS.
const ParallelMinEntries = 1 << 16

// MaxShares bounds the shares of a sampled pass, and so the goroutines of
// a step.
const MaxShares = 4

// PanelBytes is the size of the slice of the interleaved [B^T | A^T G]
// buffer that one column panel of the fused pass touches: about a core's
// L2 cache.
const PanelBytes = 1 << 19

// lineFloats is a cache line in float64s.
const lineFloats = 8

// PanelWidth returns the columns per panel of the fused pass at inner
// width h when rows are dense enough (see SampledPanelWidth): PanelBytes /
// (16 h), at least 64.
func PanelWidth(h int) int { return max(64, PanelBytes/(16*max(h, 1))) }

// PanelEntries is the fewest observed entries per row that a panel of the
// fused pass should hold on average: each row of a panel costs a pass over
// its row of A and of the gradient (24 h bytes), which a panel of
// PanelWidth columns would repeat for about one entry each on a large
// sparse problem (164 entries per row at d = 262,144 fall into 160 panels).
const PanelEntries = 16

// SampledPanelWidth returns the columns per panel of the fused pass over
// observed entries of a rows x cols workload at inner width h: PanelWidth(h),
// widened to ceil(PanelEntries rows cols / observed) when rows are sparser
// than PanelEntries entries per PanelWidth(h) columns, so that a panel's
// rows hold PanelEntries entries on average; then the panel's slice of the
// interleaved buffer (16 h bytes a column) lives in the last-level cache
// instead of L2. At most cols.
func SampledPanelWidth(rows, cols, observed, h int) int {
	pw := PanelWidth(h)
	if observed > 0 {
		need := (int64(panelEntries)*int64(rows)*int64(cols) + int64(observed) - 1) / int64(observed)
		pw = int(max(int64(pw), min(need, int64(cols))))
	}
	return pw
}

// panelEntries is PanelEntries; tests and benchmarks change it
// (export_test.go).
var panelEntries = PanelEntries

// SampledShares returns the shares of the sampled pass over observed
// entries in rows rows: min(MaxShares, rows, max(1, observed /
// ParallelMinEntries)).
func SampledShares(observed, rows int) int {
	return max(1, min(MaxShares, rows, observed/ParallelMinEntries))
}

// SampledWorkspaceBytes is the workspace of a SampledMC besides the
// network's, for a rows x cols workload with observed entries at inner
// width h, with formW when Measure forms the end-to-end matrix: the
// panel-ordered entries (12 bytes each), the panel starts, each share's
// interleaved cols x 2h buffer and padded 2h scratch row (SampledShares),
// the copy of the last layer that Measure reads, and W.
func SampledWorkspaceBytes(rows, cols, observed, h int, formW bool) int64 {
	pw := SampledPanelWidth(rows, cols, observed, h)
	panels := (cols + pw - 1) / pw
	shares := int64(SampledShares(observed, rows))
	b := 12*int64(observed) + 8*int64(panels*rows+1) + shares*8*(int64(cols)*2*int64(h)+2*int64(h)+2*lineFloats)
	b += 8 * int64(rows) * int64(h)
	if formW {
		b += 8 * int64(rows) * int64(cols)
	}
	return b
}

var _ Objective = (*SampledMC)(nil)

// Observed is a completion workload that lists its observed entries
// (workloads.MC, workloads.SparseMC).
type Observed interface {
	workloads.Workload
	// Observations returns the observed entries in compressed sparse row
	// form with the target's values there.
	Observations() (rowPtr []int, cols []int32, vals []float64)
}

// factoredError is implemented by workloads that compute the recovery
// error of W = A B from the factors (workloads.SparseMC).
type factoredError interface {
	FactoredError(a, bt *mat.Dense) (rel, sq float64)
}

// heldOutFactored is implemented by workloads known only on entries
// (workloads.EntriesMC): the relative error and test loss of W = A B on
// their held-out entries and the validation error, from the factors.
type heldOutFactored interface {
	HeldOutFactored(a, bt *mat.Dense) (rel, testLoss float64)
	ValidationFactored(a, bt *mat.Dense) (float64, bool)
}

// SampledFlops is the flop count of the sampled products of one step on
// |O| observed entries at inner width h: three products of 2|O|h each.
func SampledFlops(observed, h int) uint64 { return 3 * 2 * uint64(observed) * uint64(h) }

// NewSampledMC binds net to the completion workload work with per-layer
// learning-rate multipliers mult (nil for all ones). It panics with
// dln.ErrShape when net has fewer than two layers, its end-to-end shape
// differs from the workload's, or mult has the wrong length. It copies the
// observed entries into panel order.
func NewSampledMC(net *dln.Network, work Observed, mult []float64) *SampledMC {
	r, c := net.Dims()
	wr, wc := work.Dims()
	if net.Layers() < 2 || r != wr || c != wc || (mult != nil && len(mult) != net.Layers()) {
		panic(fmt.Errorf("%w: sampled MC objective of a %d-layer %d x %d network on a %d x %d workload", dln.ErrShape, net.Layers(), r, c, wr, wc))
	}
	_, h := net.Layer(net.Layers() - 1).Dims()
	rowPtr, cols, vals := work.Observations()
	s := &sampledCore{net: net, work: work, mult: mult, observed: len(cols), rows: r, h: h, a0: mat.NewDense(r, h, nil)}
	s.panelOrder(rowPtr, cols, vals, c)
	_, fe := work.(factoredError)
	_, ho := work.(heldOutFactored)
	if !fe && !ho {
		s.w = mat.NewDense(r, c, nil) // Measure forms W
	}
	shares := SampledShares(len(cols), r)
	s.split = make([]int, shares+1)
	for t, i := 1, 0; t < shares; t++ {
		target := t * len(cols) / shares
		for i < r && rowPtr[i] < target {
			i++
		}
		s.split[t] = i
	}
	s.split[shares] = r
	s.partial = make([]float64, shares)
	for t := 0; t < shares; t++ {
		s.inter = append(s.inter, mat.NewDense(c, 2*h, nil))
		// Padded by a cache line on each side: the shares' scratch rows
		// are written on every entry, by different goroutines.
		s.scratch = append(s.scratch, make([]float64, 2*h+2*lineFloats)[lineFloats:lineFloats+2*h])
	}
	handle := &SampledMC{core: s}
	if shares > 1 {
		s.jobs = make(chan int, shares)
		for range shares - 1 {
			go s.help(s.jobs)
		}
		runtime.AddCleanup(handle, func(jobs chan int) { close(jobs) }, s.jobs)
	}
	return handle
}

// helperStopped, when not nil, is called by each helper goroutine of a
// SampledMC with its jobs channel as the helper stops. It is a test hook,
// set once before any SampledMC is made (export_test.go).
var helperStopped func(jobs chan int)

// help runs the shares handed to it until jobs is closed.
func (s *sampledCore) help(jobs chan int) {
	for t := range jobs {
		s.job(t)
		s.wg.Done()
	}
	if helperStopped != nil {
		helperStopped(jobs)
	}
}

// panelOrder copies the CSR entries into column-panel order (a counting
// sort by panel, stable within each row). It panics when a column is
// outside [0, c): the assembler kernel (sampledPanelAVX2) indexes the
// interleaved buffer's c rows by column without a bounds check, and the
// panel of a column in (-pw, 0) or [c, panels pw) would not catch it.
func (s *sampledCore) panelOrder(rowPtr []int, cols []int32, vals []float64, c int) {
	for _, j := range cols {
		if j < 0 || int(j) >= c {
			panic(fmt.Errorf("trainer: observed column %d outside a workload of %d columns", j, c))
		}
	}
	pw := SampledPanelWidth(s.rows, c, len(cols), s.h)
	s.pw = pw
	panels := (c + pw - 1) / pw
	r := s.rows
	s.start = make([]int, panels*r+1)
	// Padded for the kernel's prefetch (sampledAhead).
	s.cols = make([]int32, len(cols), len(cols)+sampledAhead)
	s.vals = make([]float64, len(cols))
	count := s.start[1:]
	for i := 0; i < r; i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			count[int(cols[k])/pw*r+i]++
		}
	}
	for x := 1; x < len(s.start); x++ {
		if s.start[x] > 0 {
			s.segments++
		}
		s.start[x] += s.start[x-1]
	}
	next := make([]int, panels*r)
	copy(next, s.start)
	for i := 0; i < r; i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			x := int(cols[k])/pw*r + i
			s.cols[next[x]], s.vals[next[x]] = cols[k], vals[k]
			next[x]++
		}
	}
}

// job runs job t of a step: share t of the fused pass over s.b for t
// below the number of shares n, else part t - n of the reduction
// (reduce).
func (s *sampledCore) job(t int) {
	if n := len(s.split) - 1; t >= n {
		s.reduce(t - n)
		return
	}
	s.run(s.b, t)
}

// parallel runs the jobs first .. first+n-1 (s.job): on the calling
// goroutine alone with n = 1 or GOMAXPROCS = 1, else on it and the
// helpers, each taking the next job from jobs. Which goroutine runs a job
// does not matter: each writes its own buffers, partial sum or columns.
// It allocates nothing.
func (s *sampledCore) parallel(first, n int) {
	if n == 1 || runtime.GOMAXPROCS(0) == 1 {
		for t := first; t < first+n; t++ {
			s.job(t)
		}
		return
	}
	s.wg.Add(n)
	for t := first; t < first+n; t++ {
		s.jobs <- t
	}
	for {
		select {
		case t := <-s.jobs:
			s.job(t)
			s.wg.Done()
			continue
		default:
		}
		break
	}
	s.wg.Wait()
}

// reduce is part p of the reduction that ends the fused pass: for the
// columns j of part p (of as many parts as shares, split evenly),
// (W_L^T G)[:, j] = the sum over shares of the C halves of row j of their
// interleaved buffers, in share order ((C_0 + C_1) + C_2) + ..., written
// transposed into the network's OuterBack.
func (s *sampledCore) reduce(p int) {
	h := s.h
	n := len(s.inter)
	cols := s.inter[0].RawMatrix().Rows
	lo, hi := p*cols/n, (p+1)*cols/n
	back := s.net.OuterBack().RawMatrix()
	first := s.inter[0].RawMatrix()
	for j := lo; j < hi; j++ {
		sum := s.scratch[p][:h] // the shares' scratch rows are free here
		copy(sum, first.Data[j*first.Stride+h:j*first.Stride+2*h])
		for _, m := range s.inter[1:] {
			raw := m.RawMatrix()
			for t, v := range raw.Data[j*raw.Stride+h : j*raw.Stride+2*h] {
				sum[t] += v
			}
		}
		for t, v := range sum {
			back.Data[t*back.Stride+j] = v
		}
	}
}

// run is share w of the fused pass: it fills its interleaved
// buffer with B^T and zeros, then for each panel and each of its rows i
// accumulates, over the observed entries (i, j) there, the squared
// residual e = A[i,:] . B[:,j] - Phi_ij, grad_L[i,:] += (e/|O|) B[:,j]^T
// and (A^T G)^T[j,:] += (e/|O|) A[i,:].
func (s *sampledCore) run(b *mat.Dense, w int) {
	h := s.h
	inter := s.inter[w].RawMatrix()
	braw := b.RawMatrix()
	for j := 0; j < inter.Rows; j++ {
		row := inter.Data[j*inter.Stride : j*inter.Stride+2*h]
		bt, c := row[:h], row[h:2*h]
		for t := range bt {
			bt[t] = braw.Data[t*braw.Stride+j]
			c[t] = 0
		}
	}
	a := s.net.Layer(s.net.Layers() - 1).RawMatrix()
	g := s.net.LastGrad().RawMatrix()
	ai, gacc := s.scratch[w][:h], s.scratch[w][h:2*h]
	inv := 1 / float64(s.observed)
	lo, hi := s.split[w], s.split[w+1]
	panels := (len(s.start) - 1) / s.rows
	var ss float64
	for q := 0; q < panels; q++ {
		base := q * s.rows
		if vectorKernel {
			ss = sampledPanelVector(a.Data, g.Data, a.Stride, g.Stride, gacc, inter.Data, h, inter.Stride,
				s.start[base:base+s.rows+1], lo, hi, s.cols, s.vals, inv, ss)
			continue
		}
		for i := lo; i < hi; i++ {
			k, end := s.start[base+i], s.start[base+i+1]
			if k == end {
				continue
			}
			copy(ai, a.Data[i*a.Stride:i*a.Stride+h])
			clear(gacc)
			ss = runLoop(ss, ai, gacc, inter.Data, inter.Stride, s.cols[k:end], s.vals[k:end], inv)
			gi := g.Data[i*g.Stride : i*g.Stride+h]
			for t, v := range gacc {
				gi[t] += v
			}
		}
	}
	s.partial[w] = ss
}

// runLoop is the portable loop over the observed entries of one row of one
// panel (A[i,:] in ai, gacc, the interleaved buffer with rows of stride
// floats, the row's columns and values, inv = 1/|O|; see
// sampledPanelAVX2): for each entry it forms
// e = ai . B^T[j,:] - v and adds r = inv e times B^T[j,:] to gacc and r ai
// to C[j,:], two entries at a time, and returns ss plus the e^2 (in the
// order of the loop before the assembler kernel, so that the portable
// path's results are those of earlier versions bit for bit).
func runLoop(ss float64, ai, gacc, inter []float64, stride int, cols []int32, vals []float64, inv float64) float64 {
	h := len(ai)
	k, end := 0, len(cols)
	for ; k+1 < end; k += 2 {
		j1, j2 := int(cols[k])*stride, int(cols[k+1])*stride
		row1 := inter[j1 : j1+2*h]
		row2 := inter[j2 : j2+2*h]
		d1, d2 := dotPair(ai, row1[:h], row2[:h])
		e1, e2 := d1-vals[k], d2-vals[k+1]
		ss += e1*e1 + e2*e2
		axpyPair(gacc, row1[h:], row2[h:], inv*e1, inv*e2, row1[:h], row2[:h], ai)
	}
	if k < end {
		j := int(cols[k]) * stride
		row := inter[j : j+2*h]
		e := dot(ai, row[:h]) - vals[k]
		ss += e * e
		axpy2(gacc, row[h:], inv*e, row[:h], ai)
	}
	return ss
}

// dot returns x . y (len(y) >= len(x)) with four partial sums.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	n := len(x) &^ 3
	for t := 0; t < n; t += 4 {
		s0 += x[t] * y[t]
		s1 += x[t+1] * y[t+1]
		s2 += x[t+2] * y[t+2]
		s3 += x[t+3] * y[t+3]
	}
	for t := n; t < len(x); t++ {
		s0 += x[t] * y[t]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotPair returns a . b1 and a . b2 (b1, b2 at least as long as a).
func dotPair(a, b1, b2 []float64) (float64, float64) {
	n := len(a)
	b1, b2 = b1[:n], b2[:n]
	var s0, s1, t0, t1 float64
	m := n &^ 1
	for t := 0; t < m; t += 2 {
		s0 += a[t] * b1[t]
		t0 += a[t] * b2[t]
		s1 += a[t+1] * b1[t+1]
		t1 += a[t+1] * b2[t+1]
	}
	if m < n {
		s0 += a[m] * b1[m]
		t0 += a[m] * b2[m]
	}
	return s0 + s1, t0 + t1
}

// axpy2 does g += r b and c += r a (all at least as long as g).
func axpy2(g, c []float64, r float64, b, a []float64) {
	n := len(g)
	c, b, a = c[:n], b[:n], a[:n]
	for t := range g {
		g[t] += r * b[t]
		c[t] += r * a[t]
	}
}

// axpyPair does g += r1 b1 + r2 b2, c1 += r1 a and c2 += r2 a in one sweep
// (all at least as long as g): g and a are loaded once for two entries.
func axpyPair(g, c1, c2 []float64, r1, r2 float64, b1, b2, a []float64) {
	n := len(g)
	b1, b2, c1, c2, a = b1[:n], b2[:n], c1[:n], c2[:n], a[:n]
	for t := range g {
		at := a[t]
		g[t] += r1*b1[t] + r2*b2[t]
		c1[t] += r1 * at
		c2[t] += r2 * at
	}
}

func (s *sampledCore) network() *dln.Network { return s.net }

func (s *sampledCore) flops() uint64 { return s.net.Flops() }

func (s *sampledCore) workspaceBytes() int64 {
	_, c := s.net.Dims()
	return s.net.WorkspaceBytes() + SampledWorkspaceBytes(s.rows, c, s.observed, s.h, s.w != nil)
}

// evaluate is Evaluate: the fused pass, the sum of the shares' partial
// sums and products in share order.
func (s *sampledCore) evaluate() float64 {
	b := s.net.ForwardInner()
	s.b = b
	s.net.LastGrad().Zero()
	shares := len(s.split) - 1
	s.parallel(0, shares)
	var ss float64
	for _, p := range s.partial {
		ss += p
	}
	// W_L^T G = the sum over shares of the C halves, in share order,
	// transposed, in as many column parts as shares.
	s.parallel(shares, shares)
	s.net.AddFlops(SampledFlops(s.observed, s.h))
	s.a0.Copy(s.net.Layer(s.net.Layers() - 1))
	s.loss = ss / (2 * float64(s.observed))
	return s.loss
}

func (s *sampledCore) fillWorkspace(v float64) {
	for t := range s.inter {
		fill(s.inter[t], v)
		for i := range s.scratch[t] {
			s.scratch[t][i] = v
		}
		s.partial[t] = v
	}
	fill(s.w, v)
	fill(s.a0, v)
}

func (s *sampledCore) step(eta float64) {
	s.net.BackwardInner()
	s.net.Step(eta, s.mult)
}

func (s *sampledCore) measure(k int) Measurement {
	// A and B^T of the last Evaluate: the copy, and the left half of share
	// 0's interleaved buffer, which only Evaluate writes. (The network's A
	// has moved after a Step, and so has B = W_1 at depth 2.)
	a := s.a0
	_, c := s.net.Dims()
	bt := s.inter[0].Slice(0, c, 0, s.h).(*mat.Dense)
	var m Measurement
	if ho, ok := s.work.(heldOutFactored); ok {
		m.RecoveryError, m.TestLoss = ho.HeldOutFactored(a, bt)
		m.HasTestLoss = true
		m.Validation, m.HasValidation = ho.ValidationFactored(a, bt)
		if k > 0 {
			m.SingularValues = factorSingularValues(a, bt, k)
		}
		return m
	}
	if fe, ok := s.work.(factoredError); ok {
		rel, sq := fe.FactoredError(a, bt)
		m.RecoveryError = rel
		r, c := s.work.Dims()
		if unobserved := r*c - s.observed; unobserved > 0 {
			train := 2 * float64(s.observed) * s.loss // ||P_O(W - Phi)||^2
			m.TestLoss, m.HasTestLoss = math.Max(sq-train, 0)/(2*float64(unobserved)), true
		}
		if k > 0 {
			m.SingularValues = factorSingularValues(a, bt, k)
		}
		return m
	}
	s.w.Mul(a, bt.T())
	m.RecoveryError = workloads.Recovery(s.work, s.w)
	if t, ok := s.work.(workloads.TestLosser); ok {
		m.TestLoss, m.HasTestLoss = t.TestLoss(s.w)
	}
	if v, ok := s.work.(validator); ok {
		m.Validation, m.HasValidation = v.ValidationRMSE(s.w)
	}
	if k > 0 {
		if sv, err := workloads.SingularValues(s.w); err == nil {
			m.SingularValues = sv[:min(k, len(sv))]
		}
	}
	return m
}

// factorSingularValues returns the k largest singular values of A B given A
// and B^T (at most min(rows, cols) of them, the zeros beyond its rank h
// included): with A = Q_a R_a and B^T = Q_b R_b, A B = Q_a (R_a R_b^T) Q_b^T.
func factorSingularValues(a, bt *mat.Dense, k int) []float64 {
	var qa, qb mat.QR
	qa.Factorize(a)
	qb.Factorize(bt)
	var ra, rb, core mat.Dense
	qa.RTo(&ra)
	qb.RTo(&rb)
	_, h := a.Dims()
	core.Mul(ra.Slice(0, min(h, ra.RawMatrix().Rows), 0, h), rb.Slice(0, min(h, rb.RawMatrix().Rows), 0, h).T())
	sv, err := workloads.SingularValues(&core)
	if err != nil {
		return nil
	}
	// A B has rank at most h: its values beyond are 0, as a dense SVD of
	// the rows x cols product reports them.
	rows, _ := a.Dims()
	cols, _ := bt.Dims()
	n := min(k, rows, cols)
	sv = sv[:min(n, len(sv))]
	for len(sv) < n {
		sv = append(sv, 0)
	}
	return sv
}

// Network returns the trained network.
func (s *SampledMC) Network() *dln.Network { return s.core.network() }

// Flops returns the network's counted flops, which include the sampled
// products.
func (s *SampledMC) Flops() uint64 { return s.core.flops() }

// WorkspaceBytes is the figure of SampledWorkspaceBytes plus the network's
// workspace.
func (s *SampledMC) WorkspaceBytes() int64 { return s.core.workspaceBytes() }

// FillWorkspace sets every entry of the workspace the objective owns besides
// the network's and the observed entries (the shares' interleaved buffers,
// scratch rows and partial sums, and the checkpoint's W) to v. It is for
// tests, as Dense.FillWorkspace; Evaluate overwrites all but W, which
// Measure overwrites. It must not run concurrently with Evaluate.
func (s *SampledMC) FillWorkspace(v float64) { s.core.fillWorkspace(v) }

// Evaluate implements Objective: the fused pass over O (the loss, the last
// layer's gradient and W_L^T G). It allocates nothing.
func (s *SampledMC) Evaluate() float64 { return s.core.evaluate() }

// Step implements Objective: the inner layers' gradients from W_L^T G
// (prepared by Evaluate), then the update. It allocates nothing.
func (s *SampledMC) Step(eta float64) { s.core.step(eta) }

// Measure implements Objective, at the parameters of the last Evaluate
// (from a copy of A it takes, and the B^T it keeps). On a workload with factored errors
// (workloads.SparseMC) it never forms W: the recovery error comes from the
// factors, the test loss from it minus the training residual, the singular
// values from the QR factors of A and B^T. Otherwise it forms W = A B
// (n_L n_0 h flops, not counted in the step).
func (s *SampledMC) Measure(k int) Measurement { return s.core.measure(k) }

// SampledKernel names the kernel the sampled step runs its observed
// entries through in this process: "avx2-fma" (the assembler kernel, on
// amd64 with AVX2 and FMA, not built with the purego tag) or "go" (the
// portable loop). The two agree to summation order and fused
// multiply-adds (about r_hat 2^-53 relative per entry), not bit for bit:
// golden trajectories recorded with one hold for that one only.
func SampledKernel() string {
	if vectorKernel {
		return vectorKernelName
	}
	return "go"
}
