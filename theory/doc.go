// Package theory holds closed-form predictions for deep linear networks
// (DLN) trained by gradient descent, following DESIGN.md section 4. It is
// deliberately independent of the implementation it checks: it imports no
// other lowdim package, only the standard library, so that a prediction
// never shares code with what it predicts.
//
// # Conventions
//
// A network has widths dims = [n_0, n_1, ..., n_L]; layer l (1-based, as in
// DESIGN.md and throughout this package) is n_l x n_{l-1}, and the
// end-to-end matrix W = W_L ... W_1 is n_L x n_0. The MF loss is
// f(W) = c ||W - Phi||_F^2 / 2 with c = 1/(rows cols) ("mean") or 1 ("sum"),
// gradient G = c (W - Phi). A GD step updates all layers at once:
// W_l <- W_l - eta_l (W_L..W_{l+1})^T G (W_{l-1}..W_1)^T. The target
// Phi = U diag(s) V^T has rank r with s decreasing; the compressed network
// has width rh; eps is the init scale, alpha the step multiplier of the
// compressed network's outer layers.
//
// # Predictions
//
// Exact identities (DESIGN.md 4(a)):
//
//   - Params(dims) = sum_l n_l n_{l-1}; ParamsOriginal = L d^2;
//     ParamsCompressed = 2 d rh + (L-2) rh^2; ParamsBM = 2 d rh;
//     ParamsLoP = 2 d (2r) + L (2r)^2 (item 1).
//   - ForwardFlops = sum_{l=2..L} 2 n_l n_{l-1} n_0,
//     BackwardFlops = 2 ForwardFlops, UpdateFlops = 2 Params, StepFlops their
//     sum; StepFlopsOriginal = 6(L-1) d^3 + 2 L d^2 (not DESIGN.md's
//     "about (4L-2) d^3", which agrees only at L = 2);
//     StepFlopsCompressed = 6(L-2) d rh^2 + 6 d^2 rh + 4 d rh + 2(L-2) rh^2
//     (item 1).
//   - Mode, CompressedMF: each singular mode of the compressed network on MF
//     is a chain of L scalars, x_l <- x_l - eta_l c (p - s) prod_{k!=l} x_k,
//     and the recovery error is
//     sqrt(sum_{i<rh} (p_i - s_i)^2 + sum_{i>=rh} s_i^2) / ||s|| (item 2).
//   - Rho: rho(0) = eps, rho(t+1) = rho(t) (1 - eta c rho(t)^(2(L-1))), the
//     common value of d - 2r singular values of every layer of the original
//     network (Law of Parsimony, item 3).
//   - LoPGap = rho^L sqrt(d - 2r), the distance between the original and
//     the LoP compressed network with frozen outer factors (item 4).
//
// Bounds (DESIGN.md 4(b)):
//
//   - InKwonRegime(eps, alpha): alpha = 1 and eps <= KwonMaxEps = 0.1, where
//     the compressed network's error is at most the original's (item 6).
//   - FloorOriginal = rho^L sqrt(d - r) / ||Phi||_F and
//     FloorCompressed = |p_0| sqrt(rh - r) / ||Phi||_F with p_0 from
//     ZeroMode; with alpha = 1, p_0 = rho^L and their ratio is
//     sqrt((rh - r)/(d - r)) (item 7).
//
// Trends (DESIGN.md 4(c)):
//
//   - LearnSteps: the step at which each mode reaches a fraction of its
//     target; Ordered says whether they come largest first (item 8).
//
// # Panics and allocation
//
// Arguments outside a function's domain are programming errors: functions
// panic with an error wrapping ErrInput that names the value. Divergence
// (a step size too large) is a result: the predictions then hold Inf or NaN.
// Functions returning slices allocate them; CompressedMF allocates all its
// output before iterating and Mode.Step allocates nothing.
package theory
