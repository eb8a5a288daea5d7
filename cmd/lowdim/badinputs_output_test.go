package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Kind 6: output errors, found before any work. Each row's budget is a
// real one, and none runs --quiet: the command must fail before a step is
// trained or a sample measured, which the row sees as nothing on stdout
// (no summary, no benchmark line) and no progress on stderr (one line, the
// error). TestOutCheckedBeforeWork (outcheck_test.go) also holds the
// folder's contents unchanged, and covers an unwritable folder where the
// test does not run as root; here /proc stands for a folder nobody can
// write, root included.
func init() {
	aFile := files("a-file", "x")
	run := []string{"run", "--d", "8", "--r", "2", "--steps", "3000"}
	verify := []string{"verify", "--workload", "mf", "--loss", "sum", "--d", "12", "--r", "2", "--eta", "0.02", "--steps", "3000"}
	mlp := mlpCore
	bench := with(benchBase, "--count", "3", "--benchtime", "100x")
	calib := []string{"calibrate", "--sizes", "64", "--reps", "3", "--triad-mb", "8"}
	out := func(name string, args []string, setup func(*testing.T, string) []string, msg ...string) badInput {
		return badInput{name: name, args: args, setup: setup, wantCode: exitUsage, wantMsg: msg, check: nothingRan}
	}
	addBadInputs(kindOutput,
		out("run --out a file", with(run, "--out", "{dir}/a-file"), aFile, "invalid --out {dir}/a-file"),
		out("run --out below a file", with(run, "--out", "{dir}/a-file/sub"), aFile, "invalid --out {dir}/a-file/sub"),
		out("run --out not creatable", with(run, "--out", "/proc/lowdim-none/out"), nil, "invalid --out /proc/lowdim-none/out"),
		out("run --out /dev/null", with(run, "--out", "/dev/null"), nil, "invalid --out /dev/null"),
		out("run --out unwritable /proc/self", with(run, "--out", "/proc/self"), nil, "invalid --out /proc/self"),
		out("run quick preset --out a file", []string{"run", "--preset", "quick", "--out", "{dir}/a-file"}, aFile, "invalid --out {dir}/a-file"),
		out("run --save-instance a file", with(run, "--out", "{dir}/out", "--save-instance", "{dir}/a-file"), aFile, "--save-instance", "{dir}/a-file"),
		out("run --save-instance not creatable", with(run, "--out", "{dir}/out", "--save-instance", "/proc/lowdim-none/inst"), nil, "--save-instance", "/proc/lowdim-none/inst"),
		out("run --cpuprofile below a file", with(run, "--out", "{dir}/out", "--cpuprofile", "{dir}/a-file/cpu.prof"), aFile, "--cpuprofile", "{dir}/a-file/cpu.prof"),
		out("run --load-instance a file", []string{"run", "--out", "{dir}/out", "--load-instance", "{dir}/a-file"}, aFile, "{dir}/a-file"),
		out("verify --out a file", with(verify, "--out", "{dir}/a-file"), aFile, "invalid --out {dir}/a-file"),
		out("verify --out not creatable", with(verify, "--out", "/proc/lowdim-none/out"), nil, "invalid --out /proc/lowdim-none/out"),
		out("verify --out empty", with(verify, "--out", ""), nil, `invalid --out ""`),
		out("verify --cpuprofile not creatable", with(verify, "--out", "{dir}/out", "--cpuprofile", "/proc/lowdim-none/cpu.prof"), nil, "--cpuprofile", "/proc/lowdim-none/cpu.prof"),
		out("mlp --out a file", with(mlp, "--out", "{dir}/a-file"), func(t *testing.T, dir string) []string { aFile(t, dir); return withMLPData(t, dir) }, "invalid --out {dir}/a-file"),
		out("mlp --out not creatable", with(mlp, "--out", "/proc/lowdim-none/out"), withMLPData, "invalid --out /proc/lowdim-none/out"),
		out("bench --out in a missing folder", with(bench, "--out", "/missing/x.bench"), nil, "invalid --out /missing/x.bench"),
		out("bench --out a folder", with(bench, "--out", "{dir}"), nil, "invalid --out {dir}"),
		out("bench --out below a file", with(bench, "--out", "{dir}/a-file/x.bench"), aFile, "invalid --out {dir}/a-file/x.bench"),
		out("bench --out not creatable", with(bench, "--out", "/proc/x.bench"), nil, "invalid --out /proc/x.bench"),
		out("calibrate --out a folder", with(calib, "--out", "{dir}"), nil, "invalid --out {dir}"),
		out("calibrate --out below a file", with(calib, "--out", "{dir}/a-file/cal.json"), aFile, "invalid --out {dir}/a-file/cal.json"),
		out("calibrate --out not creatable", with(calib, "--out", "/proc/lowdim-none/cal.json"), nil, "invalid --out /proc/lowdim-none/cal.json"),
		out("compare a folder", []string{"compare", bad("new.txt"), "{dir}"}, nil, "{dir}"),
	)
}

// nothingRan checks that a refused command did no work: nothing on stdout
// (no summary, no benchmark result) and no progress on stderr (a method
// finished, a sample measured: "[1/3] ..."), only notices and the error.
func nothingRan(t *testing.T, _, stdout, stderr string) {
	require.Empty(t, stdout, "the command worked before failing")
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		for _, p := range []string{"[", "Benchmark", " steps", "iterations"} {
			require.False(t, strings.HasPrefix(line, p) || (p != "[" && strings.Contains(line, p)), "progress before the failure: %q", line)
		}
	}
}

// Kind 7: determinism. The same seed and configuration give byte-identical
// results at GOMAXPROCS 1 and 2: run.json's instance, methods (every figure
// but the measured times and rates), ratios (likewise) and checks, and
// trajectories.csv without its seconds column (or verify's verdict.json
// likewise). Each row runs at GOMAXPROCS 1 and its check runs it again at
// 2; under -tags openblas (make test) the same rows hold the OpenBLAS
// backend to it.
func init() {
	tiny := []string{"--d", "10", "--r", "2", "--steps", "30", "--every", "3", "--quiet"}
	detCode := func(code int, name string, args ...string) badInput {
		first := with(args, "--out", "{dir}/p1")
		return badInput{name: name, args: first, procs: 1, wantCode: code, check: func(t *testing.T, dir, _, _ string) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
			second := make([]string, len(args))
			for i, a := range args {
				second[i] = expand(a, dir)
			}
			second = with(second, "--out", filepath.Join(dir, "p2"))
			var o, e bytes.Buffer
			require.Equal(t, code, run(second, &o, &e), "at GOMAXPROCS 2:\n%s", e.String())
			requireSameResults(t, filepath.Join(dir, "p1"), filepath.Join(dir, "p2"))
		}}
	}
	det := func(name string, args ...string) badInput { return detCode(exitOK, name, args...) }
	mf := with([]string{"run", "--workload", "mf"}, tiny...)
	mc := with([]string{"run", "--workload", "mc", "--p", "0.5"}, tiny...)
	ms := with([]string{"run", "--workload", "ms", "--m", "200"}, tiny...)
	addBadInputs(kindDeterminism,
		det("mf default methods", mf...),
		det("mf dense path", with(mf, "--path", "dense")...),
		det("mf factored path", with(mf, "--path", "factored", "--methods", "compressed,narrow,bm")...),
		det("mf sum loss", with(mf, "--loss", "sum", "--eta", "0.02")...),
		det("mf lop", with(mf, "--methods", "original,lop")...),
		det("mf depth 2", with(mf, "--depth", "2")...),
		det("mf depth 4", with(mf, "--depth", "4", "--methods", "original,compressed")...),
		det("mf geometric spectrum", with(mf, "--spectrum", "geometric", "--ratio", "0.5")...),
		det("mf top spectrum", with(mf, "--spectrum", "top", "--r", "4")...),
		det("mf eta-frac", with(mf, "--eta-frac", "0.5", "--loss", "sum")...),
		det("mf svals", with(mf, "--svals", "3", "--methods", "original")...),
		det("mf seed 7 alpha 2", with(mf, "--seed", "7", "--alpha", "2", "--methods", "compressed")...),
		det("mf tol stops early", with(mf, "--loss", "sum", "--eta", "0.05", "--tol", "1e-2")...),
		det("mc default", mc...),
		det("mc dense path", with(mc, "--path", "dense", "--methods", "compressed,bm")...),
		det("mc sparse storage", with(mc, "--storage", "sparse", "--methods", "compressed,narrow,bm")...),
		det("mc alpha 3", with(mc, "--alpha", "3", "--methods", "original,compressed")...),
		det("ms default", ms...),
		det("ms noise", with(ms, "--noise", "0.1", "--methods", "original,bm")...),
		det("mc noise", with(mc, "--noise", "0.01", "--methods", "original,compressed")...),
		det("mc noise sparse storage", with(mc, "--noise", "0.01", "--storage", "sparse", "--methods", "compressed")...),
		det("load mc instance", "run", "--load-instance", "testdata/instances/mc_12of36", "--r", "1", "--steps", "30", "--quiet"),
		det("load ms instance", "run", "--load-instance", "testdata/instances/ms_m50", "--r", "1", "--steps", "30", "--quiet"),
		detCode(exitFailure, "verify mf (r_hat 2 too narrow, 40 steps)", "verify", "--workload", "mf", "--loss", "sum", "--d", "12", "--r", "2", "--eta", "0.02", "--steps", "40", "--r-hat", "2,4", "--quiet"),
		detCode(exitFailure, "verify user target (40 steps)", "verify", "--target", bad("rank6_10x10.npy"), "--eta-frac", "0.5", "--steps", "40", "--quiet"),
	)
}

// timing reports whether a JSON key holds a measured time, rate, memory
// or energy (which a second run measures anew) rather than a result.
func timing(key string) bool {
	for _, s := range []string{"second", "gflops", "gbps", "fraction", "heap", "rss", "energy", "joule", "started"} {
		if strings.Contains(key, s) {
			return true
		}
	}
	return false
}

// resultSections returns the parts of a JSON record that a rerun must reproduce
// bit for bit, re-encoded: the sections named, without the measured keys.
func resultSections(t *testing.T, path string, sections ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(b, &rec))
	var strip func(v any) any
	strip = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				if timing(k) {
					delete(x, k)
				} else {
					x[k] = strip(x[k])
				}
			}
		case []any:
			for i := range x {
				x[i] = strip(x[i])
			}
		}
		return v
	}
	keep := map[string]any{}
	for i, s := range sections {
		if i < 2 {
			require.NotNil(t, rec[s], "%s has no %s", path, s)
		}
		keep[s] = strip(rec[s])
	}
	out, err := json.Marshal(keep)
	require.NoError(t, err)
	return out
}

// trajectories returns trajectories.csv without its seconds column.
func trajectories(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	col := slices.Index(recs[0], "seconds")
	require.GreaterOrEqual(t, col, 0, "trajectories.csv has a seconds column")
	for i := range recs {
		recs[i] = slices.Delete(recs[i], col, col+1)
	}
	return recs
}

// requireSameResults compares the results two runs wrote to a and b: a
// run's run.json and trajectories.csv, or a verdict.json.
func requireSameResults(t *testing.T, a, b string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(a, "verdict.json")); err == nil {
		sections := []string{"instance", "checks", "original", "widths", "update_rank", "safe_width", "reasons", "pass"}
		require.Equal(t, string(resultSections(t, filepath.Join(a, "verdict.json"), sections...)), string(resultSections(t, filepath.Join(b, "verdict.json"), sections...)))
		return
	}
	sections := []string{"instance", "methods", "checks", "ratios"}
	require.Equal(t, string(resultSections(t, filepath.Join(a, "run.json"), sections...)), string(resultSections(t, filepath.Join(b, "run.json"), sections...)))
	require.Equal(t, trajectories(t, filepath.Join(a, "trajectories.csv")), trajectories(t, filepath.Join(b, "trajectories.csv")))
}
