package sweep

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
)

// Spec is a sweep as written in its TOML file.
type Spec struct {
	// File names the spec in messages: its path, or "preset NAME".
	File        string
	Description string
	// Preset is the base preset (one run); "" takes the fast preset of
	// the base's workload (config.Resolve).
	Preset string
	// Base holds the keys set over the preset, by field key, as TOML
	// decodes them.
	Base map[string]any
	// Axes in the order written.
	Axes []Axis
	// Quick holds --quick's values: a base key's value, or an axis's
	// list of values.
	Quick map[string]any
}

// Axis is one key's list of values. Axes of the same non-empty Zip group
// have the same length and vary together (their i-th values form one
// point).
type Axis struct {
	Key    string `toml:"key"`
	Values []any  `toml:"values"`
	Zip    string `toml:"zip"`
}

type specFile struct {
	Description string         `toml:"description"`
	Preset      string         `toml:"preset"`
	Base        map[string]any `toml:"base"`
	Axis        []Axis         `toml:"axis"`
	Quick       map[string]any `toml:"quick"`
}

// ParseSpec decodes the TOML text b of the spec named file. Unknown
// top-level keys, axes without a key or values, unknown keys and repeated
// axis keys are *config.InputError values naming file.
func ParseSpec(file string, b []byte) (*Spec, error) {
	var f specFile
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		return nil, inputf("%s: %v", file, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			keys = append(keys, k.String())
		}
		return nil, inputf("%s: unknown key %s (a spec has description, preset, [base], [[axis]] with key, values and zip, and [quick])", file, strings.Join(keys, ", "))
	}
	s := &Spec{File: file, Description: f.Description, Preset: f.Preset, Base: f.Base, Axes: f.Axis, Quick: f.Quick}
	if s.Base == nil {
		s.Base = map[string]any{}
	}
	seen := map[string]bool{}
	for i, a := range s.Axes {
		switch {
		case a.Key == "":
			return nil, inputf("%s: axis %d has no key", file, i+1)
		case seen[a.Key]:
			return nil, inputf("%s: axis %s given twice", file, a.Key)
		case len(a.Values) == 0:
			return nil, inputf("%s: axis %s: empty list of values", file, a.Key)
		}
		if why, ok := notInSweep[a.Key]; ok {
			return nil, inputf("%s: axis %s: a sweep does not take %s: %s", file, a.Key, a.Key, why)
		}
		if _, ok := config.LookupField(a.Key); !ok {
			return nil, inputf("%s: axis %s: unknown key (the keys are lowdim run's flag names)", file, a.Key)
		}
		if _, ok := s.Base[a.Key]; ok {
			return nil, inputf("%s: key %s is both in [base] and an axis", file, a.Key)
		}
		seen[a.Key] = true
	}
	for k := range s.Base {
		if why, ok := notInSweep[k]; ok {
			return nil, inputf("%s: [base]: a sweep does not take %s: %s", file, k, why)
		}
		if _, ok := config.LookupField(k); !ok {
			return nil, inputf("%s: [base]: unknown key %s (the keys are lowdim run's flag names)", file, k)
		}
	}
	for k, v := range s.Quick {
		if why, ok := notInSweep[k]; ok {
			return nil, inputf("%s: [quick]: a sweep does not take %s: %s", file, k, why)
		}
		if _, ok := config.LookupField(k); !ok {
			return nil, inputf("%s: [quick]: unknown key %s", file, k)
		}
		if l, ok := v.([]any); seen[k] && (!ok || len(l) == 0) && k != "methods" {
			return nil, inputf("%s: [quick]: axis %s = %v: want a non-empty list of values", file, k, v)
		}
	}
	return s, nil
}

// notInSweep are lowdim run's flags that are not configuration keys, so
// not keys of a spec, and why.
var notInSweep = map[string]string{
	"preset":        "the spec's top-level preset key is its one base preset; for several presets run one sweep each, or make axes of the keys they differ in",
	"config":        "the spec is the sweep's configuration file: put the keys in [base]",
	"max-time":      "it is lowdim sweep's own flag (--max-time), which limits every configuration's run",
	"out":           "each configuration writes its own folder under lowdim sweep's --out",
	"quiet":         "it is lowdim sweep's own flag (--quiet)",
	"cpuprofile":    "a profile is of one process, not of one configuration: profile a configuration with lowdim run --cpuprofile",
	"save-instance": "a configuration's folder holds lowdim run's outputs, named by its configuration's hash: save an instance with lowdim run --save-instance",
	"load-instance": "a sweep's configurations are generated from their keys (their hash, which names and resumes them, covers the keys, not an instance's files): train on a saved instance with lowdim run --load-instance",
	"save-model":    "save a configuration's networks with lowdim run --save-model",
	"target":        "a sweep's configurations are generated from their keys: train on your own target with lowdim run or lowdim verify --target",
	"mask":          "a sweep's configurations are generated from their keys: give a mask to lowdim run or lowdim verify with --target",
}

// WithQuick returns a copy of s with its [quick] values applied: an axis
// key's list replaces the axis's values, any other key sets the base.
func (s *Spec) WithQuick() *Spec {
	q := *s
	q.Base = map[string]any{}
	for k, v := range s.Base {
		q.Base[k] = v
	}
	q.Axes = slices.Clone(s.Axes)
	for k, v := range s.Quick {
		i := slices.IndexFunc(q.Axes, func(a Axis) bool { return a.Key == k })
		if i < 0 {
			q.Base[k] = v
			continue
		}
		l, _ := v.([]any)
		q.Axes[i].Values = l
	}
	return &q
}

// Point is one configuration of a sweep.
type Point struct {
	// Index is the point's place in the expansion (the last dimension
	// varies fastest); shards take Index mod n.
	Index int
	// Axes are its axis values, in the spec's axis order.
	Axes []AxisValue
	// Config is the resolved configuration, Hash its config.Hash.
	Config config.Config
	Hash   string
}

// AxisValue is one axis's value at a point, as the spec wrote it (TOML
// types: int64, float64, string, []any).
type AxisValue struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// ID is the name of the point's folder: the first 16 hex digits of Hash.
func (p Point) ID() string { return p.Hash[:16] }

// Expand returns every point of s in order, each resolved and checked
// (experiment.Check, which includes the memory preflight) before any runs.
// An error names the file, the key and the value.
func (s *Spec) Expand() ([]Point, error) {
	// Dimensions: an axis, or a zip group of axes.
	type dim struct{ axes []Axis }
	var dims []dim
	groups := map[string]int{}
	for _, a := range s.Axes {
		if a.Zip != "" {
			if i, ok := groups[a.Zip]; ok {
				if n := len(dims[i].axes[0].Values); len(a.Values) != n {
					return nil, inputf("%s: zip group %s: axis %s has %d values, axis %s has %d (zipped axes have one length)",
						s.File, a.Zip, a.Key, len(a.Values), dims[i].axes[0].Key, n)
				}
				dims[i].axes = append(dims[i].axes, a)
				continue
			}
			groups[a.Zip] = len(dims)
		}
		dims = append(dims, dim{[]Axis{a}})
	}
	// The base alone, then each axis value alone, so that an error names
	// the key at fault. A value that needs another axis's (noise, which
	// the default workload mf does not have, on an axis of workloads) is
	// checked again with the other axes at their first values, and
	// refused only when it fails there too.
	firsts := make([]AxisValue, len(s.Axes))
	for i, a := range s.Axes {
		firsts[i] = AxisValue{a.Key, a.Values[0]}
	}
	if err := s.checkBase(firsts); err != nil {
		return nil, err
	}
	for i, a := range s.Axes {
		for _, v := range a.Values {
			if _, err := s.resolve([]AxisValue{{a.Key, v}}); err != nil {
				ctx := slices.Clone(firsts)
				ctx[i].Value = v
				if _, err := s.resolve(ctx); err != nil {
					return nil, inputf("%s: axis %s = %s: %v", s.File, a.Key, FormatValue(v), err)
				}
			}
		}
	}
	n := 1
	for _, d := range dims {
		n *= len(d.axes[0].Values)
	}
	points := make([]Point, 0, n)
	seen := map[string]int{}
	idx := make([]int, len(dims))
	for i := 0; i < n; i++ {
		rem := i
		for j := len(dims) - 1; j >= 0; j-- {
			m := len(dims[j].axes[0].Values)
			idx[j], rem = rem%m, rem/m
		}
		var av []AxisValue
		for _, a := range s.Axes {
			for j, d := range dims {
				if slices.ContainsFunc(d.axes, func(b Axis) bool { return b.Key == a.Key }) {
					av = append(av, AxisValue{a.Key, a.Values[idx[j]]})
				}
			}
		}
		c, err := s.resolve(av)
		if err != nil {
			return nil, inputf("%s: point %d (%s): %v", s.File, i, FormatAxes(av), err)
		}
		h := config.Hash(c)
		if j, ok := seen[h]; ok {
			return nil, inputf("%s: points %d (%s) and %d (%s) are the same configuration (an axis value the run does not use?)",
				s.File, j, FormatAxes(points[j].Axes), i, FormatAxes(av))
		}
		seen[h] = i
		points = append(points, Point{Index: i, Axes: av, Config: c, Hash: h})
	}
	return points, nil
}

// checkBase checks the base alone; a base that fails alone but resolves
// with the axes' first values (firsts) passes. When both fail and an
// axis's first value changes the error (adding firsts one by one), the
// error names that axis and value, not the base: a multi-run base preset
// would otherwise be blamed for an axis's bad value.
func (s *Spec) checkBase(firsts []AxisValue) error {
	_, err0 := s.resolve(nil)
	if err0 == nil {
		return nil
	}
	if _, err := s.resolve(firsts); err == nil {
		return nil
	}
	prev := err0
	for i, a := range firsts {
		_, err := s.resolve(firsts[:i+1])
		if err != nil && (prev == nil || err.Error() != prev.Error()) {
			return inputf("%s: axis %s = %s: %v", s.File, a.Key, FormatValue(a.Value), err)
		}
		prev = err
	}
	return inputf("%s: base: %v", s.File, err0)
}

// resolve builds the configuration of the base with the axis values av.
func (s *Spec) resolve(av []AxisValue) (config.Config, error) {
	flags := make(map[string]any, len(s.Base)+len(av))
	for k, v := range s.Base {
		flags[k] = v
	}
	for _, a := range av {
		flags[a.Key] = a.Value
	}
	runs, err := config.Resolve(config.Layers{Preset: s.Preset, Flags: flags, Command: "lowdim sweep"})
	if err != nil {
		return config.Config{}, err
	}
	if len(runs) != 1 {
		return config.Config{}, fmt.Errorf("preset %s has %d runs (a sweep's base is one run: give a preset of one, or keys)", s.Preset, len(runs))
	}
	c := runs[0]
	if err := experiment.Check(c); err != nil {
		return config.Config{}, err
	}
	return c.WithDefaults(), nil
}

// FormatValue writes an axis value as a user types it: numbers in their
// shortest form, a list joined with commas.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	case []any:
		var s []string
		for _, e := range x {
			s = append(s, FormatValue(e))
		}
		return strings.Join(s, ",")
	case []string:
		return strings.Join(x, ",")
	}
	return fmt.Sprint(v)
}

// FormatAxes writes av as "key=value key=value".
func FormatAxes(av []AxisValue) string {
	var s []string
	for _, a := range av {
		s = append(s, a.Key+"="+FormatValue(a.Value))
	}
	return strings.Join(s, " ")
}

func inputf(format string, args ...any) error {
	return &config.InputError{Err: fmt.Errorf(format, args...)}
}

var _ = errors.New
