//go:build openblas

package testenv

// Built under the openblas tag (the second pass of make test), where
// GonumPassOnly skips.
func init() { Backend = "openblas" }
