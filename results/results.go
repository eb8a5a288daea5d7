package results

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/machine"
)

// Status says how the training of one method ended.
type Status string

const (
	// Converged: the training loss reached the tolerance.
	Converged Status = "converged"
	// MaxSteps: the step budget ran out before the tolerance was reached.
	MaxSteps Status = "max-steps"
	// Diverged: the loss became NaN or Inf, or grew past the divergence factor
	// times its initial value. Message says at which step.
	Diverged Status = "diverged"
	// Interrupted: the run was interrupted (experiment.Options.Interrupt,
	// closed on SIGINT or SIGTERM) before the method ended on its own.
	// Message is "interrupted at step t" for a method stopped at the step
	// boundary after step t, its trajectory and final and best values those
	// it reached up to t (absent where nothing was measured), or
	// "interrupted before training (step 0)" for a method never started,
	// with no trajectory. The run holding it has Interrupted set.
	Interrupted Status = "interrupted"
	// Stopped: training stopped on its validation entries (early
	// stopping, trainer.Config.Patience): the validation error reached no
	// new low for the patience. Message says where its lowest was; the
	// weights kept are that checkpoint's (MethodResult.SelectedStep).
	Stopped Status = "stopped"
	// Refused: the network was not trained because the preflight refused
	// it (memory, or a time estimate above the limit) where a verify has
	// another reference (the AltMin baseline); Message says why. It has
	// its layers and parameter count, and nothing measured.
	Refused Status = "refused"
)

// ReportedError is the error a method is judged by: SelectedError when
// training selected its weights on validation entries (the held-out error
// of those weights), else BestError; nil when neither was measured.
func (m *MethodResult) ReportedError() *float64 {
	if m.SelectedError != nil {
		return m.SelectedError
	}
	return m.BestError
}

// Checkpoint is the state of one method after Step gradient steps.
type Checkpoint struct {
	Step int `json:"step"`
	// Seconds is the training wall time up to this step, excluding the time
	// spent on measurements (recovery error, test loss, singular values).
	Seconds float64 `json:"seconds"`
	// TrainLoss is the workload's training loss f(W).
	TrainLoss float64 `json:"train_loss"`
	// RecoveryError is ||W - Phi||_F / ||Phi||_F.
	RecoveryError float64 `json:"recovery_error"`
	// TestLoss is the loss on held-out entries (matrix completion); valid
	// only when HasTestLoss.
	TestLoss    float64 `json:"test_loss,omitempty"`
	HasTestLoss bool    `json:"has_test_loss,omitempty"`
	// SingularValues are the largest singular values of the end-to-end
	// matrix W, in decreasing order, when requested.
	SingularValues []float64 `json:"singular_values,omitempty"`
	// AlignU is |<u_1(W_L), u*_1>| and AlignV |<v_1(W_1), v*_1>|: how far
	// the top left singular vector of the last layer and the top right one
	// of the first layer have turned to the target's top singular vectors
	// u*_1, v*_1 (Kwon et al.'s power-method figure). Recorded for the
	// original network when the target's singular vectors are known; nil
	// (absent) otherwise.
	AlignU *float64 `json:"align_u,omitempty"`
	AlignV *float64 `json:"align_v,omitempty"`
	// Validation is the error on the validation entries (a completion
	// problem from an entry list: their RMSE, in the data's units), what
	// early stopping reads; nil (absent) when the problem has none.
	Validation *float64 `json:"validation_error,omitempty"`
}

// MethodResult summarises the training of one method, in a run of either
// kind. Path, OperatorGBps, BandwidthFraction, FinalError, BestError,
// StepsToTol, SecondsToTol and Trajectory are those of a linear run (an MLP
// run has no recovery error and no tolerance, and its checkpoints are in
// MLP.Trajectory); MLP is set in an MLP run only.
type MethodResult struct {
	Method string `json:"method"`
	// Path is the step algorithm: "dense" or "sampled".
	Path    string `json:"path,omitempty"`
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
	// Steps is the number of gradient steps taken.
	Steps int `json:"steps"`
	// Seconds is the training wall time of all Steps (measurement excluded).
	Seconds        float64 `json:"seconds"`
	SecondsPerStep float64 `json:"seconds_per_step"`
	// Layers lists the layer shapes, [rows, cols] each, W1 (applied first) first.
	Layers [][2]int `json:"layers"`
	// Params is the number of trainable parameters; ParamBytes = 8*Params.
	Params     int   `json:"params"`
	ParamBytes int64 `json:"param_bytes"`
	// WorkspaceBytes is the memory the training step holds besides the
	// parameters (products, gradients, residuals).
	WorkspaceBytes int64 `json:"workspace_bytes"`
	// GFLOPS is the achieved rate of the training steps: the flops the
	// network counted over Seconds. PeakFraction is GFLOPS over the
	// machine's calibrated dgemm peak (lowdim calibrate), when one is stored.
	GFLOPS       float64  `json:"gflops"`
	PeakFraction *float64 `json:"peak_fraction,omitempty"`
	// OperatorGBps is, for sensing, the operator bytes the steps read per
	// second (two GEMVs over the m x d^2 operator per evaluation): the
	// figure of merit of a memory-bound step. BandwidthFraction is it over
	// the machine's calibrated triad bandwidth, when one is stored.
	OperatorGBps      float64  `json:"operator_gbps,omitempty"`
	BandwidthFraction *float64 `json:"bandwidth_fraction,omitempty"`
	// PeakHeapBytes is the largest Go heap (live objects) sampled before,
	// during (at every checkpoint) and after the method's training.
	PeakHeapBytes uint64 `json:"peak_heap_bytes"`
	// FinalError, BestError and FinalTrainLoss come from the recorded
	// checkpoints; they are nil when there is none (a method that diverged
	// at step 0).
	FinalError     *float64 `json:"final_recovery_error,omitempty"`
	BestError      *float64 `json:"best_recovery_error,omitempty"`
	FinalTrainLoss *float64 `json:"final_train_loss,omitempty"`
	// StepsToTol and SecondsToTol are set when the training loss reached the
	// tolerance.
	StepsToTol   *int     `json:"steps_to_tol,omitempty"`
	SecondsToTol *float64 `json:"seconds_to_tol,omitempty"`
	// SelectedStep, SelectedError and ValidationError describe the
	// weights kept by a run that measured a validation error (a completion
	// problem from an entry list, trainer.Config.Patience): the step of
	// the checkpoint with the lowest validation error, the recovery error
	// there (on the held-out test entries: the method's reported error,
	// which nothing was chosen on) and that validation error. Nil
	// otherwise.
	SelectedStep    *int     `json:"selected_step,omitempty"`
	SelectedError   *float64 `json:"selected_recovery_error,omitempty"`
	ValidationError *float64 `json:"validation_error,omitempty"`
	// RMSE is the reported error (ReportedError) in the data's units: the
	// root mean square error on the entries it is measured on; nil when
	// the workload cannot say (see workloads.RMSE) or nothing was measured.
	RMSE *float64 `json:"rmse,omitempty"`
	// Trajectory holds the checkpoints of a linear run in step order (also
	// written to trajectories.csv).
	Trajectory []Checkpoint `json:"trajectory,omitempty"`
	// MLP holds what only an MLP run's method has; nil in a linear run.
	MLP *MLPMethod `json:"mlp,omitempty"`
}

// RunSchema is the version of the layout of Run in run.json that this
// package writes (MarshalRun) and reads (DecodeRun). It changes whenever a
// field is renamed, removed or changes meaning; run.json files written
// before the field existed have no schema and count as older. Schema 3:
// a check's figures may be null (absent) and its status "not-evaluable".
const RunSchema = 3

// Kind says which experiment a run is.
type Kind string

const (
	// KindLinear: deep linear networks and their compressed counterparts
	// on a matrix problem (package experiment). Config and Instance are
	// set; MLPConfig, Data and every method's MLP are nil.
	KindLinear Kind = "linear"
	// KindMLP: MLPs with a wide or compressed linear block on an image
	// data set (package mlp/mlprun). MLPConfig, Data and every method's
	// MLP are set; Config and Instance are nil.
	KindMLP Kind = "mlp"
)

// Run is everything a lowdim run records in run.json, for either kind of
// run. The parts of one kind only are pointers, nil (and absent from the
// JSON) in a run of the other kind; a value that does not exist (a
// tolerance never reached, a latency after a divergence) is a nil pointer,
// absent from the JSON, never 0.
type Run struct {
	// Schema is RunSchema when written by this package.
	Schema int  `json:"schema"`
	Kind   Kind `json:"kind"`
	// Tool is "lowdim", Version its version or commit.
	Tool    string `json:"tool"`
	Version string `json:"version"`
	// Backend is the BLAS implementation the run used
	// (machine.BLASBackend: "gonum" or "openblas").
	Backend string `json:"backend"`
	// Started is the RFC 3339 time the run began.
	Started string `json:"started"`
	// Interrupted is true when the run was interrupted (SIGINT, SIGTERM)
	// and some method was cut short (status Interrupted): the record is
	// complete up to there, but it is never a finished run (Finished), and
	// a resumer must redo it. Always written, false included.
	Interrupted bool `json:"interrupted"`
	// Config is the full configuration of a linear run, including the
	// seed, with defaults applied.
	Config *config.Config `json:"config,omitempty"`
	// MLPConfig is the full configuration of an MLP run.
	MLPConfig *config.MLP `json:"mlp_config,omitempty"`
	// Machine is the fingerprint of the machine the run used.
	Machine machine.Fingerprint `json:"machine"`
	// Instance describes the problem instance shared by all methods of a
	// linear run.
	Instance *InstanceInfo `json:"instance,omitempty"`
	// Data describes the data set of an MLP run.
	Data *DataInfo `json:"data,omitempty"`
	// Methods in training order.
	Methods []MethodResult `json:"methods"`
	// Ratios compare pairs of methods, keyed "a/b": in a linear run each
	// method against the original network (ComputeRatios), in an MLP run
	// cdln/dln, cdln/original and dln/original.
	Ratios map[string]Ratio `json:"ratios,omitempty"`
	// Checks are the theory checks that apply to the run's configuration
	// (linear), or the paper's claim for the compressed block (MLP).
	Checks []Check `json:"checks,omitempty"`
	// Memory is the run's memory plan and what the process used.
	Memory *MemoryInfo `json:"memory,omitempty"`
	// Time is the run's time preflight (each network's estimated and
	// actual training time); nil when it did not run.
	Time *TimeInfo `json:"time,omitempty"`
}

// MemoryInfo is a run's memory: what the preflight planned (package
// memplan) and what the process used. Sizes are bytes; a figure that was not
// planned or could not be read is nil.
type MemoryInfo struct {
	// PlanBytes is the planned peak resident memory (memplan.Plan.Total),
	// LimitBytes the Go runtime's soft memory limit the run kept to
	// (memplan.Plan.Limit), and PlanPhase the phase the plan expected the
	// peak in.
	PlanBytes  *uint64 `json:"plan_bytes,omitempty"`
	LimitBytes *uint64 `json:"go_limit_bytes,omitempty"`
	PlanPhase  string  `json:"plan_phase,omitempty"`
	// BudgetBytes is the memory the process could take when the run
	// started (machine.Budget.Available) and BudgetSource what bounded it
	// ("MemAvailable" or "cgroup").
	BudgetBytes  *uint64 `json:"budget_bytes,omitempty"`
	BudgetSource string  `json:"budget_source,omitempty"`
	// PeakRSSBytes is the process's peak resident memory (VmHWM) when the
	// run ended.
	PeakRSSBytes *uint64 `json:"peak_rss_bytes,omitempty"`
	// PeakHeapBytes is the largest Go heap sampled during the run.
	PeakHeapBytes uint64 `json:"peak_heap_bytes"`
}

// Ratio is a method a's figure divided by a method b's (key "a/b"). A
// field is nil when either side lacks the figure (e.g. one method never
// reached the tolerance) or when the kind of run does not compare it:
// linear runs fill StepsToTol, SecondsToTol, SecondsPerStep and Params,
// MLP runs Seconds, CPUSeconds, SecondsPerStep, Params and
// TestAccuracyDiff.
type Ratio struct {
	StepsToTol     *float64 `json:"steps_to_tol,omitempty"`
	SecondsToTol   *float64 `json:"seconds_to_tol,omitempty"`
	Seconds        *float64 `json:"seconds,omitempty"`
	CPUSeconds     *float64 `json:"cpu_seconds,omitempty"`
	SecondsPerStep *float64 `json:"seconds_per_step,omitempty"`
	Params         *float64 `json:"params,omitempty"`
	// TestAccuracyDiff is a difference, not a ratio: a's final test
	// accuracy minus b's (fractions, not percentage points).
	TestAccuracyDiff *float64 `json:"test_accuracy_diff,omitempty"`
}

// Finished reports whether r is a finished run: false when it was
// interrupted (r.Interrupted), whatever its methods' statuses say. A run
// that is not finished must be redone by anything that resumes runs.
func (r *Run) Finished() bool { return r != nil && !r.Interrupted }

// Method returns the result of the named method, or nil.
func (r *Run) Method(name string) *MethodResult {
	for i := range r.Methods {
		if r.Methods[i].Method == name {
			return &r.Methods[i]
		}
	}
	return nil
}

// ComputeRatios fills r.Ratios: every method against base (usually
// "original"). It does nothing when base is absent. The time-per-step
// ratio is nil unless both methods took a step (a method that took none,
// interrupted before training or diverged at step 0, has no time per
// step), the parameter ratio nil unless both counts are known.
func (r *Run) ComputeRatios(base string) {
	b := r.Method(base)
	if b == nil {
		return
	}
	r.Ratios = make(map[string]Ratio)
	for _, m := range r.Methods {
		if m.Method == base {
			continue
		}
		var q Ratio
		if m.StepsToTol != nil && b.StepsToTol != nil && *b.StepsToTol > 0 {
			q.StepsToTol = ratio(float64(*m.StepsToTol), float64(*b.StepsToTol))
		}
		if m.SecondsToTol != nil && b.SecondsToTol != nil {
			q.SecondsToTol = ratio(*m.SecondsToTol, *b.SecondsToTol)
		}
		if m.Steps > 0 && b.Steps > 0 {
			q.SecondsPerStep = ratio(m.SecondsPerStep, b.SecondsPerStep)
		}
		if m.Params > 0 {
			q.Params = ratio(float64(m.Params), float64(b.Params))
		}
		r.Ratios[m.Method+"/"+base] = q
	}
}

// Quotient returns a/b, or nil when b is 0, either is NaN or the quotient
// is infinite.
func Quotient(a, b float64) *float64 { return ratio(a, b) }

func ratio(a, b float64) *float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return nil
	}
	q := a / b
	if math.IsInf(q, 0) {
		return nil
	}
	return &q
}

// CheckStatus is the outcome of a check: one of four.
type CheckStatus string

const (
	// Pass: the check was evaluated inside its regime and held.
	Pass CheckStatus = "pass"
	// Fail: the check was evaluated inside its regime and did not hold.
	Fail CheckStatus = "fail"
	// Skipped: the configuration lies outside the check's regime (Detail
	// says why); it counts neither as a pass nor as a failure.
	Skipped CheckStatus = "skipped"
	// NotEvaluable: the configuration is inside the regime, but the run
	// gave nothing to judge (Detail says why: the run never reached the
	// tolerance, a quantity underflowed, a method diverged). It is not a
	// pass: a gate that evaluated nothing does not pass.
	NotEvaluable CheckStatus = "not-evaluable"
)

// Evaluated reports whether s is a verdict (pass or fail).
func (s CheckStatus) Evaluated() bool { return s == Pass || s == Fail }

// Absent is the value of a figure of a Check that does not exist (nothing
// observed, no prediction, no tolerance): NaN in memory, null in JSON, "-"
// in tables, never 0. IsAbsent tells it.
var Absent = math.NaN()

// IsAbsent reports whether v is Absent.
func IsAbsent(v float64) bool { return math.IsNaN(v) }

// Check is the outcome of one comparison of an observation with a theory.
// Observed, Predicted and Tolerance are Absent when they do not exist: a
// skipped or not-evaluable check observed nothing; an ordering check has no
// predicted value. They are never infinite. In JSON an absent figure is
// null.
type Check struct {
	// Name identifies the check, e.g. "compressed-mf-recursion".
	Name string `json:"name"`
	// Method is the method it observed ("compressed", "original/lop", ...).
	Method string `json:"method"`
	// Regime states what the check assumes (workload, init, eps, alpha).
	Regime string `json:"regime"`
	// Quantity says what Observed, Predicted and Tolerance measure.
	Quantity  string      `json:"quantity"`
	Observed  float64     `json:"observed"`
	Predicted float64     `json:"predicted"`
	Tolerance float64     `json:"tolerance"`
	Status    CheckStatus `json:"status"`
	// Detail locates the worst case (e.g. "worst at step 1200, layer 2")
	// or says why the check was skipped or could not be evaluated.
	Detail string `json:"detail,omitempty"`
}

// checkJSON is Check as written: absent figures are null.
type checkJSON struct {
	Name      string      `json:"name"`
	Method    string      `json:"method"`
	Regime    string      `json:"regime"`
	Quantity  string      `json:"quantity"`
	Observed  *float64    `json:"observed"`
	Predicted *float64    `json:"predicted"`
	Tolerance *float64    `json:"tolerance"`
	Status    CheckStatus `json:"status"`
	Detail    string      `json:"detail,omitempty"`
}

func present(v float64) *float64 {
	if IsAbsent(v) {
		return nil
	}
	return &v
}

func orAbsent(p *float64) float64 {
	if p == nil {
		return Absent
	}
	return *p
}

// MarshalJSON writes absent figures as null.
func (c Check) MarshalJSON() ([]byte, error) {
	j := checkJSON{Name: c.Name, Method: c.Method, Regime: c.Regime, Quantity: c.Quantity,
		Observed: present(c.Observed), Predicted: present(c.Predicted), Tolerance: present(c.Tolerance),
		Status: c.Status, Detail: c.Detail}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes (null: Absent), strictly: an
// unknown field is an error.
func (c *Check) UnmarshalJSON(b []byte) error {
	var j checkJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	*c = Check{Name: j.Name, Method: j.Method, Regime: j.Regime, Quantity: j.Quantity,
		Observed: orAbsent(j.Observed), Predicted: orAbsent(j.Predicted), Tolerance: orAbsent(j.Tolerance),
		Status: j.Status, Detail: j.Detail}
	return nil
}
