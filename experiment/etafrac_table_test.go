package experiment

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
)

// etaFracTableEnv turns on TestEtaFracTable, the measurement behind
// DefaultUserEtaFrac (minutes of training):
//
//	LOWDIM_ETAFRAC_TABLE=1 go test ./experiment -run TestEtaFracTable -v -timeout 2h
const etaFracTableEnv = "LOWDIM_ETAFRAC_TABLE"

// userLikeTarget is a target of the kind a user brings: U diag(s) V^T with
// Haar U (m x r), V (n x r) from seed, times scale, plus Gaussian noise of
// Frobenius norm noise times the clean target's.
func userLikeTarget(m, n int, s []float64, scale, noise float64, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	orthCols := func(rows, k int) *mat.Dense {
		g := mat.NewDense(rows, k, nil)
		for i := range rows {
			for j := range k {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		var qr mat.QR
		qr.Factorize(g)
		var q mat.Dense
		qr.QTo(&q)
		return mat.DenseCopyOf(q.Slice(0, rows, 0, k))
	}
	u, v := orthCols(m, len(s)), orthCols(n, len(s))
	for j, sj := range s {
		for i := range m {
			u.Set(i, j, u.At(i, j)*sj*scale)
		}
	}
	var t mat.Dense
	t.Mul(u, v.T())
	if noise > 0 {
		e := mat.NewDense(m, n, nil)
		for i := range m {
			for j := range n {
				e.Set(i, j, rng.NormFloat64())
			}
		}
		e.Scale(noise*mat.Norm(&t, 2)/mat.Norm(e, 2), e)
		t.Add(&t, e)
	}
	return &t
}

// TestEtaFracTable measures, for user-like targets, how many steps the
// original and the compressed network (r_hat = 2r) take at each fraction
// of the stable learning rate to bring the training loss to relTol times
// its initial value (1e-8: a relative recovery error near 1e-4; for the
// noisy target 1.21 times the share of the best rank-r approximation's
// residual, which both networks can reach), from the configuration lowdim
// verify --target starts from (paper-mf-fast: L = 3, eps = 0.01, sum
// loss), within a budget of 30000 steps. It prints the table in the
// README; "div" is a divergence, "-" the budget spent.
func TestEtaFracTable(t *testing.T) {
	if os.Getenv(etaFracTableEnv) == "" {
		t.Skipf("the measurement behind DefaultUserEtaFrac; set %s=1 to run it (minutes)", etaFracTableEnv)
	}
	s4 := []float64{62, 40, 25, 12}
	type target struct {
		name     string
		workload string
		t        *mat.Dense
		r        int
		noisy    bool
		p        float64 // mc: observed fraction of a random mask
	}
	var targets []target
	targets = append(targets, target{name: "60x60 r4 s1=62", workload: "mf", t: userLikeTarget(60, 60, s4, 1, 0, 1), r: 4})
	for _, sc := range []float64{1e-3, 1e-1, 1e1, 1e3} {
		targets = append(targets, target{name: fmt.Sprintf("60x60 r4 s1=62 x%g", sc), workload: "mf", t: userLikeTarget(60, 60, s4, sc, 0, 1), r: 4})
	}
	targets = append(targets,
		target{name: "30x45 r3 s1=30", workload: "mf", t: userLikeTarget(30, 45, []float64{30, 18, 9}, 1, 0, 2), r: 3},
		target{name: "60x60 r4 s1=62 +5% noise", workload: "mf", t: userLikeTarget(60, 60, s4, 1, 0.05, 3), r: 4, noisy: true},
		target{name: "60x60 r4 s1=62 mc p=0.5", workload: "mc", t: userLikeTarget(60, 60, s4, 1, 0, 1), r: 4, p: 0.5},
	)
	fracs := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5}
	const budget = 30000
	p, err := config.LookupPreset("paper-mf-fast")
	require.NoError(t, err)
	var b strings.Builder
	fmt.Fprintf(&b, "| target | network |")
	for _, f := range fracs {
		fmt.Fprintf(&b, " %g |", f)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(fracs)) + "\n")
	for _, tg := range targets {
		rows := map[string][]string{}
		for _, f := range fracs {
			c := p.Runs[0].Clone()
			c.Workload, c.R, c.RHat, c.EtaFrac, c.Steps, c.Every = tg.workload, tg.r, 2*tg.r, f, budget, budget
			if tg.workload != "mf" {
				delete(c.Params, "loss")
			}
			var mask *mat.Dense
			if tg.p > 0 {
				rows, cols := tg.t.Dims()
				mask = mat.NewDense(rows, cols, nil)
				rng := rand.New(rand.NewPCG(9, 9))
				for i := range rows {
					for j := range cols {
						if rng.Float64() < tg.p {
							mask.Set(i, j, 1)
						}
					}
				}
			}
			in, err := instance.NewUser(&c, tg.t, mask, tg.name)
			require.NoError(t, err)
			require.NoError(t, resolveEta(&c, in, true))
			rel := 1e-8
			if tg.noisy {
				var svd mat.SVD
				require.True(t, svd.Factorize(tg.t, mat.SVDNone))
				s := svd.Values(nil)
				tail, all := 0.0, 0.0
				for i, v := range s {
					all += v * v
					if i >= tg.r {
						tail += v * v
					}
				}
				rel = 1.21 * tail / all
			}
			for _, m := range []string{methods.Original, methods.Compressed} {
				net, err := NewNetwork(m, c, in)
				require.NoError(t, err)
				obj, _ := NewObjective(m, c, in, net)
				loss0 := obj.Evaluate()
				res := trainer.Train(obj, trainer.Config{Steps: budget, Eta: c.Eta, Tol: rel * loss0, Every: budget})
				cell := "-"
				switch res.Status {
				case results.Converged:
					cell = fmt.Sprint(res.Steps)
				case results.Diverged:
					cell = "div"
				}
				rows[m] = append(rows[m], cell)
			}
		}
		for _, m := range []string{methods.Original, methods.Compressed} {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", tg.name, m, strings.Join(rows[m], " | "))
		}
		t.Logf("%s done", tg.name)
	}
	t.Logf("steps to a training loss of 1e-8 of its initial value (noisy: 1.21 x the rank-r residual's share), budget %d:\n%s", budget, b.String())
}
