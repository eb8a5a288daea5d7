// Package testenv decides what a test does when the machine lacks
// something it needs: a data set, a C compiler, a library, a hardware
// counter, or the time that -short withholds.
//
// By default such a test is skipped, with a one-line reason. CI sets
// LOWDIM_REQUIRE_ALL=1 so that "skipped: not available" becomes a failure:
// under it, Unavailable, SkipUnless and SkipIfShort call t.Fatal instead of
// t.Skip, so a runner that lost a data set or a library fails instead of
// passing with less tested.
//
// A few needs are not something CI can provide: energy counters that a
// virtual machine does not expose, a file mode that root ignores. Tests
// skip those through SkipOptional, which skips even under
// LOWDIM_REQUIRE_ALL=1 and says so. Keep that list short, and justify each
// entry in its reason; at the time of writing it is:
//
//   - energy: RAPL counters under /sys/class/powercap (absent in most VMs
//     and containers; root-only since Linux 5.10).
//   - energy: a counter made unreadable by its mode while running as root,
//     which reads any file (the message is covered by a simulated
//     permission error).
//   - atomicfile: a folder made unwritable by its mode while running as
//     root, for the same reason.
//   - outdir: an output folder made unwritable by its mode while running
//     as root, for the same reason.
//
// One skip is not about anything missing: make test runs the suite twice,
// once pure Go (gonum) and once with -tags openblas, and a test whose
// outcome no BLAS backend can change (flag parsing, input refused before any
// numerics, output folders, interruption) calls GonumPassOnly to run in
// the first pass only. It skips under -tags openblas even under
// LOWDIM_REQUIRE_ALL=1: the gonum pass runs it, so nothing goes untested.
//
// The package is for tests only; it panics on nothing and allocates only
// the messages it formats.
package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequireAllEnv is the environment variable that turns a skip for
// something missing into a failure when set to "1". CI (.ci/run) sets it.
const RequireAllEnv = "LOWDIM_REQUIRE_ALL"

// RequireAll reports whether RequireAllEnv is "1".
func RequireAll() bool { return os.Getenv(RequireAllEnv) == "1" }

// Unavailable ends the test because something it needs is missing: why
// says what and, when it can be installed, how ("FashionMNIST not
// installed (make fmnist-data)"). It calls t.Skip, or t.Fatal under
// LOWDIM_REQUIRE_ALL=1. Like t.Skip it does not return.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("required but not available (%s=1): %s", RequireAllEnv, why)
	}
	t.Skip("not available: " + why)
}

// Unavailablef is Unavailable with a formatted reason.
func Unavailablef(t testing.TB, format string, args ...any) {
	t.Helper()
	Unavailable(t, fmt.Sprintf(format, args...))
}

// SkipUnless calls Unavailable(t, why) when cond is false, and otherwise
// returns.
func SkipUnless(t testing.TB, cond bool, why string) {
	t.Helper()
	if !cond {
		Unavailable(t, why)
	}
}

// SkipIfShort skips the test under go test -short, why saying what it
// costs ("trains three workloads twice"). Under LOWDIM_REQUIRE_ALL=1 a
// -short run is a failure instead: a run that requires everything must not
// leave out the long tests.
func SkipIfShort(t testing.TB, why string) {
	t.Helper()
	if !testing.Short() {
		return
	}
	if RequireAll() {
		t.Fatalf("-short with %s=1: %s", RequireAllEnv, why)
	}
	t.Skip("-short: " + why)
}

// SkipOptional skips the test, even under LOWDIM_REQUIRE_ALL=1, for a need
// that CI cannot provide; why says what is missing and why CI cannot have
// it. Use it only for the needs listed in the package comment.
func SkipOptional(t testing.TB, why string) {
	t.Helper()
	t.Skip("optional, not required in CI: " + why)
}

// Backend is the BLAS backend the test binary was built with, as
// machine.BLASBackend names it: "gonum", or "openblas" under the openblas
// build tag (backend_openblas.go). testenv cannot import machine, whose own
// tests import testenv.
var Backend = "gonum"

// GonumPassOnly skips the test in the -tags openblas pass of make test: the
// test is one whose outcome the BLAS backend cannot change (why says what it
// exercises, "flag validation"), and the gonum pass runs it. It skips even
// under LOWDIM_REQUIRE_ALL=1, since nothing is missing. In a pure-Go build
// it returns.
func GonumPassOnly(t testing.TB, why string) {
	t.Helper()
	if Backend != "gonum" {
		t.Skipf("backend-independent (%s): the gonum pass of make test runs it, not the %s pass", why, Backend)
	}
}

// PassesEnv is the environment variable make test sets, for each of its
// passes, to the backends of all its passes in order ("gonum,openblas"),
// so that a test can run in one of them only (LastPassOnly).
const PassesEnv = "LOWDIM_TEST_PASSES"

// LastPassOnly skips the test unless this is the last pass of make test
// (PassesEnv names the passes; outside make test, or with one pass, it
// returns): the test is costly and one backend exercises what it checks
// as well as another (why says what: "the time preflight's estimate"),
// so it runs once, in the last pass, which under make test is the faster
// OpenBLAS where it is installed. It skips even under LOWDIM_REQUIRE_ALL=1,
// since the last pass runs it.
func LastPassOnly(t testing.TB, why string) {
	t.Helper()
	passes := strings.Split(os.Getenv(PassesEnv), ",")
	if last := passes[len(passes)-1]; len(passes) > 1 && last != Backend {
		t.Skipf("run once (%s): the %s pass of make test runs it, not the %s pass", why, last, Backend)
	}
}

// NumpyPython returns a python3 that imports numpy: the one on PATH, else
// the system's /usr/bin/python3 (where Debian's python3-numpy installs, when
// PATH leads to another Python first), or ends the test through Unavailable
// (.ci/run installs python3-numpy).
func NumpyPython(t testing.TB) string {
	t.Helper()
	var tried []string
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", py, err))
			continue
		}
		out, err := exec.Command(path, "-c", "import numpy").CombinedOutput()
		if err == nil {
			return path
		}
		tried = append(tried, fmt.Sprintf("%s: %v: %s", path, err, bytes.TrimSpace(out)))
	}
	Unavailablef(t, "python3 with numpy (apt-get install python3-numpy); tried %s", strings.Join(tried, "; "))
	return ""
}
