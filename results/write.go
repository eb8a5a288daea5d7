package results

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// MarshalRun encodes r as indented JSON, the bytes of a run.json, ending in
// a newline. It returns an error when r could not be read back by DecodeRun:
// when r.Schema is not RunSchema, when its kind-specific parts do not match
// r.Kind (see KindLinear and KindMLP), or when a float anywhere in r is NaN
// or infinite (JSON has no such numbers; a check's figures may be Absent,
// written as null); the error names the JSON path of
// the offending value, e.g. `methods[1].mlp.trajectory[3].test_loss`. r is
// not modified.
func MarshalRun(r *Run) ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("results: encoding run.json: %w", err)
	}
	if path, v, ok := nonFinite(reflect.ValueOf(r).Elem(), ""); ok {
		return nil, fmt.Errorf("results: encoding run.json: %s is %v, not a finite number", path, v)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("results: encoding run.json: %w", err)
	}
	return append(b, '\n'), nil
}

// validate checks what a reader relies on: the schema, the kind, and that
// exactly the parts of that kind are present. Errors name the JSON field.
func (r *Run) validate() error {
	if r == nil {
		return fmt.Errorf("no run")
	}
	if r.Schema != RunSchema {
		return fmt.Errorf("schema is %d, want %d (RunSchema)", r.Schema, RunSchema)
	}
	linear := r.Kind == KindLinear
	switch r.Kind {
	case KindLinear, KindMLP:
	default:
		return fmt.Errorf("kind is %q, want %q or %q", r.Kind, KindLinear, KindMLP)
	}
	// Each kind-specific part, whether it is set and whether the kind
	// wants it.
	for _, p := range []struct {
		field      string
		set, wants bool
	}{
		{"config", r.Config != nil, linear},
		{"instance", r.Instance != nil, linear},
		{"mlp_config", r.MLPConfig != nil, !linear},
		{"data", r.Data != nil, !linear},
	} {
		if p.set != p.wants {
			return kindError(r.Kind, p.field, p.set)
		}
	}
	for i := range r.Methods {
		if set := r.Methods[i].MLP != nil; set == linear {
			return kindError(r.Kind, fmt.Sprintf("methods[%d].mlp", i), set)
		}
		if linear || len(r.Methods[i].Trajectory) == 0 {
			continue
		}
		return fmt.Errorf("methods[%d].trajectory is set in a run of kind %q (its checkpoints are in methods[%d].mlp.trajectory)", i, r.Kind, i)
	}
	return nil
}

func kindError(k Kind, field string, set bool) error {
	if set {
		return fmt.Errorf("%s is set in a run of kind %q", field, k)
	}
	return fmt.Errorf("%s is missing from a run of kind %q", field, k)
}

var checkType = reflect.TypeOf(Check{})

// nonFinite returns the JSON path and value of the first NaN or infinite
// float reachable from v (fields in order, map keys sorted), and whether
// there is one. Fields the JSON leaves out (tag "-", unexported) are
// skipped.
func nonFinite(v reflect.Value, path string) (string, float64, bool) {
	if v.Type() == checkType {
		// A check's figures may be Absent (NaN, null in JSON), never infinite.
		for _, f := range []struct {
			name string
			v    float64
		}{{"observed", v.FieldByName("Observed").Float()}, {"predicted", v.FieldByName("Predicted").Float()}, {"tolerance", v.FieldByName("Tolerance").Float()}} {
			if math.IsInf(f.v, 0) {
				return path + "." + f.name, f.v, true
			}
		}
		return "", 0, false
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return path, f, true
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nonFinite(v.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p, f, ok := nonFinite(v.Index(i), path+"["+strconv.Itoa(i)+"]"); ok {
				return p, f, true
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			return strings.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
		})
		for _, k := range keys {
			if p, f, ok := nonFinite(v.MapIndex(k), path+"["+strconv.Quote(fmt.Sprint(k.Interface()))+"]"); ok {
				return p, f, true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name, ok := jsonName(t.Field(i))
			if !ok {
				continue
			}
			sub := name
			if path != "" {
				sub = path + "." + name
			}
			if t.Field(i).Anonymous {
				sub = path
			}
			if p, f, ok := nonFinite(v.Field(i), sub); ok {
				return p, f, true
			}
		}
	}
	return "", 0, false
}

// jsonName returns the key encoding/json gives field f, and false when it
// leaves f out.
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() && !f.Anonymous {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}
