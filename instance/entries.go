package instance

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/lowdim/lowdim/altmin"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// This file makes the completion instance of a list of entries (a
// row,col,value CSV/TSV or a coordinate .mtx): sparse all the way (no
// rows x cols matrix), split over the file's entries into training,
// validation and test parts.

// Stream of the randomized SVD of an entry list's surrogate.
const StreamEntriesSVD = 7

// DefaultValidation is the fraction of an entry list's units held out
// for validation (early stopping, the baseline's ridge, the rank choice)
// by default; DefaultHeldOut is the test fraction.
const DefaultValidation = 0.1

// TargetFormat says how --target is read.
type TargetFormat string

const (
	// FormatAuto reads a file as an entry list when matfile.IsEntryList
	// says it looks like one and the workload takes entries (mc without a
	// mask), else as a matrix.
	FormatAuto TargetFormat = "auto"
	// FormatMatrix reads it as a matrix (matfile.Read).
	FormatMatrix TargetFormat = "matrix"
	// FormatEntries reads it as a list of entries (row,col,value text, or
	// a coordinate .mtx).
	FormatEntries TargetFormat = "entries"
)

// EntryOptions say how a completion problem is made from a file of
// entries. The zero value detects the index base, refuses duplicates,
// holds out DefaultValidation and DefaultHeldOut and does not center.
type EntryOptions struct {
	// Index is the base of a text file's indices (matfile.IndexDetect
	// by default); a .mtx is 1-based.
	Index matfile.Index
	// Duplicates is what a (row, col) listed twice in a text file does
	// (an error by default, or averaged); a .mtx refuses them.
	Duplicates matfile.Duplicates
	// Validation and Test are the fractions of units held out for
	// validation and test; 0 means DefaultValidation and DefaultHeldOut.
	// ValidationNone holds out no validation part.
	Validation, Test float64
	ValidationNone   bool
	// Center is the centering, or CenterAuto; "" means DefaultCenter.
	Center workloads.CenterKind
}

// CenterAuto, the default centering of a list of entries, centers by the
// global mean when the training values' mean exceeds their standard
// deviation in magnitude, and not otherwise. A mean that large is a mode
// of its own above the others, and the stable learning rate follows the
// top singular value: uncentered ratings (1..5, mean 3.5, standard
// deviation about 1.1; 200 x 300 with 8,000 of them) have a top singular
// value of 1362 against about 220 centered, and the compressed network
// learned little beyond the mean in 15,000 steps (held-out relative error
// 0.32 against AltMin's 0.23; centered, 0.23 against 0.21). A small mean
// is better left: subtracting it adds a mode as small as it, slow to
// learn (a noiseless rank-2 20 x 20 completion, mean 0.018 against a
// standard deviation of 0.15, recovered to 6e-5 uncentered, stalled at
// 0.12 centered).
const CenterAuto workloads.CenterKind = "auto"

// DefaultCenter is the centering of a list of entries when none is asked
// for.
const DefaultCenter = CenterAuto

// autoCenter returns the centering CenterAuto takes on the training
// values, and why.
func autoCenter(train *matfile.Entries) (workloads.CenterKind, string) {
	var sum, sq float64
	for _, v := range train.Value {
		sum += v
	}
	mean := sum / float64(train.Len())
	for _, v := range train.Value {
		sq += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(sq / float64(train.Len()))
	if math.Abs(mean) > sd {
		return workloads.CenterGlobal, fmt.Sprintf("auto: |mean| %.4g above the standard deviation %.4g", math.Abs(mean), sd)
	}
	return workloads.CenterNone, fmt.Sprintf("auto: |mean| %.4g not above the standard deviation %.4g", math.Abs(mean), sd)
}

// RankMargin is how close to the lowest validation RMSE a rank chosen on
// validation entries must come: the smallest rank within (1 + RankMargin)
// of it is taken, so that a rank whose extra factors only fit noise is
// not preferred for a difference at the third digit.
const RankMargin = 0.01

// MaxRankTried bounds the ranks ChooseRank tries.
const MaxRankTried = 30

// ReadEntries reads path as a list of entries: a coordinate Matrix Market
// file (matfile.ReadMTXEntries), else a row,col,value text file
// (matfile.ReadEntries with opt's base and duplicates). Errors name the
// file.
func ReadEntries(path string, opt EntryOptions) (*matfile.Entries, error) {
	if strings.EqualFold(filepath.Ext(path), ".mtx") {
		return matfile.ReadMTXEntries(path)
	}
	return matfile.ReadEntries(path, matfile.EntriesOptions{Index: opt.Index, Duplicates: opt.Duplicates})
}

// NewFromEntries returns the completion instance of the entries e read
// from a file: the units (entries, or for a symmetric file the lines,
// whose two mirrored entries stay together: matfile.SplitEntries) are
// drawn into test, validation and training parts from c.Seed; the values
// are centered by opt.Center, computed on the training part; the
// workload (workloads.EntriesMC) holds only the entries, whatever
// c.Storage says (the networks that form W, the original, form it
// themselves). It sets the shape of c from e (c.SetDims), p to the
// fraction trained on, spectrum to top (the generator's rules do not
// apply), and, when rGiven is false, the rank
// r chosen on the validation part (ChooseRank). It returns what came from
// the file in the instance's EntriesInfo.
//
// Rows and columns with no entry in the file, and those with held-out
// entries but none to train on, are kept: they take no part in the loss,
// and the network's prediction there is the centering's mean (0 without
// centering); their counts are reported. Errors (naming the file): the
// target smaller than 2 x 2, a split leaving a part empty, a rank or
// width that does not fit, a workload other than mc.
func NewFromEntries(c *config.Config, e *matfile.Entries, opt EntryOptions, rGiven bool) (*Instance, error) {
	source := e.Source
	if c.Workload != "mc" {
		return nil, config.Bad("workload", c.Workload, "%s is a list of entries: a completion problem (--workload mc)", source)
	}
	if err := checkTargetShape(e.M, e.N, source); err != nil {
		return nil, err
	}
	test, val := opt.Test, opt.Validation
	if test == 0 {
		test = DefaultHeldOut
	}
	if val == 0 && !opt.ValidationNone {
		val = DefaultValidation
	}
	if opt.ValidationNone {
		val = 0
	}
	sp, err := matfile.SplitEntries(e, e.Symmetric, matfile.Fractions{Validation: val, Test: test}, c.Seed)
	if err != nil {
		return nil, fmt.Errorf("%w (held out: --held-out %g for test, --validation %g)", err, test, val)
	}
	list := func(p *matfile.Entries) workloads.EntryList {
		return workloads.EntryList{Row: p.Row, Col: p.Col, Value: p.Value}
	}
	kind, why := opt.Center, ""
	if kind == "" {
		kind = DefaultCenter
	}
	if kind == CenterAuto {
		kind, why = autoCenter(sp.Train)
	}
	center, err := workloads.NewCentering(kind, e.M, e.N, list(sp.Train))
	if err != nil {
		return nil, config.Bad("center", opt.Center, "%v", err)
	}
	w, err := workloads.NewEntriesMC(e.M, e.N, list(sp.Train), list(sp.Validation), list(sp.Test), center, Rand(c.Seed, StreamEntriesSVD))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	info := entriesInfo(e, sp, center, val, test)
	info.CenterWhy = why
	if rGiven {
		if c.R < 1 {
			return nil, config.Bad("r", c.R, "the rank must be at least 1")
		}
		info.RankFrom = fmt.Sprintf("--r %d", c.R)
	} else {
		if sp.Validation.Len() == 0 {
			return nil, fmt.Errorf("%s: the rank of a target known only on its entries is chosen on validation entries; with none held out, give --r", source)
		}
		tr, va, _ := w.Lists()
		r, trials, err := ChooseRank(e.M, e.N, tr, va, c.Seed)
		if err != nil {
			return nil, fmt.Errorf("%s: choosing the rank on the validation entries: %w", source, err)
		}
		c.R = r
		info.RankTrials = trials
		info.RankFrom = fmt.Sprintf("chosen on the %d validation entries: the smallest AltMin rank whose validation RMSE is within %g%% of the lowest", sp.Validation.Len(), 100*RankMargin)
	}
	if err := fitUserConfig(c, e.M, e.N, source, "--r"); err != nil {
		return nil, err
	}
	c.SetDims(e.M, e.N)
	p := float64(sp.Train.Len()) / (float64(e.M) * float64(e.N))
	if given := c.Float("p"); given != 0 && int(math.Round(given*float64(e.M)*float64(e.N))) != sp.Train.Len() {
		return nil, config.Bad("p", given, "%s trains on %d of %d x %d entries (p = %.4g)", source, sp.Train.Len(), e.M, e.N, p)
	}
	c.Set("p", p)
	info.P = p
	in := &Instance{Work: w, Source: source, Entries: info}
	in.deriveShape(e.M, e.N, source)
	if !rGiven {
		in.Derive("r", c.R, info.RankFrom)
	}
	in.Derive("p", p, fmt.Sprintf("the %d training entries of the %d %s lists, of %d x %d", sp.Train.Len(), e.Len(), source, e.M, e.N))
	return in, nil
}

// entriesInfo is what NewFromEntries reports of e and its split.
func entriesInfo(e *matfile.Entries, sp *matfile.Split, center workloads.Centering, val, test float64) *results.EntriesInfo {
	info := &results.EntriesInfo{File: e.Source, Base: 0, BaseDetected: e.BaseDetected, Header: e.Header,
		Lines: e.Len(), Entries: e.Len(), Averaged: e.Averaged, Symmetric: e.Symmetric,
		Unit: "entry", Units: sp.Units, Train: sp.Train.Len(), Validation: sp.Validation.Len(), Test: sp.Test.Len(),
		ValidationFrac: val, TestFrac: test, Center: string(center.Kind)}
	if e.OneBased {
		info.Base = 1
	}
	switch strings.ToLower(filepath.Ext(e.Source)) {
	case ".mtx":
		info.Format, info.SizeFrom, info.Lines = "mtx coordinate general", "the file's size line", e.Lines
		if e.Symmetric {
			info.Format, info.Unit = "mtx coordinate symmetric", "line (a mirrored pair (i, j), (j, i))"
		}
	default:
		info.Format, info.SizeFrom = map[byte]string{',': "csv", '\t': "tsv", ';': "csv (;)", ' ': "text (spaces)"}[e.Delim], "the file's largest indices"
		info.Lines = e.Len() + e.Averaged
	}
	rows, cols := e.Counts()
	for _, n := range rows {
		if n == 0 {
			info.EmptyRows++
		}
	}
	for _, n := range cols {
		if n == 0 {
			info.EmptyCols++
		}
	}
	trRows, trCols := sp.Train.Counts()
	for i, n := range rows {
		if n > 0 && trRows[i] == 0 {
			info.ColdRows++
		}
	}
	for j, n := range cols {
		if n > 0 && trCols[j] == 0 {
			info.ColdCols++
		}
	}
	var sum float64
	for _, v := range sp.Train.Value {
		sum += v
	}
	info.Mean = sum / float64(sp.Train.Len())
	return info
}

// ChooseRank chooses the rank of a rows x cols matrix known on the
// entries train from the entries val: for k = 1, 2, ... it fits AltMin at
// rank k with the ridge chosen on val (altmin.Tune over
// altmin.DefaultLambdaGrid, seeded), until three ranks in a row bring no
// lower validation RMSE (or k reaches MaxRankTried or min(rows, cols) -
// 1), and returns the smallest k whose validation RMSE is within
// (1 + RankMargin) of the lowest, with every trial. The values should be
// centered as they will be trained. Cost: a few AltMin fits per rank,
// O(|train| k^2 + (rows + cols) k^3) per sweep.
func ChooseRank(rows, cols int, train, val workloads.EntryList, seed uint64) (int, []results.RankTrial, error) {
	tr := altmin.Entries{Row: train.Row, Col: train.Col, Value: train.Value}
	va := altmin.Entries{Row: val.Row, Col: val.Col, Value: val.Value}
	kmax := min(MaxRankTried, min(rows, cols)-1)
	var trials []results.RankTrial
	best, bestK := math.Inf(1), 0
	for k := 1; k <= kmax && k-bestK <= 3; k++ {
		cfg := altmin.DefaultConfig
		cfg.K, cfg.Seed = k, seed
		res, _, err := altmin.Tune(rows, cols, tr, va, cfg, nil)
		if err != nil {
			return 0, trials, fmt.Errorf("rank %d: %w", k, err)
		}
		v := res.History[res.Best-1].ValRMSE
		trials = append(trials, results.RankTrial{K: k, Lambda: res.LambdaRel, ValRMSE: v})
		if v < best {
			best, bestK = v, k
		}
	}
	for _, t := range trials {
		if t.ValRMSE <= (1+RankMargin)*best {
			return t.K, trials, nil
		}
	}
	return bestK, trials, nil
}
