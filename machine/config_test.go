package machine

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"
)

func TestConfigLines(t *testing.T) {
	base := Fingerprint{
		CPUModel:   "AMD EPYC 7763 64-Core Processor",
		Cores:      2,
		GOMAXPROCS: 2,
		GoVersion:  "go1.26.8",
		OS:         "linux",
		Arch:       "amd64",
		Hostname:   "runner-1",
		BLAS:       "gonum",
		Version:    "v0.1.0-3-gabcdef0",
	}
	hostile := base
	hostile.CPUModel = "Weird\r\nCPU\t\tmodel \n"
	hostile.Hostname = "a\nb\x00c"
	hostile.Version = "\n"

	tests := []struct {
		name string
		f    Fingerprint
		want []string
	}{
		{"plain", base, []string{
			"goos: linux",
			"goarch: amd64",
			"cpu: AMD EPYC 7763 64-Core Processor",
			"cores: 2",
			"gomaxprocs: 2",
			"go: go1.26.8",
			"blas: gonum",
			"lowdim: v0.1.0-3-gabcdef0",
			"machine: runner-1",
		}},
		{"newlines sanitized", hostile, []string{
			"goos: linux",
			"goarch: amd64",
			"cpu: Weird CPU model",
			"cores: 2",
			"gomaxprocs: 2",
			"go: go1.26.8",
			"blas: gonum",
			"lowdim:",
			"machine: a b c",
		}},
		{"zero", Fingerprint{}, []string{
			"goos:", "goarch:", "cpu:", "cores: 0", "gomaxprocs: 0",
			"go:", "blas:", "lowdim:", "machine:",
		}},
	}
	key := regexp.MustCompile(`^[a-z][a-z0-9]*:( [^ ].*[^ ]| [^ ])?$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := tt.f.ConfigLines()
			assert.Equal(t, tt.want, lines)
			for _, l := range lines {
				assert.NotContains(t, l, "\n")
				assert.NotContains(t, l, "\r")
				assert.Regexp(t, key, l)
			}
		})
	}
}

// TestConfigLinesBenchfmt checks that the lines read back as configuration
// with the Go benchmark format reader.
func TestConfigLinesBenchfmt(t *testing.T) {
	f := Read()
	f.Hostname = "host\nname"
	input := strings.Join(f.ConfigLines(), "\n") + "\nBenchmarkX-2 \t 10 \t 100 ns/op\n"
	r := benchfmt.NewReader(strings.NewReader(input), "test")
	require.True(t, r.Scan())
	res, ok := r.Result().(*benchfmt.Result)
	require.True(t, ok, "got %v", r.Result())
	want := map[string]string{
		"goos":    f.OS,
		"goarch":  f.Arch,
		"cpu":     f.CPUModel,
		"go":      f.GoVersion,
		"blas":    BLASBackend,
		"lowdim":  f.Version,
		"machine": "host name",
	}
	for k, v := range want {
		assert.Equal(t, v, res.GetConfig(k), k)
	}
	assert.NotEmpty(t, res.GetConfig("cores"))
	assert.NotEmpty(t, res.GetConfig("gomaxprocs"))
	require.False(t, r.Scan())
	require.NoError(t, r.Err())
}
