package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/lowdim/lowdim/config"
)

// Perturbation kinds (Perturbation.Kind).
const (
	// PerturbNoise adds Gaussian noise at a signal-to-noise ratio SNR.
	PerturbNoise = "noise"
	// PerturbDropout sets each feature value to the training mean (0
	// after standardisation) with probability P.
	PerturbDropout = "dropout"
	// PerturbShift changes brightness and contrast of raw pixel values in
	// [0, 1].
	PerturbShift = "shift"
)

// Perturbation is one named, seeded change of the test features (issue 17
// item 4). Every model is measured on the same perturbed test set: Apply
// is deterministic for Seed.
//
//   - noise: on the standardised test features z (n rows, d features),
//     adds independent N(0, σ²) noise to every value with
//     σ² = P_s/SNR, P_s = (1/(n d)) Σ_ij z_ij² (the signal power of the
//     standardised test matrix), so that P_s over the noise power
//     σ² is SNR (a power ratio; in decibels 10 log10 SNR).
//   - dropout: on the standardised test features, sets each value to 0
//     (the training mean) independently with probability P.
//   - shift: on the raw test features, which must lie in [0, 1] (pixels;
//     an IDX folder's p/255), maps x to clip(Contrast (x - 0.5) + 0.5 +
//     Brightness, 0, 1) before standardisation.
type Perturbation struct {
	// Name is the perturbation as written, in canonical form
	// (String), e.g. "noise:snr=10" or "shift:brightness=0.1:contrast=0.8".
	Name string `json:"name"`
	Kind string `json:"kind"`
	// SNR (noise), P (dropout), Brightness and Contrast (shift); the
	// others are null.
	SNR        *float64 `json:"snr"`
	P          *float64 `json:"p"`
	Brightness *float64 `json:"brightness"`
	Contrast   *float64 `json:"contrast"`
	// Seed draws the noise or the dropped values.
	Seed uint64 `json:"seed"`
}

// String is the canonical form of p, which ParsePerturbations reads back:
// KIND:KEY=VALUE... with the keys in a fixed order and seed last.
func (p Perturbation) String() string {
	s := p.Kind
	add := func(k string, v *float64) {
		if v != nil {
			s += ":" + k + "=" + strconv.FormatFloat(*v, 'g', -1, 64)
		}
	}
	add("snr", p.SNR)
	add("p", p.P)
	add("brightness", p.Brightness)
	add("contrast", p.Contrast)
	return s + ":seed=" + strconv.FormatUint(p.Seed, 10)
}

// Raw reports whether p applies to the raw features, before
// standardisation (shift), rather than to the standardised ones.
func (p Perturbation) Raw() bool { return p.Kind == PerturbShift }

// ParsePerturbations parses the value of the flag named flagName: a comma
// list of KIND[:KEY=VALUE]..., where KIND is noise (key snr, required,
// > 0), dropout (key p, required, in [0, 1)) or shift (keys brightness, in
// [-1, 1], default 0, and contrast, in (0, 10], default 1; at least one
// given); every kind takes seed=N (default seed). An unknown kind or key,
// a value out of range, a key given twice and two perturbations with the
// same canonical form are *config.ConfigError values naming the flag and
// the item. An empty list gives nil.
func ParsePerturbations(flagName, list string, seed uint64) ([]Perturbation, error) {
	if list == "" {
		return nil, nil
	}
	var ps []Perturbation
	seen := map[string]string{}
	for _, item := range strings.Split(list, ",") {
		p, err := parsePerturbation(flagName, strings.TrimSpace(item), seed)
		if err != nil {
			return nil, err
		}
		p.Name = p.String()
		if prev, ok := seen[p.Name]; ok {
			return nil, config.Bad(flagName, list, "%q and %q are the same perturbation (%s): give each once", prev, item, p.Name)
		}
		seen[p.Name] = item
		ps = append(ps, p)
	}
	return ps, nil
}

func parsePerturbation(flagName, item string, seed uint64) (Perturbation, error) {
	shown := item
	if shown == "" {
		shown = `""`
	}
	bad := func(format string, args ...any) error {
		return config.Bad(flagName, shown, "%s; want noise:snr=S, dropout:p=P or shift:brightness=B:contrast=C (each may add :seed=N)", fmt.Sprintf(format, args...))
	}
	parts := strings.Split(item, ":")
	p := Perturbation{Kind: parts[0], Seed: seed}
	var keys []string
	switch p.Kind {
	case PerturbNoise:
		keys = []string{"snr"}
	case PerturbDropout:
		keys = []string{"p"}
	case PerturbShift:
		keys = []string{"brightness", "contrast"}
	case "":
		return p, bad("empty perturbation")
	default:
		return p, bad("unknown perturbation %q", p.Kind)
	}
	given := map[string]bool{}
	for _, kv := range parts[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return p, bad("%q is not KEY=VALUE", kv)
		}
		if given[k] {
			return p, bad("key %s given twice", k)
		}
		given[k] = true
		if k == "seed" {
			s, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return p, bad("seed %q is not a non-negative integer", v)
			}
			p.Seed = s
			continue
		}
		known := false
		for _, kk := range keys {
			known = known || kk == k
		}
		if !known {
			return p, bad("%s takes no key %q (keys: %s, seed)", p.Kind, k, strings.Join(keys, ", "))
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return p, bad("%s=%s is not a finite number", k, v)
		}
		switch k {
		case "snr":
			if !(x > 0) {
				return p, bad("snr must be > 0 (signal power over noise power)")
			}
			p.SNR = &x
		case "p":
			if !(x >= 0 && x < 1) {
				return p, bad("p must be in [0, 1)")
			}
			p.P = &x
		case "brightness":
			if !(x >= -1 && x <= 1) {
				return p, bad("brightness must be in [-1, 1] (pixel values in [0, 1])")
			}
			p.Brightness = &x
		case "contrast":
			if !(x > 0 && x <= 10) {
				return p, bad("contrast must be in (0, 10]")
			}
			p.Contrast = &x
		}
	}
	switch p.Kind {
	case PerturbNoise:
		if p.SNR == nil {
			return p, bad("noise needs snr=S")
		}
	case PerturbDropout:
		if p.P == nil {
			return p, bad("dropout needs p=P")
		}
	case PerturbShift:
		if p.Brightness == nil && p.Contrast == nil {
			return p, bad("shift needs brightness=B, contrast=C or both")
		}
		if p.Brightness == nil {
			z := 0.0
			p.Brightness = &z
		}
		if p.Contrast == nil {
			one := 1.0
			p.Contrast = &one
		}
	}
	return p, nil
}

// CheckPixels returns an error naming the source when a raw feature of s
// lies outside [0, 1] (shift applies to pixel values), nil otherwise.
func CheckPixels(flagName, name string, s *Set) error {
	for i, v := range s.X {
		if v < 0 || v > 1 {
			return config.Bad(flagName, name, "shift applies to pixel values in [0, 1], but the test features hold %g (row %d, feature %d); leave shift out for data that are not images", v, i/s.Features, i%s.Features)
		}
	}
	return nil
}

// Apply returns a copy of s perturbed by p (see Perturbation): raw
// features for shift (p.Raw), standardised ones otherwise. It allocates
// one Set of s's size and draws from a PCG seeded with p.Seed, so the
// result depends only on p and s.
func (p Perturbation) Apply(s *Set) *Set {
	out := &Set{Source: s.Source, N: s.N, Features: s.Features, Classes: s.Classes, X: make([]float64, len(s.X)), Y: s.Y}
	rng := rand.New(rand.NewPCG(p.Seed, 0x7065727475726221)) // "perturb!"
	switch p.Kind {
	case PerturbNoise:
		var ps float64
		for _, v := range s.X {
			ps += v * v
		}
		if len(s.X) > 0 {
			ps /= float64(len(s.X))
		}
		sigma := math.Sqrt(ps / *p.SNR)
		for i, v := range s.X {
			out.X[i] = v + sigma*rng.NormFloat64()
		}
	case PerturbDropout:
		for i, v := range s.X {
			if rng.Float64() >= *p.P {
				out.X[i] = v
			}
		}
	case PerturbShift:
		for i, v := range s.X {
			out.X[i] = min(1, max(0, *p.Contrast*(v-0.5)+0.5+*p.Brightness))
		}
	default:
		panic("classify: Apply of unknown perturbation " + p.Kind)
	}
	return out
}
