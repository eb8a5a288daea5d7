package gate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// fakeLowdim is a stand-in for a lowdim binary: bench --list prints the
// cases of FAKE_CASES; a bench run sleeps FAKE_SLEEP seconds and prints one
// result per case, FAKE_NS ns/op plus a jitter of 0 to 9 ns (so that the U
// test sees no ties) and FAKE_FLOPS flops/op, and with FAKE_CPU set as
// much cpu-ns/op (bench.UnitCPUTime).
const fakeLowdim = `#!/usr/bin/env bash
case " $* " in
*" --list "*) for c in $FAKE_CASES; do echo "Benchmark$c"; done; exit 0;;
esac
sleep "${FAKE_SLEEP:-0}"
echo "goos: linux"
for c in $FAKE_CASES; do
  cpu=""
  [ -n "${FAKE_CPU:-}" ] && cpu=" $(( FAKE_NS + RANDOM % 10 )) cpu-ns/op"
  echo "Benchmark$c-2 1 $(( FAKE_NS + RANDOM % 10 )) ns/op ${FAKE_FLOPS:-10} flops/op$cpu"
done
`

func fakeBinary(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "lowdim")
	require.NoError(t, os.WriteFile(p, []byte(fakeLowdim), 0o755))
	return p
}

func TestRunFake(t *testing.T) {
	testenv.GonumPassOnly(t, "the gate's rounds on a fake lowdim (a bash script)")
	bin := fakeBinary(t)
	side := func(cases, ns, flops, sleep string) Binary {
		return Binary{Path: bin, Env: []string{"FAKE_CASES=" + cases, "FAKE_NS=" + ns, "FAKE_FLOPS=" + flops, "FAKE_SLEEP=" + sleep}}
	}
	opts := func(budget time.Duration) Options {
		o := DefaultOptions
		o.Budget, o.Start = budget, time.Now()
		return o
	}
	t.Run("regression, exact change, new case", func(t *testing.T) {
		// One timing row (A): 4 samples per side reach 2/70 < 0.05. A
		// round of two ~10 ms processes; MaxRounds 6 ends it long before
		// the 30 s budget (a 2 s budget fitted only 5 rounds in a CI run
		// under load).
		o := opts(30 * time.Second)
		o.MaxRounds = 6
		rep, err := Run(context.Background(), side("A", "1000", "10", "0"), side("A B", "2000", "12", "0"), o, nil)
		require.NoError(t, err)
		require.Equal(t, 4, rep.MinSamples)
		require.Equal(t, 6, rep.Rounds)
		require.Equal(t, []string{"B"}, rep.New)
		require.Equal(t, Regression, rowOf(t, rep.Rows, "A", "sec/op").Verdict)
		require.Equal(t, Changed, rowOf(t, rep.Rows, "A", "flops/op").Verdict)
		require.Equal(t, New, rowOf(t, rep.Rows, "B", "sec/op").Verdict)
		require.True(t, rep.Failed())
	})
	t.Run("A/A passes", func(t *testing.T) {
		o := opts(2 * time.Second)
		o.MaxRounds = 6
		rep, err := Run(context.Background(), side("A", "1000", "10", "0"), side("A", "1000", "10", "0"), o, nil)
		require.NoError(t, err)
		require.Equal(t, NoChange, rowOf(t, rep.Rows, "A", "flops/op").Verdict)
		require.NotEqual(t, Regression, rowOf(t, rep.Rows, "A", "sec/op").Verdict)
	})
	t.Run("samples follow the timing rows", func(t *testing.T) {
		// 6 cases with wall and CPU time: Holm over 12 rows needs p below
		// 0.05/12 = 0.0042, which 5 + 5 samples cannot give (2/252 =
		// 0.0079): 6 per side. Counting the 6 cases would ask for 5, and
		// a gate of 5 rounds could never fail on timing.
		o := opts(30 * time.Second)
		o.MaxRounds = 6
		six := side("A B C D E F", "1000", "10", "0")
		six.Env = append(six.Env, "FAKE_CPU=1")
		rep, err := Run(context.Background(), six, six, o, nil)
		require.NoError(t, err)
		require.Equal(t, 6, rep.MinSamples)
		require.Equal(t, 0.05/12, minLimit(rep.Rows))
		o.MaxRounds = 5
		_, err = Run(context.Background(), six, six, o, nil)
		require.ErrorIs(t, err, ErrBudget, "5 rounds cannot give 6 samples")
		require.ErrorContains(t, err, "the U test needs 6 samples per side for p below 0.00417 (alpha 0.05 / 12 timing rows, Holm)")
	})
	t.Run("nothing to compare", func(t *testing.T) {
		_, err := Run(context.Background(), side("X", "1000", "10", "0"), side("A", "1000", "10", "0"), opts(30*time.Second), nil)
		require.ErrorContains(t, err, "has none of the head's 1 cases")
		require.NotErrorIs(t, err, ErrBudget)
	})
	t.Run("budget too small", func(t *testing.T) {
		// A round takes at least 2 x 0.3 s; a 1 s budget fits 2 rounds of
		// the 4 needed.
		_, err := Run(context.Background(), side("A", "1000", "10", "0.3"), side("A", "1000", "10", "0.3"), opts(time.Second), nil)
		require.ErrorIs(t, err, ErrBudget)
		require.ErrorContains(t, err, "the U test needs 4 samples per side")
	})
	t.Run("interrupted", func(t *testing.T) {
		// Interrupt during the third round: the report holds the rounds
		// done, too few to judge the timing row.
		// The interrupt follows the second round's progress line, not a
		// clock: on a loaded machine no round may finish in a fixed time.
		stop := make(chan struct{})
		o := opts(time.Minute)
		o.Interrupt = stop
		o.Progress = writerFunc(func(p []byte) {
			if strings.Contains(string(p), "round 2/") {
				close(stop)
			}
		})
		t0 := time.Now()
		rep, err := Run(context.Background(), side("A", "1000", "10", "0.1"), side("A", "1000", "10", "0.1"), o, nil)
		require.NoError(t, err)
		require.Less(t, time.Since(t0), 10*time.Second)
		require.True(t, rep.Interrupted)
		require.Less(t, rep.Rounds, 4)
		require.Equal(t, Insufficient, rowOf(t, rep.Rows, "A", "sec/op").Verdict)
	})
	t.Run("suite refused by the head", func(t *testing.T) {
		// The head's bench --list exits 2 (usage: no case matches): an
		// input error of --tags or --filter (exit 2), not a bench failure.
		refuse := filepath.Join(t.TempDir(), "lowdim")
		require.NoError(t, os.WriteFile(refuse, []byte("#!/bin/sh\necho 'lowdim bench: no benchmark matches' >&2\nexit 2\n"), 0o755))
		o := opts(time.Second)
		o.Filter = "nomatch"
		_, err := Run(context.Background(), side("A", "1000", "10", "0"), Binary{Path: refuse}, o, nil)
		var be *BenchError
		require.False(t, errors.As(err, &be), "%v", err)
		require.ErrorContains(t, err, `invalid --tags gate or --filter "nomatch" for the head's suite`)
		require.ErrorContains(t, err, "no benchmark matches")
	})
	t.Run("failing bench", func(t *testing.T) {
		_, err := Run(context.Background(), side("A", "1000", "10", "0"), Binary{Path: "/bin/false"}, opts(time.Second), nil)
		var be *BenchError
		require.True(t, errors.As(err, &be), "%v", err)
		require.Equal(t, "head", be.Side)
	})
}

// minLimit is the smallest Holm limit of the timing rows.
func minLimit(rows []Row) float64 {
	m := 1.0
	for _, r := range rows {
		if r.Kind == Timing && r.Limit < m {
			m = r.Limit
		}
	}
	return m
}

// writerFunc is an io.Writer calling f with each write.
type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }
