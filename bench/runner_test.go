package bench

import (
	"bytes"
	"strings"
	"testing"

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
