package theory

// Parameter and flop counts of deep linear networks (DESIGN.md 4(a)1).
//
// A network with widths dims = [n_0, n_1, ..., n_L] has L layers; layer l
// (1-based) is n_l x n_{l-1} and the end-to-end matrix W = W_L ... W_1 is
// n_L x n_0.

// checkDims panics with ErrInput unless dims describes at least one layer
// with positive widths.
func checkDims(dims []int) {
	if len(dims) < 2 {
		bad("dims %v has fewer than 2 widths (at least one layer)", dims)
	}
	for i, n := range dims {
		if n < 1 {
			bad("dims[%d] = %d < 1", i, n)
		}
	}
}

func checkDepth(L, min int) {
	if L < min {
		bad("depth L = %d < %d", L, min)
	}
}

func checkWidth(name string, n int) {
	if n < 1 {
		bad("%s = %d < 1", name, n)
	}
}

// DimsOriginal returns the widths [d, d, ..., d] (L+1 entries) of the
// original network of L square d x d layers. It panics with ErrInput if
// d < 1 or L < 1. It allocates the result.
func DimsOriginal(d, L int) []int {
	checkWidth("d", d)
	checkDepth(L, 1)
	dims := make([]int, L+1)
	for i := range dims {
		dims[i] = d
	}
	return dims
}

// DimsCompressed returns the widths [d, rh, ..., rh, d] (L+1 entries) of the
// compressed network: W_1 is rh x d, W_2..W_{L-1} are rh x rh, W_L is d x rh.
// It panics with ErrInput if d < 1, rh < 1 or L < 2. It allocates the result.
func DimsCompressed(d, rh, L int) []int {
	checkWidth("d", d)
	checkWidth("rh", rh)
	checkDepth(L, 2)
	dims := make([]int, L+1)
	for i := range dims {
		dims[i] = rh
	}
	dims[0], dims[L] = d, d
	return dims
}

// Params returns the number of weights of the network with widths dims:
//
//	sum_{l=1..L} n_l n_{l-1}.
//
// It panics with ErrInput if len(dims) < 2 or a width is below 1.
func Params(dims []int) int {
	checkDims(dims)
	n := 0
	for l := 1; l < len(dims); l++ {
		n += dims[l] * dims[l-1]
	}
	return n
}

// ParamsOriginal returns the weight count of the original network, L layers
// of d x d: Params(DimsOriginal(d, L)) = L d^2. It panics with ErrInput if
// d < 1 or L < 1.
func ParamsOriginal(d, L int) int {
	checkWidth("d", d)
	checkDepth(L, 1)
	return L * d * d
}

// ParamsCompressed returns the weight count of the compressed network of
// width rh and depth L: W_1 (rh x d) and W_L (d x rh) hold d rh each, the
// L-2 inner rh x rh layers rh^2 each, so
//
//	Params(DimsCompressed(d, rh, L)) = 2 d rh + (L-2) rh^2.
//
// It panics with ErrInput if d < 1, rh < 1 or L < 2.
func ParamsCompressed(d, rh, L int) int {
	checkWidth("d", d)
	checkWidth("rh", rh)
	checkDepth(L, 2)
	return 2*d*rh + (L-2)*rh*rh
}

// ParamsBM returns the weight count of the Burer-Monteiro factorization
// W = W_2 W_1 of width rh (the compressed network at L = 2): 2 d rh.
// It panics with ErrInput if d < 1 or rh < 1.
func ParamsBM(d, rh int) int {
	checkWidth("d", d)
	checkWidth("rh", rh)
	return 2 * d * rh
}

// ParamsLoP returns the weight count of the Law-of-Parsimony compressed
// network for a rank-r target and original depth L. It has L+2 factors: an
// outer 2r x d, L inner 2r x 2r and an outer d x 2r, so
//
//	Params(DimsCompressed(d, 2r, L+2)) = 2 d (2r) + L (2r)^2.
//
// It panics with ErrInput if d < 1, r < 1 or L < 1.
func ParamsLoP(d, r, L int) int {
	checkWidth("d", d)
	checkWidth("r", r)
	checkDepth(L, 1)
	w := 2 * r
	return 2*d*w + L*w*w
}

// ForwardFlops returns the flops of the forward pass of the network with
// widths dims, counted as 2mnk per (m x k)(k x n) product. The forward pass
// forms the prefix products P_l = W_l P_{l-1} for l = 2..L (P_1 = W_1 costs
// nothing); P_l is n_l x n_0 and its product has inner size n_{l-1}:
//
//	ForwardFlops = sum_{l=2..L} 2 n_l n_{l-1} n_0.
//
// It panics with ErrInput on invalid dims.
func ForwardFlops(dims []int) uint64 {
	checkDims(dims)
	n0 := uint64(dims[0])
	var f uint64
	for l := 2; l < len(dims); l++ {
		f += 2 * uint64(dims[l]) * uint64(dims[l-1]) * n0
	}
	return f
}

// BackwardFlops returns the flops of the backward pass of the network with
// widths dims. Starting from B_L = G (n_L x n_0), for l = L..2 it forms
// grad_l = B_l P_{l-1}^T (n_l x n_{l-1}, inner size n_0) and
// B_{l-1} = W_l^T B_l (n_{l-1} x n_0, inner size n_l); grad_1 = B_1 costs
// nothing:
//
//	BackwardFlops = sum_{l=2..L} (2 n_l n_{l-1} n_0 + 2 n_{l-1} n_l n_0)
//	              = 2 ForwardFlops.
//
// The workload's gradient G is not counted. It panics with ErrInput on
// invalid dims.
func BackwardFlops(dims []int) uint64 {
	checkDims(dims)
	n0 := uint64(dims[0])
	var f uint64
	for l := len(dims) - 1; l >= 2; l-- {
		nl, nm := uint64(dims[l]), uint64(dims[l-1])
		f += 2 * nl * nm * n0 // grad_l = B_l P_{l-1}^T
		f += 2 * nm * nl * n0 // B_{l-1} = W_l^T B_l
	}
	return f
}

// UpdateFlops returns the flops of the update W_l <- W_l - eta_l grad_l of
// every layer: one multiply and one subtract per weight, 2 Params(dims).
// It panics with ErrInput on invalid dims.
func UpdateFlops(dims []int) uint64 {
	return 2 * uint64(Params(dims))
}

// StepFlops returns the flops of one gradient-descent step of the network
// with widths dims, excluding the workload's gradient G:
// ForwardFlops + BackwardFlops + UpdateFlops. It panics with ErrInput on
// invalid dims.
func StepFlops(dims []int) uint64 {
	return ForwardFlops(dims) + BackwardFlops(dims) + UpdateFlops(dims)
}

// StepFlopsOriginal returns StepFlops(DimsOriginal(d, L)) in closed form.
// With every width d, the forward pass is L-1 products of 2 d^3 and the
// backward pass 2(L-1) more, so
//
//	StepFlopsOriginal = 3(L-1) 2 d^3 + 2 L d^2 = 6(L-1) d^3 + 2 L d^2.
//
// DESIGN.md section 3 says a step of the original costs "about (4L-2) d^3";
// the prefix/suffix scheme counted here performs 3(L-1) products, 6(L-1) d^3,
// and the two agree only at L = 2 (both 6 d^3). This count is the one the
// implementation is expected to report.
//
// It panics with ErrInput if d < 1 or L < 1.
func StepFlopsOriginal(d, L int) uint64 {
	checkWidth("d", d)
	checkDepth(L, 1)
	dd, ll := uint64(d), uint64(L)
	return 6*(ll-1)*dd*dd*dd + 2*ll*dd*dd
}

// StepFlopsCompressed returns StepFlops(DimsCompressed(d, rh, L)) in closed
// form. With n_0 = d, the forward terms 2 n_l n_{l-1} n_0 are 2 rh^2 d for
// the L-2 inner layers l = 2..L-1 and 2 d rh d for l = L, so
//
//	ForwardFlops  = 2(L-2) d rh^2 + 2 d^2 rh,
//	BackwardFlops = 2 ForwardFlops = 4(L-2) d rh^2 + 4 d^2 rh,
//	UpdateFlops   = 2 ParamsCompressed = 4 d rh + 2(L-2) rh^2,
//	StepFlopsCompressed = 6(L-2) d rh^2 + 6 d^2 rh + 4 d rh + 2(L-2) rh^2.
//
// At rh = d it equals StepFlopsOriginal(d, L). It panics with ErrInput if
// d < 1, rh < 1 or L < 2.
func StepFlopsCompressed(d, rh, L int) uint64 {
	checkWidth("d", d)
	checkWidth("rh", rh)
	checkDepth(L, 2)
	dd, r, inner := uint64(d), uint64(rh), uint64(L-2)
	return 6*inner*dd*r*r + 6*dd*dd*r + 4*dd*r + 2*inner*r*r
}

// SampledMCStepFlops returns the flops of one step of the sampled
// matrix-completion path (DESIGN.md section 3) of a network with widths
// dims = [n_0, ..., n_L] (L >= 2) on |O| = observed entries, with
// h = n_{L-1}: the forward pass stops at P_{L-1} = W_{L-1} ... W_1, the
// residual on O costs 2|O|h, the two sparse-dense products G P_{L-1}^T and
// W_L^T G cost 2|O|h each, the inner layers' backward pass is that of the
// network without its last layer, and the update is 2 Params:
//
//	SampledMCStepFlops = ForwardFlops(dims[:L]) + 6|O|h + BackwardFlops(dims[:L]) + UpdateFlops(dims).
//
// The residual and the two products are one fused pass over O, done when
// the loss is evaluated, so an evaluation alone costs
// ForwardFlops(dims[:L]) + 6|O|h; the trainer evaluates once more than it
// steps. It panics with ErrInput on invalid
// dims or fewer than two layers.
func SampledMCStepFlops(dims []int, observed int) uint64 {
	if len(dims) < 3 || observed < 0 {
		bad("sampled MC step of widths %v on %d observed entries", dims, observed)
	}
	inner := dims[:len(dims)-1]
	h := uint64(dims[len(dims)-2])
	return ForwardFlops(inner) + 6*uint64(observed)*h + BackwardFlops(inner) + UpdateFlops(dims)
}

// SampledMCEvalFlops returns the flops of evaluating the loss on the
// sampled path, whose pass over O also forms the two sparse products:
// ForwardFlops(dims[:L]) + 6|O|h.
func SampledMCEvalFlops(dims []int, observed int) uint64 {
	if len(dims) < 3 || observed < 0 {
		bad("sampled MC evaluation of widths %v on %d observed entries", dims, observed)
	}
	return ForwardFlops(dims[:len(dims)-1]) + 6*uint64(observed)*uint64(dims[len(dims)-2])
}

// FactoredMFEvalFlops returns the flops of evaluating the loss on the
// factored MF path (DESIGN.md section 3) of a network with widths dims
// (L >= 2), h = n_{L-1}: the inner forward pass, the products Phi P^T and
// W_L^T Phi (2 n_L n_0 h each), P P^T and W_L^T W_L (2 n_0 h^2 and
// 2 n_L h^2) and the two gradient terms W_L (P P^T) and (W_L^T W_L) P
// (2 n_L h^2 and 2 n_0 h^2):
//
//	FactoredMFEvalFlops = ForwardFlops(dims[:L]) + 4 n_L n_0 h + 4 (n_L + n_0) h^2.
//
// The evaluation prepares the last layer's gradient and W_L^T G, so a step
// adds only the inner backward pass and the update. It panics with
// ErrInput on invalid dims or fewer than two layers.
func FactoredMFEvalFlops(dims []int) uint64 {
	if len(dims) < 3 {
		bad("factored MF evaluation of widths %v", dims)
	}
	checkDims(dims)
	L := len(dims) - 1
	n0, nL, h := uint64(dims[0]), uint64(dims[L]), uint64(dims[L-1])
	return ForwardFlops(dims[:L]) + 4*nL*n0*h + 4*(nL+n0)*h*h
}

// FactoredMFStepFlops returns the flops of one step of the factored MF
// path: FactoredMFEvalFlops(dims) + BackwardFlops(dims[:L]) +
// UpdateFlops(dims). It panics with ErrInput on invalid dims or fewer than
// two layers.
func FactoredMFStepFlops(dims []int) uint64 {
	return FactoredMFEvalFlops(dims) + BackwardFlops(dims[:len(dims)-1]) + UpdateFlops(dims)
}
