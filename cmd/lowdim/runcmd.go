package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// runFlags are the flags of `lowdim run` and `lowdim verify`. The problem
// flags are the configuration's field table (config.Fields: common fields
// and every registered workload's parameters); the values the user gives
// are collected by key and layered over the preset and the config file by
// config.Resolve.
type runFlags struct {
	given        map[string]any // field values given on the command line, by key
	preset       string
	configFile   string
	out          string
	quiet        bool
	saveInstance string
	loadInstance string
	cpuProfile   string
	maxTime      time.Duration
	saveModel    string
	// verify only
	verify     bool
	rhats      string
	targetFile string
	maskFile   string
	tolRel     float64
	heldOut    float64
}

const runUsage = `Usage: lowdim run [flags]

Trains the methods of a preset on one shared problem instance and writes
run.json, trajectories.csv and figures to --out, and checks what theory
predicts for that configuration. Values come from the preset (default: the
fast preset of --workload), then the --config file, then the flags given,
each overriding the one before. A flag without a default below takes the
preset's value.

--out receives one complete run or keeps the previous one: the files are
written beside it (a hidden staging folder) and swapped in as a set. It is
locked while the run lasts (a second run into it is refused, naming the
holder), and must be a new or empty folder or one lowdim wrote (marked by
its .lowdim file), not the current folder or one of its parents.
--save-instance and --save-model likewise. SIGINT or SIGTERM (Ctrl-C)
stops training at the next step; the run is written, complete up to there
and marked interrupted; a second signal aborts at once, keeping the
previous files.

Before training, the time preflight times a few steps of a copy of each
network and prints the estimated training time to the step budget; a run
estimated above --max-time (default 1h) is refused (exit 2): give a longer
--max-time, or --max-time 0 for no limit. --save-model DIR writes every
trained network as a model folder, DIR/<method>/ (layers as .npy, W1 first,
and manifest.json; lowdim predict reads it), and DIR/models.json; a network
the interruption cut short is saved marked "interrupted", a diverged one is
not saved.

A target from files (--load-instance of a folder lowdim did not write)
trains at --eta-frac 0.8 of its stable learning rate unless --eta or
--eta-frac is given, and r is its numerical rank unless --r is given; every
value read from the files is printed and recorded with its source.

Exit status: 0 success, 2 usage or input error, 3 an internal failure,
130, 143 or 129 interrupted by SIGINT, SIGTERM or SIGHUP (treated as
SIGTERM), 141 stdout closed (the run is written; a preset's next runs are
not run).

Flags:
`

const verifyUsage = `Usage: lowdim verify [flags]

The rollout gate: trains the original network once and the compressed
network at every candidate width (--r-hat 10,20,40) on one problem (a preset,
the problem flags, or your own --target matrix), evaluates every theory check
that applies, prints a verdict table and writes verdict.json to --out.
Exit status: 0 the gate passed; 1 it did not, with each reason on the
VERDICT: FAIL line: a theory check failed on some width (named on stdout),
a network diverged, no candidate width is sufficient (or none could be
judged), or no theory check could be evaluated; 2 usage or input error;
3 an internal failure; 130 or 143 interrupted by SIGINT or SIGTERM (the
verdict written is complete up to there, marked interrupted, and does not
pass). A width too narrow beside a sufficient one is a result (exit 0).

--task classify verifies a compressed MLP on your own classification data
instead (--data SRC): see lowdim verify --task classify -h.
--out is written, locked and interrupted as for lowdim run.

--out receives verdict.json, trajectories.csv (every network's
checkpoints, with a width column), the figures of lowdim run with one curve
per network, and error_vs_width (each width's error against the
original's). --save-model DIR writes the original and every width as model
folders, DIR/original/ and DIR/compressed-r<width>/, and DIR/models.json
(naming the safe width's folder). The time preflight and --max-time are as
for lowdim run. With --target the learning rate follows the target
(--eta-frac 0.8 of its stable rate) unless --eta or --eta-frac is given.

Flags:
`

// fieldFlag is the flag of a configuration field: it parses its text with
// the field's kind and records the value under the field's key.
type fieldFlag struct {
	f     config.Field
	given map[string]any
}

func (v fieldFlag) String() string { return v.f.Default }

func (v fieldFlag) Set(s string) error {
	x, err := v.f.Parse(s)
	if err != nil {
		return err
	}
	v.given[v.f.Key] = x
	return nil
}

func newRunFlags(stderr io.Writer) (*flag.FlagSet, *runFlags) { return newFlags(stderr, false) }

func newFlags(stderr io.Writer, verify bool) (*flag.FlagSet, *runFlags) {
	f := &runFlags{verify: verify, given: map[string]any{}}
	name, usage := "lowdim run", runUsage
	if verify {
		name, usage = "lowdim verify", verifyUsage
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.preset, "preset", "", "named preset (list them with: lowdim presets); default: the fast preset of --workload")
	fs.StringVar(&f.configFile, "config", "", "TOML file setting any of these flags by name (flags override it)")
	for _, fd := range config.Fields() {
		switch {
		case fd.FileOnly:
			continue
		case verify && (fd.Key == "r-hat" || fd.Key == "methods"):
			continue // verify's r-hat is a list of widths; its methods are fixed
		}
		help := fd.Help
		if fd.Workload != "" && !strings.Contains(help, "("+fd.Workload+")") {
			help += " (" + fd.Workload + ")"
		}
		// The registered names, so that a workload or method added to a
		// registry shows here.
		switch fd.Key {
		case "workload":
			var names []string
			for _, w := range config.Workloads() {
				names = append(names, w.Name)
			}
			help += ": " + strings.Join(names, ", ")
		case "methods":
			var names []string
			for _, m := range config.Methods() {
				names = append(names, m.Name)
			}
			help += ": " + strings.Join(names, ",")
		}
		fs.Var(fieldFlag{fd, f.given}, fd.Key, help)
	}
	if verify {
		fs.StringVar(&f.rhats, "r-hat", "", "comma list of candidate compressed widths (default: the preset's, or 2r)")
		fs.StringVar(&f.targetFile, "target", "", "your own m x n target matrix (.npy, .csv or Matrix Market .mtx; square or not); its shape and r come from it")
		fs.StringVar(&f.maskFile, "mask", "", "0/1 mask of observed entries for --workload mc (default: the entries of a coordinate .mtx --target)")
		fs.Float64Var(&f.heldOut, "held-out", instance.DefaultHeldOut, "fraction of a coordinate .mtx target's entries (mc, no --mask) held out to measure the recovery error on")
		fs.Float64Var(&f.tolRel, "tol-rel", experiment.DefaultTolRel, "a width is sufficient when its reported error is at most (1 + tol-rel) times the reference's (default 0.5; 0.05 for held-out errors of a list of entries whose reference stopped on validation)")
	}
	fs.StringVar(&f.out, "out", "lowdim-out", "output folder (created); a preset of several runs writes one subfolder each")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (go tool pprof) of the whole command to this file")
	f.maxTime = experiment.DefaultMaxTime
	fs.Var(durationValue{&f.maxTime}, "max-time", "refuse to train when the time preflight (a few timed steps of each network) estimates the training above this: 90m, 2h, 3600 (seconds); 0: no limit")
	fs.StringVar(&f.saveModel, "save-model", "", "write every trained network as a model folder (layers as .npy, W1 first, and manifest.json; read by lowdim predict) into this folder, replaced as a whole")
	if !verify {
		fs.StringVar(&f.saveInstance, "save-instance", "", "write the instance and initial weights as .npy files to this folder")
		fs.StringVar(&f.loadInstance, "load-instance", "", "read the instance (and initial weights, where present) from this folder")
	}
	return fs, f
}

// resolve builds the list of runs: preset (from the flag, the config file,
// or the fast preset of the workload), then the config file, then the flags
// the user set (config.Resolve).
func (f *runFlags) resolve() ([]config.Config, error) { return config.Resolve(f.layers()) }

// layers are the sources of the configurations: the preset, the config
// file and the flags given.
func (f *runFlags) layers() config.Layers {
	l := config.Layers{Preset: f.preset, File: f.configFile, Flags: f.given,
		Loading: f.loadInstance != "" || f.targetFile != "", Command: "lowdim run"}
	if f.verify {
		l.Ignore = []string{"r-hat"}
		l.Command, l.Methods = "lowdim verify", experiment.VerifyMethods()
	}
	if f.loadInstance != "" {
		// Without --workload the files decide; a folder that is no single
		// instance (a preset's parent folder, a bad one) is left to Load.
		if w, err := instance.FilesWorkload(f.loadInstance); err == nil {
			l.Workload = w
		}
	}
	l.UserData = f.targetFile != "" || f.loadInstance != "" && !writtenByLowdim(f.loadInstance)
	return l
}

// noteBareInstance writes a note to stderr when the --load-instance folder
// was read as an instance of a workload made of the target alone (mf)
// because it holds none of another workload's files, and --workload was
// not given: a dense mc folder whose mask.npy was deleted reads so, and
// nothing in the folder (the marker is the same for every workload) says
// which workload wrote it.
func (f *runFlags) noteBareInstance(stderr io.Writer, runs []config.Config) {
	if _, ok := f.given["workload"]; ok || len(runs) == 0 {
		return
	}
	w, err := instance.FilesWorkload(f.loadInstance)
	if err != nil || w != runs[0].Workload {
		return
	}
	if spec, ok := workloads.Lookup(w); !ok || len(spec.Files) > 0 {
		return
	}
	fmt.Fprintf(stderr, "lowdim run: note: no %s in %s: read as an %s instance (target only)\n", workloads.MaskFile, f.loadInstance, w)
}

// writtenByLowdim reports whether the folder dir was written by lowdim
// (--save-instance: it holds outdir's marker), so that its instance was
// drawn for the preset's learning rate; a folder of the user's own files
// has no marker, and the learning rate follows its target
// (config.Layers.UserData).
func writtenByLowdim(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, outdir.Marker))
	return err == nil
}

func splitList(s string) []string { return config.SplitList(s) }

func cmdRun(args []string, stdout, stderr io.Writer) int {
	if isMLPPreset(args) { // nonlinear networks on real data: mlpcmd.go
		return cmdRunMLP(args, stdout, stderr)
	}
	fs, f := newRunFlags(stderr)
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(err error) int { return failWith(stderr, "lowdim run", err) }
	if fs.NArg() > 0 {
		return fail(config.Input(fmt.Errorf("unexpected argument %q", fs.Arg(0))))
	}
	if err := emptyFlags(fs); err != nil {
		return fail(err)
	}
	runs, err := f.resolve()
	if err != nil {
		return fail(err)
	}
	if f.cpuProfile != "" {
		stop, err := startProfile(f.cpuProfile)
		if err != nil {
			return fail(config.Input(fmt.Errorf("--cpuprofile: %w", err)))
		}
		defer stop()
	}
	// Validate every run before training any and before --out is opened;
	// a loaded instance's files fix d, r and the workload's parameters,
	// so each run's folder is read and checked here (and read again by
	// its run: only one run's data is held at a time).
	if f.loadInstance == "" {
		for _, c := range runs {
			if err := experiment.Check(c); err != nil {
				return fail(f.layers().FromFile(err))
			}
		}
	} else if err := f.checkLoaded(runs); err != nil {
		return fail(err)
	} else {
		f.noteBareInstance(stderr, runs)
	}
	// --out (and --save-instance) before any work: checked, locked,
	// recovered (output.go).
	if f.saveInstance != "" && outdir.Within(f.saveInstance, f.out) {
		return fail(config.Bad("save-instance", f.saveInstance, "is --out %s, or inside it, or holds it: each is replaced as a whole when written; give two separate folders", f.out))
	}
	if err := checkSaveModel(f.saveModel, map[string]string{"out": f.out, "save-instance": f.saveInstance, "load-instance": f.loadInstance}); err != nil {
		return fail(err)
	}
	sig := interrupt.Notify(stderr, "lowdim run")
	defer sig.Stop()
	subs := subfolders(runs)
	out, closeOut, err := openOut(sig, stderr, "lowdim run", "out", f.out, subs, knownOut, "")
	if err != nil {
		return fail(err)
	}
	defer closeOut()
	var inst *outdir.Folder
	if f.saveInstance != "" {
		var closeInst func() error
		if inst, closeInst, err = openOut(sig, stderr, "lowdim run", "save-instance", f.saveInstance, subs, knownInstance, "instance-"); err != nil {
			return fail(err)
		}
		defer closeInst()
	}
	var models *outdir.Folder
	if f.saveModel != "" {
		var closeModels func() error
		if models, closeModels, err = openOut(sig, stderr, "lowdim run", "save-model", f.saveModel, subs, knownModels, "model-"); err != nil {
			return fail(err)
		}
		defer closeModels()
	}
	cut := false // a record written marked interrupted, or a run not run
	so := &stdoutWriter{w: stdout}
	stdout = so
	for _, c := range runs {
		if sig.Interrupted() {
			fmt.Fprintf(stderr, "lowdim run: interrupted: %s not run\n", c.Name)
			cut = true
			continue
		}
		if so.broken() {
			fmt.Fprintf(stderr, "lowdim run: stdout closed: %s not run\n", c.Name)
			continue
		}
		sub := subOf(runs, c)
		dir, load := f.out, f.loadInstance
		if sub != "" {
			dir = filepath.Join(dir, sub)
			if load != "" {
				load = filepath.Join(load, sub)
			}
		}
		opt := experiment.Options{LoadInstance: load, Interrupt: sig.Done(), TimePreflight: true, MaxTime: f.maxTime}
		if !f.quiet {
			opt.TimeLog = stderr
		}
		var saver *modelSaver
		var modelStage *outdir.Stage
		if models != nil {
			if modelStage, err = models.Stage(sub); err != nil {
				return fail(err)
			}
			if saver, err = newModelSaver(modelStage.Path(), sourceFiles("", "", load, c.Workload)); err != nil {
				return fail(err)
			}
			opt.Trained = saver.save
		}
		var instStage *outdir.Stage
		if inst != nil {
			if instStage, err = inst.Stage(sub); err != nil {
				return fail(err)
			}
			opt.SaveInstance = instStage.Path()
		}
		if cal, err := calibrate.Load(machine.BLASBackend); err == nil {
			opt.PeakGFLOPS = cal.PeakGFLOPS
			opt.TriadGBps = cal.TriadGBps
		}
		if !f.quiet {
			opt.Progress = progress(stderr, c.Name)
			if opt.Progress == nil {
				opt.Log = stderr
			}
		}
		if sig.Testing() {
			opt.Progress = phaseProgress(sig, opt.Progress, inst != nil)
		}
		res, err := experiment.Run(c, opt)
		if err != nil {
			return fail(err)
		}
		sig.Phase("trained")
		if markInterrupted(sig, res) {
			cut = true
		}
		if instStage != nil {
			if missing := instanceComplete(instStage.Path(), res); len(missing) > 0 {
				instStage.Discard()
				fmt.Fprintf(stderr, "lowdim run: --save-instance: not written: the run was interrupted before the initial weights of %s were drawn; %s keeps what it held\n",
					strings.Join(missing, ", "), instStage.Target())
			} else if err := commit(sig, instStage, "instance-"); err != nil {
				return fail(err)
			}
		}
		if saver != nil {
			var nets []trainedNet
			for _, m := range res.Methods {
				nets = append(nets, trainedNet{m.Method, m})
			}
			if err := saver.finish(nets, nil, false, res.Interrupted); err != nil {
				return fail(err)
			}
			if err := commit(sig, modelStage, "model-"); err != nil {
				return fail(err)
			}
		}
		stage, err := out.Stage(sub)
		if err != nil {
			return fail(err)
		}
		if err := writeOutputs(stage.Path(), res, func(name string) { sig.Phase("staged/" + name) }); err != nil {
			return fail(err)
		}
		if err := commit(sig, stage, ""); err != nil {
			return fail(err)
		}
		cfg := *res.Config
		fmt.Fprintf(stdout, "\n== %s (%s) -> %s\n", experiment.Title(cfg), cfg.Name, dir)
		writeEtaLine(stdout, cfg, *res.Instance)
		writeDerived(stdout, *res.Instance)
		if err := report.WriteSummary(stdout, res); err != nil {
			return fail(err)
		}
		writeTimeLine(stdout, res.Time)
		if saver != nil {
			fmt.Fprintf(stdout, "models: %s (%s)\n", filepath.Join(f.saveModel, sub), modelsIndex)
		}
		if err := report.WriteChecks(stdout, res.Checks); err != nil {
			return fail(err)
		}
		writeRunStatus(stdout, res)
		if err := report.WriteInterrupted(stdout, res); err != nil {
			return fail(err)
		}
	}
	if err := closeOut(); err != nil {
		return fail(err)
	}
	return interruptedExit(sig, stderr, "lowdim run", cut, exitOK, so)
}

// writeRunStatus says plainly what a finished run's checks mean: which
// methods diverged, and which checks failed or could not be evaluated. A
// run's exit status stays 0 (only verify gates).
func writeRunStatus(w io.Writer, res *results.Run) {
	var div []string
	for _, m := range res.Methods {
		if m.Status == results.Diverged {
			div = append(div, m.Method+" "+m.Message)
		}
	}
	switch {
	case len(div) > 0 && len(div) == len(res.Methods):
		fmt.Fprintf(w, "status: every method diverged (%s): the checks of the training dynamics could not be evaluated\n", strings.Join(div, "; "))
	case len(div) > 0:
		fmt.Fprintf(w, "status: diverged: %s\n", strings.Join(div, "; "))
	}
	n := report.CountChecks(res.Checks)
	switch {
	case n.Fail > 0:
		fmt.Fprintf(w, "status: %d check(s) FAILED (a result of this run; lowdim verify gates on them)\n", n.Fail)
	case n.NotEvaluable > 0 && len(div) == 0:
		fmt.Fprintf(w, "status: %d check(s) could not be evaluated (see their detail)\n", n.NotEvaluable)
	}
}

// writeOutputs writes run.json, trajectories.csv and the figures of a
// linear run into dir (a staging folder; report.WriteRun), calling staged
// with each file's name once it is written.
func writeOutputs(dir string, res *results.Run, staged func(name string)) error {
	cfg := *res.Config
	return report.WriteRun(dir, res, experiment.Title(cfg), cfg.SVals, staged)
}

// progress returns a progress-bar factory on stderr when stderr is a
// terminal, else nil.
func progress(stderr io.Writer, name string) func(method string, steps int) (func(int), func()) {
	file, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return nil
	}
	return func(method string, steps int) (func(int), func()) {
		bar := progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("%-4s %-10s", name, method)),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
		)
		stride := max(1, steps/1000)
		set := func(step int) {
			if step%stride == 0 || step == steps {
				_ = bar.Set(step)
			}
		}
		return set, func() { _ = bar.Finish() }
	}
}

// startProfile starts a CPU profile written to path and returns the
// function that stops it.
func startProfile(path string) (func(), error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		file.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); file.Close() }, nil
}

// writeEtaLine says how the learning rate was set when --eta-frac (or its
// default for a target from files or at scale, config.Config.EtaFrom) set
// it.
func writeEtaLine(w io.Writer, c config.Config, in results.InstanceInfo) {
	if c.EtaFrac > 0 {
		fmt.Fprintf(w, "eta = %.4g: %g of the stable learning rate %.4g (target's top singular value, estimated from the data: %.4g)\n",
			c.Eta, c.EtaFrac, in.StableEta, in.TargetTop)
		if c.EtaFrac == config.DefaultUserEtaFrac && len(in.Derived) > 0 {
			fmt.Fprintf(w, "  (--eta-frac %g is the default for a target from files: the preset's --eta is tuned for its own target; give --eta or --eta-frac to set it)\n", c.EtaFrac)
		}
		if c.EtaFrom != "" { // the default at scale (config.ScaleEta)
			fmt.Fprintf(w, "  (%s)\n", c.EtaFrom)
		}
	}
}

// writeTimeLine prints how long the networks' training took against the
// time preflight's estimate.
func writeTimeLine(w io.Writer, ti *results.TimeInfo) {
	if ti == nil {
		return
	}
	took, taken := 0.0, 0.0
	for _, e := range ti.Networks {
		if e.ActualSeconds != nil {
			took += *e.ActualSeconds
		}
		if e.TakenSeconds != nil {
			taken += *e.TakenSeconds
		}
	}
	fmt.Fprintf(w, "time: training took %s; the time preflight estimated %s for the steps taken, %s to the step budget (its probes took %s)\n",
		experiment.FormatSeconds(took), experiment.FormatSeconds(taken), experiment.FormatSeconds(ti.EstimatedSeconds), experiment.FormatSeconds(ti.ProbeSeconds))
}

// durationValue is the flag value of --max-time: a Go duration ("90m",
// "2h"), or a number of seconds; at least 0.
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		sec, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(sec) || math.IsInf(sec, 0) {
			return fmt.Errorf("want a duration such as 90m, 2h or 3600 (seconds), or 0 for no limit")
		}
		d = time.Duration(sec * float64(time.Second))
	}
	if d < 0 {
		return fmt.Errorf("want a duration of at least 0 (0: no limit)")
	}
	*v.d = d
	return nil
}

// checkLoaded reads the instance folder of every run of --load-instance
// (a preset's runs each read their subfolder) and validates the run
// against it, before any output is opened. A value given that no run uses
// because the files replace it is refused: --eps, when every method of
// every run starts from initial weights read from the files.
func (f *runFlags) checkLoaded(runs []config.Config) error {
	if st, err := os.Stat(f.loadInstance); err != nil || !st.IsDir() {
		why := "is not a folder"
		if errors.Is(err, os.ErrNotExist) {
			why = "does not exist"
		}
		return config.Bad("load-instance", f.loadInstance, "%s (want a folder written by --save-instance, or one holding target.npy and the workload's files)", why)
	}
	l := f.layers()
	epsUsed := false
	var loadedBy []string
	for _, c := range runs {
		dir := f.loadInstance
		if sub := subOf(runs, c); sub != "" {
			dir = filepath.Join(dir, sub)
		}
		in, cc, err := experiment.LoadInstance(c, dir)
		if err != nil {
			if len(runs) > 1 {
				err = config.Input(fmt.Errorf("--load-instance %s: the preset's run %s reads %s: %w", f.loadInstance, c.Name, dir, err))
			}
			return l.FromFile(err)
		}
		for _, m := range cc.Methods {
			if in.Inits[m] == nil {
				epsUsed = true
			} else if !slices.Contains(loadedBy, m) {
				loadedBy = append(loadedBy, m)
			}
		}
	}
	if !epsUsed && l.Given("eps") {
		return l.FromFile(config.Bad("eps", runs[0].Eps, "does not apply to --load-instance %s: the initial weights of %s are read from its files (%s), whose scale is their own",
			f.loadInstance, strings.Join(loadedBy, ", "), "init_<method>_W<l>.npy"))
	}
	return nil
}
