// Package results holds what a lowdim run produces, writes it to disk and
// reads it back.
//
// A run is a Run value, one type for both kinds of run (Kind): a linear run
// (deep linear networks on a matrix problem, package experiment) and an MLP
// run (package mlp/mlprun). It holds the schema version (RunSchema), the
// configuration (config.Config or config.MLP), the machine it ran on
// (machine.Fingerprint), the instance or data set, and one MethodResult per
// trained method with its trajectory of checkpoints (Checkpoint, or
// MLPCheckpoint in the method's MLP part). The parts of one kind are
// pointers, nil in a run of the other kind. A value that does not exist (a
// tolerance never reached, a latency not measured after a divergence) is a
// nil pointer, absent from the JSON, never 0.
//
// MarshalRun writes a Run as run.json; DecodeRun and ReadRun read one back,
// strictly: another schema version, an unknown field or parts that do not
// match the kind are errors naming the file and the field. What is read
// back equals what was written, field for field. report renders a Run;
// trajectories.csv is derived from it.
//
// An interrupted run (SIGINT or SIGTERM, experiment.Options.Interrupt) is
// still a complete record: every method appears, those cut short with
// status Interrupted and a Message saying at which step, and the run has
// Interrupted = true ("interrupted": true in run.json, a field always
// written). Such a run is never a finished run (Run.Finished is false):
// anything that resumes or skips runs already done must redo it. Adding
// the field kept the schema version: a schema changes when a field is
// renamed, removed or changes meaning, and a run.json without it reads as
// not interrupted.
//
// A linear run's target may be rectangular, m x n (issue 13). Its
// configuration then records "rows" (m) and "cols" (n) and no "d"; a square
// target's records "d" and neither, as before (config.Config normalizes
// the shape, so a square configuration's hash is unchanged), and the
// instance records "rows" and "cols" in both cases, as it always did. The
// schema version was kept: "rows", "cols" and the original network's
// "width" (when --width sets it) are added fields, and "d" keeps its
// meaning wherever it is written.
//
// Every file is written atomically (WriteFileAtomic): the bytes go to a
// temporary file in the destination folder, which is synced and renamed over
// the destination, so an interrupted run leaves either the old file or the
// new one, never half of one.
//
// Values in this package are always finite: a trainer records a checkpoint
// only when its loss and error are finite, and a diverged method is described
// by its Status and Message, never by a NaN or an Inf. MarshalRun refuses a
// run holding a NaN or an infinity, naming its JSON path. The one exception
// is a Check's figures: a figure that does not exist is Absent (NaN in
// memory, null in JSON, "-" in tables), never 0.
package results
