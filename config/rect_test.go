package config_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/methods"
)

// rectConfig is tinyConfig(workload) on a 30 x 45 target of rank 3.
func rectConfig(workload string) config.Config {
	c := tinyConfig(workload)
	c.D, c.Rows, c.Cols, c.R = 0, 30, 45, 3
	return c
}

// TestSquareKeepsItsHash: a square configuration's canonical form and hash
// are the ones it had before rectangular targets existed (the pinned
// encoding of TestHashStableAcrossOrder has no rows, cols or width), and a
// square shape given as --rows d --cols d, or with --width d, is the same
// configuration as --d d.
func TestSquareKeepsItsHash(t *testing.T) {
	base := tinyConfig("mf")
	canon := string(config.Canonical(base))
	for _, k := range []string{`"rows"`, `"cols"`, `"width"`} {
		require.NotContains(t, canon, k)
	}
	require.Contains(t, canon, `"d":12`)
	for name, edit := range map[string]func(c *config.Config){
		"rows and cols":      func(c *config.Config) { c.D, c.Rows, c.Cols = 0, 12, 12 },
		"rows, cols and d":   func(c *config.Config) { c.Rows, c.Cols = 12, 12 },
		"rows beside d":      func(c *config.Config) { c.Rows = 12 },
		"width max(m, n)":    func(c *config.Config) { c.Width = 12 },
		"cols beside d, set": func(c *config.Config) { c.Cols = 12; c.Width = 12 },
	} {
		c := base.Clone()
		edit(&c)
		require.Equal(t, canon, string(config.Canonical(c)), name)
		require.Equal(t, config.Hash(base), config.Hash(c), name)
	}
}

// TestRectShape: an m x n configuration has Dims m x n, encodes rows and
// cols (no d) canonically and in JSON, and reads back to the same hash; a
// side not given is d.
func TestRectShape(t *testing.T) {
	c := rectConfig("mf").WithDefaults()
	rows, cols := c.Dims()
	require.Equal(t, [2]int{30, 45}, [2]int{rows, cols})
	require.False(t, c.Square())
	require.False(t, c.SquareLayers())
	require.Equal(t, 45, c.OriginalWidth())
	require.Equal(t, "30 x 45", c.ShapeText())
	flag, v := c.SizeFlag()
	require.Equal(t, "cols", flag)
	require.Equal(t, 45, v)

	canon := string(config.Canonical(c))
	require.Contains(t, canon, `"cols":45`)
	require.Contains(t, canon, `"rows":30`)
	require.NotContains(t, canon, `"d":`)
	require.NotEqual(t, config.Hash(c), config.Hash(tinyConfig("mf")))

	b, err := json.Marshal(c)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.NotContains(t, m, "d", "run.json has no d for a rectangular target")
	require.Equal(t, 30.0, m["rows"])
	require.Equal(t, 45.0, m["cols"])
	var back config.Config
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, config.Hash(c), config.Hash(back))
	require.Equal(t, c.Rows, back.Rows)

	// A square configuration's JSON keeps d and has no rows or cols.
	b, err = json.Marshal(tinyConfig("mf").WithDefaults())
	require.NoError(t, err)
	m = nil
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, 12.0, m["d"])
	require.NotContains(t, m, "rows")
	require.NotContains(t, m, "cols")

	// One side given: the other is d.
	one := tinyConfig("mf")
	one.Rows = 20
	one = one.WithDefaults()
	rows, cols = one.Dims()
	require.Equal(t, [3]int{20, 12, 0}, [3]int{rows, cols, one.D})

	// --width other than max(m, n) is kept and shows in the hash.
	w := rectConfig("mf")
	w.Width = 60
	w = w.WithDefaults()
	require.Equal(t, 60, w.OriginalWidth())
	require.Contains(t, string(config.Canonical(w)), `"width":60`)
	require.NotEqual(t, config.Hash(c), config.Hash(w))
}

// TestValidateRect: the rules that depend on the size follow min(m, n),
// each refused naming the flag and saying the shape; every workload
// validates a rectangular configuration.
func TestValidateRect(t *testing.T) {
	for _, w := range config.WorkloadNames() {
		require.NoError(t, rectConfig(w).WithDefaults().Validate(), w)
	}
	tests := []struct {
		name, flag, value, why string
		edit                   func(c *config.Config)
	}{
		{"rows one", "rows", "1", "size must be at least 2", func(c *config.Config) { c.Rows = 1 }},
		{"cols one", "cols", "1", "size must be at least 2", func(c *config.Config) { c.Cols = 1 }},
		{"rows zero beside d", "d", "0", "size must be at least 2", func(c *config.Config) { c.Rows, c.Cols, c.D = 0, 45, 0 }},
		{"r equal to min(m, n)", "r", "30", "rank must be below min(m, n) = 30 of the 30 x 45 target", func(c *config.Config) { c.R, c.Spectrum = 30, "top" }},
		{"r above min(m, n)", "r", "31", "rank must be below min(m, n) = 30", func(c *config.Config) { c.R, c.Spectrum = 31, "top" }},
		{"spread r above min/2", "r", "16", "the spread target needs r <= min(m, n)/2 = 15", func(c *config.Config) { c.R, c.RHat = 16, 20 }},
		{"r-hat above min(m, n)", "r-hat", "31", "compressed width must be at most min(m, n) = 30", func(c *config.Config) { c.RHat = 31 }},
		{"svals above min(m, n)", "svals", "31", "must be in [0, 30]", func(c *config.Config) { c.SVals = 31 }},
		{"width below r", "width", "2", "at least the rank r = 3", func(c *config.Config) { c.Width = 2 }},
		{"lop on a rectangular target", "methods", "original,lop", "the lop network needs a square target", func(c *config.Config) {
			c.Methods = []string{methods.Original, methods.LoP}
		}},
		{"sparse original", "methods", "original,compressed", "forms the 30 x 45 matrix", func(c *config.Config) {
			c.Workload, c.Params, c.Storage = "mc", config.Params{"p": 0.5}, config.StorageSparse
			c.Methods = []string{methods.Original, methods.Compressed}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rectConfig("mf").WithDefaults()
			tt.edit(&c)
			err := c.Validate()
			requireConfigError(t, err, tt.flag, tt.value)
			require.ErrorContains(t, err, tt.why)
		})
	}
	// lop with a width other than d on a square target.
	c := tinyConfig("mf").WithDefaults()
	c.Methods, c.Width = []string{methods.Original, methods.LoP}, 20
	err := c.Validate()
	requireConfigError(t, err, "methods", "original,lop")
	require.ErrorContains(t, err, "--width 20")
}

// TestResolveRect: --rows and --cols override the preset's d, reset its
// r-hat, make a given d unused (an error naming it), and are refused at 0
// or 1; --width is used by the original network only.
func TestResolveRect(t *testing.T) {
	runs, err := config.Resolve(config.Layers{Flags: map[string]any{"rows": 30, "cols": 45, "r": 3}})
	require.NoError(t, err)
	c := runs[0].WithDefaults()
	rows, cols := c.Dims()
	require.Equal(t, [2]int{30, 45}, [2]int{rows, cols})
	require.Equal(t, 6, c.RHat, "r-hat follows 2r, not the preset's")
	require.NoError(t, c.Validate())

	runs, err = config.Resolve(config.Layers{Flags: map[string]any{"rows": 30, "r": 3}})
	require.NoError(t, err)
	rows, cols = runs[0].Dims()
	require.Equal(t, [2]int{30, 100}, [2]int{rows, cols}, "the side not given is the preset's d")

	for _, tt := range []struct {
		name, flag, value, why string
		flags                  map[string]any
	}{
		{"d beside rows and cols", "d", "40", "--rows 30 and --cols 45 set both sides", map[string]any{"rows": 30, "cols": 45, "d": 40}},
		{"rows zero", "rows", "0", "size must be at least 2", map[string]any{"rows": 0}},
		{"cols one", "cols", "1", "size must be at least 2", map[string]any{"cols": 1}},
		{"width zero", "width", "0", "at least 1", map[string]any{"width": 0}},
		{"width without the original", "width", "60", "it is used only by original", map[string]any{"width": 60, "methods": []string{"compressed"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Resolve(config.Layers{Flags: tt.flags})
			requireConfigError(t, err, tt.flag, tt.value)
			require.ErrorContains(t, err, tt.why)
		})
	}

	// Loading: a preset's d is dropped (the file sets the shape).
	runs, err = config.Resolve(config.Layers{Loading: true, Flags: map[string]any{"r": 3}})
	require.NoError(t, err)
	require.Equal(t, [3]int{0, 0, 0}, [3]int{runs[0].D, runs[0].Rows, runs[0].Cols})
}

// TestFieldsHaveShape: rows, cols and width are fields (flags and keys).
func TestFieldsHaveShape(t *testing.T) {
	for _, k := range []string{"rows", "cols", "width"} {
		f, ok := config.LookupField(k)
		require.True(t, ok, k)
		require.True(t, strings.TrimSpace(f.Help) != "", k)
	}
}
