package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/internal/interrupt"
	"github.com/lowdim/lowdim/machine"
)

const calibrateUsage = `Usage: lowdim calibrate [flags]

Measures what this binary's BLAS backend and the memory can do: dgemm
GFLOP/s at n = 256, 1024, 2048 (2n^3 flops per product, best of a few
samples) and the bandwidth of a STREAM-like triad a[i] = b[i] + s*c[i] over
three 64 MiB arrays (24 bytes per element, GB/s). Prints a table and stores
the result as JSON, by default in <user cache>/lowdim/calibration-<backend>.json,
where reports find it. Takes well under a minute.

SIGINT or SIGTERM stops the measurement; nothing is written (a partial
calibration would misstate the machine), the stored file stays as it was.

Exit codes: 0 ok, 2 usage error or (with --show) no readable calibration,
3 the measurement could not run or be stored, 130 or 143 interrupted by
SIGINT or SIGTERM.

Flags:
`

func cmdCalibrate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lowdim calibrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, calibrateUsage); fs.PrintDefaults() }
	out := fs.String("out", "", "calibration file to write (or read with --show) (default <user cache>/lowdim/calibration-"+machine.BLASBackend+".json)")
	sizes := fs.String("sizes", "", "comma list of dgemm sizes n (default 256,1024,2048)")
	reps := fs.Int("reps", calibrate.DefaultReps, "timed samples per dgemm size, after a warm-up")
	triadMB := fs.Int("triad-mb", calibrate.DefaultTriadBytes>>20, "size of each of the triad's three arrays, in MiB")
	show := fs.Bool("show", false, "print the stored calibration instead of measuring")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "lowdim calibrate: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := checkCalibrateFlags(fs, set); err != nil {
		return usageErr("%v", err)
	}
	if *show {
		var c calibrate.Calibration
		var err error
		if *out != "" {
			c, err = calibrate.LoadFile(*out)
		} else {
			c, err = calibrate.Load(machine.BLASBackend)
		}
		if err != nil {
			return usageErr("%v", err)
		}
		printCalibration(stdout, c)
		return exitOK
	}
	o := calibrate.Options{Reps: *reps, TriadBytes: int64(*triadMB) << 20, Log: stderr}
	if set["sizes"] {
		var err error
		if o.Sizes, err = parseInts("sizes", *sizes, 1, maxBenchSize, "size", "at 8192 a product takes three 512 MiB matrices and 1.1e12 flops"); err != nil {
			return usageErr("%v", err)
		}
	}
	if *reps < 1 || *reps > maxCalibrateReps {
		return usageErr("invalid --reps %d: must be in 1..%d", *reps, maxCalibrateReps)
	}
	if *triadMB < 1 || *triadMB > maxTriadMB {
		return usageErr("invalid --triad-mb %d: must be in 1..%d", *triadMB, maxTriadMB)
	}
	if err := machine.CheckFits(3*uint64(*triadMB)<<20, fmt.Sprintf("the triad's three arrays of --triad-mb %d MiB", *triadMB)); err != nil {
		return usageErr("invalid --triad-mb %d: %v", *triadMB, err)
	}
	path, given := *out, *out != ""
	if path == "" {
		var err error
		if path, err = calibrate.DefaultPath(machine.BLASBackend); err != nil {
			fmt.Fprintf(stderr, "lowdim calibrate: %v (use --out)\n", err)
			return exitInternal
		}
	}
	// Fail before measuring, not after, when the file cannot be placed.
	// The default path's folder (the user cache) is created; a given
	// --out's folder must exist, as for every other command.
	if err := checkOutFile(path, !given); err != nil {
		return failWith(stderr, "lowdim calibrate", err)
	}
	sig := interrupt.Notify(stderr, "lowdim calibrate")
	defer sig.Stop()
	o.Interrupt = sig.Done()
	c, err := calibrate.Measure(o)
	if errors.Is(err, calibrate.ErrInterrupted) {
		fmt.Fprintf(stderr, "lowdim calibrate: interrupted: nothing written (%s is as it was)\n", path)
		return sig.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(stderr, "lowdim calibrate: %v\n", err)
		return exitInternal
	}
	printCalibration(stdout, c)
	// Written atomically; an abort waits for the write, so that no
	// temporary file is left beside the calibration.
	release := sig.Hold()
	err = c.Save(path)
	release()
	if err != nil {
		fmt.Fprintf(stderr, "lowdim calibrate: %v\n", err)
		return exitInternal
	}
	fmt.Fprintf(stdout, "written to %s\n", path)
	if sig.Interrupted() {
		return sig.ExitCode()
	}
	return exitOK
}

// printCalibration writes c as a small table.
func printCalibration(w io.Writer, c calibrate.Calibration) {
	fmt.Fprintf(w, "backend  %s", c.Backend)
	if c.BackendDetail != "" {
		fmt.Fprintf(w, " (%s)", c.BackendDetail)
	}
	fmt.Fprintf(w, "\nmachine  %s, %d cores, GOMAXPROCS %d\ndate     %s\n\n", c.Machine.CPUModel, c.Machine.Cores, c.Machine.GOMAXPROCS, c.Date)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measurement\t    rate")
	for _, r := range c.Dgemm {
		fmt.Fprintf(tw, "dgemm n=%d\t%8.1f GFLOP/s\n", r.N, r.GFLOPS)
	}
	fmt.Fprintf(tw, "dgemm peak\t%8.1f GFLOP/s\n", c.PeakGFLOPS)
	fmt.Fprintf(tw, "triad 3 x %s, %d threads\t%8.1f GB/s\n", machine.FormatBytes(uint64(c.TriadBytes)), c.TriadThreads, c.TriadGBps)
	for _, l := range c.Levels {
		set := fmt.Sprintf("%s, %d threads", machine.FormatBytes(uint64(l.WorkingSetBytes)), l.Threads)
		fmt.Fprintf(tw, "%s stream (%s)\t%8.1f GB/s\n", l.Name, set, l.StreamGBps)
		fmt.Fprintf(tw, "%s gather (%s)\t%8.1f GB/s\n", l.Name, set, l.GatherGBps)
	}
	tw.Flush()
	if len(c.Levels) == 0 {
		fmt.Fprintln(w, "\nno memory levels: this calibration was stored before they were measured; run lowdim calibrate again")
	}
}
