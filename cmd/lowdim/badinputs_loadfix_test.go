package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/npy"
)

// Rows of a newcomer's faults with instance and model folders: a loaded
// layer of the wrong size was caught only by a panic of dln when r_hat was
// not given; a dense mc folder whose mask.npy was deleted read silently as
// mf; a dense folder with a sparse export's files beside it read with
// those ignored; and --out replaced an instance folder or a model folder
// (their marker is a run's) with a run's outputs.
func init() {
	// saved writes dir/inst with lowdim run --save-instance (an 8 x 8
	// instance of workload with compressed's initial weights) or, with
	// model, dir/mdl with --save-model.
	saved := func(workload string, model bool) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			args := []string{"run", "--workload", workload, "--d", "8", "--r", "2", "--steps", "1", "--quiet", "--methods", "compressed",
				"--out", filepath.Join(t.TempDir(), "first")}
			if workload == "mc" {
				args = append(args, "--p", "0.5")
			}
			if model {
				args = append(args, "--save-model", filepath.Join(dir, "mdl"))
			} else {
				args = append(args, "--save-instance", filepath.Join(dir, "inst"))
			}
			var out, errb bytes.Buffer
			require.Equal(t, exitOK, run(args, &out, &errb), errb.String())
		}
	}
	then := func(first func(*testing.T, string), next func(t *testing.T, dir string)) func(*testing.T, string) []string {
		return func(t *testing.T, dir string) []string {
			first(t, dir)
			if next != nil {
				next(t, dir)
			}
			return nil
		}
	}
	matrix := func(name string, rows, cols int) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			require.NoError(t, npy.WriteFile(filepath.Join(dir, name), []int{rows, cols}, make([]float64, rows*cols)))
		}
	}
	kept := func(name string) func(t *testing.T, dir, stdout, stderr string) {
		return func(t *testing.T, dir, _, _ string) {
			require.FileExists(t, filepath.Join(dir, name), "the folder was replaced")
		}
	}
	refusedKept := func(name string, args []string, setup func(*testing.T, string) []string, file string, msg ...string) badInput {
		r := refusedSetup(name, args, setup, msg...)
		r.check = kept(file)
		return r
	}
	addBadInputs(kindOutput,
		// r_hat not given: the chain is 8 -> 4 -> 4 -> 8 (2r), and a
		// hidden layer of another size is named, not a panic of dln.
		refusedSetup("load instance with a hidden layer of another width, r-hat by default", with(loadBase, "--methods", "compressed", "--load-instance", "{dir}/inst"),
			then(saved("mf", false), matrix("inst/init_compressed_W2.npy", 2, 2)), "{dir}/inst/init_compressed_W2.npy: shape (2, 2), want (4, 4)"),
		refusedSetup("load instance with a first layer of another width, r-hat by default", with(loadBase, "--methods", "compressed", "--load-instance", "{dir}/inst"),
			then(saved("mf", false), matrix("inst/init_compressed_W1.npy", 3, 8)), "{dir}/inst/init_compressed_W1.npy: shape (3, 8), want (4, 8)"),
		badInput{name: "load mc instance without its mask.npy: a note says it reads as mf", args: with(loadBase, "--methods", "compressed", "--load-instance", "{dir}/inst"),
			setup:    then(saved("mc", false), func(t *testing.T, dir string) { require.NoError(t, os.Remove(filepath.Join(dir, "inst", "mask.npy"))) }),
			wantCode: exitOK, wantMsg: []string{"no mask.npy in {dir}/inst: read as an mf instance (target only)"}},
		refusedSetup("load dense instance with a sparse export's files beside it", with(loadBase, "--methods", "compressed", "--load-instance", "{dir}/inst"),
			then(saved("mc", false), matrix("inst/target_U.npy", 8, 2)), "{dir}/inst holds a dense instance's target.npy and a sparse export's target_U.npy"),
		refusedSetup("load dense instance with a sparse export's files, --workload mc", with(loadBase, "--workload", "mc", "--methods", "compressed", "--load-instance", "{dir}/inst"),
			then(saved("mc", false), matrix("inst/observed_vals.npy", 1, 3)), "a sparse export's observed_vals.npy"),
		refusedKept("run --out an instance folder", with(runBase[:len(runBase)-2], "--out", "{dir}/inst"), then(saved("mf", false), nil), "inst/target.npy",
			"invalid --out {dir}/inst", "{dir}/inst holds an instance (--save-instance), not a run's outputs (--out)"),
		refusedKept("run --out a model folder", with(runBase[:len(runBase)-2], "--out", "{dir}/mdl"), then(saved("mf", true), nil), "mdl/models.json",
			"invalid --out {dir}/mdl", "{dir}/mdl holds saved models (--save-model), not a run's outputs (--out)"),
		refusedKept("verify --out an instance folder", with(verifyTiny[:len(verifyTiny)-2], "--out", "{dir}/inst"), then(saved("mf", false), nil), "inst/target.npy",
			"invalid --out {dir}/inst", "holds an instance (--save-instance)"),
		refusedKept("verify --out a model folder", with(verifyTiny[:len(verifyTiny)-2], "--out", "{dir}/mdl"), then(saved("mf", true), nil), "mdl/models.json",
			"invalid --out {dir}/mdl", "holds saved models (--save-model)"),
		refusedKept("run --save-instance a model folder", with(runBase, "--save-instance", "{dir}/mdl"), then(saved("mf", true), nil), "mdl/models.json",
			"invalid --save-instance {dir}/mdl", "holds saved models (--save-model), not an instance (--save-instance)"),
		refusedKept("run --save-model an instance folder", with(runBase, "--save-model", "{dir}/inst"), then(saved("mf", false), nil), "inst/target.npy",
			"invalid --save-model {dir}/inst", "holds an instance (--save-instance), not saved models (--save-model)"),
		// A run's folder (its marker; the row's checks refuse a run.json
		// anywhere, so its figure stands for the outputs).
		refusedKept("run --save-instance a run's folder", with(runBase, "--save-instance", "{dir}/old"), func(t *testing.T, dir string) []string {
			lowdimFolder("old")(t, dir)
			writeIn(t, dir, "old/error_vs_step.svg", "<svg/>")
			return nil
		}, "old/error_vs_step.svg", "invalid --save-instance {dir}/old", "holds a run's outputs (--out), not an instance (--save-instance)"),
	)
}
