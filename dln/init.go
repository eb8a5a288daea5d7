package dln

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/randmat"
)

// InitOrthogonal sets every layer to eps times an independent Haar
// orthogonal matrix (see randmat.Orthogonal), layer 0 first from rng.
func (n *Network) InitOrthogonal(eps float64, rng *rand.Rand) {
	for _, w := range n.w {
		randmat.Orthogonal(w, eps, rng)
	}
}

// InitGaussian sets every layer l of shape r x c to iid N(0, s^2) entries with
// s = eps / sqrt(max(r, c)), so that its singular values are about eps, the
// scale of InitOrthogonal with the same eps.
func (n *Network) InitGaussian(eps float64, rng *rand.Rand) {
	for _, w := range n.w {
		r, c := w.Dims()
		randmat.Gaussian(w, eps/math.Sqrt(float64(max(r, c))), rng)
	}
}

// ErrSpectralWidth is returned by InitSpectral when the compressed width
// exceeds min(rows, cols) of the surrogate.
var ErrSpectralWidth = errors.New("dln: compressed width exceeds the surrogate's dimensions")

// InitSpectral sets the layers of a network of width rh (layer 0: rh x n_0,
// inner layers rh x rh, last layer n_L x rh, at least two layers) from the
// singular value decomposition S = U Sigma V^T of the n_L x n_0 surrogate:
// W_1 = eps V_rh^T, W_l = eps I, W_L = eps U_rh, where U_rh and V_rh hold the
// singular vectors of the rh largest singular values. The end-to-end matrix is
// then eps^L U_rh V_rh^T (Kwon et al. 2024). Only the singular vectors of S
// are used. It returns an error when the SVD fails or rh > min(n_L, n_0); it
// panics with ErrShape when the network is not of that form.
func (n *Network) InitSpectral(surrogate mat.Matrix, eps float64) error {
	L := len(n.w)
	sr, sc := surrogate.Dims()
	nr, nc := n.Dims()
	if L < 2 || sr != nr || sc != nc {
		panic(fmt.Errorf("%w: spectral init of a %d-layer network with end-to-end %d x %d from a %d x %d surrogate",
			ErrShape, L, nr, nc, sr, sc))
	}
	rh, _ := n.w[0].Dims()
	for l := 1; l < L-1; l++ {
		r, c := n.w[l].Dims()
		if r != rh || c != rh {
			panic(fmt.Errorf("%w: inner layer %d is %d x %d, want %d x %d", ErrShape, l+1, r, c, rh, rh))
		}
	}
	if _, c := n.w[L-1].Dims(); c != rh {
		panic(fmt.Errorf("%w: last layer has %d columns, want %d", ErrShape, c, rh))
	}
	if rh > min(sr, sc) {
		return fmt.Errorf("%w: width %d, surrogate %d x %d", ErrSpectralWidth, rh, sr, sc)
	}
	var svd mat.SVD
	if !svd.Factorize(surrogate, mat.SVDThin) {
		return errors.New("dln: SVD of the surrogate did not converge")
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	n.InitSpectralVectors(u.Slice(0, sr, 0, rh), v.Slice(0, sc, 0, rh), eps)
	return nil
}

// InitSpectralVectors sets the layers from given leading singular vectors
// of a surrogate, u (n_L x rh) and v (n_0 x rh), as InitSpectral does:
// W_1 = eps v^T, W_l = eps I, W_L = eps u. Use it when the vectors come from
// elsewhere (a randomized SVD of a sparse surrogate). It panics with
// ErrShape when the shapes do not fit the network.
func (n *Network) InitSpectralVectors(u, v mat.Matrix, eps float64) {
	L := len(n.w)
	rh, _ := n.w[0].Dims()
	ur, uc := u.Dims()
	vr, vc := v.Dims()
	nr, nc := n.Dims()
	if L < 2 || ur != nr || vr != nc || uc != rh || vc != rh {
		panic(fmt.Errorf("%w: spectral vectors %d x %d and %d x %d for a %d-layer %d x %d network of width %d",
			ErrShape, ur, uc, vr, vc, L, nr, nc, rh))
	}
	n.w[0].Scale(eps, v.T())
	for l := 1; l < L-1; l++ {
		w := n.w[l]
		w.Zero()
		for i := 0; i < rh; i++ {
			w.Set(i, i, eps)
		}
	}
	n.w[L-1].Scale(eps, u)
}
