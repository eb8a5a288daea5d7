package compare

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A Source is one benchmark file: its name, used in messages, and its
// content. When R is nil, Compare opens the file Name and closes it when done.
type Source struct {
	Name string
	R    io.Reader
}

// SyntaxErrors lists the malformed lines of the inputs, in file and line
// order, each as benchfmt reports it ("file:line: message").
type SyntaxErrors []*benchfmt.SyntaxError

// maxListed bounds how many syntax errors Error spells out; a binary file
// fed by mistake would otherwise print thousands.
const maxListed = 20

func (e SyntaxErrors) Error() string {
	var b strings.Builder
	for i, se := range e {
		if i == maxListed {
			fmt.Fprintf(&b, "\n... and %d more syntax errors", len(e)-maxListed)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(se.Error())
	}
	return b.String()
}

var _ error = SyntaxErrors(nil)

// seriesKey is one benchmark, GOMAXPROCS and unit of a file.
type seriesKey struct {
	name, procs, unit string
}

// file is what Compare keeps of one input: the values of each series, and
// the order in which series, names and units first appeared.
type file struct {
	name    string
	values  map[seriesKey][]float64
	order   []seriesKey
	procs   map[string]map[string]bool // name -> GOMAXPROCS suffixes seen
	results int
}

// read reads src with rd (Reset to it, so unit metadata carries over from the
// files read before) and appends its syntax errors to *errs. It returns an
// error only for I/O errors.
func read(rd *benchfmt.Reader, src Source, errs *SyntaxErrors) (*file, error) {
	r := src.R
	if r == nil {
		f, err := os.Open(src.Name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	rd.Reset(r, src.Name)
	fl := &file{
		name:   src.Name,
		values: map[seriesKey][]float64{},
		procs:  map[string]map[string]bool{},
	}
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			*errs = append(*errs, rec)
		case *benchfmt.Result:
			fl.add(rec, errs)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err // benchfmt prefixes it with file:line
	}
	return fl, nil
}

// add records the values of one result line.
func (fl *file) add(res *benchfmt.Result, errs *SyntaxErrors) {
	name, procs := splitName(res.Name)
	for _, v := range res.Values {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			fname, line := res.Pos()
			val, unit := v.Value, v.Unit
			if v.OrigUnit != "" {
				val, unit = v.OrigValue, v.OrigUnit
			}
			*errs = append(*errs, &benchfmt.SyntaxError{FileName: fname, Line: line,
				Msg: fmt.Sprintf("non-finite measurement %v %s", val, unit)})
			return
		}
	}
	fl.results++
	if fl.procs[name] == nil {
		fl.procs[name] = map[string]bool{}
	}
	fl.procs[name][procs] = true
	for _, v := range res.Values {
		k := seriesKey{name, procs, v.Unit}
		if _, ok := fl.values[k]; !ok {
			fl.order = append(fl.order, k)
		}
		fl.values[k] = append(fl.values[k], v.Value)
	}
}

// splitName returns the full name of a benchmark without its -GOMAXPROCS
// suffix, and the suffix ("-8", or "" when absent).
func splitName(n benchfmt.Name) (name, procs string) {
	base, parts := n.Parts()
	if len(parts) > 0 && bytes.HasPrefix(parts[len(parts)-1], []byte("-")) {
		procs = string(parts[len(parts)-1])
		parts = parts[:len(parts)-1]
	}
	return string(base) + string(bytes.Join(parts, nil)), procs
}

// readBoth reads old then new with one Reader, so that Unit lines of either
// apply to both and conflicting ones are syntax errors.
func readBoth(old, new Source) (o, n *file, units benchfmt.UnitMetadataMap, err error) {
	rd := benchfmt.NewReader(bytes.NewReader(nil), "")
	var errs SyntaxErrors
	if o, err = read(rd, old, &errs); err != nil {
		return nil, nil, nil, err
	}
	if n, err = read(rd, new, &errs); err != nil {
		return nil, nil, nil, err
	}
	if len(errs) > 0 {
		return nil, nil, nil, errs
	}
	var empty []error
	for _, f := range []*file{o, n} {
		if f.results == 0 {
			empty = append(empty, fmt.Errorf("%s: no benchmark results", f.name))
		}
	}
	if err := errors.Join(empty...); err != nil {
		return nil, nil, nil, err
	}
	return o, n, rd.Units(), nil
}
