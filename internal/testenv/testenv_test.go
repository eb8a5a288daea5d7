package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lowdim/lowdim/machine"
)

// childEnv names the test that TestOutcomes runs in a child process, where
// its skip or failure can be observed from outside.
const childEnv = "LOWDIM_TESTENV_CHILD"

// TestChild is the child process's test: it calls the helper named by
// childEnv. Run directly (childEnv unset) it does nothing.
func TestChild(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "":
		return
	case "Unavailable":
		Unavailable(t, "the thing")
	case "Unavailablef":
		Unavailablef(t, "the %s", "thing")
	case "SkipUnless-false":
		SkipUnless(t, false, "the thing")
	case "SkipUnless-true":
		SkipUnless(t, true, "the thing")
	case "SkipIfShort":
		SkipIfShort(t, "it is long")
	case "SkipOptional":
		SkipOptional(t, "the counter")
	case "GonumPassOnly":
		GonumPassOnly(t, "flag parsing")
	case "LastPassOnly":
		LastPassOnly(t, "the estimate")
	}
	t.Log("reached the end")
}

// TestBackend: Backend names the backend the binary was built with, as
// machine does (its build-tagged files are the reference).
func TestBackend(t *testing.T) {
	if Backend != machine.BLASBackend {
		t.Errorf("testenv.Backend = %q, machine.BLASBackend = %q", Backend, machine.BLASBackend)
	}
}

// TestOutcomes runs each helper in a child process with and without
// LOWDIM_REQUIRE_ALL=1 and reads the verdict from its -test.v output.
func TestOutcomes(t *testing.T) {
	const (
		pass = "--- PASS: TestChild"
		skip = "--- SKIP: TestChild"
		fail = "--- FAIL: TestChild"
	)
	type outcome struct {
		helper     string
		short      bool
		requireAll string // value of LOWDIM_REQUIRE_ALL
		want       string
		wantText   string
		passes     string // value of LOWDIM_TEST_PASSES
	}
	tests := []outcome{
		{"Unavailable", false, "", skip, "not available: the thing", ""},
		{"Unavailable", false, "0", skip, "not available: the thing", ""},
		{"Unavailable", false, "1", fail, "required but not available (LOWDIM_REQUIRE_ALL=1): the thing", ""},
		{"Unavailablef", false, "", skip, "not available: the thing", ""},
		{"Unavailablef", false, "1", fail, "required but not available (LOWDIM_REQUIRE_ALL=1): the thing", ""},
		{"SkipUnless-false", false, "", skip, "not available: the thing", ""},
		{"SkipUnless-false", false, "1", fail, "required but not available", ""},
		{"SkipUnless-true", false, "1", pass, "reached the end", ""},
		{"SkipIfShort", false, "1", pass, "reached the end", ""},
		{"SkipIfShort", true, "", skip, "-short: it is long", ""},
		{"SkipIfShort", true, "1", fail, "-short with LOWDIM_REQUIRE_ALL=1: it is long", ""},
		{"SkipOptional", false, "", skip, "optional, not required in CI: the counter", ""},
		{"SkipOptional", false, "1", skip, "optional, not required in CI: the counter", ""},
	}
	// GonumPassOnly runs in the pure-Go build and skips under -tags
	// openblas, with or without LOWDIM_REQUIRE_ALL=1 (nothing is missing):
	// each pass of make test checks its own half.
	onePass, onePassText := pass, "reached the end"
	if Backend == "openblas" {
		onePass, onePassText = skip, "backend-independent (flag parsing): the gonum pass of make test runs it, not the openblas pass"
	}
	tests = append(tests, []outcome{
		{"GonumPassOnly", false, "", onePass, onePassText, ""},
		{"GonumPassOnly", false, "1", onePass, onePassText, ""},
	}...)
	// LastPassOnly runs outside make test and in its only or last pass,
	// and skips in the others, with or without LOWDIM_REQUIRE_ALL=1.
	other := map[string]string{"gonum": "openblas", "openblas": "gonum"}[Backend]
	skipText := "run once (the estimate): the " + other + " pass of make test runs it, not the " + Backend + " pass"
	tests = append(tests, []outcome{
		{"LastPassOnly", false, "1", pass, "reached the end", ""},
		{"LastPassOnly", false, "1", pass, "reached the end", Backend},
		{"LastPassOnly", false, "1", pass, "reached the end", other + "," + Backend},
		{"LastPassOnly", false, "", skip, skipText, Backend + "," + other},
		{"LastPassOnly", false, "1", skip, skipText, Backend + "," + other},
	}...)
	for _, tt := range tests {
		name := tt.helper + "/require=" + tt.requireAll + "/passes=" + tt.passes
		if tt.short {
			name += "/short"
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"-test.run=^TestChild$", "-test.v", "-test.count=1"}
			if tt.short {
				args = append(args, "-test.short")
			}
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), childEnv+"="+tt.helper, RequireAllEnv+"="+tt.requireAll, PassesEnv+"="+tt.passes)
			out, err := cmd.CombinedOutput()
			if (tt.want == fail) != (err != nil) {
				t.Errorf("child exit error %v, want failure %v; output:\n%s", err, tt.want == fail, out)
			}
			if !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), tt.wantText) {
				t.Errorf("child output lacks %q or %q:\n%s", tt.want, tt.wantText, out)
			}
		})
	}
}
