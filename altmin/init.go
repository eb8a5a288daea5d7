package altmin

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

const (
	// initStream is the PCG stream of the initialization's draws, so a
	// seed shared with other uses of the number draws something else.
	initStream = 0x616c746d696e // "altmin"
	// initOversample is the subspace iteration's extra columns and
	// initPowerIters its power iterations (Halko, Martinsson and Tropp
	// 2011, Algorithm 4.4): the start only has to be near the top-k
	// subspace, AltMin does the rest.
	initOversample = 10
	initPowerIters = 8
	// initFloor bounds the singular values that scale U's columns below
	// by initFloor σ_1, so that no column of U starts at zero (a rank
	// below k would otherwise leave λ = 0 systems singular).
	initFloor = 1e-6
)

// spectralInit returns U_k diag(√σ) for the top k singular triplets of
// (mn/|O|) P_O(M), by randomized subspace iteration with products over the
// lists by row and by column (O(|O| l) each, l = min(k + 10, m, n)).
func (s *Solver) spectralInit(rms float64) *mat.Dense {
	m, n, k := s.m, s.n, s.k
	l := min(k+initOversample, m, n)
	scale := float64(m) * float64(n) / float64(len(s.rowVal))
	rng := rand.New(rand.NewPCG(s.cfg.Seed, initStream))
	y := mat.NewDense(m, l, nil)
	z := mat.NewDense(n, l, nil)
	zr := z.RawMatrix()
	for a := range zr.Data {
		zr.Data[a] = rng.NormFloat64()
	}
	var qr qrWork
	s.apply(y, z, s.rowPtr, s.rowIdx, s.rowVal)
	for range initPowerIters {
		qr.orthonormalize(y)
		s.apply(z, y, s.colPtr, s.colIdx, s.colVal)
		qr.orthonormalize(z)
		s.apply(y, z, s.rowPtr, s.rowIdx, s.rowVal)
	}
	qr.orthonormalize(y)                        // Q, m×l
	s.apply(z, y, s.colPtr, s.colIdx, s.colVal) // Bᵀ = P_O(M)ᵀ Q, n×l
	var svd mat.SVD
	if !svd.Factorize(z, mat.SVDThin) {
		// Gesvd did not converge (never seen): start from Q itself.
		u0 := mat.DenseCopyOf(y.Slice(0, m, 0, k))
		u0.Scale(math.Sqrt(rms), u0)
		return u0
	}
	// Bᵀ = W S Zᵀ, so P_O(M) ≈ Q B = (Q Z) S Wᵀ: the left vectors are Q Z.
	var zv mat.Dense
	svd.VTo(&zv)
	sv := svd.Values(nil)
	u0 := mat.NewDense(m, k, nil)
	u0.Mul(y, zv.Slice(0, l, 0, k))
	for a := range k {
		sigma := max(scale*sv[a], initFloor*scale*sv[0])
		col := math.Sqrt(sigma)
		for i := range m {
			u0.Set(i, a, u0.At(i, a)*col)
		}
	}
	return u0
}

// apply sets dst = P_O(M) x (ptr, idx, val the list by row) or P_O(M)ᵀ x
// (the list by column): dst_i = Σ_q val[q] x_{idx[q]} over row i's entries.
func (s *Solver) apply(dst, x *mat.Dense, ptr []int, idx []int32, val []float64) {
	d, xr := dst.RawMatrix(), x.RawMatrix()
	l := d.Cols
	for i := range len(ptr) - 1 {
		out := d.Data[i*d.Stride : i*d.Stride+l]
		clear(out)
		for q := ptr[i]; q < ptr[i+1]; q++ {
			j, w := int(idx[q]), val[q]
			for a, xa := range xr.Data[j*xr.Stride : j*xr.Stride+l] {
				out[a] += w * xa
			}
		}
	}
}

// qrWork is the workspace of orthonormalize.
type qrWork struct{ tau, work []float64 }

// orthonormalize replaces the r×c matrix a (r >= c) by the Q of its thin
// QR factorization (lapack64.Geqrf, Orgqr): orthonormal columns spanning
// a's column space when a has full rank.
func (w *qrWork) orthonormalize(a *mat.Dense) {
	g := a.RawMatrix()
	c := g.Cols
	if cap(w.tau) < c {
		w.tau = make([]float64, c)
	}
	w.tau = w.tau[:c]
	var q [1]float64
	lapack64.Geqrf(g, w.tau, q[:], -1)
	need := int(q[0])
	lapack64.Orgqr(g, w.tau, q[:], -1)
	need = max(need, int(q[0]), g.Rows)
	if cap(w.work) < need {
		w.work = make([]float64, need)
	}
	w.work = w.work[:need]
	lapack64.Geqrf(g, w.tau, w.work, need)
	lapack64.Orgqr(g, w.tau, w.work, need)
}

// randomInit returns an m×k U with iid N(0, rms/√k) entries (standard
// deviation √(rms/√k)), so that u_iᵀv_j of two such rows has about the
// data's scale rms.
func randomInit(m, k int, rms float64, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, initStream))
	std := math.Sqrt(rms / math.Sqrt(float64(k)))
	u0 := mat.NewDense(m, k, nil)
	r := u0.RawMatrix()
	for a := range r.Data {
		r.Data[a] = std * rng.NormFloat64()
	}
	return u0
}
