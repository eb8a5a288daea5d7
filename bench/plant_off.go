//go:build !lowdim_plant

package bench

import "time"

// planted reports whether this binary was built with the test build tag
// lowdim_plant (plant_on.go). Without it LOWDIM_PLANT_SLOWDOWN is ignored
// and the step loops carry no trace of the plant: the condition is a
// constant false.
const planted = false

// plantWork is a no-op without the lowdim_plant build tag.
func plantWork(time.Time) {}
