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
type SampledMC struct {
	net    *dln.Network
	work   Observed
	loss   float64 // of the last Evaluate
	mult   []float64
	rowPtr []int
	cols   []int32
	vals   []float64
	resid  []float64  // G on O, in the order of cols
	bt     *mat.Dense // B^T, n_0 x h
	backT  *mat.Dense // (A^T G)^T, n_0 x h
	w      *mat.Dense // end-to-end matrix for Measure
	flops  uint64
	// Parallel split: worker t handles rows split[t] .. split[t+1]-1 (about
	// equal numbers of observed entries) with its own partial sum and its
	// own (A^T G)^T accumulator (backs[0] is backT).
	split   []int
	partial []float64
	backs   []*mat.Dense
}

// ParallelMinEntries is the number of observed entries from which the
// sampled step runs on several goroutines (at most GOMAXPROCS, at most
// MaxWorkers). Spawning them costs a few small allocations per step, as
// gonum's parallel Dgemm does; below it a step allocates nothing. The
// partial sums are combined in a fixed order, so a run is bit-identical
// for a given seed and worker count.
const ParallelMinEntries = 1 << 16

// MaxWorkers bounds the goroutines of a sampled step.
const MaxWorkers = 8

// SampledWorkers returns the goroutines a sampled step uses for observed
// entries in rows rows: 1 below ParallelMinEntries, else min(GOMAXPROCS,
// MaxWorkers, rows). Each worker past the first holds an n_0 x h buffer.
func SampledWorkers(observed, rows int) int {
	if observed < ParallelMinEntries {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), MaxWorkers, rows))
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

// SampledFlops is the flop count of the sampled products of one step on
// |O| observed entries at inner width h: three products of 2|O|h each.
func SampledFlops(observed, h int) uint64 { return 3 * 2 * uint64(observed) * uint64(h) }

// NewSampledMC binds net to the completion workload work with per-layer
// learning-rate multipliers mult (nil for all ones). It panics with
// dln.ErrShape when net has fewer than two layers, its end-to-end shape
// differs from the workload's, or mult has the wrong length.
func NewSampledMC(net *dln.Network, work Observed, mult []float64) *SampledMC {
	r, c := net.Dims()
	wr, wc := work.Dims()
	if net.Layers() < 2 || r != wr || c != wc || (mult != nil && len(mult) != net.Layers()) {
		panic(fmt.Errorf("%w: sampled MC objective of a %d-layer %d x %d network on a %d x %d workload", dln.ErrShape, net.Layers(), r, c, wr, wc))
	}
	_, h := net.Layer(net.Layers() - 1).Dims()
	rowPtr, cols, vals := work.Observations()
	s := &SampledMC{
		net: net, work: work, mult: mult, rowPtr: rowPtr, cols: cols, vals: vals,
		resid: make([]float64, len(cols)),
		bt:    mat.NewDense(c, h, nil),
		backT: mat.NewDense(c, h, nil),
	}
	if _, ok := work.(factoredError); !ok {
		s.w = mat.NewDense(r, c, nil) // Measure forms W
	}
	workers := SampledWorkers(len(cols), r)
	s.split = make([]int, workers+1)
	for t, i := 1, 0; t < workers; t++ {
		target := t * len(cols) / workers
		for i < r && rowPtr[i] < target {
			i++
		}
		s.split[t] = i
	}
	s.split[workers] = r
	s.partial = make([]float64, workers)
	s.backs = []*mat.Dense{s.backT}
	for t := 1; t < workers; t++ {
		s.backs = append(s.backs, mat.NewDense(c, h, nil))
	}
	return s
}

// Kinds of work for run.
const (
	evalWork = iota
	stepWork
)

// parallel runs the work of the given kind for every worker's row range,
// on goroutines when there is more than one worker. (No closures: a step
// with one worker allocates nothing.)
func (s *SampledMC) parallel(kind int) {
	n := len(s.split) - 1
	if n == 1 {
		s.run(kind, 0)
		return
	}
	var wg sync.WaitGroup
	wg.Add(n - 1)
	for t := 1; t < n; t++ {
		go func(t int) {
			defer wg.Done()
			s.run(kind, t)
		}(t)
	}
	s.run(kind, 0)
	wg.Wait()
}

// run does worker w's share of the residual (evalWork) or of the two
// sparse-dense products (stepWork).
func (s *SampledMC) run(kind, w int) {
	lo, hi := s.split[w], s.split[w+1]
	a := s.net.Layer(s.net.Layers() - 1).RawMatrix()
	bt := s.bt.RawMatrix()
	h := bt.Cols
	switch kind {
	case evalWork:
		inv := 1 / float64(len(s.cols))
		var ss float64
		for i := lo; i < hi; i++ {
			ai := a.Data[i*a.Stride : i*a.Stride+h]
			for k := s.rowPtr[i]; k < s.rowPtr[i+1]; k++ {
				bj := bt.Data[int(s.cols[k])*bt.Stride : int(s.cols[k])*bt.Stride+h]
				var dot float64
				for t, v := range ai {
					dot += v * bj[t]
				}
				e := dot - s.vals[k]
				ss += e * e
				s.resid[k] = inv * e
			}
		}
		s.partial[w] = ss
	case stepWork:
		g := s.net.LastGrad().RawMatrix()
		s.backs[w].Zero()
		back := s.backs[w].RawMatrix()
		for i := lo; i < hi; i++ {
			ai := a.Data[i*a.Stride : i*a.Stride+h]
			gi := g.Data[i*g.Stride : i*g.Stride+h]
			for k := s.rowPtr[i]; k < s.rowPtr[i+1]; k++ {
				j := int(s.cols[k])
				r := s.resid[k]
				bj := bt.Data[j*bt.Stride : j*bt.Stride+h]
				cj := back.Data[j*back.Stride : j*back.Stride+h]
				for t := range gi {
					gi[t] += r * bj[t]
					cj[t] += r * ai[t]
				}
			}
		}
	}
}

// Network returns the trained network.
func (s *SampledMC) Network() *dln.Network { return s.net }

// Flops returns the network's counted flops, which include the sampled
// products.
func (s *SampledMC) Flops() uint64 { return s.net.Flops() }

// WorkspaceBytes is the network's workspace, the residual on O, B^T, the
// transposed back-propagated product of each worker, and, unless the
// workload computes the error from the factors, the end-to-end matrix
// formed at checkpoints.
func (s *SampledMC) WorkspaceBytes() int64 {
	b := s.net.WorkspaceBytes() + int64(8*len(s.resid)) + bytes(s.bt) + bytes(s.w)
	for _, m := range s.backs {
		b += bytes(m)
	}
	return b
}

func bytes(m *mat.Dense) int64 {
	if m == nil {
		return 0
	}
	r, c := m.Dims()
	return int64(8 * r * c)
}

// Evaluate implements Objective: the residual on O and the training loss.
// With one worker it allocates nothing (see ParallelMinEntries).
func (s *SampledMC) Evaluate() float64 {
	b := s.net.ForwardInner()
	transpose(s.bt, b)
	h := s.bt.RawMatrix().Cols
	inv := 1 / float64(len(s.cols))
	s.parallel(evalWork)
	var ss float64
	for _, p := range s.partial {
		ss += p
	}
	s.net.AddFlops(uint64(2 * len(s.cols) * h))
	s.loss = inv * ss / 2
	return s.loss
}

// Step implements Objective: grad_L = G B^T and W_L^T G from the sparse
// residual, then the inner layers densely, then the update. With one worker
// it allocates nothing (see ParallelMinEntries).
func (s *SampledMC) Step(eta float64) {
	h := s.bt.RawMatrix().Cols
	s.net.LastGrad().Zero()
	s.parallel(stepWork)
	back := s.backT.RawMatrix().Data
	for _, m := range s.backs[1:] {
		for i, v := range m.RawMatrix().Data {
			back[i] += v
		}
	}
	s.net.AddFlops(uint64(2 * 2 * len(s.cols) * h))
	transpose(s.net.OuterBack(), s.backT)
	s.net.BackwardInner()
	s.net.Step(eta, s.mult)
}

// Measure implements Objective. On a workload with factored errors
// (workloads.SparseMC) it never forms W: the recovery error comes from the
// factors, the test loss from it minus the training residual, the singular
// values from the QR factors of A and B^T. Otherwise it forms W = A B
// (n_L n_0 h flops, not counted in the step).
func (s *SampledMC) Measure(k int) Measurement {
	L := s.net.Layers()
	a := s.net.Layer(L - 1)
	var m Measurement
	if fe, ok := s.work.(factoredError); ok {
		rel, sq := fe.FactoredError(a, s.bt)
		m.RecoveryError = rel
		r, c := s.work.Dims()
		if unobserved := r*c - len(s.cols); unobserved > 0 {
			train := 2 * float64(len(s.cols)) * s.loss // ||P_O(W - Phi)||^2
			m.TestLoss, m.HasTestLoss = math.Max(sq-train, 0)/(2*float64(unobserved)), true
		}
		if k > 0 {
			m.SingularValues = factorSingularValues(a, s.bt, k)
		}
		return m
	}
	s.w.Mul(a, s.bt.T())
	m.RecoveryError = workloads.RecoveryError(s.w, s.work.Target())
	if t, ok := s.work.(workloads.TestLosser); ok {
		m.TestLoss, m.HasTestLoss = t.TestLoss(s.w)
	}
	if k > 0 {
		if sv, err := workloads.SingularValues(s.w); err == nil {
			m.SingularValues = sv[:min(k, len(sv))]
		}
	}
	return m
}

// factorSingularValues returns the k largest singular values of A B given A
// and B^T: with A = Q_a R_a and B^T = Q_b R_b, A B = Q_a (R_a R_b^T) Q_b^T.
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
	return sv[:min(k, len(sv))]
}

// transpose writes src^T to dst (shapes must match) without the interface
// conversion of mat.Dense.Copy(src.T()), which allocates.
func transpose(dst, src *mat.Dense) {
	d, t := dst.RawMatrix(), src.RawMatrix()
	if d.Rows != t.Cols || d.Cols != t.Rows {
		panic(dln.ErrShape)
	}
	for i := 0; i < t.Rows; i++ {
		row := t.Data[i*t.Stride : i*t.Stride+t.Cols]
		for j, v := range row {
			d.Data[j*d.Stride+i] = v
		}
	}
}
