// Package interrupt turns SIGINT, SIGTERM and SIGHUP (the terminal
// closed; treated as SIGTERM, with its own status 129) into a graceful
// stop of a lowdim command, and a second one into an abort.
//
// Notify installs the handler for one command. The first SIGINT or
// SIGTERM closes the channel Done returns: the command passes it to the
// library (experiment.Options.Interrupt and the like), which stops at its
// next step boundary and returns a complete result marked interrupted;
// the command writes that result as usual and returns ExitCode (130 for
// SIGINT, 143 for SIGTERM: 128 plus the signal's number, the shell's
// convention). Nothing of that path exits the process.
//
// A second signal aborts at once: the handler's goroutine waits for the
// sections held with Hold (a few short writes that must not be cut in
// half), runs the functions registered with OnAbort, last registered
// first (removing staging folders and temporary files, releasing locks),
// and exits the process with 128 plus the second signal's number. That
// call of os.Exit, in abort, is the only one below package main's run; it
// is isolated here so that everything else returns.
//
// A signal that was ignored when the process started (nohup, a
// background job of a non-interactive shell) stays ignored.
//
// The test hook in testhook.go (LOWDIM_TEST_INTERRUPT_AT) sends the
// process its own signals at named moments; it is for tests only.
package interrupt

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Handler receives the signals of one command. Its methods may be called
// from any goroutine; the zero Handler is not usable (Notify).
type Handler struct {
	name     string    // the command, for messages: "lowdim run"
	log      io.Writer // where the messages go
	stopping string    // what the first signal's message says the command does

	sigs chan os.Signal
	pipe chan os.Signal // SIGPIPE, notified only (Notify)
	stop chan struct{}
	done chan struct{} // closed at the first signal
	wg   sync.WaitGroup

	mu       sync.Mutex
	first    os.Signal
	cleanups []*func()

	hold     sync.RWMutex // Hold: read-locked; abort: write-locked
	stopOnce sync.Once
}

// Stopping is what the first signal's message says a command does, unless
// NotifyStopping is given another text.
const Stopping = "stopping at the next step and writing what is done"

// Notify starts handling SIGINT and SIGTERM for the command name (used in
// messages written to log). Call Stop when the command is done.
func Notify(log io.Writer, name string) *Handler { return NotifyStopping(log, name, Stopping) }

// NotifyStopping is Notify for a command that does something else than
// Stopping at the first signal (machine run writes nothing): the first
// signal's message says stopping instead.
func NotifyStopping(log io.Writer, name, stopping string) *Handler {
	h := &Handler{name: name, log: log, stopping: stopping, sigs: make(chan os.Signal, 2), stop: make(chan struct{}), done: make(chan struct{})}
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	signal.Notify(h.sigs, sigs...)
	// SIGPIPE: handled, so that Go's runtime does not kill the process on
	// a write to a closed stdout or stderr before its cleanup; the write
	// returns EPIPE instead, and the command stops after committing
	// (cmd/lowdim's stdoutWriter). Not an interruption: nothing reads it.
	// (signal.Ignore would be wrong: the runtime still kills on EPIPE to
	// fd 1 or 2 when SIGPIPE is ignored rather than notified.)
	h.pipe = make(chan os.Signal, 1)
	signal.Notify(h.pipe, syscall.SIGPIPE)
	h.wg.Add(1)
	go h.loop()
	return h
}

// loop waits for the signals.
func (h *Handler) loop() {
	defer h.wg.Done()
	for {
		select {
		case <-h.stop:
			return
		case s := <-h.sigs:
			h.mu.Lock()
			first := h.first == nil
			if first {
				h.first = s
			}
			h.mu.Unlock()
			if first {
				fmt.Fprintf(h.log, "%s: %s: %s; a second signal aborts at once\n", h.name, Name(s), h.stopping)
				close(h.done)
				continue
			}
			h.abort(s)
			return
		}
	}
}

// Name is how a signal appears in messages: SIGINT, SIGTERM.
func Name(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// Code returns the exit status of a process stopped by s: 128 plus its
// number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
func Code(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128
}

// Done returns a channel closed at the first signal.
func (h *Handler) Done() <-chan struct{} { return h.done }

// Interrupted reports whether a signal came.
func (h *Handler) Interrupted() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// Signal returns the first signal, or nil.
func (h *Handler) Signal() os.Signal {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.first
}

// ExitCode returns the command's exit status after an interruption: Code
// of the first signal (0 when none came).
func (h *Handler) ExitCode() int {
	if s := h.Signal(); s != nil {
		return Code(s)
	}
	return 0
}

// OnAbort registers f to run on an abort and returns the function that
// unregisters it (call it once f's temporaries are gone). f runs on the
// handler's goroutine while the command's goroutines go on, so it must be
// safe against them (outdir.Folder.Close is).
func (h *Handler) OnAbort(f func()) (remove func()) {
	p := &f
	h.mu.Lock()
	h.cleanups = append(h.cleanups, p)
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, q := range h.cleanups {
			if q == p {
				h.cleanups = append(h.cleanups[:i], h.cleanups[i+1:]...)
				return
			}
		}
	}
}

// Hold delays an abort until the returned function is called: for a short
// write that would leave a temporary file if it were cut (a file written
// atomically outside any staging folder). Do not hold across long work.
func (h *Handler) Hold() (release func()) {
	h.hold.RLock()
	var once sync.Once
	return func() { once.Do(h.hold.RUnlock) }
}

// exit is os.Exit; tests replace it.
var exit = os.Exit

// abort is the second signal s: it waits for the held sections, runs the
// cleanups, last registered first, and exits with Code(s).
func (h *Handler) abort(s os.Signal) {
	fmt.Fprintf(h.log, "%s: second signal (%s): aborting; removing temporary files\n", h.name, Name(s))
	h.hold.Lock()
	h.mu.Lock()
	cs := h.cleanups
	h.cleanups = nil
	h.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		(*cs[i])()
	}
	exit(Code(s))
}

// Stop stops handling the signals: from now on they have their default
// effect. It waits for an abort in progress (which exits). Stop is
// idempotent.
func (h *Handler) Stop() {
	h.stopOnce.Do(func() {
		signal.Stop(h.sigs)
		signal.Stop(h.pipe)
		close(h.stop)
		h.wg.Wait()
	})
}
