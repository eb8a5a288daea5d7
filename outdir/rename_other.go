//go:build !linux

package outdir

import (
	"os"

	"golang.org/x/sys/unix"
)

// exchange is not available outside Linux: Commit falls back to two
// renames.
func exchange(a, b string) error { return unix.ENOSYS }

// renameNoReplace renames the file a to b unless b exists: a hard link
// (which refuses an existing b), then the removal of a.
func renameNoReplace(a, b string) error {
	if err := os.Link(a, b); err != nil {
		return err
	}
	return os.Remove(a)
}
