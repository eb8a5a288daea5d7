package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/workloads"
)

// A toy workload and a toy method registered only here, in one line each,
// to show that adding either touches no other file: TestToyRegistries runs
// them through lowdim run, --save-instance/--load-instance, the memory
// preflight, lowdim presets and lowdim bench.
func init() {
	workloads.Register(toySpec)
	methods.Register(toyNetSpec)
}

// toy is a row-weighted factorization: f(W) = (gain/2) sum_ij w_i (W -
// Phi)_ij^2 with row weights w_i in [0.5, 1.5) drawn from the workload's own
// stream, saved as toy_weights.npy.
type toy struct {
	target  *mat.Dense
	weights []float64
	gain    float64
}

func (w *toy) Name() string          { return "toy" }
func (w *toy) Dims() (int, int)      { return w.target.Dims() }
func (w *toy) Target() *mat.Dense    { return w.target }
func (w *toy) Surrogate() *mat.Dense { return w.target }
func (w *toy) Bytes() int64          { r, c := w.target.Dims(); return int64(8 * (r*c + r)) }
func (w *toy) Scale() float64        { return w.gain }
func (w *toy) Loss(x *mat.Dense) float64 {
	return w.Gradient(nil, x)
}

func (w *toy) Gradient(dst, x *mat.Dense) float64 {
	r, c := w.target.Dims()
	var f float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			e := x.At(i, j) - w.target.At(i, j)
			f += w.weights[i] * e * e
			if dst != nil {
				dst.Set(i, j, w.gain*w.weights[i]*e)
			}
		}
	}
	return w.gain * f / 2
}

const toyWeightsFile = "toy_weights.npy"

var toySpec = workloads.Spec{
	WorkloadInfo: config.WorkloadInfo{
		Name: "toy", Title: "toy weighted factorization", Order: 100,
		Params: []config.Param{{Key: "gain", Kind: config.Float, Default: 1.0, Unit: "", InTitle: true,
			Help: "loss gain of the toy workload",
			Check: func(v any, c config.Config) error {
				if !(v.(float64) > 0) {
					return config.Bad("gain", v, "gain must be positive")
				}
				return nil
			}}},
		Presets: []config.Preset{{Name: "toy-fast", Description: "the toy workload at d=12", Runs: []config.Config{{
			Name: "toy", Workload: "toy", D: 12, R: 2, Eps: 0.3, Eta: 0.05, Steps: 60, Tol: 1e-10, Every: 10,
			Methods: []string{"toy-net", methods.Compressed},
		}}}},
		Fast: "toy-fast",
	},
	New: func(c config.Config, target *mat.Dense, rng func(uint64) *rand.Rand) (workloads.Workload, error) {
		r, _ := target.Dims()
		g := rng(workloads.Stream("toy"))
		w := make([]float64, r)
		for i := range w {
			w[i] = 0.5 + g.Float64()
		}
		return &toy{target: target, weights: w, gain: c.Float("gain")}, nil
	},
	Files: []string{toyWeightsFile},
	Save: func(w workloads.Workload, dir string) error {
		t := w.(*toy)
		return npy.WriteFile(filepath.Join(dir, toyWeightsFile), []int{len(t.weights)}, t.weights)
	},
	Load: func(c *config.Config, target *mat.Dense, dir string) (workloads.Workload, error) {
		r, _ := target.Dims()
		a, err := npy.ReadArrayFile(filepath.Join(dir, toyWeightsFile), r)
		if err != nil {
			return nil, err
		}
		return &toy{target: target, weights: a.Data, gain: c.Float("gain")}, nil
	},
	Footprint: func(c config.Config) []workloads.Need {
		return []workloads.Need{{Bytes: uint64(8 * (c.D*c.D + c.D)), What: "target and weights"}}
	},
}

// toy-net: two factors of width r_hat, Gaussian init from its own stream.
var toyNetSpec = methods.Spec{
	MethodInfo: config.MethodInfo{Name: "toy-net", Order: 100},
	Help:       "a toy two-factor network",
	Shapes: func(c config.Config, rows, cols int) []dln.Shape {
		return dln.Chain(methods.Widths(cols, c.RHat, rows, 2)...)
	},
	Init: func(net *dln.Network, c config.Config, env methods.Env) error {
		net.InitGaussian(c.Eps, env.Rand)
		return nil
	},
	Params: func(c config.Config, rows, cols int) int { return c.RHat * (rows + cols) },
}

func TestToyRegistries(t *testing.T) {
	tmp := t.TempDir()

	t.Run("presets", func(t *testing.T) {
		code, stdout, _ := lowdim(t, "presets")
		require.Equal(t, exitOK, code)
		require.Contains(t, stdout, "toy-fast")
	})

	t.Run("flag", func(t *testing.T) {
		_, _, stderr := lowdim(t, "run", "-h")
		require.Contains(t, stderr, "-gain")
		code, _, stderr := lowdim(t, "run", "--workload", "toy", "--gain", "-1", "--quiet", "--out", filepath.Join(tmp, "bad"))
		require.Equal(t, exitUsage, code, stderr)
		require.Contains(t, stderr, "invalid --gain -1")
	})

	out1, out2, inst := filepath.Join(tmp, "out1"), filepath.Join(tmp, "out2"), filepath.Join(tmp, "inst")
	t.Run("run and save", func(t *testing.T) {
		code, stdout, stderr := lowdim(t, "run", "--workload", "toy", "--gain", "2", "--quiet", "--out", out1, "--save-instance", inst)
		require.Equal(t, exitOK, code, stderr)
		require.Contains(t, stdout, "TOY d=12")
		r := readRunJSON(t, out1)
		require.Equal(t, "toy", r.Config.Workload)
		require.Equal(t, []string{"toy-net", "compressed"}, r.Config.Methods)
		var raw struct {
			Config map[string]any `json:"config"`
		}
		readJSON(t, filepath.Join(out1, "run.json"), &raw)
		require.Equal(t, 2.0, raw.Config["gain"], "the toy's own parameter is recorded")
		for _, f := range []string{"target.npy", toyWeightsFile, "init_toy-net_W1.npy", "init_toy-net_W2.npy"} {
			_, err := os.Stat(filepath.Join(inst, f))
			require.NoError(t, err, f)
		}
	})

	t.Run("load", func(t *testing.T) {
		code, _, stderr := lowdim(t, "run", "--workload", "toy", "--gain", "2", "--quiet", "--out", out2, "--load-instance", inst)
		require.Equal(t, exitOK, code, stderr)
		a, b := readTrajectories(t, out1), readTrajectories(t, out2)
		require.Equal(t, a, b, "the loaded instance trains identically")
	})

	t.Run("preflight", func(t *testing.T) {
		code, _, stderr := lowdim(t, "run", "--workload", "toy", "--d", "1000000", "--quiet", "--out", filepath.Join(tmp, "huge"))
		require.Equal(t, exitUsage, code, stderr)
		require.Contains(t, stderr, "invalid --d 1000000")
	})

	t.Run("bench", func(t *testing.T) {
		code, stdout, stderr := lowdim(t, "bench", "--tags", "workload=toy", "--methods", "toy-net,compressed",
			"--sizes", "16", "--count", "1", "--benchtime", "1x")
		require.Equal(t, exitOK, code, stderr)
		require.Contains(t, stdout, "BenchmarkStep/workload=toy/method=toy-net/path=dense/d=16/L=3")
		require.Contains(t, stdout, "BenchmarkStep/workload=toy/method=compressed/path=dense/d=16/L=3")
		require.Equal(t, 2, strings.Count(stdout, "BenchmarkStep/"), stdout)
	})
}

// readTrajectories returns trajectories.csv of dir without its wall-time
// column (the only one that differs between two identical runs).
func readTrajectories(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "trajectories.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	head := strings.Split(lines[0], ",")
	col := -1
	for i, h := range head {
		if strings.Contains(h, "second") || strings.Contains(h, "time") {
			col = i
		}
	}
	var out []string
	for _, l := range lines {
		f := strings.Split(l, ",")
		if col >= 0 && col < len(f) {
			f = append(f[:col], f[col+1:]...)
		}
		out = append(out, strings.Join(f, ","))
	}
	return out
}
