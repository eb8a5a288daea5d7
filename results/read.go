package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
)

// SchemaError is returned by DecodeRun and ReadRun for a run.json of
// another schema version than RunSchema, or of none (written before
// lowdim recorded one).
type SchemaError struct {
	// File is the path read, empty for DecodeRun.
	File string
	// Found is the schema version in the file; 0 with Missing.
	Found   int
	Missing bool
}

func (e *SchemaError) Error() string {
	file := e.File
	if file == "" {
		file = "run.json"
	}
	if e.Missing {
		return fmt.Sprintf("results: %s has no schema field: it was written by an older lowdim (this one reads schema %d)", file, RunSchema)
	}
	return fmt.Sprintf("results: %s has schema %d; this lowdim reads schema %d", file, e.Found, RunSchema)
}

// DecodeRun reads one run, the JSON object MarshalRun writes, from r, and
// returns it. The decoding is strict: a schema other than RunSchema, or
// none, is a *SchemaError; an unknown field, a value of the wrong type,
// text after the object, or kind-specific parts that do not match the
// run's kind are errors naming the field. What DecodeRun returns, MarshalRun
// writes back to the same bytes.
func DecodeRun(r io.Reader) (*Run, error) {
	return decodeRun(r, "")
}

// ReadRun reads the run.json at path (see DecodeRun). Its errors name the
// file.
func ReadRun(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	return decodeRun(f, path)
}

func decodeRun(r io.Reader, file string) (*Run, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		if file == "" {
			file = "run.json"
		}
		return nil, fmt.Errorf("results: reading %s: %w", file, err)
	}
	return decodeBytes(b, file)
}

// decodeBytes decodes the run.json b, read from file ("" when unknown).
func decodeBytes(b []byte, file string) (*Run, error) {
	name := file
	if name == "" {
		name = "run.json"
	}
	// The schema first, leniently (but the whole text must be one JSON
	// value): a file of another schema has other fields, and should be
	// refused for its schema, not for a field.
	var head struct {
		Schema *json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("results: %s: %w", name, err)
	}
	if head.Schema == nil || string(*head.Schema) == "null" {
		return nil, &SchemaError{File: file, Missing: true}
	}
	var schema int
	if err := json.Unmarshal(*head.Schema, &schema); err != nil {
		return nil, fmt.Errorf("results: %s: schema %s is not an integer", name, *head.Schema)
	}
	if schema != RunSchema {
		return nil, &SchemaError{File: file, Found: schema}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	run := new(Run)
	if err := dec.Decode(run); err != nil {
		return nil, fmt.Errorf("results: %s: %w", name, err)
	}
	if err := run.validate(); err != nil {
		return nil, fmt.Errorf("results: %s: %w", name, err)
	}
	// A type with its own UnmarshalJSON (config.Config) decodes its part
	// without DisallowUnknownFields: find what it ignored by writing the
	// run again.
	if path, err := ignoredKey(b, run); err != nil {
		return nil, fmt.Errorf("results: %s: %w", name, err)
	} else if path != "" {
		return nil, fmt.Errorf("results: %s: unknown field %s", name, path)
	}
	return run, nil
}

// ignoredKey returns the JSON path of the first key of b, with a value
// that is not zero (null, false, 0, "", [] or {}), that run does not write
// back: a key that decoding ignored. It returns "" when there is none.
func ignoredKey(b []byte, run *Run) (string, error) {
	out, err := json.Marshal(run)
	if err != nil {
		return "", err
	}
	var x, y any
	if err := json.Unmarshal(b, &x); err != nil {
		return "", err
	}
	if err := json.Unmarshal(out, &y); err != nil {
		return "", err
	}
	return firstIgnored(x, y, ""), nil
}

func firstIgnored(in, out any, path string) string {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch in := in.(type) {
	case map[string]any:
		o, _ := out.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(in)) {
			v, ok := o[k]
			if !ok && !zeroJSON(in[k]) {
				return join(k)
			}
			if p := firstIgnored(in[k], v, join(k)); p != "" {
				return p
			}
		}
	case []any:
		o, _ := out.([]any)
		for i := range in {
			var v any
			if i < len(o) {
				v = o[i]
			}
			if p := firstIgnored(in[i], v, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	}
	return ""
}

// zeroJSON reports whether v, a decoded JSON value, is null, false, 0, "",
// [] or {}: what an omitempty field leaves out.
func zeroJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
