package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/lowdim/lowdim/config"
)

// StratifiedSplit returns the rows of t for training and for testing:
// within each class (names, from Classes), its rows in a random order drawn
// from seed, the first round(frac n_c) (at least 1) to test and the rest
// to training, so that every class is in both. Both lists are sorted.
// frac must be in (0, 1). A class with too few rows to give one to each
// side is a *config.InputError naming the source, the label, its count and
// frac (flag --test-frac).
func StratifiedSplit(t *Table, names []int64, frac float64, seed uint64) (train, test []int, err error) {
	if !(frac > 0 && frac < 1) {
		panic("classify: StratifiedSplit fraction outside (0, 1)")
	}
	byClass := make([][]int, len(names))
	for i, l := range t.Labels {
		c, ok := slices.BinarySearch(names, l)
		if !ok {
			panic("classify: StratifiedSplit label not among names")
		}
		byClass[c] = append(byClass[c], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x73706c6974)) // "split"
	for c, rows := range byClass {
		k := max(1, int(math.Round(frac*float64(len(rows)))))
		if k >= len(rows) {
			return nil, nil, config.Input(&splitError{source: t.Source, label: names[c], rows: len(rows), frac: frac})
		}
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		test = append(test, rows[:k]...)
		train = append(train, rows[k:]...)
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}

type splitError struct {
	source string
	label  int64
	rows   int
	frac   float64
}

func (e *splitError) Error() string {
	if e.rows < 2 {
		return fmt.Sprintf("--test-frac %g: %s: class %d has %d row: too few to split (each class needs at least one training and one test row)",
			e.frac, e.source, e.label, e.rows)
	}
	k := max(1, int(math.Round(e.frac*float64(e.rows))))
	return fmt.Sprintf("--test-frac %g: %s: class %d has %d rows, and round(%g x %d) = %d of them would go to test, leaving none for training: lower --test-frac (%g or less keeps a training row of every class)",
		e.frac, e.source, e.label, e.rows, e.frac, e.rows, k, math.Floor(1e4*(float64(e.rows)-0.5)/float64(e.rows))/1e4)
}
