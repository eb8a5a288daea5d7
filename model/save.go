package model

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/outdir"
)

// Save writes m to the folder dir as a set: the layers as layer-01.npy ...
// (W_1 first), the centering's means as means.npy when there are any, and
// manifest.json (see the package documentation). It is WriteFiles into a
// staging folder beside dir, committed by package outdir: dir is locked
// while it is written, everything is synced, and the staging folder
// replaces dir as one set, so on error nothing of the new model is left and
// dir is as it was.
//
// dir may be absent (its parent folders are created), an empty folder, or a
// model folder (one holding manifest.json, or outdir's marker), which the
// new model replaces; a folder of other files is refused, and so is a dir
// another lowdim process is writing (see outdir.Open). m is validated first
// (Model.Validate) and is not modified; an empty LowdimVersion is written
// as machine.Read().Version. Errors start with "saving model DIR".
func Save(dir string, m *Model) (err error) {
	fail := func(err error) error { return fmt.Errorf("saving model %s: %w", dir, err) }
	if err := m.Validate(); err != nil {
		return fail(err)
	}
	f, err := outdir.Open(dir, outdir.Options{Known: []string{ManifestFile}})
	if err != nil {
		return fail(err)
	}
	// Close removes a staging folder left uncommitted and releases the lock.
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fail(cerr)
		}
	}()
	st, err := f.Stage("")
	if err != nil {
		return fail(err)
	}
	if err := WriteFiles(st.Path(), m); err != nil {
		return fail(err)
	}
	if err := st.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// WriteFiles writes m's files (the layers, the means when there are any,
// manifest.json) into the existing folder dir, which must not hold files of
// those names, without staging or syncing: it is for a caller that writes a
// model as part of a larger set that it commits itself (an outdir.Stage,
// whose Commit syncs). Save is WriteFiles into a staging folder, committed.
// m is validated first; errors name the file.
func WriteFiles(dir string, m *Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return writeFolder(dir, m)
}

// writeFolder writes m's files into the folder dir, which exists.
func writeFolder(dir string, m *Model) error {
	rows, cols := m.Dims()
	L := len(m.Layers)
	man := &manifest{
		Format:        FormatName,
		Version:       FormatVersion,
		Kind:          KindDeepLinear,
		LowdimVersion: m.LowdimVersion,
		Method:        m.Method,
		Width:         m.Width,
		Inputs:        cols,
		Outputs:       rows,
		Parameters:    m.Parameters(),
		Layers:        make([]layerEntry, L),
		Config:        m.Config,
		ConfigHash:    m.ConfigHash,
		Training:      m.Training,
		Errors:        m.Errors,
		Sources:       m.Sources,
	}
	if man.LowdimVersion == "" {
		man.LowdimVersion = machine.Read().Version
	}
	for l, w := range m.Layers {
		r, c := w.Dims()
		data := make([]float64, 0, r*c)
		for i := range r {
			data = append(data, w.RawRowView(i)...)
		}
		e, err := writeArray(dir, layerFile(l, L), []int{r, c}, data)
		if err != nil {
			return err
		}
		man.Layers[l] = layerEntry{fileEntry: e}
	}
	man.Centering.Kind = m.Centering.kind()
	if shape, _ := meansShape(man.Centering.Kind, rows, cols); shape != nil {
		e, err := writeArray(dir, MeansFile, shape, m.Centering.Means)
		if err != nil {
			return err
		}
		man.Centering.File, man.Centering.Shape, man.Centering.SHA256 = e.File, e.Shape, e.SHA256
	}
	b, err := man.encode()
	if err != nil {
		return fmt.Errorf("encoding %s: %w", ManifestFile, err)
	}
	return writeFile(filepath.Join(dir, ManifestFile), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// writeArray writes data of shape as the .npy file name in dir and returns
// its entry, with the SHA-256 of the bytes written.
func writeArray(dir, name string, shape []int, data []float64) (fileEntry, error) {
	h := sha256.New()
	err := writeFile(filepath.Join(dir, name), func(w io.Writer) error {
		return npy.Write(io.MultiWriter(w, h), shape, data)
	})
	return fileEntry{File: name, Shape: shape, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

// writeFile creates path (mode 0644), writes it through a buffer with
// write and closes it, then calls afterWrite. The staging folder is what
// makes the set atomic, and its commit syncs it, so the file is written in
// place and not synced here.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return afterWrite(path)
}

// afterWrite is called after each file of the staging folder is written;
// tests replace it to make Save fail halfway.
var afterWrite = func(path string) error { return nil }
