package trainer

import "sync"

// stopped counts the helper goroutines that have stopped, by the jobs
// channel of their SampledMC.
var stopped struct {
	sync.Mutex
	n map[chan int]int
}

func init() {
	stopped.n = make(map[chan int]int)
	helperStopped = func(jobs chan int) {
		stopped.Lock()
		stopped.n[jobs]++
		stopped.Unlock()
	}
}

// Helpers identifies the helper goroutines of s (nil when it has none).
// Holding the identity does not keep s reachable.
type Helpers chan int

// HelpersOf returns the identity of s's helpers.
func HelpersOf(s *SampledMC) Helpers { return s.core.jobs }

// Stopped returns how many of the helpers identified by h have stopped.
func (h Helpers) Stopped() int {
	stopped.Lock()
	defer stopped.Unlock()
	return stopped.n[chan int(h)]
}

// SetVectorKernel selects the assembler kernel of the sampled pass (when
// this build has one and the CPU can run it) or the portable loop, and
// returns the previous choice.
func SetVectorKernel(on bool) (was bool) {
	was = vectorKernel
	vectorKernel = on && vectorCPU
	return was
}

// VectorKernelName names this build's assembler kernel ("none" without).
const VectorKernelName = vectorKernelName

// SetPanelEntries sets the fewest entries per row of a panel that new
// SampledMCs are built for (PanelEntries by default) and returns the
// previous value.
func SetPanelEntries(n int) (was int) {
	was, panelEntries = panelEntries, n
	return was
}
