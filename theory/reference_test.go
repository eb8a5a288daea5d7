package theory

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// This file checks the predictions against a naive matrix implementation of
// gradient descent, written here from DESIGN.md alone (the package must not
// import the implementation it predicts). It is slow and allocates freely.

// refNet is a deep linear network: layers[l-1] is W_l, n_l x n_{l-1}.
type refNet struct {
	layers []*mat.Dense
	flops  uint64
}

// mul returns op(a) op(b) and counts 2mnk flops.
func (n *refNet) mul(a, b mat.Matrix) *mat.Dense {
	var c mat.Dense
	c.Mul(a, b)
	ar, ac := a.Dims()
	_, bc := b.Dims()
	n.flops += 2 * uint64(ar) * uint64(ac) * uint64(bc)
	return &c
}

// endToEnd returns the prefix products P_1..P_L (P_L = W), computed as
// P_l = W_l P_{l-1}.
func (n *refNet) prefixes() []*mat.Dense {
	P := make([]*mat.Dense, len(n.layers))
	P[0] = n.layers[0]
	for l := 1; l < len(n.layers); l++ {
		P[l] = n.mul(n.layers[l], P[l-1])
	}
	return P
}

// step takes one GD step on f(W) = c ||W - phi||^2/2 with per-layer step
// sizes eta[l-1], following the prefix/suffix scheme of DESIGN.md section 3.
func (n *refNet) step(phi *mat.Dense, c float64, eta []float64) {
	P := n.prefixes()
	L := len(n.layers)
	var G mat.Dense
	G.Sub(P[L-1], phi)
	G.Scale(c, &G)
	grads := make([]*mat.Dense, L)
	B := &G
	for l := L - 1; l >= 1; l-- {
		grads[l] = n.mul(B, P[l-1].T())
		B = n.mul(n.layers[l].T(), B)
	}
	grads[0] = B
	for l, g := range grads {
		r, cc := g.Dims()
		var u mat.Dense
		u.Scale(eta[l], g)
		n.layers[l].Sub(n.layers[l], &u)
		n.flops += 2 * uint64(r) * uint64(cc)
	}
}

func (n *refNet) relErr(phi *mat.Dense) float64 {
	W := n.prefixes()[len(n.layers)-1]
	var D mat.Dense
	D.Sub(W, phi)
	return mat.Norm(&D, 2) / mat.Norm(phi, 2)
}

// haar returns a d x d orthogonal matrix: Q of the QR of a Gaussian with the
// signs of diag(R) fixed.
func haar(rng *rand.Rand, d int) *mat.Dense {
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q, r mat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	for j := range d {
		if r.At(j, j) < 0 {
			for i := range d {
				q.Set(i, j, -q.At(i, j))
			}
		}
	}
	return &q
}

// target returns Phi = U[:, :r] diag(s) V[:, :r]^T.
func target(U, V *mat.Dense, s []float64) *mat.Dense {
	d, _ := U.Dims()
	r := len(s)
	var us mat.Dense
	us.Mul(U.Slice(0, d, 0, r), mat.NewDiagDense(r, s))
	var phi mat.Dense
	phi.Mul(&us, V.Slice(0, d, 0, r).T())
	return &phi
}

// TestCompressedMFMatchesMatrixGD: DESIGN.md 4(a)2, the scalar recursions
// predict the compressed network's recovery error at every step. Tolerance
// 1e-9 (the error is relative to ||Phi||, so this is 1e-9 relative): the
// matrix run differs from the scalar one by rounding only, about d u per
// product per step, amplified during the escape from the saddle by the
// growth of the layers (eps -> s^(1/L), a factor below 100 here): about
// 1e-12 over 3000 steps, well below 1e-9. The flop count of the scheme must
// equal StepFlops exactly. A Gauss-Seidel recursion (layers updated one after
// another, the broken case) misses by more than 1e-6.
func TestCompressedMFMatchesMatrixGD(t *testing.T) {
	const tol = 1e-9
	const d, rh, L, steps, every = 6, 3, 3, 3000, 100
	s := []float64{3, 1.5}
	p := ModeParams{L: L, Eps: 0.05, Eta: 2, Alpha: 1, C: 1.0 / (d * d)}
	for _, tc := range []struct {
		name  string
		alpha float64
	}{{"alpha=1", 1}, {"alpha=1.5", 1.5}} {
		t.Run(tc.name, func(t *testing.T) {
			p := p
			p.Alpha = tc.alpha
			rng := rand.New(rand.NewPCG(testSeed, 1))
			U, V := haar(rng, d), haar(rng, d)
			phi := target(U, V, s)
			net := &refNet{layers: []*mat.Dense{
				mat.NewDense(rh, d, nil), mat.NewDense(rh, rh, nil), mat.NewDense(d, rh, nil),
			}}
			net.layers[0].Scale(p.Eps, V.Slice(0, d, 0, rh).T())
			for i := range rh {
				net.layers[1].Set(i, i, p.Eps)
			}
			net.layers[2].Scale(p.Eps, U.Slice(0, d, 0, rh))
			eta := []float64{p.Alpha * p.Eta, p.Eta, p.Alpha * p.Eta}

			tr := CompressedMF(s, rh, p, steps, every)
			broken := gaussSeidelErrors(s, rh, p, steps, every)
			maxBroken := 0.0
			for k := 0; k <= steps; k++ {
				if i, ok := tr.At(k); ok {
					got := net.relErr(phi)
					requireClose(t, got, tr.RecoveryError[i], tol, 0, "step %d", k)
					maxBroken = math.Max(maxBroken, math.Abs(got-broken[i]))
				}
				if k < steps {
					net.flops = 0
					net.step(phi, p.C, eta)
					require.Equal(t, StepFlops(DimsCompressed(d, rh, L)), net.flops)
				}
			}
			require.Less(t, tr.RecoveryError[len(tr.Steps)-1], 1e-3, "the run must learn for the check to mean anything")
			require.Greater(t, maxBroken, 1e-6, "a Gauss-Seidel recursion must be told apart")
		})
	}
}

// gaussSeidelErrors is the broken variant of CompressedMF's recursion: it
// updates the layers one after another, each from the already updated ones.
func gaussSeidelErrors(s []float64, rh int, p ModeParams, steps, every int) []float64 {
	x := make([][]float64, rh)
	for i := range x {
		x[i] = make([]float64, p.L)
		for l := range x[i] {
			x[i][l] = p.Eps
		}
	}
	var out []float64
	phi := 0.0
	for _, v := range s {
		phi += v * v
	}
	record := func() {
		sq := 0.0
		for i := range x {
			prod := 1.0
			for _, v := range x[i] {
				prod *= v
			}
			si := 0.0
			if i < len(s) {
				si = s[i]
			}
			sq += (prod - si) * (prod - si)
		}
		out = append(out, math.Sqrt(sq/phi))
	}
	record()
	for k := 1; k <= steps; k++ {
		for i := range x {
			si := 0.0
			if i < len(s) {
				si = s[i]
			}
			for l := range x[i] {
				prod, other := 1.0, 1.0
				for m, v := range x[i] {
					prod *= v
					if m != l {
						other *= v
					}
				}
				eta := p.Eta
				if l == 0 || l == p.L-1 {
					eta *= p.Alpha
				}
				x[i][l] -= eta * p.C * (prod - si) * other
			}
		}
		if k%every == 0 || k == steps {
			record()
		}
	}
	return out
}

// TestRhoMatchesMatrixGD: DESIGN.md 4(a)3, Law of Parsimony. The original
// network (L layers eps * Haar) on MF keeps at least d - 2r singular values
// of every layer at rho(t). A singular value counts when within 1e-9
// relative of rho(t): the SVD is accurate to about d u ||W_l|| = 1e-15
// relative to the largest singular value (about 1, so 1e-13 relative to
// rho = 0.05), and rounding in the step adds about u per step. The broken
// case, rho computed with twice the loss scale, has drifted by about
// (eta c rho^4) T = 2e-4 relative after T = 2000 steps and must fail the
// count.
func TestRhoMatchesMatrixGD(t *testing.T) {
	const tol = 1e-9
	const d, r, L, steps, every = 8, 2, 3, 2000, 250
	const eps, eta = 0.05, 2.0
	const c = 1.0 / (d * d)
	rng := rand.New(rand.NewPCG(testSeed, 2))
	U, V := haar(rng, d), haar(rng, d)
	phi := target(U, V, []float64{2, 1})
	net := &refNet{}
	for range L {
		var w mat.Dense
		w.Scale(eps, haar(rng, d))
		net.layers = append(net.layers, &w)
	}
	etas := []float64{eta, eta, eta}
	rho := Rho(eps, eta, c, L, steps)
	wrong := Rho(eps, eta, 2*c, L, steps)
	count := func(sv []float64, want float64) int {
		n := 0
		for _, v := range sv {
			if math.Abs(v-want) <= tol*want {
				n++
			}
		}
		return n
	}
	brokenFailed := false
	for k := 0; k <= steps; k++ {
		if k%every == 0 {
			for l, w := range net.layers {
				var svd mat.SVD
				require.True(t, svd.Factorize(w, mat.SVDNone))
				sv := svd.Values(nil)
				require.GreaterOrEqual(t, count(sv, rho[k]), d-2*r, "step %d layer %d: singular values %v, rho %v", k, l+1, sv, rho[k])
				if count(sv, wrong[k]) < d-2*r {
					brokenFailed = true
				}
			}
		}
		net.step(phi, c, etas)
	}
	require.True(t, brokenFailed, "a wrong rho must fail the count")
	// The run must have moved: the learned directions left eps far behind.
	require.Less(t, net.relErr(phi), 0.5)
	// StepFlops of the original equals the scheme's count.
	net.flops = 0
	net.step(phi, c, etas)
	require.Equal(t, StepFlopsOriginal(d, L), net.flops)
}
