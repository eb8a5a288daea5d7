// Package trainer runs gradient descent on an Objective and records its
// trajectory.
//
// An Objective is a network bound to a workload: Evaluate computes the
// training loss at the current parameters (and whatever the next Step
// needs), Step applies one gradient-descent update, Measure computes the
// checkpoint metrics. Dense is the Objective of a dln.Network on a
// workloads.Workload through the end-to-end gradient; a different
// algorithm for the same method (a sampled gradient, say) is another type
// implementing Objective. Every step path is tested through one conformance
// suite, trainer/steptest (gradient against finite differences and a naive
// reference, allocations, flop counts, NaN-filled buffers), from a one-line
// test next to its code.
//
// Train times Evaluate and Step only: the seconds it records exclude the
// time spent measuring at checkpoints. It stops at the step budget, when
// the training loss reaches the tolerance, or when the loss diverges (NaN,
// Inf, or larger than DivergeFactor times the initial loss); divergence is a
// status with a message, never a number in the results. It also stops,
// with status results.Interrupted, at the first step boundary after
// Config.Stop is closed (one non-blocking receive per step: no allocation).
package trainer
