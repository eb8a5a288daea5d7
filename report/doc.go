// Package report turns a finished run (a results.Run, in memory or read back
// with results.ReadRun) into what a person reads: figures, a trajectories
// CSV and a summary table. Each function renders both kinds of run, chosen
// by Run.Kind: the sections below describe a linear run; an MLP run
// (results.KindMLP) has its own figures (test accuracy and training loss
// against step and training seconds, on linear axes, from the first
// checkpoint after step 0, each drawn when it has a point), CSV columns
// (see TrajectoriesCSV) and summary columns (accuracy, loss, CPU time,
// inference latency), with the same palette, legend and number formats.
//
// # Figures
//
// Figures draws, with gonum.org/v1/plot, the figures of Kwon et al.,
// "Efficient compression of overparameterized deep models through
// low-dimensional learning dynamics" (arXiv 2311.05061):
//
//   - error_vs_step: relative recovery error ||W-Φ||_F/||Φ||_F against the
//     iteration;
//   - error_vs_time: the same error against the training wall time in
//     seconds (Checkpoint.Seconds, measurements excluded);
//   - loss_vs_step: the training loss against the iteration (optional: drawn
//     only when some method recorded a positive training loss).
//
// Each is returned as SVG and as PNG (6 in x 4 in, the PNG at 150 dpi). The
// y axis is logarithmic, its range widened to whole decades so that labelled
// ticks always show. Methods are drawn in the order of run.Methods, method i
// with colour i and dash pattern i of a fixed palette, so that a method keeps
// its look across figures and runs with the same method list. The legend
// sits right of the data area, where no curve can hide it. A point whose
// y is not positive, or whose x or y is NaN or infinite, is left out (a log
// axis cannot show it); a method with no point left is left out of the
// figure and of its legend (a method with no trajectory: diverged at step
// 0, or interrupted before training). A figure with no point at all is left
// out, neither an error nor a panic: gonum/plot panics on a log axis whose
// range is not positive, and this package guards every such range; as a
// last line of defence a panic while drawing is turned into an error.
//
// # Trajectories and summary
//
// TrajectoriesCSV writes every checkpoint of every method, one row each,
// with floats in the shortest form that reads back to the same float64.
// WriteSummary prints one line per method (status, steps, steps and seconds
// to the tolerance, time per step, parameters, final and best error) and one
// line per entry of run.Ratios. A method the run's interruption cut short
// shows its Message as its status ("interrupted at step t");
// WriteInterrupted says in one line that the run was interrupted.
//
// Nothing in this package modifies the Run it is given. Nothing panics on
// bad data; the functions allocate their outputs.
package report
