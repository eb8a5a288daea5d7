package machine

import (
	"slices"

	"github.com/klauspost/cpuid/v2"
)

// vectorFeatures are the CPU features Fingerprint.VectorExtensions may
// list: the SIMD and matrix extensions of x86 and ARM that BLAS kernels
// (OpenBLAS's in particular) choose among.
var vectorFeatures = []cpuid.FeatureID{
	// x86
	cpuid.SSE, cpuid.SSE2, cpuid.SSE3, cpuid.SSSE3, cpuid.SSE4, cpuid.SSE42,
	cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.FMA4, cpuid.F16C,
	cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL,
	cpuid.AVX512IFMA, cpuid.AVX512VNNI, cpuid.AVX512BF16, cpuid.AVX512FP16,
	cpuid.AVXVNNI, cpuid.AVX10, cpuid.AVX10_256, cpuid.AVX10_512,
	cpuid.AMXTILE, cpuid.AMXBF16, cpuid.AMXINT8, cpuid.AMXFP16,
	// ARM
	cpuid.ASIMD, cpuid.ASIMDHP, cpuid.ASIMDDP, cpuid.SVE, cpuid.SVE2,
}

// vectorExtensions returns the names of the vectorFeatures for which has
// is true, sorted, or nil when there are none.
func vectorExtensions(has func(...cpuid.FeatureID) bool) []string {
	var names []string
	for _, id := range vectorFeatures {
		if has(id) {
			names = append(names, id.String())
		}
	}
	slices.Sort(names)
	return names
}

// cacheBytes returns a cache size from cpuid, where -1 (and 0) mean not
// detected, as a pointer, nil when not detected.
func cacheBytes(n int) *uint64 {
	if n <= 0 {
		return nil
	}
	v := uint64(n)
	return &v
}
