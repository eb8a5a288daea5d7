// Package experiment runs a configuration: it builds the shared problem
// instance (package instance) and each method's network (the methods
// registry), checks that the problem fits in memory (Preflight, from the
// workload's and the methods' specs), trains every method with package
// trainer on the step algorithm its workload offers (paths.go), evaluates
// the theory checks that apply (checks.go), and gates a rollout (Verify).
// Configuration lives in package config, workloads in package workloads,
// methods in package methods; nothing here switches on their names.
//
// Errors: a bad configuration is a *config.ConfigError naming the flag and
// the value; a bad file a *config.InputError naming it; any other error is
// an internal failure (lowdim exits 3). Divergence and failed checks are
// results, not errors.
package experiment
