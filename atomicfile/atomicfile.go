// Package atomicfile writes files so that a reader, or the disk after a
// crash, sees either the old content of a file or all of the new one, never a
// part. It is the one atomic writer of lowdim: results, npy and matfile all
// write through it.
//
// A write goes to a temporary file in the destination's own folder (so the
// rename cannot cross file systems), named "." + base name + a random number.
// The temporary file is given Mode, synced to disk, closed and renamed over
// the destination with github.com/google/renameio/v2; then the folder itself
// is synced, so that the rename survives a crash too (renameio does not do
// that). On any error before the rename the temporary file is removed and the
// destination is left as it was. The folder must exist.
//
// Rename is atomic on local POSIX file systems; it is not on NFS with several
// clients (see renameio's documentation). renameio does not build on Windows,
// so neither does this package.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/google/renameio/v2"
)

// Mode is the permission bits of every file written, whatever the umask and
// whatever the mode of the file replaced.
const Mode fs.FileMode = 0o644

// Write creates or replaces the file at path with the bytes write writes to
// w, atomically (see the package documentation). w is the temporary file,
// unbuffered: a writer that makes many small writes should buffer them and
// flush before returning.
//
// Every error is an *fs.PathError with Op "writing" and Path path, wrapping
// what failed: an error returned by write (so that write need not name path),
// or the failure to create, sync, close or rename the temporary file, or to
// sync the folder. For example
//
//	writing out/run.json: creating temporary file: open out/.run.json123: no such file or directory
//
// When only the folder sync fails, the file at path has already been
// replaced. A folder whose file system does not support syncing a directory
// (EINVAL or ENOTSUP from fsync) counts as synced.
//
// If write panics, the temporary file is removed and the panic goes on.
func Write(path string, write func(w io.Writer) error) (err error) {
	wrap := func(step string, err error) error {
		if step != "" {
			err = fmt.Errorf("%s: %w", step, err)
		}
		return &fs.PathError{Op: "writing", Path: path, Err: err}
	}
	dir := filepath.Dir(path)
	t, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithPermissions(Mode))
	if err != nil {
		return wrap("creating temporary file", err)
	}
	defer t.Cleanup() // a no-op once CloseAtomicallyReplace has succeeded
	// Chmod here rather than through renameio.WithStaticPermissions:
	// renameio leaves its temporary file behind when that chmod fails.
	if err := t.Chmod(Mode); err != nil {
		return wrap("", err)
	}
	if err := write(t); err != nil {
		return wrap("", err)
	}
	// Syncs, closes and renames the temporary file.
	if err := t.CloseAtomicallyReplace(); err != nil {
		return wrap("", err)
	}
	if err := syncDir(dir); err != nil {
		return wrap("syncing folder", err)
	}
	return nil
}

// WriteFile creates or replaces the file at path with data, atomically, as
// Write does.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// syncDir is syncDirectory; tests replace it to see that it is called and to
// make it fail.
var syncDir = syncDirectory

// syncDirectory fsyncs the folder dir, so that a rename into it is on disk.
// EINVAL and ENOTSUP from fsync, which some file systems return for
// directories, count as success.
func syncDirectory(dir string) error {
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
