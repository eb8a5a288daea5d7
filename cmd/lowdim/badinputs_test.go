package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/npy"
)

// The bad-inputs table (issue 12): at least 20 bad or odd inputs of each
// kind of the issue, each run in-process through run and held to the same
// rules: its exit code, a message naming the flag, key or file and the
// value, no panic, and no temporary file left in its folder. The kinds:
const (
	kindAlloc       = 1 // allocation before validation: huge sizes from flags and file headers
	kindNotApplying = 2 // a value that does not apply to the run, validated whether or not it applies
	kindEmpty       = 3 // empty or zero meaning "default", duplicates, keys of a file
	kindOddNumbers  = 4 // zero, NaN, Inf, subnormal, huge numbers; divergence at step 0 is a result
	kindAtomic      = 5 // atomicity (interruptions): interrupt_test.go's rows
	kindOutput      = 6 // output errors, found before any work
	kindDeterminism = 7 // the same seed and configuration: the same bytes at GOMAXPROCS 1 and 2
)

// minPerKind is the least number of rows of each kind the table holds.
const minPerKind = 20

// ownedKinds are the kinds whose rows these files register (kind 5's live
// beside the interruption tests).
var ownedKinds = []int{kindAlloc, kindNotApplying, kindEmpty, kindOddNumbers, kindOutput, kindDeterminism}

// A badInput is one row: a command line and what it must do.
type badInput struct {
	kind int
	name string
	// args is the command line; "{dir}" in it (and in wantMsg) stands
	// for the row's own temporary folder.
	args []string
	// setup, when not nil, prepares dir (files the row reads) and returns
	// arguments appended to args.
	setup    func(t *testing.T, dir string) []string
	wantCode int
	// wantMsg are substrings of stderr (of stdout and stderr for a row
	// that exits 0): the flag, key or file and the value.
	wantMsg []string
	// procs, when positive, is the GOMAXPROCS the row runs at.
	procs int
	// check, when not nil, asserts what the row's run left: its outputs
	// in dir (a result, such as a run that diverged at step 0), or a
	// second run (determinism).
	check func(t *testing.T, dir, stdout, stderr string)
	// numerics marks a row refused (exitUsage) only after numbers the
	// BLAS backend computes (a learning rate from the target's norm): it
	// runs in both passes of make test, like every row that trains.
	numerics bool
}

// gonumPassOnly reports whether the row's outcome is one no BLAS backend
// can change, so that only the gonum pass of make test runs it
// (testenv.GonumPassOnly): a row refused with exitUsage before any
// numerics (flags, files, sizes, output folders), and an atomicity row,
// whose subject is which files an interrupted or repeated command leaves.
// Rows that train, and exitUsage rows marked numerics, run in both passes.
func (r badInput) gonumPassOnly() bool {
	return r.kind == kindAtomic || (r.wantCode == exitUsage && !r.numerics)
}

// badInputs are the registered rows, in registration order.
var badInputs []badInput

// addBadInputs registers rows of kind, from any test file's init.
func addBadInputs(kind int, rows ...badInput) {
	for _, r := range rows {
		r.kind = kind
		badInputs = append(badInputs, r)
	}
}

// expand replaces "{dir}" in s by dir.
func expand(s, dir string) string { return strings.ReplaceAll(s, "{dir}", dir) }

// TestBadInputsPerKind: the table holds at least minPerKind rows of each
// kind these files own, and no row twice.
func TestBadInputsPerKind(t *testing.T) {
	count := map[int]int{}
	names := map[string]bool{}
	for _, r := range badInputs {
		count[r.kind]++
		id := fmt.Sprintf("%d/%s", r.kind, r.name)
		require.False(t, names[id], "row %s registered twice", id)
		names[id] = true
	}
	t.Logf("rows per kind: %v (total %d)", count, len(badInputs))
	for _, k := range ownedKinds {
		require.GreaterOrEqual(t, count[k], minPerKind, "kind %d has %d rows", k, count[k])
	}
}

// TestBadInputs runs every row of the table.
func TestBadInputs(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // never the real calibration cache
	for _, r := range badInputs {
		t.Run(fmt.Sprintf("kind%d/%s", r.kind, r.name), func(t *testing.T) { runBadInput(t, r) })
	}
}

// runBadInput runs one row and checks it.
func runBadInput(t *testing.T, r badInput) {
	if r.gonumPassOnly() {
		testenv.GonumPassOnly(t, "refused before any numerics, or atomicity")
	}
	dir := t.TempDir()
	var args []string
	for _, a := range r.args {
		args = append(args, expand(a, dir))
	}
	if r.setup != nil {
		args = append(args, r.setup(t, dir)...)
	}
	if r.procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(r.procs))
	}
	// Output folders the run would create: a refused run creates none
	// (not even the marker or the lock of a folder it opened).
	var absent []string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--out", "--save-instance", "--save-model":
			p := args[i+1]
			lock := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".lowdim-lock")
			_, err := os.Lstat(p)
			_, lerr := os.Lstat(lock) // a lock held by another (the in-use rows)
			if errors.Is(err, os.ErrNotExist) && errors.Is(lerr, os.ErrNotExist) {
				absent = append(absent, p)
			}
		}
	}
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	stdout, stderr := out.String(), errb.String()
	cmdline := strings.Join(args, " ")
	require.Equal(t, r.wantCode, code, "exit code of lowdim %s\nstdout:\n%s\nstderr:\n%s", cmdline, stdout, stderr)
	for _, s := range []string{"panic:", "goroutine "} {
		require.NotContains(t, stdout+stderr, s, "lowdim %s panicked", cmdline)
	}
	where := stderr
	if code == exitOK {
		where = stdout + stderr
	}
	for _, w := range r.wantMsg {
		require.Contains(t, where, expand(w, dir), "lowdim %s", cmdline)
	}
	if code == exitUsage {
		require.NotEmpty(t, stderr, "an input error says why")
		for _, p := range absent {
			_, err := os.Lstat(p)
			require.ErrorIs(t, err, os.ErrNotExist, "refused, yet %s was created", p)
			lock := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".lowdim-lock")
			_, err = os.Lstat(lock)
			require.ErrorIs(t, err, os.ErrNotExist, "refused, yet its lock %s was left", lock)
		}
		for _, f := range []string{"run.json", "verdict.json", "trajectories.csv"} {
			require.Empty(t, findFiles(t, dir, func(p string) bool { return filepath.Base(p) == f }), "refused, yet %s written", f)
		}
	}
	require.Empty(t, findFiles(t, dir, isTemporary), "temporary files left by lowdim %s", cmdline)
	if r.check != nil {
		r.check(t, dir, stdout, stderr)
	}
}

// isTemporary reports whether the base name of p is one of lowdim's
// temporaries: an atomic write's or a staging folder's (hidden names other
// than outdir's marker ".lowdim"), a probe, a lock, or a *.tmp file.
func isTemporary(p string) bool {
	b := filepath.Base(p)
	switch {
	case b == ".lowdim":
		return false
	case strings.HasPrefix(b, "."), strings.Contains(b, ".tmp"), strings.Contains(b, ".lowdim-"):
		return true
	}
	return false
}

// findFiles returns the paths under root (relative, as listTree gives
// them) for which match is true.
func findFiles(t *testing.T, root string, match func(string) bool) []string {
	t.Helper()
	var got []string
	for _, p := range listTree(t, root) {
		if match(p) {
			got = append(got, p)
		}
	}
	return got
}

// badData is the folder of the inputs copied from ../shared/cases (see its
// README): bad-inputs/, target-derived-values-blamed-on-flags/,
// rank-inference-float32/, compare-bom-utf16/ and the instance folders of
// load-instance-*/ and generator-rules-on-user-target/.
var badData = filepath.Join("testdata", "bad-inputs")

// bad returns the path of a copied case file.
func bad(name string) string { return filepath.Join(badData, name) }

// with returns base followed by more, as a new slice.
func with(base []string, more ...string) []string {
	return append(slices.Clone(base), more...)
}

// Command lines every row starts from: each trains (or measures) for a
// fraction of a second when its inputs are good, so that a row that
// wrongly passes validation shows as a failed row, not a long test.
var (
	runBase    = []string{"run", "--d", "8", "--r", "2", "--steps", "5", "--quiet", "--out", "{dir}/out"}
	loadBase   = []string{"run", "--steps", "5", "--quiet", "--out", "{dir}/out"} // d from the files
	verifyTiny = []string{"verify", "--workload", "mf", "--loss", "sum", "--d", "12", "--r", "2", "--eta", "0.02", "--steps", "20", "--quiet", "--out", "{dir}/out"}
	benchBase  = []string{"bench", "--filter", "Infer/method=bm/d=64/", "--sizes", "64", "--count", "1", "--benchtime", "1x"}
	calibBase  = []string{"calibrate", "--sizes", "8", "--reps", "1", "--triad-mb", "1", "--out", "{dir}/cal.json"}
	// mlpCore and mlpBase (mlpCore writing to {dir}/out, quiet) need the
	// synthetic data of withMLPData.
	mlpCore = []string{"run", "--preset", "fmnist", "--data", "{dir}/data",
		"--width", "16", "--width2", "8", "--r-hat", "4", "--batch", "16", "--epochs", "1", "--latency-seconds", "0"}
	mlpBase = with(mlpCore, "--out", "{dir}/out", "--quiet")
)

// withMLPData writes a small synthetic IDX data set (4 classes of 6 x 6
// images) to dir/data.
func withMLPData(t *testing.T, dir string) []string {
	require.NoError(t, idx.WriteDir(filepath.Join(dir, "data"), idx.Synthetic(4, 6, 160, 80, 80, 3), true))
	return nil
}

// writeNPY writes m (rows x cols, row-major data) as a float64 .npy file
// named name in dir and returns its path.
func writeNPY(t *testing.T, dir, name string, shape []int, data []float64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, npy.WriteFile(p, shape, data))
	return p
}

// writeDense writes m as a float64 .npy file named name in dir.
func writeDense(t *testing.T, dir, name string, m *mat.Dense) string {
	t.Helper()
	r, c := m.Dims()
	return writeNPY(t, dir, name, []int{r, c}, mat.DenseCopyOf(m).RawMatrix().Data)
}

// writeIn writes text to dir/name, creating its folders, and returns its
// path.
func writeIn(t *testing.T, dir, name, text string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
	return writeFile(t, dir, name, text)
}

// copyFiles copies the files of the folder src into the folder dst
// (created).
func copyFiles(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dst, 0o755))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
}

// files returns a setup that writes each name -> text in the row's
// folder.
func files(kv ...string) func(t *testing.T, dir string) []string {
	return func(t *testing.T, dir string) []string {
		for i := 0; i+1 < len(kv); i += 2 {
			writeIn(t, dir, kv[i], kv[i+1])
		}
		return nil
	}
}

// npyHeader returns the bytes of a .npy file declaring shape (float64)
// followed by n data bytes of zeros: a header that lies about its size
// when n is short.
func npyHeader(shape string, n int) string {
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }"
	hlen := len(dict) + 1
	pad := (64 - (10+hlen)%64) % 64
	total := hlen + pad
	return "\x93NUMPY\x01\x00" + string([]byte{byte(total), byte(total >> 8)}) + dict + strings.Repeat(" ", pad) + "\n" + strings.Repeat("\x00", n)
}

// refused is a row refused as bad input (exit 2) whose message names what
// msg gives.
func refused(name string, args []string, msg ...string) badInput {
	return badInput{name: name, args: args, wantCode: exitUsage, wantMsg: msg}
}

// refusedSetup is refused with a setup.
func refusedSetup(name string, args []string, setup func(*testing.T, string) []string, msg ...string) badInput {
	return badInput{name: name, args: args, setup: setup, wantCode: exitUsage, wantMsg: msg}
}
