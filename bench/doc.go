// Package bench holds lowdim's benchmark suite: one training step of every
// workload x method at several sizes (Step), training to a fixed step budget
// (Train), and inference of the end-to-end map on a batch (Infer).
//
// A Case is a named testing.B function plus the deterministic metrics it
// reports. The same cases run under `go test -bench` (bench_test.go) and
// under `lowdim bench` (testing.Benchmark in the binary), so both print the
// same names, in the form benchstat groups and filters:
//
//	BenchmarkStep/workload=mf/method=compressed/d=256/L=3-2
//
// Metrics: sec/op, B/op and allocs/op from the testing package; flops/op
// (analytic, from package theory), params-bytes and workspace-bytes (exact);
// energy per op as energy-J/op when RAPL counters are readable, otherwise
// model-J/op (package energy), so a modelled figure is never mistaken for a
// measured one; Step reports GFLOP/s and, given the calibrated peak,
// peak-frac; Train reports recovery-err, steps-to-tol and peak-heap-bytes;
// Infer reports flops/op and samples/s. Units avoid the substrings "ns" and "MB", which
// benchfmt would rescale. Deterministic units are listed in Exact and marked
// assume=exact in Unit lines.
//
// The cases iterate the registries: every registered workload (its
// benchmark parameters from workloads.Spec.Bench, which may leave out a
// size: MS only where its m x d^2 operator, m = 20d, stays within
// MaxOperatorBytes) x the default methods (config.DefaultMethods) x the step
// algorithms (dense, and the workload's own for methods narrower than the
// problem). Every case carries tags (Case.Tags: its group, workload=,
// method=, path=, and its workload's own such as "ci"; "gate" for the
// cases of GateSuite, lowdim gate's curated suite), so that suites (a CI
// gate, a machine report) select from this one registry (Options.Tags,
// lowdim bench --tags) instead of keeping their own lists. A binary built
// with the test build tag lowdim_plant honours LOWDIM_PLANT_SLOWDOWN
// (plant_on.go), a known slowdown for testing the gate. A Case builds its problem on first
// use and keeps it until Release, so calibration rounds of testing.B do not
// rebuild it.
package bench
