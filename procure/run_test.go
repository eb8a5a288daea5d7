package procure

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRunTiny(t *testing.T) {
	var progress strings.Builder
	r, err := Run(Tiny(), Options{Progress: &progress})
	require.NoError(t, err)
	require.Equal(t, Kind, r.Kind)
	require.Equal(t, "tiny", r.Suite)
	// 2 calibration runs, per size 2 step workloads x 2 methods built and
	// 3 rounds of samples, 1 preset x 2 methods x 2 runs, 2 inference
	// networks built and 3 rounds: 2 + 2 x (4 + 3) + 4 + (2 + 3) + 1 (mlp)
	// tasks.
	require.Contains(t, progress.String(), "[26/26] mlp: elapsed")
	require.Contains(t, progress.String(), "inference: round 3 of 3")
	require.Contains(t, progress.String(), "step d=16: round 3 of 3")
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
			require.Len(t, b.Samples, Tiny().InferRounds, "%s: one median per round", name)
			require.NotNil(t, b.P99, name)
			require.LessOrEqual(t, *b.Median, *b.P99, name)
			require.Nil(t, b.CPUMedian, "%s: latencies have no CPU time", name)
		default:
			require.Len(t, b.Samples, w.samples, name)
			require.NotNil(t, b.Median, name)
			if b.Unit == "s" {
				// Every timed sample has its CPU time beside it, and the
				// load it ran under.
				require.Len(t, b.CPUSamples, w.samples, "%s: CPU time of every sample", name)
				require.NotNil(t, b.CPUMedian, name)
				require.NotNil(t, b.LoadAverage, "%s: load average (Linux)", name)
				// Null when no /proc/stat tick (10 ms) passed in its samples.
				if b.OthersCPU != nil {
					require.True(t, *b.OthersCPU >= 0 && *b.OthersCPU <= 1, "%s: others' share %v", name, *b.OthersCPU)
				}
			}
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

// TestStepDropsSizes: a size is dropped before it is built when the
// smaller size's build and step, scaled by d^3, exceed the budget, or when
// the smaller size was dropped.
func TestStepDropsSizes(t *testing.T) {
	s := Tiny()
	s.StepBudget = 10 * time.Second
	st := &state{s: s, r: &Report{}, benches: map[string]int{}, prevStep: map[string]prevStep{}}
	// As if d = 16 took 1 s to build and 1 ms a step: d = 64 is 64 x that,
	// 64 s to build; d = 32 would be 8 s and 8 ms steps, within 10 s.
	st.prevStep["mf/original"] = prevStep{d: 16, build: time.Second, warm: time.Millisecond}
	st.step("mf", "original", 64)
	b, ok := st.r.Lookup("step/workload=mf/method=original/d=64")
	require.True(t, ok)
	require.Contains(t, b.Absent, "dropped: at d = 16 building the problem and network took 1s and a step 1ms, so d = 64 would take about 1m4s (both as d^3)") // 64 s + 64 ms + 6 samples x 64 ms
	require.Empty(t, b.Samples)
	st.step("mf", "original", 128)
	b, _ = st.r.Lookup("step/workload=mf/method=original/d=128")
	require.Contains(t, b.Absent, "dropped: d = 64 was already beyond the suite's 10s per benchmark")

	// The estimate from d = 16 says d = 32 fits: it runs.
	st.prevStep["mf/compressed"] = prevStep{d: 16, build: time.Second, warm: time.Millisecond}
	st.step("mf", "compressed", 32)
	b, _ = st.r.Lookup("step/workload=mf/method=compressed/d=32")
	require.Empty(t, b.Absent)
	require.Len(t, b.Samples, s.StepSamples)

	// A budget no step fits: the first size is dropped after one step,
	// the next without building.
	st.s.StepBudget = time.Nanosecond
	st.step("mc", "original", 16)
	st.step("mc", "original", 32)
	b, _ = st.r.Lookup("step/workload=mc/method=original/d=16")
	require.Contains(t, b.Absent, "dropped: one step took")
	b, _ = st.r.Lookup("step/workload=mc/method=original/d=32")
	require.Contains(t, b.Absent, "dropped: d = 16 was already beyond")
}
