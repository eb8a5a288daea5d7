package model

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/npy"
)

// Save writes m to the folder dir as a set: the layers as layer-01.npy ...
// (W_1 first), the centering's means as means.npy when there are any, and
// manifest.json (see the package documentation), each file synced. It
// writes them into a staging folder beside dir and renames that into place,
// so on error nothing of the new model is left (the staging folder is
// removed) and dir is as it was.
//
// dir may be absent (its parent must exist), an empty folder, or a model
// folder (one holding manifest.json), which the new model replaces; any
// other existing file or folder is refused. m is validated first
// (Model.Validate) and is not modified; an empty LowdimVersion is written as
// machine.Read().Version. Errors start with dir. When only the final sync
// of dir's parent fails, the model is already in place.
func Save(dir string, m *Model) error {
	fail := func(err error) error { return fmt.Errorf("saving model %s: %w", dir, err) }
	if err := m.Validate(); err != nil {
		return fail(err)
	}
	replace, err := checkTarget(dir)
	if err != nil {
		return fail(err)
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	staging, err := os.MkdirTemp(parent, "."+base+".staging-*")
	if err != nil {
		return fail(fmt.Errorf("creating the staging folder: %w", err))
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(staging)
		}
	}()
	if err := os.Chmod(staging, 0o755); err != nil {
		return fail(err)
	}
	if err := writeFolder(staging, m); err != nil {
		return fail(err)
	}
	if err := syncDir(staging); err != nil {
		return fail(fmt.Errorf("syncing %s: %w", staging, err))
	}
	if err := publish(staging, dir, parent, base, replace); err != nil {
		return fail(err)
	}
	done = true
	if err := syncDir(parent); err != nil {
		return fail(fmt.Errorf("syncing %s: %w", parent, err))
	}
	return nil
}

// checkTarget returns whether dir is a model folder that Save replaces, or
// an error if dir exists and is neither that nor an empty folder.
func checkTarget(dir string) (replace bool, err error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !st.IsDir():
		return false, fmt.Errorf("%s exists and is not a folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	if len(entries) == 0 {
		return false, nil
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		return false, fmt.Errorf("%s exists, is not empty and holds no %s: not a model folder, not replaced", dir, ManifestFile)
	}
	return true, nil
}

// publish renames the staging folder to dir. An existing model folder is
// first renamed aside (into a fresh folder beside it), then removed once the
// new one is in place, or renamed back if that fails.
func publish(staging, dir, parent, base string, replace bool) error {
	if !replace {
		// rename(2) replaces an empty folder.
		if err := os.Rename(staging, dir); err != nil {
			return fmt.Errorf("renaming the staging folder into place: %w", err)
		}
		return nil
	}
	aside, err := os.MkdirTemp(parent, "."+base+".old-*")
	if err != nil {
		return fmt.Errorf("moving the old model aside: %w", err)
	}
	old := filepath.Join(aside, base)
	if err := os.Rename(dir, old); err != nil {
		os.Remove(aside)
		return fmt.Errorf("moving the old model aside: %w", err)
	}
	if err := os.Rename(staging, dir); err != nil {
		if rerr := os.Rename(old, dir); rerr != nil {
			return fmt.Errorf("renaming the staging folder into place: %w; and restoring the old model from %s: %v", err, old, rerr)
		}
		os.Remove(aside)
		return fmt.Errorf("renaming the staging folder into place: %w", err)
	}
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("removing the old model (the new one is in place): %w", err)
	}
	return nil
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
// write, syncs and closes it, then calls afterWrite. The staging folder is
// what makes the set atomic, so the file is written in place.
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
	if err == nil {
		err = f.Sync()
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

// syncDir fsyncs the folder dir, so that the files and renames in it are on
// disk; EINVAL and ENOTSUP, which some file systems return for folders,
// count as success. Tests replace it.
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
