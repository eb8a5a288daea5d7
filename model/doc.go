// Package model is lowdim's saved-model format: a folder holding a trained
// network's layers as NumPy .npy files and a manifest.json that describes
// them, written by [Save] (what `--save-model DIR` writes) and read back,
// validated, by [Load]. A NumPy user reproduces the network without lowdim:
//
//	import json, numpy as np
//	man = json.load(open("DIR/manifest.json"))
//	Ws = [np.load("DIR/" + l["file"]) for l in man["layers"]]   # W_1 first
//	P = np.linalg.multi_dot(Ws[::-1]) if len(Ws) > 1 else Ws[0]  # W_L ... W_2 W_1
//	if man["centering"]["kind"] != "none":
//	    P = P + np.load("DIR/" + man["centering"]["file"])      # broadcasts
//
// (model/testdata/reproduce.py does this and checks it against lowdim.)
//
// # The folder
//
// A model folder holds manifest.json, one file per layer, layer-01.npy
// (W_1, applied first) to layer-LL.npy (W_L), numbered with at least two
// digits and all with the same number of digits, so that the names sort in
// the order of application, and means.npy when centering was applied. Layer
// l is an r_l x r_{l-1} float64 matrix (r_0 = n inputs, r_L = m outputs;
// rectangular allowed), so the network's end-to-end matrix is the m x n
// product W_L ... W_2 W_1. The order is the manifest's layers array; the
// names only make it visible. Load ignores other files in the folder.
//
// # The manifest
//
// An example (a compressed network of depth 3 on a 943 x 1682 ratings
// matrix centered by its global mean):
//
//	{
//	  "format": "lowdim-model",
//	  "version": 1,
//	  "kind": "deep-linear",
//	  "lowdim_version": "v0.4.0-12-g1a2b3c4",
//	  "method": "compressed",
//	  "width": 16,
//	  "inputs": 1682,
//	  "outputs": 943,
//	  "parameters": 42256,
//	  "layers": [
//	    {"file": "layer-01.npy", "shape": [16, 1682], "sha256": "9f86d0…"},
//	    {"file": "layer-02.npy", "shape": [16, 16], "sha256": "60303a…"},
//	    {"file": "layer-03.npy", "shape": [943, 16], "sha256": "fd61a0…"}
//	  ],
//	  "centering": {"kind": "global", "file": "means.npy", "shape": [1, 1], "sha256": "a4e624…"},
//	  "config": {"workload": "mc", "depth": 3, "r-hat": 16, "…": "…"},
//	  "config_hash": "3b1f…",
//	  "training": {"status": "stopped", "message": "…", "stopping": "loss <= 1e-10 x initial, validation patience 20 checkpoints of 50 steps",
//	               "steps": 5200, "selected_step": 2600},
//	  "errors": {"recovery": null, "held_out": 0.2113, "rmse": 0.9342},
//	  "sources": [{"file": "ratings.csv", "sha256": "2c26b4…"}]
//	}
//
// The fields:
//
//   - format, version: always "lowdim-model" and [FormatVersion].
//   - kind: what the layers compute; [KindDeepLinear], the only kind so far,
//     is the product of the layers, no bias, no activation.
//   - lowdim_version: the lowdim that wrote the folder (machine.Read().Version,
//     what run.json records).
//   - method, width: the method's name ("original", "compressed", ...) and
//     its width r_hat (the original network's is its hidden width).
//   - inputs, outputs: n and m, so the end-to-end matrix is outputs x
//     inputs; parameters: the number of weights, the sum of the layers'
//     sizes.
//   - layers: in order of application, each a file in the folder (a plain
//     name), its shape [rows, cols] and the SHA-256 of the file's bytes
//     (lowercase hex).
//   - centering: kind "none", "global", "rows" or "columns": the mean that
//     was subtracted from the data before training and that a prediction
//     adds back, so that predictions are in the data's units. Unless
//     "none", file, shape and sha256 name a .npy of shape [1, 1] (global),
//     [m, 1] (row means) or [1, n] (column means): the shapes under which
//     NumPy's broadcasting adds it to the m x n product as it is.
//   - config, config_hash: the run's configuration, a JSON object the writer
//     supplies (opaque to this package; null when absent), and its hash
//     (config.Hash).
//   - training: status ("converged", "budget", "stopped", "interrupted",
//     as the run reports it) and a message; the stopping rule it was run
//     to, in words (omitted when not recorded: a verify's rules on a user's
//     target, such as a loss relative to the initial loss or a validation
//     patience, are not in config, whose tol is then 0); steps, the steps
//     taken (null when not recorded); selected_step, the step whose weights
//     the layers hold when early stopping set them back to its lowest
//     validation error (null: the last step's).
//   - errors: recovery (||W - Phi||_F / ||Phi||_F), held_out (the relative
//     error on the held-out entries) and rmse (the held-out root mean
//     squared error in the data's units), each null when not measured,
//     never 0 in its place.
//   - sources: the files the instance was read from, each its name as the
//     user gave it and the SHA-256 of its bytes ([SourceOf] computes it);
//     empty for a generated instance (the configuration says how it was
//     drawn).
//
// # Compatibility
//
// The format is meant to grow: issue 17's nonlinear MLP adds a kind (such
// as "mlp") whose layers carry the optional fields "bias" (a file, shape
// and sha256, like a layer) and "activation" (a name), plus the data's
// standardisation beside centering. The rules that let it do so without
// breaking readers:
//
//   - Readers ignore fields they do not know; a writer adds a field only
//     when a reader that ignores it still computes the same predictions.
//   - A reader refuses, with an error naming the value, a kind it does not
//     know, a version above its own, and a layer with a bias or an
//     activation in a kind that has none: it never computes something else
//     than the model. A change that an older reader would misread gets a
//     new kind or a new version.
//
// # Validation
//
// [Load] checks everything before returning: the manifest's format, version
// and kind, that the layers' shapes chain (layer l's columns are layer
// l-1's rows) and agree with inputs, outputs and parameters, that each file
// is present, has the recorded SHA-256, is a float64 array of the recorded
// shape with finite values, and the centering's shape. Every error names the
// file and the value ("m/layer-02.npy: sha256 5e88… but the manifest
// records 60303a…"). [Save] checks the model the same way (through
// [Model.Validate]) before writing anything.
//
// # Atomicity
//
// [Save] writes the whole folder into a staging folder beside DIR and
// commits it with package outdir (lock, sync, then one rename or an atomic
// exchange into place; see that package), so a reader sees the complete
// previous model or the complete new one: on any error the staging folder
// is removed and DIR is as it was. DIR also receives outdir's marker file
// (.lowdim), which Load ignores. A folder of other files is never replaced.
// [WriteFiles] writes the same files into a folder a caller commits itself.
//
// # Memory and cost
//
// Load reads each file once into memory. [Model.Product] allocates the m x
// n product; [Model.Predict] never forms it: it forms W_L ... W_2 (m x r_1)
// once and then costs O(r_1) per entry.
package model
