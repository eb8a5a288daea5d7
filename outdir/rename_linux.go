//go:build linux

package outdir

import "golang.org/x/sys/unix"

// exchange swaps the paths a and b in one step (renameat2
// RENAME_EXCHANGE); file systems that cannot return EINVAL.
func exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}

// renameNoReplace renames a to b unless b exists (renameat2
// RENAME_NOREPLACE).
func renameNoReplace(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE)
}
