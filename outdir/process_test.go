package outdir

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary a helper process (TestMain): the tests
// below re-execute it to hold a lock from another process, or to crash in
// the middle of a commit.
const helperEnv = "LOWDIM_OUTDIR_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

// helper runs a helper process: "exit"; "hold PATH [exclusive]" (open
// PATH, print "locked", wait for stdin to close, close PATH); "crash PATH"
// (commit a set with two renames and exit between them).
func helper(mode string) int {
	args := strings.Fields(mode)
	switch args[0] {
	case "exit":
		return 0
	case "hold":
		forceExclusive = len(args) > 2 && args[2] == "exclusive"
		f, err := Open(args[1], Options{})
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("locked")
		io.Copy(io.Discard, os.Stdin)
		if err := f.Close(); err != nil {
			return 1
		}
		return 0
	case "crash":
		noExchange = true
		betweenRenames = func() { os.Exit(9) }
		f, err := Open(args[1], Options{})
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		s, err := f.Stage("")
		if err == nil {
			err = os.WriteFile(filepath.Join(s.Path(), "run.json"), []byte("next"), 0o644)
		}
		if err == nil {
			err = s.Commit()
		}
		fmt.Println("error: the commit did not crash:", err)
		return 1
	}
	return 2
}

// helperCmd returns the command of a helper process.
func helperCmd(t *testing.T, mode string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	return cmd
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := helperCmd(t, "exit")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

// errWouldBlock is flock's error for a lock held elsewhere.
func errWouldBlock() error { return unix.EWOULDBLOCK }

// TestLockTwoProcesses holds the lock in another process: this one is
// refused at once with the holder's pid; once the holder is killed
// (SIGKILL, no cleanup) the lock can be taken: at once with flock, by
// taking over the stale lock file without it.
func TestLockTwoProcesses(t *testing.T) {
	for _, excl := range []bool{false, true} {
		t.Run(map[bool]string{false: "flock", true: "exclusive"}[excl], func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			mode := "hold " + out
			if excl {
				mode += " exclusive"
			}
			cmd := helperCmd(t, mode)
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			line, err := bufio.NewReader(stdout).ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, "locked\n", line)

			forceExclusive = excl
			t.Cleanup(func() { forceExclusive = false })
			_, err = Open(out, Options{})
			var be *BusyError
			require.ErrorAs(t, err, &be)
			require.NotNil(t, be.Holder)
			require.Equal(t, cmd.Process.Pid, be.Holder.PID)
			require.ErrorContains(t, err, fmt.Sprintf("in use by pid %d on host %s", cmd.Process.Pid, hostname()))

			require.NoError(t, cmd.Process.Kill())
			cmd.Wait()
			f, err := Open(out, Options{})
			require.NoError(t, err, "the holder is dead")
			if excl {
				require.Contains(t, strings.Join(f.Notes(), "\n"), fmt.Sprintf("took over the lock of pid %d", cmd.Process.Pid))
			} else {
				require.Empty(t, f.Notes())
			}
			require.NoError(t, f.Close())
			stdin.Close()
		})
	}
}

// TestLockReleasedByHolder: a holder that ends normally removes its lock
// file.
func TestLockReleasedByHolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cmd := helperCmd(t, "hold "+out)
	cmd.Stdin = strings.NewReader("") // closes at once
	b, err := cmd.Output()
	require.NoError(t, err, "%s", b)
	require.Equal(t, "locked\n", string(b))
	requireNoFile(t, LockFile(out))
}

// TestCrashBetweenRenames kills a process between the two renames of the
// fallback commit: the folder is missing, the previous set aside. The next
// Open puts it back.
func TestCrashBetweenRenames(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	commitSet(t, out, Options{}, "", map[string]string{"run.json": "previous"})
	b, err := helperCmd(t, "crash "+out).Output()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", b)
	require.Equal(t, 9, ee.ExitCode(), "%s", b)
	requireNoFile(t, out)
	f, err := Open(out, Options{})
	require.NoError(t, err)
	require.Contains(t, strings.Join(f.Notes(), "\n"), "put back the previous contents")
	require.NoError(t, f.Close())
	requireFiles(t, out, map[string]string{"run.json": "previous"})
	require.Equal(t, []string{"out"}, ls(t, root), "a temporary or the lock file is left")
}
