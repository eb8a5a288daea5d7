package gate

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

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
	kind, budget, plant string
	exit                int
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
		runs = append(runs, powerRun{kind: c[0], budget: c[1], plant: c[2], exit: code})
	}
	require.NoError(t, sc.Err())
	return runs
}

// powerRow is the rate of exit 1 over the runs of one kind, budget and
// plant that judged (exit 0 or 1), with its 95% interval; Errors counts
// the runs that did not judge (exit 2 or 3).
type powerRow struct {
	Kind, Budget, Plant string
	Alarms, N, Errors   int
	Rate, Lo, Hi        float64
}

func powerRows(runs []powerRun) []powerRow {
	type key struct{ kind, budget, plant string }
	m := map[key]*powerRow{}
	var keys []key
	for _, r := range runs {
		k := key{r.kind, r.budget, r.plant}
		if m[k] == nil {
			m[k] = &powerRow{Kind: r.kind, Budget: r.budget, Plant: r.plant}
			keys = append(keys, k)
		}
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
		t.Logf("%-7s budget %-4s plant %-4s %s %d/%d = %.3f, 95%% CI [%.3f, %.3f]; %d runs did not judge",
			r.Kind, r.Budget, r.Plant, what, r.Alarms, r.N, r.Rate, r.Lo, r.Hi, r.Errors)
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
