// Command lowdim trains overparameterized deep linear networks and their
// compressed counterparts side by side and reports how they differ.
//
// Usage:
//
//	lowdim run [flags]      train the methods of a preset or of the given flags
//	lowdim verify [flags]   check compressed networks against the theory (the rollout gate)
//	lowdim bench [flags]    run the benchmark suite (Go benchmark format)
//	lowdim presets          list the named presets
//	lowdim version          print the version
//
// Exit codes: 0 success; 1 a failed check (verify) or a run that could not
// finish (its results could not be written); 2 a usage error or bad input
// (flag, config file, instance or matrix file), with a message naming the
// flag or file and the value.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp/mlprun"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `lowdim: compress deep linear networks through their low-dimensional learning dynamics

Usage:
  lowdim run [flags]    train original and compressed networks side by side (lowdim run -h)
  lowdim verify [flags] check a compressed network against the theory before rollout (lowdim verify -h)
  lowdim bench [flags]  run the benchmark suite; Go benchmark format for benchstat (lowdim bench -h)
  lowdim calibrate      measure the BLAS backend's GFLOP/s and the memory bandwidth (lowdim calibrate -h)
  lowdim compare OLD NEW  compare two benchmark files; exit 1 on a regression
  lowdim presets        list the named presets
  lowdim version        print the version

Exit codes: 0 ok, 1 a check failed or the run failed, 2 usage or input error.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
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
	case "calibrate":
		return cmdCalibrate(args[1:], stdout, stderr)
	case "presets":
		for _, p := range experiment.Presets() {
			fmt.Fprintln(stdout, p)
		}
		for _, name := range mlprun.Presets() {
			data := map[string]string{"fmnist": "FashionMNIST", "mnist": "MNIST"}[name]
			fmt.Fprintf(stdout, "%-14s MLP with a wide (DLN) and a compressed (C-DLN) linear block on %s\n", name, data)
		}
		return exitOK
	case "version":
		fmt.Fprintln(stdout, "lowdim", machine.Read().Version)
		return exitOK
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "lowdim: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
