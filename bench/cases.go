package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/randmat"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// Units reported by the suite, besides sec/op, B/op and allocs/op.
const (
	UnitFlops     = "flops/op"
	UnitParams    = "params-bytes"
	UnitWorkspace = "workspace-bytes"
	UnitError     = "recovery-err"
	UnitStepsTol  = "steps-to-tol"
	UnitSamples   = "samples/s"
	UnitGFLOPS    = "GFLOP/s"
	UnitPeakFrac  = "peak-frac"
	// UnitGBps is the operator bytes a memory-bound step (sensing: two
	// GEMVs over the m x d^2 operator) reads per second; UnitBWFrac is it
	// as a fraction of the calibrated STREAM triad bandwidth.
	UnitGBps   = "GB/s"
	UnitBWFrac = "bw-frac"
	// UnitPeakHeap is the largest live Go heap sampled after each training
	// of a Train case (runtime/metrics), the whole process's.
	UnitPeakHeap = "peak-heap-bytes"
)

// Exact lists the units whose values are deterministic (assume=exact).
var Exact = []string{UnitFlops, UnitParams, UnitWorkspace, UnitError, UnitStepsTol}

// Higher lists the units where higher is better.
var Higher = []string{UnitSamples, UnitGFLOPS, UnitPeakFrac, UnitGBps, UnitBWFrac, UnitLimitFrac,
	UnitStepGFLOPS, UnitDgemmGFLOPS, UnitDgemmFrac}

// MaxOperatorBytes bounds the MS operator of a Step case (m = 20 d
// measurements: 160 d^3 bytes, 42 MB at d = 64, 335 MB at d = 128); the ms
// workload's spec applies it (workloads.Spec.Bench).
const MaxOperatorBytes = workloads.MaxBenchOperatorBytes

// Sizes of the default and quick suites; LargeSizes are added by --large.
var (
	DefaultSizes = []int{64, 256, 1024}
	QuickSizes   = []int{64, 256}
	LargeSizes   = []int{2048}
)

// Case is one benchmark.
type Case struct {
	// Name is the benchmark name without the "Benchmark" prefix and the
	// GOMAXPROCS suffix, e.g. "Step/workload=mf/method=original/d=64/L=3".
	Name string
	// Bench is the benchmark body.
	Bench func(b *testing.B)
	// Release frees the problem the case built; the case rebuilds it if run
	// again.
	Release func()
	// Exact computes the case's deterministic metrics (unit -> value)
	// without timing anything: analytically for Step and Infer, by
	// training for Train.
	Exact func() (map[string]float64, error)
	// Tags select the case into suites (Options.Tags): its group ("step",
	// "efficiency", "train", "infer"), "workload=<name>", "method=<name>"
	// and "path=<name>" where they apply, and its workload's own tags
	// (workloads.Spec.Tags, e.g. "ci").
	Tags []string
}

// HasTags reports whether c has every tag of tags.
func (c Case) HasTags(tags []string) bool {
	for _, t := range tags {
		if !contains(c.Tags, t) {
			return false
		}
	}
	return true
}

// caseTags returns the tags of a case of group on workload and method
// ("" leaves one out).
func caseTags(group, workload, method, path string) []string {
	tags := []string{group}
	if workload != "" {
		tags = append(tags, "workload="+workload)
		if s, ok := workloads.Lookup(workload); ok {
			tags = append(tags, s.Tags...)
		}
	}
	if method != "" {
		tags = append(tags, "method="+method)
	}
	if path != "" {
		tags = append(tags, "path="+path)
	}
	return tags
}

// selectTags tags the cases of GateSuite and keeps the cases with every
// tag of tags.
func selectTags(cases []Case, tags []string) []Case {
	tagGate(cases)
	if len(tags) == 0 {
		return cases
	}
	var out []Case
	for _, c := range cases {
		if c.HasTags(tags) {
			out = append(out, c)
		}
	}
	return out
}

// Options choose the cases.
type Options struct {
	Sizes     []int    // default DefaultSizes
	Workloads []string // default every registered workload (config.WorkloadNames)
	Methods   []string // default the default methods (config.DefaultMethods)
	Depth     int      // default 3
	// Tags, when not empty, keep only the cases that have every one of
	// them (Case.Tags).
	Tags []string
	// Meter measures energy per op; nil reports none.
	Meter Meter
	// PeakGFLOPS is this machine's calibrated dgemm peak (lowdim
	// calibrate); when positive, Step cases report their achieved GFLOP/s
	// as a fraction of it (peak-frac).
	PeakGFLOPS float64
	// TriadGBps is this machine's calibrated memory bandwidth; when
	// positive, memory-bound Step cases (sensing) report the bandwidth they
	// achieve as a fraction of it (bw-frac).
	TriadGBps float64
	// Calibration, when not nil, is this machine's stored calibration
	// (lowdim calibrate): the factored and sampled Step cases report
	// limit-frac, their step's limit (trainer.FactoredMFLimit, the sampled
	// pass's trainer.SampledMC.Limit times |O|) over the measured time.
	Calibration *calibrate.Calibration
	// Loaded, when not nil, is an instance read from files (LoadStep,
	// lowdim bench --load-instance): the Step cases are its workload's
	// at its size, built on it, and All makes no other case; Sizes and
	// Workloads are ignored.
	Loaded *Loaded
}

// Loaded is an instance read from a folder and the Step configuration it
// was read under (LoadStep).
type Loaded struct {
	Dir      string
	Instance *instance.Instance
	Config   config.Config
}

// LoadStep reads the instance folder dir (instance.Load: a folder that
// lowdim run --save-instance wrote, or NumPy's np.save, with target.npy)
// under the Step cases' configuration (stepConfig: r = 5, r_hat = 10,
// eps = 1e-2, eta = 1e-9, seed 1, the workload's benchmark parameters)
// with the values the files fix taken from them: d and the workload's
// parameters marked FromFiles (p of mc, m of ms); r stays 5, not the
// target's numerical rank, which would take a full SVD of it. The
// folder's initial weights of a method (init_<method>_W*.npy) are the
// start of its cases and must have r_hat = 10's shapes. The instance must
// be square (the cases are named by d). depth is the networks' (0: 3, the
// suite's default); methods, when not empty, are the methods checked
// against the instance (its memory plan, experiment.PreflightSteps: the
// original network at d = 16384 needs 40 GB; a method whose initial
// weights the folder holds is planned without its initialization), else
// the default ones. Errors name the folder or the file; they come before
// any case is built.
func LoadStep(dir string, depth int, methods []string) (*Loaded, error) {
	if depth == 0 {
		depth = 3
	}
	w, err := instance.FilesWorkload(dir)
	if err != nil {
		return nil, err
	}
	c, _ := stepConfig(w, 0, depth)
	if len(methods) > 0 {
		c.Methods = methods
	}
	c.D = 0 // r stays stepConfig's 5: the files' numerical rank is a full SVD of the target (hours at d = 16384)
	if info, ok := config.LookupWorkload(w); ok {
		for _, p := range info.Params {
			if p.FromFiles {
				delete(c.Params, p.Key)
			}
		}
	}
	in, c, err := experiment.LoadStepInstance(c, dir)
	if err != nil {
		return nil, err
	}
	if rows, cols := c.Dims(); rows != cols {
		return nil, fmt.Errorf("%s: the target is %d x %d; bench's Step cases are square (d x d)", dir, rows, cols)
	}
	return &Loaded{Dir: dir, Instance: in, Config: c}, nil
}

// Meter measures the energy of a benchmark loop (package energy's Meter
// satisfies it).
type Meter interface {
	Start()
	// Stop returns the joules since Start and the unit to report them in
	// per op ("energy-J/op" or "model-J/op").
	Stop() (joules float64, unit string)
}

func (o Options) withDefaults() Options {
	if len(o.Sizes) == 0 {
		o.Sizes = DefaultSizes
	}
	if len(o.Workloads) == 0 {
		o.Workloads = config.WorkloadNames()
	}
	if len(o.Methods) == 0 {
		o.Methods = config.DefaultMethods()
	}
	if o.Depth == 0 {
		o.Depth = 3
	}
	return o
}

// stepConfig is the problem of a Step or Infer case: the paper's r = 5,
// r_hat = 10, eps = 1e-2, the workload's benchmark parameters
// (workloads.Spec.Bench: p = 0.3, m = 20 d, the sum loss), and a tiny
// learning rate so that the weights stay at their steady-state scale
// however many steps run; false when the workload does not benchmark size d.
func stepConfig(workload string, d, depth int) (config.Config, bool) {
	c := config.Config{Workload: workload, D: d, R: 5, RHat: 10, Depth: depth, Eps: 1e-2, Eta: 1e-9,
		Steps: 1, Seed: 1}
	spec, ok := workloads.Lookup(workload)
	if !ok {
		return c, false
	}
	if spec.Bench != nil {
		params, ok := spec.Bench(d)
		if !ok {
			return c, false
		}
		c.Params = params
	}
	return c.WithDefaults(), true
}

// problem is what a Step case builds once.
type problem struct {
	obj   experiment.Objective
	net   *dln.Network
	work  workloads.Workload
	flops uint64
}

// paths returns the step algorithms to benchmark for a method: dense (the
// reference) and, for a method that does not form the end-to-end matrix,
// the workload's own (config.WorkloadInfo.Paths: sampled on MC, factored on
// MF: what auto picks).
func paths(workload, method string) []string {
	out := []string{config.PathDense}
	if info, ok := config.LookupMethod(method); ok && info.FormsProduct {
		return out
	}
	w, _ := config.LookupWorkload(workload)
	return append(out, w.Paths...)
}

func buildStep(c config.Config, method string, loaded *instance.Instance) (*problem, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	// A loaded instance is in memory already, and its initial weights
	// replace their method's initialization (experiment.NewNetwork):
	// PreflightSteps counts neither, nor the checks, which a step runs
	// none of.
	check := experiment.Preflight
	if loaded != nil {
		check = func(c config.Config) error { return experiment.PreflightSteps(c, loaded) }
	}
	if err := check(c); err != nil {
		return nil, err
	}
	in := loaded
	if in == nil {
		var err error
		if in, err = instance.Build(c); err != nil {
			return nil, err
		}
	}
	net, err := experiment.NewNetwork(method, c, in)
	if err != nil {
		return nil, err
	}
	obj, _ := experiment.NewObjective(method, c, in, net)
	return &problem{obj: obj, net: net, work: in.Work, flops: stepFlops(c, method)}, nil
}

// stepBytes is what a step streams of the workload's data
// (workloads.Spec.StepBytes; sensing: the forward and the adjoint GEMV each
// stream the m x d^2 operator once), 0 when nothing worth a bandwidth.
func stepBytes(c config.Config) uint64 {
	if s, ok := workloads.Lookup(c.Workload); ok && s.StepBytes != nil {
		return s.StepBytes(c)
	}
	return 0
}

// observed is |O| = floor(p d^2) of an MC step config.
func observed(c config.Config) int { return int(c.Float("p") * float64(c.D*c.D)) }

// stepFlops is the analytic flop count of one step (package theory).
func stepFlops(c config.Config, method string) uint64 {
	w := dln.Widths(methods.Shapes(method, c, c.D, c.D))
	switch c.Path {
	case config.PathSampled:
		return theory.SampledMCStepFlops(w, observed(c))
	case config.PathFactored:
		return theory.FactoredMFStepFlops(w)
	}
	return theory.StepFlops(w)
}

// stepWorkspace is the workspace of a Step case besides the parameters
// (experiment.StepWorkspace; a Step case never runs a checkpoint).
func stepWorkspace(c config.Config, method string) int64 {
	return experiment.StepWorkspace(c, methods.Shapes(method, c, c.D, c.D), false)
}

// lazy builds a value on first use and drops it on release.
type lazy[T any] struct {
	mu    sync.Mutex
	build func() (T, error)
	v     T
	ok    bool
}

func (l *lazy[T]) get(b *testing.B) T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.ok {
		v, err := l.build()
		if err != nil {
			b.Fatal(err)
		}
		l.v, l.ok = v, true
	}
	return l.v
}

func (l *lazy[T]) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	var zero T
	l.v, l.ok = zero, false
}

// StepCases returns one Step case per workload, method and size: the time of
// one gradient step (forward, workload gradient, backward, update).
func StepCases(o Options) []Case {
	o = o.withDefaults()
	var cases []Case
	if ld := o.Loaded; ld != nil {
		for _, m := range o.Methods {
			for _, path := range paths(ld.Config.Workload, m) {
				c := ld.Config.Clone()
				c.Path, c.Methods = path, []string{m}
				if c.Validate() != nil { // e.g. the original network on a sparse instance
					continue
				}
				cases = append(cases, stepCase(o, c, m))
			}
		}
		return selectTags(cases, o.Tags)
	}
	for _, w := range o.Workloads {
		for _, m := range o.Methods {
			for _, path := range paths(w, m) {
				for _, d := range o.Sizes {
					c, ok := stepConfig(w, d, o.Depth)
					if !ok {
						continue
					}
					c.Path = path
					cases = append(cases, stepCase(o, c, m))
				}
			}
		}
	}
	return selectTags(cases, o.Tags)
}

func stepCase(o Options, c config.Config, m string) Case {
	// The case trains m alone: the other default methods must not refuse
	// it (the original network on a sparse instance, above d = 4096) nor
	// count in its memory plan.
	c.Methods = []string{m}
	var in *instance.Instance
	if o.Loaded != nil {
		in = o.Loaded.Instance
	}
	l := &lazy[*problem]{build: func() (*problem, error) { return buildStep(c, m, in) }}
	return Case{
		Name:    fmt.Sprintf("Step/workload=%s/method=%s/path=%s/d=%d/L=%d", c.Workload, m, c.Path, c.D, c.Depth),
		Release: l.release,
		Tags:    caseTags("step", c.Workload, m, c.Path),
		Exact: func() (map[string]float64, error) {
			params, _ := dln.Footprint(methods.Shapes(m, c, c.D, c.D))
			return map[string]float64{
				UnitFlops:     float64(stepFlops(c, m)),
				UnitParams:    float64(8 * params),
				UnitWorkspace: float64(stepWorkspace(c, m)),
			}, nil
		},
		Bench: func(b *testing.B) {
			p := l.get(b)
			b.ReportAllocs()
			p.obj.Evaluate()
			startMeter(o.Meter)
			b.ResetTimer()
			var t0 time.Time
			for i := 0; i < b.N; i++ {
				StopIfInterrupted(b)
				if planted {
					t0 = time.Now()
				}
				p.obj.Step(c.Eta)
				p.obj.Evaluate()
				plantWork(t0)
			}
			b.StopTimer()
			reportMeter(b, o.Meter)
			b.ReportMetric(float64(p.flops), UnitFlops)
			b.ReportMetric(float64(8*p.net.Params()), UnitParams)
			b.ReportMetric(float64(p.obj.WorkspaceBytes()), UnitWorkspace)
			if sec := b.Elapsed().Seconds(); sec > 0 {
				g := float64(p.flops) * float64(b.N) / sec / 1e9
				b.ReportMetric(g, UnitGFLOPS)
				if o.PeakGFLOPS > 0 {
					b.ReportMetric(g/o.PeakGFLOPS, UnitPeakFrac)
				}
				if lim, ok := stepLimitNs(o.Calibration, c, p); ok {
					b.ReportMetric(lim*float64(b.N)/(sec*1e9), UnitLimitFrac)
				}
				if sb := stepBytes(c); sb > 0 {
					gbps := float64(sb) * float64(b.N) / sec / 1e9
					b.ReportMetric(gbps, UnitGBps)
					if o.TriadGBps > 0 {
						b.ReportMetric(gbps/o.TriadGBps, UnitBWFrac)
					}
				}
			}
		},
	}
}

// UnitLimitFrac is a step's limit on the calibrated machine over its
// measured time (1 is at the limit; Options.Calibration).
const UnitLimitFrac = "limit-frac"

// stepLimitNs is the limit in ns of a factored or sampled step of c on
// the machine of cal (nil: none): trainer.FactoredMFLimit at c's r_hat, or
// the sampled pass's limit per observed entry times |O| (the step's small
// inner products left out); false for the other paths, or when cal lacks
// the memory levels or the peak.
func stepLimitNs(cal *calibrate.Calibration, c config.Config, p *problem) (float64, bool) {
	if cal == nil {
		return 0, false
	}
	switch o := p.obj.(type) {
	case *trainer.FactoredMF:
		rows, cols := c.Dims()
		ns, _, _, err := trainer.FactoredMFLimit(*cal, rows, cols, c.RHat)
		return ns, err == nil
	case *trainer.SampledMC:
		lim, err := o.Limit(*cal)
		if err != nil {
			return 0, false
		}
		obs, ok := p.work.(interface{ Observed() int })
		if !ok {
			return 0, false
		}
		return lim.NsPerEntry * float64(obs.Observed()), true
	}
	return 0, false
}

func startMeter(m Meter) {
	if m != nil {
		m.Start()
	}
}

func reportMeter(b *testing.B, m Meter) {
	if m != nil {
		if j, unit := m.Stop(); !math.IsNaN(j) {
			b.ReportMetric(j/float64(b.N), unit)
		}
	}
}

// TrainCases returns one Train case per workload and method of the quick
// preset: training from the initialization to the preset's step budget or
// tolerance, reporting the recovery error at the end and the steps to the
// tolerance (the budget when it is not reached). Both are deterministic.
func TrainCases(o Options) []Case {
	o = o.withDefaults()
	quick, _ := config.LookupPreset(config.QuickPreset)
	var cases []Case
	for _, c := range quick.Runs {
		c = c.WithDefaults()
		if !contains(o.Workloads, c.Workload) {
			continue
		}
		for _, m := range o.Methods {
			in := &lazy[*instance.Instance]{build: func() (*instance.Instance, error) { return instance.Build(c) }}
			cases = append(cases, Case{
				Name:    fmt.Sprintf("Train/workload=%s/method=%s/d=%d/L=%d/steps=%d", c.Workload, m, c.D, c.Depth, c.Steps),
				Release: in.release,
				Tags:    caseTags("train", c.Workload, m, ""),
				Exact: func() (map[string]float64, error) {
					inst, err := instance.Build(c)
					if err != nil {
						return nil, err
					}
					errAt, steps, err := train(c, m, inst, nil)
					if err != nil {
						return nil, err
					}
					return map[string]float64{UnitError: errAt, UnitStepsTol: float64(steps)}, nil
				},
				Bench: func(b *testing.B) {
					inst := in.get(b)
					b.ReportAllocs()
					var last float64
					var steps int
					peak := machine.HeapBytes()
					startMeter(o.Meter)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						StopIfInterrupted(b)
						var err error
						if last, steps, err = train(c, m, inst, b); err != nil {
							b.Fatal(err)
						}
						peak = max(peak, machine.HeapBytes())
					}
					b.StopTimer()
					reportMeter(b, o.Meter)
					b.ReportMetric(last, UnitError)
					b.ReportMetric(float64(steps), UnitStepsTol)
					b.ReportMetric(float64(peak), UnitPeakHeap)
				},
			})
		}
	}
	return selectTags(cases, o.Tags)
}

// train trains method m of c on inst from its initialization and returns
// the final recovery error and the steps to the tolerance (the steps taken
// when it is not reached). With b not nil, only the training is timed.
func train(c config.Config, m string, inst *instance.Instance, b *testing.B) (float64, int, error) {
	if b != nil {
		b.StopTimer()
	}
	net, err := experiment.NewNetwork(m, c, inst)
	if err != nil {
		return 0, 0, err
	}
	obj, _ := experiment.NewObjective(m, c, inst, net)
	if b != nil {
		b.StartTimer()
	}
	var t0 time.Time
	if planted && b != nil {
		t0 = time.Now()
	}
	res := trainer.Train(obj, trainer.Config{Steps: c.Steps, Eta: c.Eta, Tol: c.Tol, Every: c.Steps})
	if b != nil {
		plantWork(t0)
	}
	steps := res.Steps
	if res.StepsToTol != nil {
		steps = *res.StepsToTol
	}
	if res.FinalError == nil {
		return 0, 0, fmt.Errorf("%s diverged: %s", m, res.Message)
	}
	return *res.FinalError, steps, nil
}

// InferBatch is the batch of the Infer cases.
const InferBatch = 256

// InferCases returns one Infer case per method and size: the end-to-end map
// applied to a d x InferBatch batch. A network that forms the end-to-end
// matrix (config.MethodInfo.FormsProduct: the original) applies its
// materialised d x d end-to-end matrix (one product, its cheapest form); the
// narrow networks apply their factors in turn, never forming W. The cost
// does not depend on the weights' values, so the networks are used as
// initialised.
func InferCases(o Options) []Case {
	o = o.withDefaults()
	var cases []Case
	for _, m := range o.Methods {
		forms := false
		if info, ok := config.LookupMethod(m); ok {
			forms = info.FormsProduct
		}
		for _, d := range o.Sizes {
			c, ok := stepConfig(inferWorkload, d, o.Depth)
			if !ok {
				continue
			}
			type state struct {
				factors []*mat.Dense
				bufs    []*mat.Dense
				x       *mat.Dense
				flops   uint64
				params  int
			}
			l := &lazy[*state]{build: func() (*state, error) {
				p, err := buildStep(c, m, nil)
				if err != nil {
					return nil, err
				}
				s := &state{x: mat.NewDense(d, InferBatch, nil), params: p.net.Params()}
				randmat.Gaussian(s.x, 1, rand.New(rand.NewPCG(1, 2)))
				if forms {
					s.factors = []*mat.Dense{mat.DenseCopyOf(p.net.Forward())}
				} else {
					for l := 0; l < p.net.Layers(); l++ {
						s.factors = append(s.factors, p.net.Layer(l))
					}
				}
				for _, f := range s.factors {
					r, k := f.Dims()
					s.bufs = append(s.bufs, mat.NewDense(r, InferBatch, nil))
					s.flops += uint64(2 * r * k * InferBatch)
				}
				return s, nil
			}}
			cases = append(cases, Case{
				Name:    fmt.Sprintf("Infer/method=%s/d=%d/L=%d/batch=%d", m, d, o.Depth, InferBatch),
				Release: l.release,
				Tags:    caseTags("infer", "", m, ""),
				Exact: func() (map[string]float64, error) {
					shapes := methods.Shapes(m, c, d, d)
					params, _ := dln.Footprint(shapes)
					var flops int
					if forms {
						flops = 2 * d * d * InferBatch
					} else {
						for _, sh := range shapes {
							flops += 2 * sh.Rows * sh.Cols * InferBatch
						}
					}
					return map[string]float64{UnitFlops: float64(flops), UnitParams: float64(8 * params)}, nil
				},
				Bench: func(b *testing.B) {
					s := l.get(b)
					b.ReportAllocs()
					startMeter(o.Meter)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						StopIfInterrupted(b)
						in := s.x
						for j, f := range s.factors {
							blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, f.RawMatrix(), in.RawMatrix(), 0, s.bufs[j].RawMatrix())
							in = s.bufs[j]
						}
					}
					b.StopTimer()
					reportMeter(b, o.Meter)
					b.ReportMetric(float64(s.flops), UnitFlops)
					b.ReportMetric(float64(8*s.params), UnitParams)
					if sec := b.Elapsed().Seconds(); sec > 0 {
						b.ReportMetric(float64(b.N*InferBatch)/sec, UnitSamples)
					}
				},
			})
		}
	}
	return selectTags(cases, o.Tags)
}

// inferWorkload is the problem the Infer cases build their networks on
// (the cost of the end-to-end map depends on the shapes alone).
const inferWorkload = "mf"

// All returns the Step, Efficiency, Train, Infer and MLP cases, in that
// order.
func All(o Options) []Case {
	if o.Loaded != nil {
		return StepCases(o)
	}
	cases := append(StepCases(o), EfficiencyCases(o)...)
	cases = append(append(cases, TrainCases(o)...), InferCases(o)...)
	return append(cases, MLPCases(o)...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
