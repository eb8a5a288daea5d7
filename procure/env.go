package procure

import (
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/lowdim/lowdim/energy"
)

// userHZ is the unit of /proc/stat's CPU times: USER_HZ, 100 ticks per
// second on every Linux architecture Go supports (the kernel's ABI fixes
// it, whatever its internal HZ).
const userHZ = 100

// procStat returns the machine's busy and total CPU ticks over every core
// from /proc/stat's first line: busy is user + nice + system + irq +
// softirq + steal (guest time is inside user), total adds idle and
// iowait. ok is false where /proc/stat is unreadable.
func procStat() (busy, total float64, ok bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, false
	}
	var v [8]float64
	for i := range v {
		x, err := strconv.ParseUint(f[i+1], 10, 64)
		if err != nil {
			return 0, 0, false
		}
		v[i] = float64(x)
	}
	// user nice system idle iowait irq softirq steal
	busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
	return busy, busy + v[3] + v[4], true
}

// runDelay returns the seconds this process's threads have spent
// runnable but waiting for a CPU, summed over its threads
// (/proc/self/task/*/schedstat, second field, in nanoseconds: the
// scheduler's run delay; threads that have ended are not counted); ok is
// false where it is unreadable (no schedstats in the kernel).
func runDelay() (float64, bool) {
	dir, err := os.Open("/proc/self/task")
	if err != nil {
		return 0, false
	}
	defer dir.Close()
	tids, err := dir.Readdirnames(-1)
	if err != nil || len(tids) == 0 {
		return 0, false
	}
	var sum float64
	n := 0
	for _, tid := range tids {
		data, err := os.ReadFile("/proc/self/task/" + tid + "/schedstat")
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(data))
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue
		}
		sum += float64(v)
		n++
	}
	return sum / 1e9, n > 0
}

// window is the state of the machine when a sample started: this
// process's CPU time, the machine's CPU ticks and the load average.
type window struct {
	cpu         float64
	busy, total float64
	statOK      bool
	load        *float64
	wait        float64
	waitOK      bool
}

// envAcc accumulates the windows of one benchmark's samples.
type envAcc struct {
	loadSum           float64
	loads             int
	busy, total, self float64 // ticks
	windows, statWins int
	wait, waitCPU     float64 // seconds
	waitWins          int
}

// open reads the state a sample starts from.
func (st *state) open() window {
	w := window{load: loadAverage()}
	w.busy, w.total, w.statOK = procStat()
	w.wait, w.waitOK = runDelay()
	w.cpu = energy.CPUSeconds()
	return w
}

// close ends the window w of one sample of the benchmark named name and
// returns this process's CPU seconds within it (NaN where getrusage is
// missing). The window's load and others' share are kept for the
// benchmark (setEnv).
func (st *state) close(w window, name string) float64 {
	cpu := energy.CPUSeconds() - w.cpu
	wait, waitOK := runDelay()
	busy, total, ok := procStat()
	if st.env == nil {
		st.env = map[string]*envAcc{}
	}
	a := st.env[name]
	if a == nil {
		a = &envAcc{}
		st.env[name] = a
	}
	a.windows++
	if w.load != nil {
		a.loadSum += *w.load
		a.loads++
	}
	if ok && w.statOK && !math.IsNaN(cpu) && total > w.total {
		a.busy += busy - w.busy
		a.total += total - w.total
		a.self += cpu * userHZ
		a.statWins++
	}
	if waitOK && w.waitOK && !math.IsNaN(cpu) && cpu > 0 {
		a.wait += max(0, wait-w.wait)
		a.waitCPU += cpu
		a.waitWins++
	}
	return cpu
}

// setEnv sets every benchmark's LoadAverage, OthersCPU and Wait from
// its windows.
func (st *state) setEnv() {
	for i := range st.r.Benchmarks {
		b := &st.r.Benchmarks[i]
		a := st.env[b.Name]
		if a == nil || b.Absent != "" {
			continue
		}
		if a.loads > 0 {
			b.LoadAverage = ptr(a.loadSum / float64(a.loads))
		}
		if a.statWins > 0 && a.total > 0 {
			// Ticks are counted per core at 1/userHZ granularity and the
			// process's time in nanoseconds: the difference can fall a
			// little below 0 or above 1 on short windows.
			b.OthersCPU = ptr(min(1, max(0, (a.busy-a.self)/a.total)))
		}
		if a.waitWins > 0 && a.waitCPU > 0 {
			b.Wait = ptr(a.wait / a.waitCPU)
		}
	}
}
