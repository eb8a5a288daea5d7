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

// file is what Compare keeps of one input: its results, in file order, each
// a copy with the trailing white space of its configuration values dropped
// (go test pads the cpu line, and a CRLF file ends every value with "\r").
type file struct {
	name    string
	results []*benchfmt.Result
}

// read reads src whole, decodes it (see decode), parses it with rd (Reset
// to it, so unit metadata carries over from the files read before) and
// appends its syntax errors, non-finite values included, to *errs. It
// returns an error for an I/O error and for an *EncodingError.
func read(rd *benchfmt.Reader, src Source, errs *SyntaxErrors) (*file, error) {
	r := src.R
	if r == nil {
		f, err := os.Open(src.Name)
		if err != nil {
			return nil, err // names the file
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	return parse(rd, src.Name, data, errs)
}

// parse is read after the I/O: it decodes data, the content of the file
// name, and parses it with rd.
func parse(rd *benchfmt.Reader, name string, data []byte, errs *SyntaxErrors) (*file, error) {
	data, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	rd.Reset(bytes.NewReader(data), name)
	fl := &file{name: name}
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			*errs = append(*errs, rec)
		case *benchfmt.Result:
			if se := nonFinite(rec); se != nil {
				*errs = append(*errs, se)
				continue
			}
			res := rec.Clone()
			for i := range res.Config {
				res.Config[i].Value = bytes.TrimRight(res.Config[i].Value, " \t\r")
			}
			fl.results = append(fl.results, res)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err // benchfmt prefixes it with file:line
	}
	return fl, nil
}

// nonFinite returns a syntax error for the first NaN or infinite value of
// res, or nil.
func nonFinite(res *benchfmt.Result) *benchfmt.SyntaxError {
	for _, v := range res.Values {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			fname, line := res.Pos()
			val, unit := v.Value, v.Unit
			if v.OrigUnit != "" {
				val, unit = v.OrigValue, v.OrigUnit
			}
			return &benchfmt.SyntaxError{FileName: fname, Line: line,
				Msg: fmt.Sprintf("non-finite measurement %v %s", val, unit)}
		}
	}
	return nil
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
		if len(f.results) == 0 {
			empty = append(empty, fmt.Errorf("%s: no benchmark results", f.name))
		}
	}
	if err := errors.Join(empty...); err != nil {
		return nil, nil, nil, err
	}
	return o, n, rd.Units(), nil
}
