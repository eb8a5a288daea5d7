package experiment

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

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
}

// Run trains every method of c on one shared instance and returns the
// results. Bad configurations return a *ConfigError; bad instance files an
// error naming the file. Divergence is a result, not an error.
func Run(c Config, opt Options) (*results.Run, error) {
	c = c.WithDefaults()
	var in *Instance
	var err error
	if opt.LoadInstance != "" {
		// The folder fixes d (and m); validate the rest first.
		probe := c
		if probe.D == 0 {
			probe.D = max(2*probe.R, probe.RHat, 2)
		}
		if probe.M == 0 {
			probe.M = 1
		}
		if err := probe.Validate(); err != nil {
			return nil, err
		}
		if in, err = LoadInstance(opt.LoadInstance, &c); err != nil {
			return nil, err
		}
		if err := c.Validate(); err != nil {
			return nil, err
		}
		// The data is in memory already; the networks are not.
		if err := preflightNetworks(c, 0); err != nil {
			return nil, err
		}
	} else {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if err := Preflight(c); err != nil {
			return nil, err
		}
		if in, err = BuildInstance(c); err != nil {
			return nil, err
		}
	}
	if err := resolveEta(&c, in, slices.Contains(c.Methods, Compressed)); err != nil {
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
	}
	if opt.SaveInstance != "" {
		if err := in.Save(opt.SaveInstance); err != nil {
			return nil, err
		}
	}
	k := newChecker(c, in)
	for _, m := range c.Methods {
		res, err := trainMethod(m, c, in, k, opt)
		if err != nil {
			return nil, err
		}
		run.Methods = append(run.Methods, res)
	}
	run.ComputeRatios(Original)
	run.Checks = k.finish()
	return run, nil
}

// trainMethod builds method m on the instance, trains it with the checker's
// hooks and returns its result; the network stays available to the
// checker's after-hook only.
func trainMethod(m string, c Config, in *Instance, k *checker, opt Options) (results.MethodResult, error) {
	net, err := NewNetwork(m, c, in)
	if err != nil {
		return results.MethodResult{}, err
	}
	peak := machine.HeapBytes()
	checkHook := k.before(m, net)
	hook := func(cp results.Checkpoint) {
		peak = max(peak, machine.HeapBytes())
		if checkHook != nil {
			checkHook(cp)
		}
	}
	if opt.SaveInstance != "" {
		if err := SaveInit(opt.SaveInstance, m, net); err != nil {
			return results.MethodResult{}, err
		}
	}
	obj, path := NewObjective(m, c, in, net)
	k.path(m, path)
	tc := trainer.Config{Steps: c.Steps, Eta: c.Eta, Tol: c.Tol, Every: c.Every, SingularValues: c.SVals, Checkpoint: hook}
	var done func()
	if opt.Progress != nil {
		tc.Progress, done = opt.Progress(m, c.Steps)
	}
	res := trainer.Train(obj, tc)
	if done != nil {
		done()
	}
	k.after(m, net, res)
	res.Method = m
	res.Path = path
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
		if ms, ok := in.Work.(*workloads.MS); ok {
			// Each of the Steps+1 evaluations streams the operator twice
			// (the residual and the adjoint GEMV).
			r, cols := ms.Dims()
			op, _ := ms.Operator()
			m, _ := op.Dims()
			bytes := float64(2*(res.Steps+1)) * float64(workloads.SensingBytes(m, r, cols))
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
	return res, nil
}

func statusLine(r results.MethodResult) string {
	if r.Message != "" {
		return r.Message
	}
	return string(r.Status)
}
