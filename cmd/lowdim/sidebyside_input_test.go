package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// TestSideBySideScriptInputs runs scripts/side-by-side.py on crafted copies
// of a sparse mc export (d = 24, |O| = 288) and with bad flags: each fault
// exits 2 with a message naming the file, row or flag, before any timing.
// The crafted files are written by the same python3's NumPy.
func TestSideBySideScriptInputs(t *testing.T) {
	py := testenv.NumpyPython(t)
	dir := t.TempDir()
	sp, spModel := sideBySideExport(t, dir, "sparse", "3", "--workload", "mc", "--p", "0.5", "--storage", "sparse")
	model := filepath.Dir(spModel)
	dense, _ := sideBySideExport(t, dir, "dense", "3", "--workload", "mc", "--p", "0.5")

	script := func(wantCode int, args ...string) string {
		out := sideBySideRun(t, py, wantCode, args...)
		require.NotContains(t, out, "Traceback")
		return out
	}
	// craft copies the sparse export into a new folder and runs the Python
	// statements edit there (numpy as np, the folder as the working one).
	n := 0
	craft := func(edit string) string {
		n++
		c := filepath.Join(dir, "crafted", string(rune('a'+n)))
		require.NoError(t, os.MkdirAll(c, 0o755))
		ents, err := os.ReadDir(sp)
		require.NoError(t, err)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(sp, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(c, e.Name()), b, 0o644))
		}
		cmd := exec.Command(py, "-c", "import numpy as np\n"+edit)
		cmd.Dir = c
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return c
	}
	// The export is as the checks want it: timed.
	out := script(0, sp, "--steps", "1", "--repeats", "1", "--lib", "numpy")
	require.Contains(t, out, "numpy sampled-mc:")

	// The first row with two observed entries, in the crafted edits.
	const row = "rp = np.load('observed_rowptr.npy').astype(int); c = np.load('observed_cols.npy')\n" +
		"i = int(np.flatnonzero(np.diff(rp) >= 2)[0]); k = rp[i]\n"
	c := craft(row + "c[k], c[k+1] = c[k+1], c[k]; np.save('observed_cols.npy', c); open('row', 'w').write(str(i))")
	r, err := os.ReadFile(filepath.Join(c, "row"))
	require.NoError(t, err)
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, filepath.Join(c, "observed_cols.npy")+": row "+string(r)+" is not sorted at column")
	require.NotContains(t, out, "ms/step")

	c = craft(row + "c[k+1] = c[k]; np.save('observed_cols.npy', c)")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, filepath.Join(c, "observed_cols.npy")+": row "+string(r)+" repeats column")

	c = craft("np.save('observed_cols.npy', np.load('observed_cols.npy').astype(np.complex64))")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, filepath.Join(c, "observed_cols.npy")+": dtype complex64, want integers")

	c = craft("import shutil; shutil.copy(" + pyStr(filepath.Join(dense, "target.npy")) + ", 'target.npy')")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, "mixes a dense instance's target.npy with a sparse export's target_U.npy, target_S.npy, target_V.npy, observed_rowptr.npy")

	c = craft("open('target_S.npy', 'wb').close()")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, filepath.Join(c, "target_S.npy")+": empty file")

	c = craft("b = open('observed_cols.npy', 'rb').read(); open('observed_cols.npy', 'wb').write(b[:128 + 21 * 8])")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, filepath.Join(c, "observed_cols.npy")+": truncated:")

	c = craft("rp = np.load('observed_rowptr.npy'); rp[3], rp[4] = rp[4] + 1, rp[3]; np.save('observed_rowptr.npy', rp)")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, filepath.Join(c, "observed_rowptr.npy")+": want 0 first, nondecreasing values")

	c = craft("np.save('target_U.npy', np.load('target_U.npy')[:12])")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, "target_U.npy has 12 rows but observed_rowptr.npy holds 25 values (want rows + 1 = 13)")

	c = craft("rp = np.load('observed_rowptr.npy'); rp[5] += 0.5; np.save('observed_rowptr.npy', rp)")
	out = script(2, c, "--lib", "numpy")
	require.Contains(t, out, filepath.Join(c, "observed_rowptr.npy")+": value ")
	require.Contains(t, out, "at index 5; want integers in [0, |O| (observed_cols.npy's length)] = [0, 288]")

	// Flags.
	out = script(2, sp, "--check", filepath.Join(model, "compressed"), "--tol", "-1")
	require.Contains(t, out, "--tol -1: must be positive")
	out = script(2, sp, "--d", "64")
	require.Contains(t, out, "--d 64: only --draw takes a size")
	out = script(2, sp, "--only", "sampled-mc,,dense-mc")
	require.Contains(t, out, "has an empty item")
	out = script(2, sp, "--check", model)
	require.Contains(t, out, "--check "+model+": the folder holds no manifest.json, but compressed holds one (give "+filepath.Join(model, "compressed")+")")
	out = script(2, sp, "--check", sp)
	require.Contains(t, out, "the folder holds no manifest.json (want the compressed model's folder")
	out = script(0, "--help")
	require.NotContains(t, out, "see above")

	// --draw refuses a size whose matrices exceed any memory before
	// creating the folder (1.8e17 bytes at d = 10^8).
	big := filepath.Join(dir, "big")
	out = script(2, big, "--draw", "mc", "--d", "100000000")
	require.Contains(t, out, "--d 100000000: --draw mc needs up to 184000000000000000 bytes")
	require.NoDirExists(t, big)
	drawn := filepath.Join(dir, "drawn")
	out = script(0, drawn, "--draw", "mf", "--d", "16")
	require.Contains(t, out, "drew "+drawn)
	require.FileExists(t, filepath.Join(drawn, "target.npy"))
	require.NoFileExists(t, filepath.Join(drawn, "mask.npy"))
	leftovers, err := filepath.Glob(filepath.Join(dir, ".drawn.draw-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers)
}

// TestSideBySideDrawInterrupt interrupts scripts/side-by-side.py --draw mc
// once its staging folder holds target.npy (the mask not yet written): it
// prints one line, exits 130 and leaves neither DIR nor the staging folder.
func TestSideBySideDrawInterrupt(t *testing.T) {
	py := testenv.NumpyPython(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "inst")
	var buf bytes.Buffer
	cmd := exec.Command(py, sideBySide, target, "--draw", "mc", "--d", "6000")
	cmd.Stdout, cmd.Stderr = &buf, &buf
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	var err error
wait:
	for {
		select {
		case err = <-done:
			t.Skipf("the draw ended before its staging folder held target.npy (err %v): %s", err, buf.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("no staging folder with target.npy after 2 minutes: %s", buf.String())
		case <-time.After(5 * time.Millisecond):
			m, _ := filepath.Glob(filepath.Join(dir, ".inst.draw-*", "target.npy"))
			if len(m) > 0 {
				break wait
			}
		}
	}
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err = <-done
	ee, ok := err.(*exec.ExitError)
	if !ok && err == nil {
		t.Skipf("the draw finished before the interrupt reached it: %s", buf.String())
	}
	require.True(t, ok, "%v: %s", err, buf.String())
	require.Equal(t, 130, ee.ExitCode(), buf.String())
	require.Equal(t, "side-by-side.py: interrupted", strings.TrimSpace(buf.String()))
	require.NoDirExists(t, target)
	left, err := filepath.Glob(filepath.Join(dir, ".inst.draw-*"))
	require.NoError(t, err)
	require.Empty(t, left)
}

// pyStr quotes s as a Python string literal (paths without quotes or
// backslashes, as t.TempDir gives).
func pyStr(s string) string { return "'" + s + "'" }
