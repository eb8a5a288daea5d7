package instance_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/workloads"
)

// The files in testdata are the inputs of ../shared/cases (README.txt in
// each folder):
//
//	target_f4.npy        rank-inference-float32: 100 x 100, rank 5, '<f4'
//	one_by_one.npy       target-derived-values-blamed-on-flags: 1 x 1 float64
//	fullrank2.csv        target-derived-values-blamed-on-flags: [[2,1],[1,2]]
//	rank20_30x30.npy     generator-rules-on-user-target/target.npy: 30 x 30, rank 20
//	rank20_instance/     generator-rules-on-user-target/instance
//	rank6_10x10.npy      bad-inputs: 10 x 10, rank 6
//	zero10.npy           bad-inputs: 10 x 10 zeros
//	zero_instance/       bad-inputs: the same as an instance folder
//	mtx_10k_1entry.mtx   bad-inputs: coordinate 10000 x 10000 with one entry

// userCase is a user's target given to FromFiles as lowdim verify does.
type userCase struct {
	name, file string
	workload   string // "" is mf
	r          int    // > 0: given as --r
	// The outcome: an error holding every wantErr, or these fields of
	// the configuration.
	wantErr   []string
	wantR     int
	wantRHat  int // 0: left to its default 2r
	wantPrec  workloads.Precision
	wantTrain bool // the configuration validates: the run can train
}

// fromFile runs FromFiles on a case, the configuration a preset's (r = 2
// unless given, as `lowdim verify` resolves it).
func fromFile(t *testing.T, tc userCase) (config.Config, *instance.Instance, error) {
	t.Helper()
	c := config.Config{Workload: "mf", R: 2, Eta: 1, Steps: 1, Seed: 3, Params: config.Params{"loss": "sum"}}
	if tc.workload != "" {
		c = config.Config{Workload: tc.workload, R: 2, Eta: 1, Steps: 1, Seed: 3}
	}
	if tc.r > 0 {
		c.R = tc.r
	}
	u := instance.UserFiles{Target: filepath.Join("testdata", tc.file), RGiven: tc.r > 0, HeldOut: instance.DefaultHeldOut}
	in, err := instance.FromFiles(&c, u)
	return c, in, err
}

// TestFromFilesCases: each case of ../shared/cases about a user's target.
// Values read from a file are reported as the file's (never as "invalid
// --d 1" for a flag the user did not give), degenerate targets are input
// errors (exit 2), and the rank is the target's numerical rank at the
// precision of its dtype (workloads.MatrixRank).
func TestFromFilesCases(t *testing.T) {
	for _, tc := range []userCase{
		// NumPy's matrix_rank says 5: the float32 tolerance 100 * 2^-23 =
		// 1.2e-5 separates s5/s1 = 0.557 from s6/s1 = 1.1e-8
		// (numpy_says.txt); the old 1e-8 threshold gave 7.
		{name: "float32 rank 5", file: "target_f4.npy", wantR: 5, wantPrec: workloads.Float32, wantTrain: true},
		// A 1 x 1 file: the message names the file and what it holds.
		{name: "1 x 1", file: "one_by_one.npy", wantErr: []string{"testdata/one_by_one.npy: a 1 x 1 target; lowdim needs d >= 2"}},
		// [[2,1],[1,2]] has singular values 3 and 1: 1/3 is far above
		// 2 * 2^-52, so its rank is 2 = d: not low-rank.
		{name: "full rank", file: "fullrank2.csv", wantErr: []string{"testdata/fullrank2.csv: the target has full numerical rank 2 (= d", "give --r < 2"}},
		// Rank 20 of 30 (u v^T of 30 x 20 Gaussian factors): the spread
		// generator's r <= d/2 = 15 does not apply to a file, and the
		// default width 2r = 40 > d = 30 is capped at d.
		{name: "rank 20 of 30", file: "rank20_30x30.npy", wantR: 20, wantRHat: 30, wantPrec: workloads.Float64, wantTrain: true},
		// Rank 6 of 10: as above, 2r = 12 capped at d = 10.
		{name: "rank 6 of 10", file: "rank6_10x10.npy", wantR: 6, wantRHat: 10, wantPrec: workloads.Float64, wantTrain: true},
		// Given --r 20 on the rank-20 target: trained, r as given.
		{name: "rank 20 of 30, --r 20", file: "rank20_30x30.npy", r: 20, wantR: 20, wantRHat: 30, wantPrec: workloads.Float64, wantTrain: true},
		// A given rank at or above d is the flag's error, named with the file.
		{name: "--r 30 of 30", file: "rank20_30x30.npy", r: 30, wantErr: []string{"testdata/rank20_30x30.npy: a 30 x 30 target: the rank r = 30 (--r) must be below d = 30"}},
		// All zero: an input error, with or without --r (it used to panic
		// with --r 1: "dln: dimension mismatch").
		{name: "zero", file: "zero10.npy", wantErr: []string{"testdata/zero10.npy: the target is zero (all 10 x 10 entries are 0)"}},
		{name: "zero --r 1", file: "zero10.npy", r: 1, wantErr: []string{"testdata/zero10.npy: the target is zero"}},
		// One entry of a 10000 x 10000 coordinate file: read as a list
		// (never its 10^8 elements), the split of its one entry into test,
		// validation and training is refused.
		{name: "mtx one entry", file: "mtx_10k_1entry.mtx", workload: "mc", r: 1, wantErr: []string{"testdata/mtx_10k_1entry.mtx: 1 units cannot give 1 to test, 1 to validation and at least one to training", "--held-out 0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			c, in, err := fromFile(t, tc)
			runtime.ReadMemStats(&after)
			// Each case reads a file of at most 40 kB (or declares a large
			// size it never fills): 64 MiB allocated is slack of orders of
			// magnitude, and far below the 10000 x 10000 file's dense
			// matrix (800 MB), whatever the machine's speed.
			require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes FromFiles allocated")
			if tc.wantErr != nil {
				require.Error(t, err)
				require.True(t, config.IsUserError(err), "an input error (exit 2): %v (%T)", err, err)
				for _, w := range tc.wantErr {
					require.ErrorContains(t, err, w)
				}
				require.NotContains(t, err.Error(), "invalid --", "a value read from a file is not a flag's")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantR, c.R, "r")
			require.Equal(t, tc.wantRHat, c.RHat, "r_hat")
			require.Equal(t, tc.wantPrec, in.Precision)
			r, err := in.TargetRank()
			require.NoError(t, err)
			require.Equal(t, tc.wantR, r, "TargetRank: the rank checks use")
			require.Len(t, in.TargetSVals(), tc.wantR)
			if tc.wantTrain {
				require.NoError(t, c.WithDefaults().Validate(), "the generator's rules do not apply to a user's target")
			}
		})
	}
}

// TestLoadUserInstance: instance folders get the same treatment as
// --target files: a zero target is an input error naming the file, and the
// spread generator's rule does not apply to a loaded target.
func TestLoadUserInstance(t *testing.T) {
	c := config.Config{Workload: "mf", R: 1, Eta: 1, Steps: 1, Seed: 3}.WithDefaults()
	_, err := instance.Load(filepath.Join("testdata", "zero_instance"), &c)
	require.ErrorContains(t, err, filepath.Join("testdata", "zero_instance", "target.npy")+": the target is zero")

	// lowdim run --load-instance instance --r 20: r_hat = 2r = 40 > 30 is
	// the default's, named as such; with --r-hat 25 it trains.
	c = config.Config{Workload: "mf", R: 20, Eta: 1, Steps: 1, Seed: 3}.WithDefaults()
	dir := filepath.Join("testdata", "rank20_instance")
	_, err = instance.Load(dir, &c)
	require.ErrorContains(t, err, "target.npy: a 30 x 30 target: the compressed width r_hat = 40 (--r-hat, or 2r by default) must be at most d = 30")
	c = config.Config{Workload: "mf", R: 20, RHat: 25, Eta: 1, Steps: 1, Seed: 3}.WithDefaults()
	in, err := instance.Load(dir, &c)
	require.NoError(t, err)
	require.NoError(t, c.Validate(), "r = 20 > d/2 = 15 is the spread generator's rule, not a loaded target's")
	r, err := in.TargetRank()
	require.NoError(t, err)
	require.Equal(t, 20, r, "u v^T of 30 x 20 factors")

	// r at or above the file's d: named with the file.
	c = config.Config{Workload: "mf", R: 30, RHat: 30, Eta: 1, Steps: 1, Seed: 3}.WithDefaults()
	_, err = instance.Load(dir, &c)
	require.ErrorContains(t, err, "target.npy: a 30 x 30 target: the rank r = 30 (--r) must be below d = 30")

	// r not given (config.Resolve clears the preset's): the file's
	// numerical rank, recorded with its source.
	c = config.Config{Workload: "mf", Eta: 1, Steps: 1, Seed: 3}.WithDefaults()
	in, err = instance.Load(dir, &c)
	require.NoError(t, err)
	require.Equal(t, 20, c.R)
	require.Equal(t, 30, c.RHat, "the default 2r = 40 capped at d = 30")
	var keys []string
	for _, d := range in.Derived {
		keys = append(keys, d.Key)
		require.Contains(t, d.From, "target.npy", d.Key)
	}
	require.Equal(t, []string{"d", "r", "r-hat"}, keys)
}

// TestFromFilesScaleAndValues: the rank of a user's target does not depend
// on its scale, down to subnormal numbers (a target scaled to 1e-320 was
// "rank 7"), and non-finite values are input errors naming the file.
func TestFromFilesScaleAndValues(t *testing.T) {
	dir := t.TempDir()
	// Singular values 6, 4, 2.5 of a 10 x 10 target, scaled so that its
	// largest entry is s: workloads.MatrixRank scales by a power of two
	// and allows for the subnormal spacing (its tests derive the bound),
	// so the rank is 3 at every scale.
	phi, err := workloads.WithValues(10, []float64{6, 4, 2.5}, instance.Rand(3, 1))
	require.NoError(t, err)
	amax := mat.Norm(phi, math.Inf(1))
	for _, s := range []float64{1e-320, 1e-300, 1, 1e300} {
		path := filepath.Join(dir, fmt.Sprintf("scaled%g.npy", s))
		var m mat.Dense
		m.Scale(s/amax, phi)
		require.NoError(t, workloads.SaveMatrix(path, &m))
		c := config.Config{Workload: "mf", R: 2, Eta: 1, Steps: 1, Seed: 3, Params: config.Params{"loss": "sum"}}
		_, err := instance.FromFiles(&c, instance.UserFiles{Target: path})
		require.NoError(t, err, "scale %g", s)
		require.Equal(t, 3, c.R, "rank at scale %g", s)
	}
	for _, v := range []float64{math.NaN(), math.Inf(1)} {
		path := filepath.Join(dir, fmt.Sprintf("bad%v.csv", v))
		require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf("1,0\n0,%v\n", v)), 0o644))
		c := config.Config{Workload: "mf", R: 1, Eta: 1, Steps: 1, Seed: 3, Params: config.Params{"loss": "sum"}}
		_, err := instance.FromFiles(&c, instance.UserFiles{Target: path, RGiven: true})
		require.True(t, config.IsUserError(err), "%v", err)
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, fmt.Sprint(v))
	}
}
