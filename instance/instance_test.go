package instance_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/dln"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/workloads"
)

func tiny(workload string) config.Config {
	c := config.Config{Workload: workload, D: 10, R: 2, Eta: 1, Steps: 1, Seed: 3}
	switch workload {
	case "mc":
		c.Set("p", 0.5)
	case "ms":
		c.Set("m", 30)
	}
	return c.WithDefaults()
}

// TestBuildSaveLoad: every registered workload's instance is a function of
// the seed, and Save then Load gives back its target, its workload's data
// (the same loss) and the initial weights saved with it.
func TestBuildSaveLoad(t *testing.T) {
	for _, name := range config.WorkloadNames() {
		t.Run(name, func(t *testing.T) {
			c := tiny(name)
			a, err := instance.Build(c)
			require.NoError(t, err)
			b, err := instance.Build(c)
			require.NoError(t, err)
			require.True(t, mat.Equal(a.Target, b.Target), "one seed, one target")

			dir := t.TempDir()
			require.NoError(t, a.Save(dir, c))
			net := dln.New(methods.Shapes(methods.BM, c, c.D, c.D))
			net.InitGaussian(c.Eps, methods.Rand(c.Seed, methods.BM))
			require.NoError(t, instance.SaveInit(dir, methods.BM, net))

			lc := c.Clone()
			lc.D = 0
			back, err := instance.Load(dir, &lc)
			require.NoError(t, err)
			require.Equal(t, c.D, lc.D, "d comes from the target file")
			require.True(t, mat.Equal(a.Target, back.Target))
			x := mat.NewDense(c.D, c.D, nil)
			require.Equal(t, a.Work.Loss(x), back.Work.Loss(x))
			require.Len(t, back.Inits[methods.BM], 2)
			require.True(t, mat.Equal(net.Layer(0), back.Inits[methods.BM][0]))
		})
	}
}

// TestFromFilesErrorsAreInput: a missing or malformed user file is an
// *config.InputError (lowdim exits 2), naming the file.
func TestFromFilesErrorsAreInput(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.npy")
	c := tiny("mf")
	_, err := instance.FromFiles(&c, instance.UserFiles{Target: missing})
	var ie *config.InputError
	require.True(t, errors.As(err, &ie), "%v (%T)", err, err)
	require.ErrorContains(t, err, missing)

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("1,2\n3\n"), 0o644))
	_, err = instance.FromFiles(&c, instance.UserFiles{Target: bad})
	require.True(t, config.IsUserError(err), "%v", err)
}

// TestUserMC: a user's MC target and mask set p to the observed fraction;
// a given p they contradict is an error naming it (config.Resolve drops a
// preset's p when the instance comes from files, so a p here was given).
func TestUserMC(t *testing.T) {
	c := tiny("mc")
	full, err := instance.Build(c)
	require.NoError(t, err)
	mask := full.Work.(*workloads.MC).Mask()
	uc := c.Clone()
	delete(uc.Params, "p")
	in, err := instance.NewUser(&uc, full.Target, mask, "user")
	require.NoError(t, err)
	require.Equal(t, "user", in.Source)
	require.Equal(t, 0.5, uc.Float("p"), "p is the fraction the user's mask observes")

	uc.Set("p", 0.9)
	_, err = instance.NewUser(&uc, full.Target, mask, "user")
	require.ErrorContains(t, err, "invalid --p 0.9: the observed entries of the --mask or of the coordinate --target observe 50 of 100 entries (p = 0.5)")
}

// TestSaveNeverCreatesTheFolder: Save writes into an existing folder only.
// A staging folder that an abort renamed away (outdir's Close on the
// signal's goroutine, while the run saves its instance) must not be made
// again under its old name: TestInterruptAtRandomMoments found one left
// holding a temporary target.npy when Save created its folder.
func TestSaveNeverCreatesTheFolder(t *testing.T) {
	c := config.Config{Workload: "mf", D: 6, R: 2, Seed: 1}.WithDefaults()
	in, err := instance.Build(c)
	require.NoError(t, err)
	gone := filepath.Join(t.TempDir(), "staging")
	require.Error(t, in.Save(gone, c))
	require.NoDirExists(t, gone)
}
