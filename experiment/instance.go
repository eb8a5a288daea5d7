package experiment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/theory"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// PCG streams of the seed; one per independent draw. A method draws from
// stream MethodStream(name).
const (
	streamTarget   = 1
	streamMask     = 2
	streamOperator = 3
	streamSurrSVD  = 4 // randomized SVD of a sparse instance's surrogate
	streamHeldOut  = 5 // the held-out entries of a partially known target
	streamEtaSVD   = 6 // the target's top singular value (TargetTop) for EtaFrac
)

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// Instance is the problem shared by all methods of a run.
type Instance struct {
	// Target is the dense target; nil for a sparse instance, whose target
	// is Factored.
	Target   *mat.Dense
	Factored *workloads.Factored
	Mask     *mat.Dense // MC only: 0/1
	// HeldOut (MC only, 0/1, disjoint from Mask) is set when the target is
	// known only on Mask and HeldOut (NewHeldOutInstance): the recovery
	// error is measured on HeldOut, and the target's spectrum is unknown.
	HeldOut *mat.Dense
	Op      *mat.Dense // MS only: m x d^2, row i is A_i flattened row-major
	Y       []float64  // MS only
	Work    workloads.Workload
	// Inits holds initial weights read by LoadInstance, per method; a
	// method without an entry is initialised from the seed.
	Inits map[string][]*mat.Dense
	// Source says where the instance came from: "seed" or the folder.
	Source string

	// The target's SVD, computed once (targetSVD) for all the checkers of
	// a run: nonzero singular values and their vectors.
	svals    []float64
	svu, svv *mat.Dense
	svdDone  bool

	// Set by resolveEta.
	targetTop, stableEta float64
}

// InstanceInfo describes an instance in run.json (see results).
type InstanceInfo = results.InstanceInfo

// TargetSVals returns the target's nonzero singular values (above 1e-12 of
// the largest), decreasing: from its factors for a sparse instance, from an
// SVD otherwise (nil when it fails, and for a partially known target).
func (in *Instance) TargetSVals() []float64 {
	in.targetSVD()
	return append([]float64(nil), in.svals...)
}

// targetSVD computes, once, the target's nonzero singular values (above
// 1e-12 of the largest) and their singular vectors: from the factors of a
// sparse instance, from a thin SVD otherwise (none when it fails).
func (in *Instance) targetSVD() {
	if in.svdDone {
		return
	}
	in.svdDone = true
	if in.Partial() {
		return // the zero-filled matrix's spectrum is not the target's
	}
	if in.Factored != nil {
		in.svals, in.svu, in.svv = in.Factored.S, in.Factored.U, in.Factored.V
		return
	}
	var svd mat.SVD
	if !svd.Factorize(in.Target, mat.SVDThin) {
		return
	}
	s := svd.Values(nil)
	if len(s) == 0 {
		return
	}
	r := countAbove(s, 1e-12)
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	rows, cols := in.Target.Dims()
	in.svals = s[:r]
	in.svu = mat.DenseCopyOf(u.Slice(0, rows, 0, r))
	in.svv = mat.DenseCopyOf(v.Slice(0, cols, 0, r))
}

// resolveEta sets c.Eta to c.EtaFrac times the instance's stable learning
// rate (see Config.EtaFrac; compressed says whether the compressed network,
// whose outer layers step at alpha eta, is trained) when c.EtaFrac is
// positive, and records the estimated top singular value of the target and
// the limit in the instance.
func resolveEta(c *Config, in *Instance, compressed bool) error {
	if c.EtaFrac == 0 {
		return nil
	}
	sc, ok := in.Work.(workloads.Scaler)
	if !ok {
		return fmt.Errorf("--eta-frac: the %s workload does not report its curvature", in.Work.Name())
	}
	s1, err := workloads.TargetTop(in.Work, newRand(c.Seed, streamEtaSVD))
	if err != nil {
		return fmt.Errorf("--eta-frac: %w", err)
	}
	if !(s1 > 0) || math.IsInf(s1, 0) {
		return fmt.Errorf("--eta-frac: the target's estimated top singular value is %v; the stable learning rate needs a positive one", s1)
	}
	alpha := 1.0
	if compressed {
		alpha = max(alpha, c.Alpha)
	}
	in.targetTop = s1
	in.stableEta = theory.StableEta(s1, c.Depth, sc.Scale(), alpha)
	c.Eta = c.EtaFrac * in.stableEta
	return nil
}

// Partial reports whether the target is known only on the observed and
// held-out entries.
func (in *Instance) Partial() bool { return in.HeldOut != nil }

// Info summarises the instance: its shape, the target's nonzero singular
// values (at most rank r, above 1e-12 of the largest), the workload's data.
func (in *Instance) Info(r int) InstanceInfo {
	rows, cols := in.Work.Dims()
	info := InstanceInfo{Source: in.Source, Rows: rows, Cols: cols, WorkloadBytes: in.Work.Bytes(), Sparse: in.Factored != nil,
		TargetTop: in.targetTop, StableEta: in.stableEta}
	for i, v := range in.TargetSVals() {
		if i >= max(r, 1) {
			break
		}
		info.TargetSVals = append(info.TargetSVals, v)
	}
	if mc, ok := in.Work.(interface{ Observed() int }); ok {
		info.Observed = mc.Observed()
	}
	if mc, ok := in.Work.(*workloads.MC); ok {
		_, info.HeldOut = mc.HeldOut()
	}
	if in.Op != nil {
		info.Measurements, _ = in.Op.Dims()
	}
	for m := range in.Inits {
		info.LoadedInitsFrom = append(info.LoadedInitsFrom, m)
	}
	slices.Sort(info.LoadedInitsFrom)
	return info
}

// Preflight checks that the workload's data and every method's network and
// workspace fit in the available memory, before anything is allocated. Its
// error is a *ConfigError naming the flag that sets the size and what the
// run would need.
func Preflight(c Config) error {
	d := c.D
	if c.Sparse() {
		o := uint64(c.P * float64(d) * float64(d))
		// CSR pattern and values, the sampling bitset, the factors.
		data := 12*o + uint64(8*(d+1)) + uint64(d)*uint64(d)/8 + uint64(2*8*d*c.R)
		if err := machine.CheckFits(data, fmt.Sprintf("the observed entries of --p %g of a --d %d target", c.P, d)); err != nil {
			return &ConfigError{Flag: "p", Value: c.P, Why: err.Error()}
		}
		return preflightNetworks(c, data)
	}
	data := uint64(8 * d * d) // target
	switch c.Workload {
	case "mc":
		data += 2 * uint64(8*d*d) // mask and surrogate
	case "ms":
		op := workloads.SensingBytes(c.M, d, d)
		if err := machine.CheckFits(op, fmt.Sprintf("the sensing operator of --m %d measurements of a --d %d target (m*d^2 doubles)", c.M, d)); err != nil {
			return &ConfigError{Flag: "m", Value: c.M, Why: err.Error()}
		}
		data += op + uint64(8*d*d)
	}
	return preflightNetworks(c, data)
}

// preflightNetworks checks the networks of c, each alone and together with
// data bytes of workload data.
func preflightNetworks(c Config, data uint64) error {
	d := c.D
	total := data
	for _, m := range c.Methods {
		shapes := Shapes(m, c, d, d)
		params, _ := dln.Footprint(shapes)
		need := uint64(8*params) + uint64(StepWorkspace(c, shapes, true))
		if err := machine.CheckFits(need, fmt.Sprintf("the %s network at --d %d (parameters and workspace)", m, d)); err != nil {
			return &ConfigError{Flag: "d", Value: d, Why: err.Error()}
		}
		total += need
	}
	if err := machine.CheckFits(total, fmt.Sprintf("the whole run (%d methods and the %s data)", len(c.Methods), c.Workload)); err != nil {
		return &ConfigError{Flag: "d", Value: d, Why: err.Error()}
	}
	return nil
}

// StepWorkspace is the workspace in bytes of a network of the given shapes
// trained under c, besides its parameters: the network's (without the
// end-to-end matrix on the steps that never form it, dln.InnerFootprint)
// and the objective's. The dense step holds the end-to-end gradient; the
// sampled one the panel-ordered observed entries, each share's interleaved
// buffer and, on a dense instance, the W it forms at checkpoints
// (trainer.SampledWorkspaceBytes); the factored one the products with Phi
// and, with measured (once a checkpoint has run), the W formed there
// (trainer.FactoredMFWorkspaceBytes).
func StepWorkspace(c Config, shapes []dln.Shape, measured bool) int64 {
	d := int64(c.D)
	h := shapes[len(shapes)-1].Cols
	switch pathOf(c, shapes) {
	case PathFactored:
		_, ws := dln.InnerFootprint(shapes)
		return ws + trainer.FactoredMFWorkspaceBytes(c.D, c.D, h, measured)
	case PathSampled:
		_, ws := dln.InnerFootprint(shapes)
		o := int(c.P * float64(c.D) * float64(c.D))
		return ws + trainer.SampledWorkspaceBytes(c.D, c.D, o, h, !c.Sparse())
	}
	_, ws := dln.Footprint(shapes)
	return ws + 8*d*d
}

// pathOf returns the step algorithm a network of the given shapes trains
// with under c: sampled (MC) or factored (MF) for Path sampled or factored,
// and for auto when the network has at least two layers and its last layer
// is narrower than its output (the compressed, narrow, bm and lop networks,
// not the original); sampled always on a sparse MC instance; dense
// otherwise.
func pathOf(c Config, shapes []dln.Shape) string {
	if len(shapes) < 2 {
		return PathDense
	}
	last := shapes[len(shapes)-1]
	factorsOnly := c.Path == PathSampled || c.Path == PathFactored || (c.Path == PathAuto && last.Cols < last.Rows)
	switch {
	case c.Workload == "mc" && (factorsOnly || c.Sparse()):
		return PathSampled
	case c.Workload == "mf" && factorsOnly:
		return PathFactored
	}
	return PathDense
}

// BuildInstance draws the instance of c (defaults applied, validated) from
// its seed.
func BuildInstance(c Config) (*Instance, error) {
	if c.Sparse() {
		return buildSparse(c)
	}
	rng := newRand(c.Seed, streamTarget)
	var target *mat.Dense
	var err error
	switch c.Spectrum {
	case "spread":
		target, err = workloads.Spread(c.D, c.R, rng)
	case "top":
		target, err = workloads.Top(c.D, c.R, rng)
	case "geometric":
		target, err = workloads.WithValues(c.D, workloads.Geometric(10, c.Ratio, c.R), rng)
	default:
		err = bad("spectrum", c.Spectrum, "unknown target spectrum")
	}
	if err != nil {
		return nil, err
	}
	in := &Instance{Target: target, Source: "seed"}
	switch c.Workload {
	case "mc":
		if in.Mask, err = workloads.SampleMask(c.D, c.D, c.P, newRand(c.Seed, streamMask)); err != nil {
			return nil, bad("p", c.P, "%v", err)
		}
	case "ms":
		if in.Op, in.Y, err = workloads.SampleSensing(target, c.M, c.Noise, newRand(c.Seed, streamOperator)); err != nil {
			return nil, err
		}
	}
	return in, in.bind(c)
}

// buildSparse draws a sparse MC instance: Haar frames for the target's
// factors with the spectrum's limiting values (workloads.QuarterCircle for
// spread), and exactly floor(p d^2) observed entries (workloads.
// SampleObserved); its random draws differ from a dense instance's.
func buildSparse(c Config) (*Instance, error) {
	var s []float64
	switch c.Spectrum {
	case "spread":
		s = workloads.QuarterCircle(c.D, c.R)
	case "top":
		// The r largest of d values: quantiles k/d of the law (QuarterCircle
		// of d/2 values spaces them by 1/d).
		s = workloads.QuarterCircle(c.D, c.D/2)[:c.R]
	case "geometric":
		s = workloads.Geometric(10, c.Ratio, c.R)
	default:
		return nil, bad("spectrum", c.Spectrum, "unknown target spectrum")
	}
	phi, err := workloads.NewFactored(c.D, s, newRand(c.Seed, streamTarget))
	if err != nil {
		return nil, err
	}
	rowPtr, cols, err := workloads.SampleObserved(c.D, c.D, c.P, newRand(c.Seed, streamMask))
	if err != nil {
		return nil, bad("p", c.P, "%v", err)
	}
	w, err := workloads.NewSparseMC(phi, rowPtr, cols, newRand(c.Seed, streamSurrSVD))
	if err != nil {
		return nil, err
	}
	return &Instance{Factored: phi, Work: w, Source: "seed (sparse)"}, nil
}

// bind makes the workload of the instance's data.
func (in *Instance) bind(c Config) error {
	var err error
	switch c.Workload {
	case "mf":
		in.Work, err = workloads.NewMF(in.Target, workloads.Reduction(c.Loss))
	case "mc":
		if in.HeldOut != nil {
			in.Work, err = workloads.NewMCHeldOut(in.Target, in.Mask, in.HeldOut)
		} else {
			in.Work, err = workloads.NewMC(in.Target, in.Mask)
		}
	case "ms":
		in.Work, err = workloads.NewMS(in.Target, in.Op, in.Y)
	default:
		err = bad("workload", c.Workload, "unknown workload")
	}
	return err
}

// Instance file names.
const (
	TargetFile = "target.npy"
	MaskFile   = "mask.npy"
	HeldFile   = "heldout.npy"
	OpFile     = "A.npy"
	YFile      = "y.npy"
)

// InitFile is the file of layer l (1-based, W1 applied first) of a method's
// initial weights.
func InitFile(method string, l int) string { return "init_" + method + "_W" + strconv.Itoa(l) + ".npy" }

// Save writes the instance's data to dir (created if needed):
// target.npy, mask.npy (MC), heldout.npy (MC, partially known target), A.npy of shape (m, d, d) and y.npy (MS), each
// atomically. It first removes the instance files of an earlier save in dir
// (the names above and init_*.npy), so that a folder never mixes two
// instances; other files are left alone.
func (in *Instance) Save(dir string) error {
	if in.Factored != nil {
		return fmt.Errorf("a sparse instance (no d x d target) cannot be saved as .npy files; use --storage dense")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stale, err := filepath.Glob(filepath.Join(dir, "init_*.npy"))
	if err != nil {
		return err
	}
	for _, name := range []string{TargetFile, MaskFile, HeldFile, OpFile, YFile} {
		stale = append(stale, filepath.Join(dir, name))
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing an earlier instance's file: %w", err)
		}
	}
	if err := writeMatrix(filepath.Join(dir, TargetFile), in.Target); err != nil {
		return err
	}
	if in.Mask != nil {
		if err := writeMatrix(filepath.Join(dir, MaskFile), in.Mask); err != nil {
			return err
		}
	}
	if in.HeldOut != nil {
		if err := writeMatrix(filepath.Join(dir, HeldFile), in.HeldOut); err != nil {
			return err
		}
	}
	if in.Op != nil {
		m, _ := in.Op.Dims()
		r, c := in.Target.Dims()
		if err := npy.WriteFile(filepath.Join(dir, OpFile), []int{m, r, c}, in.Op.RawMatrix().Data); err != nil {
			return err
		}
		if err := npy.WriteFile(filepath.Join(dir, YFile), []int{len(in.Y)}, in.Y); err != nil {
			return err
		}
	}
	return nil
}

// SaveInit writes a method's initial layers as init_<method>_W<l>.npy.
func SaveInit(dir, method string, net *dln.Network) error {
	for l := 0; l < net.Layers(); l++ {
		if err := writeMatrix(filepath.Join(dir, InitFile(method, l+1)), net.Layer(l)); err != nil {
			return err
		}
	}
	return nil
}

func writeMatrix(path string, m *mat.Dense) error {
	r, c := m.Dims()
	return npy.WriteFile(path, []int{r, c}, mat.DenseCopyOf(m).RawMatrix().Data)
}

// LoadInstance reads an instance written by Save (or by NumPy) from dir.
// The target must be square; c.D is set from it (a different nonzero c.D is
// an error). Files the workload needs must exist. Initial weights of the
// methods in c.Methods are read where init_<method>_W1.npy exists; their
// count and shapes must match the method. Every error names the file.
func LoadInstance(dir string, c *Config) (*Instance, error) {
	path := func(name string) string { return filepath.Join(dir, name) }
	ta, err := npy.ReadFile(path(TargetFile))
	if err != nil {
		return nil, err
	}
	if len(ta.Shape) != 2 || ta.Shape[0] != ta.Shape[1] {
		return nil, fmt.Errorf("%s: shape %s, want a square (d, d) matrix", path(TargetFile), tuple(ta.Shape))
	}
	d := ta.Shape[0]
	if c.D != 0 && c.D != d {
		return nil, bad("d", c.D, "%s holds a %d x %d target", path(TargetFile), d, d)
	}
	c.D = d
	target, err := npy.ReadMatrixFile(path(TargetFile), d, d)
	if err != nil {
		return nil, err
	}
	in := &Instance{Target: target, Source: dir}
	switch c.Workload {
	case "mc":
		if in.Mask, err = npy.ReadMatrixFile(path(MaskFile), d, d); err != nil {
			return nil, err
		}
		if _, err := os.Stat(path(HeldFile)); err == nil {
			if in.HeldOut, err = npy.ReadMatrixFile(path(HeldFile), d, d); err != nil {
				return nil, err
			}
		}
	case "ms":
		a, err := npy.ReadArrayFile(path(OpFile), -1, d, d)
		if err != nil {
			return nil, err
		}
		m := a.Shape[0]
		if m < 1 {
			return nil, fmt.Errorf("%s: shape %s has no measurement", path(OpFile), tuple(a.Shape))
		}
		if c.M != 0 && c.M != m {
			return nil, bad("m", c.M, "%s holds %d measurements", path(OpFile), m)
		}
		in.Op = mat.NewDense(m, d*d, a.Data)
		ya, err := npy.ReadArrayFile(path(YFile), m)
		if err != nil {
			return nil, err
		}
		in.Y = ya.Data
		c.M = m
	}
	if err := in.bind(*c); err != nil {
		if c.Workload == "mc" {
			files := path(MaskFile)
			if in.HeldOut != nil {
				files += ", " + path(HeldFile)
			}
			return nil, fmt.Errorf("%s: %w", files, err)
		}
		return nil, err
	}
	in.Inits = map[string][]*mat.Dense{}
	for _, m := range c.Methods {
		ws, err := loadInit(dir, m, Shapes(m, *c, d, d))
		if err != nil {
			return nil, err
		}
		if ws != nil {
			in.Inits[m] = ws
		}
	}
	return in, nil
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

// tuple formats a shape like NumPy: (3,), (3, 4).
func tuple(shape []int) string {
	parts := make([]string, len(shape))
	for i, n := range shape {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// NewInstance makes an instance of the user's target (and, for MC, mask),
// setting c.D from the target, which must be square. source names the file
// in run.json and in errors.
func NewInstance(c *Config, target, mask *mat.Dense, source string) (*Instance, error) {
	r, cols := target.Dims()
	if r != cols {
		return nil, fmt.Errorf("%s: a %d x %d target; lowdim needs a square one", source, r, cols)
	}
	return bindUser(c, &Instance{Target: target, Mask: mask, Source: source})
}

// bindUser sets c.D from the square target of a user's instance and makes
// its workload; errors name in.Source.
func bindUser(c *Config, in *Instance) (*Instance, error) {
	c.D, _ = in.Target.Dims()
	if err := in.bind(*c); err != nil {
		return nil, fmt.Errorf("%s: %w", in.Source, err)
	}
	return in, nil
}

// DefaultHeldOut is the fraction of a partially known target's entries
// NewHeldOutInstance holds out by default (lowdim verify --held-out).
const DefaultHeldOut = 0.1

// NewHeldOutInstance returns the MC instance of a target known only where
// known is 1 (elsewhere target holds zeros or anything): it holds out
// round(frac |known|) of those entries, drawn from c.Seed, to measure the
// recovery error on, and trains on the rest. c.R must be set (the rank of
// a partially known target cannot be read from it); c.D is set from the
// target. Errors name source.
func NewHeldOutInstance(c *Config, target, known *mat.Dense, frac float64, source string) (*Instance, error) {
	r, cols := target.Dims()
	if r != cols {
		return nil, fmt.Errorf("%s: a %d x %d target; lowdim needs a square one", source, r, cols)
	}
	if kr, kc := known.Dims(); kr != r || kc != cols {
		return nil, fmt.Errorf("%s: %d x %d known entries for a %d x %d target", source, kr, kc, r, cols)
	}
	if c.Workload != "mc" {
		return nil, bad("workload", c.Workload, "a target known only on some entries is a completion problem (mc)")
	}
	if !(frac > 0 && frac < 1) {
		return nil, bad("held-out", frac, "the held-out fraction must be in (0, 1)")
	}
	if c.R < 1 {
		return nil, bad("r", c.R, "a target known only on some entries needs its rank given")
	}
	var idx []int
	data := mat.DenseCopyOf(known).RawMatrix().Data
	for i, v := range data {
		if v != 0 {
			idx = append(idx, i)
		}
	}
	n := int(math.Round(frac * float64(len(idx))))
	if n < 1 || n >= len(idx) {
		return nil, fmt.Errorf("%s: holding out %g of %d known entries leaves %d to hold out and %d to train on; both need at least one",
			source, frac, len(idx), n, len(idx)-n)
	}
	rng := newRand(c.Seed, streamHeldOut)
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
	return bindUser(c, &Instance{Target: target, Mask: mask, HeldOut: held, Source: source})
}

// RankTol: NumericalRank counts singular values above RankTol times the
// largest.
const RankTol = 1e-8

// NumericalRank returns the number of singular values of m above RankTol
// times the largest; an error when m is zero or the SVD fails.
func NumericalRank(m *mat.Dense) (int, error) {
	s, err := workloads.SingularValues(m)
	if err != nil {
		return 0, err
	}
	if len(s) == 0 || s[0] == 0 {
		return 0, errors.New("the matrix is zero")
	}
	return countAbove(s, RankTol), nil
}

// countAbove returns how many of the decreasing values s exceed rel times
// the first (0 for an empty or zero s).
func countAbove(s []float64, rel float64) int {
	n := 0
	for _, v := range s {
		if v > rel*s[0] {
			n++
		}
	}
	return n
}
