package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
)

// withoutMeasured returns the header and records of m with the measured
// columns (Measured: times and memory) removed.
func withoutMeasured(m *Merged) [][]string {
	h := m.Header()
	recs := append([][]string{h}, m.Records()...)
	var out [][]string
	for _, r := range recs {
		var row []string
		for i, v := range r {
			if !slices.Contains(Measured, h[i]) {
				row = append(row, v)
			}
		}
		out = append(out, row)
	}
	return out
}

// TestMergeSharded: a sweep run as 2 shards into 2 folders and merged
// equals the unsharded sweep merged, in every column but the measured
// times and memory; a failed point's figures are empty, never 0.
func TestMergeSharded(t *testing.T) {
	ps := tinyPoints(t)
	version := machine.Read().Version
	failing := ps[3].Hash
	opt := func(out string, s Shard) Options {
		return Options{Out: out, Shard: s, Version: version, Write: writeRunJSON,
			Train: func(c config.Config, stop <-chan struct{}) (*results.Run, error) {
				if config.Hash(c) == failing {
					return nil, errors.New("planted failure")
				}
				return train(c, stop)
			}}
	}
	whole, a, b := t.TempDir(), t.TempDir(), t.TempDir()
	if _, err := Execute(ps, opt(whole, Shard{})); err != nil {
		t.Fatal(err)
	}
	for k, dir := range []string{a, b} {
		sum, err := Execute(ps, opt(dir, Shard{k, 2}))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != 2 {
			t.Errorf("shard %d/2 has %d points, want 2", k, sum.Total)
		}
	}
	mw, err := Merge(whole)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(mw.Rows) != 8 {
		t.Fatalf("%d rows, want 4 points x 2 methods = 8", len(mw.Rows))
	}
	gw, gs := withoutMeasured(mw), withoutMeasured(ms)
	if !slices.EqualFunc(gw, gs, slices.Equal) {
		t.Errorf("sharded merge differs from the unsharded one:\n%v\n%v", gs, gw)
	}
	// The measured columns are there (they differ between runs).
	if mw.Rows[0].Seconds == nil || mw.Rows[0].PeakRSSBytes == nil {
		t.Errorf("row 0 has no seconds or peak RSS: %+v", mw.Rows[0])
	}
	// The failed point: status failed, its figures empty in the CSV and
	// null in the JSON.
	h := mw.Header()
	col := func(name string) int { return slices.Index(h, name) }
	for _, r := range mw.Records() {
		if r[col("hash")] != failing {
			continue
		}
		if r[col("status")] != Failed || !strings.Contains(r[col("error")], "planted") {
			t.Errorf("failed point's row: %v", r)
		}
		for _, c := range []string{"steps", "steps_to_tol", "best_error", "final_error", "params", "seconds"} {
			if r[col(c)] != "" {
				t.Errorf("failed point's %s = %q, want empty", c, r[col(c)])
			}
		}
	}
	js, err := mw.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ Rows []map[string]any }
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, r := range back.Rows {
		if r["hash"] == failing && (r["best_error"] != nil || r["steps"] != nil) {
			t.Errorf("failed point in sweep.json: best_error %v steps %v, want null", r["best_error"], r["steps"])
		}
	}
	figs, err := mw.Figures("tiny")
	if err != nil {
		t.Fatal(err)
	}
	// Axes alpha and seed: seed is not drawn against; the tiny runs
	// reach no tolerance (steps 300), so the errors are drawn.
	for _, name := range []string{"best_error_vs_alpha.png", "best_error_vs_alpha.svg", "final_error_vs_alpha.png"} {
		if !bytes.HasPrefix(figs[name], []byte("\x89PNG")) && !bytes.Contains(figs[name], []byte("<svg")) {
			t.Errorf("figure %s missing or not PNG/SVG (%d bytes)", name, len(figs[name]))
		}
	}
	if _, ok := figs["best_error_vs_seed.png"]; ok {
		t.Error("a figure against seed was drawn")
	}
	_ = filepath.Join
}

// TestCurves: the mean and 95% t-interval over seeds at each axis value.
func TestCurves(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	row := func(alpha float64, seed int64, e float64) Row {
		return Row{Method: "compressed", Axes: []AxisValue{{"alpha", alpha}, {"seed", seed}}, BestError: f(e)}
	}
	m := &Merged{AxisKeys: []string{"alpha", "seed"}, Rows: []Row{row(1, 1, 1), row(1, 2, 2), row(1, 3, 3), row(2, 1, 5)}}
	cs := m.Curves(Metrics[2], "alpha")
	if len(cs) != 1 || len(cs[0].X) != 2 {
		t.Fatalf("curves %+v", cs)
	}
	// Values 1, 2, 3: mean 2, s = 1, t(0.975, 2) = 4.302653: half-width
	// 4.302653/sqrt(3) = 2.484138.
	const tol = 1e-6 // the quantile's printed digits
	y := cs[0].Y[0]
	if y.Mean != 2 || y.Lo == nil || abs(*y.Hi-2-2.484138) > tol {
		t.Errorf("alpha 1: %+v, want mean 2, half-width 2.484138", y)
	}
	if y := cs[0].Y[1]; y.N != 1 || y.Lo != nil {
		t.Errorf("alpha 2: one value has no interval, got %+v", y)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
