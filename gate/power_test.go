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
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

// wantPower are the figures of testdata/power.tsv the README states:
// scripts/gate-power.sh 30 30s 0.10 (load average 8.7 to 13.5) and
// scripts/gate-power.sh 4 2m 0.10 (load average 6.1 to 11.0) on two cores
// shared with other work, OpenBLAS; rows sorted by kind, budget, plant.
var wantPower = []powerRow{
	{Kind: "aa", Budget: "2m", Plant: "0", Alarms: 0, N: 4, Lo: 0, Hi: 0.602},
	{Kind: "aa", Budget: "30s", Plant: "0", Alarms: 1, N: 30, Lo: 0.001, Hi: 0.172},
	{Kind: "planted", Budget: "2m", Plant: "0.10", Alarms: 4, N: 4, Lo: 0.398, Hi: 1},
	{Kind: "planted", Budget: "30s", Plant: "0.10", Alarms: 2, N: 30, Lo: 0.008, Hi: 0.221},
}

// samplesHeader is the first line of a samples file (scripts/gate-power.sh).
const samplesHeader = "utc\tkind\tbudget\tplant\tbenchmark\tside\tsamples"

// sampleRun is one gate run of a samples file: the sec/op samples of its
// timing rows in round order, sample j of every row on either side coming
// from round j.
type sampleRun struct {
	utc, kind, plant string
	budget           time.Duration
	names            []string    // the timing rows, in file order
	base, head       [][]float64 // [row][round]
}

// rounds is the number of rounds of the run.
func (r *sampleRun) rounds() int { return len(r.base[0]) }

// readSamples reads a samples file: the header, then one line per run,
// side and timing row (utc kind budget plant benchmark side samples, the
// samples comma-separated), a run's lines together, each row's base line
// before its head line. It returns an error naming the file, line and
// value for a malformed line, a run whose rows differ in rounds or lack a
// side, and runs of different suites.
func readSamples(rd io.Reader, file string) ([]sampleRun, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var runs []sampleRun
	seen := map[string]bool{}
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			if sc.Text() != samplesHeader {
				return nil, fmt.Errorf("%s:1: header %q, want %q", file, sc.Text(), samplesHeader)
			}
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 7 {
			return nil, fmt.Errorf("%s:%d: %d tab-separated columns, want 7", file, line, len(c))
		}
		utc, kind, plant, name, side := c[0], c[1], c[3], c[4], c[5]
		if kind != "aa" && kind != "planted" {
			return nil, fmt.Errorf("%s:%d: kind %q, want aa or planted", file, line, kind)
		}
		budget, err := time.ParseDuration(c[2])
		if err != nil || budget <= 0 {
			return nil, fmt.Errorf("%s:%d: budget %q is not a positive duration", file, line, c[2])
		}
		var x []float64
		for _, s := range strings.Split(c[6], ",") {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: sample %q of %s %s is not a positive number", file, line, s, name, side)
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
		}
		r := &runs[len(runs)-1]
		if r.budget != budget || r.plant != plant {
			return nil, fmt.Errorf("%s:%d: run %s has budget %s and plant %s on another line, here %s and %s", file, line, key, r.budget, r.plant, c[2], plant)
		}
		i := slices.Index(r.names, name)
		switch side {
		case "base":
			if i >= 0 {
				return nil, fmt.Errorf("%s:%d: run %s: a second base line of %s", file, line, key, name)
			}
			if len(r.names) > 0 && len(x) != r.rounds() {
				return nil, fmt.Errorf("%s:%d: run %s: %s has %d rounds, %s %d", file, line, key, name, len(x), r.names[0], r.rounds())
			}
			r.names = append(r.names, name)
			r.base = append(r.base, x)
			r.head = append(r.head, nil)
		case "head":
			if i < 0 || r.head[i] != nil {
				return nil, fmt.Errorf("%s:%d: run %s: a head line of %s without its base line before it", file, line, key, name)
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
	for _, r := range runs {
		for i, h := range r.head {
			if h == nil {
				return nil, fmt.Errorf("%s: run %s %s: %s has no head line", file, r.utc, r.kind, r.names[i])
			}
		}
		if !slices.Equal(r.names, runs[0].names) {
			return nil, fmt.Errorf("%s: run %s %s has the rows %v, run %s %s %v: not one suite", file, r.utc, r.kind, r.names, runs[0].utc, runs[0].kind, runs[0].names)
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

// powerBlockLen is the block length, in rounds, of the moving-block
// bootstrap of powerWindows.
const powerBlockLen = 10

// powerWindows returns w windows of n rounds: a moving-block bootstrap
// (Künsch 1989) over the rounds of the runs, drawn with rng. A block is
// blockLen consecutive rounds of one run (a whole run if it has fewer),
// drawn uniformly among all such blocks; a window is blocks appended until
// it has n rounds (the last one cut short).
//
// Why blocks of rounds, not samples: a round is the base's and the head's
// sample of every row, taken within seconds of each other, so the load of
// that moment hits both sides and every row alike; resampling whole rounds
// keeps that pairing (and any order effect of base-then-head), and
// consecutive rounds keep the drift of the load over blockLen rounds. A
// window of more rounds than one run has (a longer budget than the runs')
// joins blocks from different runs, whose load levels differ as they would
// over a longer gate. Consecutive windows over the runs concatenated in
// time order would keep all of the drift but give only a handful of
// disjoint windows of 100 rounds from 30 runs of 37.
func powerWindows(runs []sampleRun, n, w, blockLen int, rng *rand.Rand) [][]roundRef {
	var blocks []roundRef // the first round of each block
	for i, r := range runs {
		for j := 0; j == 0 || j+blockLen <= r.rounds(); j++ {
			blocks = append(blocks, roundRef{i, j})
		}
	}
	wins := make([][]roundRef, w)
	for k := range wins {
		win := make([]roundRef, 0, n)
		for len(win) < n {
			b := blocks[rng.IntN(len(blocks))]
			for j := b.round; j < runs[b.run].rounds() && j < b.round+blockLen && len(win) < n; j++ {
				win = append(win, roundRef{b.run, j})
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
	names   []string
	planted []bool
	opts    JudgeOptions
}

func newPowerJudge(runs []sampleRun) *powerJudge {
	p := &powerJudge{runs: runs, names: runs[0].names, opts: DefaultOptions.JudgeOptions}
	for _, n := range p.names {
		p.planted = append(p.planted, plantedRow(n))
	}
	// As Run does: one timing row per case of the suite.
	p.opts.MinSamples = MinSamples(len(p.names), p.opts.Alpha)
	return p
}

// fails reports whether the gate fails (Failed) on window win, the head's
// samples of planted rows multiplied by 1 + delta.
func (p *powerJudge) fails(win []roundRef, delta float64) bool {
	base, head := Samples{}, Samples{}
	for i, name := range p.names {
		f := 1.0
		if p.planted[i] {
			f = 1 + delta
		}
		b, h := make([]float64, len(win)), make([]float64, len(win))
		for k, ref := range win {
			r := &p.runs[ref.run]
			b[k], h[k] = r.base[i][ref.round], f*r.head[i][ref.round]
		}
		base[name] = map[string][]float64{"sec/op": b}
		head[name] = map[string][]float64{"sec/op": h}
	}
	return Failed(Judge(p.names, base, head, p.opts, nil))
}

// rate is the fraction of the windows on which the gate fails.
func (p *powerJudge) rate(wins [][]roundRef, delta float64) float64 {
	fails := 0
	for _, w := range wins {
		if p.fails(w, delta) {
			fails++
		}
	}
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

// reaches reports whether the gate fails on at least the fraction power
// of the windows at delta. It stops judging once the count is decided.
func (p *powerJudge) reaches(wins [][]roundRef, delta, power float64) bool {
	need := int(math.Ceil(power*float64(len(wins)) - 1e-9)) // 380 of 400 at 0.95
	fails, passes := 0, 0
	for _, w := range wins {
		if p.fails(w, delta) {
			fails++
		} else {
			passes++
		}
		if fails >= need {
			return true
		}
		if passes > len(wins)-need {
			return false
		}
	}
	return fails >= need
}

// smallestDetected returns the smallest delta of grid at which the gate
// fails on at least the fraction power of the windows, and false when no
// delta of the grid reaches power. It judges every delta of the grid up to
// the answer, assuming nothing of how the rate grows with delta.
func (p *powerJudge) smallestDetected(wins [][]roundRef, grid []float64, power float64) (float64, bool) {
	for _, d := range grid {
		if p.reaches(wins, d, power) {
			return d, true
		}
	}
	return math.NaN(), false
}

// powerSeed seeds the bootstrap of TestPowerByBudget.
const powerSeed = 20261130

// powerWindowCount is the number of bootstrap windows per budget: the
// detection rate of a delta then has a standard error of at most
// sqrt(0.95 * 0.05 / 400) = 0.011 near 95%.
const powerWindowCount = 400

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
// powerWindowCount windows of that many A/A rounds (powerWindows, a
// seeded moving-block bootstrap), multiplies the head's samples of the
// rows the plant slows (plantedRow) by 1 + delta, and judges each window
// as the gate does (Judge with DefaultOptions and one timing row per
// case); the smallest delta of powerGrid at which at least 95% of the
// windows fail is the answer. At the runs' own budget it sets the derived
// rates beside the observed ones of testdata/power.tsv, a check of the
// construction. Print the table with
//
//	go test ./gate -run TestPowerByBudget -v
func TestPowerByBudget(t *testing.T) {
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
	require.Contains(t, pj.planted, true, "%s: no row of %v is slowed by the plant", file, pj.names)

	// The slowdown the plant really gave: per row, the median over the
	// planted runs of the head's median over the base's.
	for i, name := range pj.names {
		var ratios []float64
		for _, r := range planted {
			ratios = append(ratios, median(r.head[i])/median(r.base[i]))
		}
		if len(ratios) > 0 {
			t.Logf("planted %v: %-60s head/base medians over %d planted runs: median %.3f (range %.3f to %.3f)",
				pj.planted[i], name, len(ratios), median(ratios), slices.Min(ratios), slices.Max(ratios))
		}
	}

	// Judge on each recorded run as it is, as the gate judged it (the
	// file's samples have 5 significant digits, the gate's full
	// precision, so a p-value at a limit may tip), and on each A/A run
	// with the plant of the planted runs applied as a factor.
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

	t.Logf("%-8s %6s %22s %14s %30s", "budget", "rounds", "false alarms (delta 0)", "delta 10%", "smallest delta at 95% power")
	type result struct {
		d95, fa, at10, atD95 float64
		ok                   bool
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
			res.fa, res.at10 = pj.rate(wins, 0), pj.rate(wins, 0.10)
			res.d95, res.ok = pj.smallestDetected(wins, grid, 0.95)
			if res.ok {
				res.atD95 = pj.rate(wins, res.d95)
				require.GreaterOrEqual(t, res.atD95, 0.95, "reaches and rate disagree at %v", res.d95)
			}
			byRounds[n] = res
		}
		d95 := "beyond 30%"
		if res.ok {
			d95 = fmt.Sprintf("%.1f%% (rate %.3f)", 100*res.d95, res.atD95)
		}
		t.Logf("%-8v %6d %22.3f %14.3f %30s", b, n, res.fa, res.at10, d95)
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
		r := sampleRun{utc: fmt.Sprint(k), kind: "aa", plant: "0", budget: time.Minute, names: names}
		for i := range names {
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
	grid := powerGrid()
	rng := rand.New(rand.NewPCG(powerSeed, 2))
	const n, w = 100, powerWindowCount
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
		// fails in about half of the windows (two planted rows): no delta
		// of the grid reaches 95%. The false alarms stay within Holm's 5%
		// (up to the binomial noise of 400 windows).
		runs := synthRuns(50, 40, []string{"Step/x", "Train/y", "Infer/z"}, func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()) }, rng)
		pj := newPowerJudge(runs)
		wins := powerWindows(runs, n, w, powerBlockLen, rng)
		fa, at30 := pj.rate(wins, 0), pj.rate(wins, 0.30)
		t.Logf("false alarms %.3f, detection at 30%% %.3f", fa, at30)
		require.Less(t, at30, 0.5)
		_, ok := pj.smallestDetected(wins, grid, 0.95)
		require.False(t, ok)
		require.LessOrEqual(t, fa, 0.05+3*math.Sqrt(0.05*0.95/w))
	})
	t.Run("windows", func(t *testing.T) {
		// Blocks of powerBlockLen consecutive rounds of one run; a run
		// shorter than a block is one block.
		runs := []sampleRun{
			{names: []string{"Step/x"}, base: [][]float64{make([]float64, 25)}},
			{names: []string{"Step/x"}, base: [][]float64{make([]float64, 3)}},
		}
		for _, win := range powerWindows(runs, 37, 50, powerBlockLen, rng) {
			require.Len(t, win, 37)
			for k := 1; k < len(win); k++ {
				prev, cur := win[k-1], win[k]
				if cur.run == prev.run && cur.round == prev.round+1 {
					continue // within a block
				}
				// a new block starts: the previous one was full, or ended
				// its run, or was the short run
				require.True(t, cur.round <= runs[cur.run].rounds()-min(powerBlockLen, runs[cur.run].rounds()), "block start %+v", cur)
			}
		}
	})
}

func TestReadSamples(t *testing.T) {
	const h = samplesHeader + "\n"
	ok := h + "t1\taa\t1m\t0\tA\tbase\t1,2\nt1\taa\t1m\t0\tA\thead\t3,4\nt1\taa\t1m\t0\tB\tbase\t5,6\nt1\taa\t1m\t0\tB\thead\t7,8\n" +
		"t2\tplanted\t1m\t0.10\tA\tbase\t1\nt2\tplanted\t1m\t0.10\tA\thead\t2\nt2\tplanted\t1m\t0.10\tB\tbase\t1\nt2\tplanted\t1m\t0.10\tB\thead\t2\n"
	runs, err := readSamples(strings.NewReader(ok), "f")
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Equal(t, []string{"A", "B"}, runs[0].names)
	require.Equal(t, [][]float64{{3, 4}, {7, 8}}, runs[0].head)
	require.Equal(t, time.Minute, runs[1].budget)
	require.Equal(t, 1, runs[1].rounds())
	for _, c := range []struct{ in, want string }{
		{"", `f: empty, want the header "utc\tkind\tbudget\tplant\tbenchmark\tside\tsamples"`},
		{"utc\tkind\n", `f:1: header "utc\tkind", want "utc\tkind\tbudget\tplant\tbenchmark\tside\tsamples"`},
		{h + "t1\taa\t1m\t0\tA\tbase\n", "f:2: 6 tab-separated columns, want 7"},
		{h + "t1\tab\t1m\t0\tA\tbase\t1\n", `f:2: kind "ab", want aa or planted`},
		{h + "t1\taa\t0s\t0\tA\tbase\t1\n", `f:2: budget "0s" is not a positive duration`},
		{h + "t1\taa\t1m\t0\tA\tbase\t1,-2\n", `f:2: sample "-2" of A base is not a positive number`},
		{h + "t1\taa\t1m\t0\tA\tbase\t1,NaN\n", `f:2: sample "NaN" of A base is not a positive number`},
		{h + "t1\taa\t1m\t0\tA\tleft\t1\n", `f:2: side "left", want base or head`},
		{h + "t1\taa\t1m\t0\tA\thead\t1\n", "f:2: run t1 aa: a head line of A without its base line before it"},
		{h + "t1\taa\t1m\t0\tA\tbase\t1,2\nt1\taa\t1m\t0\tA\thead\t1\n", "f:3: run t1 aa: A has 1 head rounds, 2 base rounds"},
		{h + "t1\taa\t1m\t0\tA\tbase\t1,2\nt1\taa\t1m\t0\tB\tbase\t1\n", "f:3: run t1 aa: B has 1 rounds, A 2"},
		{h + "t1\taa\t1m\t0\tA\tbase\t1\nt1\taa\t2m\t0\tA\thead\t1\n", "f:3: run t1 aa has budget 1m0s and plant 0 on another line, here 2m and 0"},
		{h + "t1\taa\t1m\t0\tA\tbase\t1\n", "f: run t1 aa: A has no head line"},
		{ok + "t1\taa\t1m\t0\tA\tbase\t1\n", "f:10: run t1 aa again after other runs"},
		{ok + "t3\taa\t1m\t0\tC\tbase\t1\nt3\taa\t1m\t0\tC\thead\t1\n", "f: run t3 aa has the rows [C], run t1 aa [A B]: not one suite"},
	} {
		_, err := readSamples(strings.NewReader(c.in), "f")
		require.EqualError(t, err, c.want, "input %q", c.in)
	}
}
