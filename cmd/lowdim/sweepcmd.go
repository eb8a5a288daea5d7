package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/sweep"
)

const sweepUsage = `Usage: lowdim sweep [flags] SPEC.toml      (or --preset NAME)
       lowdim sweep merge [--out DIR] SWEEPDIR...
       lowdim sweep k8s   [flags] SPEC.toml --image IMG [--shards n]
       lowdim sweep slurm [flags] SPEC.toml [--shards n]

Runs every configuration of a sweep: a base (a preset and keys) and axes
(lists of values of any key of lowdim run, seed and methods included),
their cartesian product, zipped axes varied together (package sweep
documents the TOML). The whole spec is checked before any run (exit 2
naming the file, key and value). Each configuration writes --out/<hash>/
(its run's files and sweep-point.json); one already finished there (same
configuration, same lowdim version, not interrupted) is skipped, so running
the sweep again resumes it; a failed one is recorded and skipped unless
--retry-failed. --shard k/n runs the configurations of index mod n = k;
without it, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or
JOB_COMPLETION_INDEX with --shards n, give the shard. Progress (done,
failed, remaining, ETA) goes to stderr. --out must be new, empty or this
sweep's folder (a user's files or another sweep's are refused, exit 2).
lowdim run's flags that are not configuration keys (config, max-time, out,
quiet, cpuprofile, save-instance, load-instance, save-model, target, mask,
and preset but as the spec's top-level key) are refused in a spec, saying
why; --max-time and --quiet are lowdim sweep's own.

sweep slurm writes an sbatch script (bash it: it submits the array and a
dependent merge). sweep k8s writes a List of two Jobs: the Indexed Job and
a merge Job created suspended; after kubectl wait --for=condition=complete
job/lowdim-sweep, resume it: kubectl patch job lowdim-sweep-merge
--type=merge -p '{"spec":{"suspend":false}}'. sweep k8s's --out is a
folder on the volume mounted at /sweep: relative to it, or an absolute path
under /sweep (a .. component, or a path outside /sweep, is refused).
--shards n (at least 1) is the array's size; -o writes the script or
manifest to a file, replacing it if it exists (without -o, or -o -: stdout).

Sweep presets (--preset, --quick for a small size): ` + "%s" + `

Exit status: 0 every configuration finished, 1 some failed, 2 usage or
input error, 3 an internal failure, 130 or 143 interrupted (the current run
is written marked interrupted; run the sweep again to finish it).

Flags:
`

// sweepFlags are the flags shared by lowdim sweep, sweep k8s and sweep slurm.
type sweepFlags struct {
	preset      string
	quick       bool
	out         string
	shard       string
	shards      int
	retryFailed bool
	quiet       bool
	maxTime     time.Duration
	image       string // k8s
	file        string // k8s, slurm: where the manifest or script goes
	binary      string // slurm: the lowdim on the nodes
	shardsSet   bool   // --shards was given
}

func newSweepFlags(name string, stderr io.Writer) (*flag.FlagSet, *sweepFlags) {
	f := &sweepFlags{maxTime: experiment.DefaultMaxTime}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, sweepUsage, joinNames(sweep.PresetNames()))
		fs.PrintDefaults()
	}
	fs.StringVar(&f.preset, "preset", "", "a sweep preset instead of SPEC.toml")
	fs.BoolVar(&f.quick, "quick", false, "the spec's [quick] size (a preset's: under 2 minutes on 2 cores)")
	fs.StringVar(&f.out, "out", "lowdim-sweep", "the sweep's folder: one subfolder per configuration")
	fs.StringVar(&f.shard, "shard", "", "run the configurations of index mod n = k: k/n")
	fs.IntVar(&f.shards, "shards", 0, "the number of shards (with JOB_COMPLETION_INDEX; for k8s and slurm: the array's size)")
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "run the configurations recorded as failed again")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	fs.Var(durationValue{&f.maxTime}, "max-time", "each run's time preflight limit, as for lowdim run (0: none)")
	return fs, f
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// loadSpec reads the spec of the positional argument or --preset.
func (f *sweepFlags) loadSpec(pos []string) (*sweep.Spec, error) {
	var s *sweep.Spec
	switch {
	case f.preset != "" && len(pos) > 0:
		return nil, config.Input(fmt.Errorf("give SPEC.toml or --preset, not both"))
	case f.preset != "":
		var err error
		if s, err = sweep.Preset(f.preset); err != nil {
			return nil, err
		}
	case len(pos) == 1:
		b, err := os.ReadFile(pos[0])
		if err != nil {
			return nil, config.Input(err)
		}
		if s, err = sweep.ParseSpec(pos[0], b); err != nil {
			return nil, err
		}
	case len(pos) == 0:
		return nil, config.Input(fmt.Errorf("no spec: give SPEC.toml or --preset NAME (%s)", joinNames(sweep.PresetNames())))
	default:
		return nil, config.Input(fmt.Errorf("one spec only; got %q", pos))
	}
	if f.quick {
		s = s.WithQuick()
	}
	return s, nil
}

func cmdSweep(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "merge":
			return cmdSweepMerge(args[1:], stdout, stderr)
		case "k8s", "slurm":
			return cmdSweepEngine(args[0], args[1:], stdout, stderr)
		}
	}
	fs, f := newSweepFlags("lowdim sweep", stderr)
	pos, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(err error) int { return failWith(stderr, "lowdim sweep", err) }
	if err := emptyFlags(fs); err != nil {
		return fail(err)
	}
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "shards" {
			f.shardsSet = true
		}
	})
	shard, err := f.shardOf(os.Getenv)
	if err != nil {
		return fail(err)
	}
	spec, err := f.loadSpec(pos)
	if err != nil {
		return fail(err)
	}
	points, err := spec.Expand()
	if err != nil {
		return fail(err)
	}
	sig := interrupt.Notify(stderr, "lowdim sweep")
	defer sig.Stop()
	desc := spec.Description
	if f.quick {
		desc += " (--quick)"
	}
	opt := sweep.Options{Out: f.out, Description: desc, Shard: shard, RetryFailed: f.retryFailed,
		Version: machine.Read().Version, Interrupt: sig.Done(), OnAbort: sig.OnAbort,
		Train: sweepTrainer(sig, f.maxTime), Write: func(dir string, res *results.Run) error { return writeOutputs(dir, res, nil) }}
	if !f.quiet {
		opt.Progress = stderr
		fmt.Fprintf(stderr, "lowdim sweep: %d configurations, shard %v, into %s\n", len(points), shard, f.out)
	}
	sum, err := sweep.Execute(points, opt)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "sweep %s: %d configurations in shard %v: %d finished, %d failed, %d not run; %d run now, %d skipped (already done or failed)\n",
		f.out, sum.Total, shard, sum.Done, sum.Failed, sum.Total-sum.Done-sum.Failed, sum.Ran, sum.Skipped)
	switch {
	case sum.Interrupted || sig.Interrupted():
		fmt.Fprintf(stderr, "lowdim sweep: interrupted: run the same command again to finish the %d configurations left\n", sum.Total-sum.Done-sum.Failed)
		return sig.ExitCode()
	case sum.Failed > 0:
		fmt.Fprintf(stderr, "lowdim sweep: %d configurations failed (their sweep-point.json says why); --retry-failed runs them again\n", sum.Failed)
		return exitFailure
	}
	return exitOK
}

// shardOf returns the shard of --shard, else of the environment.
func (f *sweepFlags) shardOf(getenv func(string) string) (sweep.Shard, error) {
	if f.shards < 0 || f.shardsSet && f.shards < 1 {
		return sweep.Shard{}, config.Bad("shards", f.shards, "want at least 1")
	}
	if f.shard != "" {
		s, err := sweep.ParseShard(f.shard)
		if err != nil {
			return s, config.Bad("shard", f.shard, "%v", err)
		}
		if f.shardsSet && f.shards != s.N {
			return sweep.Shard{}, config.Bad("shards", f.shards, "disagrees with --shard %s, which is shard %d of %d: give --shard alone (--shards is for JOB_COMPLETION_INDEX)", f.shard, s.K, s.N)
		}
		return s, nil
	}
	s, _, err := sweep.ShardFromEnv(getenv, f.shards)
	if err != nil {
		return s, config.Input(err)
	}
	return s, nil
}

// sweepTrainer runs one configuration as lowdim run does (time preflight
// to maxTime, the calibrated peaks; the test hook's step/<k> phases).
func sweepTrainer(sig *interrupt.Handler, maxTime time.Duration) func(config.Config, <-chan struct{}) (*results.Run, error) {
	cal, calErr := calibrate.Load(machine.BLASBackend)
	return func(c config.Config, stop <-chan struct{}) (*results.Run, error) {
		opt := experiment.Options{Interrupt: stop, TimePreflight: true, MaxTime: maxTime}
		if calErr == nil {
			opt.PeakGFLOPS, opt.TriadGBps = cal.PeakGFLOPS, cal.TriadGBps
		}
		if sig.Testing() {
			opt.Progress = phaseProgress(sig, nil, false)
		}
		return experiment.Run(c, opt)
	}
}
