package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/lowdim/lowdim/bench"
	"github.com/lowdim/lowdim/gate"
	"github.com/lowdim/lowdim/internal/interrupt"
)

const gateUsage = `Usage: lowdim gate [flags] BASE [HEAD]
       lowdim gate [flags] --base-bin FILE --head-bin FILE

The CI regression gate. Builds lowdim at the revisions BASE and HEAD
(default HEAD) of the git repository --repo, with the BLAS backend make
would choose (OpenBLAS when a C compiler, cblas.h and libopenblas are
found; --blas to force one), or takes two built binaries; runs the head's
benchmark suite tagged --tags (default gate) on both, interleaved (base,
head, base, head, ...), as many rounds as fit --budget (builds included);
and judges every metric:

  timing (sec/op)      Mann-Whitney U test (benchmath) with Holm's
                       correction over the suite's timing rows (family-wise
                       false-alarm rate --alpha) and a magnitude --threshold
  exact                flops/op, params-bytes, workspace-bytes, steps-to-tol,
                       allocs/op (smallest sample, rounded): any change fails
  tolerance            recovery-err, the MLP's test-acc and test-loss: a
                       change beyond 1e-6 relative fails; B/op (smallest
                       sample): beyond 5% + 64 bytes
  memory               peak-rss-bytes of each side's bench process: the
                       head's median more than 20% above the base's fails
  reported             GFLOP/s, energy (model-J/op: modelled, not
                       measured), ...: shown, not gated

An intended change of an exact or tolerance metric is accepted by a line
"Benchmark<name> <unit> <new value>" in the file .lowdim-gate-accept at
the head revision's root, committed with the change (or --accept FILE).
Cases the base lacks are reported as new, not compared.

Writes the report as text to stdout, and as Markdown (--markdown, for a
CI job summary) and JSON (--json). Progress, with the time left, goes to
stderr. SIGINT or SIGTERM stops the bench under way at the end of its
sample; a second one kills it at once. Either way the report of the
rounds done is written, marked interrupted.

--base-bin and --head-bin name files: a name without a slash is a file in
the working folder, not a program looked up in PATH.

Exit status: 0 pass, 1 a regression (or a changed exact metric, or a
timing row with too few samples), 2 bad input, a revision that does not
resolve or build, or a budget too small for the test, 3 a bench run that
failed, 130 or 143 interrupted.

Flags:
`

// maxGateBudget bounds --budget: a day is a mistyped unit, not a CI job.
const maxGateBudget = 24 * time.Hour

// gateAbortWait bounds how long a second signal waits for the report.
const gateAbortWait = 10 * time.Second

// gateBinary checks the file of --base-bin or --head-bin and returns its
// absolute path. A name without a slash is a file in the working folder,
// as for every other file flag, never a program looked up in PATH (Go's
// os/exec rule that a bare name is a PATH lookup would run whatever
// lowdim is installed); the error for a missing one says how to name the
// one on PATH.
func gateBinary(flagName, path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("invalid --%s %s: %v", flagName, path, err)
	}
	st, err := os.Stat(abs)
	if err != nil && !strings.ContainsRune(path, filepath.Separator) {
		return "", fmt.Errorf("invalid --%s %s: no file %s in the working folder %s (a name without a slash is a file there, not a program looked up in PATH; for the one on PATH give --%s \"$(command -v %s)\")",
			flagName, path, path, filepath.Dir(abs), flagName, path)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("invalid --%s %s: no such file", flagName, path)
	case err != nil:
		return "", fmt.Errorf("invalid --%s %s: %v", flagName, path, err)
	case st.IsDir():
		return "", fmt.Errorf("invalid --%s %s: a folder, not a lowdim binary", flagName, path)
	case st.Mode()&0o111 == 0:
		return "", fmt.Errorf("invalid --%s %s: not an executable file (its mode is %v)", flagName, path, st.Mode().Perm())
	}
	return abs, nil
}

func cmdGate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lowdim gate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, gateUsage); fs.PrintDefaults() }
	d := gate.DefaultOptions
	budget := fs.Duration("budget", d.Budget, "wall time of the benchmark rounds, after the builds (at most 24h)")
	threshold := fs.Float64("threshold", d.Threshold, "relative change of the medians a significant timing change must exceed (0.05 = 5%)")
	alpha := fs.Float64("alpha", d.Alpha, "family-wise false-alarm rate of the timing rows (Holm), in (0, 0.5]")
	benchtime := fs.String("benchtime", d.Benchtime, "lowdim bench --benchtime of each sample")
	tags := fs.String("tags", strings.Join(d.Tags, ","), "comma list of tags selecting the head's suite")
	filter := fs.String("filter", "", "regular expression: keep only the suite's cases whose name matches")
	maxRounds := fs.Int("max-rounds", d.MaxRounds, "most rounds however large the budget")
	repo := fs.String("repo", ".", "the git repository holding BASE and HEAD")
	blas := fs.String("blas", "auto", "BLAS backend of the builds: auto (as make), gonum or openblas")
	baseBin := fs.String("base-bin", "", "a built lowdim binary for the base (with --head-bin, instead of BASE and HEAD)")
	headBin := fs.String("head-bin", "", "a built lowdim binary for the head")
	plant := fs.Float64("plant-head", 0, "testing: build the head with -tags lowdim_plant and run it with LOWDIM_PLANT_SLOWDOWN set to this fraction of extra work per training step")
	acceptPath := fs.String("accept", "", "accept file (default the head revision's "+gate.AcceptFile+")")
	mdPath := fs.String("markdown", "", "also write the report as Markdown to this file")
	jsonPath := fs.String("json", "", "also write the report as JSON to this file")
	keep := fs.Bool("keep", false, "keep the temporary folder of the builds and print its path")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "lowdim gate: "+format+"\n", a...)
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	bins := *baseBin != "" || *headBin != ""
	switch {
	case bins && (*baseBin == "" || *headBin == ""):
		return usageErr("give both --base-bin and --head-bin, or neither (and BASE [HEAD])")
	case bins && fs.NArg() > 0:
		return usageErr("unexpected argument %q: --base-bin and --head-bin replace BASE and HEAD", fs.Arg(0))
	case !bins && (fs.NArg() < 1 || fs.NArg() > 2):
		fmt.Fprintf(stderr, "lowdim gate: want BASE [HEAD], got %d arguments\n\n", fs.NArg())
		fs.Usage()
		return exitUsage
	}
	if *budget <= 0 || *budget > maxGateBudget {
		return usageErr("invalid --budget %v: must be positive and at most %v", *budget, maxGateBudget)
	}
	if !(*threshold >= 0 && *threshold < 1) {
		return usageErr("invalid --threshold %g: want a fraction in [0, 1), e.g. 0.05 for 5%%", *threshold)
	}
	if !(*alpha > 0 && *alpha <= 0.5) {
		return usageErr("invalid --alpha %g: want a probability in (0, 0.5]", *alpha)
	}
	if *maxRounds < 1 || *maxRounds > 10000 {
		return usageErr("invalid --max-rounds %d: must be in 1..10000", *maxRounds)
	}
	if !(*plant >= 0 && *plant <= 10) {
		return usageErr("invalid --plant-head %g: want a fraction in [0, 10]", *plant)
	}
	if *blas != "auto" && *blas != "gonum" && *blas != "openblas" {
		return usageErr("invalid --blas %q: want auto, gonum or openblas", *blas)
	}
	if bins && set["blas"] {
		return usageErr("--blas builds the revisions; --base-bin and --head-bin are built already")
	}
	if _, err := regexp.Compile(*filter); err != nil {
		return usageErr("invalid --filter %q: %v", *filter, err)
	}
	tagList, err := parseList("tags", *tags)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := bench.CheckBenchtime(*benchtime); err != nil {
		return usageErr("invalid --benchtime %s: %v", *benchtime, err)
	}
	for _, o := range []struct{ flag, path string }{{"markdown", *mdPath}, {"json", *jsonPath}} {
		if set[o.flag] && o.path == "" {
			return usageErr("invalid --%s \"\": give a file name, or leave --%s out", o.flag, o.flag)
		}
		if err := checkGateOut(o.flag, o.path); err != nil {
			return usageErr("%v", err)
		}
	}
	if *mdPath != "" && *mdPath == *jsonPath {
		return usageErr("--markdown and --json are the same file %s", *mdPath)
	}
	var accept gate.Accept
	if *acceptPath != "" {
		data, err := os.ReadFile(*acceptPath)
		if err != nil {
			return usageErr("invalid --accept: %v", err)
		}
		if accept, err = gate.ParseAccept(*acceptPath, data); err != nil {
			return usageErr("invalid --accept: %v", err)
		}
	}

	sig := interrupt.Notify(stderr, "lowdim gate")
	defer sig.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := gate.DefaultOptions
	o.Budget, o.Threshold, o.Alpha, o.Benchtime = *budget, *threshold, *alpha, *benchtime
	o.Tags, o.Filter, o.MaxRounds = tagList, *filter, *maxRounds
	o.Progress, o.Interrupt = stderr, sig.Done()
	var base, head gate.Binary
	var backend string
	var plantEnv []string
	t0 := time.Now()
	if *plant > 0 {
		plantEnv = []string{fmt.Sprintf("LOWDIM_PLANT_SLOWDOWN=%g", *plant)}
	}
	if bins {
		var paths [2]string
		for i, p := range []struct{ flag, path string }{{"base-bin", *baseBin}, {"head-bin", *headBin}} {
			abs, err := gateBinary(p.flag, p.path)
			if err != nil {
				return usageErr("%v", err)
			}
			paths[i] = abs
		}
		base = gate.Binary{Path: paths[0]}
		head = gate.Binary{Path: paths[1], Env: plantEnv}
	} else {
		// Every revision resolves before anything is built.
		revs := []string{fs.Arg(0), "HEAD"}
		if fs.NArg() == 2 {
			revs[1] = fs.Arg(1)
		}
		var commits [2]string
		for i, rev := range revs {
			c, err := gate.Resolve(ctx, *repo, rev)
			if err != nil {
				return usageErr("%v", err)
			}
			commits[i] = c
		}
		if dirty(ctx, *repo) {
			fmt.Fprintf(stderr, "lowdim gate: note: %s has uncommitted changes; the gate builds the commits %s and %s, not the working tree\n", *repo, revs[0], revs[1])
		}
		if accept == nil {
			if data, ok := gate.ReadFileAt(ctx, *repo, commits[1], gate.AcceptFile); ok {
				if accept, err = gate.ParseAccept(revs[1]+":"+gate.AcceptFile, data); err != nil {
					return usageErr("%v", err)
				}
			}
		}
		backend = *blas
		if backend == "auto" {
			backend = "gonum"
			if gate.HaveOpenBLAS(ctx) {
				backend = "openblas"
			}
		} else if backend == "openblas" && !gate.HaveOpenBLAS(ctx) {
			return usageErr("--blas openblas: OpenBLAS was not found (no C compiler, cblas.h or libopenblas; on Debian: apt-get install libopenblas-dev gcc)")
		}
		work, err := os.MkdirTemp("", "lowdim-gate-")
		if err != nil {
			return failWith(stderr, "lowdim gate", err)
		}
		if *keep {
			fmt.Fprintf(stderr, "lowdim gate: builds kept in %s\n", work)
		} else {
			defer os.RemoveAll(work)
			// A second signal exits at once: the builds go too.
			defer sig.OnAbort(func() { os.RemoveAll(work) })()
		}
		buildCtx, buildCancel := context.WithCancel(ctx)
		defer buildCancel()
		go func() {
			select {
			case <-sig.Done():
				buildCancel() // a build under way stops
			case <-buildCtx.Done():
			}
		}()
		sides := []*gate.Binary{&base, &head}
		for i, label := range []string{"base", "head"} {
			var tg []string
			if backend == "openblas" {
				tg = append(tg, "openblas")
			}
			if label == "head" && *plant > 0 {
				tg = append(tg, "lowdim_plant")
			}
			bin := filepath.Join(work, "lowdim-"+label)
			fmt.Fprintf(stderr, "gate: building %s %s (%.12s) with -tags '%s'\n", label, revs[i], commits[i], strings.Join(tg, ","))
			t1 := time.Now()
			if err := gate.Build(buildCtx, *repo, revs[i], commits[i], tg, work, label, bin); err != nil {
				if sig.Interrupted() {
					fmt.Fprintf(stderr, "lowdim gate: interrupted while building %s\n", revs[i])
					return sig.ExitCode()
				}
				return usageErr("%v", err)
			}
			fmt.Fprintf(stderr, "gate: built %s in %v\n", label, time.Since(t1).Round(100*time.Millisecond))
			*sides[i] = gate.Binary{Path: bin, Rev: revs[i], Commit: commits[i]}
		}
		head.Env = plantEnv
		buildCancel()
	}
	// A second signal aborts through the handler, which exits once its
	// OnAbort functions return (timeout -s INT signals both the gate and
	// its process group: two SIGINTs). This one, run first, kills the
	// bench under way (cancel) and waits for the report of the rounds done
	// to be written; the first signal's graceful stop waits for the
	// bench's sample to end.
	written := make(chan struct{})
	defer sig.OnAbort(func() {
		cancel()
		select {
		case <-written:
		case <-time.After(gateAbortWait):
			fmt.Fprintf(stderr, "lowdim gate: no report: it was not written within %v of the second signal\n", gateAbortWait)
		}
	})()
	defer close(written)
	o.Start = time.Now() // --budget bounds the rounds, not the builds
	rep, err := gate.Run(ctx, base, head, o, accept)
	var berr *gate.BenchError
	switch {
	case errors.Is(err, gate.ErrBudget):
		return usageErr("%v", err)
	case errors.As(err, &berr):
		fmt.Fprintf(stderr, "lowdim gate: %v\n", err)
		return exitInternal
	case err != nil:
		return usageErr("%v", err)
	}
	rep.Backend = backend
	rep.Builds = o.Start.Sub(t0)
	if err := writeGate(rep, stdout, *mdPath, *jsonPath); err != nil {
		return failWith(stderr, "lowdim gate", err)
	}
	if rep.Interrupted || sig.Interrupted() {
		fmt.Fprintf(stderr, "lowdim gate: interrupted after %d rounds\n", rep.Rounds)
		return sig.ExitCode()
	}
	if rep.Failed() {
		return exitFailure
	}
	return exitOK
}

// writeGate writes the report to stdout and the optional files.
func writeGate(rep *gate.Report, stdout io.Writer, md, js string) error {
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{md, rep.WriteMarkdown}, {js, rep.WriteJSON}} {
		if f.path == "" {
			continue
		}
		out, err := os.Create(f.path)
		if err != nil {
			return err
		}
		err = f.write(out)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkGateOut checks, before any build, that path can be written as one
// file: not a folder, its folder exists, and a probe file can be created
// there and removed ("" passes).
func checkGateOut(flagName, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("invalid --%s %s: not a regular file", flagName, path)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".lowdim-gate-probe-")
	if err != nil {
		return fmt.Errorf("invalid --%s %s: cannot write in %s: %v", flagName, path, dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// dirty reports whether the git working tree of repo has uncommitted
// changes to tracked files (false when git cannot say).
func dirty(ctx context.Context, repo string) bool {
	out, err := exec.CommandContext(ctx, "git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output()
	return err == nil && len(bytes.TrimSpace(out)) > 0
}
