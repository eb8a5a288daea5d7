// Package config holds the configuration of a linear lowdim run: the
// problem (workload, target, sizes), the methods trained on it and the
// training budget, with defaults (WithDefaults) and validation (Validate,
// whose errors are *ConfigError values naming the flag and the value).
//
// It sits below every package that runs or records a run (experiment,
// results, report, cmd/lowdim), so that a run record can carry its
// configuration as a typed value.
package config
