package compare

import (
	"math"
	"slices"
	"strings"
)

// machineKeys are the configuration keys that describe where and with what
// a file was measured, in the order reports list them: those go test
// writes (goos, goarch, cpu) and those lowdim bench adds
// (machine.Fingerprint.ConfigLines: cores, gomaxprocs, go, blas, lowdim),
// and commit, which benchmark pipelines add.
var machineKeys = []string{"goos", "goarch", "cpu", "cores", "gomaxprocs", "go", "blas", "lowdim", "commit"}

// A MachineLine is one machine configuration key and its value in each
// file: "" when the file does not set it, the distinct values joined by
// ", " in the order they appear when it sets several.
type MachineLine struct {
	Key, Old, New string
}

// Differs reports whether the two files differ in the key.
func (m MachineLine) Differs() bool { return m.Old != m.New }

// machineLines returns the machine lines of the keys that o or n sets.
func machineLines(o, n *file) []MachineLine {
	var lines []MachineLine
	for _, key := range machineKeys {
		l := MachineLine{Key: key, Old: configValues(o, key), New: configValues(n, key)}
		if l.Old != "" || l.New != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// configValues returns the distinct non-empty values of key in the results
// of f, joined by ", " in the order they appear.
func configValues(f *file, key string) string {
	var vals []string
	for _, res := range f.results {
		if v := res.GetConfig(key); v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, ", ")
}

// A Geomean is the geometric mean of the centers of one unit's rows present
// in both files, as benchstat's geomean row: Old = (prod_i old_i)^(1/N), and
// New likewise, over the N rows whose centers are both > 0; Skipped counts
// the rows left out because a center is <= 0. Ratio is New / Old.
type Geomean struct {
	Unit       string
	Old, New   float64
	Ratio      float64
	N, Skipped int
}

// geomeans returns a Geomean per unit of rows, in the order the units first
// appear, for the units with at least one row in both files. A unit whose
// rows all have a center <= 0 has N = 0 and NaN means and ratio.
//
// The mean of x_1..x_N is computed as x_1 exp(mean_i log(x_i/x_1)), so that
// one row, or rows of equal centers, give their center exactly.
func geomeans(rows []Row) []Geomean {
	type acc struct {
		old, new []float64
		skipped  int
	}
	sums := map[string]*acc{}
	var units []string
	for _, r := range rows {
		if r.Old.N == 0 || r.New.N == 0 {
			continue
		}
		a := sums[r.Unit]
		if a == nil {
			a = &acc{}
			sums[r.Unit] = a
			units = append(units, r.Unit)
		}
		if !(r.Old.Center > 0 && r.New.Center > 0) {
			a.skipped++
			continue
		}
		a.old = append(a.old, r.Old.Center)
		a.new = append(a.new, r.New.Center)
	}
	out := make([]Geomean, 0, len(units))
	for _, u := range units {
		a := sums[u]
		g := Geomean{Unit: u, Old: geomean(a.old), New: geomean(a.new), N: len(a.old), Skipped: a.skipped}
		g.Ratio = g.New / g.Old // NaN when N = 0
		out = append(out, g)
	}
	return out
}

// geomean returns the geometric mean of x, all > 0, or NaN when x is empty.
func geomean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, v := range x {
		sum += math.Log(v / x[0])
	}
	return x[0] * math.Exp(sum/float64(len(x)))
}
