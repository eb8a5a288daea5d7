package experiment

import (
	"slices"

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
