package experiment

import "github.com/lowdim/lowdim/config"

// Config is the configuration of a run (see package config).
type Config = config.Config

// ConfigError is an invalid configuration value (see package config).
type ConfigError = config.ConfigError

// Method names.
const (
	Original   = config.Original
	Compressed = config.Compressed
	Narrow     = config.Narrow
	BM         = config.BM
	LoP        = config.LoP
)

// Instance storage and step algorithms (Config.Storage, Config.Path).
const (
	StorageAuto   = config.StorageAuto
	StorageDense  = config.StorageDense
	StorageSparse = config.StorageSparse
	SparseMinD    = config.SparseMinD
	PathAuto      = config.PathAuto
	PathDense     = config.PathDense
	PathSampled   = config.PathSampled
	PathFactored  = config.PathFactored
)

// Methods, KnownMethods and Workloads are config's lists.
var (
	Methods      = config.Methods
	KnownMethods = config.KnownMethods
	Workloads    = config.Workloads
)

func bad(flag string, v any, format string, args ...any) error {
	return config.Bad(flag, v, format, args...)
}
