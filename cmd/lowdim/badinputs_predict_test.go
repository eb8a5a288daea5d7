package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// lowdim predict's inputs and its --out: the model folder, the positions
// file and the single output file, each refused before anything is
// predicted, naming the flag and the value; --out never replaces an input.
func init() {
	base := []string{"predict", "--model", "{dir}/sm/compressed", "--entries", "{dir}/pairs.csv"}
	out := func(name, value string, setup func(*testing.T, string) []string, msg ...string) badInput {
		return badInput{name: name, args: with(base, "--out", value), setup: setup, wantCode: exitUsage, wantMsg: msg, check: nothingRan}
	}
	addBadInputs(kindOutput,
		out("predict --out is --entries", "{dir}/pairs.csv", savedModel, "invalid --out {dir}/pairs.csv", "is --entries {dir}/pairs.csv"),
		out("predict --out a link to --entries", "{dir}/link.csv", func(t *testing.T, dir string) []string {
			savedModel(t, dir)
			require.NoError(t, os.Symlink(filepath.Join(dir, "pairs.csv"), filepath.Join(dir, "link.csv")))
			return nil
		}, "invalid --out {dir}/link.csv", "is --entries"),
		out("predict --out a folder", "{dir}/sm", savedModel, "invalid --out {dir}/sm", "is a folder"),
		out("predict --out inside the model's folder", "{dir}/sm/compressed/p.csv", savedModel, "invalid --out {dir}/sm/compressed/p.csv", "an output folder of lowdim"),
		out("predict --out /dev/full", "/dev/full", savedModel, "invalid --out /dev/full", "is a device"),
		out("predict --out a FIFO", "{dir}/fifo", func(t *testing.T, dir string) []string {
			savedModel(t, dir)
			require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
			return nil
		}, "invalid --out {dir}/fifo", "is a FIFO"),
		out("predict --out not creatable", "/proc/lowdim-none/p.csv", savedModel, "invalid --out /proc/lowdim-none/p.csv"),
		out("predict --out empty", "", savedModel, `invalid --out ""`),
		badInput{name: "predict --model missing", args: []string{"predict", "--model", "{dir}/none", "--entries", "{dir}/pairs.csv"}, setup: savedModel,
			wantCode: exitUsage, wantMsg: []string{"invalid --model {dir}/none"}, check: nothingRan},
		badInput{name: "predict --entries beyond the model", args: base, setup: func(t *testing.T, dir string) []string {
			savedModel(t, dir)
			writeIn(t, dir, "pairs.csv", "row,col\n9,1\n")
			return nil
		}, wantCode: exitUsage, wantMsg: []string{"invalid --entries {dir}/pairs.csv", "line 2"}, check: nothingRan},
	)
}

// savedModel writes, with lowdim run --save-model, an 8 x 8 MF compressed
// network into dir/sm and two positions into dir/pairs.csv.
func savedModel(t *testing.T, dir string) []string {
	var out, errb bytes.Buffer
	code := run([]string{"run", "--workload", "mf", "--d", "8", "--r", "2", "--steps", "5", "--quiet", "--methods", "compressed",
		"--out", filepath.Join(t.TempDir(), "o"), "--save-model", filepath.Join(dir, "sm")}, &out, &errb)
	require.Equal(t, exitOK, code, errb.String())
	writeIn(t, dir, "pairs.csv", "row,col\n1,1\n2,3\n")
	return nil
}
