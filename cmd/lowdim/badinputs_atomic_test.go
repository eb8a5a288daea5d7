package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/outdir"
)

// Kind 5 of the bad-inputs table: atomicity. The interruptions themselves
// (SIGINT and SIGTERM at every write phase and at random moments, a crash
// at each phase) are interrupt_test.go's, in child processes; these rows
// are what an in-process run can show: the folders a run must not write
// into or must share (in use, another's files, the working folder, one
// inside the other), and what an earlier lowdim left (a staging folder, an
// aside folder between two renames, a dead holder's lock file, a folder or
// instance of an earlier version), each repaired or replaced as a whole.
//
// A folder another lowdim holds is reached through the symbolic link
// {dir}/elsewhere to a folder outside {dir}, so that the holder's lock file
// is not among the row's files (every row must leave none).

// elsewhere links dir/elsewhere to a new folder outside dir and returns
// that folder.
func elsewhere(t *testing.T, dir string) string {
	t.Helper()
	other := t.TempDir()
	require.NoError(t, os.Symlink(other, filepath.Join(dir, "elsewhere")))
	return other
}

// holdFolder is a setup: another lowdim (this process, through outdir)
// holds {dir}/elsewhere/<name> for the row's duration.
func holdFolder(name string, then func(*testing.T, string) []string) func(*testing.T, string) []string {
	return func(t *testing.T, dir string) []string {
		f, err := outdir.Open(filepath.Join(elsewhere(t, dir), name), outdir.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		if then != nil {
			return then(t, dir)
		}
		return nil
	}
}

// holdFile is holdFolder for a file (bench's --out).
func holdFile(name string) func(*testing.T, string) []string {
	return func(t *testing.T, dir string) []string {
		l, err := outdir.Acquire(filepath.Join(elsewhere(t, dir), name))
		require.NoError(t, err)
		t.Cleanup(func() { l.Release() })
		return nil
	}
}

// writeFiles is a setup writing files (path relative to dir -> content)
// and running then, when not nil.
func writeFiles(files map[string]string, then func(*testing.T, string) []string) func(*testing.T, string) []string {
	return func(t *testing.T, dir string) []string {
		for rel, content := range files {
			p := filepath.Join(dir, rel)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		}
		if then != nil {
			return then(t, dir)
		}
		return nil
	}
}

// deadLock is the content of a lock file whose holder ran on this host and
// has exited.
func deadLock(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	host, _ := os.Hostname()
	return fmt.Sprintf(`{"pid":%d,"host":%q,"since":"2026-01-02T03:04:05Z"}`+"\n", cmd.Process.Pid, host)
}

// atomicCheck returns a row check asserting files under dir: each path
// relative to dir must exist (want[path] true) or not (false).
func atomicCheck(want map[string]bool, more func(t *testing.T, dir string)) func(t *testing.T, dir, stdout, stderr string) {
	return func(t *testing.T, dir, _, _ string) {
		for rel, exists := range want {
			_, err := os.Lstat(filepath.Join(dir, rel))
			require.Equal(t, exists, err == nil, "%s exists: %v", rel, err)
		}
		if more != nil {
			more(t, dir)
		}
	}
}

func init() {
	run, verify := runBase, verifyTiny
	bench := with(benchBase, "--out", "{dir}/x.bench")
	refused := func(name string, args []string, setup func(*testing.T, string) []string, msg ...string) badInput {
		return badInput{name: name, args: args, setup: setup, wantCode: exitUsage, wantMsg: msg, check: nothingRan}
	}
	ok := func(name string, args []string, setup func(*testing.T, string) []string, check func(*testing.T, string, string, string), msg ...string) badInput {
		return badInput{name: name, args: args, setup: setup, wantCode: exitOK, wantMsg: msg, check: check}
	}
	thesis := map[string]string{"out/thesis.tex": "a user's file"}
	previous := map[string]string{"out/" + outdir.Marker: outdir.MarkerText, "out/run.json": "an earlier run", "out/old.png": "x"}
	inUse := "in use by pid " + fmt.Sprint(os.Getpid()) + " on host "
	addBadInputs(kindAtomic,
		refused("run --out in use", with(run, "--out", "{dir}/elsewhere/out"), holdFolder("out", nil), "invalid --out {dir}/elsewhere/out: "+inUse),
		refused("verify --out in use", with(verify, "--out", "{dir}/elsewhere/out"), holdFolder("out", nil), "invalid --out {dir}/elsewhere/out: "+inUse),
		refused("mlp --out in use", with(mlpBase, "--out", "{dir}/elsewhere/out"), holdFolder("out", withMLPData), "invalid --out {dir}/elsewhere/out: "+inUse),
		refused("bench --out in use", with(benchBase, "--out", "{dir}/elsewhere/x.bench"), holdFile("x.bench"), "invalid --out {dir}/elsewhere/x.bench: "+inUse),
		refused("run --save-instance in use", with(run, "--save-instance", "{dir}/elsewhere/inst"), holdFolder("inst", nil), "invalid --save-instance {dir}/elsewhere/inst: "+inUse),
		refused("run --save-instance is --out", with(run, "--save-instance", "{dir}/out"), nil, "invalid --save-instance {dir}/out: is --out {dir}/out"),
		refused("run --save-instance inside --out", with(run, "--save-instance", "{dir}/out/inst"), nil, "invalid --save-instance {dir}/out/inst: is --out {dir}/out"),
		refused("run --out inside --save-instance", with(run, "--out", "{dir}/inst/out", "--save-instance", "{dir}/inst"), nil, "invalid --save-instance {dir}/inst: is --out {dir}/inst/out"),
		refused("run --out holds another's files", run, writeFiles(thesis, nil), "invalid --out {dir}/out: {dir}/out holds files lowdim did not write (thesis.tex)"),
		refused("verify --out holds another's files", verify, writeFiles(thesis, nil), "invalid --out {dir}/out: {dir}/out holds files lowdim did not write (thesis.tex)"),
		refused("mlp --out holds another's files", mlpBase, writeFiles(thesis, withMLPData), "invalid --out {dir}/out: {dir}/out holds files lowdim did not write (thesis.tex)"),
		refused("run --save-instance holds another's files", with(run, "--save-instance", "{dir}/inst"), writeFiles(map[string]string{"inst/notes.txt": "x"}, nil),
			"invalid --save-instance {dir}/inst: {dir}/inst holds files lowdim did not write (notes.txt)"),
		refused("quick preset, a subfolder holds another's files", []string{"run", "--preset", "quick", "--quiet", "--out", "{dir}/out"}, writeFiles(map[string]string{"out/mc/notes.txt": "x"}, nil),
			"invalid --out {dir}/out: {dir}/out/mc holds files lowdim did not write (notes.txt)"),
		refused("run --out the working folder", with(run, "--out", "."), nil, "invalid --out .: is the current folder or one of its parents"),
		refused("verify --out a parent of the working folder", with(verify, "--out", ".."), nil, "invalid --out ..: is the current folder or one of its parents"),
		ok("run over a killed run's staging folder", run, writeFiles(map[string]string{"out/" + outdir.Marker: outdir.MarkerText, "out/run.json": "x", ".out.lowdim-staging-123/run.json": "half"}, nil),
			atomicCheck(map[string]bool{".out.lowdim-staging-123": false, "out/run.json": true}, nil), "removed 1 temporary folder(s) of an interrupted run beside {dir}/out"),
		ok("run after a crash between the commit's two renames", run, writeFiles(map[string]string{".out.lowdim-old-123/" + outdir.Marker: outdir.MarkerText, ".out.lowdim-old-123/run.json": "x", ".out.lowdim-staging-456/run.json": "new"}, nil),
			atomicCheck(map[string]bool{".out.lowdim-old-123": false, ".out.lowdim-staging-456": false, "out/run.json": true}, nil), "put back the previous contents of {dir}/out from .out.lowdim-old-123"),
		ok("run with a dead holder's lock file", run, func(t *testing.T, dir string) []string {
			return writeFiles(map[string]string{".out.lowdim-lock": deadLock(t)}, nil)(t, dir)
		}, atomicCheck(map[string]bool{".out.lowdim-lock": false, "out/run.json": true}, nil)),
		ok("bench with a dead holder's lock file", bench, func(t *testing.T, dir string) []string {
			return writeFiles(map[string]string{".x.bench.lowdim-lock": deadLock(t)}, nil)(t, dir)
		}, atomicCheck(map[string]bool{".x.bench.lowdim-lock": false, "x.bench": true}, nil)),
		ok("run over an earlier run replaces it whole", run, writeFiles(previous, nil),
			atomicCheck(map[string]bool{"out/old.png": false, "out/" + outdir.Marker: true}, func(t *testing.T, dir string) {
				b, err := os.ReadFile(filepath.Join(dir, "out", "run.json"))
				require.NoError(t, err)
				require.NotEqual(t, "an earlier run", string(b))
			})),
		// Names prove nothing: only the marker makes a folder lowdim's.
		refused("run over an unmarked folder of lowdim's names", run, writeFiles(map[string]string{"out/mask.npy": "x", "out/target.npy": "x"}, nil),
			"invalid --out {dir}/out: {dir}/out holds files lowdim did not write (mask.npy, target.npy)"),
		ok("--save-instance over an earlier instance replaces it whole", with(run, "--methods", "original,compressed", "--save-instance", "{dir}/inst"),
			writeFiles(map[string]string{"inst/" + outdir.Marker: outdir.MarkerText, "inst/target.npy": "x", "inst/init_bm_W1.npy": "a stale method's weights"}, nil),
			atomicCheck(map[string]bool{"inst/init_bm_W1.npy": false, "inst/init_original_W1.npy": true, "inst/init_compressed_W1.npy": true, "inst/" + outdir.Marker: true}, nil)),
		ok("run --out a link to a folder keeps the link", with(run, "--out", "{dir}/link"), func(t *testing.T, dir string) []string {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "real"), 0o755))
			require.NoError(t, os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")))
			return nil
		}, atomicCheck(map[string]bool{"real/run.json": true}, func(t *testing.T, dir string) {
			st, err := os.Lstat(filepath.Join(dir, "link"))
			require.NoError(t, err)
			require.Equal(t, os.ModeSymlink, st.Mode().Type(), "the link was replaced by a folder")
		})),
		// verifyTiny's 20 steps judge no width: its gate fails (exit 1), a
		// result written like any other.
		badInput{name: "verify over a run's folder replaces it whole", args: verify, setup: writeFiles(previous, nil), wantCode: exitFailure,
			check: atomicCheck(map[string]bool{"out/run.json": false, "out/verdict.json": true}, nil)},
		ok("run into an empty folder", run, func(t *testing.T, dir string) []string {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "out"), 0o755))
			return nil
		}, atomicCheck(map[string]bool{"out/run.json": true, "out/" + outdir.Marker: true}, nil)),
	)
}

// TestBadInputsAtomicRows: kind 5 holds at least minPerKind rows here
// (badinputs_test.go's ownedKinds leaves kind 5 to this file).
func TestBadInputsAtomicRows(t *testing.T) {
	n := 0
	for _, r := range badInputs {
		if r.kind == kindAtomic {
			n++
		}
	}
	require.GreaterOrEqual(t, n, minPerKind)
}
