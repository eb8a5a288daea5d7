package results

// MLPMethod is what only an MLP run records about a method (a variant:
// original, dln or cdln), besides the fields of MethodResult it shares with
// linear runs (method, status, steps, seconds, seconds per step, layers,
// params, workspace and heap bytes, GFLOPS, final training loss). A nil
// pointer is a value that does not exist.
type MLPMethod struct {
	// CPUSeconds is the process CPU time of the training steps (all
	// threads); nil where the platform does not report it.
	CPUSeconds *float64 `json:"cpu_seconds,omitempty"`
	// FinalTestAccuracy and FinalTestLoss are on the whole test split at
	// the last checkpoint, BestTestAccuracy the best over checkpoints; nil
	// without a checkpoint (a divergence at step 0).
	FinalTestAccuracy *float64 `json:"final_test_accuracy,omitempty"`
	BestTestAccuracy  *float64 `json:"best_test_accuracy,omitempty"`
	FinalTestLoss     *float64 `json:"final_test_loss,omitempty"`
	// StepFlops is the analytic flop count of one training step
	// (mlp.Config.StepFlops); CountedFlops what the networks counted over
	// all steps; InferFlopsPerRow the forward products per row.
	StepFlops        uint64 `json:"step_flops"`
	CountedFlops     uint64 `json:"counted_flops"`
	InferFlopsPerRow uint64 `json:"infer_flops_per_row"`
	// LatencyBatch1 and LatencyBatch256 are inference seconds per row at
	// batch 1 and 256; nil after a divergence (not measured).
	LatencyBatch1   *float64 `json:"latency_batch1_seconds_per_row,omitempty"`
	LatencyBatch256 *float64 `json:"latency_batch256_seconds_per_row,omitempty"`
	// Trajectory holds the checkpoints in step order, those before a
	// divergence (also written to trajectories.csv).
	Trajectory []MLPCheckpoint `json:"trajectory"`
}

// MLPCheckpoint is the state of an MLP after Step steps (mlp.Checkpoint,
// as recorded).
type MLPCheckpoint struct {
	Step int `json:"step"`
	// Epoch is Step times the batch size over the training rows.
	Epoch float64 `json:"epoch"`
	// Seconds and CPUSeconds are the wall and process CPU time of the
	// training steps so far (evaluation excluded; CPU time counts every
	// thread of the process, nil where the platform does not report it).
	Seconds    float64  `json:"seconds"`
	CPUSeconds *float64 `json:"cpu_seconds,omitempty"`
	// TrainLoss and TrainAccuracy are the means over the batches since the
	// previous checkpoint, each at the weights before its step; at step 0,
	// those of the first batch.
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	// TestLoss and TestAccuracy are measured on TestRows test rows.
	TestLoss     float64 `json:"test_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
	TestRows     int     `json:"test_rows"`
}

// DataInfo describes the data set of an MLP run.
type DataInfo struct {
	// Name is "fashion-mnist", "mnist" or "idx" (a --data folder); Source
	// says in words where the files came from; Dir is their folder.
	Name   string `json:"name"`
	Source string `json:"source"`
	Dir    string `json:"dir"`
	// TrainRows and TestRows are the rows used; Rows x Cols the image
	// size; Classes the number of labels.
	TrainRows int `json:"train_rows"`
	TestRows  int `json:"test_rows"`
	Rows      int `json:"image_rows"`
	Cols      int `json:"image_cols"`
	Classes   int `json:"classes"`
	// Scale is the pixel map, "p/255" or "(p/255 - mean)/std"; Mean and
	// Std, those of standardisation, are nil without it.
	Scale string   `json:"scale"`
	Mean  *float64 `json:"mean,omitempty"`
	Std   *float64 `json:"std,omitempty"`
}
