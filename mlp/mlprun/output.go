package mlprun

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

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
// run.json (results.MarshalRun, last: its presence says the folder is
// complete) into dir, which it creates, each file atomically.
func WriteOutputs(dir string, r *results.Run) error {
	js, err := results.MarshalRun(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "trajectories.csv"), report.TrajectoriesCSV(r, 0)); err != nil {
		return err
	}
	if _, err := report.WriteFigures(dir, r, Title(r)); err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(dir, "run.json"), js)
}

// WriteSummary writes the summary of r (report.WriteSummary) and its
// checks (report.WriteChecks) to w.
func WriteSummary(w io.Writer, r *results.Run) error {
	if err := report.WriteSummary(w, r); err != nil {
		return err
	}
	return report.WriteChecks(w, r.Checks)
}
