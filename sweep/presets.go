package sweep

import (
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"
)

//go:embed presets/*.toml
var presetFS embed.FS

// PresetNames lists the sweep presets embedded in the binary, sorted.
func PresetNames() []string {
	ents, _ := presetFS.ReadDir("presets")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".toml"))
	}
	slices.Sort(names)
	return names
}

// PresetText returns the TOML text of the sweep preset name.
func PresetText(name string) ([]byte, error) {
	b, err := presetFS.ReadFile(path.Join("presets", name+".toml"))
	if err != nil {
		return nil, inputf("unknown sweep preset %q (want one of %s)", name, strings.Join(PresetNames(), ", "))
	}
	return b, nil
}

// Preset returns the parsed sweep preset name.
func Preset(name string) (*Spec, error) {
	b, err := PresetText(name)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpec("preset "+name, b)
	if err != nil {
		return nil, fmt.Errorf("sweep: embedded preset %s: %w", name, err)
	}
	return s, nil
}
