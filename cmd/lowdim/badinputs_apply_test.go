package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Kind 2: a value that does not apply. A flag or config key given for a
// run that would not use it (another workload's parameter, a method's
// multiplier without the method, a generator's value with a target from
// files, a command's flag in a combination that ignores it) is an input
// error naming it, its value and why; and every value is range-checked
// whether or not it applies (the issue's --p Inf on MF trained in full and
// then failed writing run.json).
func init() {
	mfTarget := func(t *testing.T, dir string) []string {
		writeDense(t, dir, "t.npy", knownTarget(t, 12, []float64{3, 2}, 1))
		return []string{"--target", filepath.Join(dir, "t.npy")}
	}
	addBadInputs(kindNotApplying,
		// Another workload's parameters (config.Field.Unused from the
		// field table: each parameter knows its workload).
		refused("--p on mf", with(runBase, "--p", "0.5"), "invalid --p 0.5", "does not apply to --workload mf (it is a parameter of mc)"),
		refused("--p on ms", with(runBase, "--workload", "ms", "--p", "0.5"), "invalid --p 0.5", "does not apply to --workload ms"),
		refused("--p -3 on mf", with(runBase, "--p", "-3"), "invalid --p -3"),
		refused("--p Inf on mf", with(runBase, "--p", "Inf"), "invalid --p +Inf"),
		refused("--noise NaN on mf", with(runBase, "--noise", "NaN"), "invalid --noise NaN", "it is a parameter of mc and ms"),
		refused("--noise on mf", with(runBase, "--noise", "0.1"), "invalid --noise 0.1", "does not apply to --workload mf (it is a parameter of mc and ms)"),
		refused("--m on mc", with(runBase, "--workload", "mc", "--m", "100"), "invalid --m 100", "does not apply to --workload mc"),
		refused("--loss mean on mc", with(runBase, "--workload", "mc", "--loss", "mean"), "invalid --loss mean", "it is a parameter of mf"),
		refused("--loss sum on ms", with(runBase, "--workload", "ms", "--loss", "sum"), "invalid --loss sum"),
		refusedSetup("config p on mf", with(runBase, "--config", "{dir}/c.toml"), files("c.toml", "p = 0.5\n"), "{dir}/c.toml", "--p 0.5", "does not apply to --workload mf"),
		refusedSetup("config noise with flag workload mf", with(runBase, "--workload", "mf", "--config", "{dir}/c.toml"), files("c.toml", "noise = 0.1\n"), "{dir}/c.toml", "--noise 0.1"),
		refused("load mc instance with --noise", with(loadBase, "--load-instance", "testdata/instances/mc_12of36", "--r", "1", "--noise", "0.1"), "invalid --noise 0.1", "does not apply to an instance from files"),
		// Fields only some methods or spectra or workloads use.
		refused("--ratio on the spread spectrum", with(runBase, "--ratio", "0.3"), "invalid --ratio 0.3", "does not apply to --spectrum spread"),
		refused("--ratio NaN on the top spectrum", with(runBase, "--spectrum", "top", "--ratio", "NaN"), "invalid --ratio NaN"),
		refused("--storage on mf", with(runBase, "--storage", "dense"), "invalid --storage dense", "does not apply to --workload mf"),
		refused("--storage sparse on ms", with(runBase, "--workload", "ms", "--storage", "sparse"), "invalid --storage sparse"),
		refused("--alpha without compressed", with(runBase, "--methods", "original", "--alpha", "2"), "invalid --alpha 2", "it is used only by compressed"),
		refused("--r-hat without a narrow network", with(runBase, "--methods", "original,lop", "--r-hat", "4"), "invalid --r-hat 4", "--methods original,lop"),
		refused("--gamma without lop", with(runBase, "--gamma", "0.5"), "invalid --gamma 0.5", "it is used only by lop"),
		refused("quick preset --r-hat with original only", []string{"run", "--preset", "quick", "--methods", "original", "--r-hat", "4", "--steps", "5", "--quiet", "--out", "{dir}/out"}, "invalid --r-hat 4", "nor to the other runs of preset quick"),
		refused("quick preset --ratio with no geometric run", []string{"run", "--preset", "quick", "--ratio", "0.5", "--steps", "5", "--quiet", "--out", "{dir}/out"}, "invalid --ratio 0.5"),
		refused("--path sampled on mf", with(runBase, "--path", "sampled"), "invalid --path sampled", "for matrix completion"),
		refused("--path factored on ms", with(runBase, "--workload", "ms", "--path", "factored"), "invalid --path factored"),
		refused("--path factored on mc", with(runBase, "--workload", "mc", "--path", "factored"), "invalid --path factored"),
		refused("--path dense on a sparse instance", with(runBase, "--workload", "mc", "--storage", "sparse", "--methods", "compressed", "--path", "dense"), "invalid --path dense"),
		refused("original on a sparse instance", with(runBase, "--workload", "mc", "--storage", "sparse", "--methods", "original"), "invalid --methods original", "a sparse instance (--storage sparse) does not hold"),
		refused("--eta and --eta-frac", with(runBase, "--eta", "0.1", "--eta-frac", "0.5"), "invalid --eta-frac 0.5", "give one"),
		refusedSetup("config eta with --eta-frac", with(runBase, "--eta-frac", "0.5", "--config", "{dir}/c.toml"), files("c.toml", "eta = 0.1\n"), "invalid --eta-frac 0.5"),
		refusedSetup("--load-instance of a sparse instance's export", with(runBase, "--workload", "mc", "--methods", "compressed", "--load-instance", "{dir}/inst"),
			files("inst/target_U.npy", "", "inst/observed_cols.npy", ""), "holds a sparse mc instance", "--load-instance reads dense instances only"),
		// verify: its fixed methods, and flags of a user's target.
		refused("verify --storage on mf", with(verifyTiny, "--storage", "dense"), "invalid --storage dense"),
		refused("verify --gamma", with(verifyTiny, "--gamma", "1"), "invalid --gamma 1", "does not apply to lowdim verify, which trains original and compressed"),
		refusedSetup("verify config methods", with(verifyTiny, "--config", "{dir}/c.toml"), files("c.toml", "methods = [\"original\"]\n"), "{dir}/c.toml", "--methods original", "does not apply to lowdim verify"),
		refused("verify --held-out without --target", with(verifyTiny, "--held-out", "0.5"), "invalid --held-out 0.5", "without --target"),
		refused("verify --mask without --target", with(verifyTiny, "--mask", "m.csv"), "invalid --mask m.csv", "--mask needs --target"),
		refusedSetup("verify --mask on mf", []string{"verify", "--r", "2", "--steps", "20", "--quiet", "--out", "{dir}/out", "--mask", "{dir}/m.csv"},
			func(t *testing.T, dir string) []string {
				writeIn(t, dir, "m.csv", "1,1\n1,1\n")
				return mfTarget(t, dir)
			}, "invalid --mask {dir}/m.csv", "not to --workload mf"),
		refusedSetup("verify --held-out on a dense target", []string{"verify", "--r", "2", "--steps", "20", "--quiet", "--out", "{dir}/out", "--held-out", "0.2"}, mfTarget, "--held-out applies to a coordinate .mtx --target"),
		refusedSetup("verify --spectrum with a target", []string{"verify", "--r", "2", "--steps", "20", "--quiet", "--out", "{dir}/out", "--spectrum", "top"}, mfTarget, "invalid --spectrum top", "does not apply to an instance from files"),
		refusedSetup("verify --ratio with a target", []string{"verify", "--r", "2", "--steps", "20", "--quiet", "--out", "{dir}/out", "--spectrum", "geometric", "--ratio", "0.5"}, mfTarget, "does not apply to an instance from files"),
		refused("verify --r-hat above the target's d", []string{"verify", "--target", bad("rank6_10x10.npy"), "--r-hat", "4,100", "--quiet", "--out", "{dir}/out"},
			"invalid --r-hat 4,100", "width 100 is above d = 10 of the 10 x 10 target "+bad("rank6_10x10.npy")),
		refusedSetup("verify --d with a target", []string{"verify", "--r", "2", "--d", "12", "--steps", "20", "--quiet", "--out", "{dir}/out"}, mfTarget, "invalid --d 12", "the target file sets d"),
		refused("verify --p contradicting the mask", []string{"verify", "--workload", "mc", "--target", bad("mc_p_instance/target.npy"), "--mask", bad("mc_p_instance/mask.npy"),
			"--r", "1", "--p", "0.9", "--steps", "10", "--quiet", "--out", "{dir}/out"}, "invalid --p 0.9", "observe 12 of 36 entries"),
		// run --load-instance: the workload and the parameters the files fix.
		refused("load ms instance with --noise", with(loadBase, "--load-instance", bad("ms_instance"), "--r", "1", "--noise", "0.1"), "invalid --noise 0.1", "does not apply to an instance from files"),
		refused("load instance with --spectrum", with(loadBase, "--load-instance", bad("lop_probe_instance"), "--r", "1", "--spectrum", "top"), "invalid --spectrum top"),
		refused("load mc instance with a contradicting --p", with(loadBase, "--load-instance", bad("mc_p_instance"), "--r", "1", "--p", "0.9", "--methods", "compressed"), "invalid --p 0.9", "observes 12 of 36"),
		refused("load ms instance as mc", with(loadBase, "--load-instance", bad("ms_instance"), "--r", "1", "--workload", "mc"), "--workload mc", bad("ms_instance")),
		refused("load instance with a contradicting --d", with(loadBase, "--load-instance", bad("lop_probe_instance"), "--r", "1", "--d", "10"), "invalid --d 10", "target.npy holds a 8 x 8 target"),
		badInput{name: "load ms instance without --workload trains ms", args: with(loadBase, "--load-instance", bad("ms_instance"), "--r", "1", "--methods", "compressed"),
			wantCode: exitOK, wantMsg: []string{"MS d="}, check: requireRunWorkload("ms")},
		badInput{name: "load mc instance without --workload trains mc with the mask's p", args: with(loadBase, "--load-instance", bad("mc_p_instance"), "--r", "1", "--methods", "compressed"),
			wantCode: exitOK, wantMsg: []string{"MC d=6", "p=0.333"}, check: requireRunWorkload("mc")},
		// A folder holding every method's initial weights: --eps shapes none.
		refusedSetup("load instance with every init and --eps", with(loadBase, "--methods", "original,compressed", "--eps", "0.3", "--load-instance", "{dir}/inst"),
			savedInstance("original,compressed"), "invalid --eps 0.3", "does not apply to --load-instance {dir}/inst", "initial weights of original, compressed"),
		refusedSetup("config eps with every init loaded", with(loadBase, "--methods", "compressed", "--config", "{dir}/c.toml", "--load-instance", "{dir}/inst"),
			func(t *testing.T, dir string) []string {
				writeIn(t, dir, "c.toml", "eps = 0.05\n")
				return savedInstance("original,compressed")(t, dir)
			}, "{dir}/c.toml", "invalid --eps 0.05", "does not apply to --load-instance"),
		badInput{name: "load instance with some inits: --eps shapes the others", args: with(loadBase, "--methods", "compressed,narrow", "--eps", "0.02", "--load-instance", "{dir}/inst"),
			setup: savedInstance("original,compressed"), wantCode: exitOK, wantMsg: []string{"MF d=8"}},
		refused("load instance that does not exist", with(loadBase, "--load-instance", "{dir}/nothing"), "invalid --load-instance {dir}/nothing", "does not exist"),
		refused("preset's load instance without its subfolders", with(loadBase, "--preset", "quick", "--load-instance", bad("lop_probe_instance")),
			"--load-instance "+bad("lop_probe_instance"), "the preset's run mf reads "+bad("lop_probe_instance")+"/mf"),
		// The MLP run: flags of variants it does not train.
		refusedSetup("mlp --r-hat without cdln", with(mlpBase, "--methods", "original", "--r-hat", "8"), withMLPData, "invalid --r-hat 8", "it is used only by cdln"),
		refusedSetup("mlp --depth without a block", with(mlpBase, "--methods", "original", "--depth", "4"), withMLPData, "invalid --depth 4"),
		refusedSetup("mlp --alpha with dln only", with(mlpBase, "--methods", "original,dln", "--alpha", "3"), withMLPData, "invalid --alpha 3"),
		refusedSetup("mlp --epochs with --steps", with(mlpBase, "--steps", "10", "--epochs", "2"), withMLPData, "invalid --epochs 2", "with --steps 10"),
		refusedSetup("mlp config eps without a block", with(mlpBase, "--methods", "original", "--config", "{dir}/c.toml"),
			func(t *testing.T, dir string) []string {
				writeIn(t, dir, "c.toml", "eps = 0.5\n")
				return withMLPData(t, dir)
			}, "invalid --eps 0.5"),
		// Other commands: flags a combination ignores, arguments a command
		// does not take.
		refused("bench --list with --count", []string{"bench", "--list", "--count", "3"}, "invalid --count 3", "does not apply with --list"),
		refused("bench --list with --out", []string{"bench", "--list", "--out", "{dir}/x.bench"}, "invalid --out {dir}/x.bench"),
		refused("bench --list with --cpu", []string{"bench", "--list", "--cpu", "1"}, "invalid --cpu 1"),
		refused("bench --quick overridden in full", with(benchBase, "--quick"), "invalid --quick true"),
		refused("calibrate --show with --sizes", []string{"calibrate", "--show", "--sizes", "64"}, "invalid --sizes 64", "does not apply with --show"),
		refused("calibrate --show with --triad-mb", []string{"calibrate", "--show", "--triad-mb", "4"}, "invalid --triad-mb 4"),
		refused("presets with an argument", []string{"presets", "quick"}, `lowdim presets takes no arguments; got "quick"`),
		refused("version with an argument", []string{"version", "--short"}, `lowdim version takes no arguments; got "--short"`),
		refused("run with a positional argument", with(runBase, "extra"), `unexpected argument "extra"`),
	)
}

// requireRunWorkload returns a check that the row's run.json (in dir/out)
// trained workload w.
func requireRunWorkload(w string) func(t *testing.T, dir, stdout, stderr string) {
	return func(t *testing.T, dir, _, _ string) {
		b, err := os.ReadFile(filepath.Join(dir, "out", "run.json"))
		require.NoError(t, err)
		var rec struct {
			Config struct {
				Workload string `json:"workload"`
			} `json:"config"`
		}
		require.NoError(t, json.Unmarshal(b, &rec))
		require.Equal(t, w, rec.Config.Workload)
	}
}

// savedInstance returns a setup that writes, with lowdim run
// --save-instance, an 8 x 8 MF instance holding the initial weights of
// methods into dir/inst.
func savedInstance(methods string) func(t *testing.T, dir string) []string {
	return func(t *testing.T, dir string) []string {
		var out, errb bytes.Buffer
		code := run([]string{"run", "--workload", "mf", "--d", "8", "--r", "2", "--steps", "1", "--quiet", "--methods", methods,
			"--out", filepath.Join(t.TempDir(), "first"), "--save-instance", filepath.Join(dir, "inst")}, &out, &errb)
		require.Equal(t, exitOK, code, errb.String())
		return nil
	}
}
