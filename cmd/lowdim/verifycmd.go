package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

func cmdVerify(args []string, stdout, stderr io.Writer) int {
	if t := flagArg(args, "task"); t != "" { // verify --task classify (verifyclassify.go)
		return verifyTask(t, args, stdout, stderr)
	}
	// Flags only verify --task classify has: the user forgot --task.
	for _, k := range []string{"data", "test-data", "label", "test-frac"} {
		if v := flagArg(args, k); v != "" {
			return failWith(stderr, "lowdim verify", config.Bad(k, v, "is a flag of lowdim verify --task classify (a classification data set): add --task classify (a matrix verify takes --workload or --target; lowdim verify -h)"))
		}
	}
	fs, f := newFlags(stderr, true)
	var d dataFlags
	addDataFlags(fs, &d)
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(err error) int { return failWith(stderr, "lowdim verify", err) }
	if fs.NArg() > 0 {
		return fail(config.Input(fmt.Errorf("unexpected argument %q", fs.Arg(0))))
	}
	if err := emptyFlags(fs); err != nil {
		return fail(err)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	rhats, err := parseWidths(f.rhats)
	if err != nil {
		return fail(err)
	}
	if !(f.tolRel > 0) || math.IsInf(f.tolRel, 0) {
		return fail(&config.ConfigError{Flag: "tol-rel", Value: f.tolRel, Why: "relative tolerance must be positive and finite"})
	}
	runs, err := f.resolve()
	if err != nil {
		return fail(err)
	}
	if f.maskFile != "" && f.targetFile == "" {
		return fail(config.Bad("mask", f.maskFile, "--mask needs --target"))
	}
	if set["held-out"] && f.targetFile == "" {
		return fail(config.Bad("held-out", f.heldOut, "does not apply without --target (it holds out entries of a coordinate .mtx target for --workload mc without --mask)"))
	}
	if err := d.check(set, f.targetFile != ""); err != nil {
		return fail(err)
	}
	if f.targetFile != "" && len(runs) > 1 {
		return fail(config.Bad("target", f.targetFile, "--target needs a preset of one run"))
	}
	if f.targetFile != "" && set["d"] {
		return fail(config.Bad("d", f.given["d"], "--d and --target: the target file sets d"))
	}
	for _, k := range []string{"rows", "cols"} {
		if f.targetFile != "" && set[k] {
			return fail(config.Bad(k, f.given[k], "--%s and --target: the target file sets the shape (its %s)", k, k))
		}
	}
	// Every run is validated before any is trained, and before --out is
	// touched (a user's target is validated once read, below).
	if f.targetFile == "" {
		for _, c := range runs {
			if err := experiment.CheckVerify(experiment.VerifyConfig{Config: c, RHats: widths(c, rhats), TolRel: f.tolRel}); err != nil {
				return fail(f.layers().FromFile(err))
			}
		}
	}
	if f.cpuProfile != "" {
		stop, err := startProfile(f.cpuProfile)
		if err != nil {
			return fail(config.Input(fmt.Errorf("--cpuprofile: %w", err)))
		}
		defer stop()
	}
	if err := checkSaveModel(f.saveModel, map[string]string{"out": f.out}); err != nil {
		return fail(err)
	}
	// --out (and --save-model) before any work: checked, locked, recovered
	// (output.go).
	sig := interrupt.Notify(stderr, "lowdim verify")
	defer sig.Stop()
	out, closeOut, err := openOut(sig, stderr, "lowdim verify", "out", f.out, subfolders(runs), knownOut, "")
	if err != nil {
		return fail(err)
	}
	defer closeOut()
	var models *outdir.Folder
	if f.saveModel != "" {
		var closeModels func() error
		if models, closeModels, err = openOut(sig, stderr, "lowdim verify", "save-model", f.saveModel, subfolders(runs), knownModels, "model-"); err != nil {
			return fail(err)
		}
		defer closeModels()
	}
	failed := false
	cut := false // a verdict written marked interrupted, or a run not run
	so := &stdoutWriter{w: stdout}
	stdout = so
	for _, c := range runs {
		if sig.Interrupted() {
			fmt.Fprintf(stderr, "lowdim verify: interrupted: %s not run\n", c.Name)
			cut = true
			continue
		}
		if so.broken() {
			fmt.Fprintf(stderr, "lowdim verify: stdout closed: %s not run\n", c.Name)
			continue
		}
		tolRel := f.tolRel
		if !set["tol-rel"] {
			tolRel = 0 // the default of the errors compared (experiment.VerifyConfig.TolRel)
		}
		sub := subOf(runs, c)
		dir := f.out
		if sub != "" {
			dir = filepath.Join(dir, sub)
		}
		// --save-model: the networks of the first seed's verify.
		var saver *modelSaver
		var modelStage *outdir.Stage
		if models != nil {
			if modelStage, err = models.Stage(sub); err != nil {
				return fail(err)
			}
			if saver, err = newModelSaver(modelStage.Path(), sourceFiles(f.targetFile, f.maskFile, "", c.Workload)); err != nil {
				return fail(err)
			}
		}
		// One verify per seed (--seeds): its own split and initializations.
		first := c.Seed // the seed whose networks --save-model keeps
		once := func(seed uint64) (*experiment.Verdict, error) {
			c := c.Clone()
			c.Seed = seed
			vc := experiment.VerifyConfig{Config: c, RHats: rhats, TolRel: tolRel}
			d.applyStop(&vc, f, set)
			var in *instance.Instance
			if f.targetFile != "" {
				u := instance.UserFiles{Target: f.targetFile, Mask: f.maskFile, HeldOut: f.heldOut,
					HeldOutGiven: set["held-out"], RGiven: c.R != 0, // Resolve clears r unless given (flag or --config)
					Fits: func(rows, cols int) error { return experiment.VerifyFits(vc, rows, cols) }}
				if err := d.userFiles(&u, set); err != nil {
					return nil, err
				}
				var err error
				if in, err = instance.FromFiles(&vc.Config, u); err != nil {
					return nil, err
				}
			}
			// After FromFiles, which caps a user target's default width 2r at
			// min(m, n).
			vc.RHats = widths(vc.Config, rhats)
			if in != nil {
				rows, cols := in.Work.Dims()
				for _, w := range rhats {
					if w > min(rows, cols) { // the shape is the file's: say so, not "--d"
						if rows == cols {
							return nil, config.Bad("r-hat", f.rhats, "width %d is above d = %d of the %d x %d target %s", w, rows, rows, cols, f.targetFile)
						}
						return nil, config.Bad("r-hat", f.rhats, "width %d is above min(m, n) = %d of the %d x %d target %s", w, min(rows, cols), rows, cols, f.targetFile)
					}
				}
				if in.Entries != nil && len(rhats) == 0 {
					vc.RHats = experiment.EntryWidths(vc.R, min(rows, cols))
				}
			}
			opt := experiment.Options{Interrupt: sig.Done(), TimePreflight: true, MaxTime: f.maxTime}
			if !f.quiet {
				opt.TimeLog = stderr
			}
			if saver != nil && seed == first {
				opt.Trained = saver.save
			}
			if !f.quiet {
				opt.Progress = progress(stderr, c.Name)
				if opt.Progress == nil {
					opt.Log = stderr
				}
			}
			if sig.Testing() {
				opt.Progress = phaseProgress(sig, opt.Progress, false)
			}
			return experiment.Verify(vc, in, opt)
		}
		var vs []*experiment.Verdict
		var seeds []uint64
		for s := 0; s < d.seeds && (s == 0 || !sig.Interrupted()); s++ {
			seed := c.Seed + uint64(s)
			if d.seeds > 1 && !f.quiet {
				fmt.Fprintf(stderr, "lowdim verify: seed %d (%d of %d)\n", seed, s+1, d.seeds)
			}
			v, err := once(seed)
			if err != nil {
				return fail(err)
			}
			vs, seeds = append(vs, v), append(seeds, seed)
		}
		v := experiment.CombineSeeds(vs, seeds)
		sig.Phase("trained")
		if markVerdictInterrupted(sig, v) {
			cut = true
		}
		if saver != nil {
			nets := []trainedNet{{methods.Original, v.Original}}
			for _, w := range v.Widths {
				nets = append(nets, trainedNet{experiment.WidthLabel(w.RHat), w.Result})
			}
			if err := saver.finish(nets, v.SafeWidth, true, v.Interrupted); err != nil {
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
		if err := writeVerifyFiles(stage.Path(), v, func(name string) { sig.Phase("staged/" + name) }); err != nil {
			return fail(err)
		}
		if err := writeVerdict(stage.Path(), v); err != nil {
			return fail(err)
		}
		sig.Phase("staged/verdict.json")
		if err := commit(sig, stage, ""); err != nil {
			return fail(err)
		}
		writeVerdictTable(stdout, v, dir)
		if saver != nil {
			fmt.Fprintf(stdout, "models: %s (%s)\n", filepath.Join(f.saveModel, sub), modelsIndex)
		}
		if !v.Pass {
			failed = true
		}
	}
	if err := closeOut(); err != nil {
		return fail(err)
	}
	code := exitOK
	if failed {
		code = exitFailure
	}
	return interruptedExit(sig, stderr, "lowdim verify", cut, code, so)
}

// widths returns the candidate widths of c: the --r-hat list, else the
// configuration's width (the preset's or the file's), else none (2r).
func widths(c config.Config, list []int) []int {
	if len(list) == 0 && c.RHat > 0 {
		return []int{c.RHat}
	}
	return list
}

// parseWidths parses a comma list of positive widths.
func parseWidths(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	if config.HasEmptyItem(s) {
		return nil, &config.ConfigError{Flag: "r-hat", Value: s, Why: "an empty item in the list (a trailing, leading or doubled comma)"}
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, &config.ConfigError{Flag: "r-hat", Value: s, Why: fmt.Sprintf("width %q is not a positive integer", p)}
		}
		if slices.Contains(out, n) {
			return nil, &config.ConfigError{Flag: "r-hat", Value: s, Why: fmt.Sprintf("width %d is listed twice", n)}
		}
		out = append(out, n)
	}
	return out, nil
}

// writeVerdict writes verdict.json into dir (a staging folder)
// atomically.
func writeVerdict(dir string, v *experiment.Verdict) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding verdict.json: %w", err)
	}
	return results.WriteFileAtomic(filepath.Join(dir, "verdict.json"), append(b, '\n'))
}

// tableWidth is the width in columns the verdict is printed for: its
// tables are laid out to fit, and a longer line of text is wrapped
// (report.WrapWriter).
const tableWidth = 100

// writeVerdictTable prints the widths, the checks and the verdict, in
// tableWidth columns: the files written to dir, the values taken from
// files, the networks, the time each took beside the time preflight's
// estimate, the checks (each one's detail on the lines under it) and the
// verdict.
func writeVerdictTable(out io.Writer, v *experiment.Verdict, dir string) {
	w, flush := report.WrapWriter(out, tableWidth)
	defer flush()
	c := v.Config
	fmt.Fprintf(w, "\n== verify %s (%s)\n", experiment.Title(c.Config), c.Name)
	fmt.Fprintf(w, "   -> %s: verdict.json, trajectories.csv, figures\n", dir)
	writeEtaLine(w, c.Config, v.Instance)
	writeDerived(w, v.Instance)
	writeDataLines(w, v)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	writeNetworkRows(tw, v)
	tw.Flush()
	writeTimes(w, v.Time)
	if in := v.Instance; in.HeldOut > 0 {
		fmt.Fprintf(w, "errors are measured on %d held-out entries of the target (trained on the other %d it gives)\n", in.HeldOut, in.Observed)
	}
	ur := "- (not measurable: the original took no step or diverged)"
	if v.UpdateRank != nil {
		ur = strconv.Itoa(*v.UpdateRank)
	}
	fmt.Fprintf(w, "update rank of the original network (singular values of W_l(T) - W_l(0) above %g of the largest): %s\n", v.UpdateRankTol, ur)
	fmt.Fprintln(w, safeWidthLine(v))
	fmt.Fprintln(w)
	report.WriteChecksNarrow(w, v.Checks, tableWidth)
	n := report.CountChecks(v.Checks)
	counts := fmt.Sprintf("%d pass, %d fail", n.Pass, n.Fail-v.TooNarrow)
	if v.TooNarrow > 0 {
		counts += fmt.Sprintf(", %d width(s) not sufficient beside a sufficient one (a result, not a failure: does not gate)", v.TooNarrow)
	}
	fmt.Fprintf(w, "checks: %s, %d skipped, %d not evaluable\n", counts, n.Skipped, n.NotEvaluable)
	fmt.Fprintf(w, "theory checks evaluated: %d\n", v.TheoryEvaluated)
	for _, wr := range v.Widths {
		if wr.Sufficient != nil && !*wr.Sufficient && v.SafeWidth != nil {
			if wr.RHat < *v.SafeWidth {
				fmt.Fprintf(w, "r_hat = %d is too narrow (a result: r_hat = %d is sufficient)\n", wr.RHat, *v.SafeWidth)
			} else {
				fmt.Fprintf(w, "r_hat = %d is not sufficient (a result: r_hat = %d is)\n", wr.RHat, *v.SafeWidth)
			}
		}
	}
	if v.Pass {
		fmt.Fprintln(w, "VERDICT: PASS")
		return
	}
	var names []string
	for _, ch := range v.Checks {
		if ch.Status == results.Fail && ch.Name != experiment.CheckWidth {
			names = append(names, fmt.Sprintf("%s (%s: observed %s, predicted/bound %s, tolerance %s)", ch.Name, ch.Method,
				report.Figure("%.3g", ch.Observed), report.Figure("%.3g", ch.Predicted), report.Figure("%.3g", ch.Tolerance)))
		}
	}
	fmt.Fprintln(w, v.Headline()) // VERDICT: FAIL: reasons, or VERDICT: INTERRUPTED: ...
	for _, n := range names {
		fmt.Fprintf(w, "  failed: %s\n", n)
	}
}

// fmtBool prints a value that may be absent: "-" when nil.
func fmtBool(p *bool) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatBool(*p)
}

func fmtErr(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.3e", *p)
}
