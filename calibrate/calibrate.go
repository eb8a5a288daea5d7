// Package calibrate measures what the machine's BLAS backend and memory
// can do, so that reports can state achieved figures as fractions of them:
// the double-precision matrix product rate (dgemm GFLOP/s) at a few sizes
// with the backend this binary uses (machine.BLASBackend), and the memory
// bandwidth of a STREAM-like triad, and the in-order and random-row
// bandwidths of four memory levels (L1, L2, L3, DRAM; levels.go).
//
// # What is measured
//
// Dgemm: C = A B for n x n matrices through blas64.Gemm, counted as 2 n^3
// flops per product. After a warm-up product, products are repeated in
// batches that last at least MinSample; the best of Reps such samples is
// kept, and a size stops early, after at least one sample, once Budget has
// passed (a single product longer than Budget is its own sample). Peak is
// the best rate over the sizes.
//
// Triad: a[i] = b[i] + s c[i] over three arrays of TriadBytes each (by
// default 64 MiB, well beyond a last-level cache), split over GOMAXPROCS
// goroutines, counted as 24 bytes per element (two reads, one write; the
// write-allocate read is not counted, as in STREAM), best of TriadReps
// samples, in GB/s (10^9 bytes per second).
//
// # Storage
//
// A Calibration is stored as JSON, one file per backend, by default
// DefaultPath(backend) = os.UserCacheDir()/lowdim/calibration-<backend>.json,
// written atomically. Load reads the stored one; its errors name the file.
//
// Measure allocates its matrices and arrays (3 x 8 n^2 bytes for the
// largest n, 3 x TriadBytes, DRAMBytes and its row indices) and checks them against the available memory
// first.
package calibrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/blasbackend"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
)

// Options say what Measure measures and for how long. The zero value means
// every default; a field left zero takes its default.
type Options struct {
	// Sizes are the matrix sizes n of the dgemm measurements (default
	// DefaultSizes).
	Sizes []int
	// Reps is the number of timed samples per size after the warm-up
	// (default 5).
	Reps int
	// MinSample is the shortest duration of one sample; small products are
	// repeated to last it (default 100 ms).
	MinSample time.Duration
	// Budget bounds each measurement (one size, or the triad): no new
	// sample starts after it has passed (default 6 s), and a sample that has
	// started is finished. Measure with the defaults takes well under a
	// minute on two cores.
	Budget time.Duration
	// TriadBytes is the size of each of the triad's three arrays in bytes
	// (default 64 MiB).
	TriadBytes int64
	// TriadReps is the number of timed triad samples (default 10), and of
	// each memory level's two measurements.
	TriadReps int
	// DRAMBytes is the working set of the DRAM level in bytes, in all
	// (default DefaultDRAMBytes); the other levels' are fixed (levels.go).
	DRAMBytes int64
	// Log, when not nil, receives one line per measurement as it finishes.
	Log io.Writer
	// Interrupt, when not nil, stops Measure once it is closed (SIGINT or
	// SIGTERM): the sample under way ends, and Measure returns
	// ErrInterrupted and no calibration (a partial one would misstate the
	// machine).
	Interrupt <-chan struct{}
}

// ErrInterrupted is the error of Measure when Options.Interrupt was
// closed.
var ErrInterrupted = errors.New("calibrate: interrupted")

// stopped reports whether o.Interrupt is closed.
func (o Options) stopped() bool {
	select {
	case <-o.Interrupt:
		return true
	default:
		return false
	}
}

// Defaults of Options.
var DefaultSizes = []int{256, 1024, 2048}

const (
	DefaultReps       = 5
	DefaultMinSample  = 100 * time.Millisecond
	DefaultBudget     = 6 * time.Second
	DefaultTriadBytes = 64 << 20
	DefaultTriadReps  = 10
	DefaultDRAMBytes  = 512 << 20
)

// WithDefaults returns o with its zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if len(o.Sizes) == 0 {
		o.Sizes = DefaultSizes
	}
	if o.Reps == 0 {
		o.Reps = DefaultReps
	}
	if o.MinSample == 0 {
		o.MinSample = DefaultMinSample
	}
	if o.Budget == 0 {
		o.Budget = DefaultBudget
	}
	if o.TriadBytes == 0 {
		o.TriadBytes = DefaultTriadBytes
	}
	if o.TriadReps == 0 {
		o.TriadReps = DefaultTriadReps
	}
	if o.DRAMBytes == 0 {
		o.DRAMBytes = DefaultDRAMBytes
	}
	return o
}

// Validate returns an error naming the first field of o (after defaults)
// that is out of range.
func (o Options) Validate() error {
	o = o.WithDefaults()
	for _, n := range o.Sizes {
		if n < 1 {
			return fmt.Errorf("calibrate: size %d, want at least 1", n)
		}
	}
	switch {
	case o.Reps < 1:
		return fmt.Errorf("calibrate: %d repetitions, want at least 1", o.Reps)
	case o.TriadReps < 1:
		return fmt.Errorf("calibrate: %d triad repetitions, want at least 1", o.TriadReps)
	case o.MinSample < 0:
		return fmt.Errorf("calibrate: minimum sample %v, want positive", o.MinSample)
	case o.Budget < 0:
		return fmt.Errorf("calibrate: budget %v, want positive", o.Budget)
	case o.TriadBytes < 8:
		return fmt.Errorf("calibrate: triad arrays of %d bytes, want at least 8", o.TriadBytes)
	case o.DRAMBytes < 1<<20:
		return fmt.Errorf("calibrate: DRAM working set of %d bytes, want at least 1 MiB", o.DRAMBytes)
	}
	return nil
}

// Calibration is one measurement of a machine and backend.
type Calibration struct {
	// Date is when the measurement finished (RFC 3339, UTC).
	Date string `json:"date"`
	// Machine is the fingerprint of the machine and binary that measured.
	Machine machine.Fingerprint `json:"machine"`
	// Backend is machine.BLASBackend of that binary; BackendDetail
	// describes it (blasbackend.Detail).
	Backend       string `json:"backend"`
	BackendDetail string `json:"backend_detail,omitempty"`
	// Dgemm holds one rate per size, in the order measured.
	Dgemm []Rate `json:"dgemm"`
	// PeakGFLOPS is the largest Dgemm rate.
	PeakGFLOPS float64 `json:"peak_gflops"`
	// TriadGBps is the best triad bandwidth in GB/s (10^9 bytes per
	// second, 24 bytes per element), over arrays of TriadBytes each, run by
	// TriadThreads goroutines.
	TriadGBps    float64 `json:"triad_gbps"`
	TriadBytes   int64   `json:"triad_array_bytes"`
	TriadThreads int     `json:"triad_threads"`
	// Levels holds the stream and gather bandwidths of the memory levels
	// L1, L2, L3 and DRAM in that order (see the memory levels in
	// levels.go); absent from a calibration stored before they were
	// measured.
	Levels []Level `json:"levels,omitempty"`
}

// Rate is the dgemm rate at one size.
type Rate struct {
	N int `json:"n"`
	// GFLOPS is 2 n^3 / (best seconds per product) / 10^9.
	GFLOPS float64 `json:"gflops"`
	// Seconds is the best time of one product; Samples the number of timed
	// samples it is the best of.
	Seconds float64 `json:"seconds"`
	Samples int     `json:"samples"`
}

// Fraction returns gflops as a fraction of the calibrated peak
// (gflops / PeakGFLOPS); NaN when there is no peak.
func (c Calibration) Fraction(gflops float64) float64 { return ratio(gflops, c.PeakGFLOPS) }

// BandwidthFraction returns gbps (GB/s, 10^9 bytes per second) as a
// fraction of the calibrated triad bandwidth; NaN when there is none.
func (c Calibration) BandwidthFraction(gbps float64) float64 { return ratio(gbps, c.TriadGBps) }

func ratio(x, of float64) float64 {
	if !(of > 0) || math.IsInf(of, 0) {
		return math.NaN()
	}
	return x / of
}

// Measure measures the dgemm rates at o.Sizes with blas64's implementation
// and the triad bandwidth, and returns them with the machine's fingerprint.
// It returns an error for invalid options or when the arrays would not fit
// in the available memory (machine.CheckFits).
func Measure(o Options) (Calibration, error) {
	if err := o.Validate(); err != nil {
		return Calibration{}, err
	}
	o = o.WithDefaults()
	largest := 0
	for _, n := range o.Sizes {
		largest = max(largest, n)
	}
	if err := machine.CheckFits(3*8*uint64(largest)*uint64(largest), fmt.Sprintf("calibration at n = %d", largest)); err != nil {
		return Calibration{}, err
	}
	if err := machine.CheckFits(3*uint64(o.TriadBytes), "the triad's arrays"); err != nil {
		return Calibration{}, err
	}
	if err := machine.CheckFits(levelsBytes(o.DRAMBytes), "the memory levels' arrays"); err != nil {
		return Calibration{}, err
	}
	c := Calibration{
		Machine:       machine.Read(),
		Backend:       machine.BLASBackend,
		BackendDetail: blasbackend.Detail(),
	}
	for _, n := range o.Sizes {
		if o.stopped() {
			return Calibration{}, ErrInterrupted
		}
		r := gemmRate(n, o)
		c.Dgemm = append(c.Dgemm, r)
		c.PeakGFLOPS = max(c.PeakGFLOPS, r.GFLOPS)
		if o.Log != nil {
			fmt.Fprintf(o.Log, "dgemm n=%d: %.3g GFLOP/s (best of %d)\n", n, r.GFLOPS, r.Samples)
		}
	}
	if o.stopped() {
		return Calibration{}, ErrInterrupted
	}
	c.TriadGBps, c.TriadThreads = triad(o)
	if o.stopped() {
		return Calibration{}, ErrInterrupted
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "triad: %.3g GB/s\n", c.TriadGBps)
	}
	levels, err := measureLevels(o)
	if err != nil {
		return Calibration{}, err
	}
	c.Levels = levels
	c.TriadBytes = o.TriadBytes / 8 * 8
	c.Date = time.Now().UTC().Format(time.RFC3339)
	return c, nil
}

// gemmRate measures C = A B at size n.
func gemmRate(n int, o Options) Rate {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	mk := func() blas64.General {
		g := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
		for i := range g.Data {
			g.Data[i] = 2*rng.Float64() - 1
		}
		return g
	}
	a, b, c := mk(), mk(), mk()
	sec, samples := best(func() { blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c) }, o.Reps, o.MinSample, o.Budget, o.stopped)
	return Rate{N: n, GFLOPS: 2 * math.Pow(float64(n), 3) / sec / 1e9, Seconds: sec, Samples: samples}
}

// triad measures a[i] = b[i] + s c[i] and returns GB/s and the goroutines
// used.
func triad(o Options) (gbps float64, threads int) {
	n := int(o.TriadBytes / 8)
	a, b, c := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range b {
		a[i], b[i], c[i] = 0, 1, 2
	}
	threads = min(runtime.GOMAXPROCS(0), n)
	const s = 3.0
	chunk := (n + threads - 1) / threads
	pass := func() {
		var wg sync.WaitGroup
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			wg.Add(1)
			go func(a, b, c []float64) {
				defer wg.Done()
				b, c = b[:len(a)], c[:len(a)]
				for i := range a {
					a[i] = b[i] + s*c[i]
				}
			}(a[lo:hi], b[lo:hi], c[lo:hi])
		}
		wg.Wait()
	}
	sec, _ := best(pass, o.TriadReps, o.MinSample, o.Budget, o.stopped)
	return 24 * float64(n) / sec / 1e9, threads
}

// best times f: after one warm-up call it times batches of calls, growing
// the batch (and discarding its time) until one lasts minSample, then keeps
// batches of that size as samples until it has reps of them or budget has
// passed since the start (after at least one sample). It returns the
// shortest time per call over the samples and their number. When the
// warm-up call alone takes the budget, it is the one sample. Once stop
// returns true, no further batch starts (the result is then not used).
func best(f func(), reps int, minSample, budget time.Duration, stop func() bool) (secPerCall float64, samples int) {
	start := time.Now()
	f()
	if warm := time.Since(start); warm >= budget {
		return warm.Seconds(), 1
	}
	secPerCall = math.Inf(1)
	calls := 1
	for samples < reps && (samples == 0 || time.Since(start) < budget) && !stop() {
		t0 := time.Now()
		for range calls {
			f()
		}
		d := time.Since(t0)
		if d < minSample && time.Since(start) < budget {
			// Too short to time well: predict the calls that last
			// minSample with 20% to spare, growing at most 100 times.
			next := 100 * calls
			if d > 0 {
				next = min(next, int(math.Ceil(1.2*float64(calls)*minSample.Seconds()/d.Seconds())))
			}
			calls = max(next, calls+1)
			continue
		}
		secPerCall = min(secPerCall, d.Seconds()/float64(calls))
		samples++
	}
	return secPerCall, samples
}

// DefaultPath is where the calibration of a backend is stored by default:
// os.UserCacheDir()/lowdim/calibration-<backend>.json.
func DefaultPath(backend string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("calibrate: no cache folder for the calibration: %w", err)
	}
	return filepath.Join(dir, "lowdim", "calibration-"+backend+".json"), nil
}

// Save writes c as indented JSON to path atomically, creating the folder.
func (c Calibration) Save(path string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return results.WriteFileAtomic(path, append(data, '\n'))
}

// ErrNoCalibration is wrapped by the error of Load when nothing is stored
// for the backend.
var ErrNoCalibration = errors.New("no calibration")

// Load reads the calibration stored for backend at DefaultPath(backend).
// When there is none the error wraps ErrNoCalibration and names the file
// and the command that makes it; other errors are those of LoadFile.
func Load(backend string) (Calibration, error) {
	path, err := DefaultPath(backend)
	if err != nil {
		return Calibration{}, err
	}
	c, err := LoadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Calibration{}, fmt.Errorf("%w for backend %q: %s does not exist (run lowdim calibrate with a binary built for %s)",
			ErrNoCalibration, backend, path, backend)
	}
	if err == nil && c.Backend != backend {
		return Calibration{}, fmt.Errorf("%s: calibration of backend %q, want %q", path, c.Backend, backend)
	}
	return c, err
}

// LoadFile reads a calibration from path. Errors name the file: an absent
// file (wrapping fs.ErrNotExist), malformed JSON, or a calibration without
// a backend or with a peak or bandwidth that is not a positive number.
func LoadFile(path string) (Calibration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Calibration{}, fmt.Errorf("reading calibration: %w", err)
	}
	var c Calibration
	if err := json.Unmarshal(data, &c); err != nil {
		return Calibration{}, fmt.Errorf("%s: malformed calibration: %w", path, err)
	}
	switch {
	case c.Backend == "":
		return Calibration{}, fmt.Errorf("%s: malformed calibration: no backend", path)
	case !positive(c.PeakGFLOPS):
		return Calibration{}, fmt.Errorf("%s: malformed calibration: peak_gflops = %v, want a positive number", path, c.PeakGFLOPS)
	case !positive(c.TriadGBps):
		return Calibration{}, fmt.Errorf("%s: malformed calibration: triad_gbps = %v, want a positive number", path, c.TriadGBps)
	}
	return c, nil
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
