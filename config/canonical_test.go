package config_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/internal/testconfig"
	_ "github.com/lowdim/lowdim/methods"   // registers the methods
	_ "github.com/lowdim/lowdim/workloads" // registers the workloads
)

// tinyConfig is testconfig.Tiny.
func tinyConfig(workload string) config.Config { return testconfig.Tiny(workload) }

// decode applies a TOML text to a configuration through the field table,
// as lowdim run does.
func decode(t *testing.T, text string) config.Config {
	t.Helper()
	var m map[string]any
	_, err := toml.Decode(text, &m)
	require.NoError(t, err)
	var c config.Config
	for k, v := range m {
		f, ok := config.LookupField(k)
		require.True(t, ok, k)
		require.NoError(t, f.Set(&c, v))
	}
	return c
}

// TestHashStableAcrossOrder: the same configuration given in two orders
// (TOML keys, parameters as int or float) has one canonical form and hash.
func TestHashStableAcrossOrder(t *testing.T) {
	a := decode(t, "workload = \"ms\"\nd = 30\nr = 3\neta = 5\nm = 600\nsteps = 5000\nmethods = [\"original\", \"compressed\"]\nnoise = 0.01\n")
	b := decode(t, "noise = 0.01\nmethods = [\"original\", \"compressed\"]\nsteps = 5000\nm = 600.0\neta = 5.0\nr = 3\nd = 30\nworkload = \"ms\"\n")
	require.Equal(t, string(config.Canonical(a)), string(config.Canonical(b)))
	require.Equal(t, config.Hash(a), config.Hash(b))
	// Defaults applied: giving a default explicitly changes nothing.
	c := a.Clone()
	c.Depth, c.Eps, c.Alpha = 3, 1e-2, 1
	require.Equal(t, config.Hash(a), config.Hash(c))
	// The hash of a fixed configuration is pinned: a change of the
	// encoding would silently re-identify every stored sweep.
	require.Len(t, config.Hash(a), 64)
	require.Equal(t, `{"alpha":1,"d":30,"depth":3,"eps":0.01,"eta":5,"eta-frac":0,"every":50,"gamma":0,"m":600,"methods":["original","compressed"],"name":"","noise":0.01,"path":"auto","r":3,"r-hat":6,"ratio":0,"seed":0,"spectrum":"spread","steps":5000,"storage":"","svals":0,"tol":0,"workload":"ms"}`,
		string(config.Canonical(a)))
}

// TestHashChangesWithEveryField: changing any field of the table (each
// common field, each parameter of the workload) changes the hash.
func TestHashChangesWithEveryField(t *testing.T) {
	for _, w := range config.WorkloadNames() {
		base := tinyConfig(w).WithDefaults()
		h := config.Hash(base)
		for _, f := range config.Fields() {
			if f.Workload != "" && f.Workload != w {
				continue
			}
			t.Run(w+"/"+f.Key, func(t *testing.T) {
				c := base.Clone()
				var v any
				switch f.Kind {
				case config.Int:
					v = 7
					if x, _ := f.Get(c).(int); x == 7 {
						v = 8
					}
				case config.Uint:
					v = uint64(99)
				case config.Float:
					x, _ := f.Get(c).(float64)
					v = x + 0.125
				case config.String:
					v = f.Get(c).(string) + "x"
				case config.List:
					v = []string{"bm"}
				}
				require.NoError(t, f.Set(&c, v))
				require.NotEqual(t, h, config.Hash(c), "changing %s to %v left the hash", f.Key, v)
			})
		}
	}
	// Floats are written round-trippably: a change in the last bit shows.
	c := tinyConfig("mf")
	d := c.Clone()
	d.Eta = math.Nextafter(c.Eta, 1)
	require.NotEqual(t, config.Hash(c), config.Hash(d))
}

// TestJSONKeepsParametersBeside: run.json holds a workload's parameters
// beside the other fields ("p": 0.3), and reads them back.
func TestJSONKeepsParametersBeside(t *testing.T) {
	c := tinyConfig("mc").WithDefaults()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, 0.5, m["p"])
	require.Equal(t, 4.0, m["r_hat"])
	var back config.Config
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, 0.5, back.Float("p"))
	require.Equal(t, config.Hash(c), config.Hash(back))
}

// TestFieldsCoverFlags: every common field and every registered
// parameter is in the table once.
func TestFieldsCoverFlags(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range config.Fields() {
		require.False(t, seen[f.Key], "field %s twice", f.Key)
		seen[f.Key] = true
		require.NotEmpty(t, f.Help, f.Key)
	}
	for _, k := range []string{"workload", "d", "r", "r-hat", "eta", "seed", "methods", "p", "m", "noise", "loss"} {
		require.True(t, seen[k], k)
	}
}
