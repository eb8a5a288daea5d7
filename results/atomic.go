package results

import "github.com/lowdim/lowdim/atomicfile"

// WriteFileAtomic writes data to path so that path holds either its old
// content or all of data, never a part, even after a crash. It is
// atomicfile.WriteFile: a temporary file in the same folder is given mode
// 0644, synced and renamed over path, then the folder is synced. The folder
// must exist. On error no temporary file is left and, unless only the folder
// sync failed, path is unchanged. Errors are *fs.PathError values naming path,
// e.g. "writing out/run.json: creating temporary file: ...".
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data)
}
