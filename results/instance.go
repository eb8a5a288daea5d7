package results

// InstanceInfo describes the problem instance of a linear run: the
// target's shape and spectrum and the workload's data (experiment.Instance.Info).
type InstanceInfo struct {
	Source      string    `json:"source"`
	Rows        int       `json:"rows"`
	Cols        int       `json:"cols"`
	TargetSVals []float64 `json:"target_singular_values"`
	Observed    int       `json:"observed,omitempty"`
	// HeldOut is the number of held-out entries of a target known only
	// on its observed and held-out entries (then the recovery error is
	// measured on them, and TargetSVals is empty: the spectrum is unknown).
	HeldOut         int      `json:"held_out,omitempty"`
	Measurements    int      `json:"measurements,omitempty"`
	WorkloadBytes   int64    `json:"workload_bytes"`
	LoadedInitsFrom []string `json:"loaded_inits,omitempty"`
	// Sparse: the target is held as its factors and the observed entries
	// in compressed sparse rows.
	Sparse bool `json:"sparse,omitempty"`
	// TargetTop and StableEta are set when the learning rate was
	// resolved from --eta-frac: the target's top singular value estimated
	// from the data (workloads.TargetTop) and the stable learning rate
	// computed from it.
	TargetTop float64 `json:"target_top,omitempty"`
	StableEta float64 `json:"stable_eta,omitempty"`
	// Precision is the dtype the target came in when it is not float64
	// ("float32"): its rank, and the singular values above, are read at
	// that precision. TargetRankFloat64 is then its rank at float64, the
	// precision lowdim computes in (absent when unknown).
	Precision         string `json:"precision,omitempty"`
	TargetRankFloat64 *int   `json:"target_rank_float64,omitempty"`
}
