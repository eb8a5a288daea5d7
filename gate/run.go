package gate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/perf/benchfmt"
)

// Binary is one side of the gate: a lowdim binary and its environment.
type Binary struct {
	Path string
	// Env is added to the process's environment (the planted slowdown).
	Env []string
	// Rev and Commit describe where it came from ("" for a given binary).
	Rev, Commit string
}

// Options configure Run. Copy DefaultOptions.
type Options struct {
	JudgeOptions
	// Budget bounds the wall time of the rounds, from Start.
	Budget time.Duration
	// Start is when the budget starts (lowdim gate: after the builds).
	Start time.Time
	// Benchtime is each sample's --benchtime (lowdim bench).
	Benchtime string
	// Tags and Filter select the head's suite (lowdim bench --tags and
	// --filter).
	Tags   []string
	Filter string
	// MaxRounds caps the rounds however large the budget.
	MaxRounds int
	// Progress receives a line per round with the time left; nil for none.
	Progress io.Writer
	// Interrupt, when closed, stops the gate after the bench run under way
	// is stopped (it is sent SIGINT).
	Interrupt <-chan struct{}
}

// DefaultOptions are lowdim gate's defaults.
var DefaultOptions = Options{
	JudgeOptions: JudgeOptions{Alpha: 0.05, Threshold: 0.05},
	Budget:       5 * time.Minute,
	Benchtime:    "100ms",
	Tags:         []string{"gate"},
	MaxRounds:    100,
}

// Report is the outcome of a gate.
type Report struct {
	Base, Head Binary
	Backend    string // the BLAS backend of the builds ("" for given binaries)
	Options    Options
	// Planned is the rounds chosen after the first (lowered to Rounds when
	// later rounds ran slower than the first and the budget ran out);
	// Rounds those done.
	Planned, Rounds int
	// MinSamples is the fewest samples per side a timing row needs.
	MinSamples int
	// RoundTime is the first round's wall time; Elapsed the rounds'
	// (against Options.Budget); Builds the time before them (set by the
	// caller that built the binaries).
	RoundTime, Elapsed, Builds time.Duration
	Interrupted                bool
	Rows                       []Row
	// New are the cases of the head's suite the base lacks.
	New   []string
	Stale []AcceptLine
}

// Failed reports whether the gate fails (exit 1).
func (r *Report) Failed() bool { return Failed(r.Rows) }

// ErrBudget is returned (wrapped) when the budget cannot afford the rounds
// the U test needs (an input error: exit 2).
var ErrBudget = errors.New("budget too small")

// A BenchError is a bench run of one side that failed.
type BenchError struct {
	Side string
	Err  error
	Log  string
}

func (e *BenchError) Error() string {
	return fmt.Sprintf("%s binary's lowdim bench: %v\n%s", e.Side, e.Err, e.Log)
}

var errInterrupted = errors.New("interrupted")

// Run lists the head's suite, runs the first round, chooses the rounds
// that fit the budget (at least MinSamples, else an ErrBudget error after
// the first round), runs them interleaved and judges them. An
// interruption returns the report of the rounds done, Interrupted set,
// and no error. accept may be nil.
func Run(ctx context.Context, base, head Binary, o Options, accept Accept) (*Report, error) {
	rep := &Report{Base: base, Head: head, Options: o}
	names, err := list(ctx, head, o.Tags, o.Filter)
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 2 {
		// The head's bench refused its --tags or --filter (a usage
		// error): the suite is the head's, so only its binary can say.
		return nil, fmt.Errorf("invalid --tags %s or --filter %q for the head's suite: %w", strings.Join(o.Tags, ","), o.Filter, err)
	}
	if err != nil {
		return nil, &BenchError{"head", err, ""}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("the head's suite is empty (tags %s, filter %q)", strings.Join(o.Tags, ","), o.Filter)
	}
	all, err := list(ctx, base, nil, "")
	if err != nil {
		return nil, &BenchError{"base", err, ""}
	}
	var old []string
	for _, n := range names {
		if contains(all, n) {
			old = append(old, n)
		} else {
			rep.New = append(rep.New, n)
		}
	}
	if len(old) == 0 {
		return nil, fmt.Errorf("the base binary %s has none of the head's %d cases (tags %s, filter %q): the gate would compare nothing; give a base that is lowdim with this suite",
			base.Path, len(names), strings.Join(o.Tags, ","), o.Filter)
	}
	bs, hs := Samples{}, Samples{}
	round := func() error {
		if len(old) > 0 {
			if err := runSide(ctx, "base", base, old, o, bs); err != nil {
				return err
			}
		}
		return runSide(ctx, "head", head, names, o, hs)
	}
	t0 := time.Now()
	err = round()
	rep.RoundTime = time.Since(t0)
	if err == nil {
		// Holm's limits follow the timing rows, not the cases: each case
		// gives its wall and its CPU time (and whatever timing units the
		// binaries report), known after the first round.
		k := timingRows(old, bs, hs)
		rep.MinSamples = MinSamples(k, o.Alpha)
		o.MinSamples = rep.MinSamples
		rep.Options = o
		rep.Rounds = 1
		left := o.Budget - time.Since(o.Start)
		rep.Planned = 1 + int(left/rep.RoundTime)
		rep.Planned = max(1, min(rep.Planned, o.MaxRounds))
		if rep.Planned < rep.MinSamples {
			need := time.Since(o.Start) + time.Duration(rep.MinSamples-1)*rep.RoundTime
			return nil, fmt.Errorf("%w: a round of the %d cases took %v, so %v fits %d rounds; the U test needs %d samples per side "+
				"for p below %.3g (alpha %g / %d timing rows, Holm); give --budget %v or more, or a shorter --benchtime",
				ErrBudget, len(names), rep.RoundTime.Round(time.Millisecond), o.Budget, rep.Planned, rep.MinSamples,
				o.Alpha/float64(k), o.Alpha, k, need.Round(time.Second)+time.Second)
		}
		for rep.Rounds < rep.Planned {
			// The first round's time is an estimate: stop once the mean
			// round so far would overrun the budget (never below
			// MinSamples, which the estimate said fits).
			mean := time.Since(t0) / time.Duration(rep.Rounds)
			if rep.Rounds >= rep.MinSamples && time.Since(o.Start)+mean > o.Budget {
				rep.Planned = rep.Rounds
				break
			}
			if o.Progress != nil {
				eta := mean * time.Duration(rep.Planned-rep.Rounds)
				fmt.Fprintf(o.Progress, "gate: round %d/%d done, %v elapsed, about %v left\n",
					rep.Rounds, rep.Planned, time.Since(o.Start).Round(time.Second), eta.Round(time.Second))
			}
			if err = round(); err != nil {
				break
			}
			rep.Rounds++
		}
	}
	if errors.Is(err, errInterrupted) {
		rep.Interrupted = true
	} else if err != nil {
		return nil, err
	}
	rep.Rows = Judge(append(names[:len(names):len(names)], SuiteRow), bs, hs, o.JudgeOptions, accept)
	if len(rep.New) > 0 {
		// The base ran fewer cases: its bench process is not comparable.
		for i, r := range rep.Rows {
			if r.Benchmark == SuiteRow && r.Base.N > 0 {
				rep.Rows[i].Kind, rep.Rows[i].Verdict = Info, Reported
			}
		}
	}
	rep.Stale = accept.Stale(rep.Rows)
	rep.Elapsed = time.Since(o.Start)
	return rep, nil
}

// timingRows counts the timing rows Judge will test: the (case, unit)
// pairs of the cases in names with a timing unit sampled on both sides.
func timingRows(names []string, base, head Samples) int {
	k := 0
	for _, n := range names {
		for u := range head[n] {
			if kindOf(u) == Timing && len(base[n][u]) > 0 {
				k++
			}
		}
	}
	return k
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// list returns the names of bin's bench cases with the tags and filter.
func list(ctx context.Context, bin Binary, tags []string, filter string) ([]string, error) {
	args := []string{"bench", "--list"}
	if len(tags) > 0 {
		args = append(args, "--tags", strings.Join(tags, ","))
	}
	if filter != "" {
		args = append(args, "--filter", filter)
	}
	cmd := exec.CommandContext(ctx, bin.Path, args...)
	cmd.Env = append(os.Environ(), bin.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", bin.Path, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var names []string
	for _, l := range strings.Split(string(out), "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(l), "Benchmark"); ok {
			names = append(names, n)
		}
	}
	return names, nil
}

// procSuffix is the -GOMAXPROCS suffix of a result's name.
var procSuffix = regexp.MustCompile(`-[0-9]+$`)

// runSide runs one sample of each of names on bin and adds the results to
// s. An interruption sends the bench SIGINT and returns errInterrupted
// (with the results it finished added).
func runSide(ctx context.Context, side string, bin Binary, names []string, o Options, s Samples) error {
	if interrupted(o.Interrupt) {
		return errInterrupted
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	args := []string{"bench", "--count", "1", "--benchtime", o.Benchtime, "--filter", "^(" + strings.Join(quoted, "|") + ")$"}
	cmd := exec.CommandContext(ctx, bin.Path, args...)
	cmd.Env = append(os.Environ(), bin.Env...)
	// A killed bench's own children (a script's) may hold its output
	// open: Wait gives up on them after this.
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return &BenchError{side, err, ""}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	stopped := false
	select {
	case err = <-done:
	case <-o.Interrupt:
		stopped = true
		cmd.Process.Signal(os.Interrupt)
		err = <-done
	}
	r := benchfmt.NewReader(&stdout, side)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		name := procSuffix.ReplaceAllString(string(res.Name.Full()), "")
		for _, v := range res.Values {
			s.add(name, v.Unit, v.Value)
		}
	}
	if stopped || (ctx.Err() != nil && interrupted(o.Interrupt)) {
		// Stopped, or killed by the caller's cancel after an interrupt
		// (lowdim gate cancels on a second signal).
		return errInterrupted
	}
	if err == nil {
		if rss, ok := peakRSS(cmd.ProcessState); ok {
			s.add(SuiteRow, UnitRSS, rss)
		}
	}
	if err != nil {
		// A SIGINT from a terminal (or timeout's, sent to the process
		// group) reaches the bench too, and it may exit (130, 143, or
		// killed by the signal) before the gate's own handler closes
		// Interrupt.
		var ee *exec.ExitError
		if errors.As(err, &ee) && (ee.ExitCode() == 130 || ee.ExitCode() == 143 || stoppedBySignal(ee)) {
			select {
			case <-o.Interrupt:
				return errInterrupted
			case <-time.After(2 * time.Second):
			}
		}
		return &BenchError{side, err, strings.TrimSpace(stderr.String())}
	}
	return nil
}

// stoppedBySignal reports whether the process was ended by SIGINT, SIGTERM
// or SIGKILL.
func stoppedBySignal(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return false
	}
	switch ws.Signal() {
	case syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL:
		return true
	}
	return false
}

// peakRSS returns the peak resident set size of a finished process, in
// bytes (getrusage's ru_maxrss: kilobytes on Linux and the BSDs, bytes
// on macOS); false where the system does not report it.
func peakRSS(ps *os.ProcessState) (float64, bool) {
	if ps == nil {
		return 0, false
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss <= 0 {
		return 0, false
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return float64(ru.Maxrss), true
	}
	return float64(ru.Maxrss) * 1024, true
}

func interrupted(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
