package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeBench stands in for a lowdim binary under the gate: bench --list
// prints the cases of FAKE_CASES; a bench run sleeps FAKE_SLEEP seconds
// (or, once the file $FAKE_DIR/slow exists, touches $FAKE_DIR/running and
// sleeps a minute: a sample that does not end) and prints FAKE_NS ns/op
// (plus a jitter of 0 to 9) and 10 flops/op per case. With FAKE_HANG_ON_INT
// set, a SIGINT makes it hang instead of stopping (a bench that does not
// stop at the end of its sample: only a kill ends it).
const fakeBench = `#!/usr/bin/env bash
case " $* " in
*" --list "*) for c in $FAKE_CASES; do echo "Benchmark$c"; done; exit 0;;
esac
if [ -n "$FAKE_HANG_ON_INT" ]; then trap 'exec sleep 60' INT; fi
s=${FAKE_SLEEP:-0}
if [ -n "$FAKE_DIR" ] && [ -e "$FAKE_DIR/slow" ]; then touch "$FAKE_DIR/running"; s=60; fi
sleep "$s" & wait $!
echo "goos: linux"
for c in $FAKE_CASES; do echo "Benchmark$c-2 1 $(( ${FAKE_NS:-1000} + RANDOM % 10 )) ns/op 10 flops/op"; done
`

// writeFakeBench writes fakeBench as dir/name and returns its path.
func writeFakeBench(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(fakeBench), 0o755))
	return p
}

// TestGateBareBinaryName: a --base-bin or --head-bin without a slash names
// a file in the working folder, never a program on PATH: "sh" (on PATH,
// not in the folder) is refused naming the flag and saying how to give the
// one on PATH; a file of that name in the working folder runs, by its
// absolute path (the report's base and head lines).
func TestGateBareBinaryName(t *testing.T) {
	onePass(t)
	dir := t.TempDir()
	exe := writeFakeBench(t, dir, "fakelowdim")
	t.Chdir(dir)
	code, stdout, stderr := lowdim(t, "gate", "--base-bin", "sh", "--head-bin", exe)
	require.Equal(t, exitUsage, code, stderr)
	require.Contains(t, stderr, "invalid --base-bin sh: no file sh in the working folder "+dir+
		` (a name without a slash is a file there, not a program looked up in PATH; for the one on PATH give --base-bin "$(command -v sh)")`)
	require.Empty(t, stdout)
	code, _, stderr = lowdim(t, "gate", "--base-bin", exe, "--head-bin", "no-such-lowdim")
	require.Equal(t, exitUsage, code, stderr)
	require.Contains(t, stderr, "invalid --head-bin no-such-lowdim: no file no-such-lowdim in the working folder")

	t.Setenv("FAKE_CASES", "A")
	code, stdout, stderr = lowdim(t, "gate", "--base-bin", "fakelowdim", "--head-bin", "fakelowdim", "--budget", "20s", "--max-rounds", "5")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "base: "+exe+"\nhead: "+exe+"\n")
	require.Contains(t, stdout, "rounds: 5 of 5 planned")
}

// TestGateUsage: a wrong number of arguments prints the message, then the
// usage with its flags (the Flags: section was empty).
func TestGateUsage(t *testing.T) {
	onePass(t)
	for _, args := range [][]string{nil, {"a", "b", "c"}} {
		code, stdout, stderr := lowdim(t, append([]string{"gate"}, args...)...)
		require.Equal(t, exitUsage, code)
		require.Empty(t, stdout)
		require.True(t, strings.HasPrefix(stderr, "lowdim gate: want BASE [HEAD], got "), stderr)
		_, flags, ok := strings.Cut(stderr, "\nFlags:\n")
		require.True(t, ok, stderr)
		for _, f := range []string{"-budget duration", "-base-bin string", "-markdown string", "-threshold float"} {
			require.Contains(t, flags, "  "+f+"\n", "flag %s in the usage", f)
		}
	}
}

// TestGateSecondSignal sends a real lowdim gate process two SIGINTs, the
// second while the first's stop waits for a bench that does not stop (the
// fake hangs on SIGINT): the second kills the bench, and the report of the
// rounds done is still written (stdout, --json, --markdown), marked
// INTERRUPTED, exit 130. It used to abort without any report.
func TestGateSecondSignal(t *testing.T) {
	onePass(t)
	dir := t.TempDir()
	exe := writeFakeBench(t, dir, "fake")
	js, md := filepath.Join(dir, "g.json"), filepath.Join(dir, "g.md")
	cmd, _, _ := lowdimCmd(t, "", "gate", "--base-bin", exe, "--head-bin", exe, "--budget", "5m", "--max-rounds", "1000",
		"--json", js, "--markdown", md)
	cmd.Env = append(cmd.Env, "FAKE_CASES=A", "FAKE_SLEEP=0.02", "FAKE_HANG_ON_INT=1", "FAKE_DIR="+dir)
	stdoutBuf := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = stdoutBuf, nil
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := make(chan string, 1000)
	var stderr lockedBuffer
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(s string) {
		t.Helper()
		timeout := time.After(60 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				require.True(t, ok, "stderr ended before %q:\n%s", s, stderr.String())
				if strings.Contains(l, s) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q on stderr within 60 s:\n%s", s, stderr.String())
			}
		}
	}
	waitLine("gate: round 5/")
	// From now on a bench run does not end by itself; wait until one is
	// under way, so that the first SIGINT's stop has to wait for it.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "slow"), nil, 0o644))
	require.Eventually(t, func() bool { _, err := os.Stat(filepath.Join(dir, "running")); return err == nil },
		60*time.Second, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	waitLine("SIGINT: stopping")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("lowdim gate still running 30 s after the second SIGINT:\n%s", stderr.String())
	}
	for range lines { // stderr is complete
	}
	require.Equal(t, 130, exitStatus(err), "stdout:\n%s\nstderr:\n%s", stdoutBuf.String(), stderr.String())
	require.Contains(t, stderr.String(), "second signal (SIGINT)")
	require.Contains(t, stdoutBuf.String(), "gate: INTERRUPTED: ")
	require.Regexp(t, `(?m)^A +sec/op +timing `, stdoutBuf.String())
	var j struct {
		Interrupted bool
		Rounds      int
	}
	data, err := os.ReadFile(js)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &j))
	require.True(t, j.Interrupted)
	require.GreaterOrEqual(t, j.Rounds, 5)
	data, err = os.ReadFile(md)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), "## lowdim gate: INTERRUPTED: "), "%s", data)
}

// TestGateTimeoutINT runs the newcomer's command, `timeout -s INT 3 lowdim
// gate ...`: timeout signals the gate and then its whole process group
// (the gate and its bench), so the gate may see two SIGINTs; the report of
// the rounds done is written either way, marked INTERRUPTED, and the exit
// is 130 (--preserve-status). Whether the two SIGINTs arrive apart or
// merge into one depends on the scheduler (this test passed on the
// development machine before the fix too); TestGateSecondSignal is the
// deterministic test of the second signal.
func TestGateTimeoutINT(t *testing.T) {
	onePass(t)
	timeout, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("no timeout command (coreutils)")
	}
	dir := t.TempDir()
	exe := writeFakeBench(t, dir, "fake")
	self, err := os.Executable()
	require.NoError(t, err)
	js := filepath.Join(dir, "g.json")
	cmd := exec.Command(timeout, "-s", "INT", "--preserve-status", "3", self, "gate", "--base-bin", exe, "--head-bin", exe,
		"--budget", "5m", "--max-rounds", "1000", "--json", js)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "FAKE_CASES=A", "FAKE_SLEEP=0.05")
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	require.Equal(t, 130, exitStatus(err), "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "gate: INTERRUPTED: ")
	data, err := os.ReadFile(js)
	require.NoError(t, err, stderr.String())
	var j struct{ Interrupted bool }
	require.NoError(t, json.Unmarshal(data, &j))
	require.True(t, j.Interrupted)
}

// lockedBuffer is a strings.Builder safe for a writer and a reader in
// different goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
