package sweep

import (
	"strings"
	"testing"
)

// TestExpandWorkloadAxis: noise alone does not resolve (the default
// workload, mf, has no noise) but does beside an axis of workloads that
// have it; a noise no workload accepts is still refused naming the axis,
// and so is a workload that has no noise.
func TestExpandWorkloadAxis(t *testing.T) {
	spec := func(workloads, noise string) string {
		return `[base]
d = 12
r = 2
steps = 10
methods = "compressed"
[[axis]]
key = "workload"
values = [` + workloads + `]
[[axis]]
key = "noise"
values = [` + noise + `]
`
	}
	s, err := ParseSpec("w.toml", []byte(spec(`"ms", "mc"`, "0.0, 0.1")))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 4 {
		t.Fatalf("%d points, want 4", len(ps))
	}
	for _, p := range ps {
		if p.Config.Workload != p.Axes[0].Value || p.Config.Float("noise") != p.Axes[1].Value {
			t.Errorf("point %s: workload %s noise %v", FormatAxes(p.Axes), p.Config.Workload, p.Config.Float("noise"))
		}
	}
	for _, tc := range []struct{ workloads, noise, want string }{
		{`"ms", "mc"`, "0.0, -1.0", "axis noise = -1: invalid --noise -1"},
		{`"mc", "mf"`, "0.1", "does not apply to --workload mf"},
	} {
		s, err := ParseSpec("w.toml", []byte(spec(tc.workloads, tc.noise)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Expand(); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "w.toml") {
			t.Errorf("workloads %s noise %s: error %v, want one naming w.toml and %q", tc.workloads, tc.noise, err, tc.want)
		}
	}
}
