package workloads

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
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

// mf's registration: parameter loss, the factored step, its presets (the
// paper's notebook setting, DESIGN.md section 2, and a fast variant).
func init() {
	Register(Spec{
		WorkloadInfo: config.WorkloadInfo{
			Name: "mf", Title: "matrix factorization", Order: 1,
			Params: []config.Param{{Key: "loss", Kind: config.String, Default: string(Mean),
				Help: "MF loss reduction: mean or sum",
				Check: func(v any, c config.Config) error {
					if s := v.(string); s != string(Mean) && s != string(Sum) {
						return config.Bad("loss", v, "unknown MF loss (want mean or sum)")
					}
					return nil
				}}},
			Paths: []string{config.PathFactored},
			Presets: []config.Preset{
				{Name: "paper-mf", Description: "deep MF as in the paper's notebook: mean loss, eta=1, 1e5 steps (slow: minutes)", Runs: []config.Config{{
					Name: "mf", Workload: "mf", D: 100, R: 10, RHat: 20, Depth: 3, Eps: 1e-2, Eta: 1, Alpha: 1,
					Steps: 100000, Tol: 0, Every: 500, Params: config.Params{"loss": "mean"},
				}}},
				{Name: "paper-mf-fast", Description: "paper-mf with the sum loss and eta=5e-3 (the same problem, a 50x larger effective step), tol 1e-10", Runs: []config.Config{{
					Name: "mf", Workload: "mf", D: 100, R: 10, RHat: 20, Depth: 3, Eps: 1e-2, Eta: 5e-3, Alpha: 1,
					Steps: 20000, Tol: 1e-10, Every: 50, Params: config.Params{"loss": "sum"},
				}}},
			},
			Fast: "paper-mf-fast",
			Quick: &config.Config{Name: "mf", Workload: "mf", D: 40, R: 4, RHat: 8, Depth: 3, Eps: 1e-2, Eta: 5e-3, Alpha: 1,
				Steps: 5000, Tol: 1e-8, Every: 25, Params: config.Params{"loss": "sum"}},
		},
		New: func(c config.Config, target *mat.Dense, _ func(uint64) *rand.Rand) (Workload, error) {
			return NewMF(target, Reduction(c.Text("loss")))
		},
		User: func(c *config.Config, target, _, _ *mat.Dense) (Workload, error) {
			return NewMF(target, Reduction(c.Text("loss")))
		},
		Save: func(Workload, string) error { return nil },
		Load: func(c *config.Config, target *mat.Dense, _ string) (Workload, error) {
			return NewMF(target, Reduction(c.Text("loss")))
		},
		Footprint: func(c config.Config) []Need {
			rows, cols := c.Dims()
			return []Need{{Bytes: 8 * uint64(rows) * uint64(cols), What: "target"}}
		},
		Bench: func(int) (config.Params, bool) { return config.Params{"loss": "sum"}, true },
		Tags:  []string{"ci"},
	})
}

// EntryLoss returns the loss of a residual of RMSE e over the target's
// entries: c rows cols e^2 / 2 (e^2 / 2 for the mean loss).
func (w *MF) EntryLoss(e float64) float64 {
	r, c := w.Dims()
	return w.c * float64(r) * float64(c) * e * e / 2
}
