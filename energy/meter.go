package energy

import (
	"strings"
	"sync"
	"time"
)

// Units that benchmarks report a Reading's joules per operation under. They
// differ so that a modelled figure can never be mistaken for a measured one,
// and avoid "ns" and "MB", which benchfmt tooling reads as time and bytes.
const (
	UnitMeasured = "energy-J/op"
	UnitModel    = "model-J/op"
)

// PollInterval is how often a running Meter reads the RAPL counters so
// that no counter wraps twice between reads (see RAPL.Joules). It is well
// under the 4 minutes a 65536 J counter lasts at 250 W.
const PollInterval = 30 * time.Second

// Reading is the energy a Meter saw between Start and Stop.
type Reading struct {
	// Joules is the energy in joules: summed over the RAPL package domains
	// when Measured, else the Model's estimate from CPU time. It is NaN when
	// neither could be had (a model without getrusage).
	Joules float64
	// Measured is true when Joules comes from RAPL counters.
	Measured bool
	// Source says where Joules comes from: "rapl:package-0+package-1"
	// (the domains summed) or "model: 10 W/core x cpu seconds".
	Source string
}

// Unit returns the unit a benchmark reports r.Joules divided by b.N under:
// exactly UnitMeasured ("energy-J/op") when r.Measured, else UnitModel
// ("model-J/op").
func (r Reading) Unit() string {
	if r.Measured {
		return UnitMeasured
	}
	return UnitModel
}

// Meter measures the energy of a stretch of work, from RAPL counters when
// they can be read and from a Model of CPU time otherwise:
//
//	m := energy.NewMeter(energy.DefaultRoot, energy.Model{})
//	m.Start()
//	... work ...
//	r := m.Stop()
//	b.ReportMetric(r.Joules/float64(b.N), r.Unit())
//
// RAPL counts the whole package: other processes on the machine and idle
// power are included. The model counts this process's CPU time only.
//
// While running on RAPL, a Meter reads the counters every PollInterval in
// a goroutine of its own, so that long runs survive counter wraps; each
// read allocates a few small buffers. A Meter is for one goroutine at a
// time: Start and Stop must not be called concurrently. The zero Meter
// uses the default Model.
type Meter struct {
	rapl     *RAPL
	model    Model
	interval time.Duration

	running  bool
	startCPU float64
	stop     chan struct{}
	done     chan struct{}

	mu      sync.Mutex // guards the fields below, shared with the poller
	why     string
	useRAPL bool    // RAPL is read for the current measurement
	last    Sample  // last RAPL sample taken
	joules  float64 // package energy accumulated since Start
}

// NewMeter returns a Meter that uses the RAPL counters under root (normally
// DefaultRoot) if OpenRAPL succeeds and finds at least one package domain,
// and model otherwise; Why tells which and why. It panics if model fails
// Validate.
func NewMeter(root string, model Model) *Meter {
	if err := model.Validate(); err != nil {
		panic(err)
	}
	m := &Meter{model: model, interval: PollInterval}
	r, err := OpenRAPL(root)
	switch {
	case err != nil:
		m.why = err.Error()
	case len(r.Packages()) == 0:
		m.why = "energy: no package-level RAPL domain under " + root + " (only subzones have energy_uj)"
	default:
		m.rapl = r
	}
	return m
}

// Why returns "" when the Meter reads RAPL counters, and otherwise the
// reason it does not (the error that OpenRAPL or a later read returned),
// for logs.
func (m *Meter) Why() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rapl == nil && m.why == "" {
		return "energy: Meter not made by NewMeter: no RAPL counters opened"
	}
	return m.why
}

// Start begins a measurement, discarding any measurement in progress. On
// RAPL it reads the counters, which allocates a little, and starts the
// poller goroutine.
func (m *Meter) Start() {
	if m.running {
		m.stopPoller()
	}
	m.running = true
	m.mu.Lock()
	m.useRAPL = false
	m.joules = 0
	if m.rapl != nil && m.why == "" {
		s, err := m.rapl.Read()
		if err != nil {
			m.why = err.Error()
		} else {
			m.useRAPL = true
			m.last = s
		}
	}
	poll := m.useRAPL
	m.mu.Unlock()
	if poll {
		m.stop = make(chan struct{})
		m.done = make(chan struct{})
		go m.poller(m.stop, m.done)
	}
	m.startCPU = CPUSeconds()
}

// Stop ends the measurement begun by Start and returns its Reading. If a
// RAPL read failed during the measurement, the Reading is the model's for
// the whole measurement, Why says what failed, and the Meter stays on the
// model from then on. Stop panics if the Meter is not running.
func (m *Meter) Stop() Reading {
	cpu := CPUSeconds() - m.startCPU
	if !m.running {
		panic("energy: Meter.Stop without Start")
	}
	m.stopPoller()
	m.running = false
	m.poll()

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.useRAPL {
		return Reading{
			Joules:   m.joules,
			Measured: true,
			Source:   "rapl:" + strings.Join(m.rapl.Packages(), "+"),
		}
	}
	return Reading{Joules: m.model.Joules(cpu), Source: m.model.Source()}
}

func (m *Meter) stopPoller() {
	if m.stop == nil {
		return
	}
	close(m.stop)
	<-m.done
	m.stop, m.done = nil, nil
}

func (m *Meter) poller(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			m.poll()
		}
	}
}

// poll reads the counters once and adds the package energy since the last
// read; a failed read switches the measurement to the model.
func (m *Meter) poll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.useRAPL {
		return
	}
	s, err := m.rapl.Read()
	if err != nil {
		m.why = err.Error()
		m.useRAPL = false
		return
	}
	m.joules += m.rapl.Total(m.last, s)
	m.last = s
}
