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
	rec = append(rec, "method", "step", "seconds", "train_loss", "recovery_error", "test_loss")
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
				rec = append(rec, m.Method, strconv.Itoa(c.Step), formatFloat(c.Seconds),
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
