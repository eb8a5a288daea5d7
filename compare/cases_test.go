package compare

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/unicode"
)

// The cases of testdata/compare-*: inputs lowdim compare handled wrongly,
// each with a README.txt (source, command, what happened, what should).

// caseSource opens testdata/dir/name as a Source named name.
func caseSource(t *testing.T, dir, name string) Source {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", dir, name))
	require.NoError(t, err)
	return Source{Name: name, R: bytes.NewReader(data)}
}

// nsByPkg reads the ns/op values of a go test -bench file without benchfmt,
// by splitting lines on white space: pkg -> values in file order.
func nsByPkg(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]float64{}
	pkg := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 2 && fields[0] == "pkg:":
			pkg = fields[1]
		case len(fields) >= 4 && strings.HasPrefix(fields[0], "Benchmark") && fields[3] == "ns/op":
			v, err := strconv.ParseFloat(fields[2], 64)
			require.NoError(t, err)
			out[pkg] = append(out[pkg], v)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// median of an odd number of values.
func median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	return s[len(s)/2]
}

func TestCasePoolsPackages(t *testing.T) {
	const dir = "compare-pools-packages"
	// relTol covers ns -> s and the decimal round trip.
	const relTol = 1e-12
	t.Run("old vs new", func(t *testing.T) {
		// old: base32 6 x 100000 ns, base64 6 x 50000 ns; new swaps them.
		// Constant within each file, 6+6 samples could show a difference
		// (smallest p 2/C(12,6) = 2/924 = 0.0022 < 0.05), so both rows are
		// deterministic: base64 doubles (+100%, a regression), base32
		// halves (-50%, an improvement). Pooled, both would be 75 us.
		rep, err := Compare(caseSource(t, dir, "old.txt"), caseSource(t, dir, "new.txt"), DefaultOptions)
		require.NoError(t, err)
		require.Equal(t, []string{"pkg"}, rep.Keys)
		require.Len(t, rep.Rows, 2)
		want := []struct {
			pkg      string
			old, new float64 // s/op
			verdict  Verdict
			delta    string
		}{
			{"encoding/base32", 100e-6, 50e-6, Improvement, "-50.00%"},
			{"encoding/base64", 50e-6, 100e-6, Regression, "+100.00%"},
		}
		for i, w := range want {
			r := rep.Rows[i]
			require.Equal(t, []KeyValue{{"pkg", w.pkg}}, r.Config)
			require.Equal(t, "EncodeToString", r.Benchmark)
			require.Equal(t, w.pkg+" EncodeToString", r.Name())
			require.Equal(t, "sec/op", r.Unit)
			require.Equal(t, w.verdict, r.Verdict, "row %+v", r)
			require.Equal(t, w.delta, r.Delta)
			require.Equal(t, 6, r.Old.N)
			require.Equal(t, 6, r.New.N)
			require.InEpsilon(t, w.old, r.Old.Center, relTol)
			require.InEpsilon(t, w.new, r.New.Center, relTol)
			require.InEpsilon(t, w.new/w.old, r.Ratio, relTol)
		}
		require.True(t, rep.Failed())
		require.Equal(t, 1, rep.Regressions)
		require.Equal(t, 1, rep.Improvements)
		// Geomean: sqrt(100*50) us in both files, ratio sqrt(0.5*2) = 1.
		require.Len(t, rep.Geomeans, 1)
		require.InEpsilon(t, 1.0, rep.Geomeans[0].Ratio, relTol)
		require.Equal(t, 2, rep.Geomeans[0].N)
		var b bytes.Buffer
		require.NoError(t, rep.WriteText(&b))
		require.Regexp(t, `(?m)^pkg +benchmark +unit `, b.String())
		require.Regexp(t, `(?m)^encoding/base64 +EncodeToString +sec/op .* \+100\.00% .* regression$`, b.String())
	})
	t.Run("real output against itself", func(t *testing.T) {
		// go test -count 5 of two packages: n = 5+5 per package (the
		// counts and medians read here without benchfmt), never the 10+10
		// of the two pooled.
		ns := nsByPkg(t, filepath.Join("testdata", dir, "real_go_test_output.txt"))
		require.Len(t, ns, 2)
		rep, err := Compare(caseSource(t, dir, "real_go_test_output.txt"), caseSource(t, dir, "real_go_test_output.txt"), DefaultOptions)
		require.NoError(t, err)
		require.Equal(t, []string{"pkg"}, rep.Keys)
		require.False(t, rep.Failed())
		for _, pkg := range []string{"encoding/base32", "encoding/base64"} {
			var rows []Row
			for _, r := range rep.Rows {
				if r.Config[0].Value == pkg && r.Unit == "sec/op" {
					rows = append(rows, r)
				}
			}
			require.Len(t, rows, 1, pkg)
			r := rows[0]
			require.Equal(t, len(ns[pkg]), r.Old.N, pkg)
			require.Equal(t, len(ns[pkg]), r.New.N, pkg)
			require.InEpsilon(t, median(ns[pkg])*1e-9, r.Old.Center, relTol, pkg)
			require.Equal(t, NoChange, r.Verdict)
		}
		// Each package also reports MB/s (B/s): 2 packages x 2 units.
		require.Len(t, rep.Rows, 4)
		// The cpu line is padded with spaces by go test; they are dropped.
		require.Contains(t, rep.Machine, MachineLine{"cpu", "Oxide Virtual Turin-like Processor", "Oxide Virtual Turin-like Processor"})
		require.Contains(t, rep.Machine, MachineLine{"goos", "linux", "linux"})
	})
}

func TestCaseBOMUTF16(t *testing.T) {
	const dir = "compare-bom-utf16"
	const relTol = 1e-12 // ns -> s
	newData, err := os.ReadFile(filepath.Join("testdata", dir, "new.txt"))
	require.NoError(t, err)
	want := parsed("x", newData)
	require.Len(t, want, 5, "new.txt holds A once and B four times")

	t.Run("UTF-16LE file reads as new.txt", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("testdata", dir, "old_utf16le.txt"))
		require.NoError(t, err)
		require.Equal(t, want, parsed("x", data))
		rep, err := Compare(caseSource(t, dir, "old_utf16le.txt"), caseSource(t, dir, "new.txt"), DefaultOptions)
		require.NoError(t, err)
		require.False(t, rep.Failed())
		require.Len(t, rep.Rows, 2)
	})
	t.Run("UTF-16 variants of new.txt", func(t *testing.T) {
		require.Equal(t, want, parsed("x", encodeUTF16(t, newData, unicode.BigEndian, true)))
		_, err := Compare(Source{"nobom.txt", bytes.NewReader(encodeUTF16(t, newData, unicode.LittleEndian, false))},
			caseSource(t, dir, "new.txt"), DefaultOptions)
		require.EqualError(t, err, "nobom.txt:1: NUL byte: UTF-16 text without BOM? convert it to UTF-8")
	})
	t.Run("UTF-8 BOM keeps the first result", func(t *testing.T) {
		// old_utf8bom.txt's first line, after the BOM, is the only sample
		// of A: 300 ns/op against 900 in new.txt, 3x slower. One sample
		// each can never reach p < 0.05 (smallest p of 1+1 is 1), so the
		// row is a warning (insufficient samples), which fails the gate
		// under StrictSamples; B is 4+4 identical samples, no change.
		rep, err := Compare(caseSource(t, dir, "old_utf8bom.txt"), caseSource(t, dir, "new.txt"), DefaultOptions)
		require.NoError(t, err)
		require.Len(t, rep.Rows, 2)
		a := requireRow(t, rep, "A", "sec/op")
		require.Equal(t, 1, a.Old.N, "A is read from old_utf8bom.txt's first line")
		require.Equal(t, 1, a.New.N)
		require.InEpsilon(t, 300e-9, a.Old.Center, relTol)
		require.InEpsilon(t, 900e-9, a.New.Center, relTol)
		require.InEpsilon(t, 3.0, a.Ratio, relTol)
		require.Equal(t, "+200.00%", a.Delta)
		require.Equal(t, Insufficient, a.Verdict)
		require.Equal(t, NoChange, requireRow(t, rep, "B", "sec/op").Verdict)
		require.False(t, rep.Failed())

		strict := DefaultOptions
		strict.StrictSamples = true
		rep, err = Compare(caseSource(t, dir, "old_utf8bom.txt"), caseSource(t, dir, "new.txt"), strict)
		require.NoError(t, err)
		require.True(t, rep.Failed())
	})
	t.Run("files concatenated with their BOMs", func(t *testing.T) {
		bom, err := os.ReadFile(filepath.Join("testdata", dir, "old_utf8bom.txt"))
		require.NoError(t, err)
		// new.txt then old_utf8bom.txt: the BOM starts line 6, and its A
		// line is a result: 5 + 5 results.
		got := parsed("x", append(append([]byte(nil), newData...), bom...))
		require.Len(t, got, 10)
		require.Contains(t, got[5], "A-8")
	})
}
