//go:build ignore

// classify-csv writes the generated classification data set of the
// README's verify --task classify examples (and of its tests) to stdout:
// classify.WriteSyntheticCSV with 3000 rows of 6 features, class 3 (15% of
// the rows) overlapping class 2, seed 1.
//
//	go run scripts/classify-csv.go > d.csv
package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/lowdim/lowdim/classify"
)

func main() {
	w := bufio.NewWriter(os.Stdout)
	if err := classify.WriteSyntheticCSV(w, 3000, 6, 0.15, 1); err != nil {
		fmt.Fprintln(os.Stderr, "classify-csv:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "classify-csv:", err)
		os.Exit(1)
	}
}
