package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Kind 3: empty or zero meaning "default", duplicates, and the keys of a
// config file. Leaving a flag out gives its default; giving it empty (an
// unset shell variable), giving a list with no item or an item twice, a
// zero where zero would silently mean the default, a key no flag has, or
// a value a flag would refuse (seed = -1) is an input error naming it.
func init() {
	toml := func(name, text string) badInput {
		return refusedSetup("config "+name, with(loadBase, "--d", "8", "--r", "2", "--config", "{dir}/c.toml"), files("c.toml", text), "{dir}/c.toml")
	}
	keyed := func(b badInput, msg ...string) badInput {
		b.wantMsg = append(b.wantMsg, msg...)
		return b
	}
	addBadInputs(kindEmpty,
		// Empty values and lists.
		refused("run --methods empty", with(runBase, "--methods", ""), `invalid value "" for flag --methods`),
		refused("run --methods commas", with(runBase, "--methods", ",,,"), `invalid value ",,," for flag --methods`, "empty list"),
		refused("run --workload empty", with(runBase, "--workload", ""), `invalid value "" for flag --workload`),
		refused("run --path empty", with(runBase, "--path", ""), `invalid value "" for flag --path`, "empty value"),
		refused("run --spectrum blank", with(runBase, "--spectrum", "  "), `invalid value "  " for flag --spectrum`),
		refused("run --loss empty", with(runBase, "--loss", ""), `invalid value "" for flag --loss`),
		refused("run --storage empty", with(runBase, "--workload", "mc", "--storage", ""), `invalid value "" for flag --storage`),
		refused("run --out empty", with(runBase, "--out", ""), `invalid --out "": an empty value`),
		refused("run --config empty", with(runBase, "--config", ""), `invalid --config ""`),
		refused("run --preset empty", with(runBase, "--preset", ""), `invalid --preset ""`),
		refused("run --load-instance empty", with(runBase, "--load-instance", ""), `invalid --load-instance ""`),
		refused("run --save-instance empty", with(runBase, "--save-instance", ""), `invalid --save-instance ""`),
		refused("run --cpuprofile empty", with(runBase, "--cpuprofile", ""), `invalid --cpuprofile ""`),
		refused("verify --r-hat empty", with(verifyTiny, "--r-hat", ""), `invalid --r-hat ""`),
		refused("verify --target empty", with(verifyTiny, "--target", ""), `invalid --target ""`),
		refused("verify --mask empty", with(verifyTiny, "--mask", ""), `invalid --mask ""`),
		refused("bench --sizes empty", with(benchBase, "--sizes", ""), `invalid --sizes ""`),
		refused("bench --sizes commas", with(benchBase, "--sizes", ",,"), `invalid --sizes ",,": an empty list`),
		refused("bench --cpu empty", with(benchBase, "--cpu", ""), `invalid --cpu ""`),
		refused("bench --methods empty", with(benchBase, "--methods", ""), `invalid --methods ""`),
		refused("bench --tags commas", with(benchBase, "--tags", ","), `invalid --tags ",": an empty list`),
		refused("bench --filter empty", with(benchBase, "--filter", ""), `invalid --filter ""`),
		refused("bench --out empty", with(benchBase, "--out", ""), `invalid --out ""`),
		refused("calibrate --sizes empty", with(calibBase, "--sizes", ""), `invalid --sizes ""`),
		refused("calibrate --out empty", with(calibBase, "--out", ""), `invalid --out ""`),
		refusedSetup("mlp --methods empty", with(mlpBase, "--methods", ""), withMLPData, `invalid --methods ""`),
		refusedSetup("mlp --schedule empty", with(mlpBase, "--schedule", ""), withMLPData, `invalid --schedule ""`),
		refusedSetup("mlp --data empty", with(mlpBase, "--data", ""), withMLPData, `invalid --data ""`),
		// Unknown names (with TestRunRejectsBadValues's rows, folded in
		// here).
		refused("run --workload unknown", with(runBase, "--workload", "xx"), "invalid --workload xx"),
		refused("run --methods unknown", with(runBase, "--methods", "original,foo"), "invalid --methods original,foo", `"foo"`),
		refused("run --preset unknown", with(runBase, "--preset", "nope"), "invalid --preset nope", "paper-mf-fast"),
		refused("run --loss unknown", with(runBase, "--loss", "median"), "invalid --loss median"),
		refused("run --spectrum unknown", with(runBase, "--spectrum", "band"), "invalid --spectrum band"),
		refused("run --path unknown", with(runBase, "--path", "fast"), "invalid --path fast"),
		refused("run --storage unknown", with(runBase, "--workload", "mc", "--storage", "ram"), "invalid --storage ram"),
		refused("run unknown flag", with(runBase, "--dd", "3"), "-dd"),
		refused("bench --methods unknown", with(benchBase, "--methods", "foo"), "invalid --methods foo"),
		refused("bench --filter not a regexp", with(benchBase, "--filter", "("), "invalid --filter"),
		refusedSetup("mlp --schedule unknown", with(mlpBase, "--schedule", "linear"), withMLPData, "invalid --schedule linear"),
		refused("mlp --preset twice", []string{"run", "--preset", "fmnist", "--preset", "mnist", "--out", "{dir}/out"}, `--preset given as both "fmnist" and "mnist"`),
		// Duplicates.
		refused("run --methods twice", with(runBase, "--methods", "bm,original,bm"), "invalid --methods bm,original,bm", `"bm" listed twice`),
		refused("verify --r-hat 4,4", with(verifyTiny, "--r-hat", "4,4"), "invalid --r-hat 4,4", "width 4 is listed twice"),
		refused("bench --cpu 1,1", with(benchBase, "--cpu", "1,1"), "invalid --cpu 1,1", `"1" is listed twice`),
		refused("bench --sizes 64,64", with(benchBase, "--sizes", "64,64"), "invalid --sizes 64,64", `"64" is listed twice`),
		refused("bench --sizes with --large's", with(benchBase, "--sizes", "64,2048", "--large"), "invalid --sizes 64,2048", "also --large's"),
		refused("bench --methods bm,bm", with(benchBase, "--methods", "bm,bm"), "invalid --methods bm,bm", `"bm" is listed twice`),
		refused("bench --tags step,step", with(benchBase, "--tags", "step,step"), "invalid --tags step,step"),
		refused("calibrate --sizes 8,8", with(calibBase, "--sizes", "8,8"), "invalid --sizes 8,8", `"8" is listed twice`),
		refusedSetup("mlp --methods twice", with(mlpBase, "--methods", "dln,dln"), withMLPData, "invalid --methods dln,dln"),
		// Zero where zero would mean the default.
		refused("run --r-hat 0", with(runBase, "--r-hat", "0"), "invalid --r-hat 0"),
		refused("run --d 0", with(runBase, "--d", "0"), "invalid --d 0"),
		refused("run --r 0", with(runBase, "--r", "0"), "invalid --r 0"),
		refused("run --depth 0", with(runBase, "--depth", "0"), "invalid --depth 0"),
		refused("run --eps 0", with(runBase, "--eps", "0"), "invalid --eps 0"),
		refused("run --alpha 0", with(runBase, "--alpha", "0"), "invalid --alpha 0"),
		refused("run --eta 0", with(runBase, "--eta", "0"), "invalid --eta 0"),
		refused("run --every 0", with(runBase, "--every", "0"), "invalid --every 0"),
		refused("run --eta-frac 0", with(runBase, "--eta-frac", "0"), "invalid --eta-frac 0"),
		refused("run --ratio 0 geometric", with(runBase, "--spectrum", "geometric", "--ratio", "0"), "invalid --ratio 0"),
		refused("load-instance --d 0", with(loadBase, "--load-instance", bad("lop_probe_instance"), "--r", "1", "--d", "0"), "invalid --d 0"),
		refused("verify --tol-rel 0", with(verifyTiny, "--tol-rel", "0"), "invalid --tol-rel 0"),
		refused("bench --count 0", with(benchBase, "--count", "0"), "invalid --count 0"),
		refused("calibrate --reps 0", with(calibBase, "--reps", "0"), "invalid --reps 0"),
		// Config files: the cases of ../shared/cases/bad-inputs, unknown
		// keys, keys of the wrong type, and the TOML forms of the above.
		refused("config seed = -1 (seed_neg.toml)", with(loadBase, "--config", bad("seed_neg.toml")), bad("seed_neg.toml"), "--seed -1"),
		refused("config name leaving --out (name_escape.toml)", with(loadBase, "--config", bad("name_escape.toml")), bad("name_escape.toml"), "--name ../escape"),
		keyed(toml("name in a preset of several runs", "preset = \"quick\"\nname = \"x\"\n"), "--name x", "a preset of 3 runs"),
		keyed(toml("unknown key", "zeta = 1\n"), `unknown key "zeta"`),
		keyed(toml("methods = []", "methods = []\n"), "--methods", "empty list"),
		keyed(toml("methods twice", "methods = [\"bm\", \"bm\"]\n"), "--methods bm,bm"),
		keyed(toml("methods blank name", "methods = [\"bm\", \" \"]\n"), "--methods", "an empty name"),
		keyed(toml("path empty", "path = \"\"\n"), "--path", "empty value"),
		keyed(toml("seed fractional", "seed = 1.5\n"), "--seed 1.5"),
		keyed(toml("d fractional", "d = 12.5\n"), "--d 12.5", "not an integer"),
		keyed(toml("d as a string", "d = \"12\"\n"), "--d 12"),
		keyed(toml("eps as a list", "eps = [1]\n"), "--eps"),
		keyed(toml("key twice", "d = 8\nd = 9\n"), "d"),
		keyed(toml("r-hat 0", "r-hat = 0\n"), "--r-hat 0"),
		keyed(toml("malformed", "d = \n"), "c.toml"),
		keyed(toml("preset not a string", "preset = 5\n"), "key preset = 5: not a string"),
		refusedSetup("mlp config preset not a string", with(mlpBase, "--config", "{dir}/c.toml"),
			func(t *testing.T, dir string) []string {
				writeIn(t, dir, "c.toml", "preset = 5\n")
				return withMLPData(t, dir)
			}, "{dir}/c.toml", "key preset = 5: not a string"),
		refusedSetup("mlp config unknown key", with(mlpBase, "--config", "{dir}/c.toml"),
			func(t *testing.T, dir string) []string {
				writeIn(t, dir, "c.toml", "zeta = 1\n")
				return withMLPData(t, dir)
			}, "{dir}/c.toml", `unknown key "zeta"`),
	)
}

// Kind 4: odd numbers. A zero, non-finite or degenerate target is an input
// error naming the file; NaN, Inf and out-of-range values of any flag are
// refused naming it; subnormal and huge values either run (a result) or are
// refused with the reason, never a panic or a lost run; divergence at step
// 0 (eps = 1e200, a target scaled by 1e300) is a result: exit 0 and a
// written run whose methods say "diverged at step 0".
func init() {
	target := func(name string, scale float64, edit func(data []float64)) func(t *testing.T, dir string) []string {
		return func(t *testing.T, dir string) []string {
			m := knownTarget(t, 12, []float64{3, 2}, scale)
			data := m.RawMatrix().Data
			if edit != nil {
				edit(data)
			}
			return []string{"--target", writeNPY(t, dir, name, []int{12, 12}, data)}
		}
	}
	instanceOf := func(scale float64) func(t *testing.T, dir string) []string {
		return func(t *testing.T, dir string) []string {
			writeDense(t, dir, "inst/target.npy", knownTarget(t, 10, []float64{3, 2}, scale))
			return []string{"--load-instance", filepath.Join(dir, "inst")}
		}
	}
	verifyUser := []string{"verify", "--steps", "20", "--quiet", "--out", "{dir}/out"}
	addBadInputs(kindOddNumbers,
		// Degenerate targets: input errors naming the file.
		refused("verify zero10.npy", with(verifyUser, "--target", bad("zero10.npy"), "--r", "1"), bad("zero10.npy"), "the target is zero"),
		refused("load zero_instance", with(loadBase, "--load-instance", bad("zero_instance"), "--r", "1", "--methods", "compressed"), bad("zero_instance"), "the target is zero"),
		refused("verify one_by_one.npy", with(verifyUser, "--target", bad("one_by_one.npy")), bad("one_by_one.npy"), "d >= 2"),
		refused("verify fullrank2.csv", with(verifyUser, "--target", bad("fullrank2.csv")), bad("fullrank2.csv"), "full numerical rank"),
		refusedSetup("verify NaN entry", verifyUser, target("nan.npy", 1, func(d []float64) { d[5] = math.NaN() }), "nan.npy", "NaN"),
		refusedSetup("verify Inf entry", verifyUser, target("inf.npy", 1, func(d []float64) { d[0] = math.Inf(-1) }), "inf.npy", "-Inf"),
		refusedSetup("verify csv with Inf", verifyUser, func(t *testing.T, dir string) []string {
			return []string{"--target", writeIn(t, dir, "t.csv", "1,2\nInf,4\n")}
		}, "t.csv", "+Inf"),
		refusedSetup("verify csv with 1e400", verifyUser, func(t *testing.T, dir string) []string {
			return []string{"--target", writeIn(t, dir, "t.csv", "1,2\n1e400,4\n")}
		}, "t.csv", `"1e400" is out of float64 range`),
		refusedSetup("verify target scaled to 1e300 with --eta-frac", with(verifyUser, "--eta-frac", "0.5"), target("big.npy", 1e300, nil), "invalid --eta-frac 0.5", "is 0"),
		refusedSetup("verify target scaled to 1e-300 with --eta-frac", with(verifyUser, "--eta-frac", "0.5"), target("tiny.npy", 1e-300, nil), "invalid --eta-frac 0.5", "not finite"),
		// Numbers of flags: NaN, Inf, out of range, unparsable.
		refused("--eps NaN", with(runBase, "--eps", "NaN"), "invalid --eps NaN"),
		refused("--eps +Inf", with(runBase, "--eps", "+Inf"), "invalid --eps +Inf"),
		refused("--eps -Inf", with(runBase, "--eps", "-Inf"), "invalid --eps -Inf"),
		refused("--eta NaN", with(runBase, "--eta", "NaN"), "invalid --eta NaN"),
		refused("--eta 1e400", with(runBase, "--eta", "1e400"), `invalid value "1e400" for flag --eta`),
		refused("--tol NaN", with(runBase, "--tol", "NaN"), "invalid --tol NaN"),
		refused("--tol Inf", with(runBase, "--tol", "Inf"), "invalid --tol +Inf"),
		refused("--tol -1e-320", with(runBase, "--tol", "-1e-320"), "invalid --tol -1e-320"),
		refused("--alpha Inf", with(runBase, "--alpha", "Inf"), "invalid --alpha +Inf"),
		refused("--gamma NaN with lop", with(runBase, "--methods", "original,lop", "--gamma", "NaN"), "invalid --gamma NaN"),
		refused("--eta-frac NaN", with(runBase, "--eta-frac", "NaN"), "invalid --eta-frac NaN"),
		refused("--eta-frac 2", with(runBase, "--eta-frac", "2"), "invalid --eta-frac 2"),
		refused("--ratio 1.5 geometric", with(runBase, "--spectrum", "geometric", "--ratio", "1.5"), "invalid --ratio 1.5"),
		refused("--p 5e-324", with(runBase, "--workload", "mc", "--p", "5e-324"), "invalid --p 5e-324"),
		refused("--noise -0.1", with(runBase, "--workload", "ms", "--noise", "-0.1"), "invalid --noise -0.1"),
		refused("--noise Inf", with(runBase, "--workload", "ms", "--noise", "Inf"), "invalid --noise +Inf"),
		refused("--noise -0.1 on mc", with(runBase, "--workload", "mc", "--noise", "-0.1"), "invalid --noise -0.1"),
		refused("--noise NaN on mc", with(runBase, "--workload", "mc", "--noise", "NaN"), "invalid --noise NaN"),
		refused("--noise Inf on mc", with(runBase, "--workload", "mc", "--noise", "Inf"), "invalid --noise +Inf"),
		refused("--eps 1e-400 underflows", with(runBase, "--eps", "1e-400"), `invalid value "1e-400" for flag --eps`, "underflows to 0"),
		refused("--eta 0x1p-2000 underflows", with(runBase, "--eta", "0x1p-2000"), `invalid value "0x1p-2000" for flag --eta`, "underflows to 0"),
		refused("--eta -0", with(runBase, "--eta", "-0"), "invalid --eta -0"),
		refused("--eps negative", with(runBase, "--eps", "-1"), "invalid --eps -1"),
		refused("--r equal to d", with(runBase, "--r", "8"), "invalid --r 8", "below --d 8"),
		refused("--r-hat above d", with(runBase, "--r-hat", "9"), "invalid --r-hat 9"),
		refused("--r-hat -1", with(runBase, "--r-hat", "-1"), "invalid --r-hat -1"),
		refused("--depth 1", with(runBase, "--depth", "1"), "invalid --depth 1"),
		refused("--d -5", with(runBase, "--d", "-5"), "invalid --d -5"),
		refused("--d not a number", with(runBase, "--d", "abc"), `invalid value "abc" for flag --d`),
		refused("--eps not a number", with(runBase, "--eps", "small"), `invalid value "small" for flag --eps`),
		refused("--p 0 on mc", with(runBase, "--workload", "mc", "--p", "0"), "invalid --p 0"),
		refused("--p 1.5 on mc", with(runBase, "--workload", "mc", "--p", "1.5"), "invalid --p 1.5"),
		refused("--p NaN on mc", with(runBase, "--workload", "mc", "--p", "NaN"), "invalid --p NaN"),
		refused("--m 0 on ms", with(runBase, "--workload", "ms", "--m", "0"), "invalid --m 0"),
		refused("--m -1 on ms", with(runBase, "--workload", "ms", "--m", "-1"), "invalid --m -1"),
		refused("--ratio Inf geometric", with(runBase, "--spectrum", "geometric", "--ratio", "Inf"), "invalid --ratio +Inf"),
		refused("--seed -1", with(runBase, "--seed", "-1"), `invalid value "-1" for flag --seed`),
		refused("--seed 2^64", with(runBase, "--seed", "18446744073709551616"), `invalid value "18446744073709551616" for flag --seed`),
		refused("--steps -1", with(runBase, "--steps", "-1"), "invalid --steps -1"),
		refused("--svals -1", with(runBase, "--svals", "-1"), "invalid --svals -1"),
		refused("verify --tol-rel NaN", with(verifyTiny, "--tol-rel", "NaN"), "invalid --tol-rel NaN"),
		refused("verify --tol-rel Inf", with(verifyTiny, "--tol-rel", "Inf"), "invalid --tol-rel +Inf"),
		refused("bench --watts-per-core NaN", with(benchBase, "--watts-per-core", "NaN"), "invalid --watts-per-core NaN"),
		refused("compare --alpha NaN", []string{"compare", "--alpha", "NaN", bad("new.txt"), bad("new.txt")}, "--alpha NaN"),
		refused("compare --threshold Inf", []string{"compare", "--threshold", "Inf", bad("new.txt"), bad("new.txt")}, "--threshold +Inf"),
		refusedSetup("mlp --eta NaN", with(mlpBase, "--eta", "NaN"), withMLPData, "invalid --eta NaN"),
		refusedSetup("mlp --momentum 1", with(mlpBase, "--momentum", "1"), withMLPData, "invalid --momentum 1"),
		refusedSetup("mlp --eps Inf", with(mlpBase, "--eps", "Inf"), withMLPData, "invalid --eps +Inf"),
		// Results: odd numbers that run, and divergence at step 0.
		badInput{name: "--eps 1e200 diverges at step 0", args: with(runBase, "--eps", "1e200"), wantCode: exitOK,
			wantMsg: []string{"diverged at step 0"}, check: requireDivergedAtStep0},
		badInput{name: "loaded target scaled by 1e300 diverges at step 0", args: with(loadBase, "--r", "2", "--eta", "0.01"), setup: instanceOf(1e300), wantCode: exitOK,
			wantMsg: []string{"diverged at step 0"}, check: requireDivergedAtStep0},
		badInput{name: "--eta 1e300 diverges", args: with(runBase, "--eta", "1e300"), wantCode: exitOK, wantMsg: []string{"diverged at step"}},
		badInput{name: "--eps 1e-320 (subnormal) runs", args: with(runBase, "--eps", "1e-320"), wantCode: exitOK, wantMsg: []string{"MF d=8"}},
		badInput{name: "--eta 5e-324 runs", args: with(runBase, "--eta", "5e-324"), wantCode: exitOK, wantMsg: []string{"MF d=8"}},
		badInput{name: "--tol 1e-320 runs", args: with(runBase, "--tol", "1e-320"), wantCode: exitOK, wantMsg: []string{"MF d=8"}},
		badInput{name: "--seed 2^64-1 runs", args: with(runBase, "--seed", "18446744073709551615"), wantCode: exitOK, wantMsg: []string{"MF d=8"}},
		badInput{name: "--steps 0 runs nothing", args: with(runBase, "--steps", "0"), wantCode: exitOK, wantMsg: []string{"MF d=8"}},
		badInput{name: "--ratio 1e-300 geometric runs", args: with(runBase, "--spectrum", "geometric", "--ratio", "1e-300"), wantCode: exitOK, wantMsg: []string{"MF d=8"}},
		badInput{name: "--noise 1e300 on ms diverges", args: with(runBase, "--workload", "ms", "--noise", "1e300"), wantCode: exitOK, wantMsg: []string{"MS d=8"}},
		badInput{name: "target scaled to 1e-320: eta from it overflows, refused", args: verifyUser, setup: target("sub.npy", 1e-320, nil), wantCode: exitUsage, numerics: true,
			wantMsg: []string{"invalid --eta-frac 0.8", "not finite", "the target is too small", "give --eta"}},
		badInput{name: "target scaled to 1e-320: rank 2, nothing to judge", args: with(verifyUser, "--eta", "0.01"), setup: target("sub.npy", 1e-320, nil), wantCode: exitFailure,
			check: func(t *testing.T, _, stdout, _ string) {
				require.Contains(t, stdout, "2r=4 (r: the target's rank)", "the rank of the subnormal target is 2, not 7")
				// No width judged: the networks cannot learn a target at
				// 1e-320 (its tolerance relative to the initial loss is
				// not reached; an absolute --tol 1e-10 is met at
				// initialization).
				require.Contains(t, stdout, "none could be judged")
				require.Contains(t, stdout, "safe width: - (no candidate width could be judged: the VERDICT line says why)")
				require.NotContains(t, stdout, "is within tol-rel", "no width was compared with the reference")
			}},
		badInput{name: "rank6_10x10.npy trains (no generator rule)", args: with(verifyUser, "--target", bad("rank6_10x10.npy"), "--eta-frac", "0.5"), wantCode: exitFailure,
			check: func(t *testing.T, dir, stdout, _ string) {
				require.FileExists(t, filepath.Join(dir, "out", "verdict.json"))
			}},
		badInput{name: "target_f4.npy float32 rank", args: with(verifyUser, "--target", bad("target_f4.npy"), "--eta-frac", "0.5"), wantCode: exitFailure,
			check: func(t *testing.T, dir, stdout, _ string) { require.Contains(t, stdout, "float32") }},
	)
}

// requireDivergedAtStep0 checks the row's run.json (in dir/out): written,
// and every method diverged at step 0, a result with its reason.
func requireDivergedAtStep0(t *testing.T, dir, _, _ string) {
	b, err := os.ReadFile(filepath.Join(dir, "out", "run.json"))
	require.NoError(t, err, "divergence at step 0 is a result: run.json is written")
	var rec struct {
		Methods []struct {
			Method  string `json:"method"`
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"methods"`
	}
	require.NoError(t, json.Unmarshal(b, &rec))
	require.NotEmpty(t, rec.Methods)
	for _, m := range rec.Methods {
		require.Equal(t, "diverged", m.Status, m.Method)
		require.True(t, strings.HasPrefix(m.Message, "diverged at step 0"), "%s: %s", m.Method, m.Message)
	}
}
