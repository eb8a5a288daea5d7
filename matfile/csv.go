package matfile

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// readCSV reads a CSV matrix from r; path names it in errors.
func readCSV(r io.Reader, path string) (*Matrix, error) {
	br, err := textReader(r, path)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // checked below, with a better message
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	var data []float64
	rows, cols, firstLine := 0, 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &Error{Path: path, Line: pe.Line, Msg: fmt.Sprintf("malformed CSV at byte %d of the line", pe.Column), Err: pe.Err}
			}
			return nil, &Error{Path: path, Msg: "reading", Err: err}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces: blank
		}
		if rows == 0 {
			cols, firstLine = len(rec), line
			if cols > MaxEntries {
				return nil, &Error{Path: path, Line: line, Msg: fmt.Sprintf("row has %d cells, more than the limit of %d entries", cols, MaxEntries)}
			}
		} else if len(rec) != cols {
			return nil, &Error{Path: path, Line: line, Msg: fmt.Sprintf("row has %d cells, want %d like line %d", len(rec), cols, firstLine)}
		}
		if (rows+1)*cols > MaxEntries {
			return nil, &Error{Path: path, Line: line, Msg: fmt.Sprintf("matrix exceeds the limit of %d entries (row %d of %d cells)", MaxEntries, rows+1, cols)}
		}
		for j, cell := range rec {
			v, msg := parseFinite("cell", strings.TrimSpace(cell))
			if msg != "" {
				l, _ := cr.FieldPos(j) // a quoted cell may start on a later line
				return nil, &Error{Path: path, Line: l, Col: j + 1, Msg: msg}
			}
			data = append(data, v)
		}
		rows++
	}
	if rows == 0 {
		return nil, &Error{Path: path, Msg: "no data: the file is empty or holds only comments and blank lines"}
	}
	return &Matrix{Dense: mat.NewDense(rows, cols, data)}, nil
}

// writeCSV writes m to w, one row per line. Errors are left in w.
func writeCSV(w *bufio.Writer, m *mat.Dense) {
	r, c := m.Dims()
	var buf []byte
	for i := range r {
		buf = buf[:0]
		for j := range c {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = appendFloat(buf, m.At(i, j))
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
}
