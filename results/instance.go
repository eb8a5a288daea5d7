package results

// InstanceInfo describes the problem instance of a linear run: the
// target's shape and spectrum and the workload's data (experiment.Instance.Info).
type InstanceInfo struct {
	Source string `json:"source"`
	// Derived are the configuration's values that the instance's files
	// fixed, each with its source (a user's target, a loaded folder);
	// absent for a drawn instance.
	Derived     []Derived `json:"from_files,omitempty"`
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
	// Entries describes a completion problem read from a list of entries
	// (a row,col,value file or a coordinate .mtx): what came from the file
	// and how it was split. Nil otherwise.
	Entries *EntriesInfo `json:"entries,omitempty"`
}

// EntriesInfo is what a completion problem took from a file of entries
// and how it divided them. Counts are of entries (matrix elements; a
// symmetric file's off-diagonal line sets two) unless they say otherwise.
type EntriesInfo struct {
	// File is the file as given; Format says how it was read ("csv",
	// "tsv", "mtx coordinate general", ...), Base its index base (0 or 1)
	// and BaseDetected whether that was detected rather than declared;
	// Header that a header line was skipped.
	File         string `json:"file"`
	Format       string `json:"format"`
	Base         int    `json:"base"`
	BaseDetected bool   `json:"base_detected"`
	Header       bool   `json:"header,omitempty"`
	// SizeFrom says where the m x n size came from: the file's size line
	// or its largest indices.
	SizeFrom string `json:"size_from"`
	// Lines are the file's entry lines; Entries the elements they set;
	// Averaged the duplicate lines averaged into an earlier one
	// (--duplicates average); Symmetric that a line sets (i, j) and
	// (j, i).
	Lines     int  `json:"lines"`
	Entries   int  `json:"entries"`
	Averaged  int  `json:"duplicates_averaged,omitempty"`
	Symmetric bool `json:"symmetric,omitempty"`
	// EmptyRows and EmptyCols count the rows and columns with no entry in
	// the file; ColdRows and ColdCols those with held-out (validation or
	// test) entries but none to train on. Both are predicted at their
	// centering mean (0 without centering).
	EmptyRows int `json:"empty_rows"`
	EmptyCols int `json:"empty_cols"`
	ColdRows  int `json:"cold_rows"`
	ColdCols  int `json:"cold_cols"`
	// The split, seeded: Unit is what was drawn ("entry", or "line" for a
	// symmetric file, whose mirrored pair goes to one side); Units their
	// number; Train, Validation and Test the entries of each part and
	// ValidationFrac, TestFrac the fractions of units asked for.
	Unit           string  `json:"unit"`
	Units          int     `json:"units"`
	Train          int     `json:"train"`
	Validation     int     `json:"validation"`
	Test           int     `json:"test"`
	ValidationFrac float64 `json:"validation_fraction"`
	TestFrac       float64 `json:"test_fraction"`
	// P is the observed fraction trained on, Train / (m n).
	P float64 `json:"p"`
	// Center is the centering ("none", "global", "rows", "columns") and
	// Mean the mean of the training values it was computed from.
	Center string  `json:"center"`
	Mean   float64 `json:"mean"`
	// CenterWhy says why auto chose the centering; empty when it was
	// asked for.
	CenterWhy string `json:"center_why,omitempty"`
	// RankFrom says where the rank r came from ("--r", or the validation
	// choice), and RankTrials the validation RMSE of each rank tried.
	RankFrom   string      `json:"rank_from"`
	RankTrials []RankTrial `json:"rank_trials,omitempty"`
}

// RankTrial is one rank tried when choosing a partially known target's
// rank on its validation entries: AltMin at rank K with the ridge chosen
// there, and its validation RMSE.
type RankTrial struct {
	K       int     `json:"k"`
	Lambda  float64 `json:"lambda"`
	ValRMSE float64 `json:"validation_rmse"`
}
