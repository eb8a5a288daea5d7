package instance_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/workloads"
)

// TestSaveSparse: a sparse mc instance is saved as its factored target and
// its observed entries in CSR form (workloads.SparseFiles), which read back
// as the instance's factors, pattern and values; the observed values are
// the factored target's at the observed entries; --load-instance refuses
// the folder with a message naming the form, not a missing target.npy.
func TestSaveSparse(t *testing.T) {
	c := tiny("mc")
	c.D = 40
	c.Storage = config.StorageSparse
	in, err := instance.Build(c)
	require.NoError(t, err)
	w, ok := in.Work.(*workloads.SparseMC)
	require.True(t, ok, "storage sparse builds a %T", in.Work)
	dir := t.TempDir()
	require.NoError(t, in.Save(dir, c))

	read := func(name string) []float64 {
		a, err := npy.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return a.Data
	}
	phi := w.Factored()
	rowPtr, cols, vals := w.Observations()
	require.Equal(t, phi.S, read(workloads.TargetSFile))
	require.Equal(t, phi.U.RawMatrix().Data, read(workloads.TargetUFile))
	require.Equal(t, phi.V.RawMatrix().Data, read(workloads.TargetVFile))
	rp, cs, vs := read(workloads.ObservedRowPtrFile), read(workloads.ObservedColsFile), read(workloads.ObservedValsFile)
	require.Len(t, rp, c.D+1)
	for i, v := range rowPtr {
		require.Equal(t, float64(v), rp[i])
	}
	require.Len(t, cs, len(cols))
	for k, v := range cols {
		require.Equal(t, float64(v), cs[k])
	}
	require.Equal(t, vals, vs)
	for i := 0; i < c.D; i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			require.Equal(t, phi.At(i, int(cols[k])), vs[k])
		}
	}
	require.Positive(t, len(vals))

	lc := c.Clone()
	_, err = instance.Load(dir, &lc)
	require.ErrorContains(t, err, "holds a sparse mc instance")
	require.ErrorContains(t, err, "--load-instance reads dense instances only")

	// Saving a dense instance over it leaves no sparse file behind.
	dc := tiny("mc")
	dense, err := instance.Build(dc)
	require.NoError(t, err)
	require.NoError(t, dense.Save(dir, dc))
	for _, f := range workloads.SparseFiles {
		require.NoFileExists(t, filepath.Join(dir, f))
	}
	back, err := instance.Load(dir, &dc)
	require.NoError(t, err)
	require.True(t, mat.Equal(dense.Target, back.Target))
}
