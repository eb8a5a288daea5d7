package sweep

import (
	"math"
	"testing"

	"github.com/lowdim/lowdim/experiment"
)

// TestFigureBands: the y axis holds every confidence band. On a linear
// axis the highest bound lies at or under a labelled tick (the band used to
// run past the top tick, the axis ending at the bound); on a log axis a
// bound at or below 0 runs to the axis' bottom, below the lowest mean (it
// used to be cut at the mean), and the axis stays positive.
func TestFigureBands(t *testing.T) {
	// Means 0.17 to 5.2, with intervals wide enough to reach below 0.
	curve := func(method string, scale float64) Curve {
		c := Curve{Method: method, X: []float64{1, 2, 3}}
		for _, x := range c.X {
			c.Y = append(c.Y, experiment.TInterval([]float64{0.001 * x * scale, 0.5 * x * scale, 0.02 * x * scale}))
		}
		return c
	}
	curves := []Curve{curve("compressed", 1), curve("original", 10)}
	lowestMean, highest := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, y := range c.Y {
			lowestMean, highest = math.Min(lowestMean, y.Mean), math.Max(highest, *y.Hi)
			if *y.Lo > 0 {
				t.Fatalf("the test wants bands reaching below 0; %+v", y)
			}
		}
	}
	m := &Merged{}
	lin, err := m.newPlot("t", "alpha", Metric{Name: "steps_to_tol", Label: "steps"}, curves)
	if err != nil {
		t.Fatal(err)
	}
	top := math.Inf(-1)
	for _, tk := range lin.Y.Tick.Marker.Ticks(lin.Y.Min, lin.Y.Max) {
		if tk.Label != "" && tk.Value <= lin.Y.Max {
			top = math.Max(top, tk.Value)
		}
	}
	if lin.Y.Max < highest || top < highest {
		t.Errorf("linear axis up to %g, top tick %g: the band's top %g runs past it", lin.Y.Max, top, highest)
	}
	lg, err := m.newPlot("t", "alpha", Metric{Name: "best_error", Label: "error", Log: true}, curves)
	if err != nil {
		t.Fatal(err)
	}
	if !(lg.Y.Min > 0 && lg.Y.Min < lowestMean) || lg.Y.Max < highest {
		t.Errorf("log axis %g to %g: want it positive, below the lowest mean %g (the bands reaching 0 run to its bottom), up to the highest bound %g",
			lg.Y.Min, lg.Y.Max, lowestMean, highest)
	}
}
