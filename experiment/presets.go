package experiment

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Preset is a named list of run configurations. Most presets hold one run;
// "quick" holds one per workload.
type Preset struct {
	Name        string
	Description string
	Runs        []Config
}

// The paper's notebook settings (DESIGN.md section 2) and fast variants.
// Fast variants keep the paper's d, r and r_hat where a run stays within
// seconds to a minute on two cores, and say what they change.
var presets = []Preset{
	{"paper-mf", "deep MF as in the paper's notebook: mean loss, eta=1, 1e5 steps (slow: minutes)", []Config{{
		Name: "mf", Workload: "mf", Loss: "mean", D: 100, R: 10, RHat: 20, Depth: 3, Eps: 1e-2, Eta: 1, Alpha: 1,
		Steps: 100000, Tol: 0, Every: 500,
	}}},
	{"paper-mc", "deep MC as in the paper's notebook: p=0.3, eta=10, alpha=5", []Config{{
		Name: "mc", Workload: "mc", D: 100, R: 5, RHat: 10, Depth: 3, Eps: 1e-2, Eta: 10, Alpha: 5, P: 0.3,
		Steps: 25000, Tol: 1e-12, Every: 100,
	}}},
	{"paper-ms", "deep MS as in the paper's notebook: d=200, m=4000 (a 1.28 GB operator; slow)", []Config{{
		Name: "ms", Workload: "ms", D: 200, R: 5, RHat: 10, Depth: 3, Eps: 1e-2, Eta: 20, Alpha: 1, M: 4000,
		Steps: 25000, Tol: 1e-12, Every: 100,
	}}},
	{"paper-mf-fast", "paper-mf with the sum loss and eta=5e-3 (the same problem, a 50x larger effective step), tol 1e-10", []Config{{
		Name: "mf", Workload: "mf", Loss: "sum", D: 100, R: 10, RHat: 20, Depth: 3, Eps: 1e-2, Eta: 5e-3, Alpha: 1,
		Steps: 20000, Tol: 1e-10, Every: 50,
	}}},
	{"paper-mc-fast", "paper-mc at d=60, r=3, r_hat=6 with eta=6, tol 1e-9", []Config{{
		Name: "mc", Workload: "mc", D: 60, R: 3, RHat: 6, Depth: 3, Eps: 1e-2, Eta: 6, Alpha: 5, P: 0.3,
		Steps: 15000, Tol: 1e-9, Every: 50,
	}}},
	{"paper-ms-fast", "paper-ms at d=50, m=1000 (a 20 MB operator), eta=10, tol 1e-10", []Config{{
		Name: "ms", Workload: "ms", D: 50, R: 5, RHat: 10, Depth: 3, Eps: 1e-2, Eta: 10, Alpha: 1, M: 1000,
		Steps: 10000, Tol: 1e-10, Every: 50,
	}}},
	{"quick", "all three workloads at small sizes, in seconds", []Config{
		{Name: "mf", Workload: "mf", Loss: "sum", D: 40, R: 4, RHat: 8, Depth: 3, Eps: 1e-2, Eta: 5e-3, Alpha: 1,
			Steps: 5000, Tol: 1e-8, Every: 25},
		{Name: "mc", Workload: "mc", D: 40, R: 3, RHat: 6, Depth: 3, Eps: 1e-2, Eta: 6, Alpha: 5, P: 0.4,
			Steps: 5000, Tol: 1e-8, Every: 25},
		{Name: "ms", Workload: "ms", D: 30, R: 3, RHat: 6, Depth: 3, Eps: 1e-2, Eta: 5, Alpha: 1, M: 600,
			Steps: 5000, Tol: 1e-8, Every: 25},
	}},
}

// PresetNames returns the names of the presets, sorted.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	sort.Strings(names)
	return names
}

// Presets returns every preset.
func Presets() []Preset {
	out := make([]Preset, len(presets))
	for i, p := range presets {
		out[i] = p
		out[i].Runs = slices.Clone(p.Runs)
	}
	return out
}

// LookupPreset returns the named preset, or a *ConfigError listing the known
// names.
func LookupPreset(name string) (Preset, error) {
	for _, p := range presets {
		if p.Name == name {
			p.Runs = slices.Clone(p.Runs)
			return p, nil
		}
	}
	return Preset{}, bad("preset", name, "unknown preset (want one of %s)", strings.Join(PresetNames(), ", "))
}

// String describes a preset in one line.
func (p Preset) String() string { return fmt.Sprintf("%-14s %s", p.Name, p.Description) }
