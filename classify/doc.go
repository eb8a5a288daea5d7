// Package classify validates a compressed nonlinear model on a user's own
// classification data (lowdim verify --task classify, issue 17): it reads a
// data set (an IDX folder, a pair of .npy files or a CSV with a label
// column), splits it stratified by class with a seed, standardises the
// features from the training split, trains the three MLP variants of
// package mlp (original, +DLN, +C-DLN at each candidate width) over seeds
// paired by seed, and decides which widths keep the accuracy within the
// user's thresholds, overall and per class.
//
// # Data
//
// A Set holds N rows of Features float64 values (row-major) and N labels,
// class indices 0..Classes-1; ClassNames maps an index back to the integer
// label of the file. Every loader refuses a bad input (a missing file, a
// wrong shape, a label that is not an integer, a NaN or infinite feature, a
// missing label column) with an error naming the file and, where there is
// one, the line or row and the value; the errors are *config.InputError or
// *config.ConfigError values, so that the CLI exits 2.
//
// # Verdict
//
// Differences are C-DLN minus +DLN and C-DLN minus the original, in
// accuracy points (100 x fraction correct), paired by seed (the same seed
// draws the shared outer layers and the data order of all three models,
// mlp package comment) and summarised by experiment.TInterval (a 95%
// Student's t-interval over the paired differences). The drop is minus the
// difference. A width passes when, for every threshold given and both
// baselines, the drop's upper bound (DecideInterval) or its mean
// (DecideMean) is at most the threshold; the safe width is
// experiment.SafeWidth over the widths' margins (see Verify).
//
// # Robustness
//
// Config.Perturbations are named, seeded changes of the test features
// (Perturbation: Gaussian noise at a signal-to-noise ratio and dropout on
// the standardised features, a brightness and contrast shift on raw pixel
// values in [0, 1]). Every model is measured on each perturbed test set,
// the same set for all models; Model.Perturbed holds each model's accuracy
// and its own drop (clean minus perturbed, paired by seed), Diff.Perturbed
// C-DLN minus the baseline there. With Config.Robust, MaxDrop gates those
// differences as it gates the clean one (Gate.Perturbation names the set).
package classify
