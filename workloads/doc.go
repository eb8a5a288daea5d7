// Package workloads holds the matrix-recovery problems that lowdim trains
// networks on: deep matrix factorization (MF), completion (MC) and sensing
// (MS), the generators of their targets, and their surrogates.
//
// A Workload is a loss f(W) of an end-to-end matrix W, its gradient
// G = grad f(W) with respect to W, a target Phi and a surrogate matrix whose
// singular vectors seed the compressed network. Conventions (DESIGN.md,
// section 1; they match the notebooks of Kwon et al.):
//
//	MF, mean loss: f = ||W - Phi||_F^2 / (2 n),  G = (W - Phi)/n,  n = rows*cols
//	MF, sum loss:  f = ||W - Phi||_F^2 / 2,      G = W - Phi
//	MC:            f = ||P_O(W - Phi)||_F^2 / (2|O|),  G = P_O(W - Phi)/|O|
//	MS:            f = sum_i (<A_i, W> - y_i)^2 / 2,   G = sum_i (<A_i, W> - y_i) A_i
//
// The sensing operator is stored as one m x (rows*cols) matrix whose row i is
// A_i flattened in row-major (C) order, so the forward map and its adjoint are
// each one matrix-vector product.
//
// Workloads own their workspace: Loss and Gradient allocate nothing. They
// panic with ErrShape when given matrices of the wrong shape (a programming
// error); constructors return errors for bad data (a mask that is not 0/1, a
// sensing operator whose shape does not match the target).
//
// All randomness comes from a caller-supplied *rand.Rand, so a seed gives
// bit-identical instances.
package workloads

// The blank import installs the build's BLAS backend (OpenBLAS under the
// openblas build tag) for every user of this package, its tests included.
import _ "github.com/lowdim/lowdim/blasbackend"
