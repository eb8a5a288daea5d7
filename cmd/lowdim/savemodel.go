package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/model"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// --save-model DIR (run and verify) writes every network a run trained as a
// model folder (package model: its layers as .npy, W_1 first, and
// manifest.json), DIR/<network>/: run's DIR/original/, DIR/compressed/,
// ...; verify's DIR/original/ and DIR/compressed-r<width>/ for each width;
// a preset of several runs one subfolder each, as --out. Beside them,
// models.json lists the networks: folder, status, errors, and for a verify
// the safe width. DIR is one set, staged and committed like --out (package
// outdir): a reader sees the previous models or the new ones.
//
// A network's manifest records the run's configuration and its hash, how
// training ended, its errors at the weights saved (the last step's), the
// files the instance was read from with their SHA-256, and the centering
// its data was trained with. What is saved of a run that is not clean:
//
//   - a network the interruption cut short is saved, its training status
//     "interrupted" and message "interrupted at step t": weights of a
//     partial training, marked as such (models.json says so too); a
//     network the interruption kept from starting has no weights and no
//     folder, listed in models.json as not saved;
//   - a diverged network is not saved (its weights are not finite), listed
//     as not saved with its status.

// modelsIndex is the file --save-model writes beside the model folders.
const modelsIndex = "models.json"

// knownModels are the files that mark a --save-model folder as lowdim's.
var knownModels = []string{modelsIndex}

// modelEntry is one network in models.json.
type modelEntry struct {
	Network string `json:"network"`
	// Folder is the model folder (relative to models.json); empty when the
	// network was not saved, Why then says why.
	Folder  string         `json:"folder,omitempty"`
	Method  string         `json:"method"`
	Width   int            `json:"width"`
	Status  results.Status `json:"status"`
	Message string         `json:"message,omitempty"`
	Errors  model.Errors   `json:"errors"`
	Why     string         `json:"not_saved,omitempty"`
}

// modelsFile is models.json.
type modelsFile struct {
	Models []modelEntry `json:"models"`
	// SafeWidth is a verify's safe width (null when none, absent from a
	// run), and SafeModel its folder.
	SafeWidth *int   `json:"safe_width,omitempty"`
	SafeModel string `json:"safe_model,omitempty"`
	// Interrupted: the run was interrupted; some models are partial.
	Interrupted bool `json:"interrupted"`
}

// modelSaver writes the networks of one run (or verify) as model folders
// into dir (a staging folder, committed by the caller).
type modelSaver struct {
	dir     string
	sources []model.Source
	index   modelsFile
	saved   map[string]bool
}

// newModelSaver returns the saver of a run writing into dir, whose
// instance was read from files (none for a drawn instance): their SHA-256
// is computed once, here.
func newModelSaver(dir string, files []string) (*modelSaver, error) {
	s := &modelSaver{dir: dir, saved: map[string]bool{}}
	for _, f := range files {
		src, err := model.SourceOf(f)
		if err != nil {
			return nil, config.Input(fmt.Errorf("--save-model: the checksum of %s: %w", f, err))
		}
		s.sources = append(s.sources, src)
	}
	return s, nil
}

// modelFolder names the folder of the network name: "original",
// "compressed", "compressed-r8" for "compressed r_hat=8".
func modelFolder(name string) string {
	return strings.NewReplacer(" r_hat=", "-r", " ", "-", "/", "-").Replace(name)
}

// save writes the network t as the model folder modelFolder(t.Name) of the
// saver's dir, or records why it is not saved (diverged: weights not
// finite).
func (s *modelSaver) save(t experiment.TrainedNetwork) error {
	res := t.Result
	e := modelEntry{Network: t.Name, Method: t.Method, Width: t.Width, Status: res.Status, Message: res.Message, Errors: modelErrors(res, t.Instance)}
	if res.Status == results.Diverged {
		e.Why = "diverged: its weights are not finite"
		s.index.Models = append(s.index.Models, e)
		return nil
	}
	cfg, err := json.Marshal(t.Config)
	if err != nil {
		return fmt.Errorf("--save-model: encoding the configuration: %w", err)
	}
	m := &model.Model{Method: t.Method, Width: t.Width, Config: cfg, ConfigHash: config.Hash(t.Config),
		Training: model.Training{Status: string(res.Status), Message: res.Message, Stopping: t.Stopping,
			Steps: &res.Steps, SelectedStep: res.SelectedStep},
		Errors: e.Errors, Sources: s.sources, Centering: centeringOf(t.Instance)}
	for l := 0; l < t.Net.Layers(); l++ {
		m.Layers = append(m.Layers, mat.DenseCopyOf(t.Net.Layer(l)))
	}
	folder := modelFolder(t.Name)
	path := filepath.Join(s.dir, folder)
	if err := os.Mkdir(path, 0o755); err != nil {
		return fmt.Errorf("--save-model: %w", err)
	}
	if err := model.WriteFiles(path, m); err != nil {
		return fmt.Errorf("--save-model: %s: %w", folder, err)
	}
	e.Folder = folder
	s.saved[t.Name] = true
	s.index.Models = append(s.index.Models, e)
	return nil
}

// modelErrors are the errors of the weights saved: those of the
// checkpoint early stopping kept (res.SelectedError: the trainer set the
// layers back to it), else of the last step (the trainer records a
// checkpoint there): the recovery error, or on a target known only on some
// entries the error on the held-out ones, and its RMSE in the data's units
// where the workload can say (workloads.RMSE).
func modelErrors(res results.MethodResult, in *instance.Instance) model.Errors {
	var e model.Errors
	err := res.FinalError
	if res.SelectedError != nil {
		err = res.SelectedError
	}
	if err == nil || res.Status == results.Diverged {
		return e
	}
	v := *err
	if in != nil && in.Partial() {
		e.HeldOut = &v
	} else {
		e.Recovery = &v
	}
	if in != nil {
		if r, ok := workloads.RMSE(in.Work, v); ok {
			e.RMSE = &r
		}
	}
	return e
}

// centeringOf returns the centering the instance's data was trained with
// (the means subtracted before training: workloads.EntriesMC, a list of
// entries), which a model adds back to its predictions (model.Centering),
// so that they are in the data's units; none for every other workload.
// The kinds have the same names in both packages.
func centeringOf(in *instance.Instance) model.Centering {
	if in == nil {
		return model.Centering{}
	}
	w, ok := in.Work.(interface{ Centering() workloads.Centering })
	if !ok {
		return model.Centering{}
	}
	c := w.Centering()
	if c.Kind == "" || c.Kind == workloads.CenterNone {
		return model.Centering{}
	}
	return model.Centering{Kind: model.CenteringKind(c.Kind), Means: append([]float64(nil), c.Means...)}
}

// trainedNet names a network of the run and its result, for the networks
// finish lists.
type trainedNet struct {
	name string
	res  results.MethodResult
}

// finish lists in models.json the networks of nets that were never given
// to save (the interruption kept them from starting, or the preflight
// refused them: a verify's original where a baseline took its place), each
// with its status and message, as not saved; records a verify's safe width
// (nil: none, or not a verify) and whether the run was interrupted; then
// writes models.json.
func (s *modelSaver) finish(nets []trainedNet, safe *int, verify, interrupted bool) error {
	for _, n := range nets {
		found := false
		for _, e := range s.index.Models {
			found = found || e.Network == n.name
		}
		if !found {
			s.index.Models = append(s.index.Models, modelEntry{Network: n.name, Method: n.res.Method, Status: n.res.Status, Message: n.res.Message, Why: "not trained"})
		}
	}
	if verify && safe != nil {
		s.index.SafeWidth = safe
		if name := experiment.WidthLabel(*safe); s.saved[name] {
			s.index.SafeModel = modelFolder(name)
		}
	}
	s.index.Interrupted = interrupted
	b, err := json.MarshalIndent(s.index, "", "  ")
	if err != nil {
		return fmt.Errorf("--save-model: encoding %s: %w", modelsIndex, err)
	}
	return results.WriteFileAtomic(filepath.Join(s.dir, modelsIndex), append(b, '\n'))
}

// sourceFiles lists the files an instance was read from, for the models'
// manifests: the --target and --mask files, or the instance files of a
// --load-instance folder (target.npy and its workload's); none for a drawn
// instance.
func sourceFiles(target, mask, loadDir, workload string) []string {
	var files []string
	switch {
	case target != "":
		files = append(files, target)
		if mask != "" {
			files = append(files, mask)
		}
	case loadDir != "":
		files = append(files, filepath.Join(loadDir, instance.TargetFile))
		if spec, ok := workloads.Lookup(workload); ok {
			for _, f := range spec.Files {
				p := filepath.Join(loadDir, f)
				if _, err := os.Stat(p); err == nil {
					files = append(files, p)
				}
			}
		}
	}
	return files
}

// checkSaveModel refuses a --save-model folder that is one of the other
// output folders, or inside one, or holds one (each is replaced as a
// whole).
func checkSaveModel(dir string, others map[string]string) error {
	if dir == "" {
		return nil
	}
	for flag, o := range others {
		if o != "" && outdir.Within(dir, o) {
			return config.Bad("save-model", dir, "is --%s %s, or inside it, or holds it: each is replaced as a whole when written; give separate folders", flag, o)
		}
	}
	return nil
}
