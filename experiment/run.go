package experiment

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/memplan"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// InstanceInfo describes an instance in run.json (see results).
type InstanceInfo = results.InstanceInfo

// Options are the parts of a run that are not part of its configuration.
type Options struct {
	// SaveInstance, when not empty, is a folder to write the instance and
	// every method's initial weights to, before training.
	SaveInstance string
	// LoadInstance, when not empty, is a folder to read the instance (and
	// initial weights, where present) from instead of drawing it.
	LoadInstance string
	// Progress, when not nil, is called before each method is trained and
	// returns the per-step callback for it (or nil) and a function called
	// when the method is done (or nil).
	Progress func(method string, steps int) (step func(int), done func())
	// Log receives one line per method as it finishes; nil discards.
	Log io.Writer
	// PeakGFLOPS is the machine's calibrated dgemm peak; when positive each
	// method's achieved GFLOP/s is also given as a fraction of it.
	PeakGFLOPS float64
	// TriadGBps is the machine's calibrated memory bandwidth; when
	// positive, each sensing method's operator bandwidth is also given as
	// a fraction of it.
	TriadGBps float64
	// Interrupt, when not nil, interrupts the run once it is closed (the
	// caller closes it on SIGINT or SIGTERM): the method training stops at
	// its next step boundary (trainer.Config.Stop, looked at once per
	// step), the methods not yet started are not trained, and Run (or
	// Verify) returns a complete record marked interrupted with a nil
	// error. See Run.
	Interrupt <-chan struct{}
	// stop is a verify's stopping rule on a user's target (stopOf): set
	// by Verify, zero (none) in a run.
	stop stopRule
	// TimePreflight, when true, estimates every network's training time
	// to its step budget before any is trained (EstimateTime, on copies
	// that leave the results unchanged), writes the estimate to TimeLog,
	// records it with the time each network took (results.Run.Time,
	// Verdict.Time), and refuses a run estimated above MaxTime with a
	// *config.ConfigError naming --max-time.
	TimePreflight bool
	// MaxTime is the time preflight's limit (--max-time); 0: none.
	MaxTime time.Duration
	// TimeLog, when not nil, receives the time preflight's line
	// (TimeLine) before training, and the progress of a drawn instance's
	// long phases (instance.BuildLog).
	TimeLog io.Writer
	// Trained, when not nil, is called with each network once its
	// training has ended (converged, out of steps, diverged, or cut short
	// by an interruption; never for a network the interruption kept from
	// starting), in training order: lowdim's --save-model writes it. Its
	// error ends the run (or verify) and is returned.
	Trained func(TrainedNetwork) error
	// widths: the run is a verify, whose compressed networks are named by
	// their width (WidthLabel).
	widths bool
}

// Messages of the methods an interruption cut short.
const (
	// msgNotStarted is the Message of a method the interruption kept from
	// training; a method stopped during training has "interrupted at step
	// t" (trainer.Config.Stop).
	msgNotStarted = "interrupted before training (step 0)"
)

// interrupted reports whether the run's Interrupt channel is closed,
// without blocking.
func (opt Options) interrupted() bool {
	select {
	case <-opt.Interrupt:
		return true
	default:
		return false
	}
}

// Check validates c with its defaults applied and checks that its
// instance and networks fit in memory (Preflight), before anything is
// allocated. Its errors are *config.ConfigError.
func Check(c config.Config) error {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	return Preflight(c)
}

// Title names a run's problem in figures and on stdout: the workload, the
// sizes (d=40 for a square target, 30x45 for an m x n one, and the
// original's width when --width sets it), and the workload's parameters
// marked InTitle (p of mc, m of ms).
func Title(c config.Config) string {
	shape := fmt.Sprintf("d=%d", c.D)
	if rows, cols := c.Dims(); rows != cols {
		shape = fmt.Sprintf("%dx%d", rows, cols)
	}
	s := fmt.Sprintf("%s %s r=%d r̂=%d L=%d", strings.ToUpper(c.Workload), shape, c.R, c.RHat, c.Depth)
	if c.Width > 0 {
		s += fmt.Sprintf(" width=%d", c.Width)
	}
	if w, ok := config.LookupWorkload(c.Workload); ok {
		for _, p := range w.Params {
			if !p.InTitle {
				continue
			}
			switch p.Kind {
			case config.Float:
				s += fmt.Sprintf(" %s=%.3g", p.Key, c.Float(p.Key))
			case config.Int:
				s += fmt.Sprintf(" %s=%d", p.Key, c.Int(p.Key))
			default:
				s += fmt.Sprintf(" %s=%v", p.Key, c.Params[p.Key])
			}
		}
	}
	return s
}

// Run trains every method of c on one shared instance and returns the
// results. Bad configurations return a *config.ConfigError; bad instance files an
// error naming the file. Divergence is a result, not an error.
//
// An interruption (opt.Interrupt closed) is a result too: Run returns the
// complete record and a nil error. The method training when it came stops
// at its next step boundary with status results.Interrupted and Message
// "interrupted at step t" (t the last step taken; its trajectory ends with
// a checkpoint at t, its final and best values are those reached); each
// method after it has status results.Interrupted, Message "interrupted
// before training (step 0)", its layers and parameter count, and no
// trajectory. The run has Interrupted set when some method was cut short
// (an interruption after the last method ended changes nothing). Every
// check that judges an interrupted method's training is not evaluable, its
// detail saying the run was interrupted; the checks of the initialization
// (param-count, balanced-init) and the exact flop count of the steps taken
// keep their verdicts.
// LoadInstance reads the instance of c from the folder dir and validates c
// against its files' sizes (instance.Load: d or m x n, r, the workload's
// parameters come from the files unless given), before anything is
// allocated for the networks; its memory plan leaves out the
// initialization of a method whose initial weights the folder holds
// (PreflightGiven). It returns the instance and c completed by
// the files, with its defaults. Errors are input errors naming the file.
// The commands call it for every run before opening --out, so that a bad
// folder leaves nothing behind; Run reads the folder again
// (Options.LoadInstance) rather than holding every run's data at once.
func LoadInstance(c config.Config, dir string) (*instance.Instance, config.Config, error) {
	return loadInstance(c, dir, func(c config.Config, in *instance.Instance) error {
		// A method whose initial weights the folder holds skips its
		// initialization (NewNetwork): the plan does not count it.
		return PreflightGiven(c, GivenInits(in))
	})
}

// LoadStepInstance is LoadInstance for timing steps of c's methods on the
// folder's instance (lowdim bench --load-instance): its memory plan is
// PreflightSteps's (no checks, no building, no initialization of a method
// whose initial weights the folder holds).
func LoadStepInstance(c config.Config, dir string) (*instance.Instance, config.Config, error) {
	return loadInstance(c, dir, PreflightSteps)
}

// loadInstance is LoadInstance with the memory check plan.
func loadInstance(c config.Config, dir string, plan func(config.Config, *instance.Instance) error) (*instance.Instance, config.Config, error) {
	c = c.WithDefaults()
	in, err := instance.Load(dir, &c)
	if err != nil {
		return nil, c, config.Input(err)
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return nil, c, err
	}
	if err := plan(c, in); err != nil {
		return nil, c, err
	}
	return in, c, nil
}

func Run(c config.Config, opt Options) (*results.Run, error) {
	c = c.WithDefaults()
	var in *instance.Instance
	var err error
	var plan memplan.Plan
	var budget *machine.Budget
	if opt.LoadInstance != "" {
		// The folder fixes d and the workload's parameters (m, p); Load
		// validates c with them before reading any initial weights.
		if in, err = instance.Load(opt.LoadInstance, &c); err != nil {
			return nil, config.Input(err)
		}
		c = c.WithDefaults() // r, when the files gave it, and r-hat's default 2r
		// The data is in memory already; the networks are not.
		if plan, budget, err = preflight(c, true, false, GivenInits(in)...); err != nil {
			return nil, err
		}
	} else {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if plan, budget, err = preflight(c, false, false); err != nil {
			return nil, err
		}
		if in, err = instance.BuildLog(c, opt.TimeLog); err != nil {
			return nil, err
		}
	}
	// The plan is the run's soft memory limit until it returns.
	defer plan.Enforce()()
	if err := resolveEta(&c, in, slices.Contains(c.Methods, methods.Compressed)); err != nil {
		return nil, err
	}
	// The time preflight, on the instance, before anything is trained or
	// saved.
	var nets []probeNet
	for _, m := range c.Methods {
		nets = append(nets, probeNet{name: m, method: m, c: c})
	}
	times, err := timePreflight(nets, in, opt)
	if err != nil {
		return nil, err
	}
	info := in.Info(c.R)
	run := &results.Run{
		Schema:   results.RunSchema,
		Kind:     results.KindLinear,
		Tool:     "lowdim",
		Version:  machine.Read().Version,
		Backend:  machine.BLASBackend,
		Started:  time.Now().UTC().Format(time.RFC3339),
		Config:   &c,
		Machine:  machine.Read(),
		Instance: &info,
		Time:     times,
	}
	if opt.SaveInstance != "" {
		if err := in.Save(opt.SaveInstance, c); err != nil {
			return nil, config.Input(fmt.Errorf("--save-instance: %w", err))
		}
	}
	k := newChecker(c, in)
	for _, m := range c.Methods {
		if opt.interrupted() {
			res := notStarted(m, c, in)
			k.notStarted(res)
			run.Methods = append(run.Methods, res)
			if opt.Log != nil {
				fmt.Fprintf(opt.Log, "%s: %s\n", m, res.Message)
			}
			continue
		}
		start := time.Now()
		res, err := trainMethod(m, c, in, k, opt)
		if err != nil {
			return nil, err
		}
		recordActual(run.Time, m, time.Since(start), res.Steps)
		run.Methods = append(run.Methods, res)
	}
	for _, m := range run.Methods {
		run.Interrupted = run.Interrupted || m.Status == results.Interrupted
	}
	run.ComputeRatios(methods.Original)
	run.Checks = k.finish()
	var peakHeap uint64
	for _, m := range run.Methods {
		peakHeap = max(peakHeap, m.PeakHeapBytes)
	}
	run.Memory = memoryInfo(plan, budget, peakHeap)
	return run, nil
}

// notStarted is the result of method m when an interruption kept it from
// training: status results.Interrupted, its layers and parameter count
// from its shapes (no network is built), nothing measured.
func notStarted(m string, c config.Config, in *instance.Instance) results.MethodResult {
	res := results.MethodResult{Method: m, Status: results.Interrupted, Message: msgNotStarted}
	rows, cols := in.Work.Dims()
	for _, s := range Shapes(m, c, rows, cols) {
		res.Layers = append(res.Layers, [2]int{s.Rows, s.Cols})
		res.Params += s.Rows * s.Cols
	}
	res.ParamBytes = int64(8 * res.Params)
	return res
}

// trainMethod builds method m on the instance, trains it with the checker's
// hooks and returns its result; the network stays available to the
// checker's after-hook only.
func trainMethod(m string, c config.Config, in *instance.Instance, k *checker, opt Options) (results.MethodResult, error) {
	net, err := NewNetwork(m, c, in)
	if err != nil {
		return results.MethodResult{}, err
	}
	peak := machine.HeapBytes()
	h := k.before(m, net)
	hook := func(cp results.Checkpoint) {
		peak = max(peak, machine.HeapBytes())
		if h.checkpoint != nil {
			h.checkpoint(cp)
		}
	}
	if opt.SaveInstance != "" {
		if err := instance.SaveInit(opt.SaveInstance, m, net); err != nil {
			return results.MethodResult{}, config.Input(fmt.Errorf("--save-instance: %w", err))
		}
	}
	obj, path := NewObjective(m, c, in, net)
	k.path(m, path)
	tc := trainer.Config{Steps: c.Steps, Eta: c.Eta, Tol: max(c.Tol, opt.stop.noiseTol), TolRel: opt.stop.tolRel, Patience: opt.stop.patience,
		Every: c.Every, SingularValues: c.SVals, Checkpoint: hook, Observe: h.step, Stop: opt.Interrupt}
	var done func()
	if opt.Progress != nil {
		tc.Progress, done = opt.Progress(m, c.Steps)
	}
	res := trainer.Train(obj, tc)
	if done != nil {
		done()
	}
	k.after(m, net, res)
	k.annotate(m, &res)
	res.Method = m
	res.Path = path
	setRMSE(&res, in)
	for _, s := range net.Shapes() {
		res.Layers = append(res.Layers, [2]int{s.Rows, s.Cols})
	}
	res.Params = net.Params()
	res.ParamBytes = int64(8 * res.Params)
	res.WorkspaceBytes = obj.WorkspaceBytes()
	res.PeakHeapBytes = max(peak, machine.HeapBytes())
	if res.Seconds > 0 {
		res.GFLOPS = float64(net.Flops()) / res.Seconds / 1e9
		if opt.PeakGFLOPS > 0 {
			f := res.GFLOPS / opt.PeakGFLOPS
			res.PeakFraction = &f
		}
		if spec, ok := workloads.Lookup(c.Workload); ok && spec.StepBytes != nil && !c.Sparse() {
			// Each of the Steps+1 evaluations streams what the workload's
			// StepBytes says (sensing: the operator, twice).
			bytes := float64(res.Steps+1) * float64(spec.StepBytes(c))
			res.OperatorGBps = bytes / res.Seconds / 1e9
			if opt.TriadGBps > 0 {
				f := res.OperatorGBps / opt.TriadGBps
				res.BandwidthFraction = &f
			}
		}
	}
	if opt.Log != nil {
		fmt.Fprintf(opt.Log, "%s: %s after %d steps (%.3gs)\n", m, statusLine(res), res.Steps, res.Seconds)
	}
	if err := opt.trained(m, c, in, net, res); err != nil {
		return res, err
	}
	return res, nil
}

func statusLine(r results.MethodResult) string {
	if r.Message != "" {
		return r.Message
	}
	return string(r.Status)
}
