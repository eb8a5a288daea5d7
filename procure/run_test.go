package procure

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRunTiny(t *testing.T) {
	var progress strings.Builder
	r, err := Run(Tiny(), Options{Progress: &progress})
	require.NoError(t, err)
	require.Equal(t, Kind, r.Kind)
	require.Equal(t, "tiny", r.Suite)
	// 2 calibration runs, 2 step workloads x 2 sizes x 2 methods, 1 preset x
	// 2 methods x 2 runs, 2 inference methods: 2 + 8 + 4 + 2 + 1 (mlp) tasks.
	require.Contains(t, progress.String(), "[17/17] mlp: elapsed")
	require.Contains(t, progress.String(), "left\n")

	want := map[string]struct {
		category string
		samples  int // 0: absent
	}{
		"calibration/dgemm/n=32":                                 {Calibration, 2},
		"calibration/triad":                                      {Calibration, 2},
		"step/workload=mf/method=original/d=16":                  {Training, 3},
		"step/workload=mf/method=compressed/d=16":                {Training, 3},
		"step/workload=ms/method=original/d=256":                 {Training, 0},
		"time-to-quality/preset=quick.mf/method=original":        {TimeToQuality, 2},
		"energy/preset=quick.mf/method=compressed":               {Energy, 2},
		"memory/peak-rss/preset=quick.mf/method=original":        {Memory, 2},
		"inference/method=compressed/d=32/batch=1":               {Inference, -1},
		"inference/method=original/d=32/batch=4":                 {Inference, -1},
		"time-to-quality/mlp=fashion-mnist/method=cdln/acc=0.85": {TimeToQuality, 0},
	}
	for name, w := range want {
		b, ok := r.Lookup(name)
		require.True(t, ok, "benchmark %s missing", name)
		require.Equal(t, w.category, b.Category, name)
		switch {
		case w.samples == 0:
			require.NotEmpty(t, b.Absent, "%s: absent says why", name)
			require.Empty(t, b.Samples, name)
			require.Nil(t, b.Median, "%s: absent is null, never 0", name)
		case w.samples < 0:
			require.GreaterOrEqual(t, len(b.Samples), 10, "%s: MinCalls latencies", name)
			require.NotNil(t, b.P99, name)
			require.LessOrEqual(t, *b.Median, *b.P99, name)
		default:
			require.Len(t, b.Samples, w.samples, name)
			require.NotNil(t, b.Median, name)
			require.Nil(t, b.Lo, "%s: %d samples give no 95%% interval of the median (6 needed)", name, w.samples)
		}
	}
	e, _ := r.Lookup("energy/preset=quick.mf/method=compressed")
	require.Equal(t, r.EnergyMeasured, e.Measured, "the energy's label follows the meter")
	b, _ := r.Lookup("step/workload=ms/method=original/d=256")
	require.Contains(t, b.Absent, "does not benchmark d = 256")

	// The report's peak RSS is the whole suite's: at least every run's.
	if r.PeakRSSBytes != nil {
		for _, b := range r.Benchmarks {
			if b.Category == Memory {
				for _, v := range b.Samples {
					require.LessOrEqual(t, v, float64(*r.PeakRSSBytes), "%s above the suite's peak RSS", b.Name)
				}
			}
		}
	}

	// The file round-trips.
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, r.WriteFile(path))
	back, err := ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, r.Benchmarks, back.Benchmarks)
	require.Equal(t, r.Machine.CPUModel, back.Machine.CPUModel)
}

func TestSuiteValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Suite)
		want string
	}{
		{"no version", func(s *Suite) { s.Version = 0 }, "version 0"},
		{"unknown workload", func(s *Suite) { s.StepWorkloads = []string{"nope"} }, `workload "nope"`},
		{"unknown preset", func(s *Suite) { s.TTQPresets = []string{"nope"} }, "nope"},
		{"unknown run", func(s *Suite) { s.TTQPresets = []string{"quick/nope"} }, `no run named "nope"`},
		{"preset of several runs", func(s *Suite) { s.TTQPresets = []string{"quick"} }, "has 3 runs"},
		{"size", func(s *Suite) { s.InferSizes = []int{4} }, "size 4"},
		{"batch", func(s *Suite) { s.InferBatches = []int{0} }, "batch 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Tiny()
			tc.edit(&s)
			_, err := Run(s, Options{})
			require.ErrorContains(t, err, tc.want)
		})
	}
	require.NoError(t, Standard(true).Validate())
	require.NoError(t, Standard(false).Validate())
}
