package sweep

import (
	"bytes"
	"encoding/csv"
	"maps"
	"slices"

	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/results"
)

// The method that is the reference of the safe width (experiment.SafeWidth:
// the original network's reported error).
const referenceMethod = "original"

// SafeWidthRow is the safe width of one configuration group of a sweep
// with an r-hat axis: the points with the same values of every axis but
// r-hat and seed, for one candidate method (every method but the
// original). The safe width is experiment.SafeWidth, the one definition
// lowdim verify uses (with several seeds, as experiment.CombineSeeds: of
// the mean errors over the seeds), with:
//
//   - the reference: the original network's reported error
//     (results.MethodResult.ReportedError) at each seed, the mean over the
//     group's r-hat points of that seed (the original does not depend on
//     r-hat: each point trains the same network), then the mean over the
//     seeds; absent when some seed has none, or when the original did not
//     end on its tolerance (a run with --tol > 0 that ran out of steps is
//     no reference, as in verify's width check) or diverged;
//   - a candidate width r-hat: the candidate method's reported error, the
//     mean over the seeds, when every seed judged it (converged or ran out
//     of steps: not diverged, interrupted or failed);
//   - TolRel experiment.DefaultTolRel (verify's default on a generated
//     target).
type SafeWidthRow struct {
	Axes   []AxisValue `json:"axes"`
	Method string      `json:"method"`
	// Reference is the original's mean reported error (nil: none).
	Reference *float64 `json:"reference_error"`
	TolRel    float64  `json:"tol_rel"`
	// SafeWidth is nil when no candidate is sufficient or there is no
	// reference.
	SafeWidth  *int            `json:"safe_width"`
	Candidates []SafeCandidate `json:"candidates"`
	// Note says why there is no reference.
	Note string `json:"note,omitempty"`
}

// SafeCandidate is one width of a SafeWidthRow: its mean reported error
// over Seeds seeds (nil when some seed did not judge it).
type SafeCandidate struct {
	RHat  int      `json:"r_hat"`
	Error *float64 `json:"error"`
	Seeds int      `json:"seeds"`
}

// safeWidths computes m's SafeWidthRows; none without an r-hat axis or
// without the original network among the methods (the depth and width
// presets: they ask no safe width).
func (m *Merged) safeWidths() []SafeWidthRow {
	if !slices.Contains(m.AxisKeys, "r-hat") || !slices.ContainsFunc(m.Rows, func(r Row) bool { return r.Method == referenceMethod }) {
		return nil
	}
	type group struct {
		axes []AxisValue
		rows []Row
	}
	var groups []*group
	for _, r := range m.Rows {
		var ga []AxisValue
		for _, a := range r.Axes {
			if a.Key != "r-hat" && a.Key != "seed" {
				ga = append(ga, a)
			}
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return FormatAxes(g.axes) == FormatAxes(ga) })
		if i < 0 {
			groups = append(groups, &group{axes: ga})
			i = len(groups) - 1
		}
		groups[i].rows = append(groups[i].rows, r)
	}
	var out []SafeWidthRow
	for _, g := range groups {
		seeds := map[string]bool{}
		var methods []string
		for _, r := range g.rows {
			seeds[seedOf(r)] = true
			if r.Method != "" && r.Method != referenceMethod && !slices.Contains(methods, r.Method) {
				methods = append(methods, r.Method)
			}
		}
		ref, note := groupReference(g.rows, seeds)
		for _, method := range methods {
			row := SafeWidthRow{Axes: g.axes, Method: method, Reference: ref, TolRel: experiment.DefaultTolRel, Note: note}
			byWidth := map[int]map[string]float64{}
			var widths []int
			for _, r := range g.rows {
				w, ok := axisNumber(r, "r-hat")
				if r.Method != method || !ok {
					continue
				}
				if _, ok := byWidth[int(w)]; !ok {
					byWidth[int(w)] = map[string]float64{}
					widths = append(widths, int(w))
				}
				if e := judged(r, false); e != nil {
					byWidth[int(w)][seedOf(r)] = *e
				}
			}
			slices.Sort(widths)
			var cands []experiment.Candidate
			for _, w := range widths {
				c := SafeCandidate{RHat: w, Seeds: len(byWidth[w])}
				if len(byWidth[w]) == len(seeds) {
					var s float64
					for _, e := range byWidth[w] {
						s += e
					}
					mean := s / float64(len(byWidth[w]))
					c.Error = &mean
				}
				row.Candidates = append(row.Candidates, c)
				cands = append(cands, experiment.Candidate{RHat: w, Error: c.Error})
			}
			row.SafeWidth = experiment.SafeWidth(ref, cands, row.TolRel)
			out = append(out, row)
		}
	}
	return out
}

// groupReference returns the reference error of a group's rows (see
// SafeWidthRow), or nil and why there is none: the first seed, in order,
// without a reference, and what became of the original there (a point
// interrupted, failed or missing from the merged folders, a run that
// diverged or ran out of steps).
func groupReference(rows []Row, seeds map[string]bool) (*float64, string) {
	perSeed := map[string][]float64{}
	why := map[string]string{}
	has := false
	for _, r := range rows {
		if r.Method != referenceMethod {
			continue
		}
		has = true
		if e := judged(r, true); e != nil {
			perSeed[seedOf(r)] = append(perSeed[seedOf(r)], *e)
		} else if _, ok := why[seedOf(r)]; !ok {
			why[seedOf(r)] = notJudged(r)
		}
	}
	if !has {
		return nil, "no original network in this group: the safe width's reference is its error (add original to the methods)"
	}
	var sum float64
	for _, s := range slices.Sorted(maps.Keys(seeds)) {
		if w, ok := why[s]; ok || len(perSeed[s]) == 0 {
			if !ok {
				w = "its configuration is missing from the merged folders (not run yet, or in a shard's folder not given): resume the sweep or merge every shard's folder"
			}
			at := ""
			if s != "" {
				at = " at seed " + s
			}
			return nil, "the original network is no reference" + at + ": " + w
		}
		var t float64
		for _, e := range perSeed[s] {
			t += e
		}
		sum += t / float64(len(perSeed[s]))
	}
	mean := sum / float64(len(seeds))
	return &mean, ""
}

// notJudged says why the original's row r is no reference.
func notJudged(r Row) string {
	switch {
	case r.Status == Interrupted:
		return "its configuration was interrupted: resume the sweep"
	case r.Status == Failed:
		return "its configuration failed (sweep.csv's error): lowdim sweep --retry-failed"
	case r.reported == nil:
		return "it reported no error"
	}
	switch results.Status(r.MethodStatus) {
	case results.Diverged:
		return "it diverged"
	case results.MaxSteps:
		return "it did not reach its tolerance: raise --steps"
	}
	return "its status is " + r.MethodStatus
}

// judged returns the reported error of r when it can be judged: its point
// finished and its method converged, or ran out of steps, where that is
// allowed (a candidate; the reference of a run without a tolerance).
func judged(r Row, reference bool) *float64 {
	if r.Status != Finished || r.reported == nil {
		return nil
	}
	switch results.Status(r.MethodStatus) {
	case results.Converged:
		return r.reported
	case results.MaxSteps:
		if !reference || r.tol == 0 {
			return r.reported
		}
	}
	return nil
}

func seedOf(r Row) string { return axisText(r.Axes, "seed") }

// SafeWidthCSV returns safe-width.csv: one line per SafeWidthRow, the
// group's axis values, the method, the reference error, tol_rel and the
// safe width (empty where absent), and nil when m has none.
func (m *Merged) SafeWidthCSV() []byte {
	if len(m.SafeWidths) == 0 {
		return nil
	}
	var keys []string
	for _, k := range m.AxisKeys {
		if k != "r-hat" && k != "seed" {
			keys = append(keys, k)
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(append(slices.Clone(keys), "method", "reference_error", "tol_rel", "safe_width", "note"))
	for _, s := range m.SafeWidths {
		var rec []string
		for _, k := range keys {
			rec = append(rec, axisText(s.Axes, k))
		}
		_ = w.Write(append(rec, s.Method, fmtFloat(s.Reference), fmtFloat(&s.TolRel), fmtInt(s.SafeWidth), s.Note))
	}
	w.Flush()
	return b.Bytes()
}
