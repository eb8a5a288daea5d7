package altmin

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// checkFactors returns an error unless u (m×k) and v (n×k) have the same
// number of columns and every entry of e is inside m×n (values are not
// looked at).
func checkFactors(u, v *mat.Dense, e Entries) error {
	m, k := u.Dims()
	n, kv := v.Dims()
	if k != kv {
		return fmt.Errorf("altmin: U is %d x %d and V is %d x %d: want the same number of columns", m, k, n, kv)
	}
	if len(e.Row) != len(e.Col) {
		return fmt.Errorf("altmin: %d rows and %d columns: want one of each per entry", len(e.Row), len(e.Col))
	}
	for t := range e.Row {
		if i, j := e.Row[t], e.Col[t]; i < 0 || i >= m || j < 0 || j >= n {
			return fmt.Errorf("altmin: entry %d at (%d, %d) is outside the %d x %d matrix (0-based)", t, i, j, m, n)
		}
	}
	return nil
}

// Predict returns the predictions (U Vᵀ)_{ij} = u_iᵀ v_j of the entries
// listed in e (e.Value is not used and may be nil), in e's order, in dst
// when it has room (len(dst) >= len(e.Row); it is resliced) and in a new
// slice otherwise. u is m×k and v n×k, as in [Result]. An entry outside
// m×n or mismatched shapes are an error. O(len(e.Row) k) time.
func Predict(dst []float64, u, v *mat.Dense, e Entries) ([]float64, error) {
	if err := checkFactors(u, v, e); err != nil {
		return nil, err
	}
	if cap(dst) < len(e.Row) {
		dst = make([]float64, len(e.Row))
	}
	dst = dst[:len(e.Row)]
	ur, vr := u.RawMatrix(), v.RawMatrix()
	k := ur.Cols
	for t := range e.Row {
		i, j := e.Row[t], e.Col[t]
		dst[t] = dot(ur.Data[i*ur.Stride:i*ur.Stride+k], vr.Data[j*vr.Stride:j*vr.Stride+k])
	}
	return dst, nil
}

// RMSE returns the root mean square error sqrt(Σ_t (u_iᵀv_j − Value[t])² / n)
// of the factors on the n entries of e, in the data's units. e must be a
// valid list of the m×n matrix (Entries.Check), else an error. It
// allocates nothing.
func RMSE(u, v *mat.Dense, e Entries) (float64, error) {
	if err := checkList(u, v, e); err != nil {
		return 0, err
	}
	return rmseOf(u, v, e), nil
}

// RelError returns the relative error on the entries of e:
// sqrt(Σ_t (u_iᵀv_j − Value[t])²) / sqrt(Σ_t Value[t]²), the held-out
// analogue of ‖W − Φ‖_F/‖Φ‖_F. +Inf when every value is 0 and a
// prediction is not; 0 when both are. e must be a valid list, else an
// error. It allocates nothing.
func RelError(u, v *mat.Dense, e Entries) (float64, error) {
	if err := checkList(u, v, e); err != nil {
		return 0, err
	}
	diff, norm := sqErrors(u, v, e)
	if norm == 0 {
		if diff == 0 {
			return 0, nil
		}
		return math.Inf(1), nil
	}
	return math.Sqrt(diff / norm), nil
}

// checkList checks the shapes and e (indices and values).
func checkList(u, v *mat.Dense, e Entries) error {
	if err := checkFactors(u, v, e); err != nil {
		return err
	}
	m, _ := u.Dims()
	n, _ := v.Dims()
	if err := e.Check(m, n); err != nil {
		return fmt.Errorf("altmin: %w", err)
	}
	return nil
}

// sqErrors returns Σ_t (u_iᵀv_j − Value[t])² and Σ_t Value[t]².
func sqErrors(u, v *mat.Dense, e Entries) (diff, norm float64) {
	ur, vr := u.RawMatrix(), v.RawMatrix()
	k := ur.Cols
	for t, x := range e.Value {
		i, j := e.Row[t], e.Col[t]
		r := dot(ur.Data[i*ur.Stride:i*ur.Stride+k], vr.Data[j*vr.Stride:j*vr.Stride+k]) - x
		diff += r * r
		norm += x * x
	}
	return diff, norm
}

// rmseOf is RMSE without the checks.
func rmseOf(u, v *mat.Dense, e Entries) float64 {
	diff, _ := sqErrors(u, v, e)
	return math.Sqrt(diff / float64(e.Len()))
}
