package procure

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/energy"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/latency"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// Options are the parts of a run that are not part of the suite.
type Options struct {
	// Progress, when not nil, receives one line per task: its name, the
	// tasks done, the elapsed time and the estimated time left.
	Progress io.Writer
	// Interrupt, when not nil, stops Run once closed: the task under way
	// ends and Run returns ErrInterrupted (a partial report would
	// misstate the machine).
	Interrupt <-chan struct{}
	// Model is the energy model used when no RAPL counter is readable
	// (zero: energy.DefaultWattsPerCore).
	Model energy.Model
	// PowercapRoot is where the RAPL counters are looked for (default
	// energy.DefaultRoot).
	PowercapRoot string
}

// ErrInterrupted is Run's error when Options.Interrupt was closed.
var ErrInterrupted = errors.New("procure: interrupted")

// Validate returns an input error naming the first field of s that is out
// of range or names an unknown workload or preset.
func (s Suite) Validate() error {
	bad := func(format string, a ...any) error { return config.Input(fmt.Errorf("procure: suite "+format, a...)) }
	switch {
	case s.Name == "" || s.Version < 1:
		return bad("%q version %d: want a name and a version >= 1", s.Name, s.Version)
	case s.CalibrationRuns < 1:
		return bad("calibration runs %d: want at least 1", s.CalibrationRuns)
	case s.StepSamples < 1 && len(s.StepSizes) > 0:
		return bad("step samples %d: want at least 1", s.StepSamples)
	case s.InferRounds < 1 && len(s.InferSizes) > 0:
		return bad("inference rounds %d: want at least 1", s.InferRounds)
	case s.TTQRuns < 1 && len(s.TTQPresets) > 0:
		return bad("time-to-quality runs %d: want at least 1", s.TTQRuns)
	}
	if err := s.Calibration.Validate(); err != nil {
		return config.Input(err)
	}
	for _, w := range s.StepWorkloads {
		if _, ok := workloads.Lookup(w); !ok {
			return bad("workload %q: unknown (known: %s)", w, strings.Join(config.WorkloadNames(), ", "))
		}
	}
	for _, p := range s.TTQPresets {
		if _, err := ttqConfig(p); err != nil {
			return config.Input(err)
		}
	}
	for _, n := range append(slices.Clone(s.StepSizes), s.InferSizes...) {
		if n < 8 || n > 8192 {
			return bad("size %d: want 8..8192", n)
		}
	}
	for _, b := range s.InferBatches {
		if b < 1 || b > 4096 {
			return bad("batch %d: want 1..4096", b)
		}
	}
	return nil
}

// ttqConfig is the run of a preset with its defaults applied: the
// preset's only run, or for "PRESET/RUN" its run named RUN (quick/mf).
func ttqConfig(name string) (config.Config, error) {
	preset, run, named := strings.Cut(name, "/")
	p, err := config.LookupPreset(preset)
	if err != nil {
		return config.Config{}, err
	}
	if named {
		for _, c := range p.Runs {
			if c.Name == run {
				return c.WithDefaults(), nil
			}
		}
		return config.Config{}, fmt.Errorf("procure: preset %q has no run named %q", preset, run)
	}
	if len(p.Runs) != 1 {
		return config.Config{}, fmt.Errorf("procure: preset %q has %d runs, want 1 (name one: %s/RUN)", name, len(p.Runs), name)
	}
	return p.Runs[0].WithDefaults(), nil
}

// task is one unit of the suite's progress: a name, a weight (its rough
// cost, in the seconds it takes on a two-core machine with OpenBLAS) and
// its work.
type task struct {
	name   string
	weight float64
	run    func() error
}

// Run runs the suite s on this machine and returns the report. It returns
// an input error when s is invalid, ErrInterrupted when interrupted, and
// otherwise never fails: a benchmark that cannot run (too large for the
// memory or the time budget, a preset that does not reach its tolerance)
// is in the report with the reason it is absent.
func Run(s Suite, o Options) (*Report, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := o.Model.Validate(); err != nil {
		return nil, config.Input(err)
	}
	root := o.PowercapRoot
	if root == "" {
		root = energy.DefaultRoot
	}
	meter := energy.NewMeter(root, o.Model)
	start := time.Now()
	r := &Report{Kind: Kind, Suite: s.Name, SuiteVersion: s.Version, Quick: s.Quick,
		Machine: machine.Read(), LoadStart: loadAverage(), EnergyWhy: meter.Why()}
	r.EnergyMeasured = meter.Why() == ""
	if r.EnergyMeasured {
		r.EnergySource = "rapl"
	} else {
		r.EnergySource = o.Model.Source()
	}
	st := &state{s: s, o: o, r: r, meter: meter, benches: map[string]int{}, prevStep: map[string]prevStep{},
		env: map[string]*envAcc{}}
	tasks := st.tasks()
	var total float64
	for _, t := range tasks {
		total += t.weight
	}
	var done float64
	for i, t := range tasks {
		if st.stopped() {
			return nil, ErrInterrupted
		}
		if err := t.run(); err != nil {
			return nil, err
		}
		done += t.weight
		if o.Progress != nil {
			el := time.Since(start)
			eta := time.Duration(float64(el) * (total - done) / done)
			fmt.Fprintf(o.Progress, "[%d/%d] %s: elapsed %s, about %s left\n", i+1, len(tasks), t.name,
				el.Round(time.Second), eta.Round(time.Second))
		}
	}
	if st.stopped() {
		return nil, ErrInterrupted
	}
	st.setEnv()
	for i := range r.Benchmarks {
		r.Benchmarks[i].summarize()
	}
	st.notePeak()
	if st.peakRSS > 0 {
		r.PeakRSSBytes = ptr(st.peakRSS)
	}
	r.LoadEnd = loadAverage()
	r.Seconds = time.Since(start).Seconds()
	r.Date = time.Now().UTC().Format(time.RFC3339)
	return r, nil
}

// prevStep is a step benchmark done: its size, the time building its
// problem and network took and its first step's, or that it was dropped.
type prevStep struct {
	d           int
	build, warm time.Duration
	dropped     bool
}

// state is a run under way.
type state struct {
	s       Suite
	o       Options
	r       *Report
	meter   *energy.Meter
	benches map[string]int // name -> index in r.Benchmarks
	// prevStep is, per workload/method, the last size a step benchmark
	// ran at and what it took, for dropping larger sizes before building
	// them.
	prevStep map[string]prevStep
	// peakRSS is the largest peak RSS read so far (the peak is reset
	// before each time-to-quality run).
	peakRSS uint64
	// peakGFLOPS is the best calibrated dgemm rate so far, for the estimates
	// that drop a size before building it.
	peakGFLOPS float64
	// env accumulates, per benchmark, the load and the others' CPU share
	// of its samples' windows.
	env map[string]*envAcc
	// mlp is the MLP benchmark's data, read on first use.
	mlp *mlpData
}

func (st *state) stopped() bool {
	select {
	case <-st.o.Interrupt:
		return true
	default:
		return false
	}
}

// bench returns the benchmark named name, adding it on first use.
func (st *state) bench(name, category, unit string, higher, measured bool) *Benchmark {
	if i, ok := st.benches[name]; ok {
		return &st.r.Benchmarks[i]
	}
	st.benches[name] = len(st.r.Benchmarks)
	st.r.Benchmarks = append(st.r.Benchmarks, Benchmark{Name: name, Category: category, Unit: unit,
		HigherIsBetter: higher, Measured: measured})
	return &st.r.Benchmarks[len(st.r.Benchmarks)-1]
}

// add appends v to b's samples unless b is absent (one run that could
// not measure makes the benchmark absent, never a median of the others).
func add(b *Benchmark, v float64) {
	if b.Absent == "" {
		b.Samples = append(b.Samples, v)
	}
}

// absent records a benchmark that cannot run, with the reason.
func (st *state) absent(name, category, unit string, higher bool, why string) {
	b := st.bench(name, category, unit, higher, true)
	b.Samples, b.Absent = nil, why
}

func (st *state) tasks() []task {
	s := st.s
	var ts []task
	for i := range s.CalibrationRuns {
		ts = append(ts, task{fmt.Sprintf("calibration %d of %d", i+1, s.CalibrationRuns), 3, st.calibrate})
	}
	// Per size: every workload and method is built and warmed, then the
	// samples are taken in rounds, one of each benchmark per round, so
	// that a change of the machine's load during the rounds spreads over
	// all of them instead of falling on one benchmark's block of samples.
	for _, d := range s.StepSizes {
		var ready []*stepper
		for _, w := range s.StepWorkloads {
			for _, m := range Methods {
				// Building grows as d^3 (a spectral initialisation), up to
				// the budget that drops a size.
				weight := 0.5
				if m == "original" {
					weight = min(s.StepBudget.Seconds(), max(0.5, math.Pow(float64(d)/256, 3)/16))
				}
				ts = append(ts, task{fmt.Sprintf("step workload=%s method=%s d=%d: build", w, m, d), weight,
					func() error {
						if sp := st.prepareStep(w, m, d); sp != nil {
							ready = append(ready, sp)
						}
						return nil
					}})
			}
		}
		for i := range s.StepSamples {
			weight := float64(len(s.StepWorkloads)*len(Methods)) * s.StepMinSample.Seconds() * math.Max(1, math.Pow(float64(d)/1024, 3))
			ts = append(ts, task{fmt.Sprintf("step d=%d: round %d of %d", d, i+1, s.StepSamples), weight,
				func() error {
					for _, sp := range ready {
						if st.stopped() {
							return nil
						}
						st.stepSample(sp)
					}
					if i == s.StepSamples-1 {
						ready = nil // free the size's problems and networks
					}
					return nil
				}})
		}
	}
	// Interleaved: every preset and method runs once before any runs
	// twice, so a slow drift of the machine spreads over all of them.
	ttqWeight := map[string]float64{"paper-mc": 4, "paper-mf-fast": 1, "paper-ms-fast": 6}
	insts := map[string]*instance.Instance{}
	for rep := range s.TTQRuns {
		for _, p := range s.TTQPresets {
			for _, m := range Methods {
				w := ttqWeight[p]
				if w == 0 {
					w = 1
				}
				ts = append(ts, task{fmt.Sprintf("time to quality %s method=%s run %d of %d", p, m, rep+1, s.TTQRuns), w,
					func() error { return st.ttq(p, m, insts) }})
			}
		}
		if s.MLP != nil {
			for _, v := range s.MLP.Variants {
				ts = append(ts, task{fmt.Sprintf("time to quality mlp=%s method=%s run %d of %d", s.MLP.Dataset, v, rep+1, s.TTQRuns), 6,
					func() error { return st.mlpTTQ(s.MLP, v) }})
			}
		}
	}
	// Inference: every network is built first, then timed in rounds,
	// one of each network and batch per round; a round's median is one
	// sample (the run is the unit that varies, not the call), the p99 is
	// over every call of every round.
	var nets []*inferNet
	for _, d := range s.InferSizes {
		for _, m := range Methods {
			ts = append(ts, task{fmt.Sprintf("inference method=%s d=%d: build", m, d), 0.2,
				func() error {
					if n := st.prepareInfer(m, d); n != nil {
						nets = append(nets, n)
					}
					return nil
				}})
		}
	}
	for i := range s.InferRounds {
		ts = append(ts, task{fmt.Sprintf("inference: round %d of %d", i+1, s.InferRounds), 0.2 * float64(len(s.InferSizes)),
			func() error {
				for _, n := range nets {
					st.inferRound(n)
				}
				if i == s.InferRounds-1 {
					st.inferDone(nets)
					nets = nil
				}
				return nil
			}})
	}
	if s.MLP == nil {
		ts = append(ts, task{"mlp", 0, func() error {
			st.absent("time-to-quality/mlp=fashion-mnist/method=cdln/acc=0.85", TimeToQuality, "s", false, s.MLPAbsent)
			return nil
		}})
	}
	return ts
}

// calibrate runs calibrate.Measure once and adds its rates as samples.
func (st *state) calibrate() error {
	o := st.s.Calibration
	o.Interrupt = st.o.Interrupt
	c, err := calibrate.Measure(o)
	if errors.Is(err, calibrate.ErrInterrupted) {
		return ErrInterrupted
	}
	if err != nil {
		for _, n := range o.WithDefaults().Sizes {
			st.absent(fmt.Sprintf("calibration/dgemm/n=%d", n), Calibration, "GFLOP/s", true, err.Error())
		}
		st.absent("calibration/triad", Calibration, "GB/s", true, err.Error())
		return nil
	}
	for _, rate := range c.Dgemm {
		b := st.bench(fmt.Sprintf("calibration/dgemm/n=%d", rate.N), Calibration, "GFLOP/s", true, true)
		add(b, rate.GFLOPS)
	}
	b := st.bench("calibration/triad", Calibration, "GB/s", true, true)
	add(b, c.TriadGBps)
	var peaks []float64
	for _, bb := range st.r.Benchmarks {
		if strings.HasPrefix(bb.Name, "calibration/dgemm/") && len(bb.Samples) > 0 {
			peaks = append(peaks, slices.Max(bb.Samples))
		}
	}
	if len(peaks) > 0 {
		st.peakGFLOPS = slices.Max(peaks)
	}
	return nil
}

// benchConfig is the problem of a step benchmark of workload w at size d
// (bench's Step problem: r = 5, r_hat = 10, L = 3, eps = 1e-2, a tiny
// learning rate so the weights stay at their scale however many steps
// run), and false with the reason when the workload does not benchmark d.
func benchConfig(w string, d int) (config.Config, string) {
	c := config.Config{Workload: w, D: d, R: 5, RHat: 10, Depth: 3, Eps: 1e-2, Eta: 1e-9, Steps: 1, Seed: 1}
	spec, _ := workloads.Lookup(w)
	if spec.Bench != nil {
		params, ok := spec.Bench(d)
		if !ok {
			return c, fmt.Sprintf("workload %s does not benchmark d = %d (its operator would exceed %s)", w, d,
				machine.FormatBytes(workloads.MaxBenchOperatorBytes))
		}
		c.Params = params
	}
	return c.WithDefaults(), ""
}

// stepper is a step benchmark built and warmed, ready for samples.
type stepper struct {
	name  string
	obj   experiment.Objective
	eta   float64
	calls int // steps per sample
}

// step measures the seconds of one training step of method m on workload
// w at size d: prepareStep, then every sample back to back (Run
// interleaves the samples of the benchmarks of one size instead).
func (st *state) step(w, m string, d int) {
	sp := st.prepareStep(w, m, d)
	if sp == nil {
		return
	}
	for range st.s.StepSamples {
		if st.stopped() {
			return
		}
		st.stepSample(sp)
	}
}

// stepSample adds one sample to the step benchmark sp: the wall and CPU
// seconds per step of sp.calls steps.
func (st *state) stepSample(sp *stepper) {
	w := st.open()
	t0 := time.Now()
	for range sp.calls {
		sp.obj.Step(sp.eta)
		sp.obj.Evaluate()
	}
	wall := time.Since(t0).Seconds()
	cpu := st.close(w, sp.name)
	b := st.bench(sp.name, Training, "s", false, true)
	b.Samples = append(b.Samples, wall/float64(sp.calls))
	if !math.IsNaN(cpu) {
		b.CPUSamples = append(b.CPUSamples, cpu/float64(sp.calls))
	}
}

// prepareStep builds the step benchmark of method m on workload w at size
// d, takes its first (untimed) step and returns it, or records it absent
// with the reason and returns nil.
func (st *state) prepareStep(w, m string, d int) *stepper {
	name := fmt.Sprintf("step/workload=%s/method=%s/d=%d", w, m, d)
	c, why := benchConfig(w, d)
	if why != "" {
		st.absent(name, Training, "s", false, why)
		return nil
	}
	if err := experiment.Preflight(c); err != nil {
		st.absent(name, Training, "s", false, "does not fit in memory: "+err.Error())
		return nil
	}
	// Before building: the dense step's flops at the calibrated peak.
	if st.peakGFLOPS > 0 {
		flops := theory.StepFlops(dln.Widths(methods.Shapes(m, c, d, d)))
		est := time.Duration(float64(flops) / (st.peakGFLOPS * 1e9) * float64(st.s.StepSamples+1) * float64(time.Second))
		if est > st.s.StepBudget {
			st.absent(name, Training, "s", false, fmt.Sprintf("dropped: %d steps estimated at %s at the calibrated peak (%.1f GFLOP/s), beyond the suite's %s per benchmark",
				st.s.StepSamples+1, est.Round(time.Second), st.peakGFLOPS, st.s.StepBudget))
			return nil
		}
	}
	// From the smaller size before it: building the problem and the
	// network (a spectral initialisation is an SVD) and the steps grow as
	// d^3 at most.
	key := w + "/" + m
	if p, ok := st.prevStep[key]; ok && p.d < d {
		if p.dropped {
			st.absent(name, Training, "s", false, fmt.Sprintf("dropped: d = %d was already beyond the suite's %s per benchmark", p.d, st.s.StepBudget))
			st.prevStep[key] = prevStep{d: d, dropped: true}
			return nil
		}
		r3 := math.Pow(float64(d)/float64(p.d), 3)
		build, warm := time.Duration(float64(p.build)*r3), time.Duration(float64(p.warm)*r3)
		est := build + warm + time.Duration(st.s.StepSamples)*max(warm, st.s.StepMinSample)
		if est > st.s.StepBudget {
			st.absent(name, Training, "s", false, fmt.Sprintf("dropped: at d = %d building the problem and network took %s and a step %s, so d = %d would take about %s (both as d^3), beyond the suite's %s per benchmark",
				p.d, p.build.Round(time.Millisecond), p.warm.Round(time.Microsecond), d, est.Round(time.Second), st.s.StepBudget))
			st.prevStep[key] = prevStep{d: d, dropped: true}
			return nil
		}
	}
	started := time.Now()
	st.prevStep[key] = prevStep{d: d, dropped: true} // until it is ready
	in, err := instance.Build(c)
	if err != nil {
		st.absent(name, Training, "s", false, err.Error())
		return nil
	}
	net, err := experiment.NewNetwork(m, c, in)
	if err != nil {
		st.absent(name, Training, "s", false, err.Error())
		return nil
	}
	obj, _ := experiment.NewObjective(m, c, in, net)
	built := time.Since(started)
	obj.Evaluate()
	t0 := time.Now()
	obj.Step(c.Eta)
	obj.Evaluate()
	warm := time.Since(t0)
	samples := st.s.StepSamples
	if time.Duration(samples)*max(warm, st.s.StepMinSample) > st.s.StepBudget {
		st.absent(name, Training, "s", false, fmt.Sprintf("dropped: one step took %s, %d samples would exceed the suite's %s per benchmark",
			warm.Round(time.Millisecond), samples, st.s.StepBudget))
		return nil
	}
	st.prevStep[key] = prevStep{d: d, build: built, warm: warm}
	st.bench(name, Training, "s", false, true)
	return &stepper{name: name, obj: obj, eta: c.Eta,
		calls: max(1, int(math.Ceil(st.s.StepMinSample.Seconds()/max(warm.Seconds(), 1e-9))))}
}

// ttq trains method m of preset p to its tolerance once and adds the
// seconds to it, the energy and the peak RSS of the run.
func (st *state) ttq(p, m string, insts map[string]*instance.Instance) error {
	key := "preset=" + strings.ReplaceAll(p, "/", ".") + "/method=" + m
	base, ename, rname := "time-to-quality/"+key, "energy/"+key, "memory/peak-rss/"+key
	c, err := ttqConfig(p)
	if err != nil {
		return err
	}
	in := insts[p]
	if in == nil {
		if err := experiment.Preflight(c); err != nil {
			st.absent(base, TimeToQuality, "s", false, "does not fit in memory: "+err.Error())
			return nil
		}
		if in, err = instance.Build(c); err != nil {
			st.absent(base, TimeToQuality, "s", false, err.Error())
			return nil
		}
		insts[p] = in
	}
	net, err := experiment.NewNetwork(m, c, in)
	if err != nil {
		st.absent(base, TimeToQuality, "s", false, err.Error())
		return nil
	}
	obj, _ := experiment.NewObjective(m, c, in, net)
	st.notePeak()
	resetErr := machine.ResetPeakRSS()
	w := st.open()
	st.meter.Start()
	res := trainer.Train(obj, trainer.Config{Steps: c.Steps, Eta: c.Eta, Tol: c.Tol, Every: c.Every, Stop: st.o.Interrupt})
	reading := st.meter.Stop()
	cpu := st.close(w, base)
	if st.stopped() {
		return ErrInterrupted
	}
	if res.SecondsToTol == nil {
		st.absent(base, TimeToQuality, "s", false, fmt.Sprintf("did not reach tol %g in %d steps (%s: %s)", c.Tol, c.Steps, res.Status, res.Message))
		return nil
	}
	st.record(base, ename, rname, *res.SecondsToTol, cpu, reading, resetErr)
	return nil
}

// record adds one time-to-quality run's figures: the seconds to quality
// and the run's CPU seconds to the benchmark named base, its energy to
// ename and its peak RSS to rname.
func (st *state) record(base, ename, rname string, secs, cpu float64, reading energy.Reading, resetErr error) {
	b := st.bench(base, TimeToQuality, "s", false, true)
	if b.Absent == "" {
		b.Samples = append(b.Samples, secs)
		if !math.IsNaN(cpu) {
			b.CPUSamples = append(b.CPUSamples, cpu)
		}
	}
	e := st.bench(ename, Energy, "J", false, reading.Measured)
	if !math.IsNaN(reading.Joules) {
		add(e, reading.Joules)
	} else {
		e.Samples, e.Absent = nil, "no energy reading: "+reading.Source
	}
	if resetErr != nil {
		st.absent(rname, Memory, "bytes", false, "the peak RSS cannot be reset between runs: "+resetErr.Error())
	} else if v, ok := machine.PeakRSS(); ok {
		rb := st.bench(rname, Memory, "bytes", false, true)
		add(rb, float64(v))
	} else {
		st.absent(rname, Memory, "bytes", false, "peak RSS unknown (no /proc/self/status)")
	}
}

// inferNet is a network ready for inference rounds: its layers as
// served, and every call's time so far per batch.
type inferNet struct {
	m      string
	d      int
	layers []*mat.Dense
	calls  map[int][]float64
}

func inferName(m string, d, batch int) string {
	return fmt.Sprintf("inference/method=%s/d=%d/batch=%d", m, d, batch)
}

// prepareInfer builds method m's network at size d for inference: the
// compressed network as its factored layers, the wide one as its
// materialised end-to-end matrix. It records the benchmarks absent and
// returns nil when it cannot.
func (st *state) prepareInfer(m string, d int) *inferNet {
	c, _ := benchConfig("mf", d)
	fail := func(why string) *inferNet {
		for _, b := range st.s.InferBatches {
			st.absent(inferName(m, d, b), Inference, "s", false, why)
		}
		return nil
	}
	if err := experiment.Preflight(c); err != nil {
		return fail("does not fit in memory: " + err.Error())
	}
	in, err := instance.Build(c)
	if err != nil {
		return fail(err.Error())
	}
	net, err := experiment.NewNetwork(m, c, in)
	if err != nil {
		return fail(err.Error())
	}
	n := &inferNet{m: m, d: d, calls: map[int][]float64{}}
	if info, ok := config.LookupMethod(m); ok && info.FormsProduct {
		n.layers = []*mat.Dense{mat.DenseCopyOf(net.Forward())}
	} else {
		for l := range net.Layers() {
			n.layers = append(n.layers, net.Layer(l))
		}
	}
	for _, b := range st.s.InferBatches {
		st.bench(inferName(m, d, b), Inference, "s", false, true)
	}
	return n
}

// inferRound times one round of n at every batch of the suite and adds
// each round's median latency as a sample.
func (st *state) inferRound(n *inferNet) {
	for _, batch := range st.s.InferBatches {
		if st.stopped() {
			return
		}
		name := inferName(n.m, n.d, batch)
		w := st.open()
		res := latency.Chain(n.layers, batch, st.s.Latency)
		st.close(w, name)
		b := st.bench(name, Inference, "s", false, true)
		b.Samples = append(b.Samples, res.P50)
		n.calls[batch] = append(n.calls[batch], res.Seconds...)
	}
}

// inferDone sets each inference benchmark's p99 over every call of every
// round.
func (st *state) inferDone(nets []*inferNet) {
	for _, n := range nets {
		for batch, calls := range n.calls {
			s := slices.Clone(calls)
			slices.Sort(s)
			st.bench(inferName(n.m, n.d, batch), Inference, "s", false, true).P99 = ptr(stat.Quantile(0.99, stat.Empirical, s, nil))
		}
	}
}

// loadAverage returns the 1-minute load average from /proc/loadavg, nil
// when unknown.
func loadAverage() *float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return nil
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return nil
	}
	return &v
}

// notePeak keeps the process's peak RSS so far in st.peakRSS.
func (st *state) notePeak() {
	if v, ok := machine.PeakRSS(); ok {
		st.peakRSS = max(st.peakRSS, v)
	}
}
