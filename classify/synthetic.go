package classify

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
)

// WriteSyntheticCSV writes a CSV classification data set for tests and
// demos to w: a header "f1,...,fF,label" and rows rows of features
// features (at least 2), drawn from seed. Labels 0, 1 and 2 are
// well-separated Gaussian blobs (unit variance, means 6 apart along
// features 1 and 2); label 3, the hard class, is a blob at distance
// 2 from label 2's mean, so that the two overlap; label 3 takes hardShare
// of the rows (in (0, 1)), the others the rest in equal parts. Errors are
// w's.
func WriteSyntheticCSV(w io.Writer, rows, features int, hardShare float64, seed uint64) error {
	if features < 2 || !(hardShare > 0 && hardShare < 1) {
		panic("classify: WriteSyntheticCSV needs 2 features and a share in (0, 1)")
	}
	rng := rand.New(rand.NewPCG(seed, 0x73796e)) // "syn"
	means := [4][2]float64{{0, 0}, {6, 0}, {0, 6}, {0, 8}}
	bw := bufio.NewWriter(w)
	for j := range features {
		fmt.Fprintf(bw, "f%d,", j+1)
	}
	fmt.Fprintln(bw, "label")
	for range rows {
		c := 3
		if rng.Float64() >= hardShare {
			c = rng.IntN(3)
		}
		for j := range features {
			v := rng.NormFloat64()
			if j < 2 {
				v += means[c][j]
			}
			fmt.Fprintf(bw, "%.4f,", v)
		}
		fmt.Fprintf(bw, "%d\n", c)
	}
	return bw.Flush()
}
