package bench

import (
	"flag"
	"strings"
	"testing"
)

var large = flag.Bool("lowdim.large", false, "also benchmark the large sizes (d = 2048)")

func suite() Options {
	o := Options{Meter: defaultMeter()}
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

// BenchmarkTrain times training the quick preset's problems to their budget.
func BenchmarkTrain(b *testing.B) { runGroup(b, TrainCases(suite()), "Train") }

// BenchmarkInfer times the end-to-end map on a batch.
func BenchmarkInfer(b *testing.B) { runGroup(b, InferCases(suite()), "Infer") }
