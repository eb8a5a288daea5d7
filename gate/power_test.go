package gate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
	"gonum.org/v1/gonum/stat/distuv"
)

// clopperPearson returns the two-sided Clopper-Pearson (exact) interval of
// confidence 1-alpha for a binomial proportion with x successes in n
// trials: the alpha/2 quantile of Beta(x, n-x+1) and the 1-alpha/2
// quantile of Beta(x+1, n-x), 0 and 1 at the ends.
func clopperPearson(x, n int, alpha float64) (lo, hi float64) {
	lo, hi = 0, 1
	if x > 0 {
		lo = distuv.Beta{Alpha: float64(x), Beta: float64(n - x + 1)}.Quantile(alpha / 2)
	}
	if x < n {
		hi = distuv.Beta{Alpha: float64(x + 1), Beta: float64(n - x)}.Quantile(1 - alpha/2)
	}
	return lo, hi
}

func TestClopperPearson(t *testing.T) {
	// x = 0: the upper bound solves (1-p)^n = alpha/2, p = 1 - 0.025^(1/n);
	// x = n: the lower bound is 0.025^(1/n). n = 30: 0.1157 and 0.8843.
	const tol = 1e-9 // the Beta quantile's root finding
	lo, hi := clopperPearson(0, 30, 0.05)
	require.Equal(t, 0.0, lo)
	require.InDelta(t, 1-math.Pow(0.025, 1.0/30), hi, tol)
	lo, hi = clopperPearson(30, 30, 0.05)
	require.InDelta(t, math.Pow(0.025, 1.0/30), lo, tol)
	require.Equal(t, 1.0, hi)
	// x = 5, n = 10: the interval of R's binom.test(5, 10), 0.1871 to
	// 0.8129 (symmetric about 1/2).
	lo, hi = clopperPearson(5, 10, 0.05)
	require.InDelta(t, 0.187086, lo, 1e-6)
	require.InDelta(t, 1-lo, hi, tol)
}

// powerRun is one line of testdata/power.tsv (scripts/gate-power.sh).
type powerRun struct {
	kind, budget, plant, utc string
	exit                     int
	load1                    float64 // the 1-minute load average before the run
}

func readPower(t *testing.T, path string) []powerRun {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var runs []powerRun
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		c := strings.Split(sc.Text(), "\t")
		if line == 1 {
			require.Equal(t, "kind", c[0], "%s:1: header", path)
			continue
		}
		require.Len(t, c, 9, "%s:%d", path, line)
		code, err := strconv.Atoi(c[3])
		require.NoError(t, err, "%s:%d", path, line)
		load, err := strconv.ParseFloat(c[7], 64)
		require.NoError(t, err, "%s:%d: load1", path, line)
		runs = append(runs, powerRun{kind: c[0], budget: c[1], plant: c[2], utc: c[8], exit: code, load1: load})
	}
	require.NoError(t, sc.Err())
	return runs
}

// powerRow is the rate of exit 1 over the runs of one kind, budget and
// plant that judged (exit 0 or 1), with its 95% interval; Errors counts
// the runs that did not judge (exit 2 or 3); LoadMin, LoadMax and
// LoadMean are the least, greatest and mean load average before the runs.
type powerRow struct {
	Kind, Budget, Plant string
	Alarms, N, Errors   int
	Rate, Lo, Hi        float64
	LoadMin, LoadMax    float64
	LoadMean            float64
}

func powerRows(runs []powerRun) []powerRow {
	type key struct{ kind, budget, plant string }
	m := map[key]*powerRow{}
	var keys []key
	for _, r := range runs {
		k := key{r.kind, r.budget, r.plant}
		if m[k] == nil {
			m[k] = &powerRow{Kind: r.kind, Budget: r.budget, Plant: r.plant, LoadMin: r.load1, LoadMax: r.load1}
			keys = append(keys, k)
		}
		m[k].LoadMin, m[k].LoadMax = min(m[k].LoadMin, r.load1), max(m[k].LoadMax, r.load1)
		m[k].LoadMean += r.load1
		switch r.exit {
		case 0, 1:
			m[k].N++
			m[k].Alarms += r.exit
		default:
			m[k].Errors++
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j])
	})
	var rows []powerRow
	for _, k := range keys {
		r := *m[k]
		r.LoadMean /= float64(r.N + r.Errors)
		if r.N > 0 {
			r.Rate = float64(r.Alarms) / float64(r.N)
			r.Lo, r.Hi = clopperPearson(r.Alarms, r.N, 0.05)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestPower computes, from the gate runs of testdata/power.tsv
// (scripts/gate-power.sh), the false-alarm rate (A/A runs that exited 1)
// and the detection rate (planted runs that exited 1) with their 95%
// Clopper-Pearson intervals, and holds them to the figures the README
// states (wantPower). Recompute and print them with
//
//	go test ./gate -run TestPower -v
func TestPower(t *testing.T) {
	testenv.GonumPassOnly(t, "statistics of testdata/power.tsv")
	rows := powerRows(readPower(t, "testdata/power.tsv"))
	for _, r := range rows {
		what := "false alarms"
		if r.Kind == "planted" {
			what = "detections"
		}
		t.Logf("%-7s budget %-4s plant %-4s %s %d/%d = %.3f, 95%% CI [%.3f, %.3f]; %d runs did not judge; load average %.2f to %.2f (mean %.2f)",
			r.Kind, r.Budget, r.Plant, what, r.Alarms, r.N, r.Rate, r.Lo, r.Hi, r.Errors, r.LoadMin, r.LoadMax, r.LoadMean)
	}
	require.Equal(t, len(wantPower), len(rows))
	for i, w := range wantPower {
		r := rows[i]
		require.Equal(t, [3]string{w.Kind, w.Budget, w.Plant}, [3]string{r.Kind, r.Budget, r.Plant})
		require.Equal(t, [3]int{w.Alarms, w.N, w.Errors}, [3]int{r.Alarms, r.N, r.Errors}, "%s", w.Kind)
		// The README rounds to 3 decimals.
		require.InDelta(t, w.Lo, r.Lo, 5e-4, "%s", w.Kind)
		require.InDelta(t, w.Hi, r.Hi, 5e-4, "%s", w.Kind)
	}
}

// wantPower are the figures of testdata/power.tsv the README states, on
// two cores shared with other work, OpenBLAS; rows sorted by kind, budget,
// plant: scripts/gate-power.sh 30 1m 0.10 (the suite of commit 8fec552: 5
// cases, 10 timing rows with cpu-sec/op; load average 4.3 to 17.4),
// scripts/gate-power.sh 30 30s 0.10 (5 timing rows; load average 8.7 to
// 13.5) and scripts/gate-power.sh 4 2m 0.10 (load average 6.1 to 11.0).
var wantPower = []powerRow{
	{Kind: "aa", Budget: "1m", Plant: "0", Alarms: 0, N: 30, Lo: 0, Hi: 0.116},
	{Kind: "aa", Budget: "2m", Plant: "0", Alarms: 0, N: 4, Lo: 0, Hi: 0.602},
	{Kind: "aa", Budget: "30s", Plant: "0", Alarms: 1, N: 30, Lo: 0.001, Hi: 0.172},
	{Kind: "planted", Budget: "1m", Plant: "0.10", Alarms: 24, N: 30, Lo: 0.614, Hi: 0.923},
	{Kind: "planted", Budget: "2m", Plant: "0.10", Alarms: 4, N: 4, Lo: 0.398, Hi: 1},
	{Kind: "planted", Budget: "30s", Plant: "0.10", Alarms: 2, N: 30, Lo: 0.008, Hi: 0.221},
}

// samplesHeader is the first line of a samples file (scripts/gate-power.sh);
// samplesHeaderV1 that of the files written before the unit column.
const (
	samplesHeader   = "utc\tkind\tbudget\tplant\tbenchmark\tunit\tside\tsamples"
	samplesHeaderV1 = "utc\tkind\tbudget\tplant\tbenchmark\tside\tsamples"
)

// timingUnits are the units Judge gates as timing (kindOf), sorted as
// Judge orders a case's rows: a file without the unit column lists a
// case's timing rows in this order, with sec/op alone before cpu-sec/op
// was measured (commit 8fec552).
var timingUnits = []string{"cpu-sec/op", "sec/op"}

// sampleRow is a timing row: a case and a unit.
type sampleRow struct{ name, unit string }

// sampleRun is one gate run of a samples file: the samples of its timing
// rows in round order, sample j of every row on either side coming from
// round j.
type sampleRun struct {
	utc, kind, plant string
	budget           time.Duration
	rows             []sampleRow // in file order
	base, head       [][]float64 // [row][round]
}

// rounds is the number of rounds of the run.
func (r *sampleRun) rounds() int { return len(r.base[0]) }

// readSamples reads a samples file: the header, then one line per run,
// timing row and side (utc kind budget plant benchmark unit side samples,
// the samples comma-separated), a run's lines together, each row's base
// line before its head line. In a file without the unit column
// (samplesHeaderV1) a case's lines take the units of timingUnits in order:
// one line per side is sec/op, two are cpu-sec/op then sec/op. It returns
// an error naming the file, line and value for a malformed line, a run
// whose rows differ in rounds or lack a side, and runs of different
// suites.
func readSamples(rd io.Reader, file string) ([]sampleRun, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var runs []sampleRun
	seen := map[string]bool{}
	v1 := false
	line := 0
	// ordinal gives a V1 line its provisional unit "#k": its case's k-th
	// line on its side in the run.
	ordinal := map[string]int{}
	for sc.Scan() {
		line++
		if line == 1 {
			switch sc.Text() {
			case samplesHeader:
			case samplesHeaderV1:
				v1 = true
			default:
				return nil, fmt.Errorf("%s:1: header %q, want %q", file, sc.Text(), samplesHeader)
			}
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if v1 && len(c) == 7 {
			c = slices.Insert(c, 5, "")
		} else if len(c) != 8 || v1 {
			return nil, fmt.Errorf("%s:%d: %d tab-separated columns, want %d", file, line, len(c), map[bool]int{false: 8, true: 7}[v1])
		}
		utc, kind, plant, name, unit, side := c[0], c[1], c[3], c[4], c[5], c[6]
		if kind != "aa" && kind != "planted" {
			return nil, fmt.Errorf("%s:%d: kind %q, want aa or planted", file, line, kind)
		}
		budget, err := time.ParseDuration(c[2])
		if err != nil || budget <= 0 {
			return nil, fmt.Errorf("%s:%d: budget %q is not a positive duration", file, line, c[2])
		}
		if !v1 && !slices.Contains(timingUnits, unit) {
			return nil, fmt.Errorf("%s:%d: unit %q is not a timing unit %v", file, line, unit, timingUnits)
		}
		var x []float64
		for _, s := range strings.Split(c[7], ",") {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: sample %q of %s %s %s is not a positive number", file, line, s, name, unit, side)
			}
			x = append(x, v)
		}
		key := utc + " " + kind
		if len(runs) == 0 || runs[len(runs)-1].utc+" "+runs[len(runs)-1].kind != key {
			if seen[key] {
				return nil, fmt.Errorf("%s:%d: run %s again after other runs", file, line, key)
			}
			seen[key] = true
			runs = append(runs, sampleRun{utc: utc, kind: kind, plant: plant, budget: budget})
			clear(ordinal)
		}
		r := &runs[len(runs)-1]
		if r.budget != budget || r.plant != plant {
			return nil, fmt.Errorf("%s:%d: run %s has budget %s and plant %s on another line, here %s and %s", file, line, key, r.budget, r.plant, c[2], plant)
		}
		if v1 {
			unit = fmt.Sprintf("#%d", ordinal[side+" "+name])
			ordinal[side+" "+name]++
		}
		row := sampleRow{name, unit}
		i := slices.Index(r.rows, row)
		switch side {
		case "base":
			if i >= 0 {
				return nil, fmt.Errorf("%s:%d: run %s: a second base line of %s %s", file, line, key, name, unit)
			}
			if len(r.rows) > 0 && len(x) != r.rounds() {
				return nil, fmt.Errorf("%s:%d: run %s: %s has %d rounds, %s %d", file, line, key, name, len(x), r.rows[0].name, r.rounds())
			}
			r.rows = append(r.rows, row)
			r.base = append(r.base, x)
			r.head = append(r.head, nil)
		case "head":
			if i < 0 || r.head[i] != nil {
				return nil, fmt.Errorf("%s:%d: run %s: a head line of %s %s without its base line before it", file, line, key, name, unit)
			}
			if len(x) != r.rounds() {
				return nil, fmt.Errorf("%s:%d: run %s: %s has %d head rounds, %d base rounds", file, line, key, name, len(x), r.rounds())
			}
			r.head[i] = x
		default:
			return nil, fmt.Errorf("%s:%d: side %q, want base or head", file, line, side)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty, want the header %q", file, samplesHeader)
	}
	for k := range runs {
		r := &runs[k]
		for i, h := range r.head {
			if h == nil {
				return nil, fmt.Errorf("%s: run %s %s: %s %s has no head line", file, r.utc, r.kind, r.rows[i].name, r.rows[i].unit)
			}
		}
		if v1 {
			for i := range r.rows {
				n := 0
				for _, q := range r.rows {
					if q.name == r.rows[i].name {
						n++
					}
				}
				if n > len(timingUnits) {
					return nil, fmt.Errorf("%s: run %s %s: %s has %d lines per side, want at most %d (%v)", file, r.utc, r.kind, r.rows[i].name, n, len(timingUnits), timingUnits)
				}
				k, _ := strconv.Atoi(r.rows[i].unit[1:])
				r.rows[i].unit = timingUnits[len(timingUnits)-n+k]
			}
		}
		if !slices.Equal(r.rows, runs[0].rows) {
			return nil, fmt.Errorf("%s: run %s %s has the rows %v, run %s %s %v: not one suite", file, r.utc, r.kind, r.rows, runs[0].utc, runs[0].kind, runs[0].rows)
		}
	}
	return runs, nil
}

// plantedRow reports whether the planted slowdown (bench.PlantEnv) slows
// the timing row name: the Step cases (each training step) and the Train
// cases (each training), not the Infer cases (bench/cases.go calls
// plantWork in the first two only).
func plantedRow(name string) bool {
	return strings.HasPrefix(name, "Step/") || strings.HasPrefix(name, "Train/")
}

// roundRef is round j of A/A run i.
type roundRef struct{ run, round int }

// powerBlockLen is the block length, in rounds, of powerWindows.
const powerBlockLen = 10

// powerWindows returns w windows of n rounds, drawn with rng: each run is
// cut into consecutive blocks of blockLen rounds (its last block shorter),
// and a window is blocks drawn without replacement (a fresh shuffle per
// window) appended until it has n rounds, the last one cut short. It
// panics if the runs hold fewer than n rounds.
//
// Why blocks of rounds, not samples: a round is the base's and the head's
// sample of every row, taken within seconds of each other, so the load of
// that moment hits both sides and every row alike; resampling whole rounds
// keeps that pairing (and the order effect of base-then-head, which is
// real here: see TestPowerByBudget's log), and consecutive rounds keep the
// drift of the load over blockLen rounds. A window of more rounds than one
// run has (a longer budget than the runs') joins blocks from different
// runs, whose load levels differ as they would over a longer gate. Why
// without replacement: a round drawn twice into one window would be two
// "independent" samples of the same moment to the U test, which then
// rejects too readily (with replacement, the false alarms of 100-round
// windows from 10 runs of 17 rounds read 6 to 7%, above Holm's 5%).
// Consecutive windows over the runs concatenated in time order would keep
// all of the drift but give only a handful of disjoint windows of 100
// rounds from 30 runs.
func powerWindows(runs []sampleRun, n, w, blockLen int, rng *rand.Rand) [][]roundRef {
	var blocks []roundRef // the first round of each block
	total := 0
	for i, r := range runs {
		for j := 0; j < r.rounds(); j += blockLen {
			blocks = append(blocks, roundRef{i, j})
		}
		total += r.rounds()
	}
	if total < n {
		panic(fmt.Sprintf("gate: powerWindows: %d rounds in the runs, %d in a window", total, n))
	}
	wins := make([][]roundRef, w)
	for k := range wins {
		win := make([]roundRef, 0, n)
		order := rng.Perm(len(blocks))
		for _, o := range order {
			b := blocks[o]
			for j := b.round; j < runs[b.run].rounds() && j < b.round+blockLen && len(win) < n; j++ {
				win = append(win, roundRef{b.run, j})
			}
			if len(win) == n {
				break
			}
		}
		wins[k] = win
	}
	return wins
}

// powerJudge is the gate's judgement of windows of A/A rounds with the
// head's planted rows slowed by a factor 1 + delta.
type powerJudge struct {
	runs    []sampleRun
	rows    []sampleRow
	cases   []string // the rows' cases, each once, in order
	planted []bool   // by row
	opts    JudgeOptions
}

func newPowerJudge(runs []sampleRun) *powerJudge {
	p := &powerJudge{runs: runs, rows: runs[0].rows, opts: DefaultOptions.JudgeOptions}
	for _, r := range p.rows {
		p.planted = append(p.planted, plantedRow(r.name))
		if !slices.Contains(p.cases, r.name) {
			p.cases = append(p.cases, r.name)
		}
	}
	// As Run does: MinSamples of the suite's timing rows (wall and CPU).
	p.opts.MinSamples = MinSamples(len(p.rows), p.opts.Alpha)
	return p
}

// fails reports whether the gate fails (Failed) on window win, the head's
// samples of planted rows (both units: a slowdown that adds work adds CPU
// time as much as wall time) multiplied by 1 + delta.
func (p *powerJudge) fails(win []roundRef, delta float64) bool {
	base, head := Samples{}, Samples{}
	for i, row := range p.rows {
		f := 1.0
		if p.planted[i] {
			f = 1 + delta
		}
		b, h := make([]float64, len(win)), make([]float64, len(win))
		for k, ref := range win {
			r := &p.runs[ref.run]
			b[k], h[k] = r.base[i][ref.round], f*r.head[i][ref.round]
		}
		if base[row.name] == nil {
			base[row.name], head[row.name] = map[string][]float64{}, map[string][]float64{}
		}
		base[row.name][row.unit], head[row.name][row.unit] = b, h
	}
	return Failed(Judge(p.cases, base, head, p.opts, nil))
}

// count judges the windows at delta, in the order of idx (nil: in
// order), on GOMAXPROCS goroutines (Judge is a pure function), and returns
// how many fail and pass; it stops early once decided(fails, passes) holds
// for the counts so far, which must then hold for any further count, so
// what the counts decide does not depend on the order. If failed is not
// nil, failed[k] is set to 1 when window k fails and 2 when it passes.
func (p *powerJudge) count(wins [][]roundRef, idx []int, delta float64, failed []int8, decided func(fails, passes int) bool) (fails, passes int) {
	var next, nFail, nPass atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if decided(int(nFail.Load()), int(nPass.Load())) {
					return
				}
				i := int(next.Add(1)) - 1
				if i >= len(wins) {
					return
				}
				k := i
				if idx != nil {
					k = idx[i]
				}
				var v int8 = 2
				if p.fails(wins[k], delta) {
					nFail.Add(1)
					v = 1
				} else {
					nPass.Add(1)
				}
				if failed != nil {
					failed[k] = v // each k is one goroutine's
				}
			}
		}()
	}
	wg.Wait()
	return int(nFail.Load()), int(nPass.Load())
}

// rate is the fraction of the windows on which the gate fails.
func (p *powerJudge) rate(wins [][]roundRef, delta float64) float64 {
	fails, _ := p.count(wins, nil, delta, nil, func(int, int) bool { return false })
	return float64(fails) / float64(len(wins))
}

// powerGrid is the grid of planted slowdowns searched: 0 to 30% in steps
// of 0.5%.
func powerGrid() []float64 {
	g := make([]float64, 61)
	for i := range g {
		g[i] = float64(i) * 0.005
	}
	return g
}

// smallestDetected returns the smallest delta of grid at which the gate
// fails on at least the fraction power of the windows, and false when no
// delta of the grid reaches power. It judges every delta of the grid up to
// the answer, assuming nothing of how the rate grows with delta; at each it
// stops once the count decides, judging first the windows that passed at
// the delta before (likely to pass again), which decides a delta short of
// the answer in a few judgements.
func (p *powerJudge) smallestDetected(wins [][]roundRef, grid []float64, power float64) (float64, bool) {
	need := int(math.Ceil(power*float64(len(wins)) - 1e-9)) // 190 of 200 at 0.95
	failed := make([]int8, len(wins))
	idx := make([]int, len(wins))
	for _, d := range grid {
		// passed before, then not judged, then failed before
		for i := range idx {
			idx[i] = i
		}
		rank := [3]int{2: 0, 0: 1, 1: 2} // by failed[k]: passed, not judged, failed
		slices.SortStableFunc(idx, func(a, b int) int { return rank[failed[a]] - rank[failed[b]] })
		fails, _ := p.count(wins, idx, d, failed, func(fails, passes int) bool {
			return fails >= need || passes > len(wins)-need
		})
		if fails >= need {
			return d, true
		}
	}
	return math.NaN(), false
}

// powerSeed seeds the bootstrap of TestPowerByBudget.
const powerSeed = 20261130

// powerWindowCount is the number of windows per budget: a detection rate
// near 95% then has a binomial standard error of sqrt(0.95 * 0.05 / 200) =
// 0.015, about the change of the rate between two points of the grid near
// it, so the smallest delta found is good to a point of the grid. More
// windows cost more than the 5 s a test of the package should take: a
// gate of 34 rounds takes the U test's exact path (no ties, at most 50
// samples a side), about 1 ms a judgement of 10 rows.
const powerWindowCount = 200

// roundsFor returns the rounds the gate affords in budget: budget over the
// mean round time of the runs (their budgets over their rounds, which
// counts the listing of the suite and the unused end of each budget into
// the round, so it errs towards fewer rounds), at most DefaultOptions'
// MaxRounds, as Run chooses them.
func roundsFor(runs []sampleRun, budget time.Duration) (n int, roundTime time.Duration) {
	var total time.Duration
	rounds := 0
	for _, r := range runs {
		total += r.budget
		rounds += r.rounds()
	}
	roundTime = total / time.Duration(rounds)
	return min(DefaultOptions.MaxRounds, int(budget/roundTime)), roundTime
}

// TestPowerByBudget derives, from the raw samples of the A/A gate runs in
// testdata/power-samples.tsv (scripts/gate-power.sh), the smallest
// slowdown of the training step the gate detects with 95% power at
// budgets of 2, 5 and 10 minutes, and its false-alarm rate there. For
// each budget it takes the rounds the budget affords (roundsFor), draws
// powerWindowCount windows of that many A/A rounds (powerWindows: seeded
// blocks of consecutive rounds, without replacement), multiplies the
// head's samples of the rows the plant slows (plantedRow; wall and CPU
// time) by 1 + delta, and judges each window as the gate does (Judge with
// DefaultOptions, MinSamples as Run sets it); the smallest delta of
// powerGrid at which at least 95% of the windows fail is the answer. At
// the runs' own budget it checks the construction against the observation:
// Judge on each recorded run must give the gate's exit of power.tsv (it
// logs any run where the 5 significant digits of the old samples tip a
// p-value), and the A/A runs with the plant applied as a factor are set
// beside the planted runs' detection rate. Print the tables with
//
//	go test ./gate -run TestPowerByBudget -v
func TestPowerByBudget(t *testing.T) {
	testenv.GonumPassOnly(t, "statistics of the stored samples of testdata/power-samples.tsv")
	const file = "testdata/power-samples.tsv"
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is absent: scripts/gate-power.sh N BUDGET writes it", file)
	}
	require.NoError(t, err)
	defer f.Close()
	runs, err := readSamples(f, file)
	require.NoError(t, err)
	var aa, planted []sampleRun
	for _, r := range runs {
		if r.kind == "aa" {
			aa = append(aa, r)
		} else {
			planted = append(planted, r)
		}
	}
	require.NotEmpty(t, aa, "%s: no A/A runs to resample", file)
	pj := newPowerJudge(aa)
	require.Contains(t, pj.planted, true, "%s: no row of %v is slowed by the plant", file, pj.rows)

	// Per row: the order effect of the A/A runs (the head runs second in
	// every round: the fraction of rounds in which its sample exceeds the
	// base's, 0.5 without one) and the slowdown the plant really gave (the
	// median over the planted runs of the head's median over the base's).
	for i, row := range pj.rows {
		above, rounds := 0, 0
		for _, r := range aa {
			for j := range r.rounds() {
				if r.head[i][j] > r.base[i][j] {
					above++
				}
				rounds++
			}
		}
		var ratios []float64
		for _, r := range planted {
			ratios = append(ratios, median(r.head[i])/median(r.base[i]))
		}
		msg := fmt.Sprintf("%-58s %-10s planted %-5v A/A: head above base in %.3f of %d rounds", row.name, row.unit, pj.planted[i], float64(above)/float64(rounds), rounds)
		if len(ratios) > 0 {
			msg += fmt.Sprintf("; planted runs' head/base medians: median %.3f (%.3f to %.3f)", median(ratios), slices.Min(ratios), slices.Max(ratios))
		}
		t.Log(msg)
	}

	// Judge on each recorded run as it is, as the gate judged it, and on
	// each A/A run with a 10% plant applied as a factor. The file's
	// samples have 5 significant digits, the gate had full precision, so a
	// p-value at a limit could tip; none does in the committed file, so a
	// disagreement means Judge or its options changed since the runs, and
	// the README's figures with them.
	observed := observedRates(t, "testdata/power.tsv")
	exits := recordedExits(t, "testdata/power.tsv")
	same, known, plant10 := 0, 0, 0
	own := map[time.Duration]bool{}
	for _, r := range runs {
		if r.kind == "aa" {
			own[r.budget] = true
		}
		pr := newPowerJudge([]sampleRun{r})
		all := make([]roundRef, r.rounds())
		for j := range all {
			all[j] = roundRef{0, j}
		}
		fails := pr.fails(all, 0)
		if e, ok := exits[r.utc+" "+r.kind]; ok {
			known++
			if (e == 1) == fails {
				same++
			} else {
				t.Logf("run %s %s: the gate exited %d, Judge on the recorded samples says failed=%v", r.utc, r.kind, e, fails)
			}
		}
		if r.kind == "aa" && pr.fails(all, 0.10) {
			plant10++
		}
	}
	t.Logf("Judge on the recorded samples gives the gate's own verdict (power.tsv's exit) in %d of the %d runs power.tsv has (of %d)", same, known, len(runs))
	require.Equal(t, known, same, "runs whose recorded exit Judge does not repeat")

	grid := powerGrid()
	rng := rand.New(rand.NewPCG(powerSeed, 1))
	n1, roundTime := roundsFor(aa, time.Minute)
	t.Logf("%d A/A runs, %d planted runs; a round of the A/A runs took %v on average (%d rounds a minute); %d windows per budget",
		len(aa), len(planted), roundTime.Round(time.Millisecond), n1, powerWindowCount)

	// The runs' own budget: the derivation beside the observation. The
	// A/A runs as they are, with the plant applied as a factor, are the
	// derivation without resampling; bootstrap windows of so few rounds
	// would mostly take the U test's exact path with ties, too slow for
	// hundreds of windows.
	t.Logf("the A/A runs themselves, head's planted rows x 1.10: the gate fails on %d of %d", plant10, len(aa))
	for _, o := range observed {
		if own[o.budget] {
			t.Logf("    observed at %v: %s runs: gate exit 1 in %d of %d (%.3f, 95%% CI %.3f to %.3f)", o.budget, o.Kind, o.Alarms, o.N, o.Rate, o.Lo, o.Hi)
		}
	}

	t.Logf("%-8s %6s %22s %30s", "budget", "rounds", "false alarms (delta 0)", "smallest delta at 95% power")
	type result struct {
		d95, fa float64
		ok      bool
	}
	byRounds := map[int]result{}
	for _, b := range []time.Duration{2 * time.Minute, 5 * time.Minute, 10 * time.Minute} {
		n, _ := roundsFor(aa, b)
		require.GreaterOrEqual(t, n, pj.opts.MinSamples, "budget %v affords %d rounds, fewer than the U test needs: the gate refuses it", b, n)
		res, done := byRounds[n]
		if !done {
			// 5 and 10 minutes both afford MaxRounds on an idle machine:
			// the same windows, judged once.
			wins := powerWindows(aa, n, powerWindowCount, powerBlockLen, rng)
			res.fa = pj.rate(wins, 0)
			res.d95, res.ok = pj.smallestDetected(wins, grid, 0.95)
			byRounds[n] = res
		}
		d95 := "beyond 30%"
		if res.ok {
			d95 = fmt.Sprintf("%.1f%%", 100*res.d95)
		}
		t.Logf("%-8v %6d %22.3f %30s", b, n, res.fa, d95)
	}
}

// recordedExits returns the exit of each gate run of path
// (testdata/power.tsv) by "utc kind".
func recordedExits(t *testing.T, path string) map[string]int {
	m := map[string]int{}
	for _, r := range readPower(t, path) {
		m[r.utc+" "+r.kind] = r.exit
	}
	return m
}

// median is the median of x (the mean of the middle two for even length).
func median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// budgetRow is a powerRow with its budget parsed.
type budgetRow struct {
	powerRow
	budget time.Duration
}

// observedRates returns the rows of the gate runs of path
// (testdata/power.tsv) with their budgets parsed.
func observedRates(t *testing.T, path string) []budgetRow {
	var out []budgetRow
	for _, r := range powerRows(readPower(t, path)) {
		b, err := time.ParseDuration(r.Budget)
		require.NoError(t, err, "%s: budget %q", path, r.Budget)
		out = append(out, budgetRow{r, b})
	}
	return out
}

// synthRuns returns runs A/A gate runs of rounds rounds on the rows names,
// every sample c_i * noise(rng), c_i = 2^-(10+i) (a power of two, so that
// a planted factor 1 + delta gives a median ratio of exactly 1 + delta when
// noise is constant).
func synthRuns(runs, rounds int, names []string, noise func(*rand.Rand) float64, rng *rand.Rand) []sampleRun {
	out := make([]sampleRun, runs)
	for k := range out {
		r := sampleRun{utc: fmt.Sprint(k), kind: "aa", plant: "0", budget: time.Minute}
		for i, name := range names {
			r.rows = append(r.rows, sampleRow{name, "sec/op"})
			c := math.Ldexp(1, -10-i)
			b, h := make([]float64, rounds), make([]float64, rounds)
			for j := range b {
				b[j], h[j] = c*noise(rng), c*noise(rng)
			}
			r.base, r.head = append(r.base, b), append(r.head, h)
		}
		out[k] = r
	}
	return out
}

// TestPowerDerivation runs the derivation of TestPowerByBudget on
// synthetic A/A runs whose answer is known.
func TestPowerDerivation(t *testing.T) {
	testenv.GonumPassOnly(t, "statistics of simulated samples")
	grid := powerGrid()
	rng := rand.New(rand.NewPCG(powerSeed, 2))
	const n, w = 100, 400 // 400 windows: a standard error of 0.011 near 95%
	t.Run("no noise", func(t *testing.T) {
		// Every sample of a row is c_i: at delta 0 both sides are equal
		// (the U test's p is 1, no alarm); at delta > 0 every head sample
		// of the planted rows exceeds every base sample (p about 1e-40
		// with the normal approximation, 100 + 100 tied samples), so the
		// gate fails once the median ratio 1 + delta exceeds 1 + the 5%
		// threshold: 5% exactly is not beyond it, the next grid point 5.5%
		// is.
		runs := synthRuns(4, 40, []string{"Step/x", "Train/y", "Infer/z"}, func(*rand.Rand) float64 { return 1 }, rng)
		pj := newPowerJudge(runs)
		wins := powerWindows(runs, n, w, powerBlockLen, rng)
		require.Equal(t, 0.0, pj.rate(wins, 0))
		require.Equal(t, 0.0, pj.rate(wins, 0.05))
		require.Equal(t, 1.0, pj.rate(wins, 0.055))
		d, ok := pj.smallestDetected(wins, grid, 0.95)
		require.True(t, ok)
		require.InDelta(t, 0.055, d, 1e-12) // the grid's 11 * 0.005
	})
	t.Run("known noise", func(t *testing.T) {
		// Samples c (1 + 0.02 z), z standard normal, one planted row. A
		// median of 100 such samples has a standard error of sqrt(pi/2)
		// 0.02 / 10 = 0.0025 relative, the log of the ratio of two
		// 0.0035. The U test rejects at these deltas without doubt (a
		// shift of 2.5 standard deviations with 100 + 100 samples), so
		// the gate fails when (1 + delta) times the noise's median ratio
		// exceeds 1.05: at 5% in half the windows, at 5.5% when the log
		// of the noise's ratio exceeds log(1.05/1.055) = -0.0047 = -1.34
		// standard errors (91%), at 6% when it exceeds -0.0095 = -2.68
		// (99.6%): 6% is the smallest delta of the grid with 95%.
		runs := synthRuns(50, 40, []string{"Step/x", "Infer/z"}, func(r *rand.Rand) float64 { return 1 + 0.02*r.NormFloat64() }, rng)
		pj := newPowerJudge(runs)
		wins := powerWindows(runs, n, w, powerBlockLen, rng)
		fa, at5 := pj.rate(wins, 0), pj.rate(wins, 0.05)
		t.Logf("false alarms %.3f, detection at 5%% %.3f, 5.5%% %.3f, 6%% %.3f", fa, at5, pj.rate(wins, 0.055), pj.rate(wins, 0.06))
		require.Equal(t, 0.0, fa, "a 5%% change of the median is 14 standard errors of A/A noise")
		d, ok := pj.smallestDetected(wins, grid, 0.95)
		require.True(t, ok)
		require.InDelta(t, 0.06, d, 1e-12)
	})
	t.Run("pure noise", func(t *testing.T) {
		// Samples c e^z, z standard normal: a 30% slowdown shifts the
		// log by 0.26 standard deviations, which 100 + 100 samples
		// detect at Holm's 0.05/3 with a power of about 0.28 per row
		// (z = 0.26 sqrt(50) sqrt(3/pi) = 1.81 against 2.39), so the gate
		// fails in about half of the windows (two planted rows, and
		// Holm's later limits a little higher): far from 95%, which no
		// delta of the grid reaches. The false alarms stay within Holm's 5%
		// (up to the binomial noise of 400 windows).
		runs := synthRuns(50, 40, []string{"Step/x", "Train/y", "Infer/z"}, func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()) }, rng)
		pj := newPowerJudge(runs)
		wins := powerWindows(runs, n, w, powerBlockLen, rng)
		fa, at30 := pj.rate(wins, 0), pj.rate(wins, 0.30)
		t.Logf("false alarms %.3f, detection at 30%% %.3f", fa, at30)
		require.Less(t, at30, 0.75)
		_, ok := pj.smallestDetected(wins, grid, 0.95)
		require.False(t, ok)
		require.LessOrEqual(t, fa, 0.05+3*math.Sqrt(0.05*0.95/w))
	})
	t.Run("windows", func(t *testing.T) {
		// Blocks of powerBlockLen consecutive rounds of one run, cut at
		// multiples of powerBlockLen; no round twice in a window.
		runs := []sampleRun{
			{base: [][]float64{make([]float64, 25)}},
			{base: [][]float64{make([]float64, 3)}},
		}
		for _, win := range powerWindows(runs, 27, 50, powerBlockLen, rng) {
			require.Len(t, win, 27)
			seen := map[roundRef]bool{}
			for k, cur := range win {
				require.False(t, seen[cur], "round %+v twice", cur)
				seen[cur] = true
				if k > 0 && cur.run == win[k-1].run && cur.round == win[k-1].round+1 && cur.round%powerBlockLen != 0 {
					continue // within a block
				}
				require.Zero(t, cur.round%powerBlockLen, "a block starts at %+v", cur)
			}
		}
		require.Panics(t, func() { powerWindows(runs, 29, 1, powerBlockLen, rng) })
	})
}

func TestReadSamples(t *testing.T) {
	const h = samplesHeader + "\n"
	ok := h + "t1\taa\t1m\t0\tA\tcpu-sec/op\tbase\t1,2\nt1\taa\t1m\t0\tA\tcpu-sec/op\thead\t3,4\nt1\taa\t1m\t0\tA\tsec/op\tbase\t5,6\nt1\taa\t1m\t0\tA\tsec/op\thead\t7,8\n" +
		"t2\tplanted\t1m\t0.10\tA\tcpu-sec/op\tbase\t1\nt2\tplanted\t1m\t0.10\tA\tcpu-sec/op\thead\t2\nt2\tplanted\t1m\t0.10\tA\tsec/op\tbase\t1\nt2\tplanted\t1m\t0.10\tA\tsec/op\thead\t2\n"
	runs, err := readSamples(strings.NewReader(ok), "f")
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Equal(t, []sampleRow{{"A", "cpu-sec/op"}, {"A", "sec/op"}}, runs[0].rows)
	require.Equal(t, [][]float64{{3, 4}, {7, 8}}, runs[0].head)
	require.Equal(t, time.Minute, runs[1].budget)
	require.Equal(t, 1, runs[1].rounds())
	t.Run("without the unit column", func(t *testing.T) {
		// A case's lines are its timing rows in Judge's order: two are
		// cpu-sec/op then sec/op, one is sec/op.
		v1 := samplesHeaderV1 + "\nt1\taa\t1m\t0\tA\tbase\t1\nt1\taa\t1m\t0\tA\thead\t2\nt1\taa\t1m\t0\tA\tbase\t3\nt1\taa\t1m\t0\tA\thead\t4\n" +
			"t1\taa\t1m\t0\tB\tbase\t5\nt1\taa\t1m\t0\tB\thead\t6\n"
		runs, err := readSamples(strings.NewReader(v1), "f")
		require.NoError(t, err)
		require.Equal(t, []sampleRow{{"A", "cpu-sec/op"}, {"A", "sec/op"}, {"B", "sec/op"}}, runs[0].rows)
		require.Equal(t, [][]float64{{2}, {4}, {6}}, runs[0].head)
		three := samplesHeaderV1 + "\nt1\taa\t1m\t0\tA\tbase\t1\nt1\taa\t1m\t0\tA\tbase\t1\nt1\taa\t1m\t0\tA\tbase\t1\n" +
			"t1\taa\t1m\t0\tA\thead\t1\nt1\taa\t1m\t0\tA\thead\t1\nt1\taa\t1m\t0\tA\thead\t1\n"
		_, err = readSamples(strings.NewReader(three), "f")
		require.EqualError(t, err, "f: run t1 aa: A has 3 lines per side, want at most 2 ([cpu-sec/op sec/op])")
		_, err = readSamples(strings.NewReader(samplesHeaderV1+"\nt1\taa\t1m\t0\tA\tsec/op\tbase\t1\n"), "f")
		require.EqualError(t, err, "f:2: 8 tab-separated columns, want 7")
	})
	for _, c := range []struct{ in, want string }{
		{"", `f: empty, want the header "utc\tkind\tbudget\tplant\tbenchmark\tunit\tside\tsamples"`},
		{"utc\tkind\n", `f:1: header "utc\tkind", want "utc\tkind\tbudget\tplant\tbenchmark\tunit\tside\tsamples"`},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\n", "f:2: 7 tab-separated columns, want 8"},
		{h + "t1\tab\t1m\t0\tA\tsec/op\tbase\t1\n", `f:2: kind "ab", want aa or planted`},
		{h + "t1\taa\t0s\t0\tA\tsec/op\tbase\t1\n", `f:2: budget "0s" is not a positive duration`},
		{h + "t1\taa\t1m\t0\tA\tB/op\tbase\t1\n", `f:2: unit "B/op" is not a timing unit [cpu-sec/op sec/op]`},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1,-2\n", `f:2: sample "-2" of A sec/op base is not a positive number`},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1,NaN\n", `f:2: sample "NaN" of A sec/op base is not a positive number`},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tleft\t1\n", `f:2: side "left", want base or head`},
		{h + "t1\taa\t1m\t0\tA\tsec/op\thead\t1\n", "f:2: run t1 aa: a head line of A sec/op without its base line before it"},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1,2\nt1\taa\t1m\t0\tA\tsec/op\thead\t1\n", "f:3: run t1 aa: A has 1 head rounds, 2 base rounds"},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1,2\nt1\taa\t1m\t0\tB\tsec/op\tbase\t1\n", "f:3: run t1 aa: B has 1 rounds, A 2"},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1\nt1\taa\t1m\t0\tA\tsec/op\tbase\t1\n", "f:3: run t1 aa: a second base line of A sec/op"},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1\nt1\taa\t2m\t0\tA\tsec/op\thead\t1\n", "f:3: run t1 aa has budget 1m0s and plant 0 on another line, here 2m and 0"},
		{h + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1\n", "f: run t1 aa: A sec/op has no head line"},
		{ok + "t1\taa\t1m\t0\tA\tsec/op\tbase\t1\n", "f:10: run t1 aa again after other runs"},
		{ok + "t3\taa\t1m\t0\tC\tsec/op\tbase\t1\nt3\taa\t1m\t0\tC\tsec/op\thead\t1\n", "f: run t3 aa has the rows [{C sec/op}], run t1 aa [{A cpu-sec/op} {A sec/op}]: not one suite"},
	} {
		_, err := readSamples(strings.NewReader(c.in), "f")
		require.EqualError(t, err, c.want, "input %q", c.in)
	}
}
