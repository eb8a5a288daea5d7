package instance

import (
	"errors"
	"fmt"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/matfile"
)

// UserFiles name a user's own problem: a target matrix file (.npy, .csv or
// Matrix Market .mtx) and, optionally, a 0/1 mask file of its observed
// entries.
type UserFiles struct {
	Target, Mask string
	// HeldOut is the fraction of a partially known target's entries held
	// out (a coordinate .mtx target for mc without a mask); HeldOutGiven
	// says the user gave it (it is refused where it does not apply).
	HeldOut      float64
	HeldOutGiven bool
	// RGiven says the user gave the rank; otherwise it is read from a
	// fully known target (NumericalRank).
	RGiven bool
}

// FromFiles reads the user's target (and mask) and makes its instance,
// setting c.D, c.R when it was not given, and the parameters the data fixes
// (p of mc). A coordinate .mtx target for mc without a mask is known only
// on its entries: u.HeldOut of them are held out to measure the recovery
// error on (NewHeldOut), and c.R must be given. Errors are
// *config.ConfigError or *config.InputError naming the file.
func FromFiles(c *config.Config, u UserFiles) (*Instance, error) {
	in, err := fromFiles(c, u)
	return in, config.Input(err)
}

func fromFiles(c *config.Config, u UserFiles) (*Instance, error) {
	t, err := matfile.Read(u.Target)
	if err != nil {
		return nil, err
	}
	partial := c.Workload == "mc" && u.Mask == "" && t.Observed != nil
	if u.HeldOutGiven && !partial {
		return nil, errors.New("--held-out applies to a coordinate .mtx --target for --workload mc without --mask")
	}
	if partial {
		if !u.RGiven {
			return nil, fmt.Errorf("%s: a coordinate .mtx target is known only on its entries, whose zero-filled matrix has another rank: give the target's rank with --r", u.Target)
		}
		return NewHeldOut(c, t.Dense, t.Observed, u.HeldOut, u.Target)
	}
	mask := t.Observed
	if u.Mask != "" {
		m, err := matfile.Read(u.Mask)
		if err != nil {
			return nil, err
		}
		tr, tc := t.Dense.Dims()
		mr, mc := m.Dense.Dims()
		if mr != tr || mc != tc {
			return nil, fmt.Errorf("%s: a %d x %d mask for the %d x %d target of %s", u.Mask, mr, mc, tr, tc, u.Target)
		}
		for i := 0; i < mr; i++ {
			for j := 0; j < mc; j++ {
				if v := m.Dense.At(i, j); v != 0 && v != 1 {
					return nil, fmt.Errorf("%s: entry (%d, %d) is %v; a mask holds 0 (unobserved) and 1 (observed)", u.Mask, i+1, j+1, v)
				}
			}
		}
		mask = m.Dense
	}
	if spec, err := Spec(*c); err == nil && spec.User == nil {
		return nil, fmt.Errorf("--target with --workload %s is not supported: a %s problem needs more than its target (use lowdim run --load-instance)", c.Workload, spec.Title)
	}
	if !u.RGiven {
		r, err := NumericalRank(t.Dense)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", u.Target, err)
		}
		c.R = r
	}
	return NewUser(c, t.Dense, mask, u.Target)
}
