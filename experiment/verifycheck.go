package experiment

import (
	"errors"
	"slices"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/methods"
)

// VerifyMethods returns the methods Verify trains: the original network and
// the compressed one (at every candidate width).
func VerifyMethods() []string { return []string{methods.Original, methods.Compressed} }

// CheckVerify validates vc with its defaults applied and checks that it
// fits in memory (the plan Verify makes: the original network and the
// widest compressed one, one after the other), before anything is
// allocated: what Verify checks first when it draws its instance. Its
// errors are *config.ConfigError.
func CheckVerify(vc VerifyConfig) error {
	vc = vc.WithDefaults()
	if err := vc.Validate(); err != nil {
		return err
	}
	pc := vc.Config.Clone()
	pc.Methods = VerifyMethods()
	pc.RHat = slices.Max(vc.RHats)
	_, _, err := preflight(pc, false, true)
	return err
}

// VerifyFits checks, before a user's rows x cols target is read, that
// Verify on it fits in memory: the target and the networks, planned as
// CheckVerify plans them with the shape set (the rank, not known before the
// target is read, taken as at most min(rows, cols) - 1, and the widths at
// most min(rows, cols)). Its error says what the run would need; it names
// no flag (the file sets the shape).
func VerifyFits(vc VerifyConfig, rows, cols int) error {
	q := min(rows, cols)
	vc.SetDims(rows, cols)
	vc.R = max(1, min(vc.R, q-1))
	var widths []int
	for _, w := range vc.RHats {
		widths = append(widths, min(w, q))
	}
	vc.RHats = widths
	vc = vc.WithDefaults()
	pc := vc.Config.Clone()
	pc.Methods = VerifyMethods()
	pc.RHat = min(slices.Max(vc.RHats), q)
	_, _, err := preflight(pc, false, true)
	var ce *config.ConfigError
	if errors.As(err, &ce) {
		return errors.New(ce.Why)
	}
	return err
}
