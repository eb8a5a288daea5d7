// Package testconfig holds the small problems the tests of several
// packages train, so that each is written once.
package testconfig

import (
	"github.com/lowdim/lowdim/config"
	_ "github.com/lowdim/lowdim/methods"   // registers the methods
	_ "github.com/lowdim/lowdim/workloads" // registers the workloads
)

// Tiny returns a small problem of the workload (mf, mc or ms; another
// workload gets no step size) that trains in a few milliseconds per method
// and whose trajectories visibly move within 200 steps: d = 12, r = 2,
// eps = 0.3 (not the default 1e-2, which would spend the 200 steps on the
// plateau of a tiny init), and step sizes picked so that no method
// diverges.
func Tiny(workload string) config.Config {
	c := config.Config{Workload: workload, D: 12, R: 2, Eps: 0.3, Steps: 200, Tol: 1e-10, Every: 10, SVals: 3}
	switch workload {
	case "mf":
		c.Eta = 0.05
		c.Set("loss", "sum")
	case "mc":
		c.Eta = 3
		c.Set("p", 0.5)
	case "ms":
		c.Eta = 5
		c.Set("m", 150)
	}
	return c
}
