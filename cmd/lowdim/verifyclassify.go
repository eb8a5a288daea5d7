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
	"time"

	"github.com/lowdim/lowdim/classify"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/mlp"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

const verifyClassifyUsage = `Usage: lowdim verify --task classify --data SRC [flags]

Validates the compressed MLP on your own classification data: trains the
original MLP, the MLP with a full-width deep linear block (+DLN) and with the
block compressed to each --r-hat width (+C-DLN) over --seeds seeds, paired by
seed (one seed: the same shared layers and data order for all three), and
judges C-DLN's accuracy drop against +DLN and against the original, overall
(--max-drop) and per class (--slice-max-drop), in accuracy points. A width
passes when the upper end of every drop's 95% t-interval over the seeds
(--decide mean: its mean) is within its threshold; the safe width is the
smallest passing one. Writes verdict.json to --out and a table to stdout.

SRC is X.npy,y.npy (X of shape (n, features), y of shape (n,) integer
labels), a .csv file with a header line and a label column (--label), or a
folder of IDX files (its train and test splits). The test split is
--test-data SRC2 (the same form as SRC) or a seeded split of --test-frac of
each class. Features are standardised with the training split's mean and
standard deviation; a feature constant in training is ignored (set to 0 in
every split; a warning on stderr gives their number, verdict.json lists them
in standardisation.ignored_features); data with no varying feature, or whose
standardisation overflows, is refused.

A run whose training loss stops being finite (a learning rate too large)
diverges: the table prints a "diverged:" line with its model, seed, step
and epoch, and the verdict's reason names it (verdict.json: diverged,
reason); no gate that needs its accuracy can be judged.

--perturb LIST measures every model on perturbed copies of the test set too,
each named and seeded, so that every model sees the same perturbed data:
  noise:snr=S          Gaussian noise on the standardised features z, variance
                       P_s/S with P_s the mean of z^2 over the test matrix
                       (signal over noise power S > 0; in dB 10 log10 S)
  dropout:p=P          each standardised value set to 0 (the training mean)
                       with probability P in [0, 1)
  shift:brightness=B:contrast=C
                       raw pixel values x in [0, 1] (an IDX folder's p/255)
                       become clip(C (x - 0.5) + 0.5 + B, 0, 1) before
                       standardisation (B in [-1, 1], default 0; C in (0, 10],
                       default 1)
Each may add :seed=N (default --seed), e.g.
  --perturb noise:snr=10,noise:snr=3,dropout:p=0.2,shift:brightness=0.1:contrast=0.8
The table shows each model's accuracy and its drop (clean minus perturbed) and
C-DLN minus each baseline on each perturbed set, paired by seed; --robust
gates those differences by --max-drop, as on the clean test set.

Per model the table also gives the bytes the model holds in training (exact),
the process's peak RSS while it trained (VmHWM, reset before each run; "-"
where unsupported), and the energy of 1000 predictions at batch 64 (RAPL
when readable, else modelled from CPU seconds, labelled). --out also gets
trajectories.csv (test accuracy after each epoch against the training CPU
and wall seconds to it, every run) and accuracy-cpu.png/.svg (that accuracy
against CPU seconds, mean over the seeds, per model).

--save-model DIR writes the first seed's models as model folders
(DIR/original, DIR/dln, DIR/cdln-r<width>: manifest.json of kind "mlp", the
weights and biases as .npy in order of application, the standardisation,
the configuration) and DIR/models.json naming the safe width's; lowdim
predict --model DIR/cdln-r16 --data SRC writes its predictions.

--preset paper follows the paper's nonlinear protocol as far as it is known:
plain SGD at a constant learning rate 0.05, batch 128, 5 epochs, hidden
widths 512 and 256, a block of depth 3 at the first width with a small
orthogonal initialisation (eps 0.1), --r-hat 32,64; any flag given
overrides it.

Before training, and before --out is made: --width and --width2 at most
1048576, --depth at most 1000, --epochs at most 1000000; the memory preflight
refuses a verify whose largest model (parameters, gradients, velocities and
the activations of batches of max(--batch, 512) rows) does not fit in 80% of
the memory available, naming the flag and the bytes; the time preflight
times a few steps of each model and refuses an estimate above --max-time
(default 1h; 0: no limit), naming the estimate of each model. The estimate is
printed on stderr and recorded in verdict.json (time_preflight).

Exit status: 0 a safe width exists, 1 none passes, 2 usage or input error,
3 an internal failure, 130 or 143 interrupted.

Flags:
`

// classifyFlags are the flags of verify --task classify.
type classifyFlags struct {
	task, data, testData, label, rhats, decide, out, baselines, perturb     string
	preset, saveModel, figures                                              string
	testFrac, maxDrop, sliceMaxDrop, latencySec, maxRelDrop, maxMem, maxLat float64
	seed                                                                    uint64
	seeds                                                                   int
	quiet, robust                                                           bool
	train                                                                   classify.TrainConfig
	maxTime                                                                 time.Duration
	// rhatsPreset reports that --r-hat is --preset's, not given.
	rhatsPreset bool
}

// verifyTask is verify's dispatch on --task (verifycmd.go): "classify"
// runs cmdVerifyClassify; any other value is refused.
func verifyTask(task string, args []string, stdout, stderr io.Writer) int {
	if task != "classify" {
		return failWith(stderr, "lowdim verify", config.Bad("task", task, "want classify (leave --task out to verify a matrix)"))
	}
	return cmdVerifyClassify(args, stdout, stderr)
}

func cmdVerifyClassify(args []string, stdout, stderr io.Writer) int {
	const cmd = "lowdim verify"
	var f classifyFlags
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, verifyClassifyUsage)
		fs.PrintDefaults()
	}
	d := classify.DefaultTrain
	fs.StringVar(&f.preset, "preset", "", "paper: the paper's nonlinear protocol (plain SGD at a constant eta 0.05, batch 128, 5 epochs, width 512 and 256, block depth 3 at eps 0.1, r-hat 32,64); flags given override it")
	fs.StringVar(&f.task, "task", "", "classify")
	fs.StringVar(&f.data, "data", "", "training data: X.npy,y.npy, a .csv file (with --label) or an IDX folder (required)")
	fs.StringVar(&f.testData, "test-data", "", "test data in the same forms (default: --test-frac of --data)")
	fs.Float64Var(&f.testFrac, "test-frac", 0.2, "fraction of each class held out for testing, drawn with --seed (without --test-data)")
	fs.StringVar(&f.label, "label", "", "name of the label column of a CSV source")
	fs.StringVar(&f.rhats, "r-hat", "16,32,64", "candidate widths of the compressed block (comma list, each at most --width)")
	fs.Uint64Var(&f.seed, "seed", 1, "first seed: seeds are --seed .. --seed+seeds-1; --seed also draws the test split")
	fs.IntVar(&f.seeds, "seeds", 5, "number of seeds (at least 2 with --decide interval)")
	fs.Float64Var(&f.maxDrop, "max-drop", 1, "largest accepted drop of C-DLN's test accuracy against +DLN and the original, in points")
	fs.Float64Var(&f.maxRelDrop, "max-rel-drop", 0, "largest accepted relative drop of the overall accuracy, in percent of the baseline's (absent: not gated)")
	fs.Float64Var(&f.sliceMaxDrop, "slice-max-drop", 0, "largest accepted drop of any class's accuracy, in points (absent: classes are reported, not gated)")
	fs.StringVar(&f.baselines, "baseline", "dln,original", "baselines the gates compare C-DLN with: dln, original or both (differences are reported against both)")
	fs.StringVar(&f.decide, "decide", classify.DecideInterval, "judge the drop's 95% interval upper end (interval) or its mean (mean)")
	fs.IntVar(&f.train.Width, "width", d.Width, "width of the first hidden layer and of the linear block")
	fs.IntVar(&f.train.Width2, "width2", d.Width2, "width of the second hidden layer")
	fs.IntVar(&f.train.Depth, "depth", d.Depth, "number of layers L of the linear block (at least 2)")
	fs.Float64Var(&f.train.Eps, "eps", d.Eps, "scale of the block's orthogonal initialization")
	fs.Float64Var(&f.train.Alpha, "alpha", d.Alpha, "learning-rate multiplier of the compressed block's outer layers")
	fs.IntVar(&f.train.Batch, "batch", d.Batch, "minibatch size")
	fs.Float64Var(&f.train.Eta, "eta", d.Eta, "learning rate (constant)")
	fs.Float64Var(&f.train.Momentum, "momentum", d.Momentum, "heavy-ball momentum (0: plain SGD)")
	fs.IntVar(&f.train.Epochs, "epochs", d.Epochs, "epochs")
	fs.Float64Var(&f.maxMem, "max-memory-ratio", 0, "largest accepted ratio of C-DLN's parameter bytes to each baseline's (absent: not gated)")
	fs.Float64Var(&f.maxLat, "max-latency-ratio", 0, "largest accepted ratio of C-DLN's p50 inference latency at batch 64 to each baseline's, first seed's models (absent: not gated)")
	fs.Float64Var(&f.latencySec, "latency-seconds", 0.5, "time of each inference latency measurement (p50/p99 per call at batch 1 and 64, first seed's models; 0: not measured)")
	fs.StringVar(&f.perturb, "perturb", "", "perturbed test sets every model is measured on too: comma list of noise:snr=S (Gaussian noise, signal over noise power S > 0, on the standardised features), dropout:p=P (each value set to the training mean with probability P in [0, 1)), shift:brightness=B:contrast=C (pixels in [0, 1]: clip(C (x - 0.5) + 0.5 + B, 0, 1) on the raw features); each may add :seed=N (default --seed)")
	fs.BoolVar(&f.robust, "robust", false, "gate C-DLN's drop on every --perturb test set by --max-drop too, as on the clean one")
	fs.StringVar(&f.out, "out", "lowdim-out", "output folder (created)")
	fs.StringVar(&f.saveModel, "save-model", "", "write the first seed's models (original, dln, cdln-r<width>) as model folders (manifest.json, weights and biases as .npy in order, standardisation; read by lowdim predict --model DIR/<model> --data SRC) into this folder, replaced as a whole")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	f.maxTime = experiment.DefaultMaxTime
	fs.Var(durationValue{&f.maxTime}, "max-time", "refuse to train when the time preflight (a few timed steps of each model) estimates the training above this: 90m, 2h, 3600 (seconds); 0: no limit")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(err error) int { return failWith(stderr, cmd, err) }
	if fs.NArg() > 0 {
		return fail(config.Input(fmt.Errorf("unexpected argument %q", fs.Arg(0))))
	}
	if err := emptyFlags(fs); err != nil {
		return fail(err)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if err := f.applyPreset(set); err != nil {
		return fail(err)
	}
	c, err := f.check(set)
	if err != nil {
		return fail(err)
	}
	// The data, read and checked before --out is touched.
	train, test, names, src, err := f.load(set)
	if err != nil {
		return fail(err)
	}
	if err := c.Train.Check(train.N, c.RHats); err != nil {
		return fail(err)
	}
	if err := c.CheckMemory(train.Features, train.Classes); err != nil {
		return fail(err)
	}
	for _, p := range c.Perturbations {
		if p.Raw() {
			if err := classify.CheckPixels("perturb", p.Name, test); err != nil {
				return fail(err)
			}
			break
		}
	}
	// Standardised before --out is touched: values that overflow it are
	// refused here.
	perturbed := make([]*classify.Set, len(c.Perturbations))
	for k, p := range c.Perturbations {
		if p.Raw() {
			perturbed[k] = p.Apply(test)
		}
	}
	var raws []*classify.Set
	for _, s := range perturbed {
		if s != nil {
			raws = append(raws, s)
		}
	}
	scaling, err := classify.Standardize(train, append([]*classify.Set{test}, raws...)...)
	if err != nil {
		return fail(err)
	}
	if k := len(scaling.Ignored); k > 0 {
		fmt.Fprintf(stderr, "%s: warning: %d of %d features are constant in the training split of %s (standard deviation 0) and are ignored (set to 0): %s\n",
			cmd, k, train.Features, train.Source, ignoredNames(scaling.Ignored, src.Columns))
	}
	for k, p := range c.Perturbations {
		if !p.Raw() {
			perturbed[k] = p.Apply(test)
		}
	}
	sig := interrupt.Notify(stderr, cmd)
	defer sig.Stop()
	timePlan, err := classify.EstimateTime(c, train, test.N, f.maxTime, sig.Done())
	if err != nil {
		return fail(err)
	}
	if !f.quiet {
		fmt.Fprintln(stderr, timePlan.Line())
	}
	so := &stdoutWriter{w: stdout}
	stdout = so
	out, closeOut, err := openOut(sig, stderr, cmd, "out", f.out, nil, knownOut, "")
	if err != nil {
		return fail(err)
	}
	defer closeOut()
	var modelStage *outdir.Stage
	var saved classifySaved
	if f.saveModel != "" {
		models, closeModels, err := openOut(sig, stderr, cmd, "save-model", f.saveModel, nil, knownModels, "model-")
		if err != nil {
			return fail(err)
		}
		defer closeModels()
		if modelStage, err = models.Stage(""); err != nil {
			return fail(err)
		}
		if saved.sources, err = dataSources(f.data, f.testData); err != nil {
			return fail(err)
		}
	}
	opt := classify.Options{Stop: sig.Done(), LatencyBudget: time.Duration(f.latencySec * float64(time.Second)), Perturbed: perturbed}
	if !f.quiet {
		opt.Log = stderr
	}
	if sig.Testing() {
		opt.Step = func(k int) { sig.Phase("step/" + strconv.Itoa(k)) }
	}
	if modelStage != nil {
		saved.dir, saved.scaling, saved.names, saved.columns, saved.train = modelStage.Path(), scaling, names, src.Columns, c.Train
		opt.Model = func(i int, r *classify.Run, m *mlp.Model) error {
			if r.Seed != c.Seeds[0] {
				return nil
			}
			return saved.save(m, r)
		}
	}
	v, err := classify.Verify(c, train, test, names, opt)
	if err != nil {
		return fail(err)
	}
	sig.Phase("trained")
	if sig.Interrupted() && !v.Interrupted {
		// A signal after the training, before the verdict is written: an
		// interrupted verify never passes (markVerdictInterrupted).
		v.Interrupted = true
		classify.Judge(v, c) // no width judged, no safe width, no pass
	}
	rec := classifyRecord{Task: "classify", Preset: f.preset, Data: src, Scaling: scaling, TimePreflight: timePlan, Verdict: v}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return failWith(stderr, cmd, fmt.Errorf("encoding verdict.json: %w", err))
	}
	stage, err := out.Stage("")
	if err != nil {
		return fail(err)
	}
	if err := results.WriteFileAtomic(filepath.Join(stage.Path(), "verdict.json"), append(b, '\n')); err != nil {
		return fail(err)
	}
	sig.Phase("staged/verdict.json")
	figs, err := writeClassifyFigures(stage.Path(), v, "verify --task classify: "+filepath.Base(filepath.Clean(f.data)))
	if err != nil {
		return fail(err)
	}
	if modelStage != nil {
		if err := saved.finish(v); err != nil {
			return fail(err)
		}
		if err := commit(sig, modelStage, "model-"); err != nil {
			return fail(err)
		}
	}
	if err := commit(sig, stage, ""); err != nil {
		return fail(err)
	}
	writeClassifyTable(stdout, &rec, f.out)
	if len(figs) > 0 {
		fmt.Fprintf(stdout, "figures: %s; trajectories: %s\n", strings.Join(figs, ", "), filepath.Join(f.out, "trajectories.csv"))
	}
	if modelStage != nil {
		fmt.Fprintf(stdout, "models: %s (%s)\n", f.saveModel, modelsIndex)
	}
	if err := closeOut(); err != nil {
		return fail(err)
	}
	code := exitOK
	if !v.Pass {
		code = exitFailure
	}
	return interruptedExit(sig, stderr, cmd, v.Interrupted, code, so)
}

// clipPoints prints a drop in points, "%.2f", at the limit of [-100, 100]
// with a "*" (and *clipped set) when beyond it, as fmtClip does.
func clipPoints(x float64, clipped *bool) string {
	return clipFigure(x, "%.2f", -100, 100, clipped)
}

// clipFigure prints x with format, or, when x is beyond [lo, hi], that
// limit with a "*" (and *clipped set).
func clipFigure(x float64, format string, lo, hi float64, clipped *bool) string {
	if x < lo || x > hi {
		*clipped = true
		return report.Figure(format, math.Max(lo, math.Min(hi, x))) + "*"
	}
	return report.Figure(format, x)
}

// sourceForm names the form of a data source: "an .npy pair", "a .csv
// file" or "another source" (an IDX folder, or a name Read refuses).
func sourceForm(src string) string {
	switch {
	case strings.Contains(src, ","):
		return "an .npy pair"
	case strings.EqualFold(filepath.Ext(src), ".csv"):
		return "a .csv file"
	}
	return "another source"
}

// ignoredNames lists the ignored features by column name (a CSV's) or by
// index, at most 10 of them.
func ignoredNames(ignored []int, columns []string) string {
	var parts []string
	for _, j := range ignored[:min(len(ignored), 10)] {
		if j < len(columns) {
			parts = append(parts, strconv.Quote(columns[j]))
		} else {
			parts = append(parts, "feature "+strconv.Itoa(j))
		}
	}
	if len(ignored) > 10 {
		parts = append(parts, fmt.Sprintf("and %d more (verdict.json: standardisation.ignored_features)", len(ignored)-10))
	}
	return strings.Join(parts, ", ")
}

// classifyData says where the splits came from, for verdict.json.
type classifyData struct {
	Data     string   `json:"data"`
	TestData string   `json:"test_data,omitempty"`
	Label    string   `json:"label,omitempty"`
	TestFrac *float64 `json:"test_frac"`
	// Split says in words how the test split was made.
	Split string `json:"split"`
	// Columns are a CSV's feature columns in order (omitted otherwise).
	Columns []string `json:"columns,omitempty"`
}

// classifyRecord is verdict.json of verify --task classify.
type classifyRecord struct {
	Task string `json:"task"`
	// Preset is --preset (omitted when not given); Config holds the
	// values it set.
	Preset  string           `json:"preset,omitempty"`
	Data    classifyData     `json:"data"`
	Scaling classify.Scaling `json:"standardisation"`
	// TimePreflight is the time preflight's estimate and limit.
	TimePreflight *classify.TimePlan `json:"time_preflight"`
	*classify.Verdict
}

// applyPreset sets, for --preset paper, every training flag and --r-hat
// that the command line did not give to the preset's value
// (classify.PaperPreset, classify.PaperRHats).
func (f *classifyFlags) applyPreset(set map[string]bool) error {
	switch f.preset {
	case "":
		return nil
	case "paper":
	default:
		return config.Bad("preset", f.preset, "want paper (the paper's nonlinear protocol) or leave it out")
	}
	p := classify.PaperPreset
	for _, k := range []struct {
		flag string
		dst  any
		v    any
	}{
		{"width", &f.train.Width, p.Width}, {"width2", &f.train.Width2, p.Width2}, {"depth", &f.train.Depth, p.Depth},
		{"eps", &f.train.Eps, p.Eps}, {"alpha", &f.train.Alpha, p.Alpha}, {"batch", &f.train.Batch, p.Batch},
		{"eta", &f.train.Eta, p.Eta}, {"momentum", &f.train.Momentum, p.Momentum}, {"epochs", &f.train.Epochs, p.Epochs},
	} {
		if set[k.flag] {
			continue
		}
		switch d := k.dst.(type) {
		case *int:
			*d = k.v.(int)
		case *float64:
			*d = k.v.(float64)
		}
	}
	if !set["r-hat"] {
		parts := make([]string, len(classify.PaperRHats))
		for i, r := range classify.PaperRHats {
			parts[i] = strconv.Itoa(r)
		}
		f.rhats, f.rhatsPreset = strings.Join(parts, ","), true
	}
	return nil
}

// check validates the flags that need no data and returns the verify's
// configuration.
func (f *classifyFlags) check(set map[string]bool) (classify.Config, error) {
	var c classify.Config
	if f.task != "classify" { // --task given twice: the last counts
		return c, config.Bad("task", f.task, "want classify (leave --task out to verify a matrix)")
	}
	if f.data == "" {
		return c, config.Bad("data", `""`, "required: X.npy,y.npy, a .csv file (with --label) or an IDX folder")
	}
	if set["test-frac"] && f.testData != "" {
		return c, config.Bad("test-frac", f.testFrac, "does not apply with --test-data %s (the test split is given)", f.testData)
	}
	if !(f.testFrac > 0 && f.testFrac < 1) {
		return c, config.Bad("test-frac", f.testFrac, "must be in (0, 1)")
	}
	if f.seeds < 1 || f.seeds > 1000 {
		return c, config.Bad("seeds", f.seeds, "must be in 1..1000")
	}
	if f.decide != classify.DecideInterval && f.decide != classify.DecideMean {
		return c, config.Bad("decide", f.decide, "want interval or mean")
	}
	if f.decide == classify.DecideInterval && f.seeds < 2 {
		return c, config.Bad("seeds", f.seeds, "one seed gives no interval: use --seeds 2 or more, or --decide mean")
	}
	for _, k := range []string{"max-drop", "slice-max-drop", "max-rel-drop"} {
		v, unit := f.maxDrop, "accuracy points"
		switch k {
		case "slice-max-drop":
			v = f.sliceMaxDrop
		case "max-rel-drop":
			v, unit = f.maxRelDrop, "percent of the baseline's accuracy"
		}
		if !(v >= 0 && v <= 100) {
			return c, config.Bad(k, v, "must be in [0, 100] %s", unit)
		}
	}
	if !(f.latencySec >= 0 && f.latencySec <= 60) {
		return c, config.Bad("latency-seconds", f.latencySec, "must be in [0, 60] seconds")
	}
	rh, err := parseWidths(f.rhats)
	if err != nil {
		return c, err
	}
	seeds := make([]uint64, f.seeds)
	for i := range seeds {
		seeds[i] = f.seed + uint64(i)
	}
	c = classify.Config{Train: f.train, RHats: rh, Seeds: seeds, Decide: f.decide}
	md := f.maxDrop
	c.MaxDrop = &md
	if set["slice-max-drop"] {
		s := f.sliceMaxDrop
		c.SliceMaxDrop = &s
	}
	for _, k := range []string{"max-memory-ratio", "max-latency-ratio"} {
		v := f.maxMem
		if k == "max-latency-ratio" {
			v = f.maxLat
		}
		if set[k] && !(v > 0 && v <= 1e6) {
			return c, config.Bad(k, v, "must be a positive ratio (at most 1e6)")
		}
	}
	if set["max-latency-ratio"] && f.latencySec == 0 {
		return c, config.Bad("max-latency-ratio", f.maxLat, "needs latency measured: --latency-seconds 0 turns it off")
	}
	if set["max-memory-ratio"] {
		r := f.maxMem
		c.MaxMemoryRatio = &r
	}
	if set["max-latency-ratio"] {
		r := f.maxLat
		c.MaxLatencyRatio = &r
	}
	bl, err := parseList("baseline", f.baselines)
	if err != nil {
		return c, err
	}
	for _, b := range bl {
		if b != classify.BaselineDLN && b != classify.BaselineOriginal {
			return c, config.Bad("baseline", f.baselines, "%q is not dln or original", b)
		}
	}
	c.Baselines = bl
	if set["max-rel-drop"] {
		r := f.maxRelDrop
		c.MaxRelDrop = &r
	}
	if c.Perturbations, err = classify.ParsePerturbations("perturb", f.perturb, f.seed); err != nil {
		return c, err
	}
	if f.robust && len(c.Perturbations) == 0 {
		return c, config.Bad("robust", true, "needs --perturb: there is no perturbed test set to gate")
	}
	c.Robust = f.robust
	if f.rhatsPreset {
		for _, r := range rh {
			if r > f.train.Width && f.train.Width >= 1 {
				return c, config.Bad("width", f.train.Width, "is below width %d of --preset %s's --r-hat %s (the compressed widths must be at most --width): give --r-hat too, with widths at most %d",
					r, f.preset, f.rhats, f.train.Width)
			}
		}
	}
	// Everything but the batch against the training rows, not yet known.
	if err := c.Train.Check(0, rh); err != nil {
		return c, err
	}
	if err := checkSaveModel(f.saveModel, map[string]string{"out": f.out}); err != nil {
		return c, err
	}
	for _, in := range []struct{ name, path string }{{"data", f.data}, {"test-data", f.testData}} {
		for _, p := range strings.Split(in.path, ",") {
			if p != "" && outdir.Inside(p, f.out) {
				return c, config.Bad("out", f.out, "holds --%s %s: the folder is replaced as a whole when the run commits, which would delete that input; choose another --out", in.name, p)
			}
			if p != "" && f.saveModel != "" && outdir.Inside(p, f.saveModel) {
				return c, config.Bad("save-model", f.saveModel, "holds --%s %s: the folder is replaced as a whole when the models are written, which would delete that input; choose another --save-model", in.name, p)
			}
		}
	}
	return c, nil
}

// load reads --data (and --test-data), numbers the classes from the
// training data and makes the splits.
func (f *classifyFlags) load(set map[string]bool) (train, test *classify.Set, names []int64, src classifyData, err error) {
	src = classifyData{Data: f.data, TestData: f.testData, Label: f.label}
	s, err := classify.Read("data", f.data, f.label)
	if err != nil {
		return
	}
	var testTable *classify.Table
	switch {
	case s.Test != nil && f.testData != "":
		err = config.Bad("test-data", f.testData, "does not apply: the IDX folder %s has its own test split", f.data)
		return
	case s.Test != nil && set["test-frac"]:
		err = config.Bad("test-frac", f.testFrac, "does not apply: the IDX folder %s has its own test split", f.data)
		return
	case s.Test != nil:
		testTable = s.Test
		src.Split = "the IDX folder's test files"
	case f.testData != "" && sourceForm(f.testData) != sourceForm(f.data):
		err = config.Bad("test-data", f.testData, "is %s but --data %s is %s: --test-data must be the same form as --data (it is read with the same --label)",
			sourceForm(f.testData), f.data, sourceForm(f.data))
		return
	case f.testData != "":
		var t *classify.Source
		if t, err = classify.Read("test-data", f.testData, f.label); err != nil {
			return
		}
		if t.Test != nil {
			err = config.Bad("test-data", f.testData, "an IDX folder holds two splits: give it as --data")
			return
		}
		testTable = t.Train
		src.Split = "--test-data"
	}
	if testTable != nil && testTable.Features != s.Train.Features {
		err = config.Input(fmt.Errorf("%s: %d features, but the training data %s has %d", testTable.Source, testTable.Features, s.Train.Source, s.Train.Features))
		return
	}
	if testTable != nil && testTable.Columns != nil && s.Train.Columns != nil && !slices.Equal(testTable.Columns, s.Train.Columns) {
		// Features are matched by position: columns in another order
		// would be read as other features without a word.
		err = config.Bad("test-data", f.testData, "its feature columns %s are not --data's %s (same names in the same order)",
			strings.Join(testTable.Columns, ","), strings.Join(s.Train.Columns, ","))
		return
	}
	if names, err = classify.Classes(s.Train); err != nil {
		return
	}
	src.Columns = s.Train.Columns
	if testTable != nil {
		if train, err = classify.Numbered(s.Train, names, nil); err != nil {
			return
		}
		test, err = classify.Numbered(testTable, names, nil)
		return
	}
	frac := f.testFrac
	src.TestFrac = &frac
	src.Split = fmt.Sprintf("stratified by class: round(%g n_c) (at least 1) rows of each class to test, drawn with seed %d", frac, f.seed)
	tr, te, err := classify.StratifiedSplit(s.Train, names, frac, f.seed)
	if err != nil {
		return
	}
	if train, err = classify.Numbered(s.Train, names, tr); err != nil {
		return
	}
	test, err = classify.Numbered(s.Train, names, te)
	return
}

// writeClassifyTable prints the models, the per-class accuracies, the
// widths' differences and gates, and the verdict.
func writeClassifyTable(w io.Writer, rec *classifyRecord, dir string) {
	v := rec.Verdict
	fmt.Fprintf(w, "\n== verify --task classify: %s (test: %s)\n", rec.Data.Data, rec.Data.Split)
	fmt.Fprintf(w, "   -> %s: verdict.json\n", dir)
	fmt.Fprintf(w, "%d training rows, %d test rows, %d features, %d classes %v; seeds %v; intervals: 95%% t over the seeds\n",
		v.TrainRows, v.TestRows, v.Features, len(v.ClassNames), v.ClassNames, v.Config.Seeds)
	var clipped bool
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "model\ttest accuracy (points)\tparams\tbytes\tmodel MB\tpeak RSS MB\ttrain CPU s\ttrain wall s\ttrain J (model)")
	for _, b := range classify.LatencyBatches {
		fmt.Fprintf(tw, "\tp50/p99 ms b=%d", b)
	}
	big := classify.LatencyBatches[len(classify.LatencyBatches)-1]
	fmt.Fprintf(tw, "\tJ/1000 pred b=%d\n", big)
	energySrc := ""
	for _, m := range v.Models {
		rss := "-"
		if m.PeakRSSBytes != nil {
			rss = fmt.Sprintf("%.0f", float64(*m.PeakRSSBytes)/1e6)
			if m.PeakGrowthBytes != nil {
				rss += fmt.Sprintf(" (+%.3g)", float64(*m.PeakGrowthBytes)/1e6)
			}
		}
		acc := fmtClip(m.Accuracy, "%.2f", 0, 100, &clipped)
		if k := classify.DivergedRuns(m.Runs); k > 0 {
			acc = fmt.Sprintf("- (%d of %d seeds diverged)", k, len(m.Runs))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.3g\t%s\t%s\t%s\t%s", m.Name, acc, m.Params, m.Bytes,
			float64(m.ModelBytes)/1e6, rss, fmtClip(m.CPUSeconds, "%.3g", 0, math.Inf(1), &clipped),
			fmtClip(m.WallSeconds, "%.3g", 0, math.Inf(1), &clipped), fmtClip(m.TrainJoules, "%.3g", 0, math.Inf(1), &clipped))
		for i := range classify.LatencyBatches {
			if i < len(m.Latency) {
				fmt.Fprintf(tw, "\t%.3g/%.3g", 1e3*m.Latency[i].P50, 1e3*m.Latency[i].P99)
			} else {
				fmt.Fprint(tw, "\t-")
			}
		}
		if k := len(m.Latency) - 1; k >= 0 && m.Latency[k].JoulesPer1000 != nil {
			kind := "model"
			if m.Latency[k].EnergyMeasured {
				kind = "measured"
			}
			fmt.Fprintf(tw, "\t%.3g (%s)\n", *m.Latency[k].JoulesPer1000, kind)
			energySrc = m.Latency[k].EnergySource
		} else {
			fmt.Fprint(tw, "\t-\n")
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "(model MB: weights, gradients and activations the model holds in training, exact; peak RSS MB: the process's peak")
	fmt.Fprintln(w, " resident memory while the model trained and was evaluated, reset before each run, data sets included, and in brackets")
	fmt.Fprintln(w, " what the run added to the resident memory it started from; largest over the seeds)")
	fmt.Fprintln(w, "(latency: wall time per call of the first seed's model, forward pass only; the machine's load counts)")
	fmt.Fprintf(w, "(train J: %s)\n", v.EnergyModel)
	if energySrc != "" {
		fmt.Fprintf(w, "(J/1000 pred: energy of the batch-%d latency calls per 1000 rows predicted, first seed's model; from %s)\n", big, energySrc)
	}
	fmt.Fprintln(w, "\nper-class test accuracy, mean over the seeds (points; test rows per class in brackets):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "model")
	for i, l := range v.ClassNames {
		fmt.Fprintf(tw, "\tclass %d (%d)", l, v.TestCounts[i])
	}
	fmt.Fprintln(tw)
	for _, m := range v.Models {
		fmt.Fprint(tw, m.Name)
		for _, in := range m.PerClass {
			if in == nil {
				fmt.Fprint(tw, "\t-")
			} else {
				fmt.Fprintf(tw, "\t%.2f", in.Mean)
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	judged := "upper end of the drop's 95% interval"
	if v.Config.Decide == classify.DecideMean {
		judged = "mean drop"
	}
	fmt.Fprintf(w, "\nC-DLN minus baseline, paired by seed (points, mean [95%% interval]); gates judge the %s:\n", judged)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "r_hat\tbaseline\toverall\trelative (%)\tworst class (drop judged)\tgates\tthis row")
	for _, wd := range v.Widths {
		for _, d := range wd.Diffs {
			worst, wv := "-", math.Inf(-1)
			nGates, nPass, nUnjudged := 0, 0, 0
			for _, g := range wd.Gates {
				if g.Baseline != d.Baseline {
					continue
				}
				nGates++
				switch {
				case g.Pass == nil:
					nUnjudged++
				case *g.Pass:
					nPass++
				}
				if g.Class != nil && g.Value != nil && *g.Value > wv {
					wv = *g.Value
					// Shown at [-100, 100] points with a "*", as the
					// overall column's interval ends are.
					op := ">"
					if *g.Value <= g.Threshold {
						op = "<="
					}
					worst = fmt.Sprintf("class %d: %s %s %.2f", *g.Class, clipPoints(*g.Value, &clipped), op, g.Threshold)
				}
			}
			row := "-"
			switch {
			case nGates == 0:
			case nUnjudged > 0:
				row = fmt.Sprintf("- (%d not judged)", nUnjudged)
			case nPass == nGates:
				row = "pass"
			default:
				row = "FAIL"
			}
			if v.Config.SliceMaxDrop == nil {
				worst = "- (no --slice-max-drop)"
			}
			gates := fmt.Sprintf("%d of %d pass", nPass, nGates)
			if nGates == 0 {
				gates, worst = "- (not gated: --baseline)", "-"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", wd.RHat, d.Baseline, fmtClip(d.Overall, "%+.2f", -100, 100, &clipped),
				fmtInterval(d.Relative, "%+.2f"), worst, gates, row)
		}
	}
	tw.Flush()
	writeRobustTables(w, v, judged, &clipped)
	if clipped {
		fmt.Fprintln(w, "\n(*: the t-interval's end lies beyond what the quantity can be (accuracy outside [0, 100] points, a time or energy")
		fmt.Fprintln(w, " below 0) and is shown at that limit; verdict.json holds the interval as computed, and the gates judge it as computed)")
	}
	var failed []string
	for _, wd := range v.Widths {
		for _, g := range wd.Gates {
			if g.Pass != nil && !*g.Pass {
				what := "overall"
				if g.Class != nil {
					what = fmt.Sprintf("class %d", *g.Class)
				}
				if g.Perturbation != nil {
					what = "perturbed " + *g.Perturbation
				}
				kind, unit := "drop", "points"
				switch g.Name {
				case "max-rel-drop":
					unit = "% of the baseline's accuracy"
				case "max-memory-ratio":
					kind, unit = "ratio", "parameter bytes"
				case "max-latency-ratio":
					kind, unit = "ratio", fmt.Sprintf("p50 latency at batch %d", classify.LatencyBatches[len(classify.LatencyBatches)-1])
				}
				failed = append(failed, fmt.Sprintf("r_hat = %d: %s against %s: %s %.3g > %s %.3g (%s)", wd.RHat, what, g.Baseline, kind, *g.Value, g.Name, g.Threshold, unit))
			}
		}
	}
	if v.SafeWidth != nil {
		fmt.Fprintf(w, "\nsafe width: r_hat = %d (the smallest width whose every gate passes)\n", *v.SafeWidth)
	} else if len(v.Diverged) > 0 {
		fmt.Fprintf(w, "\nsafe width: none (no width passes every gate; %d run(s) diverged: their gates cannot be judged)\n", len(v.Diverged))
	} else {
		fmt.Fprintln(w, "\nsafe width: none (no width passes every gate)")
	}
	for _, s := range failed {
		fmt.Fprintf(w, "  failed: %s\n", s)
	}
	for _, d := range v.Diverged {
		fmt.Fprintf(w, "  diverged: %s, seed %d: the training loss was not finite at step %d (epoch %d): no accuracy (lower --eta, now %g)\n",
			d.Model, d.Seed, d.Step, d.Epoch, v.Config.Train.Eta)
	}
	switch {
	case v.Interrupted:
		fmt.Fprintln(w, "VERDICT: INTERRUPTED: training was stopped; the verdict is incomplete")
	case v.Pass:
		fmt.Fprintln(w, "VERDICT: PASS")
	default:
		fmt.Fprintf(w, "VERDICT: FAIL (%s)\n", v.Reason)
	}
}

// writeRobustTables prints, when there are perturbations, each model's
// accuracy on each perturbed test set with its own drop, and C-DLN minus
// each baseline there with its gate (--robust) or "-".
func writeRobustTables(w io.Writer, v *classify.Verdict, judged string, clipped *bool) {
	if len(v.Config.Perturbations) == 0 {
		return
	}
	fmt.Fprintln(w, "\nperturbed test sets (--perturb): accuracy in points, mean [95% interval]; drop = clean minus perturbed, paired by seed:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tperturbation\taccuracy\tdrop")
	for _, m := range v.Models {
		for _, rb := range m.Perturbed {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, rb.Perturbation, fmtClip(rb.Accuracy, "%.2f", 0, 100, clipped), fmtClip(rb.Drop, "%+.2f", -100, 100, clipped))
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\nper-class accuracy on each perturbed test set, mean over the seeds (points):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "model\tperturbation")
	for _, l := range v.ClassNames {
		fmt.Fprintf(tw, "\tclass %d", l)
	}
	fmt.Fprintln(tw)
	for _, m := range v.Models {
		for _, rb := range m.Perturbed {
			fmt.Fprintf(tw, "%s\t%s", m.Name, rb.Perturbation)
			for cl := range v.ClassNames {
				if cl < len(rb.PerClass) && rb.PerClass[cl] != nil {
					fmt.Fprintf(tw, "\t%.2f", rb.PerClass[cl].Mean)
				} else {
					fmt.Fprint(tw, "\t-")
				}
			}
			fmt.Fprintln(tw)
		}
	}
	tw.Flush()
	gated := "reported, not gated (no --robust)"
	if v.Config.Robust {
		gated = "gated by --max-drop on the " + judged + " (--robust)"
	}
	fmt.Fprintf(w, "\nC-DLN minus baseline on each perturbed test set, paired by seed (points); %s:\n", gated)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "r_hat\tbaseline\tperturbation\tdifference\tgate")
	for _, wd := range v.Widths {
		for _, d := range wd.Diffs {
			for k, p := range v.Config.Perturbations {
				var in *experiment.Interval
				if k < len(d.Perturbed) {
					in = d.Perturbed[k]
				}
				gs := "-"
				for _, g := range wd.Gates {
					if g.Baseline != d.Baseline || g.Perturbation == nil || *g.Perturbation != p.Name {
						continue
					}
					switch {
					case g.Pass == nil:
						gs = "- (not judged)"
					case *g.Pass:
						gs = fmt.Sprintf("pass: drop %.2f <= %.2f", *g.Value, g.Threshold)
					default:
						gs = fmt.Sprintf("FAIL: drop %.2f > %.2f", *g.Value, g.Threshold)
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", wd.RHat, d.Baseline, p.Name, fmtClip(in, "%+.2f", -100, 100, clipped), gs)
			}
		}
	}
	tw.Flush()
}

// fmtClip prints an interval as fmtInterval does, but an end beyond the
// range [lo, hi] the quantity can take is shown at that limit with a "*"
// (and *clipped set), so that the table never shows an accuracy above 100
// points or a negative time; the interval itself is unchanged.
func fmtClip(in *experiment.Interval, format string, lo, hi float64, clipped *bool) string {
	if in == nil || in.Lo == nil || in.Hi == nil || (*in.Lo >= lo && *in.Hi <= hi) {
		return fmtInterval(in, format)
	}
	return report.Figure(format, in.Mean) + " [" + clipFigure(*in.Lo, format, lo, hi, clipped) + ", " + clipFigure(*in.Hi, format, lo, hi, clipped) + "]"
}
