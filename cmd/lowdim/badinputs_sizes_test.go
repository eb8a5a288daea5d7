package main

import (
	"strings"
	"testing"
)

// Kind 1: allocation before validation. Every size a flag, a config key or
// a file header gives is checked (against its bound or the memory
// preflight) before anything of that size is allocated: each row is
// refused in milliseconds and a few MB, where the issue saw 1.6 GB, out of
// memory traces, SIGSEGV and makeslice panics.
func init() {
	huge := "9223372036854775807" // math.MaxInt64
	addBadInputs(kindAlloc,
		// Sizes of the problem, refused by validation or the preflight.
		refused("run --d 1e9", with(runBase, "--d", "1000000000"), "invalid --d 1000000000"),
		refused("run --d MaxInt64", with(runBase, "--d", huge), "invalid --d "+huge),
		refused("run --d overflows int", with(runBase, "--d", "9223372036854775808"), "9223372036854775808", "-d"),
		refused("run --d 100000 sparse mc", with(runBase, "--workload", "mc", "--d", "100000", "--methods", "compressed", "--p", "0.5"), "100000"),
		refused("run --r-hat 1e9", with(runBase, "--r-hat", "1000000000"), "invalid --r-hat 1000000000"),
		refused("run --r 1e9", with(runBase, "--r", "1000000000"), "invalid --r 1000000000"),
		refused("run --depth 1e8", with(runBase, "--depth", "100000000"), "invalid --depth 100000000", "at most 64"),
		refused("run --depth 65", with(runBase, "--depth", "65"), "invalid --depth 65"),
		refused("run --svals 1e6", with(runBase, "--svals", "1000000"), "invalid --svals 1000000"),
		refused("run ms --m 1e9", with(runBase, "--workload", "ms", "--m", "1000000000"), "invalid --m 1000000000"),
		refused("run ms operator 3.2 TB", with(runBase, "--workload", "ms", "--d", "2000", "--m", "100000"), "invalid --m 100000", "TB"),
		refused("run mc dense storage at d 60000", with(runBase, "--workload", "mc", "--d", "60000", "--storage", "dense", "--methods", "compressed", "--p", "0.001"), "60000", "GB"),
		refused("run original at d 50000", with(runBase, "--d", "50000", "--methods", "original"), "invalid --d 50000", "GB"),
		refusedSetup("run config d = 1e9", with(loadBase, "--r", "2", "--config", "{dir}/big.toml"), files("big.toml", "d = 1000000000\n"), "{dir}/big.toml", "1000000000"),
		refused("verify --r-hat 1e9", with(verifyTiny, "--r-hat", "1000000000"), "invalid --r-hat 1000000000"),
		refused("verify --d 50000", with(verifyTiny, "--d", "50000"), "invalid --d 50000"),
		refused("verify --depth 1e8", with(verifyTiny, "--depth", "100000000"), "invalid --depth 100000000"),
		// File headers: a coordinate .mtx that declares a huge matrix for a
		// few bytes, .npy headers whose data the file does not hold.
		refused("verify mc target mtx_10k_1entry.mtx", []string{"verify", "--workload", "mc", "--target", bad("mtx_10k_1entry.mtx"), "--r", "1", "--quiet", "--out", "{dir}/out"}, bad("mtx_10k_1entry.mtx")),
		refusedSetup("verify mc target declaring 31622 x 31622", []string{"verify", "--workload", "mc", "--r", "1", "--quiet", "--out", "{dir}/out", "--target", "{dir}/big.mtx"},
			files("big.mtx", "%%MatrixMarket matrix coordinate real general\n31622 31622 2\n1 1 1\n2 2 2\n"), "{dir}/big.mtx"),
		refusedSetup("verify mf target declaring 31622 x 31622", []string{"verify", "--r", "1", "--quiet", "--out", "{dir}/out", "--target", "{dir}/big.mtx"},
			files("big.mtx", "%%MatrixMarket matrix coordinate real general\n31622 31622 2\n1 1 1\n2 2 2\n"), "{dir}/big.mtx: a 31622 x 31622 target: the run needs"),
		refusedSetup("verify mtx declaring 1e10 entries", []string{"verify", "--r", "1", "--quiet", "--out", "{dir}/out", "--target", "{dir}/big.mtx"},
			files("big.mtx", "%%MatrixMarket matrix coordinate real general\n100000 100000 1\n1 1 1\n"), "{dir}/big.mtx", "exceeds the limit"),
		refusedSetup("verify mtx array declaring 1e9 values", []string{"verify", "--r", "1", "--quiet", "--out", "{dir}/out", "--target", "{dir}/big.mtx"},
			files("big.mtx", "%%MatrixMarket matrix array real general\n31622 31622\n1\n"), "{dir}/big.mtx", "size line declares"),
		refusedSetup("verify npy header 100000 x 100000", []string{"verify", "--r", "1", "--quiet", "--out", "{dir}/out", "--target", "{dir}/big.npy"},
			files("big.npy", npyHeader("(100000, 100000)", 64)), "{dir}/big.npy"),
		refusedSetup("verify csv of one huge line", []string{"verify", "--r", "1", "--quiet", "--out", "{dir}/out", "--target", "{dir}/wide.csv"},
			files("wide.csv", "1,2\n"+strings.Repeat("1,", 20000)+"1\n"), "{dir}/wide.csv"),
		refusedSetup("load-instance target header 50000 x 50000", with(loadBase, "--load-instance", "{dir}/inst"),
			files("inst/target.npy", npyHeader("(50000, 50000)", 128)), "{dir}/inst/target.npy"),
		refusedSetup("load-instance A.npy header 1e6 x 6 x 6", with(loadBase, "--load-instance", "{dir}/inst", "--r", "1"),
			func(t *testing.T, dir string) []string {
				copyFiles(t, "testdata/instances/ms_m50", dir+"/inst")
				writeIn(t, dir, "inst/A.npy", npyHeader("(1000000, 6, 6)", 128))
				return nil
			}, "{dir}/inst/A.npy"),
		refusedSetup("load-instance mask.npy header 1e5 x 1e5", with(loadBase, "--load-instance", "{dir}/inst", "--r", "1"),
			func(t *testing.T, dir string) []string {
				copyFiles(t, "testdata/instances/mc_12of36", dir+"/inst")
				writeIn(t, dir, "inst/mask.npy", npyHeader("(100000, 100000)", 128))
				return nil
			}, "{dir}/inst/mask.npy"),
		refusedSetup("load-instance y.npy header 1e9", with(loadBase, "--load-instance", "{dir}/inst", "--r", "1"),
			func(t *testing.T, dir string) []string {
				copyFiles(t, "testdata/instances/ms_m50", dir+"/inst")
				writeIn(t, dir, "inst/y.npy", npyHeader("(1000000000,)", 128))
				return nil
			}, "{dir}/inst/y.npy"),
		refusedSetup("verify npy of 3 dimensions", []string{"verify", "--r", "1", "--quiet", "--out", "{dir}/out", "--target", "{dir}/t.npy"},
			files("t.npy", npyHeader("(3, 100000, 100000)", 64)), "{dir}/t.npy"),
		refused("run --svals MaxInt64", with(runBase, "--svals", huge), "invalid --svals "+huge),
		badInput{name: "run --steps MaxInt64 ends at --tol, nothing sized by steps", args: with(runBase, "--steps", huge, "--loss", "sum", "--eta", "0.05", "--tol", "1e-2", "--methods", "compressed", "--max-time", "0"),
			wantCode: exitOK, wantMsg: []string{"converged"}},
		// The time preflight of a budget beyond any duration: refused,
		// offering no limit (doubling --max-time to cover it overflowed
		// time.Duration and never ended).
		refused("run --steps MaxInt64 with --tol 0 beyond any --max-time", with(runBase, "--steps", huge, "--tol", "0", "--methods", "compressed"),
			"invalid --max-time 1h0m0s", "give no limit (--max-time 0)"),
		// Benchmarks and calibration: the processes, sizes and repetitions.
		refused("bench --cpu 0", with(benchBase, "--cpu", "0"), "invalid --cpu 0", "below 1"),
		refused("bench --sizes 7", with(benchBase, "--sizes", "7"), "invalid --sizes 7", "below 8"),
		refused("calibrate --sizes 8193", with(calibBase, "--sizes", "8193"), "invalid --sizes 8193"),
		refusedSetup("mlp --width 65537", with(mlpBase, "--width", "65537"), withMLPData, "invalid --width 65537", "at most 65536"),
		refusedSetup("mlp --eval-rows above the data", with(mlpBase, "--eval-rows", "1000000"), withMLPData, "invalid --eval-rows 1000000", "80 images"),
		refused("bench --cpu 100000", with(benchBase, "--cpu", "100000"), "invalid --cpu 100000", "GOMAXPROCS 100000 is above"),
		refused("bench --cpu 1025", with(benchBase, "--cpu", "1025"), "invalid --cpu 1025"),
		refused("bench --cpu MaxInt64", with(benchBase, "--cpu", "1,"+huge), "invalid --cpu 1,"+huge),
		refused("bench --sizes 100000", with(benchBase, "--sizes", "100000"), "invalid --sizes 100000", "above 16384"),
		refused("bench --sizes MaxInt64", with(benchBase, "--sizes", huge), "invalid --sizes "+huge),
		refused("bench --count 1e8", with(benchBase, "--count", "100000000"), "invalid --count 100000000"),
		refused("calibrate --sizes 100000", with(calibBase, "--sizes", "100000"), "invalid --sizes 100000", "above 8192"),
		refused("calibrate --triad-mb 1e8", with(calibBase, "--triad-mb", "100000000"), "invalid --triad-mb 100000000"),
		refused("calibrate --reps 1e9", with(calibBase, "--reps", "1000000000"), "invalid --reps 1000000000"),
		// The MLP run: widths, depth, batch, epochs, latency.
		refusedSetup("mlp --width 1e8", with(mlpBase, "--width", "100000000"), withMLPData, "invalid --width 100000000"),
		refusedSetup("mlp --width2 1e9", with(mlpBase, "--width2", "1000000000"), withMLPData, "invalid --width2 1000000000"),
		refusedSetup("mlp --depth 1e8", with(mlpBase, "--depth", "100000000"), withMLPData, "invalid --depth 100000000"),
		refusedSetup("mlp --batch 1e8", with(mlpBase, "--batch", "100000000"), withMLPData, "invalid --batch 100000000"),
		refusedSetup("mlp --batch above the rows", with(mlpBase, "--batch", "100000"), withMLPData, "invalid --batch 100000", "160 training rows"),
		refusedSetup("mlp --epochs MaxInt64", with(mlpBase, "--epochs", huge), withMLPData, "invalid --epochs "+huge),
		refusedSetup("mlp --width 60000 by the memory check", with(mlpBase, "--width", "60000", "--r-hat", "4"), withMLPData, "invalid --width 60000", "needs"),
		refusedSetup("mlp --latency-seconds 1e300", with(mlpBase, "--latency-seconds", "1e300"), withMLPData, "invalid --latency-seconds 1e+300"),
		refusedSetup("mlp --train-rows above the data", with(mlpBase, "--train-rows", "1000000"), withMLPData, "invalid --train-rows 1000000"),
	)
}
