package matfile

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Fractions are the shares of an entry list's units (see [SplitEntries])
// held out for validation and for test; training gets the rest. Each is
// in [0, 1) and their sum is below 1.
type Fractions struct {
	// Validation is the share used to stop training (early stopping,
	// choosing a width); never the one an error is reported on.
	Validation float64
	// Test is the held-out share the error is reported on.
	Test float64
}

// Split is an entry list divided into three disjoint parts. Each part
// keeps the list's M, N and Source, and its entries in the list's order.
// A part with no units (a zero fraction) has no entries; Check fails on
// it, so test Len() before use.
type Split struct {
	Train, Validation, Test *Entries
	// Units is the number of units drawn over: the entries, or for a
	// symmetric source the unordered pairs {i, j} (a file's lines).
	Units int
	// ValidationUnits and TestUnits are the units given to each held-out
	// part; Train has the rest.
	ValidationUnits, TestUnits int
}

// splitStream is the PCG stream of SplitEntries's draws, so that a seed
// shared with other uses of the same number draws something else here.
const splitStream = 0x73706c6974 // "split"

// SplitEntries divides e into train, validation and test parts drawn over
// its units, seeded: the same e, symmetric, f and seed give the same
// split on every machine.
//
// A unit is one entry, or, when symmetric is true, an unordered pair
// {i, j}: the entries (i, j) and (j, i) — the two elements one line of a
// symmetric Matrix Market file sets (see [EntriesOf]) — form one unit and
// go to the same part, so no held-out entry has its mirror in training.
// symmetric needs a square e. When a list's symmetry is unknown, true is
// the safe choice: it can only keep pairs together.
//
// The units are shuffled (Fisher-Yates with a PCG source seeded by seed);
// the first round(f.Test U) go to Test, the next round(f.Validation U) to
// Validation, the rest to Train, where U is the number of units; a
// positive fraction gets at least one unit, and Train must keep at least
// one. Errors: an invalid e ([Entries.Check]), symmetric with M != N,
// fractions outside [0, 1) or summing to 1 or more, too few units.
// Memory: the three parts (together one copy of e) and O(U) while
// drawing; with symmetric, a map of the pairs.
func SplitEntries(e *Entries, symmetric bool, f Fractions, seed uint64) (*Split, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	name := e.Source
	if name == "" {
		name = "entry list"
	}
	bad := func(v float64) bool { return math.IsNaN(v) || v < 0 || v >= 1 }
	if bad(f.Validation) || bad(f.Test) || f.Validation+f.Test >= 1 {
		return nil, &Error{Path: name, Msg: fmt.Sprintf("split fractions validation %v, test %v: want each in [0, 1) and a sum below 1", f.Validation, f.Test)}
	}
	if symmetric && e.M != e.N {
		return nil, &Error{Path: name, Msg: fmt.Sprintf("a symmetric split needs a square matrix, have %d x %d", e.M, e.N)}
	}
	// unit[t] is entry t's unit.
	unit := make([]int32, e.Len())
	units := e.Len()
	if symmetric {
		ids := make(map[uint64]int32, e.Len())
		for t := range e.Value {
			i, j := e.Row[t], e.Col[t]
			if i > j {
				i, j = j, i
			}
			key := uint64(i)<<32 | uint64(j)
			id, ok := ids[key]
			if !ok {
				id = int32(len(ids))
				ids[key] = id
			}
			unit[t] = id
		}
		units = len(ids)
	} else {
		for t := range unit {
			unit[t] = int32(t)
		}
	}
	count := func(frac float64) int {
		n := int(math.Round(frac * float64(units)))
		if frac > 0 && n == 0 {
			n = 1
		}
		return n
	}
	nTest, nVal := count(f.Test), count(f.Validation)
	if units-nTest-nVal < 1 {
		return nil, &Error{Path: name, Msg: fmt.Sprintf("%d units cannot give %d to test, %d to validation and at least one to training", units, nTest, nVal)}
	}
	// part[u] is unit u's part: 0 train, 1 validation, 2 test.
	perm := rand.New(rand.NewPCG(seed, splitStream)).Perm(units)
	part := make([]uint8, units)
	for k, u := range perm {
		switch {
		case k < nTest:
			part[u] = 2
		case k < nTest+nVal:
			part[u] = 1
		}
	}
	var sizes [3]int
	for t := range unit {
		sizes[part[unit[t]]]++
	}
	var parts [3]*Entries
	for p := range parts {
		parts[p] = &Entries{M: e.M, N: e.N, Source: e.Source, OneBased: e.OneBased, BaseDetected: e.BaseDetected,
			Header: e.Header, Delim: e.Delim, Row: make([]int, 0, sizes[p]), Col: make([]int, 0, sizes[p]), Value: make([]float64, 0, sizes[p])}
	}
	for t, u := range unit {
		p := parts[part[u]]
		p.Row = append(p.Row, e.Row[t])
		p.Col = append(p.Col, e.Col[t])
		p.Value = append(p.Value, e.Value[t])
	}
	return &Split{Train: parts[0], Validation: parts[1], Test: parts[2], Units: units, ValidationUnits: nVal, TestUnits: nTest}, nil
}
