package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// oneBenchCase selects one tiny Step case.
const oneBenchCase = `^Step/workload=mf/method=compressed/path=dense/d=64/`

// TestInterruptBenchAfterLastResult: a signal after the suite's last result
// (the test hook fires right after its record is written) is an
// interruption all the same: exit 130 and the closing comment. The comment
// used to be written only when Run saw the signal before a next sample,
// so a signal during or after the last sample left a file without it.
func TestInterruptBenchAfterLastResult(t *testing.T) {
	onePass(t)
	out := filepath.Join(t.TempDir(), "x.bench")
	r := lowdimChild(t, "bench-record/1@INT", "bench", "--filter", oneBenchCase, "--count", "1", "--benchtime", "2x", "--out", out)
	require.Equal(t, 130, r.code, "stderr:\n%s", r.stderr)
	n, interrupted := benchResults(t, out)
	require.Equal(t, 1, n)
	require.True(t, interrupted, "the closing comment")
	require.Contains(t, r.stderr, "interrupted after 1 results")
}

// TestInterruptBenchMidSample signals lowdim bench while its only sample
// runs (a benchtime of 10^9 steps, hours): the sample ends at its next
// step and is discarded, the file ends with the comment, and stderr says
// the sample was discarded. Without the cut the sample ran to its
// benchtime; the test gives up after a minute rather than hang.
func TestInterruptBenchMidSample(t *testing.T) {
	onePass(t)
	out := filepath.Join(t.TempDir(), "x.bench")
	cmd, _, stderr := lowdimCmd(t, "", "bench", "--filter", oneBenchCase, "--count", "1", "--benchtime", "1000000000x", "--out", out)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The Unit lines are written when the suite starts, before its sample.
	for {
		b, _ := os.ReadFile(out)
		if strings.Contains(string(b), "Unit ") {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("lowdim bench ended before its sample: %v\n%s", err, stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	time.Sleep(200 * time.Millisecond) // into the sample
	// SIGTERM, not SIGINT: a test run in the background ignores SIGINT,
	// and so would its child.
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("lowdim bench still ran its sample a minute after SIGTERM:\n%s", stderr)
	}
	require.Equal(t, 143, exitStatus(err), "stderr:\n%s", stderr)
	n, interrupted := benchResults(t, out)
	require.Equal(t, 0, n, "the cut sample is not written")
	require.True(t, interrupted, "the closing comment")
	require.Contains(t, stderr.String(), "(that sample is discarded)")
	require.Contains(t, stderr.String(), "cut short by the interrupt")
	require.Contains(t, stderr.String(), "this sample is discarded")
}
