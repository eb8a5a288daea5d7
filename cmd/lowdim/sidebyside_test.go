package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// sideBySide is the reference script of issue 18 (scripts/side-by-side.py).
var sideBySide = filepath.Join("..", "..", "scripts", "side-by-side.py")

// sideBySideExport runs a one-step compressed lowdim run (d = 24, r = 2,
// r-hat = 4) with the given seed and extra flags, saving the instance to
// dir/name/inst and the model under dir/name/model; it returns the instance
// folder and the compressed model's folder.
func sideBySideExport(t *testing.T, dir, name, seed string, extra ...string) (inst, model string) {
	t.Helper()
	inst, model = filepath.Join(dir, name, "inst"), filepath.Join(dir, name, "model")
	args := append([]string{"run", "--d", "24", "--r", "2", "--r-hat", "4", "--steps", "1", "--every", "1", "--seed", seed,
		"--methods", "compressed", "--quiet", "--save-instance", inst, "--save-model", model, "--out", filepath.Join(dir, name, "out")}, extra...)
	code, stdout, stderr := lowdim(t, args...)
	require.Contains(t, []int{exitOK, exitFailure}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	return inst, filepath.Join(model, "compressed")
}

// sideBySideRun runs scripts/side-by-side.py with python py and args,
// requires exit code wantCode and returns the combined output.
func sideBySideRun(t *testing.T, py string, wantCode int, args ...string) string {
	t.Helper()
	out, err := exec.Command(py, append([]string{sideBySide}, args...)...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err, string(out))
	}
	require.Equal(t, wantCode, code, string(out))
	return string(out)
}

// TestSideBySideScript runs scripts/side-by-side.py on tiny instances that
// lowdim run --save-instance exported: the timing mode prints a ms/step line
// for each step in NumPy (and a torch line, or says it is skipped), and
// --check reproduces lowdim's one step of the compressed network (the
// sampled step on mc, in both of its NumPy forms, the factored one on mf)
// from the exported factors,
// and fails on a model that took another step (another seed's).
func TestSideBySideScript(t *testing.T) {
	py := testenv.NumpyPython(t)
	dir := t.TempDir()
	export := func(name, seed string, extra ...string) (inst, model string) {
		return sideBySideExport(t, dir, name, seed, extra...)
	}
	script := func(wantCode int, args ...string) string {
		return sideBySideRun(t, py, wantCode, args...)
	}
	mcInst, mcModel := export("mc", "3", "--workload", "mc", "--p", "0.5")
	out := script(0, mcInst, "--steps", "2", "--repeats", "1")
	require.Contains(t, out, "factors: the instance's init_compressed_W*.npy")
	require.Regexp(t, regexp.MustCompile(`(?m)^numpy sampled-mc: [0-9.]+ ms/step \(median of 1 runs of 2 steps; d=24 h=4 L=3 \|O\|=288; gathered rows`), out)
	require.Regexp(t, regexp.MustCompile(`(?m)^numpy dense-mc: [0-9.]+ ms/step \(median of 1 runs of 2 steps; d=24 h=4 L=3 \|O\|=288; W formed`), out)
	require.Regexp(t, regexp.MustCompile(`(?m)^numpy factored-mf: [0-9.]+ ms/step `), out)
	require.Regexp(t, regexp.MustCompile(`(?m)^(torch: not installed \(skipped\)|torch sampled-mc: [0-9.]+ ms/step .*)$`), out)
	out = script(0, mcInst, "--check", mcModel)
	require.Regexp(t, regexp.MustCompile(`check numpy dense-mc against .* max relative difference \S+ \(ok\)`), out)
	require.Regexp(t, regexp.MustCompile(`check numpy sampled-mc: one step \(eta=6, alpha=5\) .* max relative difference \S+ \(ok, tolerance 1e-10`), out)

	// A sparse instance's export (factored target, CSR observed entries):
	// timed (the sampled step by default) and checked from those files.
	spInst, spModel := export("sparse", "3", "--workload", "mc", "--p", "0.5", "--storage", "sparse", "--eta", "6")
	out = script(0, spInst, "--steps", "2", "--repeats", "1", "--lib", "numpy", "--threads", "1")
	require.Regexp(t, regexp.MustCompile(`(?m)^instance .*: 24 x 24 \(sparse export\)`), out)
	require.Regexp(t, regexp.MustCompile(`(?m)^numpy sampled-mc: [0-9.]+ ms/step \(median of 1 runs of 2 steps; d=24 h=4 L=3 \|O\|=288; .*OPENBLAS_NUM_THREADS 1\)$`), out)
	require.NotContains(t, out, "dense-mc")
	out = script(0, spInst, "--check", spModel)
	require.Regexp(t, regexp.MustCompile(`check numpy sampled-mc: one step .* \(ok, tolerance 1e-10`), out)
	out = script(0, spInst, "--steps", "1", "--repeats", "1", "--lib", "numpy", "--only", "dense-mc,factored-mf")
	require.Regexp(t, regexp.MustCompile(`(?m)^numpy factored-mf: [0-9.]+ ms/step `), out)
	out = script(2, spInst, "--only", "sparse-mc")
	require.Contains(t, out, "unknown step 'sparse-mc'")

	mfInst, mfModel := export("mf", "3", "--workload", "mf")
	out = script(0, mfInst, "--steps", "1", "--repeats", "1", "--lib", "numpy")
	require.Regexp(t, regexp.MustCompile(`(?m)^numpy factored-mf: [0-9.]+ ms/step `), out)
	require.NotContains(t, out, "sampled-mc")
	out = script(2, mfInst, "--only", "sampled-mc")
	require.Contains(t, out, "holds no observed entries")
	out = script(0, mfInst, "--check", mfModel)
	require.Contains(t, out, "check numpy factored-mf: one step")
	require.Contains(t, out, "(ok, tolerance")

	// A model of another seed (other initial factors) is not this
	// instance's step: the check fails.
	_, mc2Model := export("mc2", "4", "--workload", "mc", "--p", "0.5")
	out = script(1, mcInst, "--check", mc2Model)
	require.Contains(t, out, "FAIL")
	out = script(2, filepath.Join(dir, "nowhere"))
	require.Contains(t, out, "not a folder")
}
