package results

// Derived is a value of a run's configuration that came from its input
// files, not from a flag, the configuration file or the preset: the shape
// of the user's target, its rank estimated from it, the observed fraction a
// mask fixes, the learning rate computed from the target's scale. A run
// records each (InstanceInfo.Derived) and prints it with its source, so
// that no value read from a file is reported as a flag's.
type Derived struct {
	// Key is the configuration key the value sets ("d", "rows", "cols",
	// "r", "r-hat", "p", "m", "eta").
	Key string `json:"key"`
	// Value is the value, as the configuration holds it.
	Value any `json:"value"`
	// From says where it came from, naming the file: "the numerical rank
	// of my_matrix.npy (singular values above 1e-08 of the largest)".
	From string `json:"from"`
}
