package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/outdir"
)

// listTree returns every path under root, relative, sorted.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var got []string
	require.NoError(t, filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, _ := filepath.Rel(root, p)
			got = append(got, rel)
		}
		return nil
	}))
	slices.Sort(got)
	return got
}

// TestOutCheckedBeforeWork: every command that writes refuses a bad --out
// with exit 2 and "invalid --out VALUE", before any work: the folder the
// test prepared holds afterwards exactly what it held before (no run.json,
// trajectories, verdict or probe file), plus only what the check creates
// (none of these rows has a creatable folder). The budgets are those of a
// real run (3000 steps), so a check after training would leave run.json.
func TestOutCheckedBeforeWork(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := t.TempDir()
	file := filepath.Join(root, "a-file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	folder := filepath.Join(root, "a-folder")
	require.NoError(t, os.Mkdir(folder, 0o755))
	locked := filepath.Join(root, "locked")
	require.NoError(t, os.Mkdir(locked, 0o500))
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	missing := filepath.Join(root, "missing", "x.bench")
	before := listTree(t, root)

	run := []string{"run", "--d", "12", "--r", "2", "--steps", "3000", "--quiet"}
	verify := []string{"verify", "--workload", "mf", "--loss", "sum", "--d", "20", "--r", "2", "--eta", "0.02", "--steps", "3000", "--tol", "1e-10", "--quiet"}
	mlp := []string{"run", "--preset", "fmnist", "--quiet"}
	bench := []string{"bench", "--filter", "Infer/method=bm/d=64/", "--sizes", "64", "--count", "1", "--benchtime", "1x"}
	calib := []string{"calibrate", "--sizes", "8", "--reps", "1", "--triad-mb", "1"}
	with := func(base []string, out string) []string { return append(slices.Clone(base), "--out", out) }

	tests := []struct {
		name         string
		args         []string
		value        string // as it appears after "invalid --out "
		needsNonRoot bool
	}{
		{"run/a file", with(run, file), file, false},
		{"run/empty", with(run, ""), `""`, false},
		{"run/below a file", with(run, filepath.Join(file, "sub")), filepath.Join(file, "sub"), false},
		{"run/unwritable folder", with(run, locked), locked, true},
		{"run/preset of several runs into a file", with([]string{"run", "--preset", "paper-mf-fast", "--quiet"}, file), file, false},
		{"verify/a file", with(verify, file), file, false},
		{"verify/empty", with(verify, ""), `""`, false},
		{"verify/unwritable folder", with(verify, locked), locked, true},
		{"mlp/a file", with(mlp, file), file, false},
		{"mlp/empty", with(mlp, ""), `""`, false},
		{"bench/missing folder", with(bench, missing), missing, false},
		{"bench/a folder", with(bench, folder), folder, false},
		{"bench/below a file", with(bench, filepath.Join(file, "x")), filepath.Join(file, "x"), false},
		{"bench/unwritable folder", with(bench, filepath.Join(locked, "x")), filepath.Join(locked, "x"), true},
		{"calibrate/a folder", with(calib, folder), folder, false},
		{"calibrate/below a file", with(calib, filepath.Join(file, "x.json")), filepath.Join(file, "x.json"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsNonRoot && os.Geteuid() == 0 {
				testenv.SkipOptional(t, "root writes into a 0500 folder: the permission cannot be tested")
			}
			code, stdout, stderr := lowdim(t, tt.args...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stderr, "invalid --out "+tt.value+": ")
			require.Equal(t, before, listTree(t, root), "files appeared: something ran, or the probe stayed")
		})
	}
}

// TestOutCreated: a missing --out folder is created by the check (with its
// parents) and the run goes on; the probe file does not stay.
func TestOutCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	code, _, stderr := lowdim(t, "run", "--d", "12", "--r", "2", "--steps", "5", "--quiet", "--out", dir)
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
	for _, p := range listTree(t, dir) {
		require.NotContains(t, p, ".lowdim-probe-")
	}
	require.FileExists(t, filepath.Join(dir, "run.json"))
}

// TestStepsBudgetAllocatesNothing: a budget of 1e12 steps that the
// tolerance ends early allocates what a budget of 2e4 does (no array is
// sized by --steps; it used to be rho(t) for every step: 8 TB here). Both
// budgets are above the steps the tolerance needs (original 4504,
// compressed 3760 at d = 20, r = 2, tol = 1e-3), and --every 10 fixes the
// checkpoints, so the two runs train alike. The time preflight probes
// each network for a set time, not a set number of steps, so what it
// allocates follows the machine's speed at that moment (measured: 8% apart
// on an idle 2-core VM, up to 33% under a load of 13); allowed: a factor
// of 2 either way, where an array sized by --steps would add terabytes
// (and a checkpoint array sized by --steps/--every 1e11 entries).
// --max-time 0: the estimate of 1e12 steps is far above the default limit.
func TestStepsBudgetAllocatesNothing(t *testing.T) {
	testenv.GonumPassOnly(t, "what is sized by --steps")
	alloc := func(steps string) uint64 {
		out := t.TempDir()
		args := []string{"run", "--d", "20", "--r", "2", "--tol", "1e-3", "--every", "10", "--methods", "original,compressed",
			"--steps", steps, "--max-time", "0", "--quiet", "--out", out}
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		code, _, stderr := lowdim(t, args...)
		runtime.ReadMemStats(&m1)
		require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
		return m1.TotalAlloc - m0.TotalAlloc
	}
	small, huge := alloc("20000"), alloc("1000000000000")
	t.Logf("TotalAlloc: steps 2e4 %d B, steps 1e12 %d B", small, huge)
	require.Less(t, huge, 2*small, "a budget of 1e12 steps allocated more than twice what 2e4 did")
	require.Less(t, small, 2*huge, "a budget of 2e4 steps allocated more than twice what 1e12 did")
}

// TestOutFolderRefused: run, verify and the MLP run refuse an output
// folder they must not replace, before any work, with exit 2 and a
// message naming --out and why: a folder of someone else's files, the
// current folder or one of its parents (the commit swaps the folder
// away), a folder another lowdim holds (named), and --save-instance inside
// --out. Nothing in the test's folder changes.
func TestOutFolderRefused(t *testing.T) {
	root := t.TempDir()
	foreign := filepath.Join(root, "thesis")
	require.NoError(t, os.Mkdir(foreign, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(foreign, "thesis.tex"), []byte("x"), 0o644))
	busy := filepath.Join(root, "busy")
	held, err := outdir.Open(busy, outdir.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { held.Close() })
	busyFile := filepath.Join(root, "busy.bench")
	lock, err := outdir.Acquire(busyFile)
	require.NoError(t, err)
	t.Cleanup(func() { lock.Release() })
	before := listTree(t, root)

	run := []string{"run", "--d", "12", "--r", "2", "--steps", "3000", "--quiet"}
	verify := []string{"verify", "--workload", "mf", "--loss", "sum", "--d", "20", "--r", "2", "--eta", "0.02", "--steps", "3000", "--quiet"}
	mlp := []string{"run", "--preset", "fmnist", "--quiet"}
	bench := []string{"bench", "--filter", "Infer/method=bm/d=64/", "--sizes", "64", "--count", "1", "--benchtime", "1x"}
	with := func(base []string, args ...string) []string { return append(slices.Clone(base), args...) }
	inUse := fmt.Sprintf("in use by pid %d on host ", os.Getpid())
	notOurs := "holds files lowdim did not write (thesis.tex)"
	cwd := "is the current folder or one of its parents"
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"run/someone else's folder", with(run, "--out", foreign), "invalid --out " + foreign + ": " + foreign + " " + notOurs},
		{"run/the current folder", with(run, "--out", "."), "invalid --out .: " + cwd},
		{"run/a parent of the current folder", with(run, "--out", ".."), "invalid --out ..: " + cwd},
		{"run/in use", with(run, "--out", busy), "invalid --out " + busy + ": " + inUse},
		{"run/--save-instance in use", with(run, "--out", filepath.Join(root, "new"), "--save-instance", busy), "invalid --save-instance " + busy + ": " + inUse},
		{"run/--save-instance inside --out", with(run, "--out", filepath.Join(root, "new"), "--save-instance", filepath.Join(root, "new", "inst")),
			"invalid --save-instance " + filepath.Join(root, "new", "inst") + ": is --out"},
		{"run/--save-instance into someone else's folder", with(run, "--out", filepath.Join(root, "new"), "--save-instance", foreign), "invalid --save-instance " + foreign + ": " + foreign + " " + notOurs},
		{"verify/someone else's folder", with(verify, "--out", foreign), "invalid --out " + foreign + ": " + foreign + " " + notOurs},
		{"verify/the current folder", with(verify, "--out", "."), "invalid --out .: " + cwd},
		{"verify/in use", with(verify, "--out", busy), "invalid --out " + busy + ": " + inUse},
		{"mlp/someone else's folder", with(mlp, "--out", foreign), "invalid --out " + foreign + ": " + foreign + " " + notOurs},
		{"mlp/in use", with(mlp, "--out", busy), "invalid --out " + busy + ": " + inUse},
		{"bench/in use", with(bench, "--out", busyFile), "invalid --out " + busyFile + ": " + inUse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lowdim(t, tt.args...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stderr, tt.want)
			require.Equal(t, before, listTree(t, root), "something ran, or was left")
		})
	}
}
