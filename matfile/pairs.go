package matfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// This file holds position lists: the (row, col) pairs whose values a
// caller asks for (lowdim predict), read with the conventions of the entry
// lists of entries.go (byte order mark, comments, delimiter, header, index
// base), but with two fields a line, duplicates allowed and order kept.

// Pairs is a list of matrix positions, in the order of the file: pair t is
// (Row[t], Col[t]), 0-based whatever the file used, read from line Line[t]
// of the file. A position may be listed more than once.
type Pairs struct {
	Row, Col []int
	// Line is each pair's 1-based line in the file, for errors found by a
	// caller.
	Line []int
	// Source is the file the list was read from.
	Source string
	// OneBased reports that the file's indices were 1-based; BaseDetected
	// that the base was detected rather than declared.
	OneBased, BaseDetected bool
	// Header reports that the file's first data line was a header
	// (skipped).
	Header bool
	// Delim is the field delimiter used: ',', '\t', ';' or ' ' (runs of
	// spaces and tabs).
	Delim byte
}

// Len returns the number of pairs.
func (p *Pairs) Len() int { return len(p.Row) }

// PairsOptions says how to read a position list. The zero value detects
// the delimiter, the header and the index base, and bounds nothing.
type PairsOptions struct {
	// Delim is the field delimiter: ',', '\t', ';' or ' ' (runs of spaces
	// and tabs); 0 detects it as EntriesOptions.Delim does.
	Delim byte
	// Index is the numbering of the indices (see Index); the zero value
	// detects it.
	Index Index
	// M and N, when positive, are the matrix's size: an index beyond it is
	// an error naming the line and the field.
	M, N int
}

// ReadPairs reads the position list in the text file at path: one
// position per line, "row<delim>col", and any further fields ignored (so
// an entry list "row,col,value" reads as its positions), every data line
// with as many fields as the first. Blank lines, lines starting with '#',
// a UTF-8 byte order mark and a header (a first data line none of whose
// fields is a number, such as "user,item") are skipped, as by
// [ReadEntries]; a UTF-16 file is an error. Indices are non-negative
// integers, numbered as opts.Index says.
//
// A malformed file is an *Error naming path, the line and the field
// (1-based): fewer than two fields, a ragged line, a non-integer or
// negative index, an index 0 in a file declared 1-based, an index beyond
// opts.M or opts.N, or no positions. Memory is three ints per position.
func ReadPairs(path string, opts PairsOptions) (*Pairs, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadPairsFrom(f, path, opts)
}

// ReadPairsFrom reads a position list from r as [ReadPairs] does; path
// names it in errors and in Pairs.Source.
func ReadPairsFrom(r io.Reader, path string, opts PairsOptions) (*Pairs, error) {
	switch opts.Delim {
	case 0, ',', '\t', ';', ' ':
	default:
		return nil, &Error{Path: path, Msg: fmt.Sprintf("delimiter %q: want ',', tab, ';' or ' ' (or 0 to detect)", opts.Delim)}
	}
	switch opts.Index {
	case IndexDetect, IndexZero, IndexOne:
	default:
		return nil, &Error{Path: path, Msg: fmt.Sprintf("index base %d: want IndexDetect, IndexZero or IndexOne", opts.Index)}
	}
	if opts.M < 0 || opts.N < 0 {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("declared size %d x %d: want each >= 0 (0 bounds nothing)", opts.M, opts.N)}
	}
	p := &Pairs{Source: path, Delim: opts.Delim}
	errorf := func(line, col int, format string, args ...any) *Error {
		return &Error{Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	br := bufio.NewReader(r)
	if b, err := br.Peek(2); err == nil && (string(b) == "\xff\xfe" || string(b) == "\xfe\xff") {
		return nil, errorf(1, 0, "UTF-16 text (byte order mark % x); save the file as UTF-8", b)
	}
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(nil, maxEntryLine)
	var fields [][]byte
	n, nfields, zero := 0, 0, false
	first := true
	for sc.Scan() {
		n++
		s := bytes.TrimSpace(sc.Bytes())
		if len(s) == 0 || s[0] == '#' {
			continue
		}
		if p.Delim == 0 {
			p.Delim = detectDelim(s)
		}
		fields = splitFields(fields[:0], s, p.Delim)
		if first {
			first = false
			if isHeader(fields) {
				p.Header = true
				continue
			}
		}
		if nfields == 0 {
			nfields = len(fields)
		}
		switch {
		case len(fields) < 2:
			return nil, errorf(n, 0, "line has %d field, want 2 (row, col)", len(fields))
		case len(fields) != nfields:
			return nil, errorf(n, 0, "line has %d fields, want %d like the first data line", len(fields), nfields)
		}
		var ij [2]int
		for k, what := range []string{"row", "column"} {
			b := fields[k]
			i, err := strconv.Atoi(string(b))
			switch {
			case err != nil && errors.Is(err, strconv.ErrRange), err == nil && i > maxIndex:
				return nil, errorf(n, k+1, "%s index %q is out of range (indices up to %d)", what, b, maxIndex)
			case err != nil:
				return nil, errorf(n, k+1, "%s index %q is not an integer", what, b)
			case i < 0:
				return nil, errorf(n, k+1, "%s index %d is negative", what, i)
			case i == 0 && opts.Index == IndexOne:
				return nil, errorf(n, k+1, "%s index 0 in a file declared 1-based", what)
			}
			ij[k] = i
		}
		if len(p.Row) >= MaxEntries {
			return nil, errorf(n, 0, "more than %d positions", MaxEntries)
		}
		p.Row = append(p.Row, ij[0])
		p.Col = append(p.Col, ij[1])
		p.Line = append(p.Line, min(n, math.MaxInt32))
		zero = zero || ij[0] == 0 || ij[1] == 0
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errorf(n+1, 0, "line longer than %d bytes", maxEntryLine)
		}
		return nil, &Error{Path: path, Msg: "reading", Err: err}
	}
	if len(p.Row) == 0 {
		msg := "no positions: the file is empty or holds only comments and blank lines"
		if p.Header {
			msg = "no positions: the file holds only a header line"
		}
		return nil, &Error{Path: path, Msg: msg}
	}
	base := 0
	switch opts.Index {
	case IndexOne:
		base = 1
	case IndexDetect:
		p.BaseDetected = true
		if !zero {
			base = 1
		}
	}
	p.OneBased = base == 1
	for t := range p.Row {
		p.Row[t] -= base
		p.Col[t] -= base
		for k, c := range []struct {
			what   string
			i, max int
		}{{"row", p.Row[t], opts.M}, {"column", p.Col[t], opts.N}} {
			if c.max > 0 && c.i >= c.max {
				return nil, errorf(p.Line[t], k+1, "%s index %d is beyond the matrix's %d %ss (indices %d-based: %d to %d)",
					c.what, c.i+base, c.max, c.what, base, base, c.max-1+base)
			}
		}
	}
	return p, nil
}
