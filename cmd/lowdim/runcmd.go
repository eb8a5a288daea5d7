package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

// runFlags are the flags of `lowdim run` and `lowdim verify`. Problem flags
// bind to a Config; which ones the user set is read back with
// FlagSet.Visit, so that flags override the config file, which overrides
// the preset.
type runFlags struct {
	cfg          experiment.Config
	methods      string
	preset       string
	configFile   string
	out          string
	quiet        bool
	saveInstance string
	loadInstance string
	cpuProfile   string
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
each overriding the one before. A flag's zero default below means "the
preset's value".

Flags:
`

const verifyUsage = `Usage: lowdim verify [flags]

The rollout gate: trains the original network once and the compressed
network at every candidate width (--r-hat 10,20,40) on one problem (a preset,
the problem flags, or your own --target matrix), evaluates every theory check
that applies, prints a verdict table and writes verdict.json to --out.
Exit status: 0 every check passed, 1 a check failed (named on stdout),
2 usage or input error.

Flags:
`

func newRunFlags(stderr io.Writer) (*flag.FlagSet, *runFlags) { return newFlags(stderr, false) }

func newFlags(stderr io.Writer, verify bool) (*flag.FlagSet, *runFlags) {
	f := &runFlags{verify: verify}
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
	c := &f.cfg
	fs.StringVar(&f.preset, "preset", "", "named preset (list them with: lowdim presets); default: the fast preset of --workload")
	fs.StringVar(&f.configFile, "config", "", "TOML file setting any of these flags by name (flags override it)")
	fs.StringVar(&c.Workload, "workload", "mf", "workload: mf (factorization), mc (completion), ms (sensing)")
	fs.StringVar(&c.Loss, "loss", "", "MF loss reduction: mean or sum")
	fs.StringVar(&c.Spectrum, "spectrum", "", "target spectrum: spread (the paper's), top, geometric")
	fs.Float64Var(&c.Ratio, "ratio", 0, "ratio of consecutive singular values of a geometric target")
	fs.IntVar(&c.D, "d", 0, "size of the d x d target")
	fs.IntVar(&c.R, "r", 0, "rank of the target")
	if verify {
		fs.StringVar(&f.rhats, "r-hat", "", "comma list of candidate compressed widths (default: the preset's, or 2r)")
		fs.StringVar(&f.targetFile, "target", "", "your own d x d target matrix (.npy, .csv or Matrix Market .mtx); d and r come from it")
		fs.StringVar(&f.maskFile, "mask", "", "0/1 mask of observed entries for --workload mc (default: the entries of a coordinate .mtx --target)")
		fs.Float64Var(&f.heldOut, "held-out", experiment.DefaultHeldOut, "fraction of a coordinate .mtx target's entries (mc, no --mask) held out to measure the recovery error on")
		fs.Float64Var(&f.tolRel, "tol-rel", experiment.DefaultTolRel, "a width is sufficient when its best error is at most (1 + tol-rel) times the original's")
	} else {
		fs.IntVar(&c.RHat, "r-hat", 0, "compressed width (default 2r)")
	}
	fs.IntVar(&c.Depth, "depth", 0, "number of layers L (default 3)")
	fs.Float64Var(&c.Eps, "eps", 0, "initialization scale (default 1e-2)")
	fs.Float64Var(&c.Eta, "eta", 0, "learning rate")
	fs.Float64Var(&c.EtaFrac, "eta-frac", 0, "set the learning rate to this fraction of the instance's stable one (from the target's top singular value estimated from the data; replaces --eta)")
	fs.Float64Var(&c.Alpha, "alpha", 0, "learning-rate multiplier of the compressed network's outer layers (default 1)")
	fs.Float64Var(&c.Gamma, "gamma", 0, "learning-rate multiplier of the lop network's outer factors (default 0: frozen)")
	fs.Float64Var(&c.P, "p", 0, "observed fraction (mc)")
	fs.IntVar(&c.M, "m", 0, "number of measurements (ms)")
	fs.Float64Var(&c.Noise, "noise", 0, "measurement noise standard deviation (ms)")
	fs.StringVar(&c.Path, "path", "", "step algorithm: auto, dense, sampled (mc: residual on the observed entries only) or factored (mf: products of the target with the outer factors); auto takes sampled or factored for networks narrower than d")
	fs.StringVar(&c.Storage, "storage", "", "mc instance storage: auto (sparse above d=4096), dense, or sparse (factored target, observed entries only)")
	fs.IntVar(&c.Steps, "steps", 0, "largest number of gradient steps")
	fs.Float64Var(&c.Tol, "tol", 0, "stop when the training loss is at most tol (0: run all steps)")
	fs.IntVar(&c.Every, "every", 0, "checkpoint interval in steps (default steps/100)")
	fs.IntVar(&c.SVals, "svals", 0, "record this many top singular values of W at each checkpoint")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of every random draw")
	fs.StringVar(&f.out, "out", "lowdim-out", "output folder (created); a preset of several runs writes one subfolder each")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (go tool pprof) of the whole command to this file")
	if !verify {
		fs.StringVar(&f.methods, "methods", "", "comma list of methods: original,compressed,narrow,bm,lop (default all but lop)")
		fs.StringVar(&f.saveInstance, "save-instance", "", "write the instance and initial weights as .npy files to this folder")
		fs.StringVar(&f.loadInstance, "load-instance", "", "read the instance (and initial weights, where present) from this folder")
	}
	return fs, f
}

// configFileHead is what picks the preset in a config file.
type configFileHead struct {
	Preset   string `toml:"preset"`
	Workload string `toml:"workload"`
}

// resolve builds the list of runs: preset (from the flag, the config file,
// or the fast preset of the workload), then the config file, then the flags
// the user set.
func (f *runFlags) resolve(fs *flag.FlagSet) ([]experiment.Config, error) {
	set := map[string]bool{} // flags and file keys the user gave
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.verify {
		delete(set, "r-hat") // a list of widths, not Config.RHat
	}
	flagSet := maps.Clone(set)

	var fileData string
	presetName, workload := f.preset, f.cfg.Workload
	if f.configFile != "" {
		b, err := os.ReadFile(f.configFile)
		if err != nil {
			return nil, fmt.Errorf("--config: %w", err)
		}
		fileData = string(b)
		var head configFileHead
		md, err := toml.Decode(fileData, &head)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.configFile, err)
		}
		if !flagSet["preset"] && head.Preset != "" {
			presetName = head.Preset
		}
		if !flagSet["workload"] && head.Workload != "" {
			workload = head.Workload
		}
		for _, k := range md.Keys() {
			set[k.String()] = true
		}
	}
	if presetName == "" {
		presetName = "paper-" + workload + "-fast"
		if _, err := experiment.LookupPreset(presetName); err != nil {
			return nil, &experiment.ConfigError{Flag: "workload", Value: workload, Why: "unknown workload (want mf, mc or ms)"}
		}
	}
	preset, err := experiment.LookupPreset(presetName)
	if err != nil {
		return nil, err
	}
	runs := preset.Runs
	for i := range runs {
		c := &runs[i]
		if fileData != "" {
			md, err := toml.Decode(fileData, c)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.configFile, err)
			}
			for _, k := range md.Undecoded() {
				if k.String() != "preset" {
					return nil, fmt.Errorf("%s: unknown key %q (keys are the flag names of lowdim run)", f.configFile, k.String())
				}
			}
		}
		f.applyFlags(c, flagSet)
		if err := checkGiven(*c, set); err != nil {
			if fileData != "" && !flagSet[err.Flag] {
				return nil, fmt.Errorf("%s: %w", f.configFile, err)
			}
			return nil, err
		}
		resetDerived(c, set, f.loadInstance != "" || f.targetFile != "")
	}
	return runs, nil
}

// checkGiven refuses given values that WithDefaults would otherwise replace
// by a default: a zero or negative r-hat, depth, eps, eta, alpha or every.
func checkGiven(c experiment.Config, set map[string]bool) *experiment.ConfigError {
	for _, g := range []struct {
		flag string
		ok   bool
		v    any
		why  string
	}{
		{"r-hat", c.RHat >= 1, c.RHat, "compressed width must be at least 1"},
		{"depth", c.Depth >= 2, c.Depth, "depth must be at least 2"},
		{"eps", c.Eps > 0, c.Eps, "initialization scale must be positive and finite"},
		{"eta", c.Eta > 0, c.Eta, "learning rate must be positive and finite"},
		{"alpha", c.Alpha > 0, c.Alpha, "outer learning-rate multiplier must be positive and finite"},
		{"every", c.Every >= 1, c.Every, "checkpoint interval must be at least 1"},
	} {
		if set[g.flag] && !g.ok {
			return &experiment.ConfigError{Flag: g.flag, Value: g.v, Why: g.why}
		}
	}
	if set["eta"] && set["eta-frac"] && c.EtaFrac != 0 {
		return &experiment.ConfigError{Flag: "eta-frac", Value: c.EtaFrac, Why: "--eta and --eta-frac both set the learning rate; give one"}
	}
	return nil
}

// resetDerived clears the preset's values that derive from values the user
// changed, so that their defaults follow: r-hat from r, every from steps,
// the loss from the workload, and d and m from a loaded instance.
func resetDerived(c *experiment.Config, set map[string]bool, loading bool) {
	if (set["r"] || set["d"]) && !set["r-hat"] {
		c.RHat = 0
	}
	if set["steps"] && !set["every"] {
		c.Every = 0
	}
	if set["workload"] && c.Workload != "mf" && !set["loss"] {
		c.Loss = ""
	}
	if loading {
		if !set["d"] {
			c.D = 0
		}
		if !set["r"] && !set["r-hat"] {
			c.RHat = 0
		}
		if !set["m"] {
			c.M = 0
		}
	}
}

// applyFlags copies the flags the user set onto c.
func (f *runFlags) applyFlags(c *experiment.Config, set map[string]bool) {
	src := f.cfg
	copyIf := func(name string, apply func()) {
		if set[name] {
			apply()
		}
	}
	copyIf("workload", func() { c.Workload = src.Workload })
	copyIf("loss", func() { c.Loss = src.Loss })
	copyIf("spectrum", func() { c.Spectrum = src.Spectrum })
	copyIf("ratio", func() { c.Ratio = src.Ratio })
	copyIf("d", func() { c.D = src.D })
	copyIf("r", func() { c.R = src.R })
	copyIf("r-hat", func() { c.RHat = src.RHat })
	copyIf("depth", func() { c.Depth = src.Depth })
	copyIf("eps", func() { c.Eps = src.Eps })
	copyIf("eta", func() { c.Eta = src.Eta })
	copyIf("eta-frac", func() { c.EtaFrac = src.EtaFrac })
	copyIf("alpha", func() { c.Alpha = src.Alpha })
	copyIf("gamma", func() { c.Gamma = src.Gamma })
	copyIf("p", func() { c.P = src.P })
	copyIf("m", func() { c.M = src.M })
	copyIf("noise", func() { c.Noise = src.Noise })
	copyIf("steps", func() { c.Steps = src.Steps })
	copyIf("tol", func() { c.Tol = src.Tol })
	copyIf("every", func() { c.Every = src.Every })
	copyIf("svals", func() { c.SVals = src.SVals })
	copyIf("seed", func() { c.Seed = src.Seed })
	copyIf("path", func() { c.Path = src.Path })
	copyIf("storage", func() { c.Storage = src.Storage })
	copyIf("methods", func() { c.Methods = splitList(f.methods) })
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	if isMLPPreset(args) { // nonlinear networks on real data: mlpcmd.go
		return cmdRunMLP(args, stdout, stderr)
	}
	fs, f := newRunFlags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lowdim run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	runs, err := f.resolve(fs)
	if err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	if f.cpuProfile != "" {
		stop, err := startProfile(f.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "lowdim run: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer stop()
	}
	// Validate every run before training any.
	for _, c := range runs {
		c = c.WithDefaults()
		if f.loadInstance != "" {
			continue // d comes from the instance; Run validates after loading
		}
		if err := c.Validate(); err != nil {
			fmt.Fprintf(stderr, "lowdim run: %v\n", err)
			return exitUsage
		}
		if err := experiment.Preflight(c); err != nil {
			fmt.Fprintf(stderr, "lowdim run: %v\n", err)
			return exitUsage
		}
	}
	for _, c := range runs {
		dir, save, load := f.out, f.saveInstance, f.loadInstance
		if len(runs) > 1 {
			dir = filepath.Join(dir, c.Name)
			if save != "" {
				save = filepath.Join(save, c.Name)
			}
			if load != "" {
				load = filepath.Join(load, c.Name)
			}
		}
		opt := experiment.Options{SaveInstance: save, LoadInstance: load}
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
		res, err := experiment.Run(c, opt)
		if err != nil {
			fmt.Fprintf(stderr, "lowdim run: %v\n", err)
			return exitUsage
		}
		if err := writeOutputs(dir, res); err != nil {
			fmt.Fprintf(stderr, "lowdim run: %v\n", err)
			return exitFailure
		}
		cfg := *res.Config
		fmt.Fprintf(stdout, "\n== %s (%s) -> %s\n", title(cfg), cfg.Name, dir)
		writeEtaLine(stdout, cfg, *res.Instance)
		if err := report.WriteSummary(stdout, res); err != nil {
			fmt.Fprintf(stderr, "lowdim run: %v\n", err)
			return exitFailure
		}
		if err := report.WriteChecks(stdout, res.Checks); err != nil {
			fmt.Fprintf(stderr, "lowdim run: %v\n", err)
			return exitFailure
		}
	}
	return exitOK
}

// title names a run's problem in figures and on stdout.
func title(c experiment.Config) string {
	s := fmt.Sprintf("%s d=%d r=%d r̂=%d L=%d", strings.ToUpper(c.Workload), c.D, c.R, c.RHat, c.Depth)
	switch c.Workload {
	case "mc":
		s += fmt.Sprintf(" p=%.3g", c.P)
	case "ms":
		s += fmt.Sprintf(" m=%d", c.M)
	}
	return s
}

// writeOutputs writes run.json, trajectories.csv and the figures to dir,
// each atomically.
func writeOutputs(dir string, res *results.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := results.MarshalRun(res)
	if err != nil {
		return err
	}
	cfg := *res.Config
	if err := results.WriteFileAtomic(filepath.Join(dir, "trajectories.csv"), report.TrajectoriesCSV(res, cfg.SVals)); err != nil {
		return err
	}
	if _, err := report.WriteFigures(dir, res, title(cfg)); err != nil {
		return err
	}
	// run.json last: its presence says the folder is complete.
	return results.WriteFileAtomic(filepath.Join(dir, "run.json"), js)
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

// writeEtaLine says how the learning rate was set when --eta-frac set it.
func writeEtaLine(w io.Writer, c experiment.Config, in experiment.InstanceInfo) {
	if c.EtaFrac > 0 {
		fmt.Fprintf(w, "eta = %.4g: %g of the stable learning rate %.4g (target's top singular value, estimated from the data: %.4g)\n",
			c.Eta, c.EtaFrac, in.StableEta, in.TargetTop)
	}
}
