package interrupt

import (
	"fmt"
	"os"
	"slices"
	"strconv"
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
// <signals> is a '+'-joined list of INT, TERM and HUP (default INT): the first
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
	hook, hookErr = parseHook(os.Getenv(TestEnv))
	fired         atomic.Bool
)

// CheckEnv returns the error of a malformed TestEnv (nil when it is unset
// or well formed). The commands call it before any work and exit 2 on it:
// a hook that cannot fire must not let a test pass for the wrong reason.
func CheckEnv() error { return hookErr }

// fixedPhases are the phases without a parameter; paramPhases the
// prefixes of the others, with whether their parameter is a number
// (cmd/lowdim's output.go lists them all).
var (
	fixedPhases = []string{"trained", "instance-commit-before", "instance-commit-after", "instance-committed",
		"commit-before", "commit-after", "committed"}
	paramPhases = []struct {
		prefix  string
		numeric bool
	}{{"step/", true}, {"bench-record/", true}, {"instance-staged/init_", false}, {"staged/", false}}
)

// knownPhase reports whether name is a phase some command reaches.
func knownPhase(name string) bool {
	if slices.Contains(fixedPhases, name) {
		return true
	}
	for _, p := range paramPhases {
		if rest, ok := strings.CutPrefix(name, p.prefix); ok && rest != "" {
			if !p.numeric {
				return true
			}
			n, err := strconv.Atoi(rest)
			return err == nil && n >= 0
		}
	}
	return false
}

// parseHook parses the value of TestEnv; a malformed one is an error
// naming the variable and the value.
func parseHook(v string) (testHook, error) {
	if v == "" {
		return testHook{}, nil
	}
	bad := func(format string, a ...any) (testHook, error) {
		return testHook{}, fmt.Errorf("%s=%q: %s", TestEnv, v, fmt.Sprintf(format, a...))
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
		case "HUP":
			t.sigs = append(t.sigs, syscall.SIGHUP)
		case "KILL":
			t.sigs = append(t.sigs, syscall.SIGKILL)
		default:
			return bad("signal %q is not INT, TERM, HUP or KILL (want <phase>[@INT|TERM|HUP[+INT|TERM|HUP]] or <phase>@KILL)", s)
		}
	}
	if phase == "" || len(t.sigs) > 2 || (slices.Contains(t.sigs, syscall.SIGKILL) && len(t.sigs) > 1) {
		return bad("want <phase>[@INT|TERM|HUP[+INT|TERM|HUP]] or <phase>@KILL")
	}
	if !knownPhase(phase) {
		return bad("unknown phase %q: the phases are %s, step/<k>, bench-record/<k>, instance-staged/init_<method> and staged/<file>",
			phase, strings.Join(fixedPhases, ", "))
	}
	return t, nil
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
