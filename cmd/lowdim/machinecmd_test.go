package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/procure"
)

// TestMachineRunAndCompare runs lowdim machine run with the tiny suite,
// then compares the report with a copy of itself relabelled as another
// backend: exit 0, the machine lines, the backend warning, every format.
func TestMachineRunAndCompare(t *testing.T) {
	defer func(s func(bool) procure.Suite) { machineSuite = s }(machineSuite)
	machineSuite = func(bool) procure.Suite { return procure.Tiny() }
	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"machine", "run", "--quick", "--out", a}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	require.Contains(t, stdout.String(), "written to "+a)
	require.Contains(t, stderr.String(), "left\n", "progress lines with the time left")

	// b: the same report, said to be another backend.
	var m map[string]any
	data, err := os.ReadFile(a)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &m))
	m["machine"].(map[string]any)["blas"] = "other"
	data, err = json.Marshal(m)
	require.NoError(t, err)
	b := filepath.Join(dir, "b.json")
	require.NoError(t, os.WriteFile(b, data, 0o644))

	for _, format := range []string{"markdown", "json", "html"} {
		t.Run(format, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"machine", "compare", a, b, "--format", format, "--price", "a=0.5", "--price", "b=1"}, &stdout, &stderr)
			require.Equal(t, exitOK, code, stderr.String())
			require.Contains(t, stderr.String(), "warning: different BLAS backends")
			out := stdout.String()
			require.Contains(t, out, "cheapest training run")
			require.Contains(t, out, "time-to-quality/preset=quick.mf/method=compressed")
		})
	}
	// --out - is stdout: no file named -.
	t.Chdir(dir)
	stdout.Reset()
	code = run([]string{"machine", "compare", "--out", "-", "--format", "json", a, b}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	require.True(t, json.Valid(stdout.Bytes()), stdout.String())
	require.NoFileExists(t, filepath.Join(dir, "-"))
	// --out writes the file.
	html := filepath.Join(dir, "cmp.html")
	stdout.Reset()
	code = run([]string{"machine", "compare", "--out", html, "--format", "html", a, b}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	page, err := os.ReadFile(html)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(page), "<!DOCTYPE html>"))
}

// sigOnProgress sends the process SIGINT at its first write (a progress
// line of machine run, while the run's signal handler is installed).
type sigOnProgress struct {
	bytes.Buffer
	sent bool
}

func (s *sigOnProgress) Write(p []byte) (int, error) {
	if !s.sent {
		s.sent = true
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			return 0, err
		}
	}
	return s.Buffer.Write(p)
}

// TestMachineRunInterrupted: SIGINT during machine run says, from its
// first line, that nothing is written, writes nothing and exits 130.
func TestMachineRunInterrupted(t *testing.T) {
	defer func(s func(bool) procure.Suite) { machineSuite = s }(machineSuite)
	machineSuite = func(bool) procure.Suite { return procure.Tiny() }
	out := filepath.Join(t.TempDir(), "m.json")
	var stdout bytes.Buffer
	stderr := &sigOnProgress{}
	code := run([]string{"machine", "run", "--quick", "--out", out}, &stdout, stderr)
	require.Equal(t, 130, code, stderr.String())
	require.Contains(t, stderr.String(), "SIGINT: stopping after the task under way; nothing will be written")
	require.NotContains(t, stderr.String(), "writing what is done")
	require.Contains(t, stderr.String(), "interrupted: nothing written")
	require.NoFileExists(t, out)
}

// TestMachineHelp: the help of machine run and compare is printed as
// written (no printf escape left), names every category and buyer's
// question Compare reports, and the --out refusals among the exit codes.
func TestMachineHelp(t *testing.T) {
	for _, sub := range []string{"run", "compare"} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitOK, run([]string{"machine", sub, "-h"}, &stdout, &stderr))
		help := stdout.String() + stderr.String()
		require.NotContains(t, help, "%%", sub)
		require.Contains(t, help, "95% ", sub)
		if sub != "compare" {
			continue
		}
		for _, cat := range procure.Categories {
			require.Contains(t, help, cat)
		}
		for _, q := range []string{"fastest time to quality", "fastest training step", "cheapest training run", "least energy per run", "lowest inference latency"} {
			require.Contains(t, help, q)
		}
		require.Contains(t, help, "one of the input reports")
	}
}
