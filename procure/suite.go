package procure

import (
	"time"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/latency"
)

// SuiteName and SuiteVersion name the standard suite (Standard). The
// version changes whenever a benchmark of the standard suite is added,
// removed or changes what it measures (a size, a preset's configuration,
// a repetition count that changes a median's meaning); reports of
// different versions are never compared.
const (
	SuiteName    = "standard"
	SuiteVersion = 2
)

// Version 2 (from version 1): the FashionMNIST MLP's time to 0.85 test
// accuracy (FashionMLP); 10 step samples instead of 6, taken in rounds
// across the benchmarks of a size; inference in 10 rounds across the
// networks, a sample being a round's median latency, not one call; 5 time-to-quality runs in the quick
// suite instead of 3; the CPU time of every timed sample and the load
// under which each benchmark ran.

// Methods are the two networks every workload benchmark runs: the wide
// (original) network and the compressed one.
var Methods = []string{"original", "compressed"}

// Suite says what Run measures. Standard returns the versioned one; tests
// build small ones of their own name.
type Suite struct {
	Name    string
	Version int
	Quick   bool
	// CalibrationRuns is the number of times calibrate.Measure runs with
	// Calibration; the dgemm rates and the triad bandwidth are the
	// samples. (Measure also measures the memory levels, which the report
	// does not hold: Standard and Tiny give them the smallest DRAM working
	// set, 1 MiB, rather than the default 512 MiB in every run.)
	CalibrationRuns int
	Calibration     calibrate.Options
	// StepWorkloads at StepSizes: the seconds of one training step
	// (forward, workload gradient, backward, update) of each Method, on the
	// workload's benchmark problem (r = 5, r_hat = 10, L = 3, the
	// workload's benchmark parameters), StepSamples samples of at least
	// StepMinSample each. A size whose samples would take longer than
	// StepBudget (estimated from a first step, or before building from the
	// dense step's flops at the calibrated peak) is absent, with the
	// reason.
	StepWorkloads []string
	StepSizes     []int
	StepSamples   int
	StepMinSample time.Duration
	StepBudget    time.Duration
	// TTQPresets are trained TTQRuns times each, per Method, to their
	// tolerance: the seconds to it (the preset's step budget when it is
	// not reached: then absent), the energy and the peak RSS of each run.
	TTQPresets []string
	TTQRuns    int
	// InferSizes x InferBatches: the latency of one inference call of the
	// compressed network (its factored layers) and of the wide one (its
	// materialised end-to-end matrix, its cheapest form), in InferRounds
	// rounds across the networks, each round timing the calls Latency
	// bounds (package latency): a sample is a round's median, the p99 is
	// over every call.
	InferSizes   []int
	InferBatches []int
	InferRounds  int
	Latency      latency.Options
	// MLP is the MLP's time to quality (FashionMLP in the standard
	// suite), its runs interleaved with the presets', TTQRuns of each
	// variant; nil leaves it out, recorded absent with MLPAbsent as the
	// reason.
	MLP       *MLPBench
	MLPAbsent string
}

// Standard returns the standard suite, SuiteName version SuiteVersion;
// quick is its short variant (d = 256 only, fewer repetitions), for a
// few minutes on two cores.
func Standard(quick bool) Suite {
	s := Suite{
		Name: SuiteName, Version: SuiteVersion, Quick: quick,
		CalibrationRuns: 6,
		Calibration: calibrate.Options{Sizes: []int{256, 1024}, Reps: 3, MinSample: 50 * time.Millisecond,
			Budget: 2 * time.Second, TriadBytes: 64 << 20, TriadReps: 3, DRAMBytes: 1 << 20},
		StepWorkloads: []string{"mc", "mf", "ms"},
		StepSizes:     []int{256, 1024, 4096},
		StepSamples:   10,
		StepMinSample: 100 * time.Millisecond,
		StepBudget:    2 * time.Minute,
		TTQPresets:    []string{"paper-mc", "paper-mf-fast", "paper-ms-fast"},
		TTQRuns:       6,
		InferSizes:    []int{256, 1024},
		InferBatches:  []int{1, 64},
		InferRounds:   10,
		Latency:       latency.Options{MaxCalls: 200, MinCalls: 10, Budget: 50 * time.Millisecond},
		MLP:           ptr(FashionMLP),
	}
	if quick {
		s.StepSizes = []int{256}
		s.StepMinSample = 50 * time.Millisecond
		s.TTQRuns = 5
		s.InferSizes = []int{256}
		s.Latency = latency.Options{MaxCalls: 100, MinCalls: 10, Budget: 20 * time.Millisecond}
	}
	return s
}

// Tiny is a suite of the standard suite's kinds of benchmark at sizes that
// take a few seconds, for tests and for trying the commands: mf at d = 16 and ms at d = 256 (which ms
// does not benchmark: absent), the quick preset's mf run to its
// tolerance, inference at d = 32. It is
// its own suite ("tiny"): never compared with the standard one.
func Tiny() Suite {
	return Suite{Name: "tiny", Version: 1, Quick: true,
		CalibrationRuns: 2,
		Calibration: calibrate.Options{Sizes: []int{32}, Reps: 1, MinSample: time.Millisecond, Budget: 50 * time.Millisecond,
			TriadBytes: 1 << 20, TriadReps: 1, DRAMBytes: 1 << 20},
		StepWorkloads: []string{"mf", "ms"},
		StepSizes:     []int{16, 256},
		StepSamples:   3,
		StepMinSample: time.Millisecond,
		StepBudget:    10 * time.Second,
		TTQPresets:    []string{"quick/mf"},
		TTQRuns:       2,
		InferSizes:    []int{32},
		InferBatches:  []int{1, 4},
		InferRounds:   3,
		Latency:       latency.Options{MaxCalls: 30, MinCalls: 10, Budget: time.Millisecond},
		MLPAbsent:     "not in the tiny suite",
	}
}
