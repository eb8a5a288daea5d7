// Package experiment turns a run configuration into trained methods: it holds
// the Config of `lowdim run` and its named presets, builds the shared problem
// instance (target, mask, sensing operator) and each method's network from a
// seed, saves and loads instances as NumPy files, checks that the problem fits
// in memory, and trains every method with package trainer.
//
// Randomness: every random draw comes from its own PCG stream of the seed
// (target, mask, operator, one stream per method), so the instance does not
// depend on which methods run, and a seed gives bit-identical trajectories.
//
// Errors: a bad configuration is a *ConfigError naming the flag and the value;
// a bad instance file is an error naming the file and the problem.
package experiment
