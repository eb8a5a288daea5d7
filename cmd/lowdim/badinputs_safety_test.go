package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/lowdim/lowdim/outdir"
)

// Kind 6, the output folders' safety: no output replaces a special file,
// a user's folder (whatever its files are named), a folder of earlier
// runs, an input, a run's folder it lies in; every flag is checked before
// an output file is truncated; names too long for the staging folder are
// refused at once. outdir's tests hold the rest (live locks, a lock file
// that is a symbolic link, undeletable leftovers).
func init() {
	run := []string{"run", "--d", "8", "--r", "2", "--steps", "3000"}
	verify := []string{"verify", "--workload", "mf", "--loss", "sum", "--d", "12", "--r", "2", "--eta", "0.02", "--steps", "3000"}
	bench := with(benchBase, "--count", "3", "--benchtime", "100x")
	calib := []string{"calibrate", "--sizes", "64", "--reps", "3", "--triad-mb", "8"}
	refused := func(name string, args []string, setup func(*testing.T, string) []string, check func(*testing.T, string), msg ...string) badInput {
		return badInput{name: name, args: args, setup: setup, wantCode: exitUsage, wantMsg: msg, check: func(t *testing.T, dir, stdout, stderr string) {
			nothingRan(t, dir, stdout, stderr)
			if check != nil {
				check(t, dir)
			}
		}}
	}
	fifo := func(t *testing.T, dir string) []string {
		require.NoError(t, unix.Mkfifo(filepath.Join(dir, "pipe"), 0o644))
		return nil
	}
	linkToFull := func(t *testing.T, dir string) []string {
		require.NoError(t, os.Symlink("/dev/full", filepath.Join(dir, "full")))
		return nil
	}
	stillDevice := func(p string) func(*testing.T, string) {
		return func(t *testing.T, _ string) {
			st, err := os.Stat(p)
			require.NoError(t, err)
			require.NotZero(t, st.Mode()&os.ModeDevice, "%s was replaced", p)
		}
	}
	unchanged := func(name, text string) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err, "%s was removed", name)
			require.Equal(t, text, string(b), "%s was changed", name)
		}
	}
	longName := strings.Repeat("n", 230)
	addBadInputs(kindOutput,
		refused("calibrate --out /dev/full", with(calib, "--out", "/dev/full"), nil, stillDevice("/dev/full"), "invalid --out /dev/full", "not a regular file"),
		refused("calibrate --out a link to /dev/full", with(calib, "--out", "{dir}/full"), linkToFull, stillDevice("/dev/full"), "invalid --out {dir}/full", "a device"),
		refused("bench --out /dev/null", with(bench, "--out", "/dev/null"), nil, stillDevice("/dev/null"), "invalid --out /dev/null", "not a regular file"),
		refused("bench --out a FIFO", with(bench, "--out", "{dir}/pipe"), fifo, nil, "invalid --out {dir}/pipe", "a FIFO"),
		refused("bench bad --benchtime keeps --out", with(benchBase, "--count", "1", "--benchtime", "-3s", "--out", "{dir}/old.bench"), files("old.bench", "BenchmarkOld 1 1 ns/op\n"), unchanged("old.bench", "BenchmarkOld 1 1 ns/op\n"), "invalid --benchtime -3s"),
		refused("bench --out inside a run's folder", with(bench, "--out", "{dir}/i1/x.bench"), lowdimFolder("i1"), nil, "invalid --out {dir}/i1/x.bench", "an output folder of lowdim"),
		refused("calibrate --out inside a run's folder", with(calib, "--out", "{dir}/mdl/cal.json"), lowdimFolder("mdl"), nil, "invalid --out {dir}/mdl/cal.json", "an output folder of lowdim"),
		refused("run --save-instance a user's np.save folder", with(run, "--out", "{dir}/out", "--save-instance", "{dir}/inst"), files("inst/target.npy", npyHeader("(4, 4)", 128)), unchanged("inst/target.npy", npyHeader("(4, 4)", 128)), "--save-instance", "did not write (target.npy)"),
		refused("run --out a user's folder of lowdim's names", with(run, "--out", "{dir}/mine"), files("mine/target.npy", "t", "mine/init_original_W1.npy", "w"), unchanged("mine/target.npy", "t"), "invalid --out {dir}/mine", "did not write (init_original_W1.npy, target.npy)"),
		refused("run --out a folder of earlier runs", with(run, "--out", "{dir}/results"), func(t *testing.T, dir string) []string {
			lowdimFolder("results/exp-a")(t, dir)
			return lowdimFolder("results/exp-b")(t, dir)
		}, func(t *testing.T, dir string) {
			require.FileExists(t, filepath.Join(dir, "results", "exp-a", outdir.Marker))
			require.FileExists(t, filepath.Join(dir, "results", "exp-b", outdir.Marker))
		}, "invalid --out {dir}/results", "exp-a, exp-b"),
		refused("run --out inside a run's folder", with(run, "--out", "{dir}/outer/inner"), lowdimFolder("outer"), nil, "invalid --out {dir}/outer/inner", "an output folder of lowdim"),
		refused("run --out is --load-instance", []string{"run", "--load-instance", "{dir}/li", "--out", "{dir}/li"}, files("li/target.npy", npyHeader("(4, 4)", 128)), unchanged("li/target.npy", npyHeader("(4, 4)", 128)), "invalid --out {dir}/li", "holds --load-instance"),
		refused("run --out holds --load-instance", []string{"run", "--load-instance", "{dir}/all/li", "--out", "{dir}/all"}, files("all/li/target.npy", npyHeader("(4, 4)", 128)), unchanged("all/li/target.npy", npyHeader("(4, 4)", 128)), "invalid --out {dir}/all", "holds --load-instance"),
		refused("verify --out holds --target", with([]string{"verify", "--target", "{dir}/li/target.npy", "--out", "{dir}/li"}), files("li/target.npy", npyHeader("(4, 4)", 128)), unchanged("li/target.npy", npyHeader("(4, 4)", 128)), "invalid --out {dir}/li", "holds --target"),
		refused("verify --out holds --cpuprofile", with(verify, "--cpuprofile", "{dir}/cp/cpu.prof", "--out", "{dir}/cp"), nil, func(t *testing.T, dir string) { require.NoDirExists(t, filepath.Join(dir, "cp")) }, "invalid --out {dir}/cp", "holds --cpuprofile"),
		refused("run --out holds --cpuprofile", with(run, "--cpuprofile", "{dir}/cp/cpu.prof", "--out", "{dir}/cp"), nil, nil, "invalid --out {dir}/cp", "holds --cpuprofile"),
		refused("run --out a name too long to stage", with(run, "--out", "{dir}/"+longName), nil, func(t *testing.T, dir string) { require.NoDirExists(t, filepath.Join(dir, longName)) }, "must be at most", "bytes"),
	)
}

// lowdimFolder returns a setup that commits an (empty) output folder of
// lowdim's at dir/name: it holds only the marker.
func lowdimFolder(name string) func(t *testing.T, dir string) []string {
	return func(t *testing.T, dir string) []string {
		f, err := outdir.Open(filepath.Join(dir, name), outdir.Options{})
		require.NoError(t, err)
		defer f.Close()
		s, err := f.Stage("")
		require.NoError(t, err)
		require.NoError(t, s.Commit())
		return nil
	}
}

// TestBenchOutLinkLocked: bench --out through a symbolic link takes the
// lock of the file the link leads to, so a bench writing that file is
// seen.
func TestBenchOutLinkLocked(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.bench")
	require.NoError(t, os.WriteFile(real, []byte("BenchmarkOld 1 1 ns/op\n"), 0o644))
	require.NoError(t, os.Symlink(real, filepath.Join(dir, "link.bench")))
	l, err := outdir.Acquire(real)
	require.NoError(t, err)
	defer l.Release()
	var o, e bytes.Buffer
	code := run(with(benchBase, "--count", "1", "--benchtime", "1x", "--out", filepath.Join(dir, "link.bench")), &o, &e)
	require.Equal(t, exitUsage, code, e.String())
	require.Contains(t, e.String(), "in use by")
	b, err := os.ReadFile(real)
	require.NoError(t, err)
	require.Equal(t, "BenchmarkOld 1 1 ns/op\n", string(b))
}
