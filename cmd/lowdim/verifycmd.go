package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

func cmdVerify(args []string, stdout, stderr io.Writer) int {
	fs, f := newFlags(stderr, true)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "lowdim verify: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	rhats, err := parseWidths(f.rhats)
	if err != nil {
		return fail(err)
	}
	if !(f.tolRel > 0) || math.IsInf(f.tolRel, 0) {
		return fail(&experiment.ConfigError{Flag: "tol-rel", Value: f.tolRel, Why: "relative tolerance must be positive and finite"})
	}
	runs, err := f.resolve(fs)
	if err != nil {
		return fail(err)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.maskFile != "" && f.targetFile == "" {
		return fail(errors.New("--mask needs --target"))
	}
	if f.targetFile != "" && len(runs) > 1 {
		return fail(errors.New("--target needs a preset of one run"))
	}
	if f.targetFile != "" && set["d"] {
		return fail(errors.New("--d and --target: the target file sets d"))
	}
	failed := false
	for _, c := range runs {
		vc := experiment.VerifyConfig{Config: c, RHats: rhats, TolRel: f.tolRel}
		if len(vc.RHats) == 0 && c.RHat > 0 {
			vc.RHats = []int{c.RHat}
		}
		var in *experiment.Instance
		if f.targetFile != "" {
			in, err = userInstance(&vc, f.targetFile, f.maskFile, f.heldOut, set)
			if err != nil {
				return fail(err)
			}
		}
		dir := f.out
		if len(runs) > 1 {
			dir = filepath.Join(dir, c.Name)
		}
		opt := experiment.Options{}
		if !f.quiet {
			opt.Progress = progress(stderr, c.Name)
			if opt.Progress == nil {
				opt.Log = stderr
			}
		}
		v, err := experiment.Verify(vc, in, opt)
		if err != nil {
			return fail(err)
		}
		if err := writeVerdict(dir, v); err != nil {
			fmt.Fprintf(stderr, "lowdim verify: %v\n", err)
			return exitFailure
		}
		writeVerdictTable(stdout, v, dir)
		if !v.Pass {
			failed = true
		}
	}
	if failed {
		return exitFailure
	}
	return exitOK
}

// parseWidths parses a comma list of positive widths.
func parseWidths(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, &experiment.ConfigError{Flag: "r-hat", Value: s, Why: fmt.Sprintf("width %q is not a positive integer", p)}
		}
		out = append(out, n)
	}
	return out, nil
}

// userInstance reads the user's target (and mask) and sets d, and r when
// it was not given, from it. A coordinate .mtx target for --workload mc
// without --mask is known only on its entries: heldOut of them are held
// out to measure the recovery error on, and r must be given.
func userInstance(vc *experiment.VerifyConfig, targetPath, maskPath string, heldOut float64, set map[string]bool) (*experiment.Instance, error) {
	t, err := matfile.Read(targetPath)
	if err != nil {
		return nil, err
	}
	partial := vc.Workload == "mc" && maskPath == "" && t.Observed != nil
	if set["held-out"] && !partial {
		return nil, errors.New("--held-out applies to a coordinate .mtx --target for --workload mc without --mask")
	}
	if partial {
		if !set["r"] {
			return nil, fmt.Errorf("%s: a coordinate .mtx target is known only on its entries, whose zero-filled matrix has another rank: give the target's rank with --r", targetPath)
		}
		in, err := experiment.NewHeldOutInstance(&vc.Config, t.Dense, t.Observed, heldOut, targetPath)
		return observedFraction(vc, in), err
	}
	var mask = t.Observed
	if maskPath != "" {
		m, err := matfile.Read(maskPath)
		if err != nil {
			return nil, err
		}
		tr, tc := t.Dense.Dims()
		if mr, mc := m.Dense.Dims(); mr != tr || mc != tc {
			return nil, fmt.Errorf("%s: a %d x %d mask for the %d x %d target of %s", maskPath, mr, mc, tr, tc, targetPath)
		}
		mask = m.Dense
	}
	if vc.Workload == "mc" && mask == nil {
		return nil, fmt.Errorf("%s: --workload mc needs the observed entries: a --mask file or a coordinate .mtx target", targetPath)
	}
	if vc.Workload == "ms" {
		return nil, errors.New("--target with --workload ms is not supported: a sensing problem needs its operator (use lowdim run --load-instance)")
	}
	if !set["r"] {
		r, err := experiment.NumericalRank(t.Dense)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", targetPath, err)
		}
		vc.R = r
	}
	if maskPath != "" {
		r, c := mask.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if v := mask.At(i, j); v != 0 && v != 1 {
					return nil, fmt.Errorf("%s: entry (%d, %d) is %v; a mask holds 0 (unobserved) and 1 (observed)", maskPath, i+1, j+1, v)
				}
			}
		}
	}
	in, err := experiment.NewInstance(&vc.Config, t.Dense, mask, targetPath)
	return observedFraction(vc, in), err
}

// observedFraction sets vc.P to the fraction of entries an MC instance in
// trains on (the preset's p says nothing of a user's data) and returns in.
func observedFraction(vc *experiment.VerifyConfig, in *experiment.Instance) *experiment.Instance {
	if in == nil || vc.Workload != "mc" {
		return in
	}
	if mc, ok := in.Work.(interface{ Observed() int }); ok {
		r, c := in.Work.Dims()
		vc.P = float64(mc.Observed()) / float64(r*c)
	}
	return in
}

// writeVerdict writes verdict.json to dir atomically.
func writeVerdict(dir string, v *experiment.Verdict) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding verdict.json: %w", err)
	}
	return results.WriteFileAtomic(filepath.Join(dir, "verdict.json"), append(b, '\n'))
}

// writeVerdictTable prints the widths, the checks and the verdict.
func writeVerdictTable(w io.Writer, v *experiment.Verdict, dir string) {
	c := v.Config
	fmt.Fprintf(w, "\n== verify %s (%s) -> %s\n", title(c.Config), c.Name, filepath.Join(dir, "verdict.json"))
	writeEtaLine(w, c.Config, v.Instance)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "network\tparams\tstatus\tsteps\tbest error\tsufficient")
	fmt.Fprintf(tw, "original\t%d\t%s\t%d\t%s\t-\n", v.Original.Params, v.Original.Status, v.Original.Steps, fmtErr(v.Original.BestError))
	for _, wr := range v.Widths {
		fmt.Fprintf(tw, "compressed r_hat=%d\t%d\t%s\t%d\t%s\t%v\n", wr.RHat, wr.Params, wr.Status, wr.Steps, fmtErr(wr.BestError), wr.Sufficient)
	}
	tw.Flush()
	if in := v.Instance; in.HeldOut > 0 {
		fmt.Fprintf(w, "errors are measured on %d held-out entries of the target (trained on the other %d it gives)\n", in.HeldOut, in.Observed)
	}
	fmt.Fprintf(w, "update rank of the original network (singular values of W_l(T) - W_l(0) above %g of the largest): %d\n", v.UpdateRankTol, v.UpdateRank)
	if v.SafeWidth != nil {
		fmt.Fprintf(w, "safe width: r_hat = %d (smallest candidate within tol-rel %g of the original's error)\n", *v.SafeWidth, c.TolRel)
	} else {
		fmt.Fprintf(w, "safe width: none of the candidates %v is within tol-rel %g of the original's error\n", c.RHats, c.TolRel)
	}
	fmt.Fprintln(w)
	report.WriteChecks(w, v.Checks)
	if v.Pass {
		fmt.Fprintln(w, "VERDICT: PASS")
		return
	}
	var names []string
	for _, ch := range v.Checks {
		if ch.Status == results.Fail {
			names = append(names, fmt.Sprintf("%s (%s: observed %.3g, predicted/bound %.3g, tolerance %.3g)", ch.Name, ch.Method, ch.Observed, ch.Predicted, ch.Tolerance))
		}
	}
	fmt.Fprintf(w, "VERDICT: FAIL: %s\n", strings.Join(names, "; "))
}

func fmtErr(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.3e", *p)
}
