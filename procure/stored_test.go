package procure

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStoredReports compares the two quick reports committed in testdata,
// made on one two-core machine (load average 7 to 8) with the pure-Go and
// the OpenBLAS build:
//
//	/tmp/lowdim-gonum machine run --quick --out gonum-quick.json   (2 min 52 s)
//	/tmp/lowdim-ob machine run --quick --out openblas-quick.json   (57 s)
//
// OpenBLAS is the faster for training, with an interval above 1 (5.13x
// [4.12, 6.11] when they were made), and the comparison names it.
func TestStoredReports(t *testing.T) {
	var in []Input
	for _, name := range []string{"gonum-quick", "openblas-quick"} {
		path := filepath.Join("testdata", name+".json")
		r, err := ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, SuiteVersion, r.SuiteVersion, "%s: made with another suite version: remake it", path)
		in = append(in, Input{Name: name, Path: path, Report: r})
	}
	require.Equal(t, "gonum", in[0].Report.Machine.BLAS)
	require.Equal(t, "openblas", in[1].Report.Machine.BLAS)
	require.Contains(t, in[1].Report.Machine.BLASDetail, "OpenBLAS 0.3", "OpenBLAS's own build string")
	c, err := Compare(in, CompareOptions{})
	require.NoError(t, err)
	for _, g := range c.Geomeans {
		if g.Category == Training {
			require.NotNil(t, g.Speedup)
			require.Greater(t, *g.Lo, 1.0, "training: %v [%v, %v]", *g.Speedup, *g.Lo, *g.Hi)
		}
	}
	for _, a := range c.Answers {
		if a.Question == "fastest training step" {
			require.Equal(t, "openblas-quick", a.Machine)
			require.True(t, strings.HasPrefix(a.Text, "openblas-quick: 5.13x [4.12, 6.11] better training step time than gonum-quick"), a.Text)
		}
	}
	require.Contains(t, strings.Join(c.Warnings, "\n"), "different BLAS backends: gonum-quick ran gonum, openblas-quick ran openblas")
}
