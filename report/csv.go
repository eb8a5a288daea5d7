package report

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/lowdim/lowdim/results"
)

// TrajectoriesCSV returns every checkpoint of run as CSV (encoding/csv,
// "\n" line ends), rows in the order of run.Methods and, within a method,
// in trajectory (step) order, under the header
//
//	method,step,seconds,train_loss,recovery_error,test_loss,sv1,...,svK[,align_u,align_v]
//
// with align_u and align_v (results.Checkpoint.AlignU, AlignV) only when
// some checkpoint recorded them, empty where one did not.
// K is the larger of nsv and the longest Checkpoint.SingularValues, so no
// recorded value is lost; a checkpoint with fewer singular values leaves the
// remaining cells empty, and test_loss is empty when !HasTestLoss. Floats
// are written with strconv.FormatFloat(v, 'g', -1, 64), the shortest form
// that strconv.ParseFloat reads back to the same float64 (NaN, +Inf and
// -Inf included). A nil run gives the header alone. run is not modified.
//
// For an MLP run (Kind results.KindMLP) nsv is ignored and the header is
//
//	method,step,epoch,seconds,cpu_seconds,train_loss,train_accuracy,test_loss,test_accuracy,test_rows
//
// with one row per checkpoint of each method's MLP.Trajectory, cpu_seconds
// empty where it was not measured.
func TrajectoriesCSV(run *results.Run, nsv int) []byte {
	if run != nil && run.Kind == results.KindMLP {
		return mlpTrajectoriesCSV(run)
	}
	return linearCSV(run, nsv, nil)
}

// WidthsCSV is TrajectoriesCSV of a verify's networks, whose widths a
// reader compares: run.Methods are the original network and the
// compressed network at each width, and the header is
//
//	method,width,step,seconds,train_loss,recovery_error,test_loss,sv1,...
//
// with, for row i of run.Methods, method methods[i] ("original",
// "compressed": the method's name, not the run's label of the network) and
// width widths[i] (the original's hidden width, a compressed network's
// r_hat). methods and widths have len(run.Methods) elements; run is a
// linear run.
func WidthsCSV(run *results.Run, nsv int, methods []string, widths []int) []byte {
	return linearCSV(run, nsv, func(i int) []string { return []string{methods[i], strconv.Itoa(widths[i])} })
}

// linearCSV writes a linear run's checkpoints; lead, when not nil, gives
// the leading cells of method i (method and width) in place of its name.
func linearCSV(run *results.Run, nsv int, lead func(i int) []string) []byte {
	k := max(nsv, 0)
	if run != nil {
		for i := range run.Methods {
			for j := range run.Methods[i].Trajectory {
				k = max(k, len(run.Methods[i].Trajectory[j].SingularValues))
			}
		}
	}

	align := false
	if run != nil {
		for i := range run.Methods {
			for j := range run.Methods[i].Trajectory {
				c := &run.Methods[i].Trajectory[j]
				align = align || c.AlignU != nil || c.AlignV != nil
			}
		}
	}

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rec := make([]string, 0, 8+k)
	rec = append(rec, "method")
	if lead != nil {
		rec = append(rec, "width")
	}
	rec = append(rec, "step", "seconds", "train_loss", "recovery_error", "test_loss")
	for i := 1; i <= k; i++ {
		rec = append(rec, "sv"+strconv.Itoa(i))
	}
	if align {
		rec = append(rec, "align_u", "align_v")
	}
	// Writing to a bytes.Buffer cannot fail, nor can a csv.Writer with the
	// default separator: the errors are nil.
	_ = w.Write(rec)
	if run != nil {
		for i := range run.Methods {
			m := &run.Methods[i]
			for j := range m.Trajectory {
				c := &m.Trajectory[j]
				rec = rec[:0]
				if lead != nil {
					rec = append(rec, lead(i)...)
				} else {
					rec = append(rec, m.Method)
				}
				rec = append(rec, strconv.Itoa(c.Step), formatFloat(c.Seconds),
					formatFloat(c.TrainLoss), formatFloat(c.RecoveryError))
				if c.HasTestLoss {
					rec = append(rec, formatFloat(c.TestLoss))
				} else {
					rec = append(rec, "")
				}
				for s := range k {
					if s < len(c.SingularValues) {
						rec = append(rec, formatFloat(c.SingularValues[s]))
					} else {
						rec = append(rec, "")
					}
				}
				if align {
					rec = append(rec, optFloat(c.AlignU), optFloat(c.AlignV))
				}
				_ = w.Write(rec)
			}
		}
	}
	w.Flush()
	return buf.Bytes()
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// optFloat formats *v, or "" when v is nil.
func optFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return formatFloat(*v)
}
