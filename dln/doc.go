// Package dln holds deep linear networks: a chain of weight matrices
// W_L ... W_1 (W_1 applied first), their initializations, the end-to-end
// product, the gradients of every layer from a gradient with respect to the
// end-to-end matrix, and one gradient-descent step.
//
// # Conventions
//
// Layers are indexed from 0 in code: Layer(0) is W_1 and Layer(L-1) is W_L.
// Layer l has shape n_{l+1} x n_l, so the end-to-end matrix W = W_L ... W_1
// has shape n_L x n_0. Everything is float64 and row-major (gonum's mat.Dense
// with Stride == Cols).
//
// # Gradients
//
// For a loss f(W) with end-to-end gradient G = grad f(W), the gradient of
// layer l (0-based) is
//
//	grad_l = S_l^T G P_{l-1}^T,  P_l = W_l ... W_0 (P_{-1} = I),  S_l = W_{L-1} ... W_{l+1} (S_{L-1} = I).
//
// Forward computes the prefixes P_0 .. P_{L-1} (P_{L-1} = W); Backward computes
// B_l = S_l^T G backwards with B_{l-1} = W_l^T B_l, and grad_l = B_l P_{l-1}^T.
// A step of a network of L square d x d layers costs 3(L-1) products, that is
// 6(L-1) d^3 flops, plus 2 L d^2 for the update; the network counts the flops it
// performs (Flops) so that analytic counts can be checked against it.
//
// # Memory
//
// A Network allocates its weights and its whole workspace in New. Forward,
// Backward and Step allocate nothing themselves. They call BLAS Dgemm
// through gonum's blas64, whose pure-Go implementation starts goroutines for
// products with more than 64 x 64 outputs: a few small allocations per product,
// independent of the size, and the only allocations of a steady-state step.
//
// # Panics
//
// Shape mismatches are programming errors: methods panic with ErrShape.
// Problems with the world (a surrogate of lower rank than requested, say) are
// returned as errors.
package dln

// The blank import installs the build's BLAS backend (OpenBLAS under the
// openblas build tag) for every user of this package, its tests included.
import _ "github.com/lowdim/lowdim/blasbackend"
