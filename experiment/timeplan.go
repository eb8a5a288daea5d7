package experiment

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/methods"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/trainer"
	"github.com/lowdim/lowdim/workloads"
)

// This file holds the time preflight: before anything is trained, each
// network's training time to its step budget is estimated from a few steps
// timed on a copy of it (EstimateTime), printed, recorded, and a run
// estimated above the limit (Options.MaxTime, --max-time) is refused.

// DefaultMaxTime is the time preflight's limit when --max-time is not given:
// an hour, so that a run that would take a day is refused at once, naming
// the estimate, instead of found out the next morning. --max-time 0 lifts
// it.
const DefaultMaxTime = time.Hour

// How long the probe of EstimateTime runs. It takes at least probeMinSteps
// timed steps (after the first, which warms caches and is discarded when
// there are others), and past them stops at the first of: probeMinTime
// spent; 1/probeBudgetShare of the estimate spent (a run of a second is
// probed for a tenth of it); probeMaxTime (even before probeMinSteps, after
// one step: a step that slow needs no second to be judged); the budget
// (then the copy trained to it). The probe is long enough to see the
// machine's load: on two cores shared with other work, probes of a few
// milliseconds ran between preemptions and estimated a third of the time
// the runs took. When the step checks run on a schedule (d above
// DenseCheckMaxD), it takes scheduleDense + probeMinSteps steps when it
// can within probeMaxTime, so that steps without the expensive checks are
// timed too.
const (
	probeMinSteps    = 3
	probeMinTime     = 500 * time.Millisecond
	probeMaxTime     = 2 * time.Second
	probeBudgetShare = 10
)

// probeFar is how far above the limit an estimate must be for the probe to
// stop early (after probeMinSteps steps), as the estimate cannot come back
// within it: the estimate of a step takes every step to be as long.
const probeFar = 2

// EstimateTime estimates the wall time of training method on in under c to
// its step budget c.Steps: building and initialising the network, the
// steps with the checks that observe every step (or the checks' schedule
// above DenseCheckMaxD), the checkpoints of c.Every and the checks at the
// end. It times a few steps (see probeMinSteps) of a copy of the network,
// built and trained exactly as trainMethod builds and trains it (the same
// initialization from the method's own random stream, the same step
// algorithm and checks) and then dropped: the run's results do not depend
// on it. c must have its defaults applied and its learning rate resolved.
//
// limit, when positive, lets the probe stop after a single step once the
// estimate is over probeFar times limit (the estimate is then marked
// Partial); stop, when closed, ends the probe at the next step (an
// interruption; the estimate then rests on the steps taken). It costs the
// network's initialization once more and at most probeMaxTime of steps
// (usually probeMinTime), and allocates what training the network does.
// (timePreflight's probes share one cost with training: the randomized SVD
// of a compressed network's spectral initialization on a sparse instance
// runs in the probe and training reuses its vectors (rehearse);
// timePreflight takes its time out of that network's setup.)
// Its errors are those of building the network.
func EstimateTime(method string, c config.Config, in *instance.Instance, limit time.Duration, stop <-chan struct{}) (results.TimeEstimate, error) {
	return estimateTime(method, method, c, in, false, limit, stop)
}

// estimateTime is EstimateTime for the network named name (a verify's
// "compressed r_hat=8"); keepInit adds the copy of the initial layers that
// Verify keeps for the original's update rank (and the update rank at the
// end).
func estimateTime(name, method string, c config.Config, in *instance.Instance, keepInit bool, limit time.Duration, stop <-chan struct{}) (results.TimeEstimate, error) {
	est := results.TimeEstimate{Network: name, Steps: c.Steps}
	start := time.Now()
	net, err := NewNetwork(method, c, in)
	if err != nil {
		return est, err
	}
	k := newChecker(c, in)
	k.keepInit = keepInit
	h := k.before(method, net)
	obj, path := NewObjective(method, c, in, net)
	k.path(method, path)
	setup := time.Since(start)

	every := c.Every
	if every <= 0 {
		every = max(1, c.Steps/100)
	}
	minSteps := probeMinSteps
	if k.schedule != nil {
		minSteps = scheduleDense + probeMinSteps
	}
	var (
		halt                  = make(chan struct{})
		halted                bool
		last                  time.Time // when the last Observe returned
		stepTime              time.Duration
		stepN                 int
		firstStep             time.Duration
		denseTime, cheapTime  time.Duration
		denseN, cheapN        int
		hookTime0             time.Duration
		probeStart            = time.Now()
		stepsTaken            int
		perStepNow            func() float64
		projected             func(t int) float64
		denseTotal, cheapSize float64
	)
	// In float64: a budget of math.MaxInt64 steps (allowed: the tolerance
	// ends it) overflowed c.Steps + 1 into a negative estimate, which no
	// --max-time refused.
	denseTotal = float64(c.Steps) + 1
	if k.schedule != nil {
		denseTotal = float64(len(k.schedule) + 1)
	}
	cheapSize = max(0, float64(c.Steps)+1-denseTotal)
	perStepNow = func() float64 {
		if stepN > 0 {
			return stepTime.Seconds() / float64(stepN)
		}
		return firstStep.Seconds()
	}
	projected = func(t int) float64 {
		hook := 0.0
		if denseN > 0 {
			hook += denseTotal * denseTime.Seconds() / float64(denseN)
		}
		if cheapN > 0 {
			hook += cheapSize * cheapTime.Seconds() / float64(cheapN)
		}
		return setup.Seconds() + float64(c.Steps)*perStepNow() + hook
	}
	observe := func(t int, loss float64) {
		now := time.Now()
		switch {
		case t == 1:
			firstStep = now.Sub(last)
		case t > 1:
			stepTime += now.Sub(last)
			stepN++
		}
		stepsTaken = t
		if h.step != nil {
			h.step(t, loss)
		}
		d := time.Since(now)
		switch {
		case t == 0:
			hookTime0 = d
		case k.denseStep(t):
			denseTime += d
			denseN++
		default:
			cheapTime += d
			cheapN++
		}
		last = time.Now()
		if halted || t == 0 {
			return
		}
		spent := last.Sub(probeStart)
		enough := t >= minSteps && (spent >= probeMinTime || spent.Seconds() >= projected(t)/probeBudgetShare)
		if k.schedule != nil && t < minSteps && t >= probeMinSteps && spent >= probeMaxTime/2 {
			enough = true // the schedule's dense start is slow: time what it can
		}
		// Far above the limit only on steps timed after the first (whose
		// interval holds step 0's checkpoint: at initialization the
		// alignment's power iterations run to their cap).
		far := limit > 0 && t >= probeMinSteps && projected(t) > probeFar*limit.Seconds()
		if enough || spent >= probeMaxTime || far || isClosed(stop) {
			est.Partial = far && !enough
			halted = true
			close(halt)
		}
	}
	// The trainer measures the checkpoints at steps 0 and the last only:
	// their cost is timed apart below.
	res := trainer.Train(obj, trainer.Config{Steps: c.Steps, Eta: c.Eta, Tol: c.Tol, Every: max(c.Steps, c.Steps+1),
		SingularValues: c.SVals, Observe: observe, Checkpoint: h.checkpoint, Stop: halt})
	est.ProbeSteps = stepsTaken
	if hookTime0 > 0 && denseN == 0 {
		denseTime, denseN = hookTime0, 1
	}

	// One checkpoint: the measurement and the checks' checkpoint hook.
	s := time.Now()
	m := obj.Measure(c.SVals)
	if h.checkpoint != nil {
		h.checkpoint(results.Checkpoint{Step: res.Steps, RecoveryError: m.RecoveryError})
	}
	cpOne := time.Since(s)
	// The first step's interval holds step 0's checkpoint: without a
	// second step, it is the step less that checkpoint.
	if stepN == 0 && firstStep > 0 {
		firstStep = max(firstStep-cpOne, firstStep/2)
	}

	s = time.Now()
	k.after(method, net, res)
	setup += time.Since(s)

	nCheckpoints := c.Steps/every + 2
	est.StepSeconds = perStepNow()
	est.CheckpointSeconds = cpOne.Seconds()
	est.SetupSeconds = setup.Seconds()
	est.Seconds = est.SetupSeconds + float64(c.Steps)*est.StepSeconds + float64(nCheckpoints)*est.CheckpointSeconds
	if denseN > 0 {
		est.Seconds += denseTotal * denseTime.Seconds() / float64(denseN)
	}
	if cheapN > 0 {
		est.Seconds += cheapSize * cheapTime.Seconds() / float64(cheapN)
	}
	return est, nil
}

// isClosed reports whether ch is closed, without blocking (nil: never).
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// probeNet is one network a time preflight estimates: its name, method,
// configuration and whether Verify keeps its initial layers.
type probeNet struct {
	name, method string
	c            config.Config
	keepInit     bool
}

// rehearsal is a rehearsal that rehearse announced: its cancel, and how
// long the rehearsed call took (0 when none was made, and for none).
type rehearsal struct {
	cancel func()
	took   func() time.Duration
}

// rehearse announces to a workload whose surrogate's top singular vectors
// come from its own generator's stream (workloads.Rehearser) the one call
// of TopSingular that the networks of nets make (methods.SurrogateVectors:
// the compressed network's spectral initialization), so that the probe's
// build computes the vectors training starts from and training's build
// reuses them: the randomized SVD runs once instead of twice, with the
// same draws and the same vectors. It returns the rehearsal (cancel it for
// a probe that did not build its network) and the index in nets of the
// network that makes the call, whose estimate timePreflight lowers by
// the call's time (training does not repeat it); -1 and a rehearsal that
// does nothing when there is nothing to rehearse (no such network, an
// initialization loaded from files, or several such networks, whose
// probes' calls come before training's and would not be consecutive).
func rehearse(nets []probeNet, in *instance.Instance) (rehearsal, int) {
	none := rehearsal{cancel: func() {}, took: func() time.Duration { return 0 }}
	r, ok := in.Work.(workloads.Rehearser)
	if !ok {
		return none, -1
	}
	k, calls, at := 0, 0, -1
	for i, n := range nets {
		if in.Inits[n.method] != nil {
			continue
		}
		if kn := methods.SurrogateVectors(n.method, n.c); kn > 0 {
			k, calls, at = kn, calls+1, i
		}
	}
	if calls != 1 {
		return none, -1
	}
	return rehearsal{cancel: r.RehearseTopSingular(k), took: r.RehearsedTime}, at
}

// probeNotice is how long a network's probe runs before the time
// preflight says on TimeLog that it is under way (0: at once).
var probeNotice = 3 * time.Second

// timePreflight estimates every network of nets (in order) when
// opt.TimePreflight is set, writes the estimate to opt.TimeLog, and returns
// them as the run's TimeInfo (nil when the preflight is off). An estimate
// above opt.MaxTime (when positive) is a *config.ConfigError naming
// --max-time, the estimate and how to insist. The copies are released (and
// collected) before it returns, so the run's memory plan holds.
func timePreflight(nets []probeNet, in *instance.Instance, opt Options) (*results.TimeInfo, error) {
	if !opt.TimePreflight {
		return nil, nil
	}
	start := time.Now()
	ti := &results.TimeInfo{MaxSeconds: opt.MaxTime.Seconds()}
	reh, rehNet := rehearse(nets, in)
	defer reh.cancel()
	for i, n := range nets {
		if opt.interrupted() {
			break
		}
		// A probe of a large network can take a while (43 s for the
		// original at 943 x 1682: its setup and one step): say so once it
		// passes probeNotice, rather than stay silent.
		var notice *time.Timer
		noticed := make(chan struct{})
		if opt.TimeLog != nil {
			name, w := n.name, opt.TimeLog
			say := func() {
				fmt.Fprintf(w, "time preflight: timing a few steps of the %s network (its setup takes a while at this size)...\n", name)
			}
			if probeNotice <= 0 {
				say()
			} else {
				notice = time.AfterFunc(probeNotice, func() { defer close(noticed); say() })
			}
		}
		e, err := estimateTime(n.name, n.method, n.c, in, n.keepInit, opt.MaxTime, opt.Interrupt)
		if notice != nil && !notice.Stop() {
			<-noticed // the notice is written before anything else is
		}
		if err != nil {
			return nil, err
		}
		if i == rehNet {
			// Training reuses the vectors the probe's build computed:
			// its setup is shorter by that computation.
			took := min(reh.took().Seconds(), e.SetupSeconds)
			e.SetupSeconds -= took
			e.Seconds -= took
		}
		ti.Networks = append(ti.Networks, e)
		ti.EstimatedSeconds += e.Seconds
		runtime.GC() // the copy is garbage: the run's networks take its place
	}
	ti.ProbeSeconds = time.Since(start).Seconds()
	if opt.TimeLog != nil {
		fmt.Fprintln(opt.TimeLog, TimeLine(ti))
	}
	if opt.MaxTime > 0 && ti.EstimatedSeconds > opt.MaxTime.Seconds() && !opt.interrupted() {
		// A longer limit to suggest: --max-time doubled until it covers
		// 1.5 x the estimate, where such a duration exists (an estimate
		// of 1e12 steps, or +Inf, is beyond any: only "none" is offered;
		// doubling there overflowed time.Duration and never ended).
		how := "give no limit (--max-time 0)"
		if want := 1.5 * ti.EstimatedSeconds; want < (time.Duration(math.MaxInt64) / 2).Seconds() {
			insist := max(opt.MaxTime, time.Second)
			for insist.Seconds() < want {
				insist *= 2
			}
			how = fmt.Sprintf("give a longer limit (--max-time %s) or none (--max-time 0)", insist)
		}
		return ti, &config.ConfigError{Flag: "max-time", Value: opt.MaxTime,
			Why: fmt.Sprintf("the run is estimated to take %s on this machine (%s), more than --max-time allows; to run it anyway %s",
				FormatSeconds(ti.EstimatedSeconds), estimateParts(ti), how)}
	}
	return ti, nil
}

// estimateParts lists each network's estimate: "original: 3 h 9 min (20000
// steps at 0.57 s), compressed: 40 s (...)".
func estimateParts(ti *results.TimeInfo) string {
	var parts []string
	for _, e := range ti.Networks {
		p := fmt.Sprintf("%s: %s", e.Network, FormatSeconds(e.Seconds))
		if e.Steps > 0 {
			p += fmt.Sprintf(" (%d steps at %s)", e.Steps, FormatSeconds(e.StepSeconds))
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// TimeLine is the time preflight's line, e.g. "time preflight: about 9.2 s
// of training to the step budget (original 8.8 s, compressed 0.41 s);
// --max-time 1h0m0s".
func TimeLine(ti *results.TimeInfo) string {
	limit := "no limit (--max-time 0)"
	if ti.MaxSeconds > 0 {
		limit = "--max-time " + (time.Duration(ti.MaxSeconds * float64(time.Second))).String()
	}
	var parts []string
	for _, e := range ti.Networks {
		parts = append(parts, e.Network+" "+FormatSeconds(e.Seconds))
	}
	return fmt.Sprintf("time preflight: about %s of training to the step budget (%s); %s", FormatSeconds(ti.EstimatedSeconds), strings.Join(parts, ", "), limit)
}

// FormatSeconds formats a time in seconds for a person: "440 µs", "12 ms",
// "3.1 s", "42 s", "12 min 5 s", "3 h 9 min".
func FormatSeconds(s float64) string {
	switch {
	case math.IsNaN(s) || math.IsInf(s, 0):
		return fmt.Sprint(s)
	case s < 1e-3:
		return fmt.Sprintf("%.3g µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.3g ms", s*1e3)
	case s < 10:
		return fmt.Sprintf("%.2g s", s)
	case s < 60:
		return fmt.Sprintf("%.0f s", s)
	case s < 3600:
		m := int(s / 60)
		return fmt.Sprintf("%d min %d s", m, int(s)-60*m)
	}
	h := int(s / 3600)
	return fmt.Sprintf("%d h %d min", h, int(s-3600*float64(h))/60)
}

// recordActual records in ti the wall time d the network name took and
// its steps, with the estimate for those steps (TakenEstimate).
func recordActual(ti *results.TimeInfo, name string, d time.Duration, steps int) {
	if ti == nil {
		return
	}
	for i := range ti.Networks {
		e := &ti.Networks[i]
		if e.Network == name {
			s, n, taken := d.Seconds(), steps, TakenEstimate(*e, steps)
			e.ActualSeconds, e.ActualSteps, e.TakenSeconds = &s, &n, &taken
		}
	}
}

// TakenEstimate is the estimate e rescaled to a training of steps steps:
// e.SetupSeconds and the rest of e.Seconds in proportion steps / e.Steps
// (what the estimate says of a run that --tol or early stopping ended
// before its budget); e.Seconds when e has no budget.
func TakenEstimate(e results.TimeEstimate, steps int) float64 {
	if e.Steps <= 0 {
		return e.Seconds
	}
	return e.SetupSeconds + (e.Seconds-e.SetupSeconds)*float64(steps)/float64(e.Steps)
}
