package experiment

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/checks"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// Check names, one per item of DESIGN.md section 4.
const (
	CheckParams      = "param-count"             // 4(a)1
	CheckFlops       = "flop-count"              // 4(a)1
	CheckRecursion   = "compressed-mf-recursion" // 4(a)2
	CheckRho         = "lop-singular-values"     // 4(a)3
	CheckGap         = "lop-equivalence"         // 4(a)4
	CheckBalanced    = "balanced-init"           // 4(a)5
	CheckKwon        = "kwon-bound"              // 4(b)6
	CheckIncremental = "incremental-learning"    // 4(c)8
)

// IncrementalFrac: target mode i counts as learned at the first
// checkpoint where u_i^T W v_i, W's component along the target's i-th
// singular vectors, reaches this fraction of s_i.
const IncrementalFrac = 0.5

// maxLayerSVD bounds the layer size whose singular values are computed at
// every checkpoint for the Law of Parsimony check (an O(d^3) SVD per layer).
const maxLayerSVD = 1024

// checker gathers the observations the theory checks need while the
// methods of a run train, and evaluates the checks that apply.
type checker struct {
	c      config.Config
	in     *instance.Instance
	s      []float64 // target's nonzero singular values, decreasing
	mc     float64   // MF loss scale c (1/(rows*cols) or 1); 0 when not MF
	out    []results.Check
	trajs  map[string][]results.Checkpoint
	rho    []float64 // rho(t) for t = 0..Steps, MF original only
	counts []checks.Point
	gaps   []checks.Point
	gapRef []checks.Point
	shadow *lopShadow
	// paths holds the step algorithm of each method trained.
	paths map[string]string
	// keepInit asks for the update rank of the original network:
	// init0 holds its initial layers, updateRank the result.
	keepInit   bool
	init0      []*mat.Dense
	updateRank int
	// u, v hold the target's leading singular vectors (one column per
	// value of s); learn[method][i] is the first checkpoint step at which
	// u_i^T W v_i reached IncrementalFrac s_i (-1 before).
	u, v  *mat.Dense
	learn map[string][]int
}

func newChecker(c config.Config, in *instance.Instance) *checker {
	s, u, v := in.TargetSVD()
	k := &checker{c: c, in: in, trajs: map[string][]results.Checkpoint{}, s: s, learn: map[string][]int{}}
	if mf, ok := in.Work.(*workloads.MF); ok {
		k.mc = mf.Scale()
	}
	if len(k.s) > 0 {
		k.u, k.v = u, v
	}
	return k
}

// rank is the target's rank: its number of nonzero singular values, which
// the Law of Parsimony counts in (not the configured r, which may be
// smaller than the rank of a user's target).
func (k *checker) rank() int { return len(k.s) }

// modeProjections returns u_i^T W v_i for every target mode, with W the
// network's end-to-end map applied to the columns of v layer by layer
// (never forming W: sum of n_l n_{l-1} r flops).
func modeProjections(net *dln.Network, u, v *mat.Dense) []float64 {
	x := mat.DenseCopyOf(v)
	for l := 0; l < net.Layers(); l++ {
		var y mat.Dense
		y.Mul(net.Layer(l), x)
		x = &y
	}
	_, r := v.Dims()
	p := make([]float64, r)
	for i := range p {
		p[i] = mat.Dot(u.ColView(i), x.ColView(i))
	}
	return p
}

func (k *checker) loaded(method string) bool { return k.in.Inits[method] != nil }

// path records the step algorithm a method trains with.
func (k *checker) path(method, path string) {
	if k.paths == nil {
		k.paths = map[string]string{}
	}
	k.paths[method] = path
}

// regimeMF describes the exact-identity regime.
func (k *checker) regime(init string) string {
	return fmt.Sprintf("%s, %s, L=%d, eps=%g, eta=%g", k.c.Workload, init, k.c.Depth, k.c.Eps, k.c.Eta)
}

// before records the checks on a freshly initialised network and returns the
// checkpoint hook for its training (or nil).
func (k *checker) before(method string, net *dln.Network) func(results.Checkpoint) {
	rows, cols := net.Dims()
	// Parameter counts against the method's closed form (DESIGN.md 2;
	// methods.Spec.Params, which the methods tests check against theory).
	if spec, ok := methods.Lookup(method); ok && spec.Params != nil {
		want := spec.Params(k.c, rows, cols)
		k.out = append(k.out, checks.Exact(CheckParams, method, "square d x d problem", "parameters", uint64(net.Params()), uint64(want)))
	}
	net.ResetFlops()
	if method == methods.Original && k.keepInit {
		k.init0 = make([]*mat.Dense, net.Layers())
		for l := range k.init0 {
			k.init0[l] = mat.DenseCopyOf(net.Layer(l))
		}
	}

	// Balancedness at initialization.
	switch {
	case method != methods.Original && method != methods.Compressed && method != methods.Narrow:
		k.out = append(k.out, checks.Skip(CheckBalanced, method, "orthogonal or spectral eps-init", "this initialization is not balanced by construction"))
	case k.loaded(method):
		k.out = append(k.out, checks.Skip(CheckBalanced, method, "orthogonal or spectral eps-init", "initial weights were loaded from files"))
	default:
		k.out = append(k.out, checks.AtMost(CheckBalanced, method, "orthogonal or spectral eps-init from the seed",
			"max_l ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F / eps^2", imbalance(net)/(k.c.Eps*k.c.Eps), checks.BalanceTol, ""))
	}

	var hooks []func(results.Checkpoint)
	if (method == methods.Original || method == methods.Compressed) && k.u != nil {
		steps := make([]int, k.rank())
		for i := range steps {
			steps[i] = -1
		}
		k.learn[method] = steps
		hooks = append(hooks, func(cp results.Checkpoint) {
			for i, p := range modeProjections(net, k.u, k.v) {
				if steps[i] < 0 && p >= IncrementalFrac*k.s[i] {
					steps[i] = cp.Step
				}
			}
		})
	}
	if d := max(rows, cols); method == methods.Original && k.mc != 0 && !k.loaded(methods.Original) && 2*k.rank() < d {
		hooks = append(hooks, k.parsimonyHook(net, d))
	}
	if len(hooks) == 0 {
		return nil
	}
	return func(cp results.Checkpoint) {
		for _, h := range hooks {
			h(cp)
		}
	}
}

// parsimonyHook observes the Law of Parsimony on the original network:
// the singular values of its layers near rho(t), and its gap to the LoP
// network trained in lockstep.
func (k *checker) parsimonyHook(net *dln.Network, d int) func(results.Checkpoint) {
	r := k.rank()
	k.rho = theory.Rho(k.c.Eps, k.c.Eta, k.mc, k.c.Depth, k.c.Steps)
	lc := k.c
	lc.R = r
	if sh, err := newLoPShadow(lc, k.in); err == nil {
		k.shadow = sh
	}
	return func(cp results.Checkpoint) {
		rho := k.rho[cp.Step]
		if d <= maxLayerSVD {
			least := math.MaxInt
			for l := 0; l < net.Layers(); l++ {
				least = min(least, countNear(net.Layer(l), rho, checks.RhoRelTol))
			}
			k.counts = append(k.counts, checks.Point{Step: cp.Step, Value: float64(least)})
		}
		if k.shadow != nil {
			gap := k.shadow.gapAt(cp.Step, net.EndToEnd())
			k.gaps = append(k.gaps, checks.Point{Step: cp.Step, Value: gap})
			k.gapRef = append(k.gapRef, checks.Point{Step: cp.Step, Value: theory.LoPGap(rho, k.c.Depth, d, r)})
		}
	}
}

// after records the checks on a trained method.
func (k *checker) after(method string, net *dln.Network, res results.MethodResult) {
	k.trajs[method] = res.Trajectory
	if method == methods.Original && k.init0 != nil {
		k.updateRank = UpdateRank(net, k.init0)
	}
	dims := dln.Widths(net.Shapes())
	// The trainer evaluates Steps+1 times and steps Steps times.
	n := uint64(res.Steps)
	if mc, ok := k.in.Work.(interface{ Observed() int }); ok && k.paths[method] == config.PathSampled {
		o := mc.Observed()
		eval := theory.SampledMCEvalFlops(dims, o)
		want := (n+1)*eval + n*(theory.SampledMCStepFlops(dims, o)-eval)
		k.out = append(k.out, checks.Exact(CheckFlops, method, "sampled MC step (residual on the observed entries)",
			fmt.Sprintf("flops of %d steps", res.Steps), net.Flops(), want))
	} else if k.paths[method] == config.PathFactored {
		eval := theory.FactoredMFEvalFlops(dims)
		want := (n+1)*eval + n*(theory.FactoredMFStepFlops(dims)-eval)
		k.out = append(k.out, checks.Exact(CheckFlops, method, "factored MF step (products of Phi with the factors)",
			fmt.Sprintf("flops of %d steps", res.Steps), net.Flops(), want))
	} else {
		want := (n+1)*theory.ForwardFlops(dims) + n*(theory.BackwardFlops(dims)+theory.UpdateFlops(dims))
		k.out = append(k.out, checks.Exact(CheckFlops, method, "dense end-to-end step (prefix/suffix products)",
			fmt.Sprintf("flops of %d steps", res.Steps), net.Flops(), want))
	}

	if method == methods.Compressed && k.mc != 0 {
		const regime = "MF, spectral init from Phi"
		if k.loaded(method) {
			k.out = append(k.out, checks.Skip(CheckRecursion, method, regime, "initial weights were loaded from files"))
		} else {
			mp := theory.ModeParams{L: k.c.Depth, Eps: k.c.Eps, Eta: k.c.Eta, Alpha: k.c.Alpha, C: k.mc}
			pred := theory.CompressedMF(k.s, k.c.RHat, mp, res.Steps, k.c.Every)
			var obs, want []checks.Point
			for _, cp := range res.Trajectory {
				obs = append(obs, checks.Point{Step: cp.Step, Value: cp.RecoveryError})
			}
			for i, st := range pred.Steps {
				want = append(want, checks.Point{Step: st, Value: pred.RecoveryError[i]})
			}
			k.out = append(k.out, checks.Series(CheckRecursion, method, k.regime("spectral init from Phi")+fmt.Sprintf(", alpha=%g", k.c.Alpha),
				"relative recovery error vs the per-mode scalar recursion", obs, want, checks.RecursionRelTol, checks.RecursionAbsTol))
		}
	}

	regime := fmt.Sprintf("%s, small init (eps=%g); mode i learned when u_i^T W v_i >= %g s_i (u_i, v_i: the target's singular vectors)",
		k.c.Workload, k.c.Eps, IncrementalFrac)
	if k.in.Partial() && (method == methods.Original || method == methods.Compressed) {
		k.out = append(k.out, checks.Skip(CheckIncremental, method, regime,
			"the target is known only on its observed and held-out entries: its singular vectors are unknown"))
	}
	if steps, ok := k.learn[method]; ok {
		if slices.Max(steps) < 0 {
			k.out = append(k.out, checks.Skip(CheckIncremental, method, regime,
				fmt.Sprintf("no target singular value was learned within %d steps", res.Steps)))
		} else {
			k.out = append(k.out, checks.Ordered(CheckIncremental, method, regime, steps, k.s))
		}
	}
}

// finish evaluates the checks that compare methods and returns all checks.
func (k *checker) finish() []results.Check {
	d := max(k.in.Work.Dims())
	if k.rho != nil {
		regime := k.regime("orthogonal eps-init") + fmt.Sprintf(", d=%d > 2r=%d (r: the target's rank)", d, 2*k.rank())
		if len(k.counts) > 0 {
			k.out = append(k.out, checks.AtLeast(CheckRho, methods.Original, regime,
				fmt.Sprintf("fewest singular values of a layer within %g relative of rho(t)", checks.RhoRelTol), k.counts, d-2*k.rank()))
		} else {
			k.out = append(k.out, checks.Skip(CheckRho, methods.Original, regime, fmt.Sprintf("layers larger than %d are not decomposed at checkpoints", maxLayerSVD)))
		}
		if k.shadow != nil {
			k.out = append(k.out, checks.Series(CheckGap, methods.Original+"/"+methods.LoP, regime+", lop gamma=0",
				"||W_orig - W_lop||_F vs rho^L sqrt(d-2r)", k.gaps, k.gapRef, checks.GapRelTol, 0))
		}
	}
	orig, okO := k.trajs[methods.Original]
	comp, okC := k.trajs[methods.Compressed]
	if okO && okC {
		regime := fmt.Sprintf("MF, spectral init from Phi, alpha = 1, eps <= %g (alpha=%g, eps=%g)", theory.KwonMaxEps, k.c.Alpha, k.c.Eps)
		in, why := theory.InKwonRegime(k.c.Eps, k.c.Alpha)
		switch {
		case k.mc == 0:
			k.out = append(k.out, checks.Skip(CheckKwon, methods.Compressed, regime, "the theorem is for matrix factorization"))
		case k.loaded(methods.Original) || k.loaded(methods.Compressed):
			k.out = append(k.out, checks.Skip(CheckKwon, methods.Compressed, regime, "initial weights were loaded from files"))
		case !in:
			k.out = append(k.out, checks.Skip(CheckKwon, methods.Compressed, regime, why))
		default:
			k.out = append(k.out, checks.Below(CheckKwon, methods.Compressed, regime,
				"compressed recovery error <= original's at every checkpoint", points(comp), points(orig), checks.BoundSlack))
		}
	}
	return k.out
}

func points(cps []results.Checkpoint) []checks.Point {
	p := make([]checks.Point, len(cps))
	for i, c := range cps {
		p[i] = checks.Point{Step: c.Step, Value: c.RecoveryError}
	}
	return p
}

// imbalance returns max_l ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F.
func imbalance(net *dln.Network) float64 {
	worst := 0.0
	for l := 0; l+1 < net.Layers(); l++ {
		var a, b mat.Dense
		a.Mul(net.Layer(l+1).T(), net.Layer(l+1))
		b.Mul(net.Layer(l), net.Layer(l).T())
		a.Sub(&a, &b)
		worst = max(worst, mat.Norm(&a, 2))
	}
	return worst
}

// countNear returns how many singular values of w are within rel*rho of rho.
func countNear(w *mat.Dense, rho, rel float64) int {
	s, err := workloads.SingularValues(w)
	if err != nil {
		return 0
	}
	n := 0
	for _, v := range s {
		if math.Abs(v-rho) <= rel*rho {
			n++
		}
	}
	return n
}

// lopShadow trains the LoP network (gamma = 0) alongside the original, so
// the two end-to-end matrices can be compared at the original's checkpoints.
type lopShadow struct {
	obj  *trainer.Dense
	net  *dln.Network
	eta  float64
	step int
	diff *mat.Dense
}

func newLoPShadow(c config.Config, in *instance.Instance) (*lopShadow, error) {
	lc := c
	lc.Gamma = 0
	net, err := NewNetwork(methods.LoP, lc, &instance.Instance{Target: in.Target, Work: in.Work})
	if err != nil {
		return nil, err
	}
	obj := trainer.NewDense(net, in.Work, methods.Multipliers(methods.LoP, lc, net.Layers()))
	obj.Evaluate()
	r, cols := in.Work.Dims()
	return &lopShadow{obj: obj, net: net, eta: c.Eta, diff: mat.NewDense(r, cols, nil)}, nil
}

// gapAt advances the shadow to step and returns ||w - W_lop||_F.
func (s *lopShadow) gapAt(step int, w *mat.Dense) float64 {
	for s.step < step {
		s.obj.Step(s.eta)
		s.obj.Evaluate()
		s.step++
	}
	s.diff.Sub(w, s.net.EndToEnd())
	return mat.Norm(s.diff, 2)
}

// UpdateRankTol: a singular value of W_l(t) - W_l(0) counts toward the
// update rank when it exceeds UpdateRankTol times the largest. The d - 2r
// directions outside the invariant subspace also move, but uniformly and
// only by eps - rho(t) (about eta c eps^(2L-1) t: 1e-8 after 1e4 steps at
// eps = 1e-2, L = 3, c = 1), far below 1e-4 of the learned directions.
const UpdateRankTol = 1e-4

// UpdateRank returns the largest numerical rank over layers of
// W_l - W_l(0): the dimension of the subspace in which training moved the
// network (2r on MF by the Law of Parsimony).
func UpdateRank(net *dln.Network, init0 []*mat.Dense) int {
	rank := 0
	for l, w0 := range init0 {
		var d mat.Dense
		d.Sub(net.Layer(l), w0)
		if s, err := workloads.SingularValues(&d); err == nil && len(s) > 0 {
			rank = max(rank, instance.CountAbove(s, UpdateRankTol))
		}
	}
	return rank
}
