package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lowdim runs the command in-process and returns its exit code, stdout and
// stderr.
func lowdim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommandExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring, when not empty
		stderr     string // substring, when not empty
		quietError bool   // stderr must be empty
	}{
		{name: "no args", args: nil, code: exitUsage, stderr: "Usage:"},
		{name: "empty args", args: []string{}, code: exitUsage, stderr: "Usage:"},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		{name: "flag as command", args: []string{"--d", "12"}, code: exitUsage, stderr: `unknown command "--d"`},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: "Usage:", quietError: true},
		{name: "-h", args: []string{"-h"}, code: exitOK, stdout: "Usage:", quietError: true},
		{name: "run -h", args: []string{"run", "-h"}, code: exitOK, stderr: "-load-instance"},
		{name: "run --help", args: []string{"run", "--help"}, code: exitOK, stderr: "-save-instance"},
		{name: "presets", args: []string{"presets"}, code: exitOK, stdout: "paper-mf-fast", quietError: true},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: "lowdim", quietError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lowdim(t, tt.args...)
			require.Equal(t, tt.code, code, "exit code; stderr:\n%s", stderr)
			if tt.stdout != "" {
				require.Contains(t, stdout, tt.stdout)
			}
			if tt.stderr != "" {
				require.Contains(t, stderr, tt.stderr)
			}
			if tt.quietError {
				require.Empty(t, stderr)
			}
		})
	}
}

func TestPresetsListsEveryPreset(t *testing.T) {
	code, stdout, _ := lowdim(t, "presets")
	require.Equal(t, exitOK, code)
	for _, name := range []string{"paper-mf", "paper-mc", "paper-ms", "paper-mf-fast", "paper-mc-fast", "paper-ms-fast", "quick"} {
		require.Contains(t, stdout, name+" ")
	}
}

// requireNoFile fails if path exists.
func requireNoFile(t *testing.T, path string) {
	t.Helper()
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "%s should not exist", path)
}

func TestRunRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		args []string // after a valid tiny base; later flags win
		want []string // substrings of stderr: the flag and the value
	}{
		{"r equal to d", []string{"--r", "12", "--d", "12"}, []string{"--r 12"}},
		{"r-hat zero", []string{"--r-hat", "0"}, []string{"--r-hat 0"}},
		{"r-hat above d", []string{"--r-hat", "13"}, []string{"--r-hat 13"}},
		{"eps zero", []string{"--eps", "0"}, []string{"--eps 0"}},
		{"eps negative", []string{"--eps", "-1"}, []string{"--eps -1"}},
		{"eta zero", []string{"--eta", "0"}, []string{"--eta 0"}},
		{"depth one", []string{"--depth", "1"}, []string{"--depth 1"}},
		{"tol negative", []string{"--tol", "-1"}, []string{"--tol -1"}},
		{"steps negative", []string{"--steps", "-5"}, []string{"--steps -5"}},
		{"p zero", []string{"--workload", "mc", "--p", "0"}, []string{"--p 0"}},
		{"p above one", []string{"--workload", "mc", "--p", "1.5"}, []string{"--p 1.5"}},
		{"m zero", []string{"--m", "0", "--workload", "ms"}, []string{"--m 0"}},
		{"unknown workload", []string{"--workload", "xx"}, []string{"--workload xx"}},
		{"unknown method", []string{"--methods", "original,foo"}, []string{"--methods original,foo", `"foo"`}},
		{"duplicate method", []string{"--methods", "bm,bm"}, []string{"--methods bm,bm", "twice"}},
		{"unknown preset", []string{"--preset", "nope"}, []string{"--preset nope", "paper-mf-fast"}},
		{"unknown loss", []string{"--loss", "median"}, []string{"--loss median"}},
		// 8 * 1e5 * 2000^2 bytes = 3.2 TB of sensing operator.
		{"operator too large", []string{"--d", "2000", "--m", "100000", "--workload", "ms"}, []string{"--m 100000", "3.2 TB"}},
		{"non-numeric d", []string{"--d", "abc"}, []string{`"abc"`, "-d"}},
		{"non-numeric eps", []string{"--eps", "small"}, []string{`"small"`, "-eps"}},
		{"unknown flag", []string{"--dd", "3"}, []string{"-dd"}},
		{"positional argument", []string{"extra"}, []string{`unexpected argument "extra"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"run", "--d", "12", "--r", "2", "--steps", "10", "--quiet", "--out", out}, tt.args...)
			code, _, stderr := lowdim(t, args...)
			require.Equal(t, exitUsage, code, "exit code of %q; stderr:\n%s", strings.Join(args, " "), stderr)
			for _, w := range tt.want {
				require.Contains(t, stderr, w)
			}
			requireNoFile(t, filepath.Join(out, "run.json"))
		})
	}
}
