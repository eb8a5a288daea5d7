package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"

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

// Check names, one per item of docs/design.md section 4. Each says whether
// its theory covers a rectangular m x n target (m != n), the case of
// docs/design.md's check table: "m x n" where it does, "square layers"
// where it is skipped off them (on m != n, or a --width other than d) with
// a detail that starts "theory is for square targets" (or "... square
// layers").
const (
	// m x n: closed forms in the layer shapes.
	CheckParams = "param-count" // 4.1
	// m x n: closed forms in the layer shapes.
	CheckFlops = "flop-count" // 4.1
	// m x n: with W_1 = eps V^T, W_l = eps I, W_L = eps U from Phi's SVD,
	// every layer stays diagonal in Phi's singular bases whatever m and n
	// (Kwon et al. state it for d x d; nothing in the derivation uses it).
	CheckRecursion = "compressed-mf-recursion" // 4.2
	// Square layers: the Law of Parsimony (Yaras et al.) is stated for
	// L layers of d x d. On m x n the original's outer layers are
	// semi-orthogonal; TestRectSquareTheoryFails counts min(m, n) - 2r
	// singular values at rho(t), not max(m, n) - 2r.
	CheckRho = "lop-singular-values" // 4.3
	// Square layers: the lop network is the Law of Parsimony's equivalent
	// (and refused off square layers).
	CheckGap = "lop-equivalence" // 4.4
	// m x n for compressed and narrow (orthonormal rows of W_1 and
	// columns of W_L at any m, n >= r_hat); square layers for the original
	// (W_L^T W_L of a semi-orthogonal m x w layer has rank m < w).
	CheckBalanced = "balanced-init" // 4.5
	// Square layers: Kwon et al.'s comparison with the original network
	// rests on the Law of Parsimony.
	CheckKwon = "kwon-bound" // 4.6
	// m x n: the compressed network's zero modes follow the same scalar
	// recursion.
	CheckFloorCompressed = "mf-floor-compressed" // 4.7
	// Square layers: rho^L sqrt(d - r) comes from the Law of Parsimony.
	CheckFloorOriginal = "mf-floor-original" // 4.7
	// Square layers: the ratio needs the original's floor.
	CheckFloorRatio = "mf-floor-ratio" // 4.7
	// m x n: from the compressed network's recursion.
	CheckLearnSteps = "learn-steps" // 4.2, theory.LearnSteps
	// m x n: a trend of small-init training, not tied to square layers
	// (TestRectChecks; docs/design.md gives the runs measured).
	CheckIncremental = "incremental-learning" // trends
)

// TheoryCheck reports whether the check of this name compares the run with
// a prediction of the theory. The others (param-count, flop-count: lowdim's
// own bookkeeping; width-sufficient: the rollout comparison) do not count
// toward "some theory check was evaluated", which a verify needs to pass.
func TheoryCheck(name string) bool {
	return name != CheckParams && name != CheckFlops && name != CheckWidth
}

// IncrementalFrac: target mode i counts as learned at the first step where
// u_i^T W v_i, W's component along the target's i-th singular vectors,
// reaches this fraction of s_i.
const IncrementalFrac = 0.5

// IncrementalGap is the relative spectral gap below which two target modes
// have no predicted learning order (checks.Ordered compares modes i < j only
// when s_j < (1 - IncrementalGap) s_i). Nearly equal values are learned at
// nearly equal times, and the original network's random orthogonal init
// shifts each mode's start by a random factor, so their order is not a
// prediction (a geometric spectrum of ratio 0.98 was learned out of order
// on 4 seeds of 4 when every pair was compared). incremental-learning is
// skipped when no pair is that far apart (ties, a flat spectrum).
const IncrementalGap = 0.25

// IncrementalMaxInit: incremental-learning is checked only with a small
// init, eps^L <= IncrementalMaxInit s_min (s_min: the target's smallest
// singular value). Every mode starts at u_i^T W v_i of size up to eps^L
// (exactly eps^L for the compressed network), so a mode whose s_i is not
// far above it starts near its learning threshold IncrementalFrac s_i.
// TestRegimeProperty found the order broken at eps = 0.316, L = 2
// (eps^L = 0.1): geometric target 10, 3, 0.9, 0.27, 0.081 (d = 11,
// eta = 0.25 x stable, seed 0), the compressed network learned 0.081 at
// step 0 and 0.27 (step 40) before 0.9 (step 47), eps^L = 0.37 x 0.27.
// It also needs eps <= theory.KwonMaxEps: at eps = 0.316, L = 4
// (eps^L = 0.01, d = 9, spread target 4.79, 4.4, 2.9, eta = 0.95 x stable,
// seed 199087) the original learned 2.9 (step 46) before 4.4 (step 53).
const IncrementalMaxInit = 0.05

// checker gathers the observations the theory checks need while the
// methods of a run train, and evaluates the checks that apply.
type checker struct {
	c       config.Config
	in      *instance.Instance
	s       []float64 // target's singular values down to its estimated rank, decreasing
	mc      float64   // MF loss scale c (1/(rows*cols) or 1); 0 when not MF
	phiNorm float64   // ||Phi||_F (from s)
	d       int       // max(rows, cols)
	// squareWhy says why the theory of the original network (the Law of
	// Parsimony, Yaras et al., and Kwon et al.'s comparison with it, both
	// stated for L layers of d x d) does not cover this run: a target that
	// is not square, or a --width that makes the original's outer layers
	// non-square. "" when every layer of the original is square.
	squareWhy string
	out       []results.Check
	trajs     map[string][]results.Checkpoint
	// stepErr[m] is method m's relative recovery error at every step, from
	// its MF training loss (errFromLoss).
	stepErr map[string][]float64
	// res[m] is how method m's training ended.
	res map[string]results.MethodResult
	// schedule lists, increasing, the steps at which the O(d^3)
	// observations run when d > DenseCheckMaxD (denseSchedule); nil: every
	// step.
	schedule []int
	rho      *theory.RhoSeq // rho(t) on demand, MF original only (never a slice: Steps is the user's)
	counts   []checks.Point
	gap      worst
	gapRes   int // steps at which the predicted gap is above the rounding floor
	gapAbs   float64
	shadow   *lopShadow
	// paths holds the step algorithm of each method trained.
	paths map[string]string
	// keepInit asks for the update rank of the original network:
	// init0 holds its initial layers, updateRank the result.
	keepInit   bool
	init0      []*mat.Dense
	updateRank *int
	// trainedOrig: this checker trained the original network (a verify's
	// per-width checkers only borrow its results).
	trainedOrig bool
	// rank64 is the target's rank at float64 precision
	// (instance.TargetRankFloat64); theoryWhy says why the theory's
	// formulas cannot take this configuration's figures ("" when they can).
	rank64    int
	theoryWhy string
	// floorRows[m] is method m's floor check (mf-floor-compressed or
	// mf-floor-original), for mf-floor-ratio.
	floorRows map[string]results.Check
	// u, v hold the target's singular vectors (one column per value of s);
	// learn[method][i] is the first step at which u_i^T W v_i reached
	// IncrementalFrac s_i (-1 before).
	u, v  *mat.Dense
	learn map[string][]int
	// modes and the worst deviations of the compressed network's
	// recursion: per mode at every step, full error on the schedule.
	modes              []*theory.Mode
	zero               *theory.Mode
	modeDev, fullDev   worst
	lastFull, lastSVDs int
	// floors[m] is method m's observed floor component (relative).
	floors map[string]float64
	// align[m][step] is the alignment of method m's outer layers at a
	// checkpoint (annotate).
	align map[string]map[int][2]float64
}

func newChecker(c config.Config, in *instance.Instance) *checker {
	s, u, v := in.TargetSVD()
	k := &checker{c: c, in: in, trajs: map[string][]results.Checkpoint{}, s: s, learn: map[string][]int{},
		stepErr: map[string][]float64{}, res: map[string]results.MethodResult{}, floors: map[string]float64{},
		align:    map[string]map[int][2]float64{},
		lastFull: -1, lastSVDs: -1}
	if mf, ok := in.Work.(*workloads.MF); ok {
		k.mc = mf.Scale()
	}
	if len(k.s) > 0 {
		k.u, k.v = u, v
	}
	k.phiNorm = norm2(k.s)
	k.rank64 = in.TargetRankFloat64()
	k.floorRows = map[string]results.Check{}
	if k.mc != 0 {
		k.theoryWhy = theoryInputs(k.s, k.phiNorm, k.mc, c)
	}
	k.d = max(in.Work.Dims())
	k.squareWhy = squareWhy(in, c)
	if k.d > DenseCheckMaxD {
		k.schedule = denseSchedule(c.Steps)
	}
	return k
}

// squareWhy returns why the theory of the original network does not cover
// a run of c on in (see checker.squareWhy), "" when the original's layers
// are all square. The detail starts "theory is for square targets" for an
// m x n target with m != n.
func squareWhy(in *instance.Instance, c config.Config) string {
	rows, cols := in.Work.Dims()
	w := methods.Shapes(methods.Original, c, rows, cols)[0].Rows
	var odd []string
	if w != cols {
		odd = append(odd, fmt.Sprintf("W_1 is %d x %d", w, cols))
	}
	if w != rows {
		odd = append(odd, fmt.Sprintf("W_L is %d x %d", rows, w))
	}
	switch {
	case len(odd) == 0:
		return ""
	case rows != cols:
		return fmt.Sprintf("theory is for square targets: the Law of Parsimony (Yaras et al.) and Kwon et al.'s comparison are stated for L layers of d x d; on this %d x %d target the original's %s (semi-orthogonal, so its init is not balanced)",
			rows, cols, strings.Join(odd, " and "))
	}
	return fmt.Sprintf("theory is for square layers: the Law of Parsimony (Yaras et al.) and Kwon et al.'s comparison are stated for L layers of d x d; --width %d makes the original's %s",
		c.Width, strings.Join(odd, " and "))
}

// norm2 returns sqrt(sum s_i^2) scaled by the largest |s_i|, so that it
// neither underflows nor overflows where the s_i do not.
func norm2(s []float64) float64 {
	m := 0.0
	for _, v := range s {
		m = max(m, math.Abs(v))
	}
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	sum := 0.0
	for _, v := range s {
		sum += (v / m) * (v / m)
	}
	return m * math.Sqrt(sum)
}

// usable reports whether x can enter the theory's formulas as a scale:
// positive, finite and normal (a subnormal has lost its digits, and its
// powers and squares underflow to 0).
func usable(x float64) bool { return x >= 0x1p-1022 && !math.IsInf(x, 0) }

// theoryInputs returns why the theory's formulas (theory.NewMode,
// NewRhoSeq, LearnSteps, ZeroModeAt, FloorCompressed, FloorOriginal,
// LoPGap, StableEta) cannot take this MF configuration's figures: a target
// singular value, ||Phi||_F or the loss scale c that is zero, subnormal or
// not finite, or eps, eta or alpha not finite (eps and eta also not
// positive normal). "" when they can. The checks that need them are then
// not evaluable with this reason, never a panic in theory.
func theoryInputs(s []float64, phiNorm, mc float64, c config.Config) string {
	for i, v := range s {
		if !usable(v) {
			return fmt.Sprintf("the target's singular value s_%d = %g is zero, subnormal or not finite: the theory's recursions cannot be evaluated at this scale (rescale the target)", i+1, v)
		}
	}
	switch {
	case len(s) > 0 && !usable(phiNorm):
		return fmt.Sprintf("||Phi||_F = %g is zero, subnormal or not finite: relative errors cannot be formed at this scale (rescale the target)", phiNorm)
	case !usable(mc):
		return fmt.Sprintf("the loss scale c = %g is zero, subnormal or not finite", mc)
	case !usable(c.Eps):
		return fmt.Sprintf("eps = %g is zero, subnormal or not finite", c.Eps)
	case !usable(c.Eta):
		return fmt.Sprintf("eta = %g is zero, subnormal or not finite", c.Eta)
	case !(c.Alpha >= 0) || math.IsInf(c.Alpha, 0):
		return fmt.Sprintf("alpha = %g is not finite and non-negative", c.Alpha)
	}
	return ""
}

// exactWhy returns why the exact identities (lop-singular-values,
// lop-equivalence, compressed-mf-recursion, mf-floor-*) do not apply: the
// target is low-rank only to the precision of its dtype (float32), while
// lowdim computes in float64, where the rounding tail is a real part of
// the target that the networks learn. "" when they apply.
func (k *checker) exactWhy() string {
	if r := k.rank(); k.rank64 > r {
		return fmt.Sprintf("the target is rank %d only to %s precision; in float64 (the precision lowdim computes in) it has rank %d, and the networks learn that rounding tail, so the exact identities do not hold",
			r, k.in.Precision.Name, k.rank64)
	}
	return ""
}

// learnedNothing returns why method's training taught it nothing: it met
// --tol at initialization, took no step, or its recovery error never
// dropped below its initial value. "" otherwise (or when it has no result).
func (k *checker) learnedNothing(method string) string {
	res, ok := k.res[method]
	if !ok || res.Status == results.Diverged {
		return ""
	}
	loss0 := results.Absent
	if len(res.Trajectory) > 0 {
		loss0 = res.Trajectory[0].TrainLoss
	}
	switch {
	case res.Steps == 0 && res.Status == results.Converged:
		return fmt.Sprintf("the %s network met --tol at initialization: --tol %g is loose for this target's scale (initial loss %.3g); lower --tol", method, k.c.Tol, loss0)
	case res.Steps == 0:
		return fmt.Sprintf("the %s network took no step (--steps %d): it learned nothing", method, k.c.Steps)
	case len(res.Trajectory) > 0 && res.BestError != nil && *res.BestError >= res.Trajectory[0].RecoveryError:
		return fmt.Sprintf("the %s network's recovery error never dropped below its initial value %.3g in %d steps: it learned nothing (raise --eta or --steps)", method, res.Trajectory[0].RecoveryError, res.Steps)
	}
	return ""
}

// noDynamics returns why the training of methods cannot be judged against
// the theory: a divergence, an interruption or nothing learned. "" when it
// can.
func (k *checker) noDynamics(methods ...string) string {
	if why := k.cutShort(methods...); why != "" {
		return why
	}
	for _, m := range methods {
		if why := k.learnedNothing(m); why != "" {
			return why
		}
	}
	return ""
}

// rank is the target's rank as estimated from its singular values
// (workloads.Rank through instance.TargetSVD), never the configured r,
// which may be smaller than the rank of a user's target.
func (k *checker) rank() int { return len(k.s) }

// denseStep reports whether the O(d^3) observations run at step t.
func (k *checker) denseStep(t int) bool {
	if k.schedule == nil {
		return true
	}
	_, ok := slices.BinarySearch(k.schedule, t)
	return ok
}

func (k *checker) loaded(method string) bool { return k.in.Inits[method] != nil }

// path records the step algorithm a method trains with.
func (k *checker) path(method, path string) {
	if k.paths == nil {
		k.paths = map[string]string{}
	}
	k.paths[method] = path
}

// regime describes the exact-identity regime.
func (k *checker) regime(init string) string {
	return fmt.Sprintf("%s, %s, L=%d, eps=%g, eta=%g", k.c.Workload, init, k.c.Depth, k.c.Eps, k.c.Eta)
}

// modeParams are the scalar recursions' parameters of the configuration.
func (k *checker) modeParams() theory.ModeParams {
	return theory.ModeParams{L: k.c.Depth, Eps: k.c.Eps, Eta: k.c.Eta, Alpha: k.c.Alpha, C: k.mc}
}

// recursionApplies reports whether the compressed network's per-mode
// recursion predicts its training: MF, spectral init from Phi (not loaded).
func (k *checker) recursionApplies() bool {
	return k.mc != 0 && !k.loaded(methods.Compressed) && len(k.s) > 0 && k.theoryWhy == ""
}

// hooks are what the checker observes during a method's training.
type hooks struct {
	// step is trainer.Config.Observe: every step.
	step func(t int, loss float64)
	// checkpoint runs at every recorded checkpoint (the alignment of the
	// original network's layers, a recorded quantity, not a check).
	checkpoint func(cp results.Checkpoint)
}

// annotate adds what the checker recorded at checkpoints to method's
// trajectory: the alignment of the original's layers.
func (k *checker) annotate(method string, res *results.MethodResult) {
	al := k.align[method]
	for i := range res.Trajectory {
		if a, ok := al[res.Trajectory[i].Step]; ok {
			au, av := a[0], a[1]
			res.Trajectory[i].AlignU, res.Trajectory[i].AlignV = &au, &av
		}
	}
}

// before records the checks on a freshly initialised network and returns
// the hooks for its training.
func (k *checker) before(method string, net *dln.Network) hooks {
	rows, cols := net.Dims()
	// Parameter counts against the method's closed form (DESIGN.md 2;
	// methods.Spec.Params, which the methods tests check against theory).
	if spec, ok := methods.Lookup(method); ok && spec.Params != nil {
		want := spec.Params(k.c, rows, cols)
		regime := "square d x d problem"
		if rows != cols {
			regime = fmt.Sprintf("%d x %d problem", rows, cols)
		}
		k.out = append(k.out, checks.Exact(CheckParams, method, regime, "parameters", uint64(net.Params()), uint64(want)))
	}
	net.ResetFlops()
	if method == methods.Original {
		k.trainedOrig = true
	}
	if method == methods.Original && k.keepInit {
		k.init0 = make([]*mat.Dense, net.Layers())
		for l := range k.init0 {
			k.init0[l] = mat.DenseCopyOf(net.Layer(l))
		}
	}

	// Balancedness at initialization.
	const balRegime = "orthogonal or spectral eps-init from the seed"
	const balQuantity = "max_l ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F / eps^2"
	switch {
	case method != methods.Original && method != methods.Compressed && method != methods.Narrow:
		k.out = append(k.out, checks.Skip(CheckBalanced, method, "orthogonal or spectral eps-init", "this initialization is not balanced by construction"))
	case k.loaded(method):
		k.out = append(k.out, checks.Skip(CheckBalanced, method, "orthogonal or spectral eps-init", "initial weights were loaded from files"))
	case method == methods.Original && k.squareWhy != "":
		// W_L^T W_L of a semi-orthogonal m x w last layer has rank m < w,
		// W_{L-1} W_{L-1}^T = eps^2 I: the imbalance is eps^2 sqrt(w - m).
		// The compressed and narrow networks' outer factors have
		// orthonormal rows (W_1) and columns (W_L) at any m, n >= r_hat:
		// they stay balanced, and checked.
		k.out = append(k.out, checks.Skip(CheckBalanced, method, "orthogonal eps-init of square layers", k.squareWhy))
	case !(k.c.Eps*k.c.Eps > 0):
		k.out = append(k.out, checks.NotEvaluable(CheckBalanced, method, balRegime, balQuantity,
			fmt.Sprintf("eps^2 underflows to 0 at eps = %g: the imbalance cannot be scaled", k.c.Eps), checks.BalanceTol))
	default:
		// At a huge eps (1e200) the layers' products overflow: the
		// imbalance is then not a number, and no verdict on the init.
		if v := imbalance(net) / (k.c.Eps * k.c.Eps); math.IsNaN(v) || math.IsInf(v, 0) {
			k.out = append(k.out, checks.NotEvaluable(CheckBalanced, method, balRegime, balQuantity,
				fmt.Sprintf("the imbalance is %v at eps = %g: the layers' products overflow", v, k.c.Eps), checks.BalanceTol))
		} else {
			k.out = append(k.out, checks.AtMost(CheckBalanced, method, balRegime, balQuantity, v, checks.BalanceTol, ""))
		}
	}

	var steps []func(t int, loss float64)
	isMain := method == methods.Original || method == methods.Compressed
	if isMain && k.mc != 0 && k.phiNorm > 0 {
		// Grown with the steps actually run, never sized by Steps (a
		// budget the user may set far beyond what a tolerance lets run).
		var errs []float64
		steps = append(steps, func(t int, loss float64) {
			if len(errs) == t {
				errs = append(errs, errFromLoss(loss, k.mc, k.phiNorm))
				k.stepErr[method] = errs
			}
		})
	}
	if isMain && k.u != nil {
		steps = append(steps, k.projectionHook(method, net))
	}
	if method == methods.Compressed && k.recursionApplies() {
		steps = append(steps, k.fullErrorHook(net))
	}
	if method == methods.Original && k.mc != 0 && k.squareWhy == "" && !k.loaded(methods.Original) && 2*k.rank() < k.d && len(k.s) > 0 && k.theoryWhy == "" && k.exactWhy() == "" {
		steps = append(steps, k.parsimonyHook(net))
	}
	var h hooks
	if method == methods.Original && k.u != nil && net.Layers() >= 1 {
		al := map[int][2]float64{}
		k.align[method] = al
		// A fixed start for the power iterations, from the seed's own
		// stream: never the target's vectors (that would bias the estimate).
		start := mat.NewVecDense(k.d, nil)
		rng := instance.Rand(k.c.Seed, alignStream)
		for i := range k.d {
			start.SetVec(i, rng.NormFloat64())
		}
		h.checkpoint = func(cp results.Checkpoint) {
			au, av := alignment(net, k.u, k.v, start)
			al[cp.Step] = [2]float64{au, av}
		}
	}
	if len(steps) == 0 {
		return h
	}
	h.step = func(t int, loss float64) {
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return // the trainer stops here: diverged
		}
		for _, f := range steps {
			f(t, loss)
		}
	}
	return h
}

// alignStream is the random stream of the alignment's power-iteration
// start (instance.Rand), apart from the instance's streams.
const alignStream = 101

// projectionHook measures u_i^T W v_i for every target mode at every step:
// the learn steps of both networks (until every mode is learned) and, for
// the compressed network on MF, each mode's product against its scalar
// recursion (theory.Mode, stepped in lockstep).
func (k *checker) projectionHook(method string, net *dln.Network) func(int, float64) {
	learn := make([]int, k.rank())
	for i := range learn {
		learn[i] = -1
	}
	k.learn[method] = learn
	pr := newProjector(net, k.u, k.v, k.rank())
	left := len(learn)
	track := method == methods.Compressed && k.recursionApplies()
	var modes []*theory.Mode
	if track {
		mp := k.modeParams()
		for i := 0; i < min(k.rank(), k.c.RHat); i++ {
			modes = append(modes, theory.NewMode(k.s[i], mp))
		}
	}
	abs := checks.RecursionAbsTol * k.phiNorm
	return func(t int, _ float64) {
		if left == 0 && !track {
			return
		}
		p := pr.project()
		for i, v := range p {
			if learn[i] < 0 && v >= IncrementalFrac*k.s[i] {
				learn[i] = t
				left--
			}
		}
		if !track {
			return
		}
		for i, m := range modes {
			if t > 0 {
				m.Step()
			}
			k.modeDev.add(t, i, p[i], m.Product(), checks.RecursionRelTol, abs)
		}
	}
}

// fullErrorHook compares the compressed network's relative recovery error,
// from its formed end-to-end matrix, with the recursions' prediction
// sqrt(sum_i (p_i - s_i)^2 + (r_hat - r) p_0^2 + sum_{i >= r_hat} s_i^2) /
// ||Phi||_F, at the steps denseStep allows.
func (k *checker) fullErrorHook(net *dln.Network) func(int, float64) {
	mp := k.modeParams()
	rh := k.c.RHat
	kk := min(k.rank(), rh)
	modes := make([]*theory.Mode, kk)
	for i := range modes {
		modes[i] = theory.NewMode(k.s[i], mp)
	}
	k.modes, k.zero = modes, theory.NewMode(0, mp)
	var tail float64
	for i := kk; i < len(k.s); i++ {
		tail += k.s[i] * k.s[i]
	}
	nZero := float64(max(rh-k.rank(), 0))
	target := k.in.Target
	rows, cols := net.Dims()
	w := mat.NewDense(rows, cols, nil)
	at := 0
	return func(t int, _ float64) {
		for ; at < t; at++ {
			for _, m := range modes {
				m.Step()
			}
			k.zero.Step()
		}
		if !k.denseStep(t) || target == nil {
			return
		}
		sq := tail + nZero*k.zero.Product()*k.zero.Product()
		for i, m := range modes {
			sq += (m.Product() - k.s[i]) * (m.Product() - k.s[i])
		}
		a, b := factors(net)
		w.Mul(a, b)
		w.Sub(w, target)
		k.fullDev.add(t, -1, mat.Norm(w, 2)/k.phiNorm, math.Sqrt(sq)/k.phiNorm, checks.RecursionRelTol, checks.RecursionAbsTol)
		k.lastFull = t
	}
}

// parsimonyHook observes the Law of Parsimony on the original network: at
// every step its gap to the LoP network trained in lockstep, and at the
// steps denseStep allows the singular values of its layers near rho(t).
func (k *checker) parsimonyHook(net *dln.Network) func(int, float64) {
	r := k.rank()
	k.rho = theory.NewRhoSeq(k.c.Eps, k.c.Eta, k.mc, k.c.Depth)
	lc := k.c
	lc.R = r
	if sh, err := newLoPShadow(lc, k.in); err == nil {
		k.shadow = sh
	}
	k.gapAbs = checks.GapRoundTol * epsMach * k.phiNorm
	return func(t int, _ float64) {
		rho := k.rho.At(t)
		if k.denseStep(t) {
			k.countAt(net, t)
		}
		if k.shadow != nil {
			gap := k.shadow.gapAt(t, k.endToEnd(methods.Original, net))
			pred := theory.LoPGap(rho, k.c.Depth, k.d, r)
			if pred > k.gapAbs {
				k.gapRes++
			}
			k.gap.add(t, -1, gap, pred, checks.GapRelTol, k.gapAbs)
		}
	}
}

// epsMach is the float64 unit roundoff 2^-53.
const epsMach = 0x1p-53

// countAt records the fewest singular values of a layer within RhoRelTol
// of rho(t).
func (k *checker) countAt(net *dln.Network, t int) {
	least := math.MaxInt
	for l := 0; l < net.Layers(); l++ {
		least = min(least, countNear(net.Layer(l), k.rho.At(t), checks.RhoRelTol))
	}
	k.counts = append(k.counts, checks.Point{Step: t, Value: float64(least)})
	k.lastSVDs = t
}

// endToEnd returns W of a network at its last evaluation: the one the
// dense step formed, else the product of its layers (allocated).
func (k *checker) endToEnd(method string, net *dln.Network) *mat.Dense {
	if k.paths[method] == config.PathDense || k.paths[method] == "" {
		if w := net.EndToEnd(); w != nil {
			return w
		}
	}
	a, b := factors(net)
	var w mat.Dense
	w.Mul(a, b)
	return &w
}

// cutShort returns why the dynamics of methods cannot be judged because
// their training did not run its course: a method diverged, or the run
// was interrupted before it ended (its trajectory is partial). "" when
// none was cut short.
func (k *checker) cutShort(methods ...string) string {
	for _, m := range methods {
		r, ok := k.res[m]
		switch {
		case !ok:
		case r.Status == results.Diverged:
			return fmt.Sprintf("%s %s: its trajectory is no test of the theory", m, statusLine(r))
		case r.Status == results.Interrupted:
			return interruptedWhy(m, r)
		}
	}
	return ""
}

// interruption returns why the first of methods the run's interruption
// cut short cannot be judged, or "" when none was.
func (k *checker) interruption(methods ...string) string {
	for _, m := range methods {
		if r, ok := k.res[m]; ok && r.Status == results.Interrupted {
			return interruptedWhy(m, r)
		}
	}
	return ""
}

// interruptedWhy is the detail of a check not evaluable because the run
// was interrupted before method m (result r) ended.
func interruptedWhy(m string, r results.MethodResult) string {
	return fmt.Sprintf("the run was interrupted (%s %s): a partial trajectory is no test of the theory", m, statusLine(r))
}

// notStarted records a method the interruption kept from training (res,
// of status results.Interrupted), so that the checks that compare it
// with another method say so.
func (k *checker) notStarted(res results.MethodResult) {
	k.res[res.Method] = res
	k.trajs[res.Method] = nil
}

// after records the checks on a trained method.
func (k *checker) after(method string, net *dln.Network, res results.MethodResult) {
	k.trajs[method] = res.Trajectory
	k.res[method] = res
	// The update rank exists only when the original took steps and stayed
	// finite: otherwise it is absent, never 0.
	if method == methods.Original && k.init0 != nil && res.Steps > 0 && res.Status != results.Diverged {
		ur := UpdateRank(net, k.init0)
		k.updateRank = &ur
	}
	k.flopCheck(method, net, res)
	why := k.noDynamics(method)

	if method == methods.Compressed && k.mc != 0 {
		regime := k.regime("spectral init from Phi") + fmt.Sprintf(", alpha=%g", k.c.Alpha)
		const quantity = "each mode's u_i^T W v_i at every step, and the relative recovery error, vs the per-mode scalar recursions"
		lsRegime := k.learnStepsRegime()
		const lsQuantity = "largest |observed - predicted| learn step over the modes (steps)"
		exact := k.exactWhy()
		switch {
		case k.loaded(method):
			k.out = append(k.out, checks.Skip(CheckRecursion, method, "MF, spectral init from Phi", "initial weights were loaded from files"))
			k.out = append(k.out, checks.Skip(CheckLearnSteps, method, "MF, spectral init from Phi", "initial weights were loaded from files"))
		case why != "":
			k.out = append(k.out, checks.NotEvaluable(CheckRecursion, method, regime, quantity, why, results.Absent))
			k.out = append(k.out, checks.NotEvaluable(CheckLearnSteps, method, lsRegime, lsQuantity, why, checks.LearnStepTol))
		case k.theoryWhy != "":
			k.out = append(k.out, checks.NotEvaluable(CheckRecursion, method, regime, quantity, k.theoryWhy, results.Absent))
			k.out = append(k.out, checks.NotEvaluable(CheckLearnSteps, method, lsRegime, lsQuantity, k.theoryWhy, checks.LearnStepTol))
		case !k.recursionApplies():
			const unknown = "the target's singular values are unknown (its SVD failed)"
			k.out = append(k.out, checks.NotEvaluable(CheckRecursion, method, regime, quantity, unknown, results.Absent))
			k.out = append(k.out, checks.NotEvaluable(CheckLearnSteps, method, lsRegime, lsQuantity, unknown, checks.LearnStepTol))
		case exact != "":
			// The per-mode learn steps of the rank it has at the dtype's
			// precision still follow the recursion; the identities do not.
			k.out = append(k.out, checks.Skip(CheckRecursion, method, regime, exact))
			k.out = append(k.out, k.learnStepsCheck(res))
		default:
			if k.lastFull != res.Steps {
				k.fullErrorAt(net, res.Steps)
			}
			k.out = append(k.out, k.recursionCheck(regime, quantity))
			k.out = append(k.out, k.learnStepsCheck(res))
		}
	}

	k.incrementalCheck(method, res, why)
	if k.mc != 0 {
		k.floorCheck(method, net, res, why)
	}
	if method == methods.Original && k.rho != nil && why == "" && k.lastSVDs != res.Steps {
		k.countAt(net, res.Steps)
	}
}

// fullErrorAt runs the full-error comparison at the final step when the
// schedule skipped it (the modes stand at step t already).
func (k *checker) fullErrorAt(net *dln.Network, t int) {
	h := k.fullErrorHook(net)
	h(t, 0)
}

// recursionCheck combines the per-mode and the full-error comparisons of
// compressed-mf-recursion: it reports the worse of the two.
func (k *checker) recursionCheck(regime, quantity string) results.Check {
	full := k.fullDev.check(CheckRecursion, methods.Compressed, regime, quantity, " (recovery error)")
	mode := k.modeDev.check(CheckRecursion, methods.Compressed, regime, quantity, fmt.Sprintf(" (mode %d)", k.modeDev.mode+1))
	c := full
	if k.modeDev.n > 0 && (k.fullDev.n == 0 || k.modeDev.ratio > k.fullDev.ratio) {
		c = mode
	}
	if full.Status == results.Fail || mode.Status == results.Fail {
		c.Status = results.Fail
	}
	c.Detail += fmt.Sprintf("; %d mode comparisons at every step, recovery error at %d steps", k.modeDev.n, k.fullDev.n)
	return c
}

// learnStepsCheck compares the compressed network's observed learn steps
// with theory.LearnSteps.
func (k *checker) learnStepsCheck(res results.MethodResult) results.Check {
	kk := min(k.rank(), k.c.RHat)
	pred := theory.LearnSteps(k.s[:kk], k.c.RHat, k.modeParams(), IncrementalFrac, res.Steps)
	regime := k.learnStepsRegime()
	obs := k.learn[methods.Compressed][:kk]
	if slices.Max(obs) < 0 && slices.Max(pred) < 0 {
		// Nothing learned on either side: "never = never" is no test.
		return checks.NotEvaluable(CheckLearnSteps, methods.Compressed, regime, "largest |observed - predicted| learn step over the modes (steps)",
			fmt.Sprintf("no target mode was learned within %d steps (nor predicted to be): there is no learn step to compare", res.Steps), checks.LearnStepTol)
	}
	return checks.StepsMatch(CheckLearnSteps, methods.Compressed, regime, obs, pred, k.s, checks.LearnStepTol)
}

func (k *checker) learnStepsRegime() string {
	return k.regime("spectral init from Phi") + fmt.Sprintf(", alpha=%g; mode i learned at the first step with u_i^T W v_i >= %g s_i", k.c.Alpha, IncrementalFrac)
}

// incrementalCheck judges the learning order of method's modes.
func (k *checker) incrementalCheck(method string, res results.MethodResult, why string) {
	regime := fmt.Sprintf("%s, small init (eps=%g <= 0.1, eps^L <= %g s_min); mode i learned at the first step with u_i^T W v_i >= %g s_i (u_i, v_i: the target's singular vectors); modes closer than %g relative are not ordered",
		k.c.Workload, k.c.Eps, IncrementalMaxInit, IncrementalFrac, IncrementalGap)
	quantity := fmt.Sprintf("out-of-order pairs of learn steps among modes more than %g apart (learned largest first)", IncrementalGap)
	if k.in.Partial() && (method == methods.Original || method == methods.Compressed) {
		k.out = append(k.out, checks.Skip(CheckIncremental, method, regime,
			"the target is known only on its observed and held-out entries: its singular vectors are unknown"))
	}
	steps, ok := k.learn[method]
	if !ok {
		return
	}
	// A divergence is judged first (as before); nothing learned only inside
	// the regime, after its skips.
	div := k.cutShort(method)
	switch {
	case div != "":
		k.out = append(k.out, checks.NotEvaluable(CheckIncremental, method, regime, quantity, div, 0))
	case k.loaded(method):
		// The regime is judged from eps, which says nothing of weights
		// read from files.
		k.out = append(k.out, checks.Skip(CheckIncremental, method, regime, "initial weights were loaded from files"))
	case k.c.Eps > theory.KwonMaxEps:
		k.out = append(k.out, checks.Skip(CheckIncremental, method, regime,
			fmt.Sprintf("init not small: eps = %g > %g (the original's layers are not near 0, its modes do not decouple: eps = 0.316, L = 4 learned 2.9 before 4.4)", k.c.Eps, theory.KwonMaxEps)))
	case math.Pow(k.c.Eps, float64(k.c.Depth)) > IncrementalMaxInit*k.s[len(k.s)-1]:
		k.out = append(k.out, checks.Skip(CheckIncremental, method, regime,
			fmt.Sprintf("init not small: eps^L = %.3g > %g x the smallest target singular value %.3g, so small modes start near (or past) their learning threshold and no order is predicted",
				math.Pow(k.c.Eps, float64(k.c.Depth)), IncrementalMaxInit, k.s[len(k.s)-1])))
	case !checks.Separated(k.s, IncrementalGap):
		k.out = append(k.out, checks.Skip(CheckIncremental, method, regime,
			fmt.Sprintf("no spectral gap: the target's %d singular values (%.3g to %.3g) are within %g relative of each other, so no order is predicted",
				len(k.s), k.s[0], k.s[len(k.s)-1], IncrementalGap)))
	case why != "":
		k.out = append(k.out, checks.NotEvaluable(CheckIncremental, method, regime, quantity, why, 0))
	case slices.Max(steps) < 0:
		k.out = append(k.out, checks.NotEvaluable(CheckIncremental, method, regime, quantity,
			fmt.Sprintf("no target singular value was learned within %d steps", res.Steps), 0))
	default:
		k.out = append(k.out, checks.Ordered(CheckIncremental, method, regime, steps, k.s, IncrementalGap))
	}
}

// floorCheck observes the part of W on the directions the target does not
// span (the error floor, DESIGN.md 4.7) at the last step and compares it
// with theory.FloorCompressed or theory.FloorOriginal. why says why the
// method's training cannot be judged ("" when it can). Every MF run of the
// original or the compressed network gets its floor check's row: skipped
// outside the regime, not evaluable with the reason inside it.
func (k *checker) floorCheck(method string, net *dln.Network, res results.MethodResult, why string) {
	if method != methods.Original && method != methods.Compressed {
		return
	}
	r, rh := k.rank(), k.c.RHat
	emit := func(c results.Check) {
		k.out = append(k.out, c)
		k.floorRows[method] = c
	}
	if method == methods.Compressed {
		regime := k.regime("spectral init from Phi") + fmt.Sprintf(", alpha=%g, r_hat=%d >= rank(target)=%d", k.c.Alpha, rh, r)
		const quantity = "||P_U W P_V||_F / ||Phi||_F at the last step (P: projector off the target's singular vectors) vs |p_0| sqrt(r_hat - r) / ||Phi||_F"
		switch {
		case k.loaded(method):
			emit(checks.Skip(CheckFloorCompressed, method, regime, "initial weights were loaded from files"))
		case net.Layers() < 2:
			emit(checks.Skip(CheckFloorCompressed, method, regime, "depth 1: no factored floor"))
		case k.u == nil || r == 0:
			emit(checks.NotEvaluable(CheckFloorCompressed, method, regime, quantity, "the target's singular vectors are unknown (its SVD failed)", checks.FloorRelTol))
		case rh < r:
			emit(checks.Skip(CheckFloorCompressed, method, regime,
				fmt.Sprintf("r_hat = %d < rank(target) = %d: unlearned target modes, not the floor, dominate", rh, r)))
		case k.exactWhy() != "":
			emit(checks.Skip(CheckFloorCompressed, method, regime, k.exactWhy()))
		case why != "":
			emit(checks.NotEvaluable(CheckFloorCompressed, method, regime, quantity, why, checks.FloorRelTol))
		case k.theoryWhy != "":
			emit(checks.NotEvaluable(CheckFloorCompressed, method, regime, quantity, k.theoryWhy, checks.FloorRelTol))
		default:
			a, b := factors(net)
			obs := floorComponent(a, b, k.u, k.v) / k.phiNorm
			p0 := theory.ZeroModeAt(k.modeParams(), res.Steps)
			pred := theory.FloorCompressed(p0, rh, r, k.phiNorm)
			if !usable(pred) && rh > r {
				emit(checks.NotEvaluable(CheckFloorCompressed, method, regime, quantity,
					fmt.Sprintf("the predicted floor |p_0| sqrt(r_hat - r) / ||Phi||_F = %g is zero, subnormal or not finite (eps = %g, L = %d)", pred, k.c.Eps, k.c.Depth), checks.FloorRelTol))
				return
			}
			k.floors[method] = obs
			emit(checks.Near(CheckFloorCompressed, method, regime, quantity, obs, pred, checks.FloorRelTol, checks.FloorAbsTol,
				fmt.Sprintf("at step %d", res.Steps)))
		}
		return
	}
	regime := k.regime("orthogonal eps-init") + fmt.Sprintf(", eps <= %g, d=%d >= %d r=%d (r: the target's rank)", FloorOriginalMaxEps, k.d, FloorOriginalMinDPerRank, FloorOriginalMinDPerRank*r)
	const quantity = "||P_U W P_V||_F / ||Phi||_F at the last step vs rho^L sqrt(d - r) / ||Phi||_F (an estimate)"
	switch {
	case k.squareWhy != "":
		emit(checks.Skip(CheckFloorOriginal, method, regime, k.squareWhy))
	case k.loaded(method):
		emit(checks.Skip(CheckFloorOriginal, method, regime, "initial weights were loaded from files"))
	case net.Layers() < 2:
		emit(checks.Skip(CheckFloorOriginal, method, regime, "depth 1: no factored floor"))
	case k.u == nil || r == 0:
		emit(checks.NotEvaluable(CheckFloorOriginal, method, regime, quantity, "the target's singular vectors are unknown (its SVD failed)", checks.FloorOriginalRelTol))
	case k.c.Eps > FloorOriginalMaxEps:
		emit(checks.Skip(CheckFloorOriginal, method, regime,
			fmt.Sprintf("eps = %g > %g: the directions off the target move during learning (eps = 0.143, L = 4, d = 19, r = 2: floor 2.2 x the estimate 50 steps after learning; eps = 0.079, L = 3, d = 8, r = 1: 1.27 to 1.55 x)", k.c.Eps, FloorOriginalMaxEps)))
	case k.d < FloorOriginalMinDPerRank*r:
		emit(checks.Skip(CheckFloorOriginal, method, regime,
			fmt.Sprintf("d = %d < %d rank(target) = %d: only d - 2r of the d - r directions off the target stay at rho, the other r decay, so rho^L sqrt(d - r) overestimates the floor by more than the tolerance", k.d, FloorOriginalMinDPerRank, FloorOriginalMinDPerRank*r)))
	case k.exactWhy() != "":
		emit(checks.Skip(CheckFloorOriginal, method, regime, k.exactWhy()))
	case why != "":
		emit(checks.NotEvaluable(CheckFloorOriginal, method, regime, quantity, why, checks.FloorOriginalRelTol))
	case k.theoryWhy != "":
		emit(checks.NotEvaluable(CheckFloorOriginal, method, regime, quantity, k.theoryWhy, checks.FloorOriginalRelTol))
	case k.rho == nil:
		emit(checks.NotEvaluable(CheckFloorOriginal, method, regime, quantity, "rho(t) was not tracked for this run", checks.FloorOriginalRelTol))
	default:
		if learn, ok := k.learn[method]; !ok || slices.Min(learn) < 0 {
			emit(checks.NotEvaluable(CheckFloorOriginal, method, regime, quantity,
				fmt.Sprintf("the run ended (step %d) before every target mode was learned: the error has not reached its floor", res.Steps), checks.FloorOriginalRelTol))
			return
		} else if last := slices.Max(learn); float64(res.Steps-last) < FloorSettle*float64(last) {
			emit(checks.NotEvaluable(CheckFloorOriginal, method, regime, quantity,
				fmt.Sprintf("the last target mode was learned at step %d, too close to the end (step %d, fewer than %g x %d steps after): the directions off the target have not settled to their floor", last, res.Steps, FloorSettle, last), checks.FloorOriginalRelTol))
			return
		}
		// W from the layers as they are (the product the step formed may
		// be of an earlier evaluation).
		a, b := factors(net)
		var w mat.Dense
		w.Mul(a, b)
		obs := floorOfMatrix(&w, k.u, k.v) / k.phiNorm
		pred := theory.FloorOriginal(k.rho.At(res.Steps), k.c.Depth, k.d, r, k.phiNorm)
		if !usable(pred) {
			emit(checks.NotEvaluable(CheckFloorOriginal, method, regime, quantity,
				fmt.Sprintf("the predicted floor rho^L sqrt(d - r) / ||Phi||_F = %g is zero, subnormal or not finite (eps = %g, L = %d)", pred, k.c.Eps, k.c.Depth), checks.FloorOriginalRelTol))
			return
		}
		k.floors[method] = obs
		emit(checks.Near(CheckFloorOriginal, method, regime, quantity, obs, pred, checks.FloorOriginalRelTol, checks.FloorAbsTol,
			fmt.Sprintf("at step %d", res.Steps)))
	}
}

// flopCheck compares the flops counted in training with the step's
// closed form.
func (k *checker) flopCheck(method string, net *dln.Network, res results.MethodResult) {
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
}

// kwonRegime says whether Kwon et al.'s bound is expected to hold: the
// theorem's assumptions (theory.InKwonRegime: alpha = 1, small eps) and
// the target's estimated rank at most r_hat (else the narrow network
// cannot fit modes the wide one learns).
func (k *checker) kwonRegime() (bool, string) {
	if ok, why := theory.InKwonRegime(k.c.Eps, k.c.Alpha); !ok {
		return false, why
	}
	if r := k.rank(); r > k.c.RHat {
		return false, fmt.Sprintf("rank(target) = %d > r_hat = %d: the compressed network cannot fit modes the original learns (the theorem assumes r_hat >= rank)", r, k.c.RHat)
	}
	// Found by TestRegimeProperty: d=9, r=4, r_hat=7, L=2, eps=0.1,
	// eta=0.25 x stable, seed 0 broke the bound with excess 1.48e-5 at step
	// 73. Once both networks learned the target their errors are their
	// floors, the compressed one's |p_0| sqrt(r_hat - r) against the
	// original's rho^L sqrt(d - 2r) (plus r decaying directions), and
	// p_0 ~ rho^L: the bound needs r_hat - r <= d - 2r.
	if r := k.rank(); k.c.RHat+r > k.d {
		return false, fmt.Sprintf("r_hat + rank(target) = %d > d = %d: the compressed network's error floor |p_0| sqrt(r_hat - r) exceeds the original's rho^L sqrt(d - 2r) once both learned the target (d=9, r=4, r_hat=7, L=2, eps=0.1: excess 1.48e-5)", k.c.RHat+r, k.d)
	}
	if lim := KwonMaxEtaFrac(k.c.Depth); lim < 1 && len(k.s) > 0 && k.mc != 0 {
		stable := theory.StableEta(k.s[0], k.c.Depth, k.mc, k.c.Alpha)
		if k.c.Eta > lim*stable {
			return false, fmt.Sprintf("depth %d with eta = %.3g x the stable rate (> %g): the bound broke there (%s)", k.c.Depth, k.c.Eta/stable, lim, kwonEtaEvidence[k.c.Depth])
		}
	}
	return true, ""
}

// KwonMaxEtaFrac returns the largest step size, as a fraction of
// theory.StableEta, at which kwon-bound is checked at depth L: 0.5 at
// depth 2, 0.8 at depth 3, and no limit below the stable rate from depth
// 4 on. Near the stable rate the networks oscillate before they settle and
// the compressed error can exceed the original's for a few steps; where
// that was found (kwonEtaEvidence), and its margin: at depth 3 a scan of
// d in {8, 9, 13, 17, 24}, r in 1..3, r_hat = r and r + 1, eps in
// {0.001, 0.01, 0.05, 0.1}, 3 seeds, 300 steps, spread spectrum broke the
// bound on 0 of 360 runs at 0.8 and 0.85 x stable, 4 of 360 at 0.9 and 23
// of 360 at 0.95 (worst excess 0.040); depths 4 and 5 broke it on none of
// about 550 runs each up to 0.95.
func KwonMaxEtaFrac(L int) float64 {
	switch L {
	case 2:
		return KwonMaxEtaFracL2
	case 3:
		return KwonMaxEtaFracL3
	}
	return 1
}

// KwonMaxEtaFracL2 and KwonMaxEtaFracL3 are KwonMaxEtaFrac at depths 2
// and 3.
const (
	KwonMaxEtaFracL2 = 0.5
	KwonMaxEtaFracL3 = 0.8
)

// kwonEtaEvidence is the configuration that broke kwon-bound above
// KwonMaxEtaFrac, by depth, quoted in the skip's reason.
var kwonEtaEvidence = map[int]string{
	2: "d=20, r=3, eps=0.01, eta=0.9 x stable: excess 0.0159",
	3: "d=9, r=r_hat=1, eps=0.1, eta=0.95 x stable: excess 0.0049; 4 of 360 scanned runs at 0.9 x stable",
}

// FloorOriginalMinDPerRank: mf-floor-original is checked only when
// d >= FloorOriginalMinDPerRank rank(target). The estimate rho^L sqrt(d - r)
// counts d - r directions off the target at rho, but only d - 2r of them
// stay there (Law of Parsimony): the other r, inside the invariant 2r-dim
// subspace, decay, so the observed floor lies between sqrt((d - 2r)/(d - r))
// and 1 times the estimate. TestRegimeProperty found it failing at
// d = 8, r = 3 (L = 2, eps = 0.1, eta = 0.25 x stable, seed 1: relative
// deviation 0.274 > 0.25, where sqrt(2/5) = 0.63 bounds the ratio);
// at d >= 4r the bound is sqrt(2/3) = 0.82.
const FloorOriginalMinDPerRank = 4

// FloorSettle: mf-floor-original is evaluated only when the run went on
// for at least FloorSettle times the step at which its last target mode
// was learned, after that step. Learning a mode (its value crossing half
// the singular value) perturbs the directions off the target, which settle
// back to rho within a few steps. TestRegimeProperty drew d = 19, r = 2,
// L = 3, eps = 0.0414, eta = 0.69 x stable, seed 22, whose last mode was
// learned at step 199 of 200: the floor was 1.59 x the estimate (a CI
// failure). That run and five others failing at 200 steps (eps 0.03 to
// 0.05, L = 3, last modes learned at steps 198 to 200, deviations 0.39 to
// 1.42) still failed 2 steps later on 2 of 6 (0.32, 0.51) and passed from
// 4 steps later on (1% and 2% of the learn step); 3% leaves a margin. A
// square 60 x 60 run whose last mode was learned at step 3607 passes at
// step 3744 (3.8%). A variable so that a test can remove it.
var FloorSettle = 0.03

// FloorOriginalMaxEps: mf-floor-original is checked only for eps at most
// this. At d = 8, r = 1, L = 3, eta = 0.25 x stable, 100-200 steps (1512 runs
// scanned over eps = 0.025 to 0.1, 24 seeds), the observed floor exceeded
// the estimate by more than the tolerance at eps = 0.079 (seeds 8, 10, 19:
// relative deviation 0.27 to 0.55) and eps = 0.1 (seed 3: 0.72), and never
// at eps <= 0.063; TestPropertyExactIdentities drew such a case. Half of
// theory.KwonMaxEps leaves a margin below the first failure.
const FloorOriginalMaxEps = 0.05

// finish evaluates the checks that compare methods and returns all checks.
func (k *checker) finish() []results.Check {
	r := k.rank()
	if k.trainedOrig && k.mc != 0 {
		regime := k.regime("orthogonal eps-init") + fmt.Sprintf(", d=%d > 2r=%d (r: the target's rank)", k.d, 2*r)
		quantity := fmt.Sprintf("fewest singular values of a layer within %g relative of rho(t)", checks.RhoRelTol)
		if k.schedule != nil {
			quantity += fmt.Sprintf(" (d > %d: at %d scheduled steps, dense at the start)", DenseCheckMaxD, len(k.counts))
		}
		gapQ := "||W_orig - W_lop||_F vs rho^L sqrt(d-2r) at every step"
		gapM, gapRegime := methods.Original+"/"+methods.LoP, regime+", lop gamma=0"
		skip, ne := "", ""
		switch {
		case k.squareWhy != "":
			skip = k.squareWhy
		case k.loaded(methods.Original):
			skip = "initial weights were loaded from files"
		case len(k.s) == 0:
			ne = "the target's singular values are unknown (its SVD failed)"
		case 2*r >= k.d:
			skip = fmt.Sprintf("d = %d <= 2 rank(target) = %d: no direction stays outside the 2r-dimensional subspace the original moves in, so there is nothing for the Law of Parsimony to predict", k.d, 2*r)
		case k.exactWhy() != "":
			skip = k.exactWhy()
		case k.noDynamics(methods.Original) != "":
			ne = k.noDynamics(methods.Original)
		case k.theoryWhy != "":
			ne = k.theoryWhy
		case k.rho == nil:
			ne = "rho(t) was not tracked for this run"
		}
		if skip != "" {
			k.out = append(k.out, checks.Skip(CheckRho, methods.Original, regime, skip))
			k.out = append(k.out, checks.Skip(CheckGap, gapM, gapRegime, skip))
		} else if ne != "" {
			k.out = append(k.out, checks.NotEvaluable(CheckRho, methods.Original, regime, quantity, ne, results.Absent))
			k.out = append(k.out, checks.NotEvaluable(CheckGap, gapM, gapRegime, gapQ, ne, results.Absent))
		} else {
			k.out = append(k.out, checks.AtLeast(CheckRho, methods.Original, regime, quantity, k.counts, k.d-2*r))
			if k.shadow == nil {
				k.out = append(k.out, checks.NotEvaluable(CheckGap, gapM, gapRegime, gapQ, "the LoP network could not be built alongside", results.Absent))
			} else {
				if k.gapRes == 0 {
					k.out = append(k.out, checks.NotEvaluable(CheckGap, methods.Original+"/"+methods.LoP, regime+", lop gamma=0", gapQ,
						fmt.Sprintf("rho^L sqrt(d-2r) (%.3g at step 0) never rises above the rounding floor %.3g of ||W||: the gap cannot be resolved", theory.LoPGap(k.rho.At(0), k.c.Depth, k.d, r), k.gapAbs), results.Absent))
				} else {
					k.out = append(k.out, k.gap.check(CheckGap, methods.Original+"/"+methods.LoP, regime+", lop gamma=0", gapQ, ""))
				}
			}
		}
	}
	if _, okO := k.res[methods.Original]; okO {
		if _, okC := k.res[methods.Compressed]; okC {
			k.kwonCheck()
			k.floorRatioCheck()
		}
	}
	return k.out
}

func (k *checker) kwonCheck() {
	regime := fmt.Sprintf("MF, spectral init from Phi, alpha = 1, eps <= %g, rank(target) <= r_hat <= d - rank(target), eta <= %g x stable at depth 2 and %g at depth 3 (alpha=%g, eps=%g, rank=%d, r_hat=%d, L=%d)",
		theory.KwonMaxEps, KwonMaxEtaFracL2, KwonMaxEtaFracL3, k.c.Alpha, k.c.Eps, k.rank(), k.c.RHat, k.c.Depth)
	const quantity = "compressed recovery error <= original's at every step (from the training losses)"
	in, why := k.kwonRegime()
	switch {
	case k.mc == 0:
		k.out = append(k.out, checks.Skip(CheckKwon, methods.Compressed, regime, "the theorem is for matrix factorization"))
	case k.squareWhy != "":
		k.out = append(k.out, checks.Skip(CheckKwon, methods.Compressed, regime, k.squareWhy))
	case k.loaded(methods.Original) || k.loaded(methods.Compressed):
		k.out = append(k.out, checks.Skip(CheckKwon, methods.Compressed, regime, "initial weights were loaded from files"))
	case !in:
		k.out = append(k.out, checks.Skip(CheckKwon, methods.Compressed, regime, why))
	case k.noDynamics(methods.Original, methods.Compressed) != "":
		k.out = append(k.out, checks.NotEvaluable(CheckKwon, methods.Compressed, regime, quantity, k.noDynamics(methods.Original, methods.Compressed), results.Absent))
	case k.theoryWhy != "":
		k.out = append(k.out, checks.NotEvaluable(CheckKwon, methods.Compressed, regime, quantity, k.theoryWhy, results.Absent))
	default:
		k.out = append(k.out, checks.Below(CheckKwon, methods.Compressed, regime, quantity,
			stepPoints(k.stepErr[methods.Compressed]), stepPoints(k.stepErr[methods.Original]), checks.BoundSlack, checks.KwonAbsSlack))
	}
}

func (k *checker) floorRatioCheck() {
	if k.mc == 0 {
		return
	}
	oc, okC := k.floors[methods.Compressed]
	oo, okO := k.floors[methods.Original]
	r, rh := k.rank(), k.c.RHat
	regime := fmt.Sprintf("MF, alpha = 1 (compressed zero modes follow rho^L), r_hat=%d > r=%d, d=%d >= %d r", rh, r, k.d, FloorOriginalMinDPerRank)
	const quantity = "compressed floor / original floor vs sqrt((r_hat - r)/(d - r))"
	switch {
	case k.squareWhy != "":
		k.out = append(k.out, checks.Skip(CheckFloorRatio, methods.Compressed, regime, k.squareWhy))
	case k.c.Alpha != 1:
		k.out = append(k.out, checks.Skip(CheckFloorRatio, methods.Compressed, regime, fmt.Sprintf("alpha = %g: the compressed zero modes do not follow rho^L", k.c.Alpha)))
	case rh <= r:
		k.out = append(k.out, checks.Skip(CheckFloorRatio, methods.Compressed, regime, "r_hat <= rank(target): the compressed network has no floor"))
	case k.interruption(methods.Original, methods.Compressed) != "":
		k.out = append(k.out, checks.NotEvaluable(CheckFloorRatio, methods.Compressed, regime, quantity, k.interruption(methods.Original, methods.Compressed), checks.FloorOriginalRelTol))
	case !okC || !okO:
		// The ratio needs both floors: not evaluable, with the reason of
		// the floor that is missing.
		m, name := methods.Original, CheckFloorOriginal
		if !okC {
			m, name = methods.Compressed, CheckFloorCompressed
		}
		row, ok := k.floorRows[m]
		why := fmt.Sprintf("%s was not evaluated", name)
		if ok {
			why = fmt.Sprintf("%s was %s: %s", name, row.Status, row.Detail)
		}
		k.out = append(k.out, checks.NotEvaluable(CheckFloorRatio, methods.Compressed, regime, quantity, why, checks.FloorOriginalRelTol))
	case !(oo > 0):
		k.out = append(k.out, checks.NotEvaluable(CheckFloorRatio, methods.Compressed, regime, quantity, "the original's floor component is 0 (underflow)", checks.FloorOriginalRelTol))
	default:
		pred := math.Sqrt(float64(rh-r) / float64(k.d-r))
		k.out = append(k.out, checks.Near(CheckFloorRatio, methods.Compressed, regime, quantity, oc/oo, pred, checks.FloorOriginalRelTol, 0, ""))
	}
}

func stepPoints(v []float64) []checks.Point {
	p := make([]checks.Point, len(v))
	for i, x := range v {
		p[i] = checks.Point{Step: i, Value: x}
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
