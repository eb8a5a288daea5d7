package experiment

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/workloads"
)

// TestRunReportsRates: every method reports its GFLOP/s and, given a
// calibration, the fraction of the peak; sensing methods also the operator
// bandwidth (two GEMVs over the operator per evaluation) and its fraction of
// the triad bandwidth; the others none.
func TestRunReportsRates(t *testing.T) {
	for _, c := range []config.Config{
		{Workload: "ms", D: 12, R: 2, Params: config.Params{"m": 150}, Eta: 2, Steps: 40, Every: 10, Methods: []string{methods.Original, methods.Compressed}},
		{Workload: "mf", D: 12, R: 2, Eta: 0.5, Params: config.Params{"loss": "sum"}, Steps: 40, Every: 10, Methods: []string{methods.Original, methods.Compressed}},
	} {
		t.Run(c.Workload, func(t *testing.T) {
			run, err := Run(c, Options{PeakGFLOPS: 2, TriadGBps: 4})
			require.NoError(t, err)
			in, err := instance.Build(c.WithDefaults())
			require.NoError(t, err)
			for _, m := range run.Methods {
				require.Positive(t, m.GFLOPS, m.Method)
				require.NotNil(t, m.PeakFraction)
				require.InDelta(t, m.GFLOPS/2, *m.PeakFraction, 1e-12)
				if c.Workload != "ms" {
					require.Zero(t, m.OperatorGBps, m.Method)
					require.Nil(t, m.BandwidthFraction)
					continue
				}
				op, _ := in.Work.(*workloads.MS).Operator()
				bytes := float64(2*(m.Steps+1)) * 8 * float64(op.RawMatrix().Rows) * float64(c.D*c.D)
				require.InDelta(t, bytes/m.Seconds/1e9, m.OperatorGBps, 1e-9*m.OperatorGBps, m.Method)
				require.NotNil(t, m.BandwidthFraction)
				require.InDelta(t, m.OperatorGBps/4, *m.BandwidthFraction, 1e-12)
			}
		})
	}
}
