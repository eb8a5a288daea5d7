package sweep

import (
	"flag"
	"os"
	"testing"
	"time"

	"github.com/lowdim/lowdim/machine"
)

var runPresets = flag.Bool("sweep.presets", false, "run every sweep preset's --quick size (minutes) and check alpha-ablation's trend")

// TestPresetsExpand: every embedded preset, full and --quick, parses and
// expands (each point resolved and checked), with 3 seeds.
func TestPresetsExpand(t *testing.T) {
	names := PresetNames()
	if len(names) < 5 {
		t.Errorf("presets %v, want alpha-ablation, depth, width, noise, rank", names)
	}
	for _, name := range names {
		s, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range []*Spec{s, s.WithQuick()} {
			ps, err := sp.Expand()
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			seeds := map[uint64]bool{}
			for _, p := range ps {
				seeds[p.Config.Seed] = true
			}
			if len(seeds) != 3 {
				t.Errorf("%s: %d seeds, want 3", name, len(seeds))
			}
		}
	}
	if _, err := Preset("nosuch"); err == nil {
		t.Error("Preset(nosuch): no error")
	}
}

// TestPresetsQuick (-sweep.presets) runs every preset's --quick size,
// logs its time, and checks alpha-ablation's trend: the compressed
// network's mean steps to the tolerance fall as alpha grows, the
// original's do not depend on alpha.
func TestPresetsQuick(t *testing.T) {
	if !*runPresets {
		t.Skip("the presets' --quick runs take minutes: go test -sweep.presets")
	}
	for _, name := range PresetNames() {
		s, _ := Preset(name)
		ps, err := s.WithQuick().Expand()
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		t0 := time.Now()
		sum, err := Execute(ps, Options{Out: out, Version: machine.Read().Version, Train: train, Write: writeRunJSON})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s --quick: %d configurations in %v (%d failed)", name, len(ps), time.Since(t0).Round(time.Second), sum.Failed)
		if name != "alpha-ablation" {
			continue
		}
		m, err := Merge(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range m.Curves(Metrics[0], "alpha") {
			for i := range c.X {
				t.Logf("%s alpha=%g steps to tol: mean %.0f over %d seeds", c.Method, c.X[i], c.Y[i].Mean, c.Y[i].N)
			}
			first, last := c.Y[0].Mean, c.Y[len(c.Y)-1].Mean
			switch c.Method {
			case "compressed":
				if !(last < first/2) {
					t.Errorf("compressed: steps at the largest alpha %v, not below half of the smallest's %v", last, first)
				}
			case "original":
				if last != first {
					t.Errorf("original: steps %v at the largest alpha, %v at the smallest; want the same (alpha is the compressed network's)", last, first)
				}
			}
		}
	}
	_ = os.Getenv
}
