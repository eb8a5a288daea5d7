package classify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp"
	"github.com/lowdim/lowdim/model"
	"github.com/lowdim/lowdim/npy"
)

// KindMLP is the manifest "kind" of a saved MLP (package model's format,
// whose rules for new kinds it follows: a deep-linear reader refuses it).
const KindMLP = "mlp"

// Files of a saved MLP besides its layers (layer-NN.npy, bias-NN.npy).
const (
	MeanFile = "standardisation-mean.npy"
	StdFile  = "standardisation-std.npy"
)

// A saved MLP is a folder in package model's format with kind "mlp":
//
//	manifest.json      format "lowdim-model", version 1, kind "mlp"
//	layer-01.npy ...   the weight matrices in order of application, each
//	                   out x in: A1, the block's W_1 .. W_L (dln, cdln),
//	                   A2, A3
//	bias-NN.npy        the bias of layer NN (A1, A2, A3; the block has none)
//	standardisation-mean.npy, standardisation-std.npy
//	                   the training split's per-feature mean and population
//	                   standard deviation (shape [features]); a feature
//	                   of std 0 (constant in training) is ignored: set
//	                   to 0, and listed in the manifest's
//	                   standardisation.ignored_features
//
// Each layer entry of the manifest has file, shape and sha256, and for A1,
// A2 and A3 "bias" (a file entry) and, for A1 and A2, "activation": "relu".
// A prediction of a row x (raw features) is, in NumPy,
//
//	z = where(std > 0, (x - mean) / where(std > 0, std, 1), 0)
//	for W, b, act in layers: z = z @ W.T + (b or 0); z = max(z, 0) if act
//	label = classes[argmax(z)]
//
// The manifest also holds "classes" (output k is the integer label
// classes[k]), "columns" (a CSV's feature names, in order; null for other
// sources), "config" (Saved.Config: the training configuration, variant,
// width and seed) with "config_hash" (the SHA-256 of its compact JSON),
// "training" (status, steps, the verify's test accuracy) and the data
// "sources" with their SHA-256.

// SavedConfig is the configuration a saved MLP records: how it was trained
// and which model it is.
type SavedConfig struct {
	Train   TrainConfig `json:"train"`
	Variant string      `json:"variant"`
	// RHat is the compressed block's width (cdln; absent from the JSON
	// otherwise).
	RHat int    `json:"r_hat,omitempty"`
	Seed uint64 `json:"seed"`
}

// SavedTraining is how the saved model's training went and what it scored
// on the verify's test split.
type SavedTraining struct {
	Status       string   `json:"status"`
	Steps        int      `json:"steps"`
	TestAccuracy *float64 `json:"test_accuracy"`
}

type fileEntry struct {
	File   string `json:"file"`
	Shape  []int  `json:"shape"`
	SHA256 string `json:"sha256"`
}

type mlpLayer struct {
	fileEntry
	Bias       *fileEntry `json:"bias,omitempty"`
	Activation string     `json:"activation,omitempty"`
}

type mlpManifest struct {
	Format          string     `json:"format"`
	Version         int        `json:"version"`
	Kind            string     `json:"kind"`
	LowdimVersion   string     `json:"lowdim_version"`
	Method          string     `json:"method"`
	Width           int        `json:"width"`
	Inputs          int        `json:"inputs"`
	Outputs         int        `json:"outputs"`
	Parameters      int        `json:"parameters"`
	Layers          []mlpLayer `json:"layers"`
	Standardisation struct {
		Mean    fileEntry `json:"mean"`
		Std     fileEntry `json:"std"`
		Ignored []int     `json:"ignored_features"`
	} `json:"standardisation"`
	Classes    []int64        `json:"classes"`
	Columns    []string       `json:"columns"`
	Config     SavedConfig    `json:"config"`
	ConfigHash string         `json:"config_hash"`
	Training   SavedTraining  `json:"training"`
	Sources    []model.Source `json:"sources"`
}

// Saved is an MLP read back by LoadMLP, ready to predict.
type Saved struct {
	Model   *mlp.Model
	Scaling Scaling
	// Classes maps output k to its integer label; Columns are a CSV's
	// feature names (nil for other sources).
	Classes  []int64
	Columns  []string
	Config   SavedConfig
	Training SavedTraining
}

// predictRows is the batch Saved.Predict forwards at a time.
const predictRows = 512

// SaveMLP writes m (trained with c, standardised by sc, output k the label
// classes[k]) as a model folder into dir, an existing empty folder (a
// caller's staging folder, committed by it). columns are a CSV's feature
// names (nil otherwise), sources the data files (model.SourceOf). It
// writes each array with npy.WriteFile, then manifest.json. Errors name
// the file.
func SaveMLP(dir string, m *mlp.Model, sc Scaling, classes []int64, columns []string, c SavedConfig, tr SavedTraining, sources []model.Source) error {
	mc := m.Config()
	man := mlpManifest{Format: model.FormatName, Version: model.FormatVersion, Kind: KindMLP,
		LowdimVersion: machine.Read().Version, Method: string(mc.Variant), Width: mc.Hidden1,
		Inputs: mc.Inputs, Outputs: mc.Classes, Parameters: m.Params(),
		Classes: classes, Columns: columns, Config: c, ConfigHash: configHash(c), Training: tr, Sources: sources}
	if mc.Variant == mlp.CDLN {
		man.Width = mc.RHat
	}
	shapes := paramShapes(mc)
	ps := m.ParamList()
	write := func(name string, shape []int, data []float64) (fileEntry, error) {
		path := filepath.Join(dir, name)
		if err := npy.WriteFile(path, shape, data); err != nil {
			return fileEntry{}, err
		}
		sum, err := model.FileSHA256(path)
		return fileEntry{File: name, Shape: shape, SHA256: sum}, err
	}
	layer := 0
	for i := 0; i < len(ps); i++ {
		layer++
		e, err := write(fmt.Sprintf("layer-%02d.npy", layer), shapes[i], ps[i].W)
		if err != nil {
			return err
		}
		l := mlpLayer{fileEntry: e}
		if i+1 < len(ps) && len(shapes[i+1]) == 1 { // a bias follows
			i++
			b, err := write(fmt.Sprintf("bias-%02d.npy", layer), shapes[i], ps[i].W)
			if err != nil {
				return err
			}
			l.Bias = &b
			if ps[i].Name != "layer3.b" {
				l.Activation = "relu"
			}
		}
		man.Layers = append(man.Layers, l)
	}
	var err error
	f := []int{mc.Inputs}
	if man.Standardisation.Mean, err = write(MeanFile, f, sc.Mean); err != nil {
		return err
	}
	if man.Standardisation.Std, err = write(StdFile, f, sc.Std); err != nil {
		return err
	}
	man.Standardisation.Ignored = sc.Ignored
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", model.ManifestFile, err)
	}
	return os.WriteFile(filepath.Join(dir, model.ManifestFile), append(b, '\n'), 0o644)
}

// configHash is the SHA-256, in hex, of c's compact JSON encoding (the
// struct's fields in their fixed order).
func configHash(c SavedConfig) string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a struct of numbers and strings always encodes
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// paramShapes returns the shape of each tensor of mlp.Model.ParamList for
// a model of configuration c: [out, in] for a matrix, [out] for a bias.
func paramShapes(c mlp.Config) [][]int {
	sh := [][]int{{c.Hidden1, c.Inputs}, {c.Hidden1}}
	for _, s := range c.BlockShapes() {
		sh = append(sh, []int{s.Rows, s.Cols})
	}
	return append(sh, []int{c.Hidden2, c.Hidden1}, []int{c.Hidden2}, []int{c.Classes, c.Hidden2}, []int{c.Classes})
}

// LoadMLP reads the MLP model folder dir that SaveMLP wrote and validates
// all of it before returning: format, version and kind; the configuration
// (it must describe an MLP); each file present with its recorded SHA-256,
// the shape the configuration implies, and finite values; the classes
// distinct and as many as the outputs. Errors name the file and the value.
func LoadMLP(dir string) (*Saved, error) {
	manPath := filepath.Join(dir, model.ManifestFile)
	raw, err := os.ReadFile(manPath)
	if err != nil {
		return nil, err
	}
	var man mlpManifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&man); err != nil {
		return nil, fmt.Errorf("%s: %v", manPath, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", manPath, fmt.Sprintf(format, args...))
	}
	switch {
	case man.Format != model.FormatName:
		return nil, bad("format %q, want %q", man.Format, model.FormatName)
	case man.Version < 1 || man.Version > model.FormatVersion:
		return nil, bad("version %d: this lowdim reads versions 1..%d", man.Version, model.FormatVersion)
	case man.Kind != KindMLP:
		return nil, bad("kind %q: not an MLP (want %q)", man.Kind, KindMLP)
	}
	v, err := mlp.ParseVariant(man.Config.Variant)
	if err != nil {
		return nil, bad("config.variant: %v", err)
	}
	c := man.Config
	mc := c.Train.model(v, c.RHat, man.Inputs, man.Outputs, c.Seed)
	if err := mc.WithDefaults().Validate(); err != nil {
		return nil, bad("config: %v", err)
	}
	if len(man.Classes) != man.Outputs || len(slices.Compact(slices.Sorted(slices.Values(man.Classes)))) != man.Outputs {
		return nil, bad("classes %v: want %d distinct labels, one per output", man.Classes, man.Outputs)
	}
	if man.Columns != nil && len(man.Columns) != man.Inputs {
		return nil, bad("columns: %d names for %d inputs", len(man.Columns), man.Inputs)
	}
	m, err := mlp.New(mc, predictRows)
	if err != nil {
		return nil, bad("config: %v", err)
	}
	read := func(e fileEntry, what string, shape []int) ([]float64, error) {
		if e.File == "" || filepath.Base(e.File) != e.File {
			return nil, bad("%s: file %q must be a plain file name in the folder", what, e.File)
		}
		if !slices.Equal(e.Shape, shape) {
			return nil, bad("%s: shape %v, but the configuration implies %v", what, e.Shape, shape)
		}
		path := filepath.Join(dir, e.File)
		sum, err := model.FileSHA256(path)
		if err != nil {
			return nil, err
		}
		if sum != e.SHA256 {
			return nil, fmt.Errorf("%s: sha256 %s but the manifest records %q", path, sum, e.SHA256)
		}
		a, err := npy.ReadArrayFile(path, shape...)
		if err != nil {
			return nil, err
		}
		for i, x := range a.Data {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s: value %d is %v, not finite", path, i, x)
			}
		}
		return a.Data, nil
	}
	shapes := paramShapes(m.Config())
	ps := m.ParamList()
	k := 0
	for l, e := range man.Layers {
		what := fmt.Sprintf("layers[%d]", l)
		if k >= len(ps) {
			return nil, bad("%d layers, more than the configuration's", len(man.Layers))
		}
		w, err := read(e.fileEntry, what, shapes[k])
		if err != nil {
			return nil, err
		}
		copy(ps[k].W, w)
		k++
		wantBias := k < len(ps) && len(shapes[k]) == 1
		wantAct := ""
		if wantBias && ps[k].Name != "layer3.b" {
			wantAct = "relu"
		}
		if e.Activation != wantAct {
			return nil, bad("%s: activation %q, want %q for this layer of an MLP", what, e.Activation, wantAct)
		}
		switch {
		case wantBias && e.Bias == nil:
			return nil, bad("%s: no bias; this layer of an MLP has one", what)
		case !wantBias && e.Bias != nil:
			return nil, bad("%s: a bias; the linear block's layers have none", what)
		case wantBias:
			b, err := read(*e.Bias, what+".bias", shapes[k])
			if err != nil {
				return nil, err
			}
			copy(ps[k].W, b)
			k++
		}
	}
	if k != len(ps) {
		return nil, bad("%d layers, fewer than the configuration's", len(man.Layers))
	}
	s := &Saved{Model: m, Classes: man.Classes, Columns: man.Columns, Config: c, Training: man.Training}
	if s.Scaling.Mean, err = read(man.Standardisation.Mean, "standardisation.mean", []int{man.Inputs}); err != nil {
		return nil, err
	}
	if s.Scaling.Std, err = read(man.Standardisation.Std, "standardisation.std", []int{man.Inputs}); err != nil {
		return nil, err
	}
	s.Scaling.Ignored = []int{}
	for j, sd := range s.Scaling.Std {
		if sd < 0 {
			return nil, bad("standardisation.std[%d] = %v is negative", j, sd)
		}
		if sd == 0 {
			s.Scaling.Ignored = append(s.Scaling.Ignored, j)
		}
	}
	if man.Standardisation.Ignored != nil && !slices.Equal(man.Standardisation.Ignored, s.Scaling.Ignored) {
		return nil, bad("standardisation.ignored_features %v, but the features of std 0 are %v", man.Standardisation.Ignored, s.Scaling.Ignored)
	}
	return s, nil
}

// Predict returns the label s predicts for each row of t (raw features,
// standardised here as in training), predictRows rows at a time. t must
// have s's inputs as features (a programming error otherwise: the caller
// checks and says so). It allocates one batch and the labels.
func (s *Saved) Predict(t *Table) []int64 {
	f := s.Model.Config().Inputs
	if t.Features != f {
		panic("classify: Predict on a table of another number of features")
	}
	out := make([]int64, t.N)
	buf := make([]float64, min(t.N, predictRows)*f)
	for lo := 0; lo < t.N; lo += predictRows {
		hi := min(t.N, lo+predictRows)
		x := blas64.General{Rows: hi - lo, Cols: f, Stride: f, Data: buf[:(hi-lo)*f]}
		copy(x.Data, t.X[lo*f:hi*f])
		for i := range hi - lo {
			row := x.Data[i*f : (i+1)*f]
			for j := range row {
				if s.Scaling.Std[j] > 0 {
					row[j] = (row[j] - s.Scaling.Mean[j]) / s.Scaling.Std[j]
				} else {
					row[j] = 0 // constant in training: ignored (Scaling.Ignored)
				}
			}
		}
		z := s.Model.Forward(x)
		for i := range hi - lo {
			out[lo+i] = s.Classes[argmax(z.Data[i*z.Stride:i*z.Stride+z.Cols])]
		}
	}
	return out
}

// argmax returns the index of the first largest value of row.
func argmax(row []float64) int {
	best := 0
	for k, v := range row {
		if v > row[best] {
			best = k
		}
	}
	return best
}
