package theory

import (
	"fmt"
	"math"
)

// KwonMaxEps is the largest init scale at which checks of Kwon et al.'s
// theorem are trusted: numerical checks held at every step for eps <= 0.1
// and broke at eps = 0.2 (DESIGN.md 4(b)6).
const KwonMaxEps = 0.1

// InKwonRegime reports whether a configuration lies in the regime of Kwon et
// al.'s theorem (DESIGN.md 4(b)6): on deep MF, the compressed network's
// recovery error is at most the original's at every iteration. The theorem
// is proved for small init scale eps with alpha = 1 (no outer-factor step
// multiplier); numerical checks held at every step for eps <= 0.1 and broke
// at some steps for eps = 0.2 or alpha = 1.5. So ok requires alpha == 1 and
// 0 < eps <= KwonMaxEps. why says which regime was assumed, or why the
// configuration is outside it; a check of the bound outside the regime is
// not a test of the theorem and must not gate.
func InKwonRegime(eps, alpha float64) (ok bool, why string) {
	switch {
	case alpha != 1:
		return false, fmt.Sprintf("alpha = %v != 1: the theorem assumes plain GD (alpha = 1); alpha = 1.5 broke it numerically", alpha)
	case math.IsNaN(eps) || !(eps > 0):
		return false, fmt.Sprintf("eps = %v is not a positive init scale", eps)
	case eps > KwonMaxEps:
		return false, fmt.Sprintf("eps = %v > %v: the theorem needs small eps; eps = 0.2 broke it numerically", eps, KwonMaxEps)
	}
	return true, fmt.Sprintf("alpha = 1 and eps = %v <= %v: Kwon et al.'s small-eps regime", eps, KwonMaxEps)
}
