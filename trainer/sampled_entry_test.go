package trainer_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/calibrate"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// entryPerRow is the observed entries per row of BenchmarkSampledEntry:
// the paper-mc density at d = 262,144 (43 million observed entries, p =
// 6.26e-4; 10.7 million at d = 65,536).
const entryPerRow = 164

// sampleRows draws exactly perRow distinct columns of each of d rows
// (Floyd's algorithm), sorted, in CSR: the instance's uniform sampling
// (workloads.SampleObserved) at |O| = perRow d without its d^2 / 8-byte
// bitmap, which at d = 262,144 would take 8.6 GB.
func sampleRows(d, perRow int, rng *rand.Rand) ([]int, []int32) {
	rowPtr := make([]int, d+1)
	cols := make([]int32, 0, d*perRow)
	seen := make(map[int32]bool, perRow)
	for i := 0; i < d; i++ {
		clear(seen)
		start := len(cols)
		for j := d - perRow; j < d; j++ {
			c := int32(rng.IntN(j + 1))
			if seen[c] {
				c = int32(j)
			}
			seen[c] = true
			cols = append(cols, c)
		}
		slices.Sort(cols[start:])
		rowPtr[i+1] = len(cols)
	}
	return rowPtr, cols
}

// panelEntriesFlag overrides trainer.PanelEntries in BenchmarkSampledEntry
// (0: the default), to measure the choice.
var panelEntriesFlag = flag.Int("sampled.panel-entries", 0, "BenchmarkSampledEntry: entries per panel row (0: trainer.PanelEntries)")

// kernelFlag selects the sampled pass's kernel in BenchmarkSampledEntry:
// "" the build's, "go" the portable loop.
var kernelFlag = flag.String("sampled.kernel", "", `BenchmarkSampledEntry: "go" forces the portable loop`)

// processCPU returns the process's user and system CPU time in seconds.
func processCPU() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return float64(u.Utime.Nano()+u.Stime.Nano()) / 1e9
}

// BenchmarkSampledEntry is one Step + Evaluate of the compressed sampled MC
// step (r = 10, r_hat = 20, L = 3) on a d x d factored target observed at
// entryPerRow entries per row, reported as ns per observed entry
// (ns/entry) and, when `lowdim calibrate` has stored a calibration for
// this binary's backend, as the fraction of the limit (SampledMC.Limit
// (limit-frac: the limit's time over the measured time; 1 is at the
// limit). cpu-ns/entry is the process's CPU time per entry (all its
// threads; OpenBLAS's spinning workers included under -tags openblas): on
// a machine shared with other work, where the wall time counts the time
// the process waited for a core, it is what the step costs. d = 65,536
// and 262,144 are skipped with -short.
func BenchmarkSampledEntry(b *testing.B) {
	const r, h = 10, 20
	cal, calErr := calibrate.Load(machine.BLASBackend)
	if *panelEntriesFlag > 0 {
		defer trainer.SetPanelEntries(trainer.SetPanelEntries(*panelEntriesFlag))
	}
	if *kernelFlag == "go" {
		defer trainer.SetVectorKernel(trainer.SetVectorKernel(false))
	}
	for _, d := range []int{4096, 65536, 262144} {
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			if testing.Short() && d > 4096 {
				b.Skip("-short")
			}
			rng := rand.New(rand.NewPCG(uint64(d), 3))
			phi, err := workloads.NewFactored(d, workloads.QuarterCircle(d, r), rng)
			require.NoError(b, err)
			rowPtr, cols := sampleRows(d, entryPerRow, rng)
			work, err := workloads.NewSparseMC(phi, rowPtr, cols, rng)
			require.NoError(b, err)
			net := dln.New(dln.Chain(d, h, h, d))
			net.InitOrthogonal(1e-2, rand.New(rand.NewPCG(1, 1)))
			obj := trainer.NewSampledMC(net, work, nil)
			obj.Evaluate()
			b.ReportAllocs()
			cpu0 := processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				obj.Step(1e-9)
				obj.Evaluate()
			}
			b.StopTimer()
			entries := float64(b.N) * float64(len(cols))
			ns := b.Elapsed().Seconds() / entries * 1e9
			b.ReportMetric(ns, "ns/entry")
			b.ReportMetric((processCPU()-cpu0)/entries*1e9, "cpu-ns/entry")
			if calErr != nil {
				b.Logf("no fraction of the limit: %v", calErr)
				return
			}
			lim, err := obj.Limit(cal)
			if err != nil {
				b.Logf("no fraction of the limit: %v", err)
				return
			}
			b.ReportMetric(lim.NsPerEntry/ns, "limit-frac")
			b.ReportMetric(lim.NsPerEntry, "limit-ns/entry")
			b.Logf("limit %.3g ns/entry: flops %.3g, gather %.3g (%s, %d KiB of panels), stream %.3g (%s); build's kernel %s, -sampled.kernel=%q",
				lim.NsPerEntry, lim.FlopNs, lim.GatherNs, lim.GatherLevel, lim.GatherBytes>>10, lim.StreamNs, lim.StreamLevel, trainer.VectorKernelName, *kernelFlag)
		})
	}
}
