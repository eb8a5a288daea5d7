package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
)

func mustRun(t *testing.T, c config.Config, opt Options) *results.Run {
	t.Helper()
	run, err := Run(c, opt)
	require.NoError(t, err)
	require.NotNil(t, run)
	return run
}

func TestRunDeterministic(t *testing.T) {
	for _, w := range config.WorkloadNames() {
		t.Run(w, func(t *testing.T) {
			c := tinyConfig(w)
			c.Seed = 7
			a := mustRun(t, c, Options{})
			b := mustRun(t, c, Options{})
			require.Len(t, a.Methods, len(config.DefaultMethods()), "all methods by default")
			requireMoved(t, a)
			requireSameTraces(t, a, b)
			require.Equal(t, a.Instance, b.Instance)
			// A checkpoint records the requested singular values of W.
			require.Len(t, a.Methods[0].Trajectory[0].SingularValues, c.SVals)
			if w == "mc" {
				require.True(t, a.Methods[0].Trajectory[0].HasTestLoss, "mc records a test loss")
			}
		})
	}
}

func TestRunSeedChangesInstance(t *testing.T) {
	for _, w := range config.WorkloadNames() {
		t.Run(w, func(t *testing.T) {
			c := tinyConfig(w).WithDefaults()
			c.Seed = 1
			in1, err := instance.Build(c)
			require.NoError(t, err)
			c.Seed = 2
			in2, err := instance.Build(c)
			require.NoError(t, err)
			require.False(t, mat.Equal(in1.Target, in2.Target), "seeds 1 and 2 drew the same target")
			// And the same seed draws the same instance.
			in2again, err := instance.Build(c)
			require.NoError(t, err)
			require.True(t, mat.Equal(in2.Target, in2again.Target))
			switch w {
			case "mc":
				require.False(t, mat.Equal(maskOf(in1), maskOf(in2)), "seeds 1 and 2 drew the same mask")
				require.True(t, mat.Equal(maskOf(in2), maskOf(in2again)))
			case "ms":
				require.False(t, mat.Equal(opOf(in1), opOf(in2)), "seeds 1 and 2 drew the same operator")
				require.True(t, mat.Equal(opOf(in2), opOf(in2again)))
				require.Equal(t, yOf(in2), yOf(in2again))
			}

			// Through Run: the target's singular values and the
			// trajectories differ too.
			c1, c2 := tinyConfig(w), tinyConfig(w)
			c1.Seed, c2.Seed = 1, 2
			c1.Methods, c2.Methods = []string{methods.Original}, []string{methods.Original}
			r1, r2 := mustRun(t, c1, Options{}), mustRun(t, c2, Options{})
			require.NotEqual(t, r1.Instance.TargetSVals, r2.Instance.TargetSVals)
			require.NotEmpty(t, firstDiff(traceOf(r1.Method(methods.Original)), traceOf(r2.Method(methods.Original))), "seeds 1 and 2 trained identically")
		})
	}
}

// TestRunSharedInstance checks that the instance and each method's
// initialization do not depend on which other methods run, nor on their
// order: every draw has its own stream of the seed.
func TestRunSharedInstance(t *testing.T) {
	for _, w := range config.WorkloadNames() {
		t.Run(w, func(t *testing.T) {
			runWith := func(methods ...string) (*results.Run, []byte) {
				c := tinyConfig(w)
				c.Seed = 3
				c.Methods = methods
				dir := t.TempDir()
				run := mustRun(t, c, Options{SaveInstance: dir})
				target, err := os.ReadFile(filepath.Join(dir, instance.TargetFile))
				require.NoError(t, err)
				return run, target
			}
			alone, targetAlone := runWith(methods.Original)
			pair, targetPair := runWith(methods.Original, methods.Compressed)
			swapped, targetSwapped := runWith(methods.Compressed, methods.Original)
			compAlone, targetComp := runWith(methods.Compressed)

			require.Equal(t, targetAlone, targetPair, "target.npy depends on the methods")
			require.Equal(t, targetAlone, targetSwapped, "target.npy depends on the method order")
			require.Equal(t, targetAlone, targetComp)
			require.Equal(t, alone.Instance, pair.Instance)
			require.Equal(t, alone.Instance, compAlone.Instance)

			requireSameTrace(t, traceOf(alone.Method(methods.Original)), traceOf(pair.Method(methods.Original)))
			requireSameTrace(t, traceOf(alone.Method(methods.Original)), traceOf(swapped.Method(methods.Original)))
			requireSameTrace(t, traceOf(compAlone.Method(methods.Compressed)), traceOf(pair.Method(methods.Compressed)))
			requireSameTrace(t, traceOf(compAlone.Method(methods.Compressed)), traceOf(swapped.Method(methods.Compressed)))
			require.Equal(t, []string{methods.Compressed, methods.Original}, []string{swapped.Methods[0].Method, swapped.Methods[1].Method},
				"methods run in the order given")
		})
	}
}

func TestRunRecordsMethods(t *testing.T) {
	c := tinyConfig("mf")
	run := mustRun(t, c, Options{})
	// Parameter counts (DESIGN.md section 2), d = 12, r-hat = 2r = 4, L = 3:
	// original L d^2 = 432; compressed and narrow 2 d rh + (L-2) rh^2 =
	// 96 + 16 = 112; Burer-Monteiro 2 d rh = 96.
	want := map[string]int{methods.Original: 432, methods.Compressed: 112, methods.Narrow: 112, methods.BM: 96}
	for _, m := range run.Methods {
		require.Equal(t, want[m.Method], m.Params, m.Method)
		require.Equal(t, int64(8*m.Params), m.ParamBytes, m.Method)
		require.Contains(t, []results.Status{results.Converged, results.MaxSteps, results.Diverged}, m.Status)
	}
	require.Equal(t, [][2]int{{4, 12}, {4, 4}, {12, 4}}, run.Method(methods.Compressed).Layers, "compressed layers, W1 first")
	require.Contains(t, run.Ratios, "compressed/original")
	require.Equal(t, "seed", run.Instance.Source)

	// Log gets one line per method.
	var log strings.Builder
	c.Methods = []string{methods.Original, methods.BM}
	mustRun(t, c, Options{Log: &log})
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 2)
	require.True(t, strings.HasPrefix(lines[0], "original: "), lines[0])
	require.True(t, strings.HasPrefix(lines[1], "bm: "), lines[1])
}

func TestRunRejectsBadConfig(t *testing.T) {
	c := tinyConfig("mc")
	c.Set("p", 1.5)
	run, err := Run(c, Options{})
	require.Nil(t, run)
	requireConfigError(t, err, "p", "1.5")
}
