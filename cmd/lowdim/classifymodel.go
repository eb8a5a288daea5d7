package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lowdim/lowdim/atomicfile"
	"github.com/lowdim/lowdim/classify"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/mlp"
	"github.com/lowdim/lowdim/model"
	"github.com/lowdim/lowdim/results"
)

// classifySaved writes verify --task classify's --save-model folder: the
// first seed's models, each a folder (classify.SaveMLP) named by
// classifyModelFolder, and models.json listing them with the safe width's
// model.
type classifySaved struct {
	dir     string
	scaling classify.Scaling
	names   []int64
	columns []string
	train   classify.TrainConfig
	sources []model.Source
	index   classifyModels
}

// classifyModels is the --save-model folder's models.json of a classify
// verify (the same file name and the "models[].folder", "safe_width",
// "safe_model" and "interrupted" fields as a matrix verify's).
type classifyModels struct {
	Models      []classifyModelEntry `json:"models"`
	SafeWidth   *int                 `json:"safe_width"`
	SafeModel   string               `json:"safe_model,omitempty"`
	Interrupted bool                 `json:"interrupted"`
}

type classifyModelEntry struct {
	Network string `json:"network"`
	Folder  string `json:"folder,omitempty"`
	Variant string `json:"variant"`
	RHat    int    `json:"r_hat,omitempty"`
	Seed    uint64 `json:"seed"`
	// TestAccuracy is the model's accuracy on the verify's test split, in
	// points.
	TestAccuracy *float64 `json:"test_accuracy"`
	Why          string   `json:"not_saved,omitempty"`
}

// classifyModelFolder names the folder of a model of variant at width
// rhat (cdln): "original", "dln", "cdln-r16".
func classifyModelFolder(variant string, rhat int) string {
	if variant == string(mlp.CDLN) {
		return fmt.Sprintf("cdln-r%d", rhat)
	}
	return variant
}

// save writes m, trained as run r, into its folder.
func (s *classifySaved) save(m *mlp.Model, r *classify.Run) error {
	c := m.Config()
	folder := classifyModelFolder(string(c.Variant), c.RHat)
	path := filepath.Join(s.dir, folder)
	if err := os.Mkdir(path, 0o755); err != nil {
		return fmt.Errorf("--save-model: %w", err)
	}
	sc := classify.SavedConfig{Train: s.train, Variant: string(c.Variant), Seed: r.Seed}
	if c.Variant == mlp.CDLN {
		sc.RHat = c.RHat
	}
	tr := classify.SavedTraining{Status: r.Status, Steps: r.Steps, TestAccuracy: r.Accuracy}
	if err := classify.SaveMLP(path, m, s.scaling, s.names, s.columns, sc, tr, s.sources); err != nil {
		return fmt.Errorf("--save-model: %s: %w", folder, err)
	}
	s.index.Models = append(s.index.Models, classifyModelEntry{Network: folder, Folder: folder, Variant: sc.Variant, RHat: sc.RHat, Seed: r.Seed, TestAccuracy: r.Accuracy})
	return nil
}

// finish lists the first seed's models that were not saved (diverged or
// interrupted), records the safe width's model, and writes models.json.
func (s *classifySaved) finish(v *classify.Verdict) error {
	for _, m := range v.Models {
		if len(m.Runs) == 0 || m.Runs[0].Status == classify.StatusDone {
			continue
		}
		e := classifyModelEntry{Network: classifyModelFolder(m.Variant, m.RHat), Variant: m.Variant, RHat: m.RHat, Seed: m.Runs[0].Seed,
			Why: m.Runs[0].Status + ": not saved"}
		s.index.Models = append(s.index.Models, e)
	}
	s.index.SafeWidth, s.index.Interrupted = v.SafeWidth, v.Interrupted
	if v.SafeWidth != nil {
		want := classifyModelFolder(string(mlp.CDLN), *v.SafeWidth)
		for _, e := range s.index.Models {
			if e.Folder == want {
				s.index.SafeModel = want
			}
		}
	}
	b, err := json.MarshalIndent(s.index, "", "  ")
	if err != nil {
		return fmt.Errorf("--save-model: encoding %s: %w", modelsIndex, err)
	}
	return results.WriteFileAtomic(filepath.Join(s.dir, modelsIndex), append(b, '\n'))
}

// dataSources returns the files of --data and --test-data (each file of a
// pair, or every regular file of an IDX folder) with their SHA-256, for
// the models' manifests.
func dataSources(paths ...string) ([]model.Source, error) {
	var srcs []model.Source
	for _, p := range paths {
		for _, f := range strings.Split(p, ",") {
			if f == "" {
				continue
			}
			files := []string{f}
			if st, err := os.Stat(f); err == nil && st.IsDir() {
				ents, err := os.ReadDir(f)
				if err != nil {
					return nil, config.Input(fmt.Errorf("--save-model: %w", err))
				}
				files = files[:0]
				for _, e := range ents {
					if e.Type().IsRegular() {
						files = append(files, filepath.Join(f, e.Name()))
					}
				}
			}
			for _, name := range files {
				src, err := model.SourceOf(name)
				if err != nil {
					return nil, config.Input(fmt.Errorf("--save-model: the checksum of %s: %w", name, err))
				}
				srcs = append(srcs, src)
			}
		}
	}
	return srcs, nil
}

// writeClassifyFigures writes trajectories.csv and the accuracy against
// CPU seconds figure (classify.AccuracyCPUFigure, .png and .svg) into dir
// and returns the figures' names (none when no run has a trajectory).
func writeClassifyFigures(dir string, v *classify.Verdict, title string) ([]string, error) {
	if err := atomicfile.Write(filepath.Join(dir, "trajectories.csv"), func(w io.Writer) error { return classify.WriteTrajectories(w, v) }); err != nil {
		return nil, err
	}
	var names []string
	for _, format := range []string{"png", "svg"} {
		b, err := classify.AccuracyCPUFigure(v, title, format)
		if err != nil {
			return nil, fmt.Errorf("drawing %s.%s: %w", classify.FigureAccuracyCPU, format, err)
		}
		if b == nil {
			return nil, nil
		}
		name := classify.FigureAccuracyCPU + "." + format
		if err := results.WriteFileAtomic(filepath.Join(dir, name), b); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// isMLPModel reports whether dir holds a manifest of kind "mlp" (predict's
// dispatch: such a model predicts labels of --data rows, not entries).
func isMLPModel(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, model.ManifestFile))
	if err != nil {
		return false
	}
	var m struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(b, &m) == nil && m.Kind == classify.KindMLP
}

const predictMLPUsage = `Usage: lowdim predict --model DIR --data SRC [--label NAME] [--out FILE]

Writes the labels that a saved MLP (a model folder that lowdim verify --task
classify --save-model wrote, kind "mlp") predicts for the rows of SRC: a
header line "row,label", then one line per row (0-based, in SRC's order),
the label being the integer label of the training data. SRC is X.npy (rows
of features), X.npy,y.npy, a .csv file with a header line (--label names a
label column to leave out; without it every column is a feature, and the
columns must be the training data's, by name and in order), or an IDX
folder (its test split: the t10k files, the train files need not be there).
The features are standardised with the training split's mean and standard
deviation the model records; a feature constant in training (standard
deviation 0) is ignored (set to 0), as in training. When SRC has labels, each
must be one of the model's classes (else exit 2), and the accuracy is printed
(stdout, or stderr when the predictions go to stdout). --entries belongs to a
deep-linear model: an MLP model refuses it.

The model folder is loaded and validated in full first (manifest, checksums,
shapes, finite values), then SRC is read and checked against the model's
features, then --out is checked writable: nothing is predicted before all of
that passes.

Exit codes: 0 ok; 2 usage or input error; 3 the predictions could not be
written.

Flags:
`

// cmdPredictMLP is lowdim predict for an MLP model folder (predictcmd.go
// dispatches to it on --data or a manifest of kind "mlp").
func cmdPredictMLP(args []string, stdout, stderr io.Writer) int {
	const cmd = "lowdim predict"
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, predictMLPUsage); fs.PrintDefaults() }
	dir := fs.String("model", "", "the MLP model folder that verify --task classify --save-model wrote (required)")
	data := fs.String("data", "", "rows to predict: X.npy, X.npy,y.npy, a .csv file or an IDX folder (its test split) (required)")
	label := fs.String("label", "", "the label column of a CSV --data, left out of the features (its labels give the accuracy)")
	out := fs.String("out", "", "file to write the predictions to, atomically (default stdout)")
	// A deep-linear model's flags, defined to be refused with a word on
	// what an MLP takes instead of "flag provided but not defined".
	entries := fs.String("entries", "", "not for an MLP model: it predicts labels of rows (--data), not matrix entries")
	fs.Bool("zero-based", false, "not for an MLP model (the rows of its predictions count from 0)")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fail := func(err error) int { return failWith(stderr, cmd, err) }
	switch {
	case fs.NArg() > 0:
		return fail(config.Input(fmt.Errorf("unexpected argument %q (every input is a flag: --model, --data)", fs.Arg(0))))
	case *dir == "":
		return fail(config.Bad("model", `""`, "--model is required: the folder that --save-model wrote"))
	case set["entries"]:
		return fail(config.Bad("entries", *entries, "--model %s is an MLP model (kind %q, written by verify --task classify): it predicts the labels of rows, not matrix entries; give the rows with --data SRC (X.npy, X.npy,y.npy, a .csv file or an IDX folder)", *dir, classify.KindMLP))
	case set["zero-based"]:
		return fail(config.Bad("zero-based", true, "--model %s is an MLP model: its predictions' rows count from 0 and it takes no --entries; give the rows with --data SRC", *dir))
	case *data == "":
		return fail(config.Bad("data", `""`, "--data is required for an MLP model: the rows to predict"))
	case set["out"] && *out == "":
		return fail(badOut(*out, "the output file must not be empty (leave --out out for stdout)"))
	}
	s, err := classify.LoadMLP(*dir)
	if err != nil {
		return fail(config.Bad("model", *dir, "%v%s", err, modelFolderHint(*dir)))
	}
	t, err := classify.ReadPredict("data", *data, *label)
	if err != nil {
		return fail(err)
	}
	inputs := s.Model.Config().Inputs
	switch {
	case t.Features != inputs:
		return fail(config.Bad("data", *data, "%d features, but the model %s takes %d%s", t.Features, *dir, inputs, labelHint(t.Columns, s.Columns, *label)))
	case t.Columns != nil && s.Columns != nil && !slices.Equal(t.Columns, s.Columns):
		return fail(config.Bad("data", *data, "its feature columns %s are not the model's %s (same names in the same order; --label names a label column to leave out)",
			strings.Join(t.Columns, ","), strings.Join(s.Columns, ",")))
	}
	for i, l := range t.Labels { // an accuracy over labels the model never had would mean nothing
		if !slices.Contains(s.Classes, l) {
			return fail(config.Bad("data", *data, "row %d: label %d is not a class of the model (its classes: %v), as verify refuses a test label not in training", i, l, s.Classes))
		}
	}
	if err := checkOutFile(*out, false); err != nil {
		return fail(err)
	}
	for _, p := range strings.Split(*data, ",") {
		if *out != "" && sameFile(*out, p) {
			return fail(badOut(*out, "is --data %s: the predictions would replace the rows they are read from; give another file", p))
		}
	}
	pred := s.Predict(t)
	write := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.WriteString("row,label\n")
		var buf []byte
		for i, l := range pred {
			buf = strconv.AppendInt(buf[:0], int64(i), 10)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, l, 10)
			buf = append(buf, '\n')
			bw.Write(buf)
		}
		return bw.Flush()
	}
	info := stdout
	if *out == "" {
		if err := write(stdout); err != nil {
			return fail(fmt.Errorf("writing the predictions: %w", err))
		}
		info = stderr
	} else if err := atomicfile.Write(*out, write); err != nil {
		return fail(err)
	} else {
		fmt.Fprintf(stdout, "wrote %d predictions to %s (model %s: %s, %d features, %d classes)\n", len(pred), *out, *dir, s.Config.Variant, inputs, len(s.Classes))
	}
	if t.Labels != nil {
		correct := 0
		for i, l := range pred {
			if l == t.Labels[i] {
				correct++
			}
		}
		fmt.Fprintf(info, "accuracy on %s: %.2f points (%d of %d rows)\n", *data, 100*float64(correct)/float64(len(pred)), correct, len(pred))
	}
	return exitOK
}

// labelHint names the --label that would make a CSV's columns the model's:
// when the CSV has exactly one column more than the model's features and
// that column is not one of them (the label column kept as a feature), it
// returns "; give --label NAME ...", otherwise "".
func labelHint(csv, model []string, label string) string {
	if label != "" || csv == nil || model == nil || len(csv) != len(model)+1 {
		return ""
	}
	var extra []string
	for _, c := range csv {
		if !slices.Contains(model, c) {
			extra = append(extra, c)
		}
	}
	if len(extra) != 1 {
		return ""
	}
	return fmt.Sprintf("; its column %q is not one of the model's: if it holds the labels, give --label %s", extra[0], extra[0])
}
