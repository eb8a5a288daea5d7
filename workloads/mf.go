package workloads

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Reduction says how the MF loss is normalised.
type Reduction string

const (
	// Mean divides the squared error by the number of entries (the paper's
	// "mean" loss).
	Mean Reduction = "mean"
	// Sum keeps the plain sum of squares.
	Sum Reduction = "sum"
)

// MF is deep matrix factorization: f(W) = c ||W - Phi||_F^2 / 2 with
// c = 1/(rows*cols) for the Mean reduction and 1 for Sum. Its surrogate is
// Phi itself.
type MF struct {
	target *mat.Dense
	red    Reduction
	c      float64
}

var _ Workload = (*MF)(nil)

// NewMF returns the factorization workload of target, which it keeps (it must
// not be modified afterwards).
func NewMF(target *mat.Dense, red Reduction) (*MF, error) {
	r, c := target.Dims()
	w := &MF{target: target, red: red}
	switch red {
	case Mean:
		w.c = 1 / float64(r*c)
	case Sum:
		w.c = 1
	default:
		return nil, fmt.Errorf("workloads: unknown MF loss reduction %q (want mean or sum)", red)
	}
	return w, nil
}

func (w *MF) Name() string              { return "mf" }
func (w *MF) Dims() (int, int)          { return w.target.Dims() }
func (w *MF) Target() *mat.Dense        { return w.target }
func (w *MF) Surrogate() *mat.Dense     { return w.target }
func (w *MF) Bytes() int64              { return bytesOf(w.target) }
func (w *MF) Reduction() Reduction      { return w.red }
func (w *MF) Scale() float64            { return w.c }
func (w *MF) Loss(x *mat.Dense) float64 { return w.Gradient(nil, x) }

// Gradient writes c (W - Phi) to dst (when dst is not nil) and returns the
// loss.
func (w *MF) Gradient(dst, x *mat.Dense) float64 {
	checkSame(x, w.target)
	xr, tr := x.RawMatrix(), w.target.RawMatrix()
	var dr []float64
	if dst != nil {
		checkSame(dst, x)
		d := dst.RawMatrix()
		if d.Stride != d.Cols {
			panic(ErrShape)
		}
		dr = d.Data
	}
	var ss float64
	for i := 0; i < xr.Rows; i++ {
		a := xr.Data[i*xr.Stride : i*xr.Stride+xr.Cols]
		b := tr.Data[i*tr.Stride : i*tr.Stride+tr.Cols]
		for j, v := range a {
			e := v - b[j]
			ss += e * e
			if dr != nil {
				dr[i*xr.Cols+j] = w.c * e
			}
		}
	}
	return w.c * ss / 2
}
