package bench

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"
)

// TestRunInterrupted: with Interrupt closed after the first record, Run
// stops with ErrInterrupted and the output holds that record, whole, and
// reads back; every case is released.
func TestRunInterrupted(t *testing.T) {
	stop := make(chan struct{})
	released := 0
	mk := func(name string) Case {
		return Case{Name: name, Bench: func(b *testing.B) {
			for range b.N {
			}
		}, Release: func() { released++ }}
	}
	cases := []Case{mk("A"), mk("B"), mk("C")}
	var out bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		if bytes.HasPrefix(p, []byte("Benchmark")) || bytes.Contains(p, []byte("\nBenchmark")) {
			close(stop) // after the first record
		}
		return out.Write(p)
	})
	_, err := Run(cases, RunOptions{Count: 2, Benchtime: "1x", Interrupt: stop}, w)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Equal(t, 3, released)
	require.Equal(t, 1, strings.Count(out.String(), "\nBenchmark")+boolInt(strings.HasPrefix(out.String(), "Benchmark")), out.String())
	rd := benchfmt.NewReader(bytes.NewReader(out.Bytes()), "out")
	results := 0
	for rd.Scan() {
		switch r := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatal(r)
		case *benchfmt.Result:
			results++
		}
	}
	require.NoError(t, rd.Err())
	require.Equal(t, 1, results)
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRunCPUTime: each result carries UnitCPUTime, the process's CPU time
// per iteration: a case that sleeps 20 ms an iteration takes its wall time
// and almost no CPU; one that computes takes CPU time for its work.
func TestRunCPUTime(t *testing.T) {
	sink := 0.0
	cases := []Case{
		{Name: "Sleep", Bench: func(b *testing.B) {
			for range b.N {
				time.Sleep(20 * time.Millisecond)
			}
		}},
		{Name: "Work", Bench: func(b *testing.B) {
			for range b.N {
				for i := range 20_000_000 {
					sink += float64(i)
				}
			}
		}},
	}
	var out bytes.Buffer
	_, err := Run(cases, RunOptions{Count: 1, Benchtime: "3x"}, &out)
	require.NoError(t, err)
	got := map[string]map[string]float64{}
	rd := benchfmt.NewReader(bytes.NewReader(out.Bytes()), "out")
	for rd.Scan() {
		if r, ok := rd.Result().(*benchfmt.Result); ok {
			name := string(r.Name.Base())
			got[name] = map[string]float64{}
			for _, v := range r.Values {
				got[name][v.OrigUnit] = v.OrigValue
			}
		}
	}
	require.NoError(t, rd.Err())
	sleep, work := got["Sleep"], got["Work"]
	require.Contains(t, sleep, UnitCPUTime, "%s", out.String())
	require.GreaterOrEqual(t, sleep["ns/op"], 20e6)
	// Process-wide CPU time counts every thread: OpenBLAS's workers,
	// spinning for a while after the package's earlier BLAS calls, gave a
	// sleeping case 10.3% of its wall time in a CI run. Half is far below
	// what a CPU time that followed the wall time would give (about 1).
	require.Less(t, sleep[UnitCPUTime], 0.5*sleep["ns/op"], "a sleeping case's CPU time is a small part of its wall time")
	require.Greater(t, work[UnitCPUTime], 10*sleep[UnitCPUTime], "a computing case's CPU time is its work")
	_ = sink
}

// TestRunInterruptEndsSample: an interrupt during a sample ends it at the
// case's next iteration (StopIfInterrupted), not after its benchtime; the
// unfinished sample is not written, the one before it is, the progress says
// the sample was discarded, and Run returns ErrInterrupted even though the
// cut sample was the suite's last.
func TestRunInterruptEndsSample(t *testing.T) {
	stop := make(chan struct{})
	const iters = 100_000
	calls, ran := 0, 0
	cases := []Case{{Name: "A", Bench: func(b *testing.B) {
		for range b.N {
			StopIfInterrupted(b)
		}
	}}, {Name: "B", Bench: func(b *testing.B) {
		calls++
		for i := 0; i < b.N; i++ {
			StopIfInterrupted(b)
			ran++
			if calls == 2 && i == 4 { // testing.Benchmark's second call is the sample of iters
				close(stop)
			}
		}
	}}}
	var out, progress bytes.Buffer
	_, err := Run(cases, RunOptions{Count: 1, Benchtime: fmt.Sprint(iters, "x"), Interrupt: stop, Progress: &progress}, &out)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Equal(t, 1+5, ran, "B ran its first call's iteration and 5 of the sample's before the cut")
	require.Contains(t, out.String(), "\nBenchmarkA-")
	require.NotContains(t, out.String(), "BenchmarkB", "the cut sample is not written")
	require.Contains(t, progress.String(), "B-", progress.String())
	require.Contains(t, progress.String(), "cut short by the interrupt", progress.String())
	require.Contains(t, progress.String(), "discarded", progress.String())
	require.Nil(t, running.Load(), "StopIfInterrupted reads no Run after it returns")
}

// TestRunInterruptDuringLastSample: a case that never looks at the
// interrupt finishes its sample, which is written; Run still returns
// ErrInterrupted (it used to return nil when the interrupt came during the
// suite's last sample, and lowdim bench then wrote no closing comment).
func TestRunInterruptDuringLastSample(t *testing.T) {
	stop := make(chan struct{})
	cases := []Case{{Name: "A", Bench: func(b *testing.B) {
		for range b.N {
			if b.N > 1 {
				closeOnce(stop)
			}
		}
	}}}
	var out bytes.Buffer
	_, err := Run(cases, RunOptions{Count: 1, Benchtime: "10x", Interrupt: stop}, &out)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Contains(t, out.String(), "BenchmarkA-")
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}
