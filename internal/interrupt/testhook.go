package interrupt

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// TestEnv is the environment variable of the test hook. It is for tests
// only: with it set, a command sends itself signals at a named moment of
// its work, so that a test can interrupt it there deterministically.
//
//	LOWDIM_TEST_INTERRUPT_AT=<phase>[@<signals>]
//
// <signals> is a '+'-joined list of INT and TERM (default INT): the first
// is sent and handled (Done is closed) before Phase returns; a second one
// aborts the process (Phase does not return). KILL alone sends SIGKILL: the
// process dies there without any cleanup, as in a crash. The phases are the names the
// commands pass to Phase; cmd/lowdim documents them (interrupt_test.go
// lists every one). A phase is fired once per process, at its first
// occurrence.
const TestEnv = "LOWDIM_TEST_INTERRUPT_AT"

// testHook is the parsed TestEnv.
type testHook struct {
	phase string
	sigs  []syscall.Signal
}

var (
	hook  = parseHook(os.Getenv(TestEnv))
	fired atomic.Bool
)

// parseHook parses the value of TestEnv; it panics on a malformed one (a
// test's mistake).
func parseHook(v string) testHook {
	if v == "" {
		return testHook{}
	}
	phase, list, ok := strings.Cut(v, "@")
	if !ok {
		list = "INT"
	}
	t := testHook{phase: phase}
	for _, s := range strings.Split(list, "+") {
		switch s {
		case "INT":
			t.sigs = append(t.sigs, syscall.SIGINT)
		case "TERM":
			t.sigs = append(t.sigs, syscall.SIGTERM)
		case "KILL":
			t.sigs = append(t.sigs, syscall.SIGKILL)
		default:
			panic(fmt.Sprintf("interrupt: %s=%q: signal %q is not INT, TERM or KILL", TestEnv, v, s))
		}
	}
	if phase == "" || len(t.sigs) > 2 || (slices.Contains(t.sigs, syscall.SIGKILL) && len(t.sigs) > 1) {
		panic(fmt.Sprintf("interrupt: %s=%q: want <phase>[@INT|TERM[+INT|TERM]] or <phase>@KILL", TestEnv, v))
	}
	return t
}

// Testing reports whether the test hook is set, so that a command can
// install the per-step callbacks that name step phases only then.
func (h *Handler) Testing() bool { return hook.phase != "" }

// Phase is where a command reaches the moment name. With the test hook set
// to name (TestEnv), the first time it is reached the process sends itself
// the hook's signals; otherwise Phase does nothing.
func (h *Handler) Phase(name string) {
	if hook.phase != name || !fired.CompareAndSwap(false, true) {
		return
	}
	for i, s := range hook.sigs {
		if err := syscall.Kill(os.Getpid(), s); err != nil {
			panic(fmt.Sprintf("interrupt: test hook: %v", err))
		}
		if s == syscall.SIGKILL {
			time.Sleep(30 * time.Second) // never returns from the kill
		}
		if i == 0 {
			select {
			case <-h.done:
			case <-time.After(30 * time.Second):
				panic("interrupt: test hook: the first signal was not handled within 30 s")
			}
			continue
		}
		time.Sleep(30 * time.Second)
		panic("interrupt: test hook: the abort did not exit within 30 s")
	}
}
