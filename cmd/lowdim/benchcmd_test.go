package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"

	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/machine"
)

// benchOnce runs a tiny `lowdim bench` and returns its output file.
func benchOnce(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run.bench")
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "--filter", `^(Step/workload=mf/method=(original|compressed)/path=dense/d=64/|Infer/method=compressed/d=64/)`,
		"--count", "2", "--benchtime", "3x", "--out", out}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	return out
}

// TestBenchOutputParses: lowdim bench writes the Go benchmark format that
// golang.org/x/perf/benchfmt reads without a syntax error, with the
// configuration lines, the Unit lines and every sample.
func TestBenchOutputParses(t *testing.T) {
	path := benchOnce(t)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := benchfmt.NewReader(f, path)
	names := map[string]int{}
	var units benchfmt.UnitMetadataMap
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v", rec)
		case *benchfmt.Result:
			names[rec.Name.String()]++
			require.Equal(t, machine.BLASBackend, rec.GetConfig("blas"))
			require.NotEmpty(t, rec.GetConfig("cpu"))
			require.NotEmpty(t, rec.GetConfig("gomaxprocs"))
			_, ok := rec.Value("sec/op")
			require.True(t, ok, "no sec/op in %s", rec.Name)
			_, ok = rec.Value("flops/op")
			require.True(t, ok, "no flops/op in %s", rec.Name)
		}
		units = r.Units()
	}
	require.NoError(t, r.Err())
	require.Len(t, names, 3, "benchmarks: %v", names)
	for name, n := range names {
		require.Equal(t, 2, n, "%s: samples", name)
		require.True(t, strings.HasSuffix(name, fmt.Sprintf("-%d", runtime.GOMAXPROCS(0))), "%s: no GOMAXPROCS suffix", name)
	}
	require.Equal(t, "exact", units.Get("flops/op", "assume").Value)
	require.Equal(t, "higher", units.Get("samples/s", "better").Value)
}

// TestBenchstatReadsOutput runs the real benchstat, at the version go.mod
// pins for golang.org/x/perf, on lowdim bench's output: it must print the
// benchmarks and no parse error.
func TestBenchstatReadsOutput(t *testing.T) {
	testenv.SkipIfShort(t, "builds benchstat")
	goBin, err := exec.LookPath("go")
	if err != nil {
		testenv.Unavailable(t, "no go command on PATH")
	}
	path := benchOnce(t)
	cmd := exec.Command(goBin, "run", "golang.org/x/perf/cmd/benchstat", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	out := stdout.String()
	require.NotContains(t, stderr.String(), "syntax error")
	require.NotContains(t, out, "syntax error")
	for _, want := range []string{"Step/workload=mf/method=original/path=dense/d=64/L=3", "Step/workload=mf/method=compressed/path=dense/d=64/L=3", "sec/op", "flops/op"} {
		require.Contains(t, out, want)
	}
	t.Logf("benchstat:\n%s", out)
}

// TestBenchCPUList: --cpu runs each case at each GOMAXPROCS, named -N.
func TestBenchCPUList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "--filter", "^Step/workload=mf/method=compressed/path=factored/d=64/", "--sizes", "64",
		"--count", "1", "--benchtime", "2x", "--cpu", "1,2"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	out := stdout.String()
	require.Contains(t, out, "BenchmarkStep/workload=mf/method=compressed/path=factored/d=64/L=3-1 ")
	require.Contains(t, out, "BenchmarkStep/workload=mf/method=compressed/path=factored/d=64/L=3-2 ")
}

func TestBenchBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"count", []string{"--count", "0"}, "--count 0"},
		{"sizes", []string{"--sizes", "64,abc"}, "--sizes"},
		{"cpu", []string{"--cpu", "1,0"}, "--cpu"},
		{"filter regexp", []string{"--filter", "("}, "--filter"},
		{"filter matches nothing", []string{"--filter", "^Nothing$"}, "no benchmark matches"},
		{"argument", []string{"extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			require.Equal(t, exitUsage, run(append([]string{"bench"}, tc.args...), &stdout, &stderr))
			require.Contains(t, stderr.String(), tc.want)
		})
	}
}

// TestBenchLoadInstance: --load-instance times the Step cases of the
// folder's workload at its size (d = 24 from its target, not a --sizes
// one), on the folder's instance and initial weights; a folder that is not
// an instance, a sparse export, and --sizes with it are usage errors.
func TestBenchLoadInstance(t *testing.T) {
	dir := t.TempDir()
	inst := filepath.Join(dir, "inst")
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--workload", "mc", "--d", "24", "--r", "2", "--r-hat", "10", "--p", "0.5", "--steps", "1",
		"--methods", "compressed", "--quiet", "--out", filepath.Join(dir, "out"), "--save-instance", inst}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"bench", "--load-instance", inst, "--methods", "compressed", "--count", "1", "--benchtime", "2x"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	out := stdout.String()
	for _, path := range []string{"dense", "sampled"} {
		require.Contains(t, out, "BenchmarkStep/workload=mc/method=compressed/path="+path+"/d=24/L=3-")
	}
	require.NotContains(t, out, "Infer/")

	sparse := filepath.Join(dir, "sparse")
	code = run([]string{"run", "--workload", "mc", "--d", "24", "--r", "2", "--p", "0.5", "--steps", "1", "--storage", "sparse",
		"--methods", "compressed", "--quiet", "--out", filepath.Join(dir, "out2"), "--save-instance", sparse}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--load-instance", filepath.Join(dir, "none")}, "invalid --load-instance " + filepath.Join(dir, "none")},
		{[]string{"--load-instance", sparse}, "holds a sparse mc instance"},
		{[]string{"--load-instance", inst, "--sizes", "64"}, "invalid --sizes with --load-instance"},
	} {
		stderr.Reset()
		require.Equal(t, exitUsage, run(append([]string{"bench", "--list"}, tc.args...), &stdout, &stderr), "%v", tc.args)
		require.Contains(t, stderr.String(), tc.want)
	}
}
