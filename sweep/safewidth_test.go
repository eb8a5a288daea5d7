package sweep

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/results"
)

// swRow is a row of a merged rank sweep: method at r-hat and seed of
// group depth, its reported error e and method status.
func swRow(method string, depth, rhat, seed int64, e float64, status results.Status, tol float64) Row {
	best := e
	return Row{Method: method, Status: Finished, MethodStatus: string(status), BestError: &best, reported: &best, tol: tol,
		Axes: []AxisValue{{"depth", depth}, {"r-hat", rhat}, {"seed", seed}}}
}

// TestSafeWidths: per group of the other axes (depth), the safe width is
// experiment.SafeWidth of the mean errors over the seeds against the
// original's mean error; a width some seed did not judge (diverged) is
// no candidate; an original that ran out of steps under a tolerance is no
// reference (as verify's width check); a group without the original has
// none, and says so; without an r-hat axis, or without the original in the
// whole sweep, there is no safe width.
func TestSafeWidths(t *testing.T) {
	const tol = 1e-8
	var rows []Row
	// depth 2: original 0.01 and 0.03 (mean 0.02); compressed at r-hat 2
	// 0.5, 0.7; at 3 0.03, 0.02 (mean 0.025 <= 1.5 * 0.02 = 0.03: safe);
	// at 4 seed 2 diverged (no candidate, though seed 1's 0.01 is fine).
	for _, r := range []struct {
		rhat  int64
		seed  int64
		e     float64
		st    results.Status
		origE float64
	}{
		{2, 1, 0.5, results.MaxSteps, 0.01}, {2, 2, 0.7, results.MaxSteps, 0.03},
		{3, 1, 0.03, results.Converged, 0.01}, {3, 2, 0.02, results.Converged, 0.03},
		{4, 1, 0.01, results.Converged, 0.01}, {4, 2, 0.01, results.Diverged, 0.03},
	} {
		rows = append(rows, swRow("compressed", 2, r.rhat, r.seed, r.e, r.st, tol), swRow("original", 2, r.rhat, r.seed, r.origE, results.Converged, tol))
	}
	// depth 3: the original ran out of steps at seed 2 under --tol: no
	// reference.
	for _, seed := range []int64{1, 2} {
		st := results.Converged
		if seed == 2 {
			st = results.MaxSteps
		}
		rows = append(rows, swRow("compressed", 3, 3, seed, 0.01, results.Converged, tol), swRow("original", 3, 3, seed, 0.01, st, tol))
	}
	// depth 4: no original.
	rows = append(rows, swRow("compressed", 4, 3, 1, 0.01, results.Converged, tol), swRow("compressed", 4, 3, 2, 0.01, results.Converged, tol))
	m := &Merged{AxisKeys: []string{"depth", "r-hat", "seed"}, Rows: rows}
	sw := m.safeWidths()
	if len(sw) != 3 {
		t.Fatalf("%d safe-width rows, want one per depth: %+v", len(sw), sw)
	}
	d2 := sw[0]
	if d2.Reference == nil || abs(*d2.Reference-0.02) > 1e-15 || d2.TolRel != experiment.DefaultTolRel {
		t.Errorf("depth 2: reference %v tol_rel %v, want 0.02 and %v", d2.Reference, d2.TolRel, experiment.DefaultTolRel)
	}
	if d2.SafeWidth == nil || *d2.SafeWidth != 3 {
		t.Errorf("depth 2: safe width %v, want 3", d2.SafeWidth)
	}
	if c := d2.Candidates[2]; c.RHat != 4 || c.Error != nil || c.Seeds != 1 {
		t.Errorf("depth 2, r-hat 4 with a diverged seed: %+v, want no error, 1 seed", c)
	}
	// The one definition: the same candidates through experiment.SafeWidth.
	var cands []experiment.Candidate
	for _, c := range d2.Candidates {
		cands = append(cands, experiment.Candidate{RHat: c.RHat, Error: c.Error})
	}
	if want := experiment.SafeWidth(d2.Reference, cands, d2.TolRel); want == nil || *want != *d2.SafeWidth {
		t.Errorf("experiment.SafeWidth says %v", want)
	}
	if d3 := sw[1]; d3.Reference != nil || d3.SafeWidth != nil || !strings.Contains(d3.Note, "did not reach its tolerance") {
		t.Errorf("depth 3 (the original out of steps under --tol): %+v, want no reference", d3)
	}
	if d4 := sw[2]; d4.Reference != nil || d4.SafeWidth != nil || !strings.Contains(d4.Note, "no original network") {
		t.Errorf("depth 4 (no original): %+v", d4)
	}
	// tol 0: a budget run's original is a reference.
	for i := range m.Rows {
		m.Rows[i].tol = 0
	}
	if d3 := m.safeWidths()[1]; d3.Reference == nil || d3.SafeWidth == nil || *d3.SafeWidth != 3 {
		t.Errorf("depth 3 with tol 0: %+v, want a reference and safe width 3", d3)
	}
	m.SafeWidths = m.safeWidths()
	csv := string(m.SafeWidthCSV())
	if !strings.HasPrefix(csv, "depth,method,reference_error,tol_rel,safe_width,note\n2,compressed,0.02") {
		t.Errorf("safe-width.csv:\n%s", csv)
	}
	if !strings.Contains(csv, "\n4,compressed,,0.5,,") {
		t.Errorf("safe-width.csv: the group without a reference does not have empty cells:\n%s", csv)
	}
	// The figure marks the safe widths.
	figs, err := m.Figures("rank")
	if err != nil {
		t.Fatal(err)
	}
	if svg := figs["best_error_vs_r-hat.svg"]; !bytes.Contains(svg, []byte("safe width compressed r-hat=3")) {
		t.Error("best_error_vs_r-hat.svg does not mark the safe width")
	}
	if _, ok := figs["best_error_vs_depth.svg"]; !ok {
		t.Error("depth has 3 values: a figure against it is drawn")
	}

	none := &Merged{AxisKeys: []string{"alpha", "seed"}, Rows: []Row{swRow("original", 2, 3, 1, 0.1, results.Converged, 0)}}
	if sw := none.safeWidths(); sw != nil {
		t.Errorf("no r-hat axis: %+v", sw)
	}
	noOrig := &Merged{AxisKeys: []string{"depth", "r-hat", "seed"}, Rows: rows[len(rows)-2:]}
	if sw := noOrig.safeWidths(); sw != nil {
		t.Errorf("no original in the sweep: %+v", sw)
	}
}

// TestCurvesSplit: the lines of a figure are split by the values of the
// other axes but seed (depth 2 and 3 against r-hat), and an axis of two
// values is drawn against only when it is the only one.
func TestCurvesSplit(t *testing.T) {
	var rows []Row
	for _, depth := range []int64{2, 3} {
		for _, rhat := range []int64{2, 4, 8} {
			for _, seed := range []int64{1, 2} {
				rows = append(rows, swRow("compressed", depth, rhat, seed, float64(depth*rhat+seed), results.Converged, 0))
			}
		}
	}
	m := &Merged{AxisKeys: []string{"depth", "r-hat", "seed"}, Rows: rows}
	if got := m.FigureAxes(); len(got) != 1 || got[0] != "r-hat" {
		t.Errorf("figure axes %v, want r-hat only (depth has 2 values)", got)
	}
	cs := m.Curves(Metrics[2], "r-hat")
	if len(cs) != 2 || cs[0].Label() != "compressed depth=2" || cs[1].Label() != "compressed depth=3" {
		t.Fatalf("curves %+v, want one per depth", cs)
	}
	// depth 3, r-hat 4: seeds 1 and 2 give 13 and 14.
	if y := cs[1].Y[1]; cs[1].X[1] != 4 || y.Mean != 13.5 || y.N != 2 {
		t.Errorf("depth 3 r-hat 4: x %v %+v, want mean 13.5 of 2", cs[1].X[1], y)
	}
	alone := &Merged{AxisKeys: []string{"depth", "seed"}, Rows: []Row{
		{Method: "compressed", Axes: []AxisValue{{"depth", int64(2)}, {"seed", int64(1)}}},
		{Method: "compressed", Axes: []AxisValue{{"depth", int64(3)}, {"seed", int64(1)}}}}}
	if got := alone.FigureAxes(); len(got) != 1 || got[0] != "depth" {
		t.Errorf("figure axes %v, want depth (the only one)", got)
	}
}

// TestAlphaAblationFigure: against alpha, the notebook's two panels
// (steps and seconds to the tolerance) are drawn as one figure, with the
// original's and the compressed network's lines.
func TestAlphaAblationFigure(t *testing.T) {
	var rows []Row
	for _, alpha := range []float64{1, 3, 5} {
		for _, seed := range []int64{1, 2} {
			for _, method := range []string{"compressed", "original"} {
				steps, sec := 1000, 1.0
				if method == "compressed" {
					steps, sec = int(3000/alpha)+int(seed), 0.1/alpha
				}
				rows = append(rows, Row{Method: method, Status: Finished, StepsToTol: &steps, SecondsToTol: &sec,
					Axes: []AxisValue{{"alpha", alpha}, {"seed", seed}}})
			}
		}
	}
	m := &Merged{AxisKeys: []string{"alpha", "seed"}, Rows: rows}
	figs, err := m.Figures("alpha")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(figs["alpha_ablation.png"], []byte("\x89PNG")) {
		t.Error("alpha_ablation.png missing or not a PNG")
	}
	svg := figs["alpha_ablation.svg"]
	for _, w := range []string{"steps to the tolerance", "seconds to the tolerance", "learning-rate ratio alpha", "original", "compressed"} {
		if !bytes.Contains(svg, []byte(w)) {
			t.Errorf("alpha_ablation.svg lacks %q", w)
		}
	}
}

// TestSafeWidthNoteMissing: a group whose original has no reference
// because its point was interrupted, or is missing from the merged
// folders, says so (and not "raise --steps", which would not help).
func TestSafeWidthNoteMissing(t *testing.T) {
	const tol = 1e-8
	rows := []Row{
		swRow("compressed", 2, 3, 1, 0.01, results.Converged, tol), swRow("original", 2, 3, 1, 0.01, results.Converged, tol),
		swRow("compressed", 2, 3, 2, 0.01, results.Interrupted, tol), swRow("original", 2, 3, 2, 0.01, results.Interrupted, tol),
	}
	rows[2].Status, rows[3].Status = Interrupted, Interrupted
	m := &Merged{AxisKeys: []string{"depth", "r-hat", "seed"}, Rows: rows}
	if sw := m.safeWidths(); len(sw) != 1 || !strings.Contains(sw[0].Note, "seed 2: its configuration was interrupted") || strings.Contains(sw[0].Note, "--steps") {
		t.Errorf("interrupted original: %+v, want a note naming the interruption at seed 2", sw)
	}
	// Seed 2's original missing (its point not merged); a compressed row
	// of seed 2 at another width makes seed 2 part of the group.
	rows = append(rows[:2], swRow("compressed", 2, 4, 2, 0.01, results.Converged, tol))
	m = &Merged{AxisKeys: []string{"depth", "r-hat", "seed"}, Rows: rows}
	if sw := m.safeWidths(); len(sw) != 1 || !strings.Contains(sw[0].Note, "seed 2: its configuration is missing") {
		t.Errorf("missing original: %+v, want a note that seed 2's configuration is missing", sw)
	}
}
