package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Kind is the type of a field's value.
type Kind int

// Kinds of fields.
const (
	Int    Kind = iota // int
	Uint               // uint64 (the seed)
	Float              // float64
	String             // string
	List               // []string (a comma list on the command line)
)

// A Field is one value of a configuration: its flag name, which is also its
// TOML key and its key in Canonical, its kind, unit and help text. The
// table of fields (Fields) drives the flags of `lowdim run`, the keys of a
// TOML file and the layering preset -> file -> flags: nothing copies a
// configuration field by field.
type Field struct {
	Key  string // flag name and TOML key, e.g. "r-hat"
	Kind Kind
	Unit string // e.g. "steps", "fraction"; "" for a count or a name
	// Default documents the default ("" when the preset sets it).
	Default string
	Help    string
	// Workload is the workload whose parameter this is ("" for the
	// fields every run has); its value lives in Config.Params.
	Workload string
	// FileOnly: a TOML key with no flag (the name of a run in a suite).
	FileOnly bool
	// Drawn: the value only shapes an instance drawn from the seed (the
	// generator's spectrum and ratio; a workload parameter's
	// Param.Drawn): an instance from files does not use it.
	Drawn bool
	// omitZero: Canonical leaves the field out when it is 0 (the shape's
	// rows, cols and width, absent from a square configuration's encoding,
	// which is therefore the one it had before they existed; d, absent from
	// a rectangular one's).
	omitZero bool

	get func(*Config) any
	set func(*Config, any)
	// unused, when not nil, says why the field's value is not used by a
	// run of c under u ("" when it is), besides the general rules of
	// Unused.
	unused func(c Config, u Use) string
}

// Get returns the field's value in c: an int, uint64, float64, string or
// []string by Kind; nil for a parameter c does not set.
func (f Field) Get(c Config) any { return f.get(&c) }

// Set sets the field of c to v, converted to the field's kind from the
// types a TOML decoder or a flag gives (int64 for a float field, a comma
// list or []any of strings for a list). A value of another type is a
// *ConfigError.
func (f Field) Set(c *Config, v any) error {
	x, err := convert(f.Kind, v)
	if err != nil {
		return Bad(f.Key, v, "%v", err)
	}
	f.set(c, x)
	return nil
}

// restore sets the field of c back to its value in from (a workload's
// parameter that from does not set is removed).
func (f Field) restore(c *Config, from Config) {
	v := f.get(&from)
	if f.Workload != "" && v == nil {
		delete(c.Params, f.Key)
		return
	}
	f.set(c, v)
}

// Parse parses s, the text of a flag, as the field's kind.
func (f Field) Parse(s string) (any, error) {
	switch f.Kind {
	case Int:
		v, err := strconv.Atoi(s)
		return v, numberError(s, err, "an integer", "±9.2e18")
	case Uint:
		v, err := strconv.ParseUint(s, 0, 64)
		return v, numberError(s, err, "a non-negative integer", "0 to 1.8e19")
	case Float:
		v, err := strconv.ParseFloat(s, 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return nil, fmt.Errorf("%s is beyond the largest float64 (about 1.8e308)", s)
		case err != nil:
			return nil, fmt.Errorf("%q is not a number", s)
		case v == 0 && underflows(s):
			return nil, fmt.Errorf("%s underflows to 0 (the smallest float64 is 5e-324)", s)
		}
		return v, nil
	case List:
		return convert(List, s)
	}
	return convert(String, s)
}

// numberError is nil for a nil err, and otherwise says that s is not
// what (an integer) or lies outside span, the kind's range.
func numberError(s string, err error, what, span string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("%s is outside the range of the value (%s)", s, span)
	}
	return fmt.Errorf("%q is not %s", s, what)
}

// underflows reports whether the number s, which parsed as 0, has a
// nonzero digit in its mantissa (1e-400: below the smallest subnormal).
func underflows(s string) bool {
	t := strings.TrimLeft(strings.ToLower(strings.TrimSpace(s)), "+-")
	digits, exp := "123456789", "e"
	if rest, ok := strings.CutPrefix(t, "0x"); ok {
		t, digits, exp = rest, "123456789abcdef", "p"
	}
	mant, _, _ := strings.Cut(t, exp)
	return strings.ContainsAny(mant, digits)
}

// errEmptyList: a list given empty is an error, never "the default" (leave
// the flag or key out for the default); so is an empty name.
var (
	errEmptyList = fmt.Errorf("empty list (leave it out for the default)")
	errEmpty     = fmt.Errorf("empty value (leave it out for the default)")
)

func convert(k Kind, v any) (any, error) {
	switch k {
	case Int:
		switch x := v.(type) {
		case int:
			return x, nil
		case int64:
			return int(x), nil
		case uint64:
			return int(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int(x), nil
			}
		}
		return nil, fmt.Errorf("not an integer")
	case Uint:
		switch x := v.(type) {
		case uint64:
			return x, nil
		case int64:
			if x >= 0 {
				return uint64(x), nil
			}
		case int:
			if x >= 0 {
				return uint64(x), nil
			}
		case float64:
			if x >= 0 && x == math.Trunc(x) && x < 1<<53 {
				return uint64(x), nil
			}
		}
		return nil, fmt.Errorf("not a non-negative integer")
	case Float:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case int:
			return float64(x), nil
		}
		return nil, fmt.Errorf("not a number")
	case String:
		s, ok := v.(string)
		switch {
		case !ok:
			return nil, fmt.Errorf("not a string")
		case strings.TrimSpace(s) == "":
			return nil, errEmpty
		}
		return s, nil
	case List:
		var out []string
		switch x := v.(type) {
		case []string:
			out = x
		case string:
			out = SplitList(x)
			if len(out) > 0 && HasEmptyItem(x) {
				return nil, errEmptyItem
			}
		case []any:
			out = make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("not a list of strings")
				}
				if s = strings.TrimSpace(s); s == "" {
					return nil, fmt.Errorf("an empty name in the list")
				}
				out = append(out, s)
			}
		default:
			return nil, fmt.Errorf("not a list of strings")
		}
		if len(out) == 0 {
			return nil, errEmptyList
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown kind %d", k)
}

// errEmptyItem is the one rule of every comma list (flags and keys): an
// empty item (a trailing, leading or doubled comma) is an error, not
// dropped.
var errEmptyItem = errors.New("an empty item in the list (a trailing, leading or doubled comma)")

// HasEmptyItem reports whether the comma list s has an empty (or blank)
// item: "a,", ",a", "a,,b". The commands refuse such a list naming it.
func HasEmptyItem(s string) bool {
	for _, p := range strings.Split(s, ",") {
		if strings.TrimSpace(p) == "" {
			return true
		}
	}
	return false
}

// SplitList splits a comma list, dropping blanks; never nil.
func SplitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func intField(key, unit, def, help string, p func(*Config) *int) Field {
	return Field{Key: key, Kind: Int, Unit: unit, Default: def, Help: help,
		get: func(c *Config) any { return *p(c) }, set: func(c *Config, v any) { *p(c) = v.(int) }}
}

func floatField(key, unit, def, help string, p func(*Config) *float64) Field {
	return Field{Key: key, Kind: Float, Unit: unit, Default: def, Help: help,
		get: func(c *Config) any { return *p(c) }, set: func(c *Config, v any) { *p(c) = v.(float64) }}
}

func stringField(key, def, help string, p func(*Config) *string) Field {
	return Field{Key: key, Kind: String, Default: def, Help: help,
		get: func(c *Config) any { return *p(c) }, set: func(c *Config, v any) { *p(c) = v.(string) }}
}

// common is the table of the fields every run has, in the order of
// `lowdim run -h`.
var common = []Field{
	func() Field {
		f := stringField("name", "", "label of the run in a suite (a subfolder of --out)", func(c *Config) *string { return &c.Name })
		f.FileOnly = true
		f.unused = func(_ Config, u Use) string {
			if u.Runs > 1 {
				return fmt.Sprintf("a preset of %d runs names each run's subfolder itself (one name would put every run in one folder)", u.Runs)
			}
			return ""
		}
		return f
	}(),
	stringField("workload", "mf", "workload", func(c *Config) *string { return &c.Workload }),
	func() Field {
		f := stringField("spectrum", "spread", "target spectrum: spread (the paper's), top, geometric", func(c *Config) *string { return &c.Spectrum })
		f.Drawn = true
		return f
	}(),
	func() Field {
		f := floatField("ratio", "", "0.5 for geometric", "ratio of consecutive singular values of a geometric target", func(c *Config) *float64 { return &c.Ratio })
		f.Drawn = true
		f.unused = func(c Config, _ Use) string {
			if s := c.WithDefaults().Spectrum; s != "geometric" {
				return fmt.Sprintf("does not apply to --spectrum %s (it is the ratio of the geometric spectrum)", s)
			}
			return ""
		}
		return f
	}(),
	func() Field {
		f := intField("d", "", "", "size of the d x d target (a side --rows or --cols does not set)", func(c *Config) *int { return &c.D })
		f.omitZero = true
		f.unused = func(c Config, _ Use) string {
			if c.Rows != 0 && c.Cols != 0 {
				return fmt.Sprintf("does not apply when --rows %d and --cols %d set both sides of the target", c.Rows, c.Cols)
			}
			return ""
		}
		return f
	}(),
	func() Field {
		f := intField("rows", "", "d", "m, the rows of an m x n target (the end-to-end matrix maps R^n to R^m)", func(c *Config) *int { return &c.Rows })
		f.omitZero = true
		return f
	}(),
	func() Field {
		f := intField("cols", "", "d", "n, the columns of an m x n target", func(c *Config) *int { return &c.Cols })
		f.omitZero = true
		return f
	}(),
	intField("r", "", "", "rank of the target", func(c *Config) *int { return &c.R }),
	intField("r-hat", "", "2r", "compressed width", func(c *Config) *int { return &c.RHat }),
	intField("depth", "layers", "3", "number of layers L", func(c *Config) *int { return &c.Depth }),
	func() Field {
		f := intField("width", "", "max(m, n)", "hidden width of the original network", func(c *Config) *int { return &c.Width })
		f.omitZero = true
		return f
	}(),
	floatField("eps", "", "1e-2", "initialization scale", func(c *Config) *float64 { return &c.Eps }),
	floatField("eta", "", "", "learning rate", func(c *Config) *float64 { return &c.Eta }),
	floatField("eta-frac", "fraction", "", "set the learning rate to this fraction of the instance's stable one (from the target's top singular value estimated from the data; replaces --eta); 0.8 unless --eta is given on mc above d=4096, with --storage sparse, and on the user's own target", func(c *Config) *float64 { return &c.EtaFrac }),
	floatField("alpha", "", "1", "learning-rate multiplier of the compressed network's outer layers", func(c *Config) *float64 { return &c.Alpha }),
	floatField("gamma", "", "0", "learning-rate multiplier of the lop network's outer factors (0 freezes them)", func(c *Config) *float64 { return &c.Gamma }),
	stringField("path", "auto", "step algorithm: auto, dense, sampled (mc: residual on the observed entries only) or factored (mf: products of the target with the outer factors); auto takes sampled or factored for networks narrower than d", func(c *Config) *string { return &c.Path }),
	func() Field {
		f := stringField("storage", "auto", "mc instance storage: auto (sparse above d=4096), dense, or sparse (factored target, observed entries only)", func(c *Config) *string { return &c.Storage })
		f.unused = func(c Config, _ Use) string {
			if w, ok := LookupWorkload(c.Workload); ok && w.Sparse == nil {
				return fmt.Sprintf("does not apply to --workload %s (instance storage is for %s)", c.Workload, sparseWorkloads())
			}
			return ""
		}
		return f
	}(),
	intField("steps", "steps", "", "largest number of gradient steps", func(c *Config) *int { return &c.Steps }),
	floatField("tol", "", "", "stop when the training loss is at most tol (0: run all steps)", func(c *Config) *float64 { return &c.Tol }),
	intField("every", "steps", "steps/100", "checkpoint interval in steps", func(c *Config) *int { return &c.Every }),
	intField("svals", "", "0", "record this many top singular values of W at each checkpoint", func(c *Config) *int { return &c.SVals }),
	{Key: "seed", Kind: Uint, Default: "0", Help: "seed of every random draw",
		get: func(c *Config) any { return c.Seed }, set: func(c *Config, v any) { c.Seed = v.(uint64) }},
	{Key: "methods", Kind: List, Default: "every default method", Help: "comma list of methods",
		get: func(c *Config) any { return c.Methods }, set: func(c *Config, v any) { c.Methods = v.([]string) }},
}

// paramField is the Field of a workload's parameter.
func paramField(workload string, p Param) Field {
	def := ""
	if p.Default != nil {
		def = fmt.Sprint(p.Default)
	}
	return Field{Key: p.Key, Kind: p.Kind, Unit: p.Unit, Default: def, Help: p.Help, Workload: workload, Drawn: p.Drawn,
		get: func(c *Config) any { return c.Params[p.Key] },
		set: func(c *Config, v any) {
			if c.Params == nil {
				c.Params = Params{}
			}
			c.Params[p.Key] = v
		}}
}

// Fields returns the table of every field: the common ones, then the
// parameters of every registered workload (in registration order; a key
// two workloads share appears once).
func Fields() []Field {
	out := append([]Field(nil), common...)
	seen := map[string]bool{}
	for _, f := range common {
		seen[f.Key] = true
	}
	for _, w := range Workloads() {
		for _, p := range w.Params {
			if !seen[p.Key] {
				seen[p.Key] = true
				out = append(out, paramField(w.Name, p))
			}
		}
	}
	return out
}

// LookupField returns the field of key.
func LookupField(key string) (Field, bool) {
	for _, f := range Fields() {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// A Use is how a command uses the configurations it resolved: what decides,
// beside the configuration itself, whether a value the user gave is used.
type Use struct {
	// Command names the command in messages, e.g. "lowdim verify".
	Command string
	// Runs is the number of runs of the preset.
	Runs int
	// Loading: the instance comes from files (--load-instance, a user's
	// --target), not from the generator.
	Loading bool
	// Methods, when not nil, are the methods the command trains whatever
	// the configuration says (verify: original and compressed); a given
	// "methods" is then an error.
	Methods []string
}

// Unused returns why the value of the field in c is not used by a run of c
// under u, or "" when it is. The rules, from the registries and the
// table: a workload's parameter is used by that workload's runs only; a
// field some registered methods list in MethodInfo.Uses by runs training
// one of them; a Drawn field only by an instance drawn from the seed; and
// the field's own rule (ratio: the geometric spectrum; storage: a workload
// with sparse storage; name: a preset of one run).
func (f Field) Unused(c Config, u Use) string {
	if f.Key == "methods" && u.Methods != nil {
		return fmt.Sprintf("does not apply to %s, which trains %s", commandName(u), joinAnd(u.Methods))
	}
	if f.Workload != "" {
		w, _ := LookupWorkload(c.Workload)
		own := false
		for _, p := range w.Params {
			own = own || p.Key == f.Key
		}
		if !own {
			return fmt.Sprintf("does not apply to --workload %s (it is a parameter of %s)", c.Workload, joinAnd(paramOwners(f.Key)))
		}
	}
	if users := methodsUsing(f.Key); len(users) > 0 {
		ms := u.Methods
		if ms == nil {
			ms = c.WithDefaults().Methods
		}
		used := false
		for _, m := range ms {
			used = used || slices.Contains(users, m)
		}
		if !used {
			if u.Methods != nil {
				return fmt.Sprintf("does not apply to %s, which trains %s (it is used only by %s)", commandName(u), joinAnd(ms), joinAnd(users))
			}
			return fmt.Sprintf("does not apply to --methods %s (it is used only by %s)", strings.Join(ms, ","), joinAnd(users))
		}
	}
	if f.Drawn && u.Loading {
		return "does not apply to an instance from files (it shapes an instance drawn from the seed; the files hold the data)"
	}
	if f.unused != nil {
		return f.unused(c, u)
	}
	return ""
}

// joinAnd joins names as "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func commandName(u Use) string {
	if u.Command == "" {
		return "this command"
	}
	return u.Command
}

// paramOwners returns the registered workloads that have the parameter key.
func paramOwners(key string) []string {
	var out []string
	for _, w := range Workloads() {
		for _, p := range w.Params {
			if p.Key == key {
				out = append(out, w.Name)
			}
		}
	}
	return out
}

// methodsUsing returns the registered methods that list key in Uses.
func methodsUsing(key string) []string {
	var out []string
	for _, m := range Methods() {
		if slices.Contains(m.Uses, key) {
			out = append(out, m.Name)
		}
	}
	return out
}
