package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/results"
)

// Rows of issue item 16: a --workload that contradicts a single-workload
// preset is refused naming both (never "invalid --m 0" or "invalid --p 0",
// flags the user did not give); in a suite of several workloads (quick)
// --workload selects the runs of that workload.
func init() {
	out := []string{"--steps", "2", "--quiet", "--out", "{dir}/out"}
	addBadInputs(kindNotApplying,
		refused("run --preset paper-mc-fast --workload ms", with(append([]string{"run", "--preset", "paper-mc-fast", "--workload", "ms"}, out...)),
			"invalid --workload ms", "contradicts --preset paper-mc-fast, a mc preset"),
		refused("run --preset paper-mc-fast --workload mf", with(append([]string{"run", "--preset", "paper-mc-fast", "--workload", "mf"}, out...)),
			"invalid --workload mf", "contradicts --preset paper-mc-fast, a mc preset"),
		refused("run --preset quick --workload none of its", with(append([]string{"run", "--preset", "quick", "--workload", "sparse-mc"}, out...)),
			"invalid --workload sparse-mc"),
		badInput{name: "run --preset quick --workload mc selects its mc run",
			args:     with(append([]string{"run", "--preset", "quick", "--workload", "mc"}, out...)),
			wantCode: exitOK, wantMsg: []string{"(mc)"},
			check: func(t *testing.T, dir, stdout, stderr string) {
				run, err := results.ReadRun(filepath.Join(dir, "out", "run.json"))
				require.NoError(t, err, "one run: written to --out itself")
				require.Equal(t, "mc", run.Config.Workload)
				_, err = os.Stat(filepath.Join(dir, "out", "mf"))
				require.True(t, os.IsNotExist(err), "the mf run of quick ran")
			}},
	)
}
