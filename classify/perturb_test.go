package classify

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
)

// testSet returns n rows of d standard-normal features (seeded).
func testSet(n, d int, seed uint64) *Set {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &Set{N: n, Features: d, Classes: 2, X: make([]float64, n*d), Y: make([]byte, n)}
	for i := range s.X {
		s.X[i] = 2 * rng.NormFloat64()
	}
	return s
}

func parse(t *testing.T, list string) []Perturbation {
	ps, err := ParsePerturbations("perturb", list, 7)
	require.NoError(t, err)
	return ps
}

// TestPerturbDeterministic: a perturbation gives the same set for the
// same seed and another for another seed; the input is not changed.
func TestPerturbDeterministic(t *testing.T) {
	s := testSet(200, 5, 1)
	orig := append([]float64(nil), s.X...)
	for _, list := range []string{"noise:snr=3", "dropout:p=0.3"} {
		p := parse(t, list)[0]
		a, b := p.Apply(s), p.Apply(s)
		require.Equal(t, a.X, b.X, list)
		require.NotEqual(t, s.X, a.X, list)
		q := parse(t, list+":seed=8")[0]
		require.NotEqual(t, a.X, q.Apply(s).X, list)
	}
	require.Equal(t, orig, s.X)
}

// TestPerturbNoiseSNR: the noise added has power P_s/SNR, measured.
func TestPerturbNoiseSNR(t *testing.T) {
	s := testSet(2000, 10, 2)
	var ps float64
	for _, v := range s.X {
		ps += v * v
	}
	ps /= float64(len(s.X))
	for _, snr := range []float64{10, 3, 0.5} {
		ps2, err := ParsePerturbations("perturb", "noise:snr="+formatG(snr), 1)
		require.NoError(t, err)
		n := ps2[0].Apply(s)
		var pn float64
		for i, v := range n.X {
			e := v - s.X[i]
			pn += e * e
		}
		pn /= float64(len(s.X))
		// 20000 draws: the noise power is within 3% of its target.
		require.InEpsilon(t, snr, ps/pn, 0.03, "snr %g: measured %g", snr, ps/pn)
	}
}

func formatG(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// TestPerturbDropout: dropout at p sets about p of the values to 0 and
// keeps the others.
func TestPerturbDropout(t *testing.T) {
	s := testSet(1000, 20, 3)
	for _, list := range []string{"dropout:p=0", "dropout:p=0.2", "dropout:p=0.7"} {
		p := parse(t, list)[0]
		d := p.Apply(s)
		zeros := 0
		for i, v := range d.X {
			if v == 0 {
				zeros++
			} else {
				require.Equal(t, s.X[i], v)
			}
		}
		frac := float64(zeros) / float64(len(s.X))
		// 20000 draws: the standard error is at most 0.0036.
		require.InDelta(t, *p.P, frac, 0.015, list)
	}
}

// TestPerturbShift: brightness and contrast on pixel values, clipped.
func TestPerturbShift(t *testing.T) {
	s := &Set{N: 1, Features: 4, Classes: 2, X: []float64{0, 0.25, 0.5, 1}, Y: []byte{0}}
	p := parse(t, "shift:brightness=0.1:contrast=0.8")[0]
	require.True(t, p.Raw())
	d := p.Apply(s)
	want := []float64{0.2, 0.4, 0.6, 1}
	for i := range want {
		require.InDelta(t, want[i], d.X[i], 1e-12)
	}
	require.Equal(t, "shift:brightness=0:contrast=2:seed=7", parse(t, "shift:contrast=2")[0].Name)
	require.NoError(t, CheckPixels("data", "x", s))
	s.X[1] = 1.5
	require.ErrorContains(t, CheckPixels("data", "x", s), "1.5 (row 0, feature 1)")
}

func TestParsePerturbationsErrors(t *testing.T) {
	for list, want := range map[string]string{
		"blur:r=2":                   `unknown perturbation "blur"`,
		"noise:snr=0":                "snr must be > 0",
		"noise:snr=-1":               "snr must be > 0",
		"noise":                      "noise needs snr=S",
		"noise:snr=NaN":              "not a finite number",
		"dropout:p=1":                "p must be in [0, 1)",
		"dropout:p=-0.1":             "p must be in [0, 1)",
		"noise:snr=10,noise:snr=1e1": `"noise:snr=10" and "noise:snr=1e1" are the same perturbation`,
		"noise:snr=10:snr=3":         "key snr given twice",
		"noise:p=0.1":                `noise takes no key "p"`,
		"shift":                      "shift needs brightness",
		"shift:contrast=0":           "contrast must be in (0, 10]",
		"noise:snr=3,":               "empty perturbation",
		"dropout:p=0.1:seed=x":       `seed "x"`,
		"noise:snr":                  `"snr" is not KEY=VALUE`,
	} {
		_, err := ParsePerturbations("perturb", list, 1)
		var ce *config.ConfigError
		require.ErrorAs(t, err, &ce, list)
		require.ErrorContains(t, err, "--perturb", list)
		require.ErrorContains(t, err, want, list)
	}
	ps := parse(t, "noise:snr=10,noise:snr=10:seed=8")
	require.Len(t, ps, 2, "another seed is another perturbation")
}

// TestJudgeRobust: with Robust, C-DLN's drop on a perturbed set is gated
// by MaxDrop; without it, only reported. Each model's own drop is
// clean minus perturbed, paired by seed.
func TestJudgeRobust(t *testing.T) {
	one := 1.0
	with := func(rs []*Run, pert ...float64) []*Run {
		for i, r := range rs {
			x := pert[i]
			r.Perturbed = []*float64{&x}
		}
		return rs
	}
	v := &Verdict{ClassNames: []int64{0}, TestCounts: []int{10}, Models: []Model{
		{Name: "original", Runs: with(runs(90, 91, 92), 80, 81, 82)},
		{Name: "dln", Runs: with(runs(90, 91, 92), 80, 81, 82)},
		{Name: "cdln r_hat=2", Runs: with(runs(90, 91, 92), 70, 72, 71)}, // clean: no drop; noisy: 10 points worse
	}}
	c := Config{RHats: []int{2}, Seeds: []uint64{1, 2, 3}, MaxDrop: &one, Decide: DecideInterval,
		Perturbations: parse(t, "noise:snr=3")}
	Judge(v, c)
	require.True(t, v.Pass, "not robust: the perturbed drop is reported only")
	require.InDelta(t, -10, v.Widths[0].Diffs[0].Perturbed[0].Mean, 1e-9)
	require.InDelta(t, 20, v.Models[2].Perturbed[0].Drop.Mean, 1e-9)
	require.InDelta(t, 71, v.Models[2].Perturbed[0].Accuracy.Mean, 1e-9)
	c.Robust = true
	Judge(v, c)
	require.False(t, v.Pass)
	require.Nil(t, v.SafeWidth)
	var robust []Gate
	for _, g := range v.Widths[0].Gates {
		if g.Perturbation != nil {
			robust = append(robust, g)
		}
	}
	require.Len(t, robust, 2, "one per baseline")
	require.Equal(t, "noise:snr=3:seed=7", *robust[0].Perturbation)
	require.False(t, *robust[0].Pass)
	require.Greater(t, *robust[0].Value, 10.0)
}
