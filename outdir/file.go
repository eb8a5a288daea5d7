package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckFile checks path as a single output file of lowdim (bench's,
// calibrate's, predict's --out), which is replaced or truncated as a
// whole. It returns path made absolute with the symbolic links of its
// existing part resolved (lock and write that path: a link then leads to
// the same lock as its target). It refuses, with an error that describes
// path without naming it:
//
//   - a path that exists and is not a regular file, itself or through a
//     symbolic link (a device such as /dev/full or /dev/null, a FIFO, a
//     socket, a folder): lowdim would replace it with a regular file;
//   - a path inside an output folder of lowdim (its Marker) or inside a
//     folder a live lowdim holds: that folder is replaced as a whole.
func CheckFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("the output file must not be empty")
	}
	abs, err := resolve(path)
	if err != nil {
		return "", err
	}
	switch st, err := os.Stat(abs); {
	case err == nil && st.IsDir():
		return "", errors.New("is a folder, not a file")
	case err == nil && !st.Mode().IsRegular():
		return "", fmt.Errorf("exists and is %s, not a regular file: lowdim writes its output as a new regular file that replaces the old one, which would replace %s; give the path of a regular file", kind(st.Mode()), abs)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(abs); lerr == nil {
			return "", err
		}
	}
	if err := checkParents(abs); err != nil {
		return "", err
	}
	return abs, nil
}

// Resolve returns path made absolute with the symbolic links of its
// existing part resolved.
func Resolve(path string) (string, error) { return resolve(path) }

// Inside reports whether the path p is the folder dir or below it, both
// resolved as Resolve does.
func Inside(p, dir string) bool {
	rp, err1 := resolve(p)
	rd, err2 := resolve(dir)
	return err1 == nil && err2 == nil && inside(rp, filepath.Clean(rd))
}
