// Package instance holds the problem a run trains every method on: the
// target, the workload's data (mask, sensing operator, ...) and the
// workload built on them. It builds an instance from a seed through the
// workload registry (workloads.Spec), saves and loads it as NumPy files
// (with every method's initial weights), and makes the instances of a
// user's own target (NewUser, NewHeldOut).
//
// Randomness: every random draw comes from its own PCG stream of the seed
// (target, each workload's data, each method: methods.Stream), so the
// instance does not depend on which methods run, and a seed gives
// bit-identical instances.
//
// Errors: a bad value is a *config.ConfigError naming the flag; a bad file
// an error naming the file.
package instance

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// PCG streams of the seed that are not a workload's or a method's own.
const (
	StreamTarget  = 1
	StreamHeldOut = 5 // the held-out entries of a partially known target
	StreamEtaSVD  = 6 // the target's top singular value (TargetTop) for EtaFrac
)

// Rand returns stream of seed.
func Rand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// Instance is the problem shared by all methods of a run.
type Instance struct {
	// Target is the dense target; nil for a sparse instance, whose target
	// is Factored.
	Target   *mat.Dense
	Factored *workloads.Factored
	Work     workloads.Workload
	// Inits holds initial weights read by Load, per method; a method
	// without an entry is initialised from the seed.
	Inits map[string][]*mat.Dense
	// Source says where the instance came from: "seed" or the folder.
	Source string
	// Derived are the values of the configuration its files fixed
	// (results.Derived: shape, rank, a mask's p, the learning rate from
	// the target's scale), in the order they were fixed; none for a drawn
	// instance.
	Derived []results.Derived
	// Precision is that of the dtype the target came in (a user's file:
	// float32 for a '<f4' .npy); the zero value means float64. The
	// target's rank is estimated at it (TargetRank).
	Precision workloads.Precision
	// TargetTop and StableEta are set when the learning rate was resolved
	// from a fraction of the stable one (experiment).
	TargetTop, StableEta float64
	// Entries describes a completion problem read from a list of entries
	// (NewFromEntries); nil otherwise.
	Entries *results.EntriesInfo

	// The target's SVD, computed once (TargetSVD).
	svals    []float64
	svu, svv *mat.Dense
	svdDone  bool
	// rank64 is the target's numerical rank at float64 precision
	// (TargetRankFloat64); 0 when unknown.
	rank64 int
}

// Spec returns the workload spec of c, or a *config.ConfigError.
func Spec(c config.Config) (workloads.Spec, error) {
	s, ok := workloads.Lookup(c.Workload)
	if !ok {
		return s, config.Bad("workload", c.Workload, "unknown workload")
	}
	return s, nil
}

// Build draws the instance of c (defaults applied, validated) from its
// seed. It is BuildLog with no log.
func Build(c config.Config) (*Instance, error) { return BuildLog(c, nil) }

// BuildLog is Build, saying on log (when not nil) how long the draw of a
// sparse instance took when it took a second or more, and passing log to
// a workload that reports the progress of its long phases (the randomized
// SVDs of workloads.SparseMC, SetLog). The instance is the same with or
// without a log.
func BuildLog(c config.Config, log io.Writer) (*Instance, error) {
	spec, err := Spec(c)
	if err != nil {
		return nil, err
	}
	rng := func(stream uint64) *rand.Rand { return Rand(c.Seed, stream) }
	if c.Sparse() && spec.NewSparse != nil {
		start := time.Now()
		w, phi, err := spec.NewSparse(c, rng)
		if err != nil {
			return nil, err
		}
		if el := time.Since(start); log != nil && el >= time.Second {
			rows, cols := w.Dims()
			phases := ""
			if b, ok := w.(interface{ Built() workloads.SparseBuild }); ok {
				t := b.Built()
				phases = fmt.Sprintf(" (factors %.1f s, sampling %.1f s, values %.1f s)", t.Factors.Seconds(), t.Sampling.Seconds(), t.Values.Seconds())
			}
			fmt.Fprintf(log, "instance: the target's factors, %d observed entries of %d x %d and the target's values on them in %.1f s%s\n",
				observed(w), rows, cols, el.Seconds(), phases)
		}
		if l, ok := w.(interface{ SetLog(io.Writer) }); ok {
			l.SetLog(log)
		}
		return &Instance{Factored: phi, Work: w, Source: "seed (sparse)"}, nil
	}
	target, err := workloads.Target(c, rng(StreamTarget))
	if err != nil {
		return nil, err
	}
	w, err := spec.New(c, target, rng)
	if err != nil {
		return nil, err
	}
	return &Instance{Target: target, Work: w, Source: "seed"}, nil
}

// TargetSVals returns the target's nonzero singular values (the first
// TargetRank of them), decreasing: from its factors for a sparse instance,
// from an SVD otherwise (nil when it fails, and for a partially known or a
// zero target).
func (in *Instance) TargetSVals() []float64 {
	s, _, _ := in.TargetSVD()
	return append([]float64(nil), s...)
}

// TargetSVD returns, computed once, the target's nonzero singular values
// (its numerical rank of them, workloads.Rank at the instance's
// Precision) and their singular vectors: from the factors of a sparse
// instance, from a thin SVD otherwise (none when it fails, the target is
// zero or not finite, or known only partially). They must not be
// modified.
func (in *Instance) TargetSVD() (s []float64, u, v *mat.Dense) {
	if in.svdDone {
		return in.svals, in.svu, in.svv
	}
	in.svdDone = true
	if in.Partial() {
		return nil, nil, nil // the zero-filled matrix's spectrum is not the target's
	}
	if in.Factored != nil {
		in.svals, in.svu, in.svv = in.Factored.S, in.Factored.U, in.Factored.V
		in.rank64 = len(in.svals)
		return in.svals, in.svu, in.svv
	}
	var svd mat.SVD
	if !svd.Factorize(in.Target, mat.SVDThin) {
		return nil, nil, nil
	}
	all := svd.Values(nil)
	rows, cols := in.Target.Dims()
	r, err := workloads.Rank(all, rows, cols, in.precision())
	if err != nil {
		return nil, nil, nil
	}
	in.rank64 = r
	if in.precision() != workloads.Float64 {
		if r64, err := workloads.Rank(all, rows, cols, workloads.Float64); err == nil {
			in.rank64 = r64
		}
	}
	var uu, vv mat.Dense
	svd.UTo(&uu)
	svd.VTo(&vv)
	in.svals = all[:r]
	in.svu = mat.DenseCopyOf(uu.Slice(0, rows, 0, r))
	in.svv = mat.DenseCopyOf(vv.Slice(0, cols, 0, r))
	return in.svals, in.svu, in.svv
}

// TargetRankFloat64 returns the target's numerical rank at float64
// precision (workloads.Rank with workloads.Float64 on its singular
// values), the precision lowdim computes in; it exceeds TargetRank when a
// target given in a lower precision (float32) is low-rank only to that
// precision. 0 when the rank is unknown (see TargetSVD).
func (in *Instance) TargetRankFloat64() int {
	in.TargetSVD()
	return in.rank64
}

// precision is in.Precision, float64 when unset.
func (in *Instance) precision() workloads.Precision {
	if in.Precision == (workloads.Precision{}) {
		return workloads.Float64
	}
	return in.Precision
}

// TargetRank returns the target's numerical rank: workloads.Rank of its
// singular values at the precision of its source (NumPy's matrix_rank:
// those above max(m, n) eps of the largest), the number of factors of a
// sparse instance. It is the rank every check's regime should use, never
// --r. It returns an error for a partially known target (whose zero-filled
// matrix has another rank), a zero or non-finite target, or a failed SVD.
// The SVD is computed once (TargetSVD).
func (in *Instance) TargetRank() (int, error) {
	if in.Partial() {
		return 0, errors.New("the target is known only on some entries: its rank cannot be read from it")
	}
	if in.Factored != nil {
		return len(in.Factored.S), nil
	}
	s, _, _ := in.TargetSVD()
	if len(s) == 0 {
		if err := CheckTarget(in.Target); err != nil {
			return 0, err
		}
		return 0, errors.New("the SVD of the target did not converge")
	}
	return len(s), nil
}

// Partial reports whether the target is known only on the observed and
// held-out entries.
func (in *Instance) Partial() bool {
	p, ok := in.Work.(workloads.Partial)
	return ok && p.HeldOutCount() > 0
}

// Info summarises the instance: its shape, the target's nonzero singular
// values (at most r of its numerical rank), the workload's data.
func (in *Instance) Info(r int) results.InstanceInfo {
	rows, cols := in.Work.Dims()
	info := results.InstanceInfo{Source: in.Source, Rows: rows, Cols: cols, WorkloadBytes: in.Work.Bytes(), Sparse: in.Factored != nil,
		TargetTop: in.TargetTop, StableEta: in.StableEta, Derived: in.Derived}
	if in.precision() != workloads.Float64 {
		info.Precision = in.precision().Name
		if r64 := in.TargetRankFloat64(); r64 > 0 {
			info.TargetRankFloat64 = &r64
		}
	}
	for i, v := range in.TargetSVals() {
		if i >= max(r, 1) {
			break
		}
		info.TargetSVals = append(info.TargetSVals, v)
	}
	if w, ok := in.Work.(interface{ Observed() int }); ok {
		info.Observed = w.Observed()
	}
	if p, ok := in.Work.(workloads.Partial); ok {
		info.HeldOut = p.HeldOutCount()
	}
	if w, ok := in.Work.(interface{ Measurements() int }); ok {
		info.Measurements = w.Measurements()
	}
	info.Entries = in.Entries
	for m := range in.Inits {
		info.LoadedInitsFrom = append(info.LoadedInitsFrom, m)
	}
	slices.Sort(info.LoadedInitsFrom)
	return info
}

// TargetFile is the file of the target.
const TargetFile = "target.npy"

// InitFile is the file of layer l (1-based, W1 applied first) of a method's
// initial weights.
func InitFile(method string, l int) string { return "init_" + method + "_W" + strconv.Itoa(l) + ".npy" }

// Save writes the instance to dir, which must exist: target.npy and the
// workload's own files (workloads.Spec.Files: mask.npy and heldout.npy for
// MC; A.npy of shape (k, m, n) and y.npy for MS, k measurements of an
// m x n target), each atomically. It first
// removes the instance files of an earlier save in dir (those names of
// every registered workload, and init_*.npy), so that a folder never mixes
// two instances; other files are left alone.
//
// Written straight into a folder that holds an instance, the save is not
// atomic as a whole: until SaveInit has written every method's weights the
// folder holds a partial instance. For a folder that holds the previous
// instance or the new one, never a part, save into a fresh staging folder
// (package outdir: Folder.Stage), where nothing is removed, and commit it
// once every SaveInit is done: lowdim run --save-instance does (and commits
// an interrupted run's instance only when every method's weights are
// there).
func (in *Instance) Save(dir string, c config.Config) error {
	spec, err := Spec(c)
	if err != nil {
		return err
	}
	if in.Target == nil && in.Factored == nil {
		return fmt.Errorf("the instance holds no target to save")
	}
	// dir must exist: it is never created here, so that a staging folder
	// an abort renamed away (outdir's Close, on the signal's goroutine)
	// is not made again under its old name and left behind.
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("the instance folder: %w", err)
	} else if !st.IsDir() {
		return fmt.Errorf("the instance folder %s is not a folder", dir)
	}
	stale, err := filepath.Glob(filepath.Join(dir, "init_*.npy"))
	if err != nil {
		return err
	}
	stale = append(stale, filepath.Join(dir, TargetFile))
	for _, s := range workloads.Specs() {
		for _, name := range s.Files {
			stale = append(stale, filepath.Join(dir, name))
		}
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing an earlier instance's file: %w", err)
		}
	}
	if in.Target != nil { // a sparse instance's spec saves its factored target
		if err := workloads.SaveMatrix(filepath.Join(dir, TargetFile), in.Target); err != nil {
			return err
		}
	}
	return spec.Save(in.Work, dir)
}

// SaveInit writes a method's initial layers as init_<method>_W<l>.npy.
func SaveInit(dir, method string, net *dln.Network) error {
	for l := 0; l < net.Layers(); l++ {
		if err := workloads.SaveMatrix(filepath.Join(dir, InitFile(method, l+1)), net.Layer(l)); err != nil {
			return err
		}
	}
	return nil
}

// Load reads an instance written by Save (or by NumPy) from dir. The
// target (m x n, square or not) must be at least 2 x 2, finite and
// nonzero, and c.R and c.RHat must fit its size (errors name the file, and
// the synthetic generator's rules do not apply to it, as in FromFiles); the
// shape of c is set from it (c.SetDims; a different nonzero --d, --rows or
// --cols is an error), and the workload's parameters the
// files fix (m of ms, p of mc; a different nonzero given value is an
// error). c.Workload must be the one the files make (FilesWorkload).
// Files the workload needs must exist. c is then validated (Validate)
// with the files' sizes, before any initial weights are read. Initial
// weights of the methods in c.Methods
// are read where init_<method>_W1.npy exists; their count and shapes must
// match the method. Every error names the file.
func Load(dir string, c *config.Config) (*Instance, error) {
	spec, err := Spec(*c)
	if err != nil {
		return nil, err
	}
	tpath := filepath.Join(dir, TargetFile)
	if err := sparseExport(dir); err != nil {
		return nil, err
	}
	ta, err := npy.ReadFile(tpath)
	if err != nil {
		return nil, err
	}
	if len(ta.Shape) != 2 {
		return nil, fmt.Errorf("%s: shape %s, want a matrix (m, n)", tpath, workloads.Tuple(ta.Shape))
	}
	rows, cols := ta.Shape[0], ta.Shape[1]
	if err := givenShape(*c, rows, cols, tpath); err != nil {
		return nil, err
	}
	target, err := npy.ReadMatrixFile(tpath, rows, cols)
	if err != nil {
		return nil, err
	}
	if err := checkTargetValues(target, tpath); err != nil {
		return nil, err
	}
	if err := checkWorkload(dir, c.Workload); err != nil {
		return nil, err
	}
	prec := workloads.PrecisionOf(ta.Dtype)
	var rankFrom string
	if c.R == 0 { // not given: the file's (config.Resolve clears the preset's)
		if c.R, rankFrom, err = fileRank(target, prec, tpath); err != nil {
			return nil, err
		}
	}
	rhat0 := c.RHat
	if err := fitUserConfig(c, rows, cols, tpath, "--r"); err != nil {
		return nil, err
	}
	c.SetDims(rows, cols)
	given := maps.Clone(c.Params)
	w, err := spec.Load(c, target, dir)
	if err != nil {
		return nil, err
	}
	// Every rule that depends on the sizes is checked against the files'
	// (d, m, p), never against a placeholder.
	if err := c.WithDefaults().Validate(); err != nil {
		return nil, err
	}
	in := &Instance{Target: target, Work: w, Source: dir, Inits: map[string][]*mat.Dense{}, Precision: prec}
	in.deriveShape(rows, cols, tpath)
	if rankFrom != "" {
		in.Derive("r", c.R, rankFrom)
	}
	if rhat0 == 0 && c.RHat != 0 {
		in.Derive("r-hat", c.RHat, fmt.Sprintf("the default 2r = %d capped at min(m, n) = %d of %s", 2*c.R, c.RHat, tpath))
	}
	in.deriveParams(*c, given, "the instance files in "+dir)
	// The chain of each method is the one the run builds: r_hat and the
	// depth as given or by default (2r, 3); a zero width would accept any
	// file's size.
	full := c.WithDefaults()
	for _, m := range c.Methods {
		if _, ok := methods.Lookup(m); !ok {
			continue // Validate names it
		}
		ws, err := loadInit(dir, m, methods.Shapes(m, full, rows, cols))
		if err != nil {
			return nil, err
		}
		if ws != nil {
			in.Inits[m] = ws
		}
	}
	return in, nil
}

// givenShape refuses a shape given for a loaded instance (--d, --rows,
// --cols, from a flag or a config file; Resolve clears the preset's) that
// the target file at path, rows x cols, contradicts, naming the file.
func givenShape(c config.Config, rows, cols int, path string) error {
	gr, gc := c.Dims() // a side not given is d (0 when d is not given either)
	switch {
	case c.Rows != 0 && c.Rows != rows:
		return config.Bad("rows", c.Rows, "%s holds a %d x %d target", path, rows, cols)
	case c.Cols != 0 && c.Cols != cols:
		return config.Bad("cols", c.Cols, "%s holds a %d x %d target", path, rows, cols)
	case c.D != 0 && (gr != rows || gc != cols):
		return config.Bad("d", c.D, "%s holds a %d x %d target", path, rows, cols)
	}
	return nil
}

// FilesWorkload returns the workload an instance folder's files make: the
// registered workload one of whose Files (workloads.Spec.Files) is in dir
// (A.npy and y.npy: ms; mask.npy: mc), or, when none is, the one workload
// without files (mf, the target alone). It returns an error naming the
// files when dir has no target.npy or files of two workloads.
func FilesWorkload(dir string) (string, error) {
	if err := sparseExport(dir); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, TargetFile)); err != nil {
		return "", err
	}
	var found, bare []string
	var names []string
	for _, s := range workloads.Specs() {
		if len(s.Files) == 0 {
			bare = append(bare, s.Name)
		}
		var have []string
		for _, f := range s.Files {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				have = append(have, f)
			}
		}
		if len(have) > 0 {
			found = append(found, s.Name)
			names = append(names, have...)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return "", fmt.Errorf("%s holds %v: files of the workloads %v; an instance is of one", dir, names, found)
	case len(bare) == 1:
		return bare[0], nil
	}
	return "", fmt.Errorf("%s holds only %s: no registered workload is made of a target alone", dir, TargetFile)
}

// checkWorkload refuses a workload the files of dir do not make, naming
// the files.
func checkWorkload(dir, workload string) error {
	got, err := FilesWorkload(dir)
	if err != nil {
		return err
	}
	if got == workload {
		return nil
	}
	spec, _ := workloads.Lookup(got)
	files := []string{TargetFile}
	for _, f := range spec.Files {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			files = append(files, f)
		}
	}
	want := ""
	if ws, ok := workloads.Lookup(workload); ok && len(ws.Files) > 0 {
		var paths []string
		for _, f := range ws.Files {
			paths = append(paths, filepath.Join(dir, f))
		}
		want = fmt.Sprintf(", not %s (whose files are %v)", workload, paths)
	}
	return config.Bad("workload", workload, "%s holds %v: a %s (%s) instance%s", dir, files, spec.Title, got, want)
}

func loadInit(dir, method string, shapes []dln.Shape) ([]*mat.Dense, error) {
	first := filepath.Join(dir, InitFile(method, 1))
	if _, err := os.Stat(first); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	ws := make([]*mat.Dense, len(shapes))
	for l, s := range shapes {
		p := filepath.Join(dir, InitFile(method, l+1))
		w, err := npy.ReadMatrixFile(p, s.Rows, s.Cols)
		if err != nil {
			return nil, fmt.Errorf("initial weights of %s (depth %d): %w", method, len(shapes), err)
		}
		ws[l] = w
	}
	extra := filepath.Join(dir, InitFile(method, len(shapes)+1))
	if _, err := os.Stat(extra); err == nil {
		return nil, fmt.Errorf("%s exists but %s has depth %d: the instance's initial weights are of another depth", extra, method, len(shapes))
	}
	return ws, nil
}

// NewUser makes an instance of the user's m x n target (and, for a
// workload that needs one, mask), setting the shape of c from it
// (c.SetDims); the target must be at least 2 x 2, finite and nonzero; c.R
// must be below min(m, n), and c.Spectrum and c.RHat are fitted to a
// target that was not generated (see FromFiles). source names the file in
// run.json and in errors.
func NewUser(c *config.Config, target, mask *mat.Dense, source string) (*Instance, error) {
	return bindUser(c, target, mask, nil, source)
}

// bindUser checks the target of a user's instance (at least 2 x 2, finite,
// nonzero), fits c to it (fitUserConfig), sets the shape of c from it and
// makes its workload; errors name source.
func bindUser(c *config.Config, target, mask, held *mat.Dense, source string) (*Instance, error) {
	spec, err := Spec(*c)
	if err != nil {
		return nil, err
	}
	if spec.User == nil {
		return nil, fmt.Errorf("--target with --workload %s is not supported: a %s problem needs more than its target (use lowdim run --load-instance)", c.Workload, spec.Title)
	}
	if err := checkTargetValues(target, source); err != nil {
		return nil, err
	}
	rows, cols := target.Dims()
	rhat0 := c.RHat
	if err := fitUserConfig(c, rows, cols, source, "--r"); err != nil {
		return nil, err
	}
	c.SetDims(rows, cols)
	given := maps.Clone(c.Params)
	w, err := spec.User(c, target, mask, held)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	in := &Instance{Target: target, Work: w, Source: source}
	in.deriveShape(rows, cols, source)
	in.deriveParams(*c, given, source)
	if rhat0 == 0 && c.RHat != 0 {
		in.Derive("r-hat", c.RHat, fmt.Sprintf("the default 2r = %d capped at min(m, n) = %d of %s", 2*c.R, c.RHat, source))
	}
	return in, nil
}

// DefaultHeldOut is the fraction of a partially known target's entries
// NewHeldOut holds out by default (lowdim verify --held-out).
const DefaultHeldOut = 0.1

// NewHeldOut returns the MC instance of a target known only where known is
// 1 (elsewhere target holds zeros or anything): it holds out
// round(frac |known|) of those entries, drawn from c.Seed, to measure the
// recovery error on, and trains on the rest. c.R must be set (the rank of
// a partially known target cannot be read from it); the shape of c is set
// from the target, which may be rectangular. Errors name source.
func NewHeldOut(c *config.Config, target, known *mat.Dense, frac float64, source string) (*Instance, error) {
	r, cols := target.Dims()
	if kr, kc := known.Dims(); kr != r || kc != cols {
		return nil, fmt.Errorf("%s: %d x %d known entries for a %d x %d target", source, kr, kc, r, cols)
	}
	if c.Workload != "mc" {
		return nil, config.Bad("workload", c.Workload, "a target known only on some entries is a completion problem (mc)")
	}
	if !(frac > 0 && frac < 1) {
		return nil, config.Bad("held-out", frac, "the held-out fraction must be in (0, 1)")
	}
	if c.R < 1 {
		return nil, config.Bad("r", c.R, "a target known only on some entries needs its rank given")
	}
	var idx []int
	for i := 0; i < r; i++ {
		for j := 0; j < cols; j++ {
			if known.At(i, j) != 0 {
				idx = append(idx, i*cols+j)
			}
		}
	}
	n, err := heldOutCount(frac, len(idx), source)
	if err != nil {
		return nil, err
	}
	rng := Rand(c.Seed, StreamHeldOut)
	for i := 0; i < n; i++ { // partial Fisher-Yates: idx[:n] is a uniform draw
		j := i + rng.IntN(len(idx)-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	mask := mat.NewDense(r, cols, nil)
	held := mat.NewDense(r, cols, nil)
	for k, i := range idx {
		dst := mask
		if k < n {
			dst = held
		}
		dst.RawMatrix().Data[i] = 1
	}
	return bindUser(c, target, mask, held, source)
}

// heldOutCount returns how many of known entries NewHeldOut holds out,
// round(frac known), or an error naming source when either side would be
// empty.
func heldOutCount(frac float64, known int, source string) (int, error) {
	n := int(math.Round(frac * float64(known)))
	if n < 1 || n >= known {
		return 0, fmt.Errorf("%s: holding out %g of %d known entries leaves %d to hold out and %d to train on; both need at least one",
			source, frac, known, n, known-n)
	}
	return n, nil
}

// NumericalRank returns the numerical rank of m taken as float64 data
// (workloads.MatrixRank at workloads.Float64: NumPy's matrix_rank); an
// error when m is zero or not finite or the SVD fails. A user's file
// knows its own precision: see FromFiles and Instance.TargetRank.
func NumericalRank(m *mat.Dense) (int, error) {
	info, err := workloads.MatrixRank(m, workloads.Float64)
	return info.Rank, err
}

// CountAbove returns how many of the decreasing values s exceed rel times
// the first (0 for an empty or zero s). It is a fixed relative threshold
// for quantities that are not the target (an update's rank); the target's
// rank is workloads.Rank (TargetRank).
func CountAbove(s []float64, rel float64) int {
	n := 0
	for _, v := range s {
		if v > rel*s[0] {
			n++
		}
	}
	return n
}

// observed is the number of observed entries of w (0 when it does not
// say).
func observed(w workloads.Workload) int {
	if o, ok := w.(interface{ Observed() int }); ok {
		return o.Observed()
	}
	return 0
}

// sparseExport returns an error naming the form when dir holds a sparse mc
// instance's files (workloads.SparseFiles) and no target.npy: Save writes
// that form, which Load does not read. A folder holding target.npy and
// any of those files mixes a dense instance with a sparse export's files:
// an error names both, so that no stray file is silently ignored.
func sparseExport(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, TargetFile)); !errors.Is(err, os.ErrNotExist) {
		var stray []string
		for _, f := range workloads.SparseFiles {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				stray = append(stray, f)
			}
		}
		if len(stray) > 0 {
			return fmt.Errorf("%s holds a dense instance's %s and a sparse export's %s: an instance folder holds one form; remove the files of the other", dir, TargetFile, strings.Join(stray, ", "))
		}
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, workloads.TargetUFile)); err != nil {
		return nil
	}
	return fmt.Errorf("%s holds a sparse mc instance (%s, no %s): --load-instance reads dense instances only; scripts/side-by-side.py reads this form", dir, strings.Join(workloads.SparseFiles, ", "), TargetFile)
}
