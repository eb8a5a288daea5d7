package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// A Param is a workload's own parameter (p of mc; m and noise of ms; loss
// of mf): a value of Config.Params with its flag, TOML key, unit, default
// and validation.
type Param struct {
	Key  string // flag name, TOML key and JSON key, e.g. "p"
	Kind Kind   // Int, Float or String
	Unit string
	// Default is the value WithDefaults sets when the configuration has
	// none (nil: the preset or the user must give it).
	Default any
	Help    string
	// Check validates the value (converted to Kind) given the whole
	// configuration; nil accepts any. Its error is a *ConfigError (Bad).
	Check func(v any, c Config) error
	// InTitle: the value appears in a run's title (figures, stdout).
	InTitle bool
	// FromFiles: a loaded instance's files fix the value (m of ms from
	// A.npy, p of mc from mask.npy); the preset's value is dropped when
	// loading, and a given value the files contradict is an error.
	FromFiles bool
	// Drawn: the value only shapes an instance drawn from the seed (the
	// noise of ms): the data of a loaded instance holds its effect, so a
	// value given with an instance from files is an error (Field.Unused).
	Drawn bool
	// OmitZero: Canonical leaves the parameter out when it is 0, so that
	// the configurations of a workload from before the parameter existed
	// keep their encoding and hash (the noise of mc).
	OmitZero bool
}

// WorkloadInfo is what a configuration knows of a workload: its name, its
// parameters and how to validate them. package workloads registers one per
// workload (workloads.Register calls RegisterWorkload); configuration code
// iterates them instead of switching on names.
type WorkloadInfo struct {
	Name  string
	Title string // e.g. "factorization"
	// Order sorts workloads in listings and suites (lower first, then by
	// name).
	Order  int
	Params []Param
	// Paths are the step algorithms the workload has besides dense (auto
	// picks the first for networks narrower than their output).
	Paths []string
	// Sparse reports whether the instance of c is held sparse (nil:
	// never). A sparse instance forms no end-to-end matrix: methods that
	// need one are refused and it trains with Paths[0].
	Sparse func(c Config) bool
	// Check validates the fields whose meaning depends on the workload
	// (nil: none); the parameters were checked before.
	Check func(c Config) error
	// Presets are the workload's named presets; Fast names the one a run
	// of the workload starts from without --preset; Quick, when not nil,
	// is its run in the "quick" preset.
	Presets []Preset
	Fast    string
	Quick   *Config
}

// MethodInfo is what a configuration knows of a method; package methods
// registers one per method.
type MethodInfo struct {
	Name  string
	Order int
	// Default: a run trains the method when Config.Methods is empty.
	Default bool
	// FormsProduct: the method's network forms the end-to-end matrix
	// (rows x cols), so it cannot train on a sparse instance.
	FormsProduct bool
	// Check validates c for the method (nil: none); a *ConfigError.
	Check func(c Config) error
	// Uses lists the keys of the fields only some methods use (r-hat of
	// the narrow networks, alpha of compressed, gamma of lop) that this
	// method's network uses. A field that some registered method lists
	// applies to a run only when one of the run's methods lists it
	// (Field.Unused): a value given for it otherwise is an error.
	Uses []string
}

var (
	mu        sync.RWMutex
	workloads []WorkloadInfo
	methods   []MethodInfo
)

// RegisterWorkload makes a workload known to configurations. It panics when
// the name is empty or registered twice, or a parameter's key is a common
// field's. Call it from an init function (workloads.Register does).
func RegisterWorkload(w WorkloadInfo) {
	mu.Lock()
	defer mu.Unlock()
	if w.Name == "" {
		panic("config: RegisterWorkload with an empty name")
	}
	for _, o := range workloads {
		if o.Name == w.Name {
			panic("config: RegisterWorkload called twice for " + w.Name)
		}
	}
	for _, p := range w.Params {
		for _, f := range common {
			if f.Key == p.Key {
				panic(fmt.Sprintf("config: workload %s: parameter %q is a common field", w.Name, p.Key))
			}
		}
	}
	workloads = append(workloads, w)
	sort.SliceStable(workloads, func(i, j int) bool {
		if workloads[i].Order != workloads[j].Order {
			return workloads[i].Order < workloads[j].Order
		}
		return workloads[i].Name < workloads[j].Name
	})
}

// RegisterMethod makes a method known to configurations. It panics when the
// name is empty or registered twice. methods.Register calls it.
func RegisterMethod(m MethodInfo) {
	mu.Lock()
	defer mu.Unlock()
	if m.Name == "" || strings.ContainsAny(m.Name, ", ") {
		panic(fmt.Sprintf("config: RegisterMethod with name %q", m.Name))
	}
	for _, o := range methods {
		if o.Name == m.Name {
			panic("config: RegisterMethod called twice for " + m.Name)
		}
	}
	methods = append(methods, m)
	sort.SliceStable(methods, func(i, j int) bool {
		if methods[i].Order != methods[j].Order {
			return methods[i].Order < methods[j].Order
		}
		return methods[i].Name < methods[j].Name
	})
}

// Workloads returns the registered workloads, in order.
func Workloads() []WorkloadInfo {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(workloads)
}

// WorkloadNames returns the names of the registered workloads, in order.
func WorkloadNames() []string {
	var out []string
	for _, w := range Workloads() {
		out = append(out, w.Name)
	}
	return out
}

// LookupWorkload returns the registered workload of that name.
func LookupWorkload(name string) (WorkloadInfo, bool) {
	for _, w := range Workloads() {
		if w.Name == name {
			return w, true
		}
	}
	return WorkloadInfo{}, false
}

// Methods returns the registered methods, in order.
func Methods() []MethodInfo {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(methods)
}

// MethodNames returns the names of every registered method, in order.
func MethodNames() []string {
	var out []string
	for _, m := range Methods() {
		out = append(out, m.Name)
	}
	return out
}

// DefaultMethods returns the names of the methods a run trains by default.
func DefaultMethods() []string {
	var out []string
	for _, m := range Methods() {
		if m.Default {
			out = append(out, m.Name)
		}
	}
	return out
}

// LookupMethod returns the registered method of that name.
func LookupMethod(name string) (MethodInfo, bool) {
	for _, m := range Methods() {
		if m.Name == name {
			return m, true
		}
	}
	return MethodInfo{}, false
}

// Preset is a named list of run configurations. Most presets hold one run;
// "quick" holds one per workload.
type Preset struct {
	Name        string
	Description string
	Runs        []Config
}

// String describes a preset in one line.
func (p Preset) String() string { return fmt.Sprintf("%-14s %s", p.Name, p.Description) }

// QuickPreset is the preset of one small run per workload.
const QuickPreset = "quick"

// Presets returns every preset: the registered workloads' (in order), then
// "quick" with the Quick run of every workload that has one.
func Presets() []Preset {
	var out []Preset
	quick := Preset{Name: QuickPreset, Description: "every workload at a small size, in seconds"}
	for _, w := range Workloads() {
		for _, p := range w.Presets {
			p.Runs = cloneRuns(p.Runs)
			out = append(out, p)
		}
		if w.Quick != nil {
			quick.Runs = append(quick.Runs, cloneRuns([]Config{*w.Quick})...)
		}
	}
	return append(out, quick)
}

func cloneRuns(runs []Config) []Config {
	out := make([]Config, len(runs))
	for i, c := range runs {
		out[i] = c.Clone()
	}
	return out
}

// PresetNames returns the names of the presets, sorted.
func PresetNames() []string {
	var names []string
	for _, p := range Presets() {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// LookupPreset returns the named preset, or a *ConfigError listing the known
// names.
func LookupPreset(name string) (Preset, error) {
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
	}
	return Preset{}, Bad("preset", name, "unknown preset (want one of %s)", strings.Join(PresetNames(), ", "))
}
