package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// InputError is bad input that is not a configuration value: an unreadable
// or malformed file (a config file, an instance, a matrix). Err names the
// file. Like a *ConfigError it is the user's to fix (lowdim exits 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Input wraps err as an *InputError (nil stays nil; a *ConfigError or an
// *InputError is returned as is).
func Input(err error) error {
	var ce *ConfigError
	var ie *InputError
	if err == nil || errors.As(err, &ce) || errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

// IsUserError reports whether err is the user's to fix: a *ConfigError or
// an *InputError.
func IsUserError(err error) bool {
	var ce *ConfigError
	var ie *InputError
	return errors.As(err, &ce) || errors.As(err, &ie)
}

// Layers are the sources of the configurations of a command, each
// overriding the one before: a preset, a TOML file, the flags given.
type Layers struct {
	// Preset names the preset; "" takes the file's "preset" key, else the
	// fast preset (WorkloadInfo.Fast) of the workload the flags or the
	// file give (default Workload, else mf).
	Preset string
	// File is a TOML file whose keys are field keys (Fields) and "preset".
	File string
	// Flags holds the values given on the command line by field key, as
	// Field.Parse returns them.
	Flags map[string]any
	// Loading: the instance is read from files, which fix d, r (their
	// numerical rank) and the workload's parameters marked FromFiles (m,
	// p) unless given.
	Loading bool
	// UserData: the target is the user's own (lowdim verify --target, or
	// lowdim run --load-instance of a folder lowdim did not write): unless
	// --eta or --eta-frac is given (flag or file), the learning rate
	// follows the instance, at DefaultUserEtaFrac of its stable rate,
	// instead of the preset's eta, which is tuned for the preset's own
	// target. A generated completion instance at scale does the same
	// (ScaleEta; Config.EtaFrom records why).
	UserData bool
	// Workload, when not empty, is the workload a loaded instance's files
	// make (instance.FilesWorkload); it replaces mf as the workload whose
	// fast preset is taken when neither the flags nor the file give one.
	Workload string
	// Ignore lists keys the flags use otherwise (verify's list of widths
	// under "r-hat").
	Ignore []string
	// Command names the command in messages ("lowdim verify"); Methods,
	// when not nil, are the methods it trains whatever a configuration
	// says (see Use).
	Command string
	Methods []string
}

// Resolve builds the configurations of l: the preset's runs, each with the
// file's values and then the flags' set through the field table. Values
// that derive from a changed one are reset so that their defaults follow
// (r-hat from r or d, every from steps, the parameters of another
// workload), and a value given as zero or negative where WithDefaults would
// replace it is refused. Errors are *ConfigError or, for the file,
// *InputError naming it.
func Resolve(l Layers) ([]Config, error) {
	set := map[string]bool{} // keys the user gave, by flag or file
	for k := range l.Flags {
		set[k] = true
	}
	for _, k := range l.Ignore {
		delete(set, k)
	}
	presetName, workload := l.Preset, "mf"
	if l.Workload != "" {
		workload = l.Workload
	}
	if v, ok := l.Flags["workload"].(string); ok {
		workload = v
	}
	var file map[string]any
	if l.File != "" {
		b, err := os.ReadFile(l.File)
		if err != nil {
			return nil, &InputError{fmt.Errorf("--config: %w", err)}
		}
		if _, err := toml.Decode(string(b), &file); err != nil {
			return nil, &InputError{fmt.Errorf("%s: %w", l.File, err)}
		}
		p, ok := file["preset"].(string)
		if _, has := file["preset"]; has && !ok {
			return nil, &InputError{fmt.Errorf("%s: key preset = %v: not a string (want a preset's name)", l.File, file["preset"])}
		}
		if ok && presetName == "" {
			presetName = p
		}
		if w, ok := file["workload"].(string); ok && l.Flags["workload"] == nil {
			workload = w
		}
		for k := range file {
			if k == "preset" {
				continue
			}
			if _, ok := LookupField(k); !ok {
				return nil, &InputError{fmt.Errorf("%s: unknown key %q (keys are the flag names of lowdim run, but for the command-line only flags out, quiet, config, save-instance, load-instance and cpuprofile; preset is a key too)", l.File, k)}
			}
			set[k] = true
		}
	}
	if presetName == "" {
		w, ok := LookupWorkload(workload)
		if !ok || w.Fast == "" {
			return nil, Bad("workload", workload, "unknown workload (want one of %s)", joinOr(WorkloadNames()))
		}
		presetName = w.Fast
	}
	preset, err := LookupPreset(presetName)
	if err != nil {
		return nil, err
	}
	runs := preset.Runs
	// A workload given (flag or file) with a preset: a preset of one
	// workload is refused when it contradicts it (its eta, tolerances and
	// parameters are that workload's); a suite of several workloads
	// (quick) runs only the runs of the workload given.
	givenWorkload, wGiven := l.Flags["workload"].(string)
	if !wGiven && file != nil {
		givenWorkload, wGiven = file["workload"].(string)
	}
	if wGiven && presetName != "" && (l.Preset != "" || file["preset"] != nil) {
		var kinds []string
		for _, c := range runs {
			if !slices.Contains(kinds, c.Workload) {
				kinds = append(kinds, c.Workload)
			}
		}
		switch {
		case len(kinds) == 1 && kinds[0] != givenWorkload:
			return nil, fromFileKey(Bad("workload", givenWorkload, "contradicts --preset %s, a %s preset (give --workload %s, or leave it out, or a preset of workload %s)",
				presetName, kinds[0], kinds[0], givenWorkload).(*ConfigError), l, file)
		case len(kinds) > 1:
			var sel []Config
			for _, c := range runs {
				if c.Workload == givenWorkload {
					sel = append(sel, c)
				}
			}
			if len(sel) == 0 {
				return nil, fromFileKey(Bad("workload", givenWorkload, "selects no run of --preset %s (its workloads are %s)", presetName, strings.Join(kinds, ", ")).(*ConfigError), l, file)
			}
			runs = sel
		}
	}
	before := make([]Config, len(runs))
	for i := range runs {
		c := &runs[i]
		before[i] = c.Clone()
		for _, k := range sortedKeys(file) {
			if k == "preset" {
				continue
			}
			f, _ := LookupField(k)
			if err := f.Set(c, file[k]); err != nil {
				return nil, &InputError{fmt.Errorf("%s: %w", l.File, err)}
			}
		}
		for _, k := range sortedKeys(l.Flags) {
			if slices.Contains(l.Ignore, k) {
				continue
			}
			f, ok := LookupField(k)
			if !ok {
				return nil, Bad(k, l.Flags[k], "unknown flag")
			}
			if err := f.Set(c, l.Flags[k]); err != nil {
				return nil, err
			}
		}
	}
	// fromFile returns err as the file's when the key came from it.
	fromFile := func(err *ConfigError) error {
		if file != nil && l.Flags[err.Flag] == nil {
			return &InputError{fmt.Errorf("%s: %w", l.File, err)}
		}
		return err
	}
	if err := dropUnused(runs, before, set, l, presetName); err != nil {
		return nil, fromFile(err)
	}
	for i := range runs {
		c := &runs[i]
		if err := checkGiven(*c, set); err != nil {
			return nil, fromFile(err)
		}
		resetDerived(c, set, before[i].Workload, l.Loading)
		if l.UserData && !set["eta"] && !set["eta-frac"] {
			c.EtaFrac = DefaultUserEtaFrac
		}
		// A generated completion instance at scale (ScaleEta) trains at
		// DefaultUserEtaFrac of its stable rate unless the user gave --eta
		// or --eta-frac (flag or file). The preset's eta counts as given
		// only at the preset's own instance (no shape, storage or
		// workload changed), where it was tuned: every preset is below
		// ScaleEtaMinD and dense today, so a preset moved to scale by
		// --d, --rows, --cols or --storage takes the default.
		own := !set["d"] && !set["rows"] && !set["cols"] && !set["storage"] && c.Workload == before[i].Workload
		if !l.Loading && !l.UserData && !own && !set["eta"] && !set["eta-frac"] && c.EtaFrac == 0 {
			if ok, why := ScaleEta(*c); ok {
				c.EtaFrac, c.EtaFrom = DefaultUserEtaFrac, why
			}
		}
	}
	return runs, nil
}

// dropUnused refuses a value the user gave (set) that no run uses
// (Field.Unused), naming it, its value and why. In a preset of several
// runs a value used by some runs is put back to the preset's (before) in
// the others: --p of the quick preset is its mc run's.
func dropUnused(runs, before []Config, set map[string]bool, l Layers, preset string) *ConfigError {
	u := Use{Command: l.Command, Runs: len(runs), Loading: l.Loading, Methods: l.Methods}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f, ok := LookupField(k)
		if !ok {
			continue
		}
		why := make([]string, len(runs))
		used := false
		for i, c := range runs {
			why[i] = f.Unused(c, u)
			used = used || why[i] == ""
		}
		if !used {
			msg := why[0]
			if len(runs) > 1 {
				msg += fmt.Sprintf(", nor to the other runs of preset %s", preset)
			}
			return &ConfigError{Flag: k, Value: showValue(f.Get(runs[0])), Why: msg}
		}
		for i := range runs {
			if why[i] != "" {
				f.restore(&runs[i], before[i])
			}
		}
	}
	return nil
}

// showValue formats a field's value as a user typed it (a list joined
// with commas).
func showValue(v any) any {
	if l, ok := v.([]string); ok {
		return strings.Join(l, ",")
	}
	return v
}

// Given reports whether the user gave key, by flag or in the configuration
// file (an unreadable file gives nothing: Resolve reports it).
func (l Layers) Given(key string) bool {
	if l.Flags[key] != nil {
		return true
	}
	if l.File == "" {
		return false
	}
	var file map[string]any
	if _, err := toml.DecodeFile(l.File, &file); err != nil {
		return false
	}
	return file[key] != nil
}

// FromFile returns err, a *ConfigError about a value the configuration
// file of l set and no flag did (the preflight's refusal of its d), as the
// file's *InputError, so that the message names the file; any other err is
// returned as is.
func (l Layers) FromFile(err error) error {
	var ce *ConfigError
	if l.File == "" || !errors.As(err, &ce) || l.Flags[ce.Flag] != nil {
		return err
	}
	var file map[string]any
	if _, derr := toml.DecodeFile(l.File, &file); derr != nil || file[ce.Flag] == nil {
		return err
	}
	return &InputError{fmt.Errorf("%s: %w", l.File, err)}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func joinOr(names []string) string {
	switch len(names) {
	case 0:
		return "none registered"
	case 1:
		return names[0]
	}
	s := ""
	for i, n := range names[:len(names)-1] {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s + " or " + names[len(names)-1]
}

// checkGiven refuses given values that WithDefaults or a loaded instance
// would otherwise replace by a default: a zero or negative d, rows, cols,
// width, r, r-hat, ratio, eta-frac, depth, eps, eta, alpha or every.
func checkGiven(c Config, set map[string]bool) *ConfigError {
	for _, g := range []struct {
		flag string
		ok   bool
		v    any
		why  string
	}{
		{"d", c.D >= 2, c.D, "size must be at least 2"},
		{"rows", c.Rows >= 2, c.Rows, "size must be at least 2"},
		{"cols", c.Cols >= 2, c.Cols, "size must be at least 2"},
		{"width", c.Width >= 1, c.Width, "the original network's width must be at least 1"},
		{"r", c.R >= 1, c.R, "rank must be at least 1"},
		{"r-hat", c.RHat >= 1, c.RHat, "compressed width must be at least 1"},
		{"ratio", c.Ratio > 0, c.Ratio, "geometric ratio must be in (0, 1]"},
		{"eta-frac", c.EtaFrac > 0, c.EtaFrac, "fraction of the stable learning rate must be in (0, 2) (leave it out to use --eta)"},
		{"depth", c.Depth >= 2, c.Depth, "depth must be at least 2"},
		{"eps", c.Eps > 0, c.Eps, "initialization scale must be positive and finite"},
		{"eta", c.Eta > 0, c.Eta, "learning rate must be positive and finite"},
		{"alpha", c.Alpha > 0, c.Alpha, "outer learning-rate multiplier must be positive and finite"},
		{"every", c.Every >= 1, c.Every, "checkpoint interval must be at least 1"},
	} {
		if set[g.flag] && !g.ok {
			return &ConfigError{Flag: g.flag, Value: g.v, Why: g.why}
		}
	}
	if set["eta"] && set["eta-frac"] && c.EtaFrac != 0 {
		return &ConfigError{Flag: "eta-frac", Value: c.EtaFrac, Why: "--eta and --eta-frac both set the learning rate; give one"}
	}
	return nil
}

// resetDerived clears the preset's values that derive from values the user
// changed, so that their defaults follow: r-hat from r, every from steps,
// the parameters of the preset's workload when the user changed it (unless
// given), and the shape (d, rows, cols), the rank r and the workload's
// counts from a loaded instance.
func resetDerived(c *Config, set map[string]bool, presetWorkload string, loading bool) {
	if (set["r"] || set["d"] || set["rows"] || set["cols"]) && !set["r-hat"] {
		c.RHat = 0
	}
	if set["steps"] && !set["every"] {
		c.Every = 0
	}
	if c.Workload != presetWorkload {
		own := map[string]bool{}
		if w, ok := LookupWorkload(c.Workload); ok {
			for _, p := range w.Params {
				own[p.Key] = true
			}
		}
		for k := range c.Params {
			if !own[k] && !set[k] {
				delete(c.Params, k)
			}
		}
	}
	if loading {
		if !set["d"] {
			c.D = 0
		}
		if !set["rows"] {
			c.Rows = 0
		}
		if !set["cols"] {
			c.Cols = 0
		}
		if !set["r"] {
			c.R = 0 // the files' numerical rank (instance.Load, FromFiles)
		}
		if !set["r"] && !set["r-hat"] {
			c.RHat = 0
		}
		if w, ok := LookupWorkload(c.Workload); ok {
			for _, p := range w.Params {
				if p.FromFiles && !set[p.Key] {
					delete(c.Params, p.Key)
				}
			}
		}
	}
}

// fromFileKey returns err as the file's when its key came from the file
// (not a flag).
func fromFileKey(err *ConfigError, l Layers, file map[string]any) error {
	if file != nil && l.Flags[err.Flag] == nil {
		return &InputError{fmt.Errorf("%s: %w", l.File, err)}
	}
	return err
}
