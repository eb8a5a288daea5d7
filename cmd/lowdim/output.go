package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/results"
)

// How the commands write: every folder of results (run's and verify's
// --out, --save-instance) is an outdir.Folder, opened (checked, locked,
// recovered) before any work, each run's files staged beside it and
// committed as one set; a first SIGINT or SIGTERM (package
// internal/interrupt) stops the training at its next step and the command
// writes the complete, interrupted result, then exits 130 or 143; a second
// aborts through the folders' Close, registered with OnAbort.
//
// The rule of the exit status: a command exits 130 or 143 exactly when
// what it wrote is marked interrupted ("interrupted": true in run.json or
// verdict.json; a verify marked so never passes) or a run of a preset was
// not run. A first signal is taken into the record up to the moment the
// training returned (phase "trained" included): after that moment every
// method has finished, but the record still says interrupted and the
// command exits 130 or 143. A first signal that comes later, while the
// finished record is being written or committed, does not change it: the
// command completes the commit, says so on stderr and exits as finished
// (0, or verify's 1 for a verdict that failed). A second signal aborts at
// any moment, with its own status.
//
// The test hook (interrupt.TestEnv, LOWDIM_TEST_INTERRUPT_AT) knows these
// phases, each fired at its first occurrence:
//
//	step/<k>                        after step k of the first method trained (run, verify)
//	instance-staged/init_<method>   --save-instance: the instance and <method>'s initial weights are staged
//	instance-commit-before          --save-instance: staged and synced, before the swap
//	instance-commit-after           --save-instance: after the swap, before the old instance is removed
//	instance-committed              --save-instance: committed
//	trained                         the run (or verify) returned, nothing written yet
//	staged/<file>                   <file> is written in the staging folder
//	commit-before                   every file staged and synced, before the swap
//	commit-after                    after the swap, before the old files are removed
//	committed                       after the commit, before the folder is unlocked
//	bench-record/<k>                bench: the k-th result line is written
//
// (interrupt_test.go interrupts every one of them). A malformed value, or
// an unknown phase, is exit 2 naming the variable and the value, before
// any work (interrupt.CheckEnv).

// knownOut and knownInstance were the files that marked an output folder
// of an earlier lowdim (before the marker file) as lowdim's; outdir no
// longer trusts them (any user may have a run.json or a target.npy): only
// its marker makes a folder lowdim's.
var (
	knownOut      = []string{"run.json", "verdict.json"}
	knownInstance = []string{instance.TargetFile}
)

// openOut opens the output folder value of the flag name (outdir.Open)
// for the command cmd, before any work: its errors are input errors
// "invalid --name VALUE: ...". The folder's Close is registered with sig as
// an abort cleanup; the returned function closes it and unregisters that.
// Phases of its commits reach sig's test hook after prefix. What Open did
// that the user should know (a stale lock taken over, a previous set put
// back) is written to stderr. The flag's name says what the folder
// receives (outdir.Options.Kind): an instance (save-instance), models
// (save-model) or a run's outputs (any other), so that an existing folder
// of another kind is refused, not replaced.
func openOut(sig *interrupt.Handler, stderr io.Writer, cmd, name, value string, subs, known []string, prefix string) (*outdir.Folder, func() error, error) {
	kind := outdir.KindRun // an --out folder
	switch name {
	case "save-instance":
		kind = outdir.KindInstance
	case "save-model":
		kind = outdir.KindModel
	}
	f, err := outdir.Open(value, outdir.Options{Subs: subs, Known: known, Kind: kind, Phase: func(p string) { sig.Phase(prefix + p) }})
	if err != nil {
		return nil, nil, config.Bad(name, outValue(value), "%v", err)
	}
	for _, n := range f.Notes() {
		fmt.Fprintf(stderr, "%s: --%s %s: %s\n", cmd, name, value, n)
	}
	remove := sig.OnAbort(func() { f.Close() })
	return f, func() error {
		err := f.Close()
		remove()
		for _, w := range f.Warnings() {
			fmt.Fprintf(stderr, "%s: warning: --%s %s: %s\n", cmd, name, value, w)
		}
		return err
	}, nil
}

// markInterrupted marks res interrupted when the first signal came before
// the training returned its record but after every method had finished
// (the run's Interrupted would otherwise be false while the command exits
// 130 or 143; see the rule above). It reports whether res is marked.
func markInterrupted(sig *interrupt.Handler, res *results.Run) bool {
	if sig.Interrupted() {
		res.Interrupted = true
	}
	return res.Interrupted
}

// markVerdictInterrupted is markInterrupted for a verdict: one marked
// interrupted never passes, and its first reason starts with
// "INTERRUPTED".
func markVerdictInterrupted(sig *interrupt.Handler, v *experiment.Verdict) bool {
	if sig.Interrupted() && !v.Interrupted {
		v.Interrupted, v.Pass = true, false
		v.Reasons = append([]string{"INTERRUPTED: the verify was interrupted (" + interrupt.Name(sig.Signal()) +
			") after its training, before its verdict was written: an interrupted verify never passes"}, v.Reasons...)
	}
	return v.Interrupted
}

// exitBrokenPipe is the status of a command whose stdout was closed (a
// reader such as head that stopped): 128 + SIGPIPE, what the shell reports
// for a process killed by it, but after the command committed what it had
// finished and released its folders.
const exitBrokenPipe = 141

// stdoutWriter is a command's stdout that records the first write error
// (EPIPE: the reader is gone; SIGPIPE is handled by package interrupt, so
// the process is not killed by it) and swallows it and every later write,
// so that printing never fails a command whose results are committed. A
// command checks broken before each run of a preset and stops there.
type stdoutWriter struct {
	w   io.Writer
	err error
}

func (s *stdoutWriter) Write(p []byte) (int, error) {
	if s.err == nil {
		if _, err := s.w.Write(p); err != nil {
			s.err = err
		}
	}
	return len(p), nil
}

// broken reports whether a write to stdout failed.
func (s *stdoutWriter) broken() bool { return s.err != nil }

// interruptedExit returns the command's exit status by the rule above:
// the first signal's status when cut (a record written marked interrupted,
// or a run not run), exitBrokenPipe when stdout was closed (so, when not
// nil), else code, after saying on stderr that a signal came too late to
// change anything.
func interruptedExit(sig *interrupt.Handler, stderr io.Writer, cmd string, cut bool, code int, so *stdoutWriter) int {
	switch {
	case cut && sig.Interrupted():
		return sig.ExitCode()
	case so != nil && so.broken():
		fmt.Fprintf(stderr, "%s: stdout: %v: what was finished is written; exit status %d\n", cmd, so.err, exitBrokenPipe)
		return exitBrokenPipe
	case sig.Interrupted():
		fmt.Fprintf(stderr, "%s: %s came after the results were complete: they are written as finished; exit status %d\n", cmd, interrupt.Name(sig.Signal()), code)
	}
	return code
}

// commit commits s and fires the hook's phase prefix+"committed".
func commit(sig *interrupt.Handler, s *outdir.Stage, prefix string) error {
	if err := s.Commit(); err != nil {
		return err
	}
	sig.Phase(prefix + "committed")
	return nil
}

// subfolders returns the names of a preset's runs, each written to its own
// subfolder, or nil for a single run (written to the folder itself).
func subfolders(runs []config.Config) []string {
	if len(runs) < 2 {
		return nil
	}
	names := make([]string, len(runs))
	for i, c := range runs {
		names[i] = c.Name
	}
	return names
}

// subOf returns run c's subfolder ("" for a single run).
func subOf(runs []config.Config, c config.Config) string {
	if len(runs) < 2 {
		return ""
	}
	return c.Name
}

// phaseProgress wraps a progress factory so that the hook's phases of the
// training fire: "step/<k>" after step k of the first method trained and,
// when saving an instance, "instance-staged/init_<method>" before each
// method trains (its initial weights are staged by then). Installed only
// when the test hook is set.
func phaseProgress(sig *interrupt.Handler, p func(string, int) (func(int), func()), saving bool) func(string, int) (func(int), func()) {
	return func(method string, steps int) (func(int), func()) {
		if saving {
			sig.Phase("instance-staged/init_" + method)
		}
		var step func(int)
		var fin func()
		if p != nil {
			step, fin = p(method, steps)
		}
		return func(k int) {
			sig.Phase("step/" + strconv.Itoa(k))
			if step != nil {
				step(k)
			}
		}, fin
	}
}

// instanceComplete reports whether the staged instance folder dir holds
// the initial weights of every method of res: an interruption before a
// method was built leaves its weights out, and such a folder would start
// that method from fresh weights when loaded, so it is not committed.
func instanceComplete(dir string, res *results.Run) (missing []string) {
	for _, m := range res.Methods {
		if _, err := os.Stat(filepath.Join(dir, instance.InitFile(m.Method, 1))); err != nil {
			missing = append(missing, m.Method)
		}
	}
	return missing
}
