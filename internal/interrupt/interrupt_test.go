package interrupt

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the handler's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeExit replaces exit for the test and returns the channel of the
// codes it is called with.
func fakeExit(t *testing.T) chan int {
	codes := make(chan int, 1)
	exit = func(code int) { codes <- code }
	t.Cleanup(func() { exit = os.Exit })
	return codes
}

// waitDone waits for the first signal to be handled.
func waitDone(t *testing.T, h *Handler) {
	t.Helper()
	select {
	case <-h.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the signal was not handled")
	}
}

func TestCode(t *testing.T) {
	require.Equal(t, 130, Code(syscall.SIGINT))
	require.Equal(t, 143, Code(syscall.SIGTERM))
	require.Equal(t, 129, Code(syscall.SIGHUP))
}

// TestFirstThenSecond sends the process a SIGINT (the graceful stop) and
// a SIGTERM (the abort): the cleanups run last registered first, the
// removed one not at all, and the exit code is the second signal's.
func TestFirstThenSecond(t *testing.T) {
	codes := fakeExit(t)
	var log syncBuffer
	h := Notify(&log, "lowdim test")
	defer h.Stop()
	require.False(t, h.Interrupted())
	require.Equal(t, 0, h.ExitCode())

	var mu sync.Mutex
	var order []string
	record := func(s string) func() {
		return func() { mu.Lock(); defer mu.Unlock(); order = append(order, s) }
	}
	h.OnAbort(record("first registered"))
	remove := h.OnAbort(record("removed"))
	h.OnAbort(record("last registered"))
	remove()

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGINT))
	waitDone(t, h)
	require.True(t, h.Interrupted())
	require.Equal(t, 130, h.ExitCode())
	require.Contains(t, log.String(), "lowdim test: SIGINT: stopping at the next step")
	mu.Lock()
	require.Empty(t, order, "the first signal aborted")
	mu.Unlock()

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case code := <-codes:
		require.Equal(t, 143, code)
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not abort")
	}
	require.Equal(t, []string{"last registered", "first registered"}, order)
	require.Contains(t, log.String(), "second signal (SIGTERM): aborting")
	require.Equal(t, 130, h.ExitCode(), "the command's status stays the first signal's")
}

// TestHoldDelaysTheAbort: an abort waits for a held section.
func TestHoldDelaysTheAbort(t *testing.T) {
	codes := fakeExit(t)
	h := Notify(&syncBuffer{}, "lowdim test")
	defer h.Stop()
	release := h.Hold()
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGINT))
	waitDone(t, h)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGINT))
	select {
	case <-codes:
		t.Fatal("aborted inside a held section")
	case <-time.After(100 * time.Millisecond): // long enough for the handler to reach the hold
	}
	release()
	release() // idempotent
	require.Equal(t, 130, <-codes)
}

func TestParseHook(t *testing.T) {
	parse := func(v string) testHook {
		h, err := parseHook(v)
		require.NoError(t, err)
		return h
	}
	require.Equal(t, testHook{}, parse(""))
	require.Equal(t, testHook{phase: "commit-before", sigs: []syscall.Signal{syscall.SIGINT}}, parse("commit-before"))
	require.Equal(t, testHook{phase: "step/5", sigs: []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}}, parse("step/5@TERM+INT"))
	require.Equal(t, testHook{phase: "commit-after", sigs: []syscall.Signal{syscall.SIGKILL}}, parse("commit-after@KILL"))
	parse("staged/run.json@TERM")
	parse("instance-staged/init_original")
	parse("bench-record/2")
	for _, v := range []string{"trained@QUIT", "@INT", "@INT+INT+INT", "trained@INT+INT+INT", "trained@KILL+INT", "step/10@FOO",
		"x@INT", "step/x", "step/", "staged/", "Trained"} {
		_, err := parseHook(v)
		require.Error(t, err, v)
		require.Contains(t, err.Error(), TestEnv+"="+strconv.Quote(v), v)
	}
}

// TestPhase fires the hook once, at its phase, and returns after the
// handler took the signal.
func TestPhase(t *testing.T) {
	saved := hook
	hook, _ = parseHook("staged/run.json@TERM")
	fired.Store(false)
	t.Cleanup(func() { hook = saved })
	h := Notify(&syncBuffer{}, "lowdim test")
	defer h.Stop()
	require.True(t, h.Testing())
	h.Phase("staged/trajectories.csv")
	require.False(t, h.Interrupted())
	h.Phase("staged/run.json")
	require.True(t, h.Interrupted(), "Phase returned before the signal was handled")
	require.Equal(t, 143, h.ExitCode())
	h.Phase("staged/run.json") // once only: a second SIGTERM would abort
}
