package results

import (
	"fmt"
	"os"
)

// Reader reads runs from a list of run.json files, one record per file,
// for tools that gather many runs (the shards of a sweep, runs on several
// machines). A file that cannot be decoded (another schema, an unknown
// field, not JSON) becomes a *RunError record and reading goes on; only an
// I/O error (a file that cannot be read) stops it:
//
//	r := results.NewReader(paths)
//	for r.Scan() {
//		switch rec := r.Result().(type) {
//		case *results.Run:
//			// use rec
//		case *results.RunError:
//			// report rec, go on
//		}
//	}
//	if err := r.Err(); err != nil {
//		// an I/O error
//	}
type Reader struct {
	paths []string
	next  int
	rec   Record
	err   error
}

// Record is one result of a Reader: a *Run or a *RunError.
type Record interface {
	isRecord()
}

var (
	_ Record = (*Run)(nil)
	_ Record = (*RunError)(nil)
)

func (*Run) isRecord()      {}
func (*RunError) isRecord() {}

// RunError is a run.json that was read but could not be decoded (see
// DecodeRun): File names it, Err says why (a *SchemaError for another
// schema version).
type RunError struct {
	File string
	Err  error
}

func (e *RunError) Error() string { return e.Err.Error() }

// Unwrap returns e.Err.
func (e *RunError) Unwrap() error { return e.Err }

// NewReader returns a Reader of the files at paths, in order. paths is not
// modified.
func NewReader(paths []string) *Reader {
	return &Reader{paths: append([]string(nil), paths...)}
}

// Scan reads the next file and reports whether there is a record; it
// returns false at the end of the list or after an I/O error (see Err).
func (r *Reader) Scan() bool {
	if r.err != nil || r.next >= len(r.paths) {
		r.rec = nil
		return false
	}
	path := r.paths[r.next]
	r.next++
	b, err := os.ReadFile(path)
	if err != nil {
		r.rec, r.err = nil, fmt.Errorf("results: %w", err)
		return false
	}
	run, err := decodeBytes(b, path)
	if err != nil {
		r.rec = &RunError{File: path, Err: err}
	} else {
		r.rec = run
	}
	return true
}

// Result returns the record of the last successful Scan: a *Run, or a
// *RunError. It is valid until the next call to Scan.
func (r *Reader) Result() Record { return r.rec }

// Err returns the I/O error that stopped the Reader, or nil.
func (r *Reader) Err() error { return r.err }
