package bench

import (
	"flag"
	"strings"
	"testing"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/machine"
)

var large = flag.Bool("lowdim.large", false, "also benchmark the large sizes (d = 2048)")

func suite() Options {
	o := Options{Meter: defaultMeter()}
	if cal, err := calibrate.Load(machine.BLASBackend); err == nil {
		o.PeakGFLOPS, o.TriadGBps = cal.PeakGFLOPS, cal.TriadGBps
	}
	if *large {
		o.Sizes = append(append([]int{}, DefaultSizes...), LargeSizes...)
	}
	return o
}

func runGroup(b *testing.B, cases []Case, group string) {
	for _, c := range cases {
		b.Run(strings.TrimPrefix(c.Name, group+"/"), c.Bench)
		if c.Release != nil {
			c.Release()
		}
	}
}

// BenchmarkStep times one training step of every workload x method x size.
func BenchmarkStep(b *testing.B) { runGroup(b, StepCases(suite()), "Step") }

// BenchmarkEfficiency times the original MF step at d = 1024 against the
// backend's own dgemm in the same iterations (dgemm-frac).
func BenchmarkEfficiency(b *testing.B) { runGroup(b, EfficiencyCases(Options{}), "Efficiency") }

// BenchmarkTrain times training the quick preset's problems to their budget.
func BenchmarkTrain(b *testing.B) { runGroup(b, TrainCases(suite()), "Train") }

// BenchmarkInfer times the end-to-end map on a batch.
func BenchmarkInfer(b *testing.B) { runGroup(b, InferCases(suite()), "Infer") }
