package main

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

// A verify's files beside verdict.json, for a reader comparing widths:
//
//   - trajectories.csv: every checkpoint of every network, the original's
//     and the compressed network's at each width, in one file with the
//     columns method,width,step,... (report.WidthsCSV), so that one filter
//     or group-by on width compares them;
//   - the figures lowdim run draws (error_vs_step, error_vs_time,
//     loss_vs_step, and with --svals the staircases), one curve per
//     network, so that the widths are compared on one plot;
//   - error_vs_width: each width's best error against the original's and
//     the line below which a width is sufficient (report.WidthFigures):
//     the choice of width at a glance.

// verifyRun returns the verify's networks as a linear run (the original,
// then the compressed network at each width, each named as the verdict
// names it: "compressed r_hat=8"), with each one's method and width.
func verifyRun(v *experiment.Verdict) (run *results.Run, names []string, widths []int) {
	cfg := v.Config.Config
	run = &results.Run{Kind: results.KindLinear, Config: &cfg}
	orig := v.Original
	orig.Method = methods.Original
	run.Methods = append(run.Methods, orig)
	names = append(names, methods.Original)
	w := 0
	if len(orig.Layers) > 0 {
		w = orig.Layers[0][0]
	}
	widths = append(widths, w)
	for _, wr := range v.Widths {
		r := wr.Result
		r.Method = experiment.WidthLabel(wr.RHat)
		run.Methods = append(run.Methods, r)
		names = append(names, methods.Compressed)
		widths = append(widths, wr.RHat)
	}
	return run, names, widths
}

// writeVerifyFiles writes a verify's trajectories.csv and figures into dir
// (a staging folder), calling staged with each file's name. The figures
// are drawn before anything is written; a figure with no point is left
// out (as in a run).
func writeVerifyFiles(dir string, v *experiment.Verdict, staged func(name string)) error {
	run, names, widths := verifyRun(v)
	title := experiment.Title(v.Config.Config)
	figs, err := report.Figures(run, title)
	if err != nil {
		return err
	}
	var pts []report.WidthPoint
	for _, wr := range v.Widths {
		pts = append(pts, report.WidthPoint{Width: wr.RHat, Error: wr.BestError})
	}
	wf, err := report.WidthFigures(pts, v.Original.BestError, "original", v.Config.TolRel, "best relative recovery error", title)
	if err != nil {
		return err
	}
	maps.Copy(figs, wf)
	write := func(name string, b []byte) error {
		if err := results.WriteFileAtomic(filepath.Join(dir, name), b); err != nil {
			return err
		}
		if staged != nil {
			staged(name)
		}
		return nil
	}
	if err := write("trajectories.csv", report.WidthsCSV(run, v.Config.SVals, names, widths)); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(figs)) {
		if err := write(name, figs[name]); err != nil {
			return err
		}
	}
	return nil
}

// writeTimes prints the time each network's training took beside the
// time preflight's estimate for the steps it took (TimeEstimate.
// TakenSeconds) and to its step budget: "training time (the estimate for
// the steps taken; to the step budget): original 14 s (9.1 s for 4657
// steps; 39 s for 20000), compressed r_hat=8 1.1 s (1.7 s; 8.4 s)".
func writeTimes(w io.Writer, ti *results.TimeInfo) {
	if ti == nil || len(ti.Networks) == 0 {
		return
	}
	var parts []string
	for i, e := range ti.Networks {
		if e.ActualSeconds == nil {
			parts = append(parts, fmt.Sprintf("%s not trained (estimated %s)", e.Network, experiment.FormatSeconds(e.Seconds)))
			continue
		}
		took := experiment.FormatSeconds(*e.ActualSeconds)
		taken, budget := "-", experiment.FormatSeconds(e.Seconds)
		if e.TakenSeconds != nil {
			taken = experiment.FormatSeconds(*e.TakenSeconds)
		}
		if i == 0 && e.ActualSteps != nil {
			taken += fmt.Sprintf(" for %d steps", *e.ActualSteps)
			budget += fmt.Sprintf(" for %d", e.Steps)
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s; %s)", e.Network, took, taken, budget))
	}
	fmt.Fprintf(w, "training time (the estimate for the steps taken; to the step budget): %s\n", strings.Join(parts, ", "))
}

// writeDerived prints the values the instance's files fixed, each with
// where it came from (results.Derived), but the learning rate, which
// writeEtaLine prints.
func writeDerived(w io.Writer, in results.InstanceInfo) {
	first := true
	for _, d := range in.Derived {
		if d.Key == "eta" {
			continue
		}
		if first {
			fmt.Fprintln(w, "from the files:")
			first = false
		}
		v := fmt.Sprint(d.Value)
		if f, ok := d.Value.(float64); ok {
			v = strconv.FormatFloat(f, 'g', 4, 64)
		}
		fmt.Fprintf(w, "  %s = %s: %s\n", d.Key, v, d.From)
	}
}
