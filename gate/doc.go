// Package gate is lowdim's CI regression gate: it runs a base and a head
// binary of lowdim on the head's curated benchmark suite (bench.TagGate),
// interleaved (base, head, base, head, ...) within a time budget, and
// judges every metric of every case.
//
// Judging (Judge) sorts the metrics of the suite into five kinds:
//
//   - timing (sec/op, the wall time, and cpu-sec/op, the process's CPU
//     time per iteration, bench.UnitCPUTime, far less sensitive to other
//     work on a shared machine): a regression when the Mann-Whitney U test
//     of golang.org/x/perf/benchmath rejects "same distribution" and the
//     head's median exceeds the base's by more than the threshold
//     (Options.Threshold, 5%). The false-alarm rate of the gate as a whole
//     is held at Alpha by Holm's step-down correction over all the suite's
//     timing rows, wall and CPU: sorted by p, the i-th smallest (0-based)
//     of k is significant when it and every smaller one is below
//     Alpha/(k-i).
//   - exact (flops/op, params-bytes, workspace-bytes, steps-to-tol): any
//     difference of the medians beyond the decimal round trip (RelTolExact)
//     fails the gate; so does allocs/op rounded to the nearest integer of
//     its smallest sample (gonum's Dgemm fans out goroutines above 64 x 64
//     outputs, whose few allocations are spread over the iterations of a
//     sample: STYLE.md item 3; a new allocation in a step adds one or more
//     per op in every sample).
//   - tolerance: recovery-err at the fixed step budget of a Train case
//     (RelTolRecovery), the MLP case's test-acc and test-loss
//     (RelTolAccuracy), and B/op on each side's smallest sample (a relative
//     tolerance plus a few bytes: gonum's goroutines add allocations that
//     follow the scheduler).
//   - memory (peak-rss-bytes of each side's bench process, one sample per
//     round): a regression when the head's median exceeds the base's by
//     more than RelTolRSS.
//   - info (GFLOP/s, energy, samples/s, peak-heap-bytes, ...): reported,
//     not gated; energy is labelled modelled when RAPL is unreadable.
//
// An intended change of an exact or tolerance metric is accepted by a line
// of the accept file (ReadAccept), committed with the change.
//
// Cases of the head's suite that the base binary lacks are reported as
// new and not compared. The number of rounds is chosen from the first
// round's time so that the rounds fill the budget; MinSamples gives the
// fewest samples per side with which the U test can reach Holm's smallest
// limit at all, and Run refuses a budget that cannot afford them.
//
// Nothing here exits the process or reads flags; cmd/lowdim's gate command
// wires it to the command line.
package gate
