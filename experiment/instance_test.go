package experiment

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// requireShape reads an .npy file and checks its shape.
func requireShape(t *testing.T, path string, shape ...int) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, shape, a.Shape, "shape of %s", filepath.Base(path))
	return a
}

// requireNoTempFiles fails if dir holds a file whose name starts with ".",
// the prefix of the temporary files of atomic writes.
func requireNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "."), "temporary file %s left in %s", e.Name(), dir)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, w := range config.WorkloadNames() {
		t.Run(w, func(t *testing.T) {
			c := tinyConfig(w)
			c.Seed = 11
			dir := t.TempDir()
			saved := mustRun(t, c, Options{SaveInstance: dir})
			requireMoved(t, saved)
			const d = 12

			// The files and their shapes.
			requireShape(t, filepath.Join(dir, instance.TargetFile), d, d)
			_, errMask := os.Stat(filepath.Join(dir, workloads.MaskFile))
			_, errOp := os.Stat(filepath.Join(dir, workloads.OperatorFile))
			switch w {
			case "mf":
				require.ErrorIs(t, errMask, os.ErrNotExist)
				require.ErrorIs(t, errOp, os.ErrNotExist)
			case "mc":
				mask := requireShape(t, filepath.Join(dir, workloads.MaskFile), d, d)
				ones := 0
				for _, v := range mask.Data {
					require.True(t, v == 0 || v == 1, "mask entry %v", v)
					if v == 1 {
						ones++
					}
				}
				// floor(p d^2) = floor(0.5 * 144) = 72 observed entries.
				require.Equal(t, 72, ones)
				require.ErrorIs(t, errOp, os.ErrNotExist)
			case "ms":
				requireShape(t, filepath.Join(dir, workloads.OperatorFile), c.Int("m"), d, d)
				requireShape(t, filepath.Join(dir, workloads.MeasurementsFile), c.Int("m"))
				require.ErrorIs(t, errMask, os.ErrNotExist)
			}
			full := c.WithDefaults()
			for _, m := range full.Methods {
				shapes := Shapes(m, full, d, d)
				for l, s := range shapes {
					requireShape(t, filepath.Join(dir, instance.InitFile(m, l+1)), s.Rows, s.Cols)
				}
				_, err := os.Stat(filepath.Join(dir, instance.InitFile(m, len(shapes)+1)))
				require.ErrorIs(t, err, os.ErrNotExist, "no layer past the depth of %s", m)
			}
			requireNoTempFiles(t, dir)

			// Loading gives the same trajectories.
			loaded := mustRun(t, c, Options{LoadInstance: dir})
			requireSameTraces(t, saved, loaded)
			info := *loaded.Instance
			require.Equal(t, dir, info.Source)
			got := slices.Clone(info.LoadedInitsFrom)
			slices.Sort(got)
			want := slices.Clone(config.DefaultMethods())
			slices.Sort(want)
			require.Equal(t, want, got, "every method starts from its init files")
			require.Equal(t, saved.Instance.TargetSVals, info.TargetSVals)

			// d comes from the files when the configuration leaves it zero
			// (m too: see TestLoadTakesMFromFiles).
			c0 := c
			c0.D = 0
			fromFiles := mustRun(t, c0, Options{LoadInstance: dir})
			requireSameTraces(t, saved, fromFiles)
			require.Equal(t, d, fromFiles.Config.D)

			// A d that contradicts the files is refused.
			c13 := c
			c13.D = 13
			_, err := Run(c13, Options{LoadInstance: dir})
			requireConfigError(t, err, "d", "13")
			require.Contains(t, err.Error(), instance.TargetFile)
		})
	}
}

// TestLoadTakesMFromFiles checks that, as for d, a configuration with m = 0
// takes the number of measurements from A.npy (Run's comment: "The folder
// fixes d (and m)").
func TestLoadTakesMFromFiles(t *testing.T) {
	c := tinyConfig("ms")
	c.Methods = []string{methods.Compressed}
	dir := t.TempDir()
	saved := mustRun(t, c, Options{SaveInstance: dir})
	c.D = 0
	c.Set("m", 0)
	loaded, err := Run(c, Options{LoadInstance: dir})
	require.NoError(t, err, "m = 0 must mean: the m of %s", workloads.OperatorFile)
	requireSameTraces(t, saved, loaded)
	require.Equal(t, 150, loaded.Config.Int("m"))
}

// TestLoadUsesInitFiles checks that init files, where present, replace the
// seeded initialization: a changed file changes that method's trajectory
// only, and without any init file a load starts from the seed again.
func TestLoadUsesInitFiles(t *testing.T) {
	c := tinyConfig("mf")
	c.Methods = []string{methods.Original, methods.Compressed}
	dir := t.TempDir()
	saved := mustRun(t, c, Options{SaveInstance: dir})

	w1 := filepath.Join(dir, instance.InitFile(methods.Original, 1))
	a, err := npy.ReadFile(w1)
	require.NoError(t, err)
	for i := range a.Data {
		a.Data[i] *= 2
	}
	require.NoError(t, npy.WriteFile(w1, a.Shape, a.Data))
	changed := mustRun(t, c, Options{LoadInstance: dir})
	require.NotEmpty(t, firstDiff(traceOf(saved.Method(methods.Original)), traceOf(changed.Method(methods.Original))), "the changed init file was not used")
	requireSameTrace(t, traceOf(saved.Method(methods.Compressed)), traceOf(changed.Method(methods.Compressed)))

	inits, err := filepath.Glob(filepath.Join(dir, "init_*.npy"))
	require.NoError(t, err)
	require.Len(t, inits, 6, "3 layers for each of 2 methods")
	for _, p := range inits {
		require.NoError(t, os.Remove(p))
	}
	seeded := mustRun(t, c, Options{LoadInstance: dir})
	requireSameTraces(t, saved, seeded)
	require.Empty(t, seeded.Instance.LoadedInitsFrom)
}

// TestLoadFloat32Target checks the NumPy side of the exchange: a float32
// target (what np.save writes for a float32 array) is read and converted.
func TestLoadFloat32Target(t *testing.T) {
	c := tinyConfig("mf")
	c.Methods = []string{methods.Compressed}
	dir := t.TempDir()
	mustRun(t, c, Options{SaveInstance: dir})
	a, err := npy.ReadFile(filepath.Join(dir, instance.TargetFile))
	require.NoError(t, err)
	var data []byte
	for _, v := range a.Data {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(v)))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, instance.TargetFile), rawNPY("<f4", "(12, 12)", data), 0o644))
	run := mustRun(t, c, Options{LoadInstance: dir})
	require.Equal(t, 12, run.Config.D)
}

func TestLoadErrors(t *testing.T) {
	const d, m = 12, 150 // tinyConfig's sizes
	writeArray := func(t *testing.T, dir, name string, shape []int, data []float64) {
		t.Helper()
		require.NoError(t, npy.WriteFile(filepath.Join(dir, name), shape, data))
	}
	fill := func(n int, v float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = v
		}
		return x
	}
	// edit reads name, lets f change its data, and writes it back.
	edit := func(t *testing.T, dir, name string, f func(a *npy.Array)) {
		t.Helper()
		a, err := npy.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		f(a)
		writeArray(t, dir, name, a.Shape, a.Data)
	}
	tests := []struct {
		name     string
		workload string
		corrupt  func(t *testing.T, dir string)
		file     string   // the file the error must name
		want     []string // the problem, as substrings of the message
	}{
		{"missing target", "mf", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, instance.TargetFile)))
		}, instance.TargetFile, []string{"no such file"}},
		{"truncated target", "mf", func(t *testing.T, dir string) {
			p := filepath.Join(dir, instance.TargetFile)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, b[:len(b)-8], 0o644))
		}, instance.TargetFile, []string{"truncated"}},
		{"target with a truncated header", "mf", func(t *testing.T, dir string) {
			p := filepath.Join(dir, instance.TargetFile)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, b[:20], 0o644))
		}, instance.TargetFile, []string{"truncated"}},
		{"target not npy", "mf", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, instance.TargetFile), []byte("1,2\n3,4\n"), 0o644))
		}, instance.TargetFile, nil},
		{"complex target", "mf", func(t *testing.T, dir string) {
			b := rawNPY("<c16", "(12, 12)", make([]byte, d*d*16))
			require.NoError(t, os.WriteFile(filepath.Join(dir, instance.TargetFile), b, 0o644))
		}, instance.TargetFile, []string{"'<c16'", "not supported"}},
		{"string target", "mf", func(t *testing.T, dir string) {
			b := rawNPY("<U3", "(2,)", make([]byte, 2*3*4))
			require.NoError(t, os.WriteFile(filepath.Join(dir, instance.TargetFile), b, 0o644))
		}, instance.TargetFile, []string{"'<U3'", "not supported"}},
		// A rectangular target loads (TestLoadRectangular); one that
		// contradicts the configuration's d is refused naming both.
		{"target of another shape than d", "mf", func(t *testing.T, dir string) {
			writeArray(t, dir, instance.TargetFile, []int{d, 10}, fill(d*10, 1))
		}, instance.TargetFile, []string{"invalid --d 12", "12 x 10"}},
		{"1-D target", "mf", func(t *testing.T, dir string) {
			writeArray(t, dir, instance.TargetFile, []int{d * d}, fill(d*d, 1))
		}, instance.TargetFile, []string{"(144,)", "want a matrix (m, n)"}},
		{"NaN in target", "mf", func(t *testing.T, dir string) {
			edit(t, dir, instance.TargetFile, func(a *npy.Array) { a.Data[2*d+5] = math.NaN() })
		}, instance.TargetFile, []string{"(2, 5)", "NaN"}},
		{"Inf in target", "mc", func(t *testing.T, dir string) {
			edit(t, dir, instance.TargetFile, func(a *npy.Array) { a.Data[0] = math.Inf(-1) })
		}, instance.TargetFile, []string{"(0, 0)", "Inf"}},
		// Without mask.npy the folder is an mf instance: --workload mc contradicts it.
		{"missing mask", "mc", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, workloads.MaskFile)))
		}, workloads.MaskFile, []string{"invalid --workload mc", "(mf) instance"}},
		{"mask entry 0.5", "mc", func(t *testing.T, dir string) {
			edit(t, dir, workloads.MaskFile, func(a *npy.Array) { a.Data[d+3] = 0.5 })
		}, workloads.MaskFile, []string{"(1, 3)", "0.5", "want 0 or 1"}},
		{"mask of wrong shape", "mc", func(t *testing.T, dir string) {
			writeArray(t, dir, workloads.MaskFile, []int{d, d - 1}, fill(d*(d-1), 1))
		}, workloads.MaskFile, []string{"(12, 11)", "(12, 12)"}},
		{"mask observing nothing", "mc", func(t *testing.T, dir string) {
			writeArray(t, dir, workloads.MaskFile, []int{d, d}, fill(d*d, 0))
		}, workloads.MaskFile, []string{"no entry"}},
		{"mask with NaN", "mc", func(t *testing.T, dir string) {
			edit(t, dir, workloads.MaskFile, func(a *npy.Array) { a.Data[0] = math.NaN() })
		}, workloads.MaskFile, []string{"NaN"}},
		{"missing A", "ms", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, workloads.OperatorFile)))
		}, workloads.OperatorFile, []string{"no such file"}},
		{"A of wrong shape", "ms", func(t *testing.T, dir string) {
			writeArray(t, dir, workloads.OperatorFile, []int{m, d, d - 1}, fill(m*d*(d-1), 1))
		}, workloads.OperatorFile, []string{"(150, 12, 11)", "(*, 12, 12)"}},
		{"A flattened to 2-D", "ms", func(t *testing.T, dir string) {
			writeArray(t, dir, workloads.OperatorFile, []int{m, d * d}, fill(m*d*d, 1))
		}, workloads.OperatorFile, []string{"(150, 144)", "(*, 12, 12)"}},
		{"A with no measurement", "ms", func(t *testing.T, dir string) {
			writeArray(t, dir, workloads.OperatorFile, []int{0, d, d}, nil)
		}, workloads.OperatorFile, []string{"no measurement"}},
		{"NaN in A", "ms", func(t *testing.T, dir string) {
			edit(t, dir, workloads.OperatorFile, func(a *npy.Array) { a.Data[d*d+1] = math.NaN() })
		}, workloads.OperatorFile, []string{"(1, 0, 1)", "NaN"}},
		{"truncated A", "ms", func(t *testing.T, dir string) {
			p := filepath.Join(dir, workloads.OperatorFile)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, b[:len(b)/2], 0o644))
		}, workloads.OperatorFile, []string{"truncated"}},
		{"missing y", "ms", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, workloads.MeasurementsFile)))
		}, workloads.MeasurementsFile, []string{"no such file"}},
		{"y of wrong length", "ms", func(t *testing.T, dir string) {
			writeArray(t, dir, workloads.MeasurementsFile, []int{m - 1}, fill(m-1, 1))
		}, workloads.MeasurementsFile, []string{"(149,)", "(150,)"}},
		{"y as a column", "ms", func(t *testing.T, dir string) {
			writeArray(t, dir, workloads.MeasurementsFile, []int{m, 1}, fill(m, 1))
		}, workloads.MeasurementsFile, []string{"(150, 1)", "(150,)"}},
		{"Inf in y", "ms", func(t *testing.T, dir string) {
			edit(t, dir, workloads.MeasurementsFile, func(a *npy.Array) { a.Data[7] = math.Inf(1) })
		}, workloads.MeasurementsFile, []string{"(7,)", "Inf"}},
		{"init of wrong shape", "mf", func(t *testing.T, dir string) {
			writeArray(t, dir, instance.InitFile(methods.Compressed, 2), []int{5, 5}, fill(25, 0.1))
		}, instance.InitFile(methods.Compressed, 2), []string{"(5, 5)", "(4, 4)"}},
		{"init transposed", "mc", func(t *testing.T, dir string) {
			writeArray(t, dir, instance.InitFile(methods.Compressed, 1), []int{d, 4}, fill(d*4, 0.1))
		}, instance.InitFile(methods.Compressed, 1), []string{"(12, 4)", "(4, 12)"}},
		{"init missing a layer", "mf", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, instance.InitFile(methods.Original, 2))))
		}, instance.InitFile(methods.Original, 2), []string{"no such file"}},
		{"init with NaN", "ms", func(t *testing.T, dir string) {
			edit(t, dir, instance.InitFile(methods.Original, 3), func(a *npy.Array) { a.Data[0] = math.NaN() })
		}, instance.InitFile(methods.Original, 3), []string{"NaN"}},
		{"extra init layer W4 for depth 3", "mf", func(t *testing.T, dir string) {
			writeArray(t, dir, instance.InitFile(methods.Original, 4), []int{d, d}, fill(d*d, 0.1))
		}, instance.InitFile(methods.Original, 4), []string{"depth 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tinyConfig(tt.workload)
			c.Methods = []string{methods.Original, methods.Compressed}
			c.Steps = 1
			dir := t.TempDir()
			mustRun(t, c, Options{SaveInstance: dir})
			tt.corrupt(t, dir)

			run, err := Run(c, Options{LoadInstance: dir})
			require.Error(t, err)
			require.Nil(t, run)
			msg := err.Error()
			t.Log(msg)
			require.Contains(t, msg, filepath.Join(dir, tt.file), "the error must name the file")
			for _, w := range tt.want {
				require.Contains(t, msg, w)
			}
		})
	}
}

// allocated returns the bytes the Go heap allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestPreflight(t *testing.T) {
	// Preflight computes from shapes: whatever the size it refuses, it
	// allocates no more than its messages and reading /proc/meminfo.
	const maxAlloc = 1 << 20

	tests := []struct {
		name  string
		c     config.Config
		need  uint64 // a lower bound of the bytes the run would need
		flag  string
		value string
	}{
		// The operator alone: m d^2 doubles = 8 * 1e5 * 4e6 = 3.2e12 bytes.
		{"sensing operator of terabytes", config.Config{Workload: "ms", D: 2000, R: 2, Params: config.Params{"m": 100000}, Eta: 1, Steps: 1},
			8 * 100000 * 2000 * 2000, "m", "100000"},
		// The original network's parameters alone: L d^2 doubles =
		// 3 * 8 * 60000^2 = 8.64e10 bytes.
		{"original network at d=60000", config.Config{Workload: "mf", D: 60000, R: 2, Eta: 1, Steps: 1, Methods: []string{methods.Original}},
			3 * 8 * 60000 * 60000, "d", "60000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A machine of 16 GB available: below each lower bound, so
			// the refusal is certain whatever this machine has.
			fakeBudget(t, machine.Budget{MemAvailable: 16e9, HasMemAvailable: true, Available: 16e9, Source: machine.FromMemAvailable})
			c := tt.c.WithDefaults()
			require.NoError(t, c.Validate())
			var err error
			n := allocated(func() { err = Preflight(c) })
			requireConfigError(t, err, tt.flag, tt.value)
			require.Less(t, n, uint64(maxAlloc), "Preflight allocated %d bytes", n)

			// Run refuses the same way before drawing anything.
			var run *results.Run
			n = allocated(func() { run, err = Run(tt.c, Options{}) })
			requireConfigError(t, err, tt.flag, tt.value)
			require.Nil(t, run)
			require.Less(t, n, uint64(maxAlloc), "Run allocated %d bytes before refusing", n)
		})
	}

	t.Run("tiny configs fit", func(t *testing.T) {
		for _, w := range config.WorkloadNames() {
			require.NoError(t, Preflight(tinyConfig(w).WithDefaults()), w)
		}
	})
}

// TestSaveReplacesStaleInits saves two instances into one folder, one after
// the other, and loads it: the load must see the second save only. Init
// files of the first save that the second does not overwrite (a deeper
// network's W4, a method the second run did not train) are stale and must
// not be picked up.
func TestSaveReplacesStaleInits(t *testing.T) {
	t.Run("deeper network saved first", func(t *testing.T) {
		dir := t.TempDir()
		c := tinyConfig("mf")
		c.Methods = []string{methods.Original}
		c.Depth = 4
		mustRun(t, c, Options{SaveInstance: dir})
		c.Depth = 3
		saved := mustRun(t, c, Options{SaveInstance: dir})
		loaded, err := Run(c, Options{LoadInstance: dir})
		require.NoError(t, err, "a stale %s from the first save", instance.InitFile(methods.Original, 4))
		requireSameTraces(t, saved, loaded)
	})
	t.Run("other methods saved first", func(t *testing.T) {
		dir := t.TempDir()
		c := tinyConfig("mf")
		c.Seed = 1
		c.Methods = []string{methods.Original, methods.Compressed}
		mustRun(t, c, Options{SaveInstance: dir})
		c.Seed = 2
		c.Methods = []string{methods.Original}
		mustRun(t, c, Options{SaveInstance: dir})

		c.Methods = []string{methods.Original, methods.Compressed}
		fresh := mustRun(t, c, Options{})
		loaded := mustRun(t, c, Options{LoadInstance: dir})
		requireSameTrace(t, traceOf(fresh.Method(methods.Compressed)), traceOf(loaded.Method(methods.Compressed)),
			"compressed started from the seed-1 init files left in the folder, on the seed-2 target")
	})
}

// TestHeldOutInstance: a target known only on some entries is split, from
// the seed, into training and held-out entries that partition them; the
// instance reports no spectrum, and Save/LoadInstance keep the split.
func TestHeldOutInstance(t *testing.T) {
	const d = 12
	full, err := instance.Build(tinyConfig("mc").WithDefaults())
	require.NoError(t, err)
	known := maskOf(full) // 72 of 144 entries
	target := mat.NewDense(d, d, nil)
	target.MulElem(full.Target, known) // the unknown entries read as 0

	c := tinyConfig("mc")
	c.Seed = 5
	delete(c.Params, "p") // the entries fix it (a preset's p is dropped for files)
	in, err := instance.NewHeldOut(&c, target, known, 0.25, "user.mtx")
	require.NoError(t, err)
	require.True(t, in.Partial())
	train, held := 0, 0
	for i, k := range known.RawMatrix().Data {
		m, h := maskOf(in).RawMatrix().Data[i], heldOf(in).RawMatrix().Data[i]
		require.True(t, (m == 0 || m == 1) && (h == 0 || h == 1), "entry %d: mask %v, held %v", i, m, h)
		require.Equal(t, k, m+h, "entry %d: the known entries are split, the others in neither", i)
		train += int(m)
		held += int(h)
	}
	require.Equal(t, 18, held, "round(0.25 * 72)")
	require.Equal(t, 54, train)
	info := in.Info(c.R)
	require.Equal(t, 18, info.HeldOut)
	require.Equal(t, 54, info.Observed)
	require.Empty(t, info.TargetSVals, "the zero-filled matrix's spectrum is not the target's")

	// The same seed draws the same split, another seed another.
	again, err := instance.NewHeldOut(&c, target, known, 0.25, "user.mtx")
	require.NoError(t, err)
	require.Equal(t, heldOf(in).RawMatrix().Data, heldOf(again).RawMatrix().Data)
	c6 := c
	c6.Seed = 6
	other, err := instance.NewHeldOut(&c6, target, known, 0.25, "user.mtx")
	require.NoError(t, err)
	require.NotEqual(t, heldOf(in).RawMatrix().Data, heldOf(other).RawMatrix().Data)

	// The recovery error is measured on the held-out entries: the full
	// target itself has error 0 there, though it differs from the
	// zero-filled matrix elsewhere.
	require.Zero(t, workloads.Recovery(in.Work, full.Target))
	require.Positive(t, workloads.RecoveryError(full.Target, target))

	dir := t.TempDir()
	require.NoError(t, in.Save(dir, c))
	requireShape(t, filepath.Join(dir, workloads.HeldOutFile), d, d)
	cl := c
	loaded, err := instance.Load(dir, &cl)
	require.NoError(t, err)
	require.True(t, loaded.Partial())
	require.Equal(t, heldOf(in).RawMatrix().Data, heldOf(loaded).RawMatrix().Data)
	require.Equal(t, maskOf(in).RawMatrix().Data, maskOf(loaded).RawMatrix().Data)
	// A held-out mask that overlaps the training mask is refused, naming
	// the files.
	mb, err := os.ReadFile(filepath.Join(dir, workloads.MaskFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, workloads.HeldOutFile), mb, 0o644))
	_, err = instance.Load(dir, &cl)
	require.ErrorContains(t, err, filepath.Join(dir, workloads.HeldOutFile))
	require.ErrorContains(t, err, "both observed and held out")
	// Saving an instance that holds nothing out removes the stale file.
	require.NoError(t, full.Save(dir, c))
	_, err = os.Stat(filepath.Join(dir, workloads.HeldOutFile))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestHeldOutInstanceErrors(t *testing.T) {
	known := mat.NewDense(3, 3, []float64{1, 1, 0, 0, 1, 0, 0, 0, 1})
	target := mat.NewDense(3, 3, []float64{1, 2, 0, 0, 3, 0, 0, 0, 4})
	for _, tc := range []struct {
		name   string
		edit   func(c *config.Config)
		frac   float64
		target *mat.Dense
		flag   string // a *config.ConfigError naming this flag, or
		msg    string // an error containing this
	}{
		{name: "no r", edit: func(c *config.Config) { c.R = 0 }, frac: 0.25, flag: "r", msg: "--r 0"},
		{name: "mf", edit: func(c *config.Config) { c.Workload = "mf" }, frac: 0.25, flag: "workload", msg: "--workload mf"},
		{name: "frac 0", frac: 0, flag: "held-out", msg: "--held-out 0"},
		{name: "frac 1", frac: 1, flag: "held-out", msg: "--held-out 1"},
		{name: "frac NaN", frac: math.NaN(), flag: "held-out", msg: "--held-out NaN"},
		{name: "nothing to hold out", frac: 0.1, msg: "t.mtx: holding out 0.1 of 4 known entries leaves 0 to hold out"},
		{name: "nothing to train on", frac: 0.9, msg: "leaves 4 to hold out and 0 to train on"},
		{name: "known entries of another shape", frac: 0.25, target: mat.NewDense(3, 2, nil), msg: "t.mtx: 3 x 3 known entries for a 3 x 2 target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tinyConfig("mc")
			c.R = 1
			if tc.edit != nil {
				tc.edit(&c)
			}
			tg := target
			if tc.target != nil {
				tg = tc.target
			}
			in, err := instance.NewHeldOut(&c, tg, known, tc.frac, "t.mtx")
			require.Nil(t, in)
			if tc.flag != "" {
				requireConfigError(t, err, tc.flag, "")
			}
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

// fakeBudget makes the preflight see b as the memory the process may take
// until the test ends.
func fakeBudget(t *testing.T, b machine.Budget) {
	old := memoryBudget
	memoryBudget = func() (machine.Budget, error) { return b, nil }
	t.Cleanup(func() { memoryBudget = old })
}
