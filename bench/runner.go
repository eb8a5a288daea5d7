package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/energy"
)

// UnitCPUTime is the process's CPU time per iteration (user plus system,
// all threads: getrusage(RUSAGE_SELF)) over the sample's last call of the
// case, the call whose b.N and ns/op testing.Benchmark reports. It counts
// the case's setup before b.ResetTimer too, which ns/op leaves out, and
// every thread's time (OpenBLAS's, the garbage collector's), so it is not
// ns/op's equal; what it gains is independence from time the process
// spent waiting for a core: on a machine shared with other work, ns/op
// grows with the load and CPU time much less.
const UnitCPUTime = "cpu-ns/op"

// RunOptions say how to run a suite outside `go test`.
type RunOptions struct {
	// Count is the number of samples of each case (default 1). Samples
	// are interleaved: every case runs once before any runs twice, so slow
	// drift of the machine spreads over all cases.
	Count int
	// Benchtime is the target time of each sample (default 1s), as for
	// go test -benchtime: a duration, or "Nx" for N iterations.
	Benchtime string
	// Config holds the file configuration lines, "key: value" (machine
	// fingerprint and the like).
	Config []string
	// Progress, when not nil, receives one line per sample.
	Progress io.Writer
	// CPU lists the GOMAXPROCS values to run each case at, as go test
	// -cpu does (default: the current GOMAXPROCS); the result names end in
	// "-N" for N procs. Under OpenBLAS the BLAS threads follow.
	CPU []int
	// Interrupt, when not nil, stops the suite once it is closed (SIGINT
	// or SIGTERM): the sample under way ends at its case's next iteration
	// (StopIfInterrupted) and is discarded, not written; no other starts,
	// and Run returns ErrInterrupted. A sample that ends before the case
	// looks is written.
	Interrupt <-chan struct{}
	// Observe, when not nil, is called with each result once it is
	// written, in Run's goroutine; it must not keep or change it.
	Observe func(*benchfmt.Result)
}

// ErrInterrupted is the error of Run when RunOptions.Interrupt was closed
// before Run returned: what was written is complete (one line per
// finished sample); the sample cut short is not written.
var ErrInterrupted = errors.New("bench: interrupted")

// running is the Interrupt of the Run under way (nil outside Run), which
// StopIfInterrupted reads.
var running atomic.Pointer[<-chan struct{}]

// StopIfInterrupted ends the sample under way, by b.SkipNow (so
// testing.Benchmark returns no result and Run discards the sample), once
// the Interrupt of the Run under way has been closed; otherwise it returns
// at once (an atomic load and a non-blocking receive, no allocation). Every
// case calls it at the top of each iteration of its b.N loop, so that an
// interrupt ends the suite after one more iteration (a Step case's step,
// a Train case's training), not after the sample's whole benchtime.
func StopIfInterrupted(b *testing.B) {
	if p := running.Load(); p != nil && closed(*p) {
		b.SkipNow()
	}
}

// closed reports whether ch (nil: never) has been closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// CheckBenchtime reports whether s is a valid benchtime (as Run parses it:
// a positive duration or Nx with N > 0), so that a command can refuse it
// before it opens its output.
func CheckBenchtime(s string) error {
	testing.Init()
	return flag.Set("test.benchtime", s)
}

// Run runs the cases with testing.Benchmark and writes the Go benchmark
// format to w: the configuration lines, a Unit line per deterministic or
// better=higher unit, and one result line per case and sample. It returns
// the names of cases that failed (b.Fatal) and the first write error, or
// ErrInterrupted. Each record reaches w in one Write call as soon as its
// sample ends, so a file written to as it goes holds whole lines.
func Run(cases []Case, o RunOptions, w io.Writer) (failed []string, err error) {
	if o.Count < 1 {
		o.Count = 1
	}
	if o.Benchtime == "" {
		o.Benchtime = "1s"
	}
	testing.Init()
	if err := flag.Set("test.benchtime", o.Benchtime); err != nil {
		return nil, config.Input(fmt.Errorf("benchtime %q: %w", o.Benchtime, err))
	}
	bw := benchfmt.NewWriter(w)
	for _, u := range Exact {
		if err := bw.Write(&benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u, Key: "assume"}, OrigUnit: u, Value: "exact"}); err != nil {
			return nil, err
		}
	}
	for _, u := range Higher {
		if err := bw.Write(&benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u, Key: "better"}, OrigUnit: u, Value: "higher"}); err != nil {
			return nil, err
		}
	}
	var config []benchfmt.Config
	for _, line := range o.Config {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		config = append(config, benchfmt.Config{Key: k, Value: []byte(strings.TrimSpace(v)), File: true})
	}
	bad := map[string]bool{}
	cpus := o.CPU
	if len(cpus) == 0 {
		cpus = []int{runtime.GOMAXPROCS(0)}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	running.Store(&o.Interrupt)
	defer running.Store(nil)
	defer func() {
		for _, c := range cases {
			if c.Release != nil {
				c.Release()
			}
		}
	}()
	for round := 1; round <= o.Count; round++ {
		for _, c := range cases {
			for _, procs := range cpus {
				if bad[c.Name] {
					continue
				}
				if closed(o.Interrupt) {
					return failed, ErrInterrupted
				}
				runtime.GOMAXPROCS(procs)
				start := time.Now()
				// The process's CPU time over the last call of the case,
				// the one testing.Benchmark reports (its b.N): see
				// UnitCPUTime.
				var cpu float64
				var cpuN int
				r := testing.Benchmark(func(b *testing.B) {
					t0 := energy.CPUSeconds()
					c.Bench(b)
					cpu, cpuN = energy.CPUSeconds()-t0, b.N
				})
				if r.N == 0 && closed(o.Interrupt) {
					// Cut short by StopIfInterrupted: not a failure, and
					// not a result (its b.N is not the one it aimed at).
					if o.Progress != nil {
						fmt.Fprintf(o.Progress, "[%d/%d] %s-%d: cut short by the interrupt after %.1fs; this sample is discarded\n", round, o.Count, c.Name, procs,
							time.Since(start).Seconds())
					}
					return failed, ErrInterrupted
				}
				if r.N == 0 {
					bad[c.Name] = true
					failed = append(failed, c.Name)
					if o.Progress != nil {
						fmt.Fprintf(o.Progress, "%s: failed\n", c.Name)
					}
					continue
				}
				res := &benchfmt.Result{Config: config, Name: benchfmt.Name(fmt.Sprintf("%s-%d", c.Name, procs)), Iters: r.N}
				res.Values = append(res.Values,
					benchfmt.Value{Value: float64(r.T.Nanoseconds()) / float64(r.N), Unit: "ns/op"},
					benchfmt.Value{Value: float64(r.MemBytes) / float64(r.N), Unit: "B/op"},
					benchfmt.Value{Value: float64(r.MemAllocs) / float64(r.N), Unit: "allocs/op"})
				if cpuN == r.N && cpu >= 0 { // NaN without getrusage: absent
					res.Values = append(res.Values, benchfmt.Value{Value: cpu * 1e9 / float64(r.N), Unit: UnitCPUTime})
				}
				units := make([]string, 0, len(r.Extra))
				for u := range r.Extra {
					units = append(units, u)
				}
				sort.Strings(units)
				for _, u := range units {
					res.Values = append(res.Values, benchfmt.Value{Value: r.Extra[u], Unit: u})
				}
				if err := bw.Write(res); err != nil {
					return failed, err
				}
				if o.Observe != nil {
					o.Observe(res)
				}
				if o.Progress != nil {
					fmt.Fprintf(o.Progress, "[%d/%d] %s-%d: %d iterations, %s/op (%.1fs)\n", round, o.Count, c.Name, procs, r.N,
						time.Duration(r.T.Nanoseconds()/int64(r.N)), time.Since(start).Seconds())
				}
			}
		}
	}
	if closed(o.Interrupt) { // during the last sample, which ended anyway
		return failed, ErrInterrupted
	}
	return failed, nil
}
