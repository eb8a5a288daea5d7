package instance

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// derive records in in a value of c that the file source fixed: its shape
// (d for a square target, rows and cols otherwise).
func (in *Instance) deriveShape(rows, cols int, source string) {
	if rows == cols {
		in.Derive("d", rows, fmt.Sprintf("the %d x %d target %s", rows, cols, source))
		return
	}
	in.Derive("rows", rows, fmt.Sprintf("the %d x %d target %s", rows, cols, source))
	in.Derive("cols", cols, fmt.Sprintf("the %d x %d target %s", rows, cols, source))
}

// Derive records that the configuration's key got value from the
// instance's files, from saying how (results.Derived); a key recorded
// before is replaced.
func (in *Instance) Derive(key string, value any, from string) {
	for i := range in.Derived {
		if in.Derived[i].Key == key {
			in.Derived[i] = results.Derived{Key: key, Value: value, From: from}
			return
		}
	}
	in.Derived = append(in.Derived, results.Derived{Key: key, Value: value, From: from})
}

// fileRank returns the numerical rank of a user's fully known target read
// from source at the precision of its dtype (workloads.MatrixRank), and how
// it was found; a target of full numerical rank is an error naming source
// and asking for --r.
func fileRank(target *mat.Dense, prec workloads.Precision, source string) (int, string, error) {
	info, err := workloads.MatrixRank(target, prec)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", source, err)
	}
	rows, cols := target.Dims()
	if info.Rank >= min(rows, cols) {
		what, full := "the target", "d"
		if rows != cols {
			what, full = fmt.Sprintf("the %d x %d target", rows, cols), "min(m, n)"
		}
		hint := ""
		if list, err := matfile.IsEntryList(source); err == nil && list && cols == 3 && rows > cols {
			// A headerless row,col,value file read as a matrix.
			hint = " (" + entryListHint + ")"
		}
		return 0, "", fmt.Errorf("%s: %s has full numerical rank %d (= %s; its singular values are all above %.3g of the largest, the tolerance of %s data): it is not low-rank; give --r < %d to fit a low-rank approximation%s",
			source, what, info.Rank, full, info.RelTol, prec.Name, min(rows, cols), hint)
	}
	return info.Rank, fmt.Sprintf("the numerical rank of %s (singular values above %.3g of the largest, the tolerance of %s data)", source, info.RelTol, prec.Name), nil
}

// deriveParams records the workload's parameters that the files fixed
// (config.Param.FromFiles: p of mc from the mask, m of ms from A.npy),
// those the user did not give (given: their values before loading), as
// coming from from ("the instance files in DIR", a target's file).
func (in *Instance) deriveParams(c config.Config, given config.Params, from string) {
	w, ok := config.LookupWorkload(c.Workload)
	if !ok {
		return
	}
	for _, p := range w.Params {
		if !p.FromFiles || given[p.Key] != nil {
			continue
		}
		if v, ok := c.Params[p.Key]; ok {
			in.Derive(p.Key, v, from)
		}
	}
}

// entryListHint says what a file that matfile.IsEntryList recognizes is,
// when it was read as a matrix.
const entryListHint = "the file looks like a row,col,value list of entries, a completion problem: give --workload mc without --mask to read it as one"
