// Package orth computes orthonormal bases of the column spaces of tall
// matrices: the thin Q of a QR factorization, in place, at O(m n^2) cost
// and O(m n) memory (gonum's mat.QR.QTo forms the full m x m Q).
package orth

import (
	"fmt"

	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Q overwrites the m x n matrix a (m >= n) with the thin Q factor of its
// QR factorization a = Q R (LAPACK Geqrf and Orgqr). With positiveR, the
// columns of Q are negated where R's diagonal is negative, so that the
// factorization is the unique one with diag(R) > 0: applied to a Gaussian
// matrix this gives a Haar-distributed orthonormal basis (Mezzadri 2007).
// It panics when m < n and allocates O(n) plus LAPACK's workspace.
func Q(a *mat.Dense, positiveR bool) {
	raw := a.RawMatrix()
	m, n := raw.Rows, raw.Cols
	if m < n {
		panic(fmt.Sprintf("orth: %d x %d matrix is wide", m, n))
	}
	tau := make([]float64, n)
	work := []float64{0}
	lapack64.Geqrf(raw, tau, work, -1)
	work = make([]float64, max(1, int(work[0])))
	lapack64.Geqrf(raw, tau, work, len(work))
	var neg []bool
	if positiveR {
		neg = make([]bool, n)
		for j := range neg {
			neg[j] = raw.Data[j*raw.Stride+j] < 0
		}
	}
	lapack64.Orgqr(raw, tau, work, -1)
	if need := int(work[0]); need > len(work) {
		work = make([]float64, need)
	}
	lapack64.Orgqr(raw, tau, work, len(work))
	if !positiveR {
		return
	}
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+n]
		for j, flip := range neg {
			if flip {
				row[j] = -row[j]
			}
		}
	}
}
