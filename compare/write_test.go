package compare

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sampleReport compares two files with one row of each verdict.
func sampleReport(t *testing.T) *Report {
	t.Helper()
	rng := newRand(t)
	const noise = 0.01
	head := "Unit flops/op assume=exact\n"
	oldText := benchFile(head,
		series{"Slow/d=64", "ns/op", noisy(rng, 10, 1000, noise)},
		series{"Fast|pipe", "ns/op", noisy(rng, 10, 1000, noise)},
		series{"Few", "ns/op", noisy(rng, 2, 1000, noise)},
		series{"Same", "ns/op", noisy(rng, 10, 1000, noise)},
		series{"Flops", "flops/op", same(3, 1e6)},
		series{"Gone", "ns/op", noisy(rng, 3, 1000, noise)},
	)
	newText := benchFile(head,
		series{"Slow/d=64", "ns/op", noisy(rng, 10, 1200, noise)},
		series{"Fast|pipe", "ns/op", noisy(rng, 10, 800, noise)},
		series{"Few", "ns/op", noisy(rng, 2, 1200, noise)},
		series{"Same", "ns/op", noisy(rng, 10, 1000, noise)},
		series{"Flops", "flops/op", same(3, 1e6+1)},
		series{"Added", "ns/op", noisy(rng, 3, 1000, noise)},
	)
	rep, err := compareText(oldText, newText, DefaultOptions)
	require.NoError(t, err)
	return rep
}

// wantVerdicts are the verdicts of sampleReport's rows, in order.
var wantVerdicts = []struct {
	bench   string
	verdict Verdict
}{
	{"Slow/d=64", Regression},
	{"Fast|pipe", Improvement},
	{"Few", Insufficient},
	{"Same", NoChange},
	{"Flops", Regression},
	{"Gone", OnlyInOld},
	{"Added", OnlyInNew},
}

func TestCompareWriteText(t *testing.T) {
	rep := sampleReport(t)
	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b))
	out := b.String()
	for _, w := range wantVerdicts {
		require.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(w.bench)+` .*`+string(w.verdict)+`$`), out)
	}
	require.Contains(t, out, "FAIL: 2 regressions, 1 improvement, 1 warning (insufficient samples), 1 unchanged, 2 only in one file")
	require.Contains(t, out, "old: old.txt\nnew: new.txt\nalpha 0.05, threshold 5%")
	require.Contains(t, out, "need >= 6 samples for confidence interval at level 0.95")
	require.Regexp(t, `Flops +flops/op +1000000 +1000001 +\+0\.0001% +exact +3\+3 +regression`, out)
}

// mdCells splits a Markdown table line into its cells, keeping escaped pipes.
func mdCells(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |")
	cells := regexp.MustCompile(`[^\\]\| `).Split(line+" ", -1) // a pipe not escaped
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// mdTable returns the lines of the Markdown table of out whose header line
// starts with head.
func mdTable(out, head string) []string {
	var table []string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, head):
			table = []string{line}
		case table != nil && strings.HasPrefix(line, "|"):
			table = append(table, line)
		case table != nil:
			return table
		}
	}
	return table
}

func TestCompareWriteMarkdown(t *testing.T) {
	rep := sampleReport(t)
	var b bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&b))
	table := mdTable(b.String(), "| benchmark |")
	require.Len(t, table, 2+len(wantVerdicts), "header, separator, rows:\n%s", b.String())
	require.Len(t, mdCells(table[0]), len(header))
	require.Len(t, mdCells(table[1]), len(header))
	for i, w := range wantVerdicts {
		cells := mdCells(table[2+i])
		require.Len(t, cells, len(header), "row %q", table[2+i])
		require.Equal(t, "`"+strings.ReplaceAll(w.bench, "|", `\|`)+"`", cells[0])
		verdict := string(w.verdict)
		if w.verdict == Regression {
			verdict = "**" + verdict + "**"
		}
		require.Equal(t, verdict, cells[len(cells)-1])
	}
	require.Contains(t, b.String(), "**FAIL: 2 regressions")
	machine := mdTable(b.String(), "| machine |")
	require.Equal(t, []string{"| machine | old | new |", "| --- | --- | --- |", "| goos | linux | linux |",
		"| goarch | amd64 | amd64 |"}, machine, "benchFile's configuration lines")
	geomean := mdTable(b.String(), "| unit |")
	require.Len(t, geomean, 2+2, "header, separator, sec/op and flops/op")
}

func TestCompareWriteMarkdownKeys(t *testing.T) {
	// A configuration key of the comparison key is a column before the
	// benchmark, its values code spans.
	text := blocks(block{"pkg: a|b\n", "X-2", 100, 6}, block{"pkg: c\n", "X-2", 100, 6})
	rep, err := compareText(text, text, DefaultOptions)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&b))
	table := mdTable(b.String(), "| pkg | benchmark |")
	require.Len(t, table, 2+2)
	require.Len(t, mdCells(table[1]), 1+len(header))
	cells := mdCells(table[2])
	require.Len(t, cells, 1+len(header))
	require.Equal(t, []string{"`a\\|b`", "`X`", "sec/op"}, cells[:3])
}

func TestCompareWriteJSON(t *testing.T) {
	rep := sampleReport(t)
	var b bytes.Buffer
	require.NoError(t, rep.WriteJSON(&b))
	var got jsonReport
	require.NoError(t, json.Unmarshal(b.Bytes(), &got), "output:\n%s", b.String())
	require.True(t, got.Failed)
	require.Equal(t, 2, got.Regressions)
	require.Equal(t, 1, got.Warnings)
	require.Equal(t, 0.05, got.Alpha)
	require.Len(t, got.Rows, len(wantVerdicts))
	for i, w := range wantVerdicts {
		r := got.Rows[i]
		require.Equal(t, w.bench, r.Benchmark)
		require.Equal(t, w.verdict, r.Verdict)
	}
	slow := got.Rows[0]
	require.Equal(t, "sec/op", slow.Unit)
	require.Equal(t, "lower", slow.Better)
	require.NotNil(t, slow.P)
	require.Less(t, *slow.P, 0.05)
	require.NotNil(t, slow.Ratio)
	require.InDelta(t, 1.2, *slow.Ratio, 0.03) // medians within 1% of 1000 and 1200
	require.Equal(t, 10, slow.Old.N)
	few := got.Rows[2]
	require.Nil(t, few.Old.Lo, "an infinite bound of n=2 is null")
	gone := got.Rows[5]
	require.Nil(t, gone.New, "a sample absent from new is null")
	require.Nil(t, gone.P, "a NaN p is null")
	require.Nil(t, gone.Ratio)
	require.True(t, got.Rows[4].Exact)
}
