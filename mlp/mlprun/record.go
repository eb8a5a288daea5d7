package mlprun

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/lowdim/lowdim/mlp"
	"github.com/lowdim/lowdim/results"
)

// Record is what an MLP run writes to run.json.
type Record struct {
	Tool    string   `json:"tool"`
	Version string   `json:"version"`
	Started string   `json:"started"`
	Config  Config   `json:"config"`
	Machine any      `json:"machine"`
	Data    DataInfo `json:"data"`
	// Methods in training order.
	Methods []MethodRecord `json:"methods"`
	// Ratios compare pairs of methods, keyed "a/b".
	Ratios map[string]Ratio `json:"ratios,omitempty"`
	// Checks compare the compressed block with the wide one against the
	// paper's claim (DESIGN.md section 4 item 11).
	Checks []results.Check `json:"checks,omitempty"`
}

// DataInfo describes the data a run used.
type DataInfo struct {
	Name      string `json:"name"`
	Source    string `json:"source"`
	Dir       string `json:"dir"`
	TrainRows int    `json:"train_rows"`
	TestRows  int    `json:"test_rows"`
	Rows      int    `json:"image_rows"`
	Cols      int    `json:"image_cols"`
	Classes   int    `json:"classes"`
	// Scale is the pixel map; Mean and Std those of standardisation.
	Scale string  `json:"scale"`
	Mean  float64 `json:"mean,omitempty"`
	Std   float64 `json:"std,omitempty"`
}

// MethodRecord is one variant's result. The embedded MethodResult carries
// the fields shared with the linear runs (method, status, steps, seconds,
// seconds_per_step, layers, params, param_bytes, workspace_bytes,
// peak_heap_bytes, final_train_loss); Status is max-steps for a run that
// took all its steps.
type MethodRecord struct {
	results.MethodResult
	// CPUSeconds is the process CPU time of the training steps (all
	// threads; -1 where unavailable).
	CPUSeconds float64 `json:"cpu_seconds"`
	// FinalTestAccuracy and FinalTestLoss are on the whole test split at
	// the last step; BestTestAccuracy the best over checkpoints.
	FinalTestAccuracy float64 `json:"final_test_accuracy"`
	BestTestAccuracy  float64 `json:"best_test_accuracy"`
	FinalTestLoss     float64 `json:"final_test_loss"`
	// StepFlops is the analytic flop count of one training step
	// (mlp.Config.StepFlops); CountedFlops what the networks counted over
	// all steps; InferFlopsPerRow the forward products per row.
	StepFlops        uint64 `json:"step_flops"`
	CountedFlops     uint64 `json:"counted_flops"`
	InferFlopsPerRow uint64 `json:"infer_flops_per_row"`
	// LatencyBatch1 and LatencyBatch256 are inference seconds per row at
	// batch 1 and 256 (0 after a divergence).
	LatencyBatch1   float64 `json:"latency_batch1_seconds_per_row"`
	LatencyBatch256 float64 `json:"latency_batch256_seconds_per_row"`
	// Trajectory holds the checkpoints (also in trajectories.csv).
	Trajectory []mlp.Checkpoint `json:"trajectory"`
}

// Ratio compares method a with method b (key "a/b"): a's figure over b's,
// and a's final test accuracy minus b's.
type Ratio struct {
	Seconds          float64 `json:"seconds"`
	CPUSeconds       float64 `json:"cpu_seconds,omitempty"`
	SecondsPerStep   float64 `json:"seconds_per_step"`
	Params           float64 `json:"params"`
	TestAccuracyDiff float64 `json:"test_accuracy_diff"`
}

// The paper's claim, as the issue states its acceptance: the compressed
// block's test accuracy within MaxAccuracyGapPP percentage points of the
// wide block's, in at most 1/MinSpeedup of its training time.
const (
	MaxAccuracyGapPP = 0.5
	MinSpeedup       = 1.8
)

// Method returns the record of the named method, or nil.
func (r *Record) Method(name string) *MethodRecord {
	for i := range r.Methods {
		if r.Methods[i].Method == name {
			return &r.Methods[i]
		}
	}
	return nil
}

// finish computes the ratios and the checks.
func (r *Record) finish() {
	r.Ratios = map[string]Ratio{}
	for _, p := range [][2]string{{"cdln", "dln"}, {"cdln", "original"}, {"dln", "original"}} {
		a, b := r.Method(p[0]), r.Method(p[1])
		if a == nil || b == nil || a.Seconds <= 0 || b.Seconds <= 0 {
			continue
		}
		q := Ratio{
			Seconds:          a.Seconds / b.Seconds,
			SecondsPerStep:   a.SecondsPerStep / b.SecondsPerStep,
			Params:           float64(a.Params) / float64(b.Params),
			TestAccuracyDiff: a.FinalTestAccuracy - b.FinalTestAccuracy,
		}
		if a.CPUSeconds > 0 && b.CPUSeconds > 0 {
			q.CPUSeconds = a.CPUSeconds / b.CPUSeconds
		}
		r.Ratios[p[0]+"/"+p[1]] = q
	}
	if len(r.Ratios) == 0 {
		r.Ratios = nil
	}
	r.Checks = claimChecks(r.Method("dln"), r.Method("cdln"))
}

const claimRegime = "dln and cdln trained with the same outer layers, data order, batch and steps; one run on one machine"

// claimChecks returns the two checks of the claim, skipped when a method
// is missing or diverged.
func claimChecks(wide, comp *MethodRecord) []results.Check {
	acc := results.Check{
		Name: "cdln-accuracy", Method: "cdln/dln", Regime: claimRegime,
		Quantity:  "final test accuracy of dln minus cdln, percentage points (bound: at most the tolerance)",
		Predicted: 0, Tolerance: MaxAccuracyGapPP,
	}
	speed := results.Check{
		Name: "cdln-speedup", Method: "cdln/dln", Regime: claimRegime,
		Quantity:  "training wall time of dln over cdln (bound: at least predicted)",
		Predicted: MinSpeedup,
	}
	why := ""
	switch {
	case wide == nil || comp == nil:
		why = "needs both dln and cdln in --methods"
	case wide.Status == results.Diverged || comp.Status == results.Diverged:
		why = "a method diverged"
	case comp.Seconds <= 0:
		why = "no training time recorded"
	}
	if why != "" {
		acc.Status, acc.Detail = results.Skipped, why
		speed.Status, speed.Detail = results.Skipped, why
		return []results.Check{acc, speed}
	}
	acc.Observed = 100 * (wide.FinalTestAccuracy - comp.FinalTestAccuracy)
	acc.Status = verdict(acc.Observed <= MaxAccuracyGapPP)
	acc.Detail = fmt.Sprintf("dln %.4f, cdln %.4f", wide.FinalTestAccuracy, comp.FinalTestAccuracy)
	speed.Observed = wide.Seconds / comp.Seconds
	speed.Status = verdict(speed.Observed >= MinSpeedup)
	speed.Detail = fmt.Sprintf("dln %.1f s, cdln %.1f s", wide.Seconds, comp.Seconds)
	if wide.CPUSeconds > 0 && comp.CPUSeconds > 0 {
		speed.Detail += fmt.Sprintf("; CPU time ratio %.3g", wide.CPUSeconds/comp.CPUSeconds)
	}
	return []results.Check{acc, speed}
}

func verdict(ok bool) results.CheckStatus {
	if ok {
		return results.Pass
	}
	return results.Fail
}

// Marshal encodes r as indented JSON, refusing non-finite numbers with an
// error naming the method and field.
func Marshal(r *Record) ([]byte, error) {
	for _, m := range r.Methods {
		for name, v := range map[string]float64{
			"seconds": m.Seconds, "seconds_per_step": m.SecondsPerStep, "cpu_seconds": m.CPUSeconds,
			"final_test_accuracy": m.FinalTestAccuracy, "final_test_loss": m.FinalTestLoss,
			"latency_batch1_seconds_per_row": m.LatencyBatch1, "latency_batch256_seconds_per_row": m.LatencyBatch256,
		} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("mlprun: method %s: %s is %v, not a finite number", m.Method, name, v)
			}
		}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("mlprun: encoding run.json: %w", err)
	}
	return append(b, '\n'), nil
}
