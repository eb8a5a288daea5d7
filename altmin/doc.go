// Package altmin is the classical low-rank matrix completion baseline:
// alternating least squares ("AltMin") on the factors of X = U Vᵀ, fitted
// to an m×n matrix M known only on a list of observed entries O. lowdim
// uses it as the reference a compressed network is compared with where the
// original network is too large to train (issue 13; Kwon et al., AISTATS
// 2024, arXiv 2311.05061, compare with AltMin on ratings data).
//
// # Problem
//
// Given rank k, 1 <= k <= min(m, n), and a ridge λ >= 0, AltMin minimizes
//
//	F(U, V) = Σ_{(i,j)∈O} [ (u_iᵀ v_j − M_ij)² + λ (‖u_i‖² + ‖v_j‖²) ]
//	        = ‖P_O(U Vᵀ − M)‖_F² + λ (Σ_i n_i ‖u_i‖² + Σ_j n_j ‖v_j‖²),
//
// U m×k with rows u_i, V n×k with rows v_j, n_i and n_j the entries of row
// i and column j, by exact minimization over V with U fixed and then over
// U with V fixed (a sweep). Each half-step separates into one k×k ridge
// regression per column (per row):
//
//	(Σ_{i∈O^j} u_i u_iᵀ + λ n_j I) v_j = Σ_{i∈O^j} M_ij u_i,
//	(Σ_{j∈O_i} v_j v_jᵀ + λ n_i I) u_i = Σ_{j∈O_i} M_ij v_j,
//
// solved by Cholesky (lapack64.Potrf, Potrs). With λ = 0 this is
// Algorithm 2 (AltMinComplete) of Jain, Netrapalli and Sanghavi, "Low-rank
// matrix completion using alternating minimization" (STOC 2013, arXiv
// 1212.0467), without the sample partitioning and the clipping its proof
// needs (as the paper's experiments and every practical AltMin do). The
// ridge weighted by the entry counts is the "weighted-λ-regularization" of
// ALS-WR (Zhou, Wilkinson, Schreiber and Pan, "Large-scale parallel
// collaborative filtering for the Netflix Prize", AAIM 2008, their
// objective with the penalty λ(n_{u_i}‖u_i‖² + n_{m_j}‖m_j‖²)): every
// observed entry pays the same, so a row with three entries is shrunk as
// much, relative to its data, as a row with three hundred. F never
// increases from one half-step to the next: each is an exact
// minimization.
//
// The ridge that suits noisy data is a statistical choice: [Tune] makes
// it on a validation list, from [DefaultLambdaGrid]. The default Lambda
// is only a numerical safeguard; on long-tailed noisy ratings it overfits
// the rows and columns with few entries (held-out RMSE 6.0 where Tune's
// choice gets 0.67; see [DefaultLambdaGrid]).
//
// # Conventions
//
// Entries are 0-based (row, col, value) lists ([Entries]); the training
// list may not hold a (row, col) twice. Values are in the data's own units
// (ratings 1..5, say); RMSE is in those units. Config.Lambda is relative:
// the ridge applied is λ = Lambda × rms, rms the root mean square of the
// training values, so scaling M by c scales U and V by √c and leaves the
// predictions' relative error unchanged.
//
// A row (column) with no training entry gets a zero factor row, so its
// predictions are 0: a caller that centers the data (subtracts a mean)
// gets the mean back for it when it adds the mean to the prediction. With
// λ = 0 a row or column with fewer than k training entries has no unique
// least-squares solution and [New] refuses it, naming it; the default
// Lambda (any λ > 0) makes every such system positive definite, and the
// solution of a row with fewer than k entries is then the near-minimum-
// norm one.
//
// # Initialization
//
// [InitSpectral] (the zero value) takes U from the top k singular pairs of
// the rescaled observed matrix (mn/|O|) P_O(M), the start of Jain et al.'s
// Algorithm 2, computed by randomized subspace iteration on the sparse list (never
// forming an m×n matrix), with U = U_k diag(√σ) so that the factors start
// balanced (σ floored at 1e-6 σ_1 so no column is zero). [InitRandom]
// draws U with iid N(0, rms/√k) entries. Both draw from a PCG source
// seeded by Config.Seed: a seed gives bit-identical factors.
//
// # Stopping
//
// A sweep solves V, then U. After sweep t the training RMSE and F_t are
// recorded, and the validation RMSE when a validation list is given. The
// run stops at the first of: F_t = 0 (exact fit); F_{t−1} − F_t <=
// Tol F_{t−1} (relative tolerance on the training objective); no new best
// validation RMSE for Patience sweeps; MaxSweeps sweeps. With a validation
// list the factors returned are those of the sweep with the best
// validation RMSE (early stopping), whichever rule stopped the run; the
// test list, never seen here, stays the caller's to report.
//
// # Cost and allocation
//
// Memory: the lists by row and by column (O(|O|)), U, V, the initial U
// and, with a validation list, a copy of the best U and V ((m+n)k each),
// and per-solve workspace (max degree × k, k²). A sweep costs O(|O| k² + (m+n) k³) time
// (forming the Grams and factoring them) plus O((|O| + |validation|) k)
// for the errors, and allocates nothing: every workspace is owned by the
// [Solver] from [New]. The sweep is sequential (rows solved in order):
// its results do not depend on GOMAXPROCS. Initialization allocates its
// O((m+n)(k+10)) blocks once.
//
// # Errors
//
// Bad inputs are errors, not panics: m or n below 1, k outside
// [1, min(m, n)], an empty training list, indices out of range, non-finite
// values, a duplicated training entry, negative or non-finite Lambda or
// Tol, Lambda = 0 with a row or column of fewer than k entries, an
// all-zero training list (nothing to fit). A k×k system that is
// not numerically positive definite (possible only with λ = 0 or a
// ridge below rounding) stops the run with an error naming the row or
// column.
package altmin
