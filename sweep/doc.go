// Package sweep runs many configurations of lowdim run as one command: a
// base (a preset and keys) and axes (lists of values of any configuration
// key, seed and methods included), their cartesian product, with axes of
// the same zip group varied together.
//
// # Spec
//
// A spec is a TOML file (ParseSpec, or an embedded preset: Preset):
//
//	description = "alpha ablation on completion"
//	preset = "paper-mc"          # the base preset (one run)
//	[base]                       # keys over the preset (config.Fields' keys)
//	d = 100
//	[[axis]]
//	key = "alpha"
//	values = [0.5, 1.0, 2.0]
//	[[axis]]
//	key = "seed"
//	values = [1, 2, 3]
//	[[axis]]                     # zipped: same group, same length, varied together
//	key = "r-hat"
//	values = [10, 20]
//	zip = "shape"
//	[quick]                      # --quick: a base key's value, or an axis' values
//	steps = 3000
//	alpha = [1.0, 5.0]
//
// Expand resolves every point through config.Resolve and checks it
// (experiment.Check) before anything runs; its errors name the file, the
// key and the value (a *config.InputError: lowdim exits 2).
//
// # Running
//
// Execute first claims the sweep's folder (Claim: new, empty, or marked
// by FolderFile as this sweep's, whose ID is the hash of its points'
// hashes; a folder of a user's files or of another sweep is refused before
// any run), then runs the points of a shard (index mod n = k) in order.
// Each point is identified by the SHA-256 of its canonical configuration
// (config.Hash); it writes OUT/<first 16 hex digits>/ through package
// outdir (locked, atomic): run.json and the run's other files, and
// sweep-point.json (Status: the point's hash, index, axis values, status
// and version). A point is skipped when its folder holds a finished run
// (results.Run.Finished: an interrupted run is not) of the same hash and
// lowdim version, so a sweep resumes; a failed point is recorded and
// skipped until RetryFailed. An interruption stops at the next step
// boundary of the current run, which is written marked interrupted; a
// point is recorded interrupted only when its run is (a signal after its
// training ended leaves it finished), and no further point starts.
//
// # Merging
//
// Merge reads every point folder back (results.Reader for run.json) and
// returns one Row per point and method: sweep.csv and sweep.json (CSV,
// JSON), and the figures (Figures: each metric against each numeric axis
// of 3 values or more, seed aside, one line per method and value of the
// other axes, the mean over the seeds with its 95% Student-t interval as a
// band; against alpha also the notebook's two-panel figure of steps and
// seconds to the tolerance). A sweep with an r-hat axis also gets the safe
// width of each group of its other axes (SafeWidthRow: the one definition,
// experiment.SafeWidth, against the original network's error), in
// sweep.json, safe-width.csv (SafeWidthCSV) and marked on the best error's
// figure against r-hat.
//
// # Engines
//
// K8sJob writes a Kubernetes v1 List of two batch/v1 Jobs: the sweep's
// Indexed Job and a merge Job created suspended, which the user resumes
// once the sweep's Job completed (Kubernetes has no dependencies between
// Jobs). SlurmScript writes an sbatch array script that submits itself and
// a dependent merge job. Nothing in this package schedules anything.
//
// Errors are for the world (files, values); nothing here panics on them.
package sweep
