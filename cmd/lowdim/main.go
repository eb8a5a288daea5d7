// Command lowdim trains overparameterized deep linear networks and their
// compressed counterparts side by side and reports how they differ.
//
// Usage:
//
//	lowdim run [flags]      train the methods of a preset or of the given flags
//	lowdim verify [flags]   check compressed networks against the theory (the rollout gate)
//	lowdim bench [flags]    run the benchmark suite (Go benchmark format)
//	lowdim gate BASE [HEAD] the CI regression gate (build both, bench interleaved, judge)
//	lowdim presets          list the named presets
//	lowdim version          print the version
//
// Exit codes, the same for every command (tested in exit_test.go; 130 and
// 143 in interrupt_test.go):
//
//	0  success
//	1  a failed verdict (verify) or a regression (compare)
//	2  usage or bad input: a flag, a config file, an instance or matrix
//	   file (a *config.ConfigError or *config.InputError), with a message
//	   naming the flag or file and the value
//	3  an internal failure: any other error of the library, a panic, or
//	   results that could not be written
//	141  stdout closed (a reader such as head gone): SIGPIPE is handled
//	   (package interrupt), so run and verify commit what they finished,
//	   release their folders, run nothing more and exit 141
//	130  interrupted by SIGINT (128 + 2), 143 interrupted by SIGTERM
//	   (128 + 15): run, verify, bench and calibrate stop at the next step
//	   (or sample), write what is complete (a run or verdict marked
//	   interrupted, committed as a set; bench's finished results) and exit
//	   with it; a second signal aborts at once, removing the temporaries
//	   and keeping the previous results (package internal/interrupt: its
//	   abort is the one os.Exit below run). SIGHUP (the terminal closed)
//	   is treated as SIGTERM and exits 129 (128 + 1). 130 or 143 always comes with
//	   a record marked interrupted (or a preset's run not run): a signal
//	   after the training returned but before its record was written
//	   still marks it interrupted (a verify so marked never passes); one
//	   that comes while the finished record is being committed leaves it
//	   finished and the status is the finished command's (output.go)
//
// so that CI tells a crash (3) from a regression (1), and an interruption
// from both.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp/mlprun"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes. An interruption exits 130 or 143 (interrupt.Code: 128 plus
// the signal's number), returned by the commands as
// (*interrupt.Handler).ExitCode.
const (
	exitOK       = 0
	exitFailure  = 1 // a failed verdict or a regression
	exitUsage    = 2 // usage or bad input
	exitInternal = 3 // an internal failure
)

// exitCode is the exit code of an error from the library: 2 for the
// user's (config.IsUserError), 3 for anything else.
func exitCode(err error) int {
	if config.IsUserError(err) {
		return exitUsage
	}
	return exitInternal
}

// failWith prints err after the command's name and returns its exit code.
func failWith(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	return exitCode(err)
}

const usage = `lowdim: compress deep linear networks through their low-dimensional learning dynamics

Usage:
  lowdim run [flags]    train original and compressed networks side by side (lowdim run -h)
  lowdim verify [flags] check a compressed network against the theory before rollout (lowdim verify -h)
  lowdim bench [flags]  run the benchmark suite; Go benchmark format for benchstat (lowdim bench -h)
  lowdim calibrate      measure the BLAS backend's GFLOP/s and the memory bandwidth (lowdim calibrate -h)
  lowdim compare OLD NEW  compare two benchmark files; exit 1 on a regression
  lowdim machine run|compare  hardware procurement: one report per machine, compared across machines (lowdim machine -h)
  lowdim gate BASE [HEAD]  CI regression gate: build both, bench interleaved, judge; exit 1 on a regression (lowdim gate -h)
  lowdim predict --model DIR --entries FILE  predict entries with a saved model (lowdim predict -h)
  lowdim sweep SPEC.toml  run a sweep of configurations, resumable and sharded; merge, k8s, slurm (lowdim sweep -h)
  lowdim presets        list the named presets
  lowdim version        print the version

Exit codes: 0 ok, 1 a check failed or a regression, 2 usage or input error,
3 an internal failure, 130, 143 or 129 interrupted by SIGINT, SIGTERM or
SIGHUP (what was complete is written, marked interrupted; a second signal
aborts at once), 141 stdout closed (what was finished is written).
`

func run(args []string, stdout, stderr io.Writer) (code int) {
	// A panic is an internal failure: exit 3, not the runtime's 2, which
	// would read as a usage error.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "lowdim: internal error: %v\n%s", r, debug.Stack())
			code = exitInternal
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	if err := interrupt.CheckEnv(); err != nil { // the test hook, malformed: before any work
		fmt.Fprintf(stderr, "lowdim: %v\n", err)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "verify":
		return cmdVerify(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "bench":
		return cmdBench(args[1:], stdout, stderr)
	case "gate":
		return cmdGate(args[1:], stdout, stderr)
	case "calibrate":
		return cmdCalibrate(args[1:], stdout, stderr)
	case "machine":
		return cmdMachine(args[1:], stdout, stderr)
	case "predict":
		return cmdPredict(args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(args[1:], stdout, stderr)
	case "presets":
		if err := noArgs("lowdim presets", args[1:]); err != nil {
			return failWith(stderr, "lowdim", err)
		}
		for _, p := range config.Presets() {
			fmt.Fprintln(stdout, p)
		}
		for _, name := range mlprun.Presets() {
			data := map[string]string{"fmnist": "FashionMNIST", "mnist": "MNIST"}[name]
			fmt.Fprintf(stdout, "%-14s MLP with a wide (DLN) and a compressed (C-DLN) linear block on %s\n", name, data)
		}
		return exitOK
	case "version":
		if err := noArgs("lowdim version", args[1:]); err != nil {
			return failWith(stderr, "lowdim", err)
		}
		fmt.Fprintln(stdout, "lowdim", machine.Read().Version)
		return exitOK
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "lowdim: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
