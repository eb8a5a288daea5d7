package results

// TimeEstimate is the time preflight's estimate of one network's training
// (experiment.EstimateTime) and, once it has trained, the time it took.
// Times are wall-clock seconds on the machine of the run.
type TimeEstimate struct {
	// Network names the network: its method ("original", "compressed"),
	// or in a verify "compressed r_hat=8".
	Network string `json:"network"`
	// Steps is the step budget the estimate is for (--steps); a run that
	// reaches --tol first takes less.
	Steps int `json:"steps"`
	// ProbeSteps is the number of steps timed on a copy of the network to
	// make the estimate (the run's own training starts afresh from the
	// same initialization).
	ProbeSteps int `json:"probe_steps"`
	// StepSeconds is the time of one gradient step with the checks that
	// observe every step; CheckpointSeconds the time of one checkpoint
	// (the recovery error and what the checks record there); SetupSeconds
	// the time of building and initialising the network and of the checks
	// at the end of its training.
	StepSeconds       float64 `json:"step_seconds"`
	CheckpointSeconds float64 `json:"checkpoint_seconds"`
	SetupSeconds      float64 `json:"setup_seconds"`
	// Seconds is the estimate: SetupSeconds, Steps gradient steps, the
	// checkpoints of --every and the step checks' schedule.
	Seconds float64 `json:"estimated_seconds"`
	// Partial is true when the probe stopped before its usual length
	// because the estimate was already far above the time limit: then
	// Seconds rests on fewer steps (at least one).
	Partial bool `json:"partial,omitempty"`
	// ActualSeconds is the wall time the network's training took
	// (building it, its steps, checkpoints and checks); nil until it has
	// trained, and for a network that did not train.
	ActualSeconds *float64 `json:"actual_seconds,omitempty"`
	// ActualSteps is the number of steps the network's training took, and
	// TakenSeconds the estimate for that many steps: SetupSeconds and the
	// rest of Seconds in proportion ActualSteps / Steps (the checkpoints
	// and the checks' schedule scale with the steps). It is the figure to
	// compare with ActualSeconds when --tol or early stopping ends the
	// training before its budget. Both nil like ActualSeconds.
	ActualSteps  *int     `json:"actual_steps,omitempty"`
	TakenSeconds *float64 `json:"estimated_taken_seconds,omitempty"`
}

// TimeInfo is the time preflight of a run or a verify: every network's
// estimate, the limit it was held to and the time the probes took.
type TimeInfo struct {
	// MaxSeconds is the limit (--max-time) in seconds; 0 for none.
	MaxSeconds float64 `json:"max_seconds"`
	// EstimatedSeconds is the sum of the networks' estimates.
	EstimatedSeconds float64 `json:"estimated_seconds"`
	// ProbeSeconds is the wall time the preflight itself took.
	ProbeSeconds float64 `json:"probe_seconds"`
	// Networks are the estimates, in training order.
	Networks []TimeEstimate `json:"networks"`
}
