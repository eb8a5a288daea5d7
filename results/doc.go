// Package results holds what a lowdim run produces and writes it to disk.
//
// A run is a Run value: the configuration, the machine it ran on and one
// MethodResult per trained method, each with its trajectory of Checkpoints.
// Run summaries are JSON (run.json), trajectories CSV (trajectories.csv).
//
// Every file is written atomically (WriteFileAtomic): the bytes go to a
// temporary file in the destination folder, which is synced and renamed over
// the destination, so an interrupted run leaves either the old file or the
// new one, never half of one.
//
// Values in this package are always finite: a trainer records a checkpoint
// only when its loss and error are finite, and a diverged method is described
// by its Status and Message, never by a NaN or an Inf.
package results
