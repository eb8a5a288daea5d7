package instance_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/workloads"
)

// rectRNG is the one seeded source of this file's random targets.
func rectRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x13)) }

// tinyRect is tiny(workload) on a 6 x 10 target.
func tinyRect(workload string) config.Config {
	c := tiny(workload)
	c.D, c.Rows, c.Cols = 0, 6, 10
	return c.WithDefaults()
}

// TestBuildSaveLoadRect: every workload's m x n instance is drawn at its
// shape (MS: sensing matrices A_i of m x n, saved as A.npy of shape
// (k, m, n)), saved, and loaded back with its shape set from the target
// file (rows and cols, no d), the same loss and the initial weights.
func TestBuildSaveLoadRect(t *testing.T) {
	for _, name := range config.WorkloadNames() {
		t.Run(name, func(t *testing.T) {
			c := tinyRect(name)
			a, err := instance.Build(c)
			require.NoError(t, err)
			rows, cols := a.Work.Dims()
			require.Equal(t, [2]int{6, 10}, [2]int{rows, cols})
			tr, tc := a.Target.Dims()
			require.Equal(t, [2]int{6, 10}, [2]int{tr, tc})
			if name == "ms" {
				op, _ := a.Work.(*workloads.MS).Operator()
				k, n := op.Dims()
				require.Equal(t, [2]int{30, 60}, [2]int{k, n}, "30 sensing matrices of 6 x 10")
			}

			dir := t.TempDir()
			require.NoError(t, a.Save(dir, c))
			if name == "ms" {
				arr, err := npy.ReadFile(filepath.Join(dir, workloads.OperatorFile))
				require.NoError(t, err)
				require.Equal(t, []int{30, 6, 10}, arr.Shape)
			}
			net := dln.New(methods.Shapes(methods.Compressed, c, rows, cols))
			net.InitGaussian(c.Eps, methods.Rand(c.Seed, methods.Compressed))
			require.NoError(t, instance.SaveInit(dir, methods.Compressed, net))

			lc := c.Clone()
			lc.Rows, lc.Cols = 0, 0
			lc.Methods = []string{methods.Compressed}
			back, err := instance.Load(dir, &lc)
			require.NoError(t, err)
			require.Equal(t, [3]int{0, 6, 10}, [3]int{lc.D, lc.Rows, lc.Cols}, "the shape comes from the target file")
			require.True(t, mat.Equal(a.Target, back.Target))
			x := mat.NewDense(6, 10, nil)
			require.Equal(t, a.Work.Loss(x), back.Work.Loss(x))
			require.True(t, mat.Equal(net.Layer(2), back.Inits[methods.Compressed][2]))
		})
	}
}

// TestLoadRectGivenShape: a shape given for a loaded instance that the
// target file contradicts is refused naming the flag, its value and the
// file's shape; one that agrees is accepted.
func TestLoadRectGivenShape(t *testing.T) {
	c := tinyRect("mf")
	a, err := instance.Build(c)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, a.Save(dir, c))
	target := filepath.Join(dir, instance.TargetFile)
	for _, tt := range []struct {
		name             string
		d, rows, cols    int
		flag, value, why string
	}{
		{"d", 6, 0, 0, "d", "6", target + " holds a 6 x 10 target"},
		{"rows", 0, 7, 0, "rows", "7", target + " holds a 6 x 10 target"},
		{"cols", 0, 0, 6, "cols", "6", target + " holds a 6 x 10 target"},
		{"d for the side not given", 6, 6, 0, "d", "6", "holds a 6 x 10 target"},
		{"agrees", 0, 6, 10, "", "", ""},
		{"agrees with d for a side", 10, 6, 0, "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lc := c.Clone()
			lc.D, lc.Rows, lc.Cols = tt.d, tt.rows, tt.cols
			_, err := instance.Load(dir, &lc)
			if tt.flag == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, fmt.Sprintf("invalid --%s %s", tt.flag, tt.value))
			require.ErrorContains(t, err, tt.why)
		})
	}
}

// TestFromFilesRect: a user's rectangular target (.npy, .csv, coordinate
// .mtx) makes an m x n instance: its shape and numerical rank come from the
// file, Fits is asked about rows x cols before it is read, the default
// width 2r is capped at min(m, n), and the rules follow min(m, n).
func TestFromFilesRect(t *testing.T) {
	dir := t.TempDir()
	phi, err := workloads.TopRect(8, 12, 3, rectRNG(1))
	require.NoError(t, err)
	npyFile := filepath.Join(dir, "rect.npy")
	require.NoError(t, workloads.SaveMatrix(npyFile, phi))
	var csv strings.Builder
	for i := range 8 {
		for j := range 12 {
			if j > 0 {
				csv.WriteByte(',')
			}
			fmt.Fprintf(&csv, "%.17g", phi.At(i, j))
		}
		csv.WriteByte('\n')
	}
	csvFile := filepath.Join(dir, "rect.csv")
	require.NoError(t, os.WriteFile(csvFile, []byte(csv.String()), 0o644))
	var mtx strings.Builder
	mtx.WriteString("%%MatrixMarket matrix coordinate real general\n8 12 96\n")
	for i := range 8 {
		for j := range 12 {
			fmt.Fprintf(&mtx, "%d %d %.17g\n", i+1, j+1, phi.At(i, j))
		}
	}
	mtxFile := filepath.Join(dir, "rect.mtx")
	require.NoError(t, os.WriteFile(mtxFile, []byte(mtx.String()), 0o644))

	for _, file := range []string{npyFile, csvFile, mtxFile} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			c := config.Config{Workload: "mf", R: 2, Eta: 1, Steps: 1, Params: config.Params{"loss": "sum"}}
			var asked [2]int
			u := instance.UserFiles{Target: file, Fits: func(rows, cols int) error { asked = [2]int{rows, cols}; return nil }}
			in, err := instance.FromFiles(&c, u)
			require.NoError(t, err)
			require.Equal(t, [2]int{8, 12}, asked)
			require.Equal(t, [3]int{0, 8, 12}, [3]int{c.D, c.Rows, c.Cols})
			require.Equal(t, 3, c.R, "the numerical rank of the file")
			rows, cols := in.Work.Dims()
			require.Equal(t, [2]int{8, 12}, [2]int{rows, cols})
			require.NoError(t, c.WithDefaults().Validate())
		})
	}

	// The default width 2r = 10 is capped at min(m, n) = 8; r = 5 is
	// above the spread generator's min(m, n)/2 = 4 but a file is no draw.
	phi5, err := workloads.TopRect(8, 12, 5, rectRNG(2))
	require.NoError(t, err)
	f5 := filepath.Join(dir, "rank5.npy")
	require.NoError(t, workloads.SaveMatrix(f5, phi5))
	c := config.Config{Workload: "mf", R: 2, Eta: 1, Steps: 1, Params: config.Params{"loss": "sum"}}
	_, err = instance.FromFiles(&c, instance.UserFiles{Target: f5})
	require.NoError(t, err)
	require.Equal(t, [2]int{5, 8}, [2]int{c.R, c.WithDefaults().RHat})
	require.NoError(t, c.WithDefaults().Validate())

	// Refusals name the file and the shape.
	c = config.Config{Workload: "mf", R: 8, Eta: 1, Steps: 1, Params: config.Params{"loss": "sum"}}
	_, err = instance.FromFiles(&c, instance.UserFiles{Target: npyFile, RGiven: true})
	require.ErrorContains(t, err, npyFile+": a 8 x 12 target: the rank r = 8 (--r) must be below min(m, n) = 8")
	c = config.Config{Workload: "mf", R: 2, RHat: 9, Eta: 1, Steps: 1, Params: config.Params{"loss": "sum"}}
	_, err = instance.FromFiles(&c, instance.UserFiles{Target: npyFile, RGiven: true})
	require.ErrorContains(t, err, "the compressed width r_hat = 9 (--r-hat, or 2r by default) must be at most min(m, n) = 8")
	full, err := workloads.TopRect(3, 7, 3, rectRNG(3))
	require.NoError(t, err)
	ff := filepath.Join(dir, "full.npy")
	require.NoError(t, workloads.SaveMatrix(ff, full))
	c = config.Config{Workload: "mf", R: 2, Eta: 1, Steps: 1, Params: config.Params{"loss": "sum"}}
	_, err = instance.FromFiles(&c, instance.UserFiles{Target: ff})
	require.ErrorContains(t, err, ff+": the 3 x 7 target has full numerical rank 3 (= min(m, n)")
	row := filepath.Join(dir, "row.npy")
	require.NoError(t, workloads.SaveMatrix(row, mat.NewDense(1, 5, []float64{1, 2, 3, 4, 5})))
	_, err = instance.FromFiles(&c, instance.UserFiles{Target: row})
	require.ErrorContains(t, err, row+": a 1 x 5 target; lowdim needs m, n >= 2")
}

// TestUserMCRect: a rectangular completion target with a mask of its shape
// sets p from the mask; a mask of another shape is refused before it is
// read, naming both shapes.
func TestUserMCRect(t *testing.T) {
	c := tinyRect("mc")
	full, err := instance.Build(c)
	require.NoError(t, err)
	mask := full.Work.(*workloads.MC).Mask()
	dir := t.TempDir()
	tf, mf := filepath.Join(dir, "t.npy"), filepath.Join(dir, "mask.npy")
	require.NoError(t, workloads.SaveMatrix(tf, full.Target))
	require.NoError(t, workloads.SaveMatrix(mf, mask))
	uc := config.Config{Workload: "mc", R: 2, Eta: 1, Steps: 1}
	in, err := instance.FromFiles(&uc, instance.UserFiles{Target: tf, Mask: mf, RGiven: true})
	require.NoError(t, err)
	require.Equal(t, 0.5, uc.Float("p"))
	require.Equal(t, 30, in.Work.(*workloads.MC).Observed())

	wrong := filepath.Join(dir, "wrong.npy")
	require.NoError(t, workloads.SaveMatrix(wrong, mat.NewDense(10, 6, nil)))
	uc = config.Config{Workload: "mc", R: 2, Eta: 1, Steps: 1}
	_, err = instance.FromFiles(&uc, instance.UserFiles{Target: tf, Mask: wrong, RGiven: true})
	require.ErrorContains(t, err, wrong+": a 10 x 6 mask for the 6 x 10 target of "+tf)
}
