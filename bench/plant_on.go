//go:build lowdim_plant

package bench

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"time"
)

// PlantEnv is the environment variable a binary built with the test build
// tag lowdim_plant reads: a fraction f in [0, 10] of extra work added to
// each training step of the Step cases and to each training of the Train
// cases (busy waiting for f times the step's, or the training's, own time,
// so it takes 1 + f times as long); allocations and every deterministic
// metric are unchanged. It is
// how lowdim gate's --plant-head and scripts/gate-power.sh plant a known
// slowdown; release builds ignore it (plant_off.go).
const PlantEnv = "LOWDIM_PLANT_SLOWDOWN"

// planted is true in binaries built with -tags lowdim_plant.
const planted = true

// plantFraction is PlantEnv's value, read once; a value that is not a
// number in [0, 10] panics at start-up, since only tests set it.
var plantFraction = func() float64 {
	s := os.Getenv(PlantEnv)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 10 {
		panic(fmt.Sprintf("bench: %s=%q: want a fraction in [0, 10]", PlantEnv, s))
	}
	return f
}()

// plantWork busy-waits until plantFraction times the time since start has
// passed again: the step that began at start then takes 1 + f times its
// own time.
func plantWork(start time.Time) {
	if plantFraction == 0 {
		return
	}
	d := time.Since(start)
	until := start.Add(time.Duration(float64(d) * (1 + plantFraction)))
	for time.Now().Before(until) {
	}
}
