package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lowdim/lowdim/sweep"
)

// sweepSpec is a sweep of 2 seeds of a small completion problem (d = 12:
// each run takes milliseconds, its figures most of its time).
const sweepSpec = `
preset = "paper-mc-fast"
[base]
d = 12
r = 2
r-hat = 4
steps = 200
every = 50
methods = "compressed,original"
[[axis]]
key = "seed"
values = [1, 2]
`

func runSweepCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestSweepCLI(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(spec, []byte(sweepSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runSweepCLI(t, "sweep", spec, "--out", out)
	if code != exitOK || !strings.Contains(stdout, "2 finished") {
		t.Fatalf("sweep: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "0 remaining, ETA") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	code, stdout, _ = runSweepCLI(t, "sweep", "--out", out, spec)
	if code != exitOK || !strings.Contains(stdout, "0 run now, 2 skipped") {
		t.Errorf("again: exit %d, stdout %q; want both skipped", code, stdout)
	}
	code, stdout, stderr = runSweepCLI(t, "sweep", "merge", out)
	if code != exitOK {
		t.Fatalf("merge: exit %d, %q %q", code, stdout, stderr)
	}
	for _, f := range []string{"sweep.csv", "sweep.json"} {
		if _, err := os.Stat(filepath.Join(out, "merged", f)); err != nil {
			t.Errorf("merge wrote no %s: %v", f, err)
		}
	}
}

// TestSweepBadSpec: a bad spec exits 2 before any run, naming the file,
// the key and the value, and writes nothing.
func TestSweepBadSpec(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, extra, want string }{
		{"unknown key", "[[axis]]\nkey = \"alhpa\"\nvalues = [1]\n", "alhpa"},
		{"bad value", "[[axis]]\nkey = \"depth\"\nvalues = [3, 0]\n", "depth = 0"},
		{"empty axis", "[[axis]]\nkey = \"alpha\"\nvalues = []\n", "alpha: empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := filepath.Join(dir, "bad.toml")
			os.WriteFile(spec, []byte(sweepSpec+tc.extra), 0o644)
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			code, _, stderr := runSweepCLI(t, "sweep", spec, "--out", out)
			if code != exitUsage || !strings.Contains(stderr, spec) || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %s and %q", code, stderr, spec, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
		})
	}
	for _, args := range [][]string{{"sweep"}, {"sweep", "--preset", "nosuch"}, {"sweep", "--preset", "alpha-ablation", "--shard", "3/2"}} {
		if code, _, stderr := runSweepCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d (%s), want 2", args, code, stderr)
		}
	}
}

// TestSweepEngines: lowdim sweep k8s and slurm write the manifest and the
// script (package sweep's tests check their contents); a missing --image
// or a bad spec is exit 2.
func TestSweepEngines(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.toml")
	os.WriteFile(spec, []byte(sweepSpec), 0o644)
	code, stdout, stderr := runSweepCLI(t, "sweep", "k8s", spec, "--image", "example.org/lowdim:1", "--shards", "3")
	if code != exitOK || !strings.Contains(stdout, `"completionMode": "Indexed"`) || !strings.Contains(stdout, `"completions": 3`) {
		t.Errorf("k8s: exit %d, %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runSweepCLI(t, "sweep", "k8s", spec); code != exitUsage || !strings.Contains(stderr, "--image") {
		t.Errorf("k8s without --image: exit %d, %q; want 2 naming --image", code, stderr)
	}
	script := filepath.Join(dir, "sw.sbatch")
	code, _, stderr = runSweepCLI(t, "sweep", "slurm", spec, "--shards", "4", "-o", script)
	b, _ := os.ReadFile(script)
	if code != exitOK || !strings.Contains(string(b), "#SBATCH --array=0-3") || !strings.Contains(string(b), spec) {
		t.Errorf("slurm: exit %d, %q, script:\n%s", code, stderr, b)
	}
	if code, _, _ := runSweepCLI(t, "sweep", "slurm", filepath.Join(dir, "nosuch.toml")); code != exitUsage {
		t.Errorf("slurm of a missing spec: exit %d, want 2", code)
	}
}

// TestSweepInterrupted: a SIGINT at step 100 of the first configuration
// (the test hook) exits 130 with that run written marked interrupted and
// the second not run; the same command then runs both and exits 0.
func TestSweepInterrupted(t *testing.T) {
	onePass(t)
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.toml")
	os.WriteFile(spec, []byte(sweepSpec), 0o644)
	out := filepath.Join(dir, "out")
	r := lowdimChild(t, "step/100@INT", "sweep", spec, "--out", out)
	if r.code != 130 || !strings.Contains(r.stderr, "interrupted") {
		t.Fatalf("exit %d, stderr %q; want 130", r.code, r.stderr)
	}
	all, _ := os.ReadDir(out)
	var ents []os.DirEntry
	for _, e := range all {
		if e.IsDir() {
			ents = append(ents, e)
		} else if e.Name() != sweep.FolderFile {
			t.Errorf("--out holds %s", e.Name())
		}
	}
	if len(ents) != 1 {
		t.Fatalf("%d folders in --out, want the interrupted configuration's only", len(ents))
	}
	b, err := os.ReadFile(filepath.Join(out, ents[0].Name(), "run.json"))
	if err != nil || !strings.Contains(string(b), `"interrupted": true`) {
		t.Fatalf("the interrupted configuration's run.json: %v, interrupted not recorded", err)
	}
	r = lowdimChild(t, "", "sweep", spec, "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "2 finished") || !strings.Contains(r.stdout, "2 run now") {
		t.Errorf("again: exit %d, stdout %q; want both run now and finished", r.code, r.stdout)
	}
}

// TestSweepAborted: a second SIGINT during a run aborts the sweep at once
// (130) and leaves nothing temporary (the point's staging folder and lock
// are removed by its Close, registered for the abort); the same command
// then runs both configurations.
func TestSweepAborted(t *testing.T) {
	onePass(t)
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.toml")
	os.WriteFile(spec, []byte(sweepSpec), 0o644)
	out := filepath.Join(dir, "out")
	r := lowdimChild(t, "step/100@INT+INT", "sweep", spec, "--out", out)
	if r.code != 130 {
		t.Fatalf("exit %d, stderr %q; want 130", r.code, r.stderr)
	}
	requireNoTemporaries(t, dir)
	r = lowdimChild(t, "", "sweep", spec, "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "2 run now") {
		t.Errorf("again: exit %d, stdout %q; want both run now", r.code, r.stdout)
	}
}

// TestSweepMergeOneSweep: merge refuses folders of two different sweeps
// (exit 2, naming both folders and sweeps) unless --mixed; it warns of a
// folder without lowdim-sweep.json; it says how many configurations of
// an incomplete sweep are missing.
func TestSweepMergeOneSweep(t *testing.T) {
	dir := t.TempDir()
	specA, specB := filepath.Join(dir, "a.toml"), filepath.Join(dir, "b.toml")
	if err := os.WriteFile(specA, []byte(sweepSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(specB, []byte(strings.Replace(sweepSpec, "values = [1, 2]", "values = [3]", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	// a: shard 0 of 2 only, 1 of its 2 configurations.
	if code, _, stderr := runSweepCLI(t, "sweep", specA, "--out", a, "--shard", "0/2", "--quiet"); code != exitOK {
		t.Fatalf("sweep a: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runSweepCLI(t, "sweep", specB, "--out", b, "--quiet"); code != exitOK {
		t.Fatalf("sweep b: exit %d, %s", code, stderr)
	}
	code, _, stderr := runSweepCLI(t, "sweep", "merge", "--out", filepath.Join(dir, "m"), a, b)
	if code != exitUsage || !strings.Contains(stderr, a+" holds sweep") || !strings.Contains(stderr, b+" holds sweep") || !strings.Contains(stderr, "--mixed") {
		t.Errorf("two sweeps: exit %d, %q; want exit 2 naming both folders and --mixed", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "m")); err == nil {
		t.Errorf("the refused merge wrote its --out")
	}
	if code, _, stderr = runSweepCLI(t, "sweep", "merge", "--mixed", "--out", filepath.Join(dir, "m"), a, b); code != exitOK {
		t.Errorf("--mixed: exit %d, %q", code, stderr)
	}
	code, _, stderr = runSweepCLI(t, "sweep", "merge", a)
	if code != exitOK || !strings.Contains(stderr, "1 of its 2 configurations finished; 1 missing") {
		t.Errorf("half a sweep: exit %d, %q; want a warning that 1 of 2 configurations is missing", code, stderr)
	}
	if code, _, stderr = runSweepCLI(t, "sweep", "merge", b); code != exitOK || strings.Contains(stderr, "warning") {
		t.Errorf("a whole sweep: exit %d, %q; want no warning", code, stderr)
	}
	if err := os.Remove(filepath.Join(b, sweep.FolderFile)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runSweepCLI(t, "sweep", "merge", "--out", filepath.Join(dir, "m2"), a, b)
	if code != exitOK || !strings.Contains(stderr, b+" has no "+sweep.FolderFile) {
		t.Errorf("a folder without a mark: exit %d, %q; want a warning naming it", code, stderr)
	}
}

// TestSweepEngineOutputs: -o - writes to stdout (no file named -), -o on
// an existing file replaces it (as the help says); sweep k8s's --out under
// /sweep is the same folder as relative to it.
func TestSweepEngineOutputs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	spec := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(spec, []byte(sweepSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runSweepCLI(t, "sweep", "slurm", spec, "--shards", "2", "-o", "-")
	if code != exitOK || !strings.Contains(stdout, "#SBATCH --array=0-1") {
		t.Errorf("-o -: exit %d, %q %q; want the script on stdout", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Errorf("-o - wrote a file named -")
	}
	old := filepath.Join(dir, "old.sbatch")
	if err := os.WriteFile(old, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runSweepCLI(t, "sweep", "slurm", spec, "-o", old)
	if b, _ := os.ReadFile(old); code != exitOK || !strings.Contains(string(b), "#SBATCH") {
		t.Errorf("-o an existing file: exit %d, %q; file %q, want it replaced", code, stderr, b)
	}
	_, help, _ := func() (int, string, string) {
		c, o, e := runSweepCLI(t, "sweep", "slurm", "-h")
		return c, e, o
	}()
	if !strings.Contains(help, "replacing it if it exists") {
		t.Errorf("sweep slurm -h does not say -o replaces an existing file:\n%s", help)
	}
	_, rel, _ := runSweepCLI(t, "sweep", "k8s", spec, "--image", "r/l:1", "--out", "runs/a")
	_, abs, _ := runSweepCLI(t, "sweep", "k8s", spec, "--image", "r/l:1", "--out", "/sweep/runs/a")
	if rel == "" || rel != abs || !strings.Contains(rel, "/sweep/runs/a") {
		t.Errorf("k8s --out /sweep/runs/a and runs/a differ, or lack /sweep/runs/a:\n%s\n%s", rel, abs)
	}
}
