package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// TestGateBadInputs: every bad input is refused with exit 2 and a message
// naming the flag or revision, before anything is built (each row returns
// in milliseconds: no go build ran).
func TestGateBadInputs(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "exe")
	require.NoError(t, os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755))
	plain := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644))
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no revision", nil, "want BASE [HEAD], got 0 arguments"},
		{"unknown revision", []string{"no-such-rev-14"}, "revision no-such-rev-14: unknown revision"},
		{"unknown head", []string{"HEAD", "no-such-rev-14"}, "revision no-such-rev-14: unknown revision"},
		{"option as revision", []string{"--", "-x"}, "revision -x: not a revision"},
		{"budget 0", []string{"--budget", "0s", "HEAD"}, "invalid --budget 0s: must be positive"},
		{"budget negative", []string{"--budget", "-5m", "HEAD"}, "invalid --budget -5m0s"},
		{"budget absurd", []string{"--budget", "1000h", "HEAD"}, "invalid --budget 1000h0m0s: must be positive and at most 24h0m0s"},
		{"threshold", []string{"--threshold", "1.5", "HEAD"}, "invalid --threshold 1.5"},
		{"alpha", []string{"--alpha", "0", "HEAD"}, "invalid --alpha 0"},
		{"plant", []string{"--plant-head", "-1", "HEAD"}, "invalid --plant-head -1"},
		{"blas", []string{"--blas", "mkl", "HEAD"}, `invalid --blas "mkl"`},
		{"benchtime", []string{"--benchtime", "0s", "HEAD"}, "invalid --benchtime 0s"},
		{"markdown folder missing", []string{"--markdown", filepath.Join(dir, "no", "x.md"), "HEAD"}, "invalid --markdown " + filepath.Join(dir, "no", "x.md") + ": cannot write in"},
		{"markdown is a folder", []string{"--markdown", dir, "HEAD"}, "invalid --markdown " + dir + ": not a regular file"},
		{"json", []string{"--json", filepath.Join(dir, "no", "x.json"), "HEAD"}, "invalid --json"},
		{"same file", []string{"--markdown", filepath.Join(dir, "r"), "--json", filepath.Join(dir, "r"), "HEAD"}, "--markdown and --json are the same file"},
		{"one binary", []string{"--base-bin", exe}, "give both --base-bin and --head-bin"},
		{"binaries and revisions", []string{"--base-bin", exe, "--head-bin", exe, "HEAD"}, "--base-bin and --head-bin replace BASE and HEAD"},
		{"binary a folder", []string{"--base-bin", dir, "--head-bin", exe}, "invalid --base-bin " + dir + ": a folder, not a lowdim binary"},
		{"binary absent", []string{"--base-bin", filepath.Join(dir, "none"), "--head-bin", exe}, "invalid --base-bin " + filepath.Join(dir, "none") + ": no such file"},
		{"binary not executable", []string{"--base-bin", plain, "--head-bin", exe}, "invalid --base-bin " + plain + ": not an executable file (its mode is -rw-r--r--)"},
		{"markdown empty", []string{"--markdown", "", "HEAD"}, `invalid --markdown "": give a file name`},
		{"filter not a regexp", []string{"--filter", "(", "HEAD"}, `invalid --filter "(": error parsing regexp`},
		{"accept missing", []string{"--accept", filepath.Join(dir, "none"), "HEAD"}, "invalid --accept"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := lowdim(t, append([]string{"gate"}, c.args...)...)
			require.Equal(t, exitUsage, code, stderr)
			require.Contains(t, stderr, c.want)
			require.NotContains(t, stderr, "gate: building")
			require.Empty(t, stdout)
		})
	}
}

// TestGateEndToEnd builds lowdim once with the plant's test tag and gates
// it against itself on a one-case suite: the same binary on both sides
// passes (exit 0), and with a planted 10x slowdown (--plant-head 9, far
// beyond the noise of a loaded two-core machine, so the test does not
// flake: a 3x plant gave p = 0.041 over 6 + 6 samples at a low
// scheduling priority, above its Holm limit) fails (exit 1). The Markdown and JSON files are written. It
// builds a binary (pure Go, whatever the pass) and runs the gate for 16 s
// of wall time on one core, so it runs once, in the last pass of make test,
// which has less to run than the gonum pass (testenv.LastPassOnly).
func TestGateEndToEnd(t *testing.T) {
	testenv.SkipIfShort(t, "builds lowdim and runs the gate twice (about 25 s)")
	testenv.LastPassOnly(t, "the gate on a binary built with the default tags, the same in every pass")
	dir := t.TempDir()
	bin := filepath.Join(dir, "lowdim")
	out, err := exec.Command("go", "build", "-tags", "lowdim_plant", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	md, js := filepath.Join(dir, "gate.md"), filepath.Join(dir, "gate.json")
	args := []string{"gate", "--base-bin", bin, "--head-bin", bin, "--budget", "8s", "--benchtime", "10ms",
		"--filter", "^Step/workload=mc/", "--markdown", md, "--json", js}
	for _, c := range []struct {
		plant string
		want  int
	}{{"0", exitOK}, {"9", exitFailure}} {
		t.Run("plant="+c.plant, func(t *testing.T) {
			code, stdout, stderr := lowdim(t, append(args, "--plant-head", c.plant)...)
			require.Equal(t, c.want, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stderr, "gate: round 1/")
			require.Regexp(t, `(?m)^Step/workload=mc/method=compressed/path=sampled/d=64/L=3 +sec/op +timing `, stdout)
			data, err := os.ReadFile(md)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(string(data), "## lowdim gate: "))
			data, err = os.ReadFile(js)
			require.NoError(t, err)
			var j struct {
				Failed bool
				Rounds int
			}
			require.NoError(t, json.Unmarshal(data, &j))
			require.Equal(t, c.want == exitFailure, j.Failed)
			require.GreaterOrEqual(t, j.Rounds, 4) // MinSamples(1, 0.05)
		})
	}
}

// TestGateDirty: dirty sees uncommitted changes of tracked files (the
// gate then notes that it builds commits, not the working tree), not
// untracked files.
func TestGateDirty(t *testing.T) {
	repo := t.TempDir()
	git := func(args ...string) {
		out, err := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	git("init", "-q")
	require.NoError(t, os.WriteFile(filepath.Join(repo, "a"), []byte("1\n"), 0o644))
	git("add", "a")
	git("commit", "-qm", "a")
	ctx := context.Background()
	require.False(t, dirty(ctx, repo))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "b"), []byte("new\n"), 0o644))
	require.False(t, dirty(ctx, repo), "an untracked file is not built either way")
	require.NoError(t, os.WriteFile(filepath.Join(repo, "a"), []byte("2\n"), 0o644))
	require.True(t, dirty(ctx, repo))
	require.False(t, dirty(ctx, filepath.Join(repo, "none")), "no repository: nothing to say")
}
