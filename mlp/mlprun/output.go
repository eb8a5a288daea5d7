package mlprun

import (
	"fmt"
	"io"
	"os"

	"github.com/lowdim/lowdim/report"
	"github.com/lowdim/lowdim/results"
)

// Title names an MLP run (r.MLPConfig and r.Data set) in figures and on
// stdout.
func Title(r *results.Run) string {
	c := r.MLPConfig
	return fmt.Sprintf("MLP on %s: width %d,%d, block L=%d, r̂=%d", r.Data.Name, c.Width, c.Width2, c.Depth, c.RHat)
}

// WriteOutputs writes trajectories.csv, the figures (report.Figures) and
// run.json (results.MarshalRun, last) into dir, which must exist, each file
// atomically (report.WriteRun). The files form a set only when dir is a
// staging folder committed afterwards, as lowdim run does (package
// outdir, with report.WriteRun); written straight into a folder they
// replace its files one by one.
func WriteOutputs(dir string, r *results.Run) error {
	// Never created here: a staging folder an abort renamed away must not
	// be made again under its old name and left behind.
	if st, err := os.Stat(dir); err != nil {
		return err
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	return report.WriteRun(dir, r, Title(r), 0, nil)
}

// WriteSummary writes the summary of r (report.WriteSummary) and its
// checks (report.WriteChecks) to w.
func WriteSummary(w io.Writer, r *results.Run) error {
	if err := report.WriteSummary(w, r); err != nil {
		return err
	}
	return report.WriteChecks(w, r.Checks)
}
