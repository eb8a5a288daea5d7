// Package procure holds the hardware procurement report: one report per
// machine (Run: what `lowdim machine run` writes) and the comparison of
// several (Compare: what `lowdim machine compare` prints), in Markdown,
// JSON and a self-contained HTML page.
//
// # The report
//
// A Report holds the machine's fingerprint (package machine: CPU brand
// string, vector extensions, caches, cores, cgroup limits, kernel, Go,
// the BLAS backend with OpenBLAS's build string and kernel, GOMAXPROCS)
// and the figures of a fixed, versioned suite (Standard: SuiteName,
// SuiteVersion), each a Benchmark with its samples, their median and the
// median's 95% confidence interval (benchmath.AssumeNothing: order
// statistics, null below 6 samples):
//
//   - calibration: the dgemm rate at each size and the STREAM-triad
//     bandwidth of each of CalibrationRuns runs of calibrate.Measure;
//   - training: the seconds of one training step of the original and the
//     compressed network per workload and size, the samples taken in
//     rounds across the benchmarks of a size;
//   - time-to-quality: the seconds each network of a paper preset takes
//     to reach the preset's tolerance (trainer.Result.SecondsToTol), and
//     the seconds of training the FashionMNIST MLP (FashionMLP, a pinned
//     configuration) takes to reach 0.85 test accuracy, repeated TTQRuns
//     times, interleaved;
//   - energy: the joules of each such run, from RAPL when readable and
//     else from the CPU-time model (package energy), Measured saying which;
//   - memory: the peak RSS of each such run (VmHWM, reset before it
//     through /proc/self/clear_refs);
//   - inference: the per-call latency of the compressed network on its
//     factored layers and of the wide one on its end-to-end matrix, at each
//     batch (package latency), in rounds across the networks: a sample is
//     a round's median, the p99 beside it is over every call.
//
// # Stability
//
// The figures compared are wall times (and rates from them): what a buyer
// waits for. Beside every timed sample the report keeps the process's
// CPU time (getrusage, every thread, as bench's cpu-ns/op), and per
// benchmark the load average, the share of the machine other processes
// took (OthersCPU, /proc/stat) and how long the process's threads waited
// for a CPU per CPU second they got (Wait, the scheduler's run delay),
// so that a wall time stretched by other work shows as such: Compare
// notes every loaded benchmark (Wait above LoadedWait) and warns about
// the report. Repetitions are interleaved (step rounds, time-to-quality
// runs, inference rounds), so that a change of load during a run spreads
// over every benchmark rather than falling on one, and each figure is a
// median with its interval.
//
// A benchmark the machine cannot run (too large for its memory, or for the
// suite's time budget at the calibrated rate; a preset that misses its
// tolerance) is kept with Absent saying why and no samples: absent is
// null, never 0.
//
// # The comparison
//
// Compare takes the first report as the reference and gives, per
// benchmark and other machine, the speedup (how many times better: the
// reference's median time over the machine's, or the machine's rate over
// the reference's) with a 95% percentile-bootstrap interval from the
// stored samples; the geometric mean per category with its interval (the
// category's benchmarks resampled together); the time, cost and energy of
// one run of each time-to-quality benchmark per machine; and one answer
// per buyer's question. A modelled energy is never compared across
// machines: it only restates time. Reports of different suites or
// versions are refused; different backends, GOMAXPROCS or quick and full
// suites are warned about.
//
// Errors for the world (files, flags) are input errors (config.Input);
// nothing here panics on input. Run allocates what each benchmark needs
// (checked against the memory budget first, experiment.Preflight).
package procure
