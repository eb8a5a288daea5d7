package main

import (
	"bytes"
	"os"
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
