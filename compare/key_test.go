package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// block is one run of benchmark lines under configuration lines, as go test
// writes one package's output.
type block struct {
	config string // "key: value" lines
	name   string // Benchmark<name>
	ns     float64
	n      int
}

// blocks writes the blocks one after the other.
func blocks(bs ...block) string {
	var b strings.Builder
	for _, bl := range bs {
		b.WriteString(bl.config)
		for range bl.n {
			fmt.Fprintf(&b, "Benchmark%s\t100\t%g ns/op\n", bl.name, bl.ns)
		}
	}
	return b.String()
}

func TestCompareKey(t *testing.T) {
	// Constant samples of 6+6 are deterministic (smallest p 2/924 <
	// 0.05): a change of the value is a verdict whatever its size.
	const n = 6
	type row struct {
		name    string // Row.Name()
		verdict Verdict
	}
	tests := []struct {
		name     string
		old, new string
		wantKeys []string
		want     []row
	}{
		{name: "pkg splits one name",
			old:      blocks(block{"pkg: a\n", "X-2", 100, n}, block{"pkg: b\n", "X-2", 50, n}),
			new:      blocks(block{"pkg: a\n", "X-2", 50, n}, block{"pkg: b\n", "X-2", 100, n}),
			wantKeys: []string{"pkg"},
			want:     []row{{"a X", Improvement}, {"b X", Regression}}},
		{name: "keys differing only between files do not split",
			old:  blocks(block{"pkg: a\ncpu: Intel\ncommit: 1\nblas: gonum\n", "X-2", 100, n}),
			new:  blocks(block{"pkg: b\ncpu: AMD\ncommit: 2\nblas: openblas\n", "X-8", 100, n}),
			want: []row{{"X", NoChange}}},
		{name: "go test ./... against one package",
			old:      blocks(block{"pkg: a\n", "X-2", 100, n}, block{"pkg: b\n", "X-2", 50, n}),
			new:      blocks(block{"pkg: a\n", "X-2", 100, n}),
			wantKeys: []string{"pkg"},
			want:     []row{{"a X", NoChange}, {"b X", OnlyInOld}}},
		{name: "pkg first, then keys in order of appearance",
			old: blocks(block{"blas: gonum\npkg: a\n", "X-2", 100, n}, block{"blas: openblas\npkg: b\n", "X-2", 20, n},
				block{"blas: openblas\npkg: a\n", "X-2", 20, n}),
			new:      blocks(block{"blas: gonum\npkg: a\n", "X-2", 100, n}, block{"blas: openblas\npkg: a\n", "X-2", 40, n}),
			wantKeys: []string{"pkg", "blas"},
			want:     []row{{"a gonum X", NoChange}, {"b openblas X", OnlyInOld}, {"a openblas X", Regression}}},
		{name: "a key set on some results only",
			old:      blocks(block{"", "X-2", 100, n}, block{"commit: 1\n", "X-2", 200, n}),
			new:      blocks(block{"", "X-2", 100, n}, block{"commit: 1\n", "X-2", 200, n}),
			wantKeys: []string{"commit"},
			want:     []row{{"X", NoChange}, {"1 X", NoChange}}},
		{name: "a key cleared by an empty value",
			old:      blocks(block{"pkg: a\n", "X-2", 100, n}, block{"pkg:\n", "X-2", 200, n}),
			new:      blocks(block{"pkg: a\n", "X-2", 100, n}, block{"pkg:\n", "X-2", 200, n}),
			wantKeys: []string{"pkg"},
			want:     []row{{"a X", NoChange}, {"X", NoChange}}},
		{name: "keys the projection syntax would read",
			old:      blocks(block{"a@b,c\"d: 1\n", "X-2", 100, n}, block{"a@b,c\"d: 2\n", "X-2", 200, n}),
			new:      blocks(block{"a@b,c\"d: 1\n", "X-2", 100, n}, block{"a@b,c\"d: 2\n", "X-2", 200, n}),
			wantKeys: []string{`a@b,c"d`},
			want:     []row{{"1 X", NoChange}, {"2 X", NoChange}}},
		{name: "GOMAXPROCS kept per name and package",
			old: blocks(block{"pkg: a\n", "X-1", 100, n}, block{"pkg: a\n", "X-4", 30, n},
				block{"pkg: b\n", "X-8", 50, n}),
			new: blocks(block{"pkg: a\n", "X-1", 100, n}, block{"pkg: a\n", "X-4", 30, n},
				block{"pkg: b\n", "X-16", 50, n}),
			wantKeys: []string{"pkg"},
			want:     []row{{"a X-1", NoChange}, {"a X-4", NoChange}, {"b X", NoChange}}},
		{name: "CRLF and padded values pair with plain ones",
			old: strings.ReplaceAll(blocks(block{"pkg: a  \n", "X-2", 100, n}, block{"pkg: b\t\n", "X-2", 50, n}),
				"\n", "\r\n"),
			new:      blocks(block{"pkg: a\n", "X-2", 100, n}, block{"pkg: b\n", "X-2", 50, n}),
			wantKeys: []string{"pkg"},
			want:     []row{{"a X", NoChange}, {"b X", NoChange}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := compareText(tt.old, tt.new, DefaultOptions)
			require.NoError(t, err)
			require.Equal(t, tt.wantKeys, rep.Keys)
			var got []row
			for _, r := range rep.Rows {
				require.Len(t, r.Config, len(tt.wantKeys))
				got = append(got, row{r.Name(), r.Verdict})
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCompareMachineAndGeomean(t *testing.T) {
	// The same three benchmarks under two BLAS backends, each 5x faster
	// with openblas: the geomean of sec/op goes from (1*2*4)^(1/3) = 2 us
	// to 0.4 us, ratio 0.2, -80%. allocs/op is 0 in both files and cannot
	// enter a geomean.
	head := func(blas string) string {
		return "goos: linux\ngoarch: amd64\ncpu: AMD EPYC 7763 64-Core Processor\ncores: 2\ngomaxprocs: 2\n" +
			"go: go1.26.8\nblas: " + blas + "\nlowdim: v0.3.0\nmachine: host\n"
	}
	file := func(blas string, div float64) string {
		var b strings.Builder
		b.WriteString(head(blas))
		for range 6 {
			for i, ns := range []float64{1000, 2000, 4000} {
				fmt.Fprintf(&b, "BenchmarkStep/d=%d-2\t100\t%g ns/op\t0 allocs/op\n", 64<<i, ns/div)
			}
		}
		return b.String()
	}
	rep, err := compareText(file("gonum", 1), file("openblas", 5), DefaultOptions)
	require.NoError(t, err)
	require.Empty(t, rep.Keys)
	require.Equal(t, []MachineLine{
		{"goos", "linux", "linux"},
		{"goarch", "amd64", "amd64"},
		{"cpu", "AMD EPYC 7763 64-Core Processor", "AMD EPYC 7763 64-Core Processor"},
		{"cores", "2", "2"},
		{"gomaxprocs", "2", "2"},
		{"go", "go1.26.8", "go1.26.8"},
		{"blas", "gonum", "openblas"},
		{"lowdim", "v0.3.0", "v0.3.0"},
	}, rep.Machine)

	const relTol = 1e-12 // logs and exps of a few values
	require.Len(t, rep.Geomeans, 2)
	g := rep.Geomeans[0]
	require.Equal(t, "sec/op", g.Unit)
	require.Equal(t, 3, g.N)
	require.InEpsilon(t, 2e-6, g.Old, relTol)
	require.InEpsilon(t, 0.4e-6, g.New, relTol)
	require.InEpsilon(t, 0.2, g.Ratio, relTol)
	z := rep.Geomeans[1]
	require.Equal(t, "allocs/op", z.Unit)
	require.Zero(t, z.N)
	require.Equal(t, 3, z.Skipped)
	require.True(t, math.IsNaN(z.Old) && math.IsNaN(z.New) && math.IsNaN(z.Ratio))

	var text, md, js bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	require.Regexp(t, `(?m)^blas +gonum +openblas +differs$`, text.String())
	require.Regexp(t, `(?m)^goos +linux +linux$`, text.String())
	require.Regexp(t, `(?m)^sec/op +2000\.0n +400\.0n +x0\.2 +-80\.00% +3$`, text.String()) // benchunit.CommonScale of the two
	require.Regexp(t, `(?m)^allocs/op +\? +\? +\? +\? +0 \(3 skipped: center <= 0\)$`, text.String())

	require.NoError(t, rep.WriteMarkdown(&md))
	require.Contains(t, md.String(), "| **blas** (differs) | gonum | openblas |")
	require.Contains(t, md.String(), "| sec/op | 2000.0n | 400.0n | x0.2 | -80.00% | 3 |")

	require.NoError(t, rep.WriteJSON(&js))
	var got jsonReport
	require.NoError(t, json.Unmarshal(js.Bytes(), &got), "output:\n%s", js.String())
	require.Equal(t, "gonum", got.Machine.Old["blas"])
	require.Equal(t, "openblas", got.Machine.New["blas"])
	require.Equal(t, "AMD EPYC 7763 64-Core Processor", got.Machine.New["cpu"])
	require.NotContains(t, got.Machine.Old, "machine", "the host name is not a machine line")
	require.Len(t, got.Geomeans, 2)
	require.InEpsilon(t, 0.2, *got.Geomeans[0].Ratio, relTol)
	require.Nil(t, got.Geomeans[1].Old)
	require.Equal(t, []string{}, got.Keys)
}
