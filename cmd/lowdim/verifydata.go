package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/BurntSushi/toml"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/workloads"
)

// dataFlags are verify's flags for a user's noisy data: how a list of
// entries is read, split and centered, the reference, the stopping rule
// and the seeds.
type dataFlags struct {
	targetFormat string
	indexBase    string
	duplicates   string
	validation   float64
	center       string
	reference    string
	patience     int
	noiseLevel   float64
	seeds        int
}

// addDataFlags registers dataFlags on fs.
func addDataFlags(fs *flag.FlagSet, d *dataFlags) {
	fs.StringVar(&d.targetFormat, "target-format", string(instance.FormatAuto), "how --target is read: auto (a row,col,value .csv/.tsv or a coordinate .mtx is a list of entries for --workload mc), matrix, or entries")
	fs.StringVar(&d.indexBase, "index-base", "auto", "index base of a row,col,value list: auto (0-based if an index is 0), 0 or 1")
	fs.StringVar(&d.duplicates, "duplicates", "error", "a (row, col) listed twice in a row,col,value list: error, or average (one entry, the mean)")
	fs.Float64Var(&d.validation, "validation", instance.DefaultValidation, "fraction of a list's entries held out for validation (early stopping, the baseline's ridge, the rank choice), apart from --held-out's test entries")
	fs.StringVar(&d.center, "center", string(instance.DefaultCenter), "centering of a list of entries before training: auto (global when the training values' |mean| exceeds their standard deviation, else none), none, global, rows or columns (means of the training entries, added back to every prediction)")
	fs.StringVar(&d.reference, "reference", experiment.ReferenceAuto, "what the widths are judged against: auto (the original network, or the AltMin baseline where the preflight refuses it on a list of entries), original or altmin")
	fs.IntVar(&d.patience, "patience", 0, "stop training on a list of entries after this many checkpoints with no new lowest validation error, keeping the weights of the lowest (default 20)")
	fs.Float64Var(&d.noiseLevel, "noise-level", 0, "standard deviation of the data's noise, in its units: a full target's rank counts the singular values above it times sqrt(m) + sqrt(n), and training stops once the training RMSE reaches it")
	fs.IntVar(&d.seeds, "seeds", 1, "repeat the verify over this many seeds (--seed, --seed+1, ...: splits and initializations) and report each error with a 95% t-interval")
}

// userFiles returns the UserFiles options of d: the target's format and
// the list's reading, split and centering (only the flags given, so that
// one given for a matrix is refused by name).
func (d *dataFlags) userFiles(u *instance.UserFiles, set map[string]bool) error {
	switch instance.TargetFormat(d.targetFormat) {
	case instance.FormatAuto, instance.FormatMatrix, instance.FormatEntries:
		u.Format = instance.TargetFormat(d.targetFormat)
	default:
		return config.Bad("target-format", d.targetFormat, "want auto, matrix or entries")
	}
	if set["index-base"] {
		switch d.indexBase {
		case "auto":
			u.Entry.Index = matfile.IndexDetect
		case "0":
			u.Entry.Index = matfile.IndexZero
		case "1":
			u.Entry.Index = matfile.IndexOne
		default:
			return config.Bad("index-base", d.indexBase, "want auto, 0 or 1")
		}
	}
	if set["duplicates"] {
		switch d.duplicates {
		case "error":
			u.Entry.Duplicates = matfile.DuplicatesError
		case "average":
			u.Entry.Duplicates = matfile.DuplicatesAverage
		default:
			return config.Bad("duplicates", d.duplicates, "want error or average")
		}
	}
	if set["validation"] {
		if !(d.validation >= 0 && d.validation < 1) {
			return config.Bad("validation", d.validation, "a fraction in [0, 1)")
		}
		u.Entry.Validation = d.validation
		u.Entry.ValidationNone = d.validation == 0
	}
	if set["center"] {
		ok := d.center == string(instance.CenterAuto)
		for _, k := range workloads.CenterKinds {
			ok = ok || string(k) == d.center
		}
		if !ok {
			return config.Bad("center", d.center, "want auto or one of %v", workloads.CenterKinds)
		}
		u.Entry.Center = workloads.CenterKind(d.center)
	}
	u.NoiseLevel = d.noiseLevel
	return nil
}

// check refuses bad values of d, and values that do not apply without
// --target, before anything is read.
func (d *dataFlags) check(set map[string]bool, target bool) error {
	if d.seeds < 1 || d.seeds > 1000 {
		return config.Bad("seeds", d.seeds, "must be in 1..1000")
	}
	if set["patience"] && d.patience < 1 {
		return config.Bad("patience", d.patience, "must be at least 1 checkpoint")
	}
	if !(d.noiseLevel >= 0) || d.noiseLevel > 1e300 {
		return config.Bad("noise-level", d.noiseLevel, "must be finite and >= 0")
	}
	for _, k := range []string{"target-format", "index-base", "duplicates", "validation", "center", "noise-level", "patience"} {
		if set[k] && !target {
			return config.Bad(k, flagValue(k, d), "applies to a user's --target")
		}
	}
	return nil
}

// flagValue is the value of d's flag k, for messages.
func flagValue(k string, d *dataFlags) any {
	switch k {
	case "target-format":
		return d.targetFormat
	case "index-base":
		return d.indexBase
	case "duplicates":
		return d.duplicates
	case "validation":
		return d.validation
	case "center":
		return d.center
	case "noise-level":
		return d.noiseLevel
	case "patience":
		return d.patience
	}
	return nil
}

// applyStop sets the stopping rule and reference of vc from d: on a
// user's target whose --tol was not given (by a flag or the --config
// file), the tolerance is relative to the initial loss
// (experiment.DefaultTolLossRel) instead of the preset's absolute one.
func (d *dataFlags) applyStop(vc *experiment.VerifyConfig, f *runFlags, set map[string]bool) {
	vc.Reference, vc.Patience, vc.NoiseLevel, vc.Seeds = d.reference, d.patience, d.noiseLevel, d.seeds
	if f.targetFile != "" && !set["tol"] && !configHas(f.configFile, "tol") {
		vc.Tol, vc.TolLossRel = 0, experiment.DefaultTolLossRel
	}
}

// configHas reports whether the TOML file at path (may be "") sets key.
func configHas(path, key string) bool {
	if path == "" {
		return false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var m map[string]any
	if _, err := toml.Decode(string(b), &m); err != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

// writeDataLines prints what a verify took from a list of entries, its
// reference and, for several seeds, every error with its interval.
func writeDataLines(w io.Writer, v *experiment.Verdict) {
	if e := v.Instance.Entries; e != nil {
		base := fmt.Sprintf("%d-based", e.Base)
		if e.BaseDetected {
			base += " (detected)"
		}
		fmt.Fprintf(w, "data: %s, %s %s, %d x %d (from %s), %d entries on %d lines", e.File, e.Format, base, v.Instance.Rows, v.Instance.Cols, e.SizeFrom, e.Entries, e.Lines)
		if e.Averaged > 0 {
			fmt.Fprintf(w, ", %d duplicate lines averaged", e.Averaged)
		}
		fmt.Fprintln(w)
		why := ""
		if e.CenterWhy != "" {
			why = "; " + e.CenterWhy
		}
		fmt.Fprintf(w, "split (seed %d, by %s): %d train (p = %.4g), %d validation, %d test; centering %s (training mean %.4g%s)\n",
			v.Config.Seed, e.Unit, e.Train, e.P, e.Validation, e.Test, e.Center, e.Mean, why)
		if e.EmptyRows+e.EmptyCols+e.ColdRows+e.ColdCols > 0 {
			fmt.Fprintf(w, "rows/columns without entries: %d/%d; with held-out entries but none to train on: %d/%d (predicted at their centering mean)\n",
				e.EmptyRows, e.EmptyCols, e.ColdRows, e.ColdCols)
		}
		fmt.Fprintf(w, "rank r = %d: %s\n", v.Config.R, e.RankFrom)
	}
	if r := v.Reference; r != nil {
		fmt.Fprintf(w, "reference: %s", r.Label)
		if r.Error != nil {
			kind := "recovery error" // ||W - Phi||_F / ||Phi||_F: the target is known everywhere
			if v.Instance.HeldOut > 0 {
				kind = "held-out error"
			}
			fmt.Fprintf(w, ", %s %s", kind, fmtErr(r.Error))
			if r.RMSE != nil {
				fmt.Fprintf(w, " (RMSE %.4g)", *r.RMSE)
			}
		}
		fmt.Fprintln(w)
		if r.Why != "" {
			fmt.Fprintf(w, "  the original network is not trained: %s\n", r.Why)
		}
	}
	if s := v.Seeds; s != nil {
		// A table (under 100 columns for intervals of 4 digits), so that
		// the wrap of long lines does not undo its alignment.
		fmt.Fprintf(w, "over %d seeds %v (%s):\n", len(s.Seeds), s.Seeds, "95% t-interval of the mean")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  network\terror\tRMSE\tsufficient on")
		for _, n := range s.Networks {
			on := "-"
			if n.SafeOn != nil {
				on = fmt.Sprintf("%d of %d seeds", *n.SafeOn, len(s.Seeds))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", n.Network, fmtInterval(n.Error, "%.4g"), fmtInterval(n.RMSE, "%.4g"), on)
		}
		tw.Flush()
	}
	if v.Safety != "" {
		fmt.Fprintf(w, "note: %s\n", v.Safety)
	}
}

// fmtInterval prints "mean [lo, hi]", "mean" for one value, "-" when
// absent.
func fmtInterval(in *experiment.Interval, format string) string {
	if in == nil {
		return "-"
	}
	s := report.Figure(format, in.Mean)
	if in.Lo != nil && in.Hi != nil {
		s += " [" + report.Figure(format, *in.Lo) + ", " + report.Figure(format, *in.Hi) + "]"
	}
	return s
}

// fmtRMSE prints an RMSE, "-" when absent.
func fmtRMSE(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.4g", *p)
}

// writeNetworkRows writes the verdict's table of networks to tw: the
// original (or the AltMin baseline in its place), then each width, with
// the error each is judged by (results.MethodResult.ReportedError: on a
// list of entries the held-out error of the weights kept on validation)
// and its RMSE in the data's units.
func writeNetworkRows(tw io.Writer, v *experiment.Verdict) {
	fmt.Fprintln(tw, "network\tparams\tstatus\tsteps\terror\tRMSE\tsufficient")
	o := v.Original
	fmt.Fprintf(tw, "original\t%d\t%s\t%d\t%s\t%s\t-\n", o.Params, o.Status, o.Steps, fmtErr(o.ReportedError()), fmtRMSE(o.RMSE))
	if r := v.Reference; r != nil && r.Baseline != nil {
		b := r.Baseline
		rows, cols := v.Instance.Rows, v.Instance.Cols
		fmt.Fprintf(tw, "AltMin k=%d (reference)\t%d\t%s\t%d sweeps\t%s\t%s\t-\n", b.K, (rows+cols)*b.K, b.Stop, b.Sweeps, fmtErr(r.Error), fmtRMSE(r.RMSE))
	}
	for _, wr := range v.Widths {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\n", experiment.WidthLabel(wr.RHat), wr.Params, wr.Status, wr.Steps, fmtErr(wr.Error), fmtRMSE(wr.RMSE), fmtBool(wr.Sufficient))
	}
}

// safeWidthLine says which width is safe and against what (the one
// definition, experiment.SafeWidth).
func safeWidthLine(v *experiment.Verdict) string {
	ref := "the original's error"
	if r := v.Reference; r != nil && r.Name == experiment.ReferenceAltMin {
		ref = "the reference's error (" + r.Label + ")"
	}
	mean := ""
	if v.Seeds != nil {
		mean = fmt.Sprintf(", on the mean errors over %d seeds", len(v.Seeds.Seeds))
	}
	if v.SafeWidth == nil && v.Interrupted {
		return "safe width: - (not decided: the verify was interrupted)"
	}
	judged := false
	for _, w := range v.Widths {
		judged = judged || w.Sufficient != nil
	}
	if v.SafeWidth == nil && !judged && v.Seeds == nil {
		return "safe width: - (no candidate width could be judged: the VERDICT line says why)"
	}
	if v.SafeWidth != nil {
		return fmt.Sprintf("safe width: r_hat = %d (smallest candidate within tol-rel %g of %s%s)", *v.SafeWidth, v.Config.TolRel, ref, mean)
	}
	return fmt.Sprintf("safe width: none of the candidates %v is within tol-rel %g of %s%s", v.Config.RHats, v.Config.TolRel, ref, mean)
}
