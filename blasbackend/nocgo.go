//go:build openblas && !cgo

package blasbackend

// The openblas build tag needs cgo: with CGO_ENABLED=0, openblas.go would be
// left out silently and the binary would call itself "openblas" while
// running gonum's pure-Go code. This undefined name stops the build instead.
var _ = openblasBuildTagNeedsCgoEnabled
