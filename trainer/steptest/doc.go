// Package steptest is the conformance suite of the step paths of package
// trainer, in the manner of gonum's lapack/testlapack: every path (the dense
// end-to-end gradient, the sampled MC pass, the factored MF products, and
// any later one) describes itself as a Path, and its own _test.go runs
//
//	func TestDenseConformance(t *testing.T) { steptest.Run(t, steptest.Dense) }
//
// Run walks a table of small problems (Cases: depth 2 to 4, square and
// rectangular, narrow and full width, MF with the mean and the sum loss, MC)
// and applies each check to every case the path supports:
//
//   - CheckGradient: each layer's gradient against central finite
//     differences of the path's own loss;
//   - CheckReference: loss, gradients, update and checkpoint measurements
//     along a short trajectory against a naive reference (every product
//     formed with mat.Mul, G from the workload's Gradient);
//   - CheckAllocs: a steady-state Evaluate + Step allocates nothing;
//   - CheckFlops: the flops the network counts in an Evaluate and a Step
//     equal the path's analytic formula (package theory);
//   - CheckMeasureAfterStep: Measure reports the parameters of the last
//     Evaluate, also after a Step (trainer.Objective's contract);
//   - CheckShapePanics: the constructor panics with dln.ErrShape on a
//     workload of another shape or multipliers of the wrong length.
//
// Before every Evaluate the suite fills with NaN every buffer a step
// writes that it can reach: the network's gradients, LastGrad, OuterBack and
// end-to-end matrix, and the objective's own workspace when it implements
// WorkspaceFiller. An entry a step forgets to write then shows as a NaN in
// the loss, a gradient or the weights.
//
// The checks take a testing.TB and report through Errorf and Fatalf only,
// so that the suite's own tests can run them on deliberately broken paths
// with a recording TB and assert that they fail.
//
// The paths of package trainer are described here (Dense, SampledMC,
// FactoredMF in paths.go), their flop formulas taken from package theory; a
// new path adds its Path there and a one-line test next to its code.
//
// All problems are below 64 x 64, where gonum's Dgemm runs on the calling
// goroutine, so the allocation check demands exactly zero (under OpenBLAS
// too). All randomness comes from PCG sources seeded with Seed, one stream
// per case (NewRand).
package steptest
