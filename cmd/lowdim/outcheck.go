package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/outdir"
)

// The output checks run before any work, so that a bad --out costs
// nothing: a run used to train for its whole budget, then fail to create
// its folder. Each failure is an input error (exit 2) reading
// "invalid --out VALUE: reason". The folders of run and verify are checked
// by outdir.Open (output.go); the files of bench and calibrate here.

// outValue is how --out's value appears in a message: the empty string
// quoted, so that it shows.
func outValue(v string) string {
	if v == "" {
		return `""`
	}
	return v
}

// badOut is the input error for --out.
func badOut(v string, format string, a ...any) error {
	return config.Bad("out", outValue(v), format, a...)
}

// checkOutFile makes sure path can be written as one file: it is a
// regular file or does not exist (never a device, FIFO, socket or folder,
// itself or through a symbolic link), it is not inside an output folder of
// lowdim or a folder a live run holds (outdir.CheckFile), and its folder
// exists (created first when mkdir) and a probe file can be created in it
// and removed. The empty path means stdout and passes.
func checkOutFile(path string, mkdir bool) error {
	if path == "" {
		return nil
	}
	if _, err := outdir.CheckFile(path); err != nil {
		return badOut(path, "%v", err)
	}
	dir := filepath.Dir(path)
	if mkdir {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return badOut(path, "cannot create its folder: %v", err)
		}
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return badOut(path, "its folder %s does not exist", dir)
	case err != nil:
		return badOut(path, "%v", err)
	case !st.IsDir():
		return badOut(path, "%s is not a folder", dir)
	}
	return probe(path, dir)
}

// probe creates a file in dir and removes it.
func probe(flagValue, dir string) error {
	f, err := os.CreateTemp(dir, ".lowdim-probe-*")
	if err != nil {
		return badOut(flagValue, "cannot write in %s: %v", dir, err)
	}
	name := f.Name()
	cerr := f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("--out: removing the probe file: %w", err)
	}
	if cerr != nil {
		return badOut(flagValue, "cannot write in %s: %v", dir, cerr)
	}
	return nil
}
