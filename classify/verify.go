package classify

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/lowdim/lowdim/energy"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp"
)

// Decision rules (Config.Decide).
const (
	// DecideInterval judges the upper bound of the drop's 95% interval.
	DecideInterval = "interval"
	// DecideMean judges the drop's mean over the seeds.
	DecideMean = "mean"
)

// Baselines the compressed model is compared with.
const (
	BaselineDLN      = "dln"
	BaselineOriginal = "original"
)

// Config is a verify on a classification data set.
type Config struct {
	Train TrainConfig `json:"train"`
	// RHats are the candidate widths of the compressed block (each at most
	// Train.Width), Seeds the seeds (at least 2 for DecideInterval).
	RHats []int    `json:"r_hats"`
	Seeds []uint64 `json:"seeds"`
	// MaxDrop and SliceMaxDrop are the thresholds in accuracy points on
	// the drop of C-DLN against each baseline, overall and per class
	// (nil: not gated; at least one is given).
	MaxDrop      *float64 `json:"max_drop"`
	SliceMaxDrop *float64 `json:"slice_max_drop"`
	// MaxRelDrop is the threshold on the relative drop of the overall
	// accuracy, in percent of the baseline's accuracy (paired by seed:
	// 100 (base - cdln)/base); nil: not gated.
	MaxRelDrop *float64 `json:"max_rel_drop"`
	// MaxMemoryRatio and MaxLatencyRatio are the thresholds on C-DLN's
	// cost over each baseline's (Gate.Value); nil: not gated. A latency
	// gate needs Options.LatencyBudget.
	MaxMemoryRatio  *float64 `json:"max_memory_ratio"`
	MaxLatencyRatio *float64 `json:"max_latency_ratio"`
	// Decide is DecideInterval or DecideMean.
	Decide string `json:"decide"`
	// Baselines are the baselines the gates apply to (BaselineDLN,
	// BaselineOriginal; empty: both). Differences are reported against
	// both.
	Baselines []string `json:"baselines"`
	// Perturbations are the perturbed test sets every model is measured
	// on too (Options.Perturbed holds them, in this order); Robust gates
	// C-DLN's drop against each baseline on each of them by MaxDrop, as
	// on the clean test set.
	Perturbations []Perturbation `json:"perturbations"`
	Robust        bool           `json:"robust"`
}

// Options are a verify's side channels.
type Options struct {
	// Log, when not nil, gets a line per trained model.
	Log io.Writer
	// Stop, when closed, ends training at the next step boundary.
	Stop <-chan struct{}
	// Step, when not nil, is called after every SGD step of every run
	// with the number of steps that run has taken.
	Step func(step int)
	// LatencyBudget, when positive, is the time each inference latency
	// measurement runs for (Latency), on the first seed's models, at each
	// of LatencyBatches; zero: not measured.
	LatencyBudget time.Duration
	// Perturbed are the test sets of Config.Perturbations, in order (each
	// Perturbation.Apply of the test set, standardised).
	Perturbed []*Set
	// Model, when not nil, is given every model that finished training
	// (StatusDone), with its index in Verdict.Models and its run, before
	// the next one is trained (to save it, say); its error ends Verify.
	Model func(i int, r *Run, m *mlp.Model) error
}

// Model is one model (a variant at a width) over the seeds.
type Model struct {
	// Name is "original", "dln" or "cdln r_hat=R".
	Name    string `json:"name"`
	Variant string `json:"variant"`
	RHat    int    `json:"r_hat,omitempty"`
	Params  int    `json:"params"`
	// Bytes is the parameters' storage, 8 bytes each (float64).
	Bytes int64 `json:"bytes"`
	// ModelBytes is what the model holds in training, exactly: its
	// parameters and mlp.Model.WorkspaceBytes (gradients, velocities,
	// activations for batches of up to max(Batch, 512) rows). Zero until
	// a run has been made.
	ModelBytes int64 `json:"model_bytes"`
	// PeakRSSBytes is the largest Run.PeakRSSBytes over the seeds (the
	// process's peak while this model trained and was evaluated, data
	// sets included), and PeakGrowthBytes the largest PeakRSSBytes -
	// BaseRSSBytes of a run (what training this model added to the
	// process's resident memory); null when unsupported or no run.
	PeakRSSBytes    *uint64 `json:"peak_rss_bytes"`
	PeakGrowthBytes *uint64 `json:"peak_growth_bytes"`
	// Accuracy is the test accuracy's interval in points over the seeds,
	// PerClass each class's; null when some seed has none (diverged,
	// interrupted, or no test row of the class).
	Accuracy *experiment.Interval   `json:"accuracy"`
	PerClass []*experiment.Interval `json:"per_class"`
	// CPUSeconds and WallSeconds are the intervals of the training times
	// (null: no run).
	CPUSeconds *experiment.Interval `json:"cpu_seconds"`
	// TrainJoules is the modelled energy of a training run (interval over
	// the seeds): energy.Model's DefaultWattsPerCore x CPUSeconds, a
	// model, not a measurement (EnergyModel says so); null: no run.
	TrainJoules *experiment.Interval `json:"train_joules_modelled"`
	// Latency is the first seed's model's inference latency at each of
	// LatencyBatches (null: not measured, or that run did not finish).
	Latency     []Latency            `json:"latency"`
	WallSeconds *experiment.Interval `json:"wall_seconds"`
	// Perturbed are the model's results on each perturbed test set, in
	// the order of Config.Perturbations.
	Perturbed []Robustness `json:"perturbed"`
	Runs      []*Run       `json:"runs"`
}

// Robustness is a model's test accuracy on one perturbed test set.
type Robustness struct {
	Perturbation string `json:"perturbation"`
	// Accuracy is the interval of the accuracy in points over the seeds,
	// Drop that of the clean accuracy minus the perturbed one, paired by
	// seed (the model's own drop); null when some seed has none.
	Accuracy *experiment.Interval `json:"accuracy"`
	Drop     *experiment.Interval `json:"drop"`
	// PerClass is the interval of each class's accuracy on the perturbed
	// set (null: some seed has none).
	PerClass []*experiment.Interval `json:"per_class"`
}

// Diff is the paired difference C-DLN minus a baseline, in points, seed
// by seed, and its interval (null when some seed has no accuracy).
type Diff struct {
	Baseline string               `json:"baseline"`
	Overall  *experiment.Interval `json:"overall"`
	// Relative is the overall difference in percent of the baseline's
	// accuracy, 100 (cdln - base)/base seed by seed (null when a
	// baseline's accuracy is 0 or missing).
	Relative *experiment.Interval   `json:"relative"`
	PerClass []*experiment.Interval `json:"per_class"`
	// Perturbed is the overall difference on each perturbed test set, in
	// the order of Config.Perturbations, paired by seed.
	Perturbed []*experiment.Interval `json:"perturbed"`
}

// Gate is one threshold applied to one drop or cost ratio of C-DLN
// against a baseline.
type Gate struct {
	// Name is "max-drop", "max-rel-drop", "slice-max-drop",
	// "max-memory-ratio" or "max-latency-ratio"; Class the class's label
	// for a slice (null otherwise).
	Name     string `json:"name"`
	Baseline string `json:"baseline"`
	Class    *int64 `json:"class"`
	// Perturbation names the perturbed test set of a robust max-drop
	// gate (Config.Robust); null on the clean test set.
	Perturbation *string `json:"perturbation"`
	// Value is the value judged. For a drop: the upper bound of the
	// drop's interval (minus the difference's lower bound) or its mean,
	// per Decide. For a ratio: C-DLN's parameter bytes over the
	// baseline's, or C-DLN's p50 latency at the largest of LatencyBatches
	// over the baseline's (the first seed's models: one measurement, no
	// interval). Null when not measurable.
	Value     *float64 `json:"value"`
	Threshold float64  `json:"threshold"`
	// Pass is null when Value is.
	Pass *bool `json:"pass"`
}

// Width is the verdict of one candidate width.
type Width struct {
	RHat  int    `json:"r_hat"`
	Diffs []Diff `json:"diffs"`
	Gates []Gate `json:"gates"`
	// Margin is the largest Value - Threshold over the gates (null when a
	// gate cannot be judged); the width passes when it is at most 0.
	Margin *float64 `json:"margin"`
	Pass   *bool    `json:"pass"`
}

// Verdict is the result of Verify.
type Verdict struct {
	Config Config `json:"config"`
	// Data describes the splits: rows, features, the class labels and the
	// test rows of each class.
	TrainRows  int     `json:"train_rows"`
	TestRows   int     `json:"test_rows"`
	Features   int     `json:"features"`
	ClassNames []int64 `json:"classes"`
	TestCounts []int   `json:"test_rows_per_class"`
	// EnergyModel says how TrainJoules is modelled.
	EnergyModel string `json:"energy_model"`
	// Interval names the intervals (experiment.IntervalMethod).
	Interval string  `json:"interval"`
	Models   []Model `json:"models"`
	Widths   []Width `json:"widths"`
	// SafeWidth is the smallest passing width (experiment.SafeWidth), null
	// when none passes.
	SafeWidth *int `json:"safe_width"`
	Pass      bool `json:"pass"`
	// Interrupted reports that training was stopped: the verdict is
	// incomplete.
	Interrupted bool `json:"interrupted"`
	// Diverged lists the runs whose loss stopped being finite (their
	// accuracy is null, and no gate of their width can be judged); empty
	// when none did.
	Diverged []Divergence `json:"diverged"`
	// Reason says in words why the verdict is what it is.
	Reason string `json:"reason"`
}

// Divergence is a run whose training loss stopped being finite: the
// model, the seed, the SGD step (from 1) and the epoch (from 1).
type Divergence struct {
	Model string `json:"model"`
	Seed  uint64 `json:"seed"`
	Step  int    `json:"step"`
	Epoch int    `json:"epoch"`
}

// Verify trains, for each seed in turn, the original MLP, the MLP with
// the full-width block (+DLN) and the compressed one (+C-DLN) at each
// width of c.RHats on train, measures them on test (Train), and judges
// every width (see the package comment). Before each run it resets the
// process's peak RSS (Run.PeakRSSBytes); it meters the inference latency
// measurements with an energy.Meter (Latency.JoulesPer1000). The safe
// width is
// experiment.SafeWidth (the one definition) over the widths' Margins
// against a reference of 0 with no tolerance: the smallest width whose
// every gate passes. The error is Train's or opt.Model's.
func Verify(c Config, train, test *Set, names []int64, opt Options) (*Verdict, error) {
	v := &Verdict{Config: c, TrainRows: train.N, TestRows: test.N, Features: train.Features,
		ClassNames: names, TestCounts: make([]int, len(names)), Interval: experiment.IntervalMethod,
		EnergyModel: fmt.Sprintf("modelled, not measured: %g W per busy core x training CPU seconds (energy.Model)", energy.Model{}.Watts())}
	for _, y := range test.Y {
		v.TestCounts[y]++
	}
	type spec struct {
		v    mlp.Variant
		rhat int
	}
	specs := c.specs()
	v.Models = make([]Model, len(specs))
	for i, s := range specs {
		p := c.Train.Params(s.v, s.rhat, train.Features, train.Classes)
		v.Models[i] = Model{Name: s.modelName(), Variant: string(s.v), RHat: s.rhat, Params: p, Bytes: 8 * int64(p)}
	}
	meter := energy.NewMeter(energy.DefaultRoot, energy.Model{})
	for _, seed := range c.Seeds {
		for i, s := range specs {
			rssReset := machine.ResetPeakRSS()
			base, baseOK := machine.CurrentRSS()
			r, m, err := Train(c.Train, s.v, s.rhat, seed, train, test, opt.Stop, opt.Step)
			if err != nil {
				return nil, err
			}
			if len(opt.Perturbed) > 0 {
				r.Perturbed = make([]*float64, len(opt.Perturbed)) // null when not done
				r.PerturbedPerClass = make([][]*float64, len(opt.Perturbed))
			}
			if r.Status == StatusDone {
				for k, ps := range opt.Perturbed {
					r.Perturbed[k], r.PerturbedPerClass[k] = Evaluate(m, ps)
				}
			}
			if p, ok := machine.PeakRSS(); ok && baseOK && rssReset == nil {
				r.PeakRSSBytes, r.BaseRSSBytes = &p, &base
			}
			if v.Models[i].ModelBytes == 0 {
				v.Models[i].ModelBytes = m.WorkspaceBytes() + 8*int64(m.Params())
			}
			if opt.LatencyBudget > 0 && seed == c.Seeds[0] && r.Status == StatusDone {
				for _, b := range LatencyBatches {
					v.Models[i].Latency = append(v.Models[i].Latency, measureLatency(m, test, b, opt.LatencyBudget, meter))
				}
			}
			if opt.Model != nil && r.Status == StatusDone {
				if err := opt.Model(i, r, m); err != nil {
					return nil, err
				}
			}
			if opt.Log != nil {
				fmt.Fprintf(opt.Log, "seed %d %s: %s, accuracy %s, %.2f CPU s, %.2f s\n", seed, v.Models[i].Name, r.Status, fmtPoints(r.Accuracy), r.CPUSeconds, r.WallSeconds)
			}
			v.Models[i].Runs = append(v.Models[i].Runs, r)
			if r.Status == StatusInterrupted {
				v.Interrupted = true
			}
		}
		if v.Interrupted {
			break
		}
	}
	Judge(v, c)
	return v, nil
}

// Judge (re)computes v's summaries and verdict from its runs under c's
// thresholds and decision rule (c.RHats and c.Seeds must be v's): the
// models' intervals, each width's paired differences, gates and margin,
// the safe width and Pass. v.Models must be the original, +DLN, then
// C-DLN at each width of c.RHats, as Verify makes them. It changes no run.
func Judge(v *Verdict, c Config) {
	v.Config = c
	v.Widths = nil
	names := v.ClassNames
	for i := range v.Models {
		m := &v.Models[i]
		summarize(m, len(names))
		m.Perturbed = nil
		for k, p := range c.Perturbations {
			rb := Robustness{Perturbation: p.Name, Drop: paired(m.Runs, m.Runs, cleanAcc, perturbedAcc(k)), PerClass: make([]*experiment.Interval, len(names))}
			if xs, ok := collect(m.Runs, perturbedAcc(k)); ok {
				in := experiment.TInterval(xs)
				rb.Accuracy = &in
			}
			for cl := range names {
				if xs, ok := collect(m.Runs, perturbedClassAcc(k, cl)); ok {
					in := experiment.TInterval(xs)
					rb.PerClass[cl] = &in
				}
			}
			m.Perturbed = append(m.Perturbed, rb)
		}
	}
	var cands []experiment.Candidate
	for k, r := range c.RHats {
		cdln := &v.Models[2+k]
		w := Width{RHat: r}
		for _, b := range []struct {
			name string
			m    *Model
		}{{BaselineDLN, &v.Models[1]}, {BaselineOriginal, &v.Models[0]}} {
			d := Diff{Baseline: b.name, Overall: paired(cdln.Runs, b.m.Runs, cleanAcc, cleanAcc),
				Relative: relDiff(cdln.Runs, b.m.Runs), PerClass: make([]*experiment.Interval, len(names))}
			for cl := range names {
				d.PerClass[cl] = paired(cdln.Runs, b.m.Runs, classAcc(cl), classAcc(cl))
			}
			for k := range c.Perturbations {
				d.Perturbed = append(d.Perturbed, paired(cdln.Runs, b.m.Runs, perturbedAcc(k), perturbedAcc(k)))
			}
			w.Diffs = append(w.Diffs, d)
			if len(c.Baselines) > 0 && !slices.Contains(c.Baselines, b.name) {
				continue // reported, not gated
			}
			if c.MaxDrop != nil {
				w.Gates = append(w.Gates, gate("max-drop", b.name, nil, d.Overall, *c.MaxDrop, c.Decide))
			}
			if c.Robust && c.MaxDrop != nil {
				for k, p := range c.Perturbations {
					g := gate("max-drop", b.name, nil, d.Perturbed[k], *c.MaxDrop, c.Decide)
					g.Perturbation = &p.Name
					w.Gates = append(w.Gates, g)
				}
			}
			if c.MaxRelDrop != nil {
				w.Gates = append(w.Gates, gate("max-rel-drop", b.name, nil, d.Relative, *c.MaxRelDrop, c.Decide))
			}
			if c.MaxMemoryRatio != nil {
				r := float64(cdln.Bytes) / float64(b.m.Bytes)
				w.Gates = append(w.Gates, ratioGate("max-memory-ratio", b.name, &r, *c.MaxMemoryRatio))
			}
			if c.MaxLatencyRatio != nil {
				var r *float64
				if k, kb := len(cdln.Latency), len(b.m.Latency); k > 0 && k == kb && b.m.Latency[k-1].P50 > 0 {
					x := cdln.Latency[k-1].P50 / b.m.Latency[k-1].P50
					r = &x
				}
				w.Gates = append(w.Gates, ratioGate("max-latency-ratio", b.name, r, *c.MaxLatencyRatio))
			}
			if c.SliceMaxDrop != nil {
				for cl, in := range d.PerClass {
					if v.TestCounts[cl] == 0 {
						continue // no test row: nothing to judge (TestCounts shows it)
					}
					w.Gates = append(w.Gates, gate("slice-max-drop", b.name, &names[cl], in, *c.SliceMaxDrop, c.Decide))
				}
			}
		}
		w.Margin = margin(w.Gates)
		if w.Margin != nil && !v.Interrupted {
			pass := *w.Margin <= 0
			w.Pass = &pass
		}
		if v.Interrupted {
			w.Margin = nil
		}
		cands = append(cands, experiment.Candidate{RHat: r, Error: w.Margin})
		v.Widths = append(v.Widths, w)
	}
	zero := 0.0
	v.SafeWidth = experiment.SafeWidth(&zero, cands, 0)
	v.Pass = v.SafeWidth != nil && !v.Interrupted
	v.Diverged = []Divergence{}
	for _, m := range v.Models {
		for _, r := range m.Runs {
			if r.Status == StatusDiverged && r.DivergedEpoch != nil {
				v.Diverged = append(v.Diverged, Divergence{Model: m.Name, Seed: r.Seed, Step: r.Steps, Epoch: *r.DivergedEpoch})
			}
		}
	}
	v.Reason = reason(v)
}

// reason says why v is what it is: interrupted, the safe width, or no
// width passing, with the diverged runs (whose widths cannot be judged).
func reason(v *Verdict) string {
	var div string
	if n := len(v.Diverged); n > 0 {
		d := v.Diverged[0]
		div = fmt.Sprintf("%d run(s) diverged (a non-finite training loss; first: %s, seed %d, at step %d in epoch %d): their accuracy is unknown and no gate that needs it can be judged; lower --eta",
			n, d.Model, d.Seed, d.Step, d.Epoch)
	}
	switch {
	case v.Interrupted:
		return "interrupted: training was stopped; the verdict is incomplete"
	case v.SafeWidth != nil && div != "":
		return fmt.Sprintf("safe width r_hat = %d; %s", *v.SafeWidth, div)
	case v.SafeWidth != nil:
		return fmt.Sprintf("safe width r_hat = %d: the smallest width whose every gate passes", *v.SafeWidth)
	case div != "":
		return "no width passes every gate: " + div
	}
	return "no width passes every gate"
}

// summarize sets m's intervals from its runs.
func summarize(m *Model, classes int) {
	var acc, cpu, wall []float64
	per := make([][]float64, classes)
	m.Accuracy, m.PerClass, m.CPUSeconds, m.WallSeconds, m.TrainJoules, m.PeakRSSBytes, m.PeakGrowthBytes = nil, nil, nil, nil, nil, nil, nil
	complete := true
	for _, r := range m.Runs {
		if r.PeakRSSBytes != nil && (m.PeakRSSBytes == nil || *r.PeakRSSBytes > *m.PeakRSSBytes) {
			p := *r.PeakRSSBytes
			m.PeakRSSBytes = &p
		}
		if r.PeakRSSBytes != nil && r.BaseRSSBytes != nil {
			g := *r.PeakRSSBytes - min(*r.PeakRSSBytes, *r.BaseRSSBytes)
			if m.PeakGrowthBytes == nil || g > *m.PeakGrowthBytes {
				m.PeakGrowthBytes = &g
			}
		}
		cpu, wall = append(cpu, r.CPUSeconds), append(wall, r.WallSeconds)
		if r.Accuracy == nil {
			complete = false
			continue
		}
		acc = append(acc, *r.Accuracy)
		for c, p := range r.PerClass {
			if p != nil {
				per[c] = append(per[c], *p)
			}
		}
	}
	if len(m.Runs) == 0 {
		return
	}
	joules := make([]float64, len(cpu))
	for i, s := range cpu {
		joules[i] = energy.Model{}.Joules(s)
	}
	ci, wi, ji := experiment.TInterval(cpu), experiment.TInterval(wall), experiment.TInterval(joules)
	m.CPUSeconds, m.WallSeconds, m.TrainJoules = &ci, &wi, &ji
	m.PerClass = make([]*experiment.Interval, classes)
	if !complete {
		return
	}
	in := experiment.TInterval(acc)
	m.Accuracy = &in
	for c, xs := range per {
		if len(xs) == len(m.Runs) {
			in := experiment.TInterval(xs)
			m.PerClass[c] = &in
		}
	}
}

// relDiff returns the interval of 100 (a - b)/b of the runs' accuracies,
// seed by seed, nil when some pair lacks one or some b is 0.
func relDiff(a, b []*Run) *experiment.Interval {
	if len(a) == 0 || len(a) != len(b) {
		return nil
	}
	d := make([]float64, len(a))
	for i := range a {
		x, y := a[i].Accuracy, b[i].Accuracy
		if x == nil || y == nil || a[i].Seed != b[i].Seed || *y == 0 {
			return nil
		}
		d[i] = 100 * (*x - *y) / *y
	}
	in := experiment.TInterval(d)
	return &in
}

// classAcc returns the accessor of a run's accuracy on class cl's test
// rows (nil when the run has no accuracy).
func classAcc(cl int) func(*Run) *float64 {
	return func(r *Run) *float64 {
		if r.Accuracy == nil {
			return nil
		}
		return r.PerClass[cl]
	}
}

// cleanAcc is a run's accuracy on the clean test set.
func cleanAcc(r *Run) *float64 { return r.Accuracy }

// perturbedAcc returns the accessor of a run's accuracy on perturbed test
// set k (nil when the run has none).
func perturbedAcc(k int) func(*Run) *float64 {
	return func(r *Run) *float64 {
		if k < len(r.Perturbed) {
			return r.Perturbed[k]
		}
		return nil
	}
}

// perturbedClassAcc returns the accessor of a run's accuracy on the rows
// of class cl of perturbed test set k (nil when the run has none).
func perturbedClassAcc(k, cl int) func(*Run) *float64 {
	return func(r *Run) *float64 {
		if k < len(r.PerturbedPerClass) && cl < len(r.PerturbedPerClass[k]) {
			return r.PerturbedPerClass[k][cl]
		}
		return nil
	}
}

// collect returns get of each run, false when some run has none or there
// is no run.
func collect(rs []*Run, get func(*Run) *float64) ([]float64, bool) {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		x := get(r)
		if x == nil {
			return nil, false
		}
		xs[i] = *x
	}
	return xs, len(rs) > 0
}

// paired returns the interval of ga(a[i]) - gb(b[i]) seed by seed, nil
// when some value is missing or the seeds differ.
func paired(a, b []*Run, ga, gb func(*Run) *float64) *experiment.Interval {
	if len(a) == 0 || len(a) != len(b) {
		return nil
	}
	d := make([]float64, len(a))
	for i := range a {
		x, y := ga(a[i]), gb(b[i])
		if x == nil || y == nil || a[i].Seed != b[i].Seed {
			return nil
		}
		d[i] = *x - *y
	}
	in := experiment.TInterval(d)
	return &in
}

// gate judges the drop (minus the difference in) against threshold.
func gate(name, baseline string, class *int64, in *experiment.Interval, threshold float64, decide string) Gate {
	g := Gate{Name: name, Baseline: baseline, Class: class, Threshold: threshold}
	if in == nil {
		return g
	}
	var drop float64
	switch decide {
	case DecideMean:
		drop = -in.Mean
	default:
		if in.Lo == nil {
			return g // one seed: no interval
		}
		drop = -*in.Lo
	}
	drop += 0 // -0 prints as 0
	pass := drop <= threshold
	g.Value, g.Pass = &drop, &pass
	return g
}

// ratioGate judges a cost ratio (nil: not measured) against threshold.
func ratioGate(name, baseline string, ratio *float64, threshold float64) Gate {
	g := Gate{Name: name, Baseline: baseline, Threshold: threshold, Value: ratio}
	if ratio != nil {
		pass := *ratio <= threshold
		g.Pass = &pass
	}
	return g
}

// margin returns the largest Value - Threshold over gs, nil when a gate
// has no Value or there is no gate.
func margin(gs []Gate) *float64 {
	if len(gs) == 0 {
		return nil
	}
	m := math.Inf(-1)
	for _, g := range gs {
		if g.Value == nil {
			return nil
		}
		m = max(m, *g.Value-g.Threshold)
	}
	return &m
}

// fmtPoints prints an accuracy in points, "-" when absent.
func fmtPoints(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *p)
}
