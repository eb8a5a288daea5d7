package memplan_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
)

// The preflight's plan against the peak RSS (VmHWM) a run really reaches.
// Each configuration runs in a child process of its own (this test binary,
// re-executed), so that one run's memory does not count in the next.

// planLow and planHigh bound plan / peak RSS (issue 10: the plan within
// [0.8, 1.3] of the measured peak).
const (
	planLow  = 0.8
	planHigh = 1.3
)

// childEnv carries the child's configuration (JSON of a config.Config).
const childEnv = "LOWDIM_MEMPLAN_CHILD"

type peakReport struct {
	Plan, Limit, Peak uint64
	Phase             string
}

// peakCases are the configurations of the table. The first ones set the
// constants of PlanMemory (drawCopies, svdCopies, the LoP shadow), the
// rest were measured only after: other sizes, depths, workloads, paths and
// method sets.
var peakCases = []struct {
	name   string
	c      config.Config
	verify []int // candidate widths: run lowdim verify instead of run
}{
	{"mf/original/d=400", cfg("mf", 400, 10, 3, "original"), nil},
	{"mf/compressed/d=500", cfg("mf", 500, 10, 3, "compressed"), nil},
	{"mc/original,compressed/d=400", cfg("mc", 400, 5, 3, "original,compressed", "p", 0.3), nil},
	// Not used to set the constants:
	{"mf/all/d=350/L=4", cfg("mf", 350, 8, 4, "original,compressed,narrow,bm"), nil},
	{"mf/narrow,bm/d=700/L=2", cfg("mf", 700, 5, 2, "narrow,bm"), nil},
	{"mc/compressed/d=600", cfg("mc", 600, 8, 3, "compressed", "p", 0.2), nil},
	{"ms/original,compressed/d=40", cfg("ms", 40, 3, 3, "original,compressed", "m", 6000), nil},
	{"mf/lop/d=400", cfg("mf", 400, 5, 3, "original,lop"), nil},
	{"mc/sparse/compressed/d=6000", cfg("mc", 6000, 5, 3, "compressed", "p", 0.05), nil},
	{"verify/mf/d=400", cfg("mf", 400, 5, 3, "original,compressed"), []int{10, 40}},
	// Rectangular m x n targets (issue 13): the footprints and SVDs of an
	// m x n target, the original's width max(m, n).
	{"mf/original,compressed/300x600", rect(cfg("mf", 0, 10, 3, "original,compressed"), 300, 600), nil},
	{"mc/original,compressed/500x250", rect(cfg("mc", 0, 5, 3, "original,compressed", "p", 0.3), 500, 250), nil},
	{"ms/original,compressed/30x60", rect(cfg("ms", 0, 3, 3, "original,compressed", "m", 3000), 30, 60), nil},
	{"mc/sparse/compressed/3000x9000", rect(cfg("mc", 0, 5, 3, "compressed", "p", 0.02), 3000, 9000), nil},
}

// rect sets the rows x cols shape of c.
func rect(c config.Config, rows, cols int) config.Config {
	c.Rows, c.Cols = rows, cols
	return c
}

// childConfig is what the child runs.
type childConfig struct {
	Config config.Config
	Verify []int
}

func cfg(workload string, d, r, depth int, ms string, kv ...any) config.Config {
	c := config.Config{Workload: workload, D: d, R: r, Depth: depth, Eta: 1e-3, Steps: 10, Every: 5,
		Methods: strings.Split(ms, ",")}
	for i := 0; i < len(kv); i += 2 {
		c.Set(kv[i].(string), kv[i+1])
	}
	return c
}

func TestPlanAgainstPeakRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		testenv.Unavailable(t, "VmHWM is read from /proc/self/status (Linux)")
	}
	if os.Getenv(childEnv) != "" {
		t.Skip("child")
	}
	for _, tc := range peakCases {
		t.Run(tc.name, func(t *testing.T) {
			js, err := json.Marshal(childConfig{tc.c, tc.verify})
			require.NoError(t, err)
			cmd := exec.Command(os.Args[0], "-test.run=^TestPeakChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"="+string(js))
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			var rep peakReport
			i := strings.Index(string(out), "{")
			require.GreaterOrEqual(t, i, 0, "%s", out)
			require.NoError(t, json.NewDecoder(strings.NewReader(string(out[i:]))).Decode(&rep), "%s", out)
			ratio := float64(rep.Plan) / float64(rep.Peak)
			t.Logf("plan %s (peak phase %q, Go limit %s), peak RSS %s: plan/peak %.3f",
				machine.FormatBytes(rep.Plan), rep.Phase, machine.FormatBytes(rep.Limit), machine.FormatBytes(rep.Peak), ratio)
			require.GreaterOrEqual(t, ratio, planLow)
			require.LessOrEqual(t, ratio, planHigh)
		})
	}
}

// TestPeakChild runs one configuration and prints its plan and peak RSS.
func TestPeakChild(t *testing.T) {
	js := os.Getenv(childEnv)
	if js == "" {
		t.Skip("run by TestPlanAgainstPeakRSS in a child process")
	}
	var cc childConfig
	require.NoError(t, json.Unmarshal([]byte(js), &cc))
	var mem *results.MemoryInfo
	if cc.Verify != nil {
		v, err := experiment.Verify(experiment.VerifyConfig{Config: cc.Config, RHats: cc.Verify}, nil, experiment.Options{})
		require.NoError(t, err)
		mem = v.Memory
	} else {
		run, err := experiment.Run(cc.Config, experiment.Options{})
		require.NoError(t, err)
		mem = run.Memory
	}
	require.NotNil(t, mem)
	require.NotNil(t, mem.PlanBytes)
	require.NotNil(t, mem.PeakRSSBytes)
	b, err := json.Marshal(peakReport{Plan: *mem.PlanBytes, Limit: *mem.LimitBytes,
		Peak: *mem.PeakRSSBytes, Phase: mem.PlanPhase})
	require.NoError(t, err)
	fmt.Println(string(b))
}
