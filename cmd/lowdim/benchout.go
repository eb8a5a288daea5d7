package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/outdir"
)

// benchOut is where lowdim bench writes its records: stdout, or the --out
// file, locked (outdir.Acquire) and written as the suite goes, one whole
// record per write, as go test does, so that an interrupted bench keeps
// every result that finished. The file is replaced when the suite starts,
// not at its end: it is not a set to swap in but a stream, whose every line
// is complete.
type benchOut struct {
	sig     *interrupt.Handler
	w       io.Writer
	f       *os.File     // the --out file, or nil
	lock    *outdir.Lock // its lock
	remove  func()       // unregisters the abort cleanup
	records int          // result lines written
}

// benchRecord starts a result line; a record of benchfmt's Writer may
// begin with configuration lines.
var benchRecord = []byte("Benchmark")

// openBenchOut checks, locks and creates the --out file path (stdout when
// path is ""), before the first case runs. Its errors are input errors
// naming --out. Notes (a stale lock taken over) go to stderr.
func openBenchOut(sig *interrupt.Handler, stdout, stderr io.Writer, path string) (*benchOut, error) {
	b := &benchOut{sig: sig, w: stdout}
	if path == "" {
		return b, nil
	}
	if err := checkOutFile(path, false); err != nil {
		return nil, err
	}
	// Locked and written by its real path: a symbolic link to the file
	// takes the same lock as the file.
	real, err := outdir.Resolve(path)
	if err != nil {
		return nil, badOut(path, "%v", err)
	}
	lock, err := outdir.Acquire(real)
	if err != nil {
		return nil, badOut(path, "%v", err)
	}
	if lock.Note != "" {
		fmt.Fprintf(stderr, "lowdim bench: --out %s: %s\n", path, lock.Note)
	}
	f, err := os.OpenFile(real, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		lock.Release()
		return nil, badOut(path, "%v", err)
	}
	b.w, b.f, b.lock = f, f, lock
	// An abort keeps the records written: they are synced, the lock
	// released.
	b.remove = sig.OnAbort(func() {
		f.Sync()
		lock.Release()
	})
	return b, nil
}

// Write writes one record and fires the test hook's "bench-record/<k>"
// after the k-th result line.
func (b *benchOut) Write(p []byte) (int, error) {
	n, err := b.w.Write(p)
	if err == nil && (bytes.HasPrefix(p, benchRecord) || bytes.Contains(p, append([]byte("\n"), benchRecord...))) {
		b.records++
		b.sig.Phase("bench-record/" + strconv.Itoa(b.records))
	}
	return n, err
}

// close ends the output: after an interruption a comment line saying so
// (benchfmt readers, benchstat and lowdim compare skip it), then the file
// is synced and closed and the lock released.
func (b *benchOut) close(interrupted bool) error {
	var err error
	if interrupted {
		_, err = fmt.Fprintf(b.w, "# lowdim bench: interrupted by %s after %d results; every line above is complete\n",
			interrupt.Name(b.sig.Signal()), b.records)
	}
	if b.f == nil {
		return err
	}
	if serr := b.f.Sync(); err == nil {
		err = serr
	}
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	if rerr := b.lock.Release(); err == nil {
		err = rerr
	}
	b.remove()
	b.f = nil
	return err
}
