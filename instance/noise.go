package instance

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// NoiseEdge returns the largest singular value an m x n matrix of iid
// noise of standard deviation sigma has, to first order: sigma (sqrt(m) +
// sqrt(n)) (the edge of the Marchenko-Pastur law; Bai and Yin 1988,
// Geman 1980). A singular value of a noisy target above it carries
// signal.
func NoiseEdge(m, n int, sigma float64) float64 {
	return sigma * (math.Sqrt(float64(m)) + math.Sqrt(float64(n)))
}

// NoiseRank returns the rank of a fully known target with iid noise of
// standard deviation sigma on every entry (its units): the number of its
// singular values above NoiseEdge, those the noise alone would not
// produce (the numerical rank of workloads.Rank counts every value above
// rounding, so a noisy target has full rank). An error, naming source,
// when none is above it (the target is noise at that level) or every one
// is (the target is not low-rank at that level), or when the SVD fails.
// It costs one SVD of the target (values only).
func NoiseRank(target *mat.Dense, sigma float64, source string) (int, error) {
	var svd mat.SVD
	if !svd.Factorize(target, mat.SVDNone) {
		return 0, fmt.Errorf("%s: the SVD of the target did not converge", source)
	}
	s := svd.Values(nil)
	rows, cols := target.Dims()
	edge := NoiseEdge(rows, cols, sigma)
	r := 0
	for _, v := range s {
		if v > edge {
			r++
		}
	}
	switch {
	case r == 0:
		return 0, fmt.Errorf("%s: no singular value of the %d x %d target is above the noise's edge %.4g (--noise-level %g x (sqrt(%d) + sqrt(%d))); its largest is %.4g: at that noise level it holds no signal",
			source, rows, cols, edge, sigma, rows, cols, s[0])
	case r >= min(rows, cols):
		return 0, fmt.Errorf("%s: every singular value of the %d x %d target is above the noise's edge %.4g (--noise-level %g); its smallest is %.4g: it is not low-rank at that noise level (give --r)",
			source, rows, cols, edge, sigma, s[len(s)-1])
	}
	return r, nil
}
