package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// compareSeed seeds the synthetic benchmark files of these tests. The
// verdicts do not depend on it: the noise is bounded (see writeBench).
const compareSeed = 11

// writeBench writes a Go benchmark file into dir: n results of
// BenchmarkStep/d=64-4 at center ns/op times 1 + u, u uniform on
// [-0.01, 0.01], so 10 samples at 1000 and at 1200 are disjoint (at most
// 1010 against at least 1188) and their medians differ by 17.6% to 22.4%,
// a regression at the default alpha and threshold, while 1000 against 1000
// differ by at most 2%. extra is appended verbatim.
func writeBench(t *testing.T, rng *rand.Rand, dir, name string, n int, center float64, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\n")
	for range n {
		fmt.Fprintf(&b, "BenchmarkStep/d=64-4\t100\t%.2f ns/op\n", center*(1+0.01*(2*rng.Float64()-1)))
	}
	b.WriteString(extra)
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func TestCompareCommand(t *testing.T) {
	rng := rand.New(rand.NewPCG(compareSeed, 1))
	dir := t.TempDir()
	base := writeBench(t, rng, dir, "base.txt", 10, 1000, "")
	same := writeBench(t, rng, dir, "same.txt", 10, 1000, "")
	slow := writeBench(t, rng, dir, "slow.txt", 10, 1200, "")
	few1 := writeBench(t, rng, dir, "few1.txt", 2, 1000, "")
	few2 := writeBench(t, rng, dir, "few2.txt", 2, 1200, "")
	// Line 3 is the first result; line 4 the malformed one.
	bad := writeBench(t, rng, dir, "bad.txt", 1, 1000, "BenchmarkStep/d=64-4\t100\tfast ns/op\n")
	empty := filepath.Join(dir, "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("goos: linux\nPASS\n"), 0o644))
	other := filepath.Join(dir, "other.txt")
	require.NoError(t, os.WriteFile(other, []byte("BenchmarkOther-4\t100\t5 ns/op\n"), 0o644))
	missing := filepath.Join(dir, "missing.txt")

	tests := []struct {
		name   string
		args   []string // after "compare"
		code   int
		stdout []string // substrings
		stderr []string // substrings
	}{
		{name: "no change", args: []string{base, same}, code: exitOK,
			stdout: []string{"Step/d=64", "no change", "ok: 0 regressions"}},
		{name: "regression", args: []string{base, slow}, code: exitFailure,
			stdout: []string{"regression", "FAIL: 1 regression"}, stderr: []string{"1 regression(s)"}},
		{name: "improvement", args: []string{slow, base}, code: exitOK, stdout: []string{"improvement"}},
		{name: "large threshold", args: []string{"--threshold", "0.5", base, slow}, code: exitOK},
		{name: "flags after files", args: []string{base, slow, "--threshold", "0.5"}, code: exitOK},
		{name: "few samples warn", args: []string{few1, few2}, code: exitOK,
			stdout: []string{"insufficient samples", "1 warning"}},
		{name: "few samples strict", args: []string{"--strict-samples", few1, few2}, code: exitFailure,
			stderr: []string{"1 row(s) with insufficient samples (--strict-samples)"}},
		{name: "markdown", args: []string{"--format", "markdown", base, slow}, code: exitFailure,
			stdout: []string{"| benchmark | unit |", "| `Step/d=64` | sec/op |", "**regression**"}},
		{name: "missing file", args: []string{missing, base}, code: exitUsage,
			stderr: []string{missing, "no such file"}},
		{name: "syntax error", args: []string{bad, base}, code: exitUsage,
			stderr: []string{bad + ":4: parsing measurement"}},
		{name: "no results", args: []string{base, empty}, code: exitUsage,
			stderr: []string{empty + ": no benchmark results"}},
		{name: "no common benchmarks", args: []string{base, other}, code: exitUsage,
			stderr: []string{"no benchmark and unit in common"}},
		{name: "unknown format", args: []string{"--format", "xml", base, slow}, code: exitUsage,
			stderr: []string{`--format "xml"`}},
		{name: "alpha out of range", args: []string{"--alpha", "0", base, slow}, code: exitUsage,
			stderr: []string{"--alpha 0"}},
		{name: "negative threshold", args: []string{"--threshold", "-1", base, slow}, code: exitUsage,
			stderr: []string{"--threshold -1"}},
		{name: "unknown flag", args: []string{"--frob", base, slow}, code: exitUsage,
			stderr: []string{"-frob"}},
		{name: "one file", args: []string{base}, code: exitUsage, stderr: []string{"want two files"}},
		{name: "three files", args: []string{base, same, slow}, code: exitUsage, stderr: []string{"got 3"}},
		{name: "help", args: []string{"-h"}, code: exitOK, stderr: []string{"Usage: lowdim compare", "-strict-samples"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lowdim(t, append([]string{"compare"}, tt.args...)...)
			require.Equal(t, tt.code, code, "exit code; stdout:\n%s\nstderr:\n%s", stdout, stderr)
			for _, s := range tt.stdout {
				require.Contains(t, stdout, s)
			}
			for _, s := range tt.stderr {
				require.Contains(t, stderr, s)
			}
		})
	}
}

func TestCompareCommandJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(compareSeed, 2))
	dir := t.TempDir()
	oldPath := writeBench(t, rng, dir, "old.txt", 10, 1000, "")
	newPath := writeBench(t, rng, dir, "new.txt", 10, 1200, "")
	code, stdout, _ := lowdim(t, "compare", "--format", "json", oldPath, newPath)
	require.Equal(t, exitFailure, code)
	var rep struct {
		Failed      bool `json:"failed"`
		Regressions int  `json:"regressions"`
		Rows        []struct {
			Benchmark string   `json:"benchmark"`
			Unit      string   `json:"unit"`
			Ratio     *float64 `json:"ratio"`
			Verdict   string   `json:"verdict"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), "stdout:\n%s", stdout)
	require.True(t, rep.Failed)
	require.Equal(t, 1, rep.Regressions)
	require.Len(t, rep.Rows, 1)
	require.Equal(t, "Step/d=64", rep.Rows[0].Benchmark)
	require.Equal(t, "sec/op", rep.Rows[0].Unit)
	require.Equal(t, "regression", rep.Rows[0].Verdict)
	require.NotNil(t, rep.Rows[0].Ratio)
	require.InDelta(t, 1.2, *rep.Rows[0].Ratio, 0.025) // within [1.176, 1.224], see writeBench
}

// compareCase is a file of the compare package's cases (compare/testdata).
func compareCase(dir, name string) string {
	return filepath.Join("..", "..", "compare", "testdata", dir, name)
}

func TestCompareCommandCases(t *testing.T) {
	pools := func(name string) string { return compareCase("compare-pools-packages", name) }
	bom := func(name string) string { return compareCase("compare-bom-utf16", name) }
	// new.txt re-encoded as UTF-16LE without a byte order mark: every
	// ASCII character is followed by a NUL byte.
	newText, err := os.ReadFile(bom("new.txt"))
	require.NoError(t, err)
	noBOM := filepath.Join(t.TempDir(), "nobom.txt")
	var b strings.Builder
	for _, c := range newText {
		b.WriteByte(c)
		b.WriteByte(0)
	}
	require.NoError(t, os.WriteFile(noBOM, []byte(b.String()), 0o644))

	tests := []struct {
		name   string
		args   []string // after "compare"
		code   int
		stdout []string // regular expressions
		stderr []string // substrings
	}{
		// Two packages, one benchmark name: base64 doubles (6+6 identical
		// samples, deterministic), base32 halves.
		{name: "packages are not pooled", args: []string{pools("old.txt"), pools("new.txt")}, code: exitFailure,
			stdout: []string{`(?m)^pkg +benchmark `,
				`(?m)^encoding/base32 +EncodeToString +sec/op .* -50\.00% .* improvement$`,
				`(?m)^encoding/base64 +EncodeToString +sec/op .* \+100\.00% .* regression$`},
			stderr: []string{"1 regression(s)"}},
		// go test -count 5 per package: 5+5, not 10+10.
		{name: "real output against itself", args: []string{pools("real_go_test_output.txt"), pools("real_go_test_output.txt")},
			code: exitOK,
			stdout: []string{`(?m)^encoding/base32 +EncodeToString +sec/op .* 5\+5 +no change$`,
				`(?m)^encoding/base64 +EncodeToString +sec/op .* 5\+5 +no change$`,
				`(?m)^cpu +Oxide Virtual Turin-like Processor +Oxide Virtual Turin-like Processor$`}},
		// The BOM line is A's only sample: 300 -> 900 ns, 1+1 samples, a
		// warning; a failure with --strict-samples.
		{name: "UTF-8 BOM", args: []string{bom("old_utf8bom.txt"), bom("new.txt")}, code: exitOK,
			stdout: []string{`(?m)^A +sec/op .* \+200\.00% .* 1\+1 +insufficient samples$`}},
		{name: "UTF-8 BOM strict", args: []string{"--strict-samples", bom("old_utf8bom.txt"), bom("new.txt")},
			code: exitFailure, stderr: []string{"1 row(s) with insufficient samples"}},
		{name: "UTF-16LE with BOM", args: []string{bom("old_utf16le.txt"), bom("new.txt")}, code: exitOK,
			stdout: []string{`(?m)^B +sec/op .* 4\+4 +no change$`}},
		{name: "UTF-16 without BOM", args: []string{noBOM, bom("new.txt")}, code: exitUsage,
			stderr: []string{noBOM + ":1: NUL byte: UTF-16 text without BOM? convert it to UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lowdim(t, append([]string{"compare"}, tt.args...)...)
			require.Equal(t, tt.code, code, "exit code; stdout:\n%s\nstderr:\n%s", stdout, stderr)
			for _, s := range tt.stdout {
				require.Regexp(t, s, stdout)
			}
			for _, s := range tt.stderr {
				require.Contains(t, stderr, s)
			}
		})
	}
}

func TestCompareCommandMachineLines(t *testing.T) {
	// Two builds on one machine, gonum against openblas, 5x apart: the
	// blas line differs and the sec/op geomean shows x0.2 (-80%).
	dir := t.TempDir()
	write := func(name, blas string, ns float64) string {
		var b strings.Builder
		b.WriteString("goos: linux\ngoarch: amd64\ncpu: Test CPU\ncores: 2\ngomaxprocs: 2\ngo: go1.26.8\nblas: " + blas + "\nlowdim: v1\n")
		for range 10 {
			fmt.Fprintf(&b, "BenchmarkStep/d=64-2\t100\t%g ns/op\n", ns)
		}
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
		return path
	}
	gonum, openblas := write("gonum.txt", "gonum", 5000), write("openblas.txt", "openblas", 1000)
	code, stdout, _ := lowdim(t, "compare", gonum, openblas)
	require.Equal(t, exitOK, code, stdout)
	require.Regexp(t, `(?m)^blas +gonum +openblas +differs$`, stdout)
	require.Regexp(t, `(?m)^cores +2 +2$`, stdout)
	require.Regexp(t, `(?m)^sec/op .* x0\.2 +-80\.00% +1$`, stdout)

	code, stdout, _ = lowdim(t, "compare", "--format", "markdown", gonum, openblas)
	require.Equal(t, exitOK, code, stdout)
	require.Contains(t, stdout, "| **blas** (differs) | gonum | openblas |")

	code, stdout, _ = lowdim(t, "compare", "--format", "json", gonum, openblas)
	require.Equal(t, exitOK, code, stdout)
	var rep struct {
		Machine  struct{ Old, New map[string]string } `json:"machine"`
		Geomeans []struct {
			Unit  string   `json:"unit"`
			Ratio *float64 `json:"ratio"`
		} `json:"geomeans"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), "stdout:\n%s", stdout)
	require.Equal(t, "gonum", rep.Machine.Old["blas"])
	require.Equal(t, "openblas", rep.Machine.New["blas"])
	require.Len(t, rep.Geomeans, 1)
	require.InEpsilon(t, 0.2, *rep.Geomeans[0].Ratio, 1e-12) // 1000/5000, one row
}
