package energy

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestModel(t *testing.T) {
	tests := []struct {
		name       string
		m          Model
		cpuSeconds float64
		want       float64
		wantSource string
	}{
		// 0 W/core means the default 10 W: 10 W x 2.5 s = 25 J.
		{"default", Model{}, 2.5, 25, "model: 10 W/core x cpu seconds"},
		// 4.5 W x 2 s = 9 J.
		{"configured", Model{WattsPerCore: 4.5}, 2, 9, "model: 4.5 W/core x cpu seconds"},
		{"no CPU time", Model{WattsPerCore: 7}, 0, 0, "model: 7 W/core x cpu seconds"},
		// 0.25 W x 8 threads' 3600 s = 7200 J.
		{"many threads for an hour", Model{WattsPerCore: 0.25}, 8 * 3600, 7200, "model: 0.25 W/core x cpu seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Products of small binary fractions and integers are exact.
			assert.Equal(t, tt.want, tt.m.Joules(tt.cpuSeconds))
			assert.Equal(t, tt.wantSource, tt.m.Source())
			assert.NoError(t, tt.m.Validate())
		})
	}
}

func TestModelValidate(t *testing.T) {
	tests := []struct {
		name string
		w    float64
		want string // "" for valid
	}{
		{"zero is the default", 0, ""},
		{"positive", 12.5, ""},
		{"negative", -1, "energy: watts per core = -1: want a finite value >= 0 (0 means the default, 10 W)"},
		{"NaN", math.NaN(), "energy: watts per core = NaN"},
		{"infinite", math.Inf(1), "energy: watts per core = +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Model{WattsPerCore: tt.w}.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
		})
	}
}

func TestCPUSeconds(t *testing.T) {
	a := CPUSeconds()
	used := busy(0.01)
	b := CPUSeconds()
	assert.Positive(t, a, "a test process has used some CPU time")
	assert.GreaterOrEqual(t, used, 0.01)
	assert.GreaterOrEqual(t, b-a, used)
}
