package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/npy"
)

// Rows of issue 17 item 1: verify --task classify's data sources and
// flags. Each bad input is refused (exit 2) before any training and
// before --out is created, naming the flag, the file and line or row, and
// the value.

// classifyCSV returns a CSV of rows rows of two features and a label
// column y, labels 0, 1, 2 in turn.
func classifyCSV(rows int) string {
	var b strings.Builder
	b.WriteString("a,b,y\n")
	for i := range rows {
		fmt.Fprintf(&b, "%d.5,%d,%d\n", i%5, i%3, i%3)
	}
	return b.String()
}

// classifyNpy writes X.npy (shape xs) and y.npy (shape ys) into dir.
func classifyNpy(xs []int, x []float64, ys []int, y []float64) func(t *testing.T, dir string) []string {
	return func(t *testing.T, dir string) []string {
		require.NoError(t, npy.WriteFile(filepath.Join(dir, "X.npy"), xs, x))
		require.NoError(t, npy.WriteFile(filepath.Join(dir, "y.npy"), ys, y))
		return nil
	}
}

func init() {
	base := []string{"verify", "--task", "classify", "--data", "{dir}/d.csv", "--label", "y", "--r-hat", "2", "--width", "8",
		"--width2", "4", "--seeds", "2", "--epochs", "1", "--batch", "4", "--quiet", "--out", "{dir}/out"}
	npyBase := []string{"verify", "--task", "classify", "--data", "{dir}/X.npy,{dir}/y.npy", "--r-hat", "2", "--width", "8",
		"--width2", "4", "--seeds", "2", "--epochs", "1", "--batch", "4", "--quiet", "--out", "{dir}/out"}
	good := files("d.csv", classifyCSV(30))
	nan := classifyCSV(30)
	nan = strings.Replace(nan, "\n3.5,", "\nNaN,", 1)
	idxDir := func(t *testing.T, dir string) []string {
		require.NoError(t, idx.WriteDir(filepath.Join(dir, "img"), idx.Synthetic(3, 4, 30, 9, 10, 1), false))
		return nil
	}
	addBadInputs(kindEmpty,
		refusedSetup("classify --data missing", with(base[:3], "--data", "{dir}/none.csv", "--label", "y", "--out", "{dir}/out"), nil,
			"invalid --data {dir}/none.csv: no such file or directory"),
		refused("classify --data empty", with(base[:3], "--data", "", "--out", "{dir}/out"), `invalid --data ""`),
		refused("classify without --data", with(base[:3], "--out", "{dir}/out"), `invalid --data ""`, "required"),
		refusedSetup("classify --label not in the header", with(base, "--label", "z"), good, "invalid --label z", "no such column in the header of {dir}/d.csv", "a, b, y"),
		refusedSetup("classify a CSV without --label", with(base[:3], "--data", "{dir}/d.csv", "--out", "{dir}/out"), good, `invalid --label ""`, "needs --label"),
		refusedSetup("classify --label on an npy pair", with(npyBase, "--label", "y"),
			classifyNpy([]int{6, 1}, make([]float64, 6), []int{6}, []float64{0, 1, 0, 1, 0, 1}), "invalid --label y", "applies to a CSV source"),
		refusedSetup("classify an empty CSV", base, files("d.csv", ""), "d.csv: no header line"),
		refusedSetup("classify a CSV of a header only", base, files("d.csv", "a,y\n"), "d.csv: no data rows after the header"),
		refusedSetup("classify one class", base, files("d.csv", "a,y\n1,4\n2,4\n3,4\n"), "d.csv: 1 class (label [4]): need at least 2"),
		refusedSetup("classify --task regress", with(base, "--task", "regress"), good, "invalid --task regress", "want classify"),
		refusedSetup("classify --seeds 0", with(base, "--seeds", "0"), good, "invalid --seeds 0", "1..1000"),
		refusedSetup("classify --decide median", with(base, "--decide", "median"), good, "invalid --decide median", "interval or mean"),
		refusedSetup("classify --baseline best", with(base, "--baseline", "best"), good, "invalid --baseline best", `"best" is not dln or original`),
		refusedSetup("classify --baseline dln,dln", with(base, "--baseline", "dln,dln"), good, "invalid --baseline dln,dln", "listed twice"),
		refusedSetup("classify --r-hat 2,2", with(base, "--r-hat", "2,2"), good, "invalid --r-hat 2,2", "listed twice"),
	)
	addBadInputs(kindNotApplying,
		refusedSetup("classify --test-frac with --test-data", with(base, "--test-data", "{dir}/d.csv", "--test-frac", "0.3"), good,
			"invalid --test-frac 0.3", "does not apply with --test-data"),
		refusedSetup("classify --test-frac on an IDX folder", with(base[:3], "--data", "{dir}/img", "--test-frac", "0.3", "--r-hat", "2", "--width", "8", "--width2", "4", "--seeds", "2", "--epochs", "1", "--batch", "4", "--quiet", "--out", "{dir}/out"),
			idxDir, "invalid --test-frac 0.3", "the IDX folder {dir}/img has its own test split"),
		refusedSetup("classify --test-data on an IDX folder", with(base[:3], "--data", "{dir}/img", "--test-data", "{dir}/img", "--r-hat", "2", "--width", "8", "--width2", "4", "--seeds", "2", "--epochs", "1", "--batch", "4", "--quiet", "--out", "{dir}/out"),
			idxDir, "invalid --test-data {dir}/img", "has its own test split"),
		refusedSetup("classify --seeds 1 with --decide interval", with(base, "--seeds", "1"), good, "invalid --seeds 1", "one seed gives no interval"),
		refusedSetup("classify --r-hat above --width", with(base, "--r-hat", "2,9"), good, "invalid --r-hat 9", "above --width 8"),
		refusedSetup("classify --batch above the training rows", with(base, "--batch", "100"), good, "invalid --batch 100", "1..24"),
		refusedSetup("classify --data of another extension", with(base[:3], "--data", "{dir}/d.txt", "--out", "{dir}/out"), files("d.txt", "1"),
			"invalid --data {dir}/d.txt", "unknown source"),
		refusedSetup("classify --data a triple", with(base[:3], "--data", "{dir}/X.npy,{dir}/y.npy,{dir}/z.npy", "--out", "{dir}/out"), nil,
			"invalid --data", "a pair must be two .npy files"),
	)
	addBadInputs(kindOddNumbers,
		refusedSetup("classify a NaN feature", base, files("d.csv", nan), `d.csv:5: column "a": value "NaN" is not a finite number`),
		refusedSetup("classify an infinite feature", base, files("d.csv", "a,b,y\n1,2,0\n1,Inf,1\n"), `d.csv:3: column "b": value "Inf" is not a finite number`),
		refusedSetup("classify an empty cell", base, files("d.csv", "a,b,y\n1,2,0\n1,,1\n"), `d.csv:3: column "b": value "" is not a finite number`),
		refusedSetup("classify a fractional CSV label", base, files("d.csv", "a,b,y\n1,2,0\n1,3,1.5\n"), `d.csv:3: label "1.5" (column "y") is not an integer`),
		refusedSetup("classify a text CSV label", base, files("d.csv", "a,b,y\n1,2,0\n1,3,cat\n"), `d.csv:3: label "cat" (column "y") is not an integer`),
		refusedSetup("classify a fractional npy label", npyBase,
			classifyNpy([]int{3, 1}, []float64{1, 2, 3}, []int{3}, []float64{0, 0.5, 1}), "y.npy: row 1: label 0.5 is not an integer"),
		refusedSetup("classify a NaN in X.npy", npyBase,
			classifyNpy([]int{3, 2}, []float64{1, 2, math.NaN(), 3, 4, 5}, []int{3}, []float64{0, 1, 0}), "X.npy: row 1, feature 0: value NaN is not a finite number"),
		refusedSetup("classify y.npy of the wrong length", npyBase,
			classifyNpy([]int{3, 2}, make([]float64, 6), []int{2}, []float64{0, 1}), "y.npy: shape [2]: y must have shape (3,)"),
		refusedSetup("classify y.npy of two columns", npyBase,
			classifyNpy([]int{3, 2}, make([]float64, 6), []int{3, 2}, make([]float64, 6)), "y.npy: shape [3 2]: y must have shape (3,)"),
		refusedSetup("classify X.npy of one dimension", npyBase,
			classifyNpy([]int{3}, make([]float64, 3), []int{3}, []float64{0, 1, 0}), "X.npy: shape [3]: X must have shape (n, features)"),
		refusedSetup("classify a class too small to stratify", base, files("d.csv", classifyCSV(30)+"1,1,7\n"),
			"--test-frac 0.2: {dir}/d.csv: class 7 has 1 row: too few to split"),
		refusedSetup("classify --test-frac 0.999 leaves no training row", with(base, "--test-frac", "0.999"), good,
			"--test-frac 0.999: {dir}/d.csv: class 0 has 10 rows, and round(0.999 x 10) = 10 of them would go to test, leaving none for training: lower --test-frac (0.95 or less"),
		refusedSetup("classify --test-frac 1", with(base, "--test-frac", "1"), good, "invalid --test-frac 1", "(0, 1)"),
		refusedSetup("classify --test-frac NaN", with(base, "--test-frac", "NaN"), good, "invalid --test-frac NaN"),
		refusedSetup("classify --max-drop -1", with(base, "--max-drop", "-1"), good, "invalid --max-drop -1", "[0, 100]"),
		refusedSetup("classify --slice-max-drop NaN", with(base, "--slice-max-drop", "NaN"), good, "invalid --slice-max-drop NaN"),
		refusedSetup("classify --latency-seconds -1", with(base, "--latency-seconds", "-1"), good, "invalid --latency-seconds -1", "[0, 60]"),
		refusedSetup("classify --max-rel-drop 200", with(base, "--max-rel-drop", "200"), good, "invalid --max-rel-drop 200", "percent of the baseline's accuracy"),
		refusedSetup("classify --max-memory-ratio 0", with(base, "--max-memory-ratio", "0"), good, "invalid --max-memory-ratio 0", "positive ratio"),
		refusedSetup("classify --max-latency-ratio without latency", with(base, "--max-latency-ratio", "2", "--latency-seconds", "0"), good,
			"invalid --max-latency-ratio 2", "needs latency measured"),
		refusedSetup("classify --eta 0", with(base, "--eta", "0"), good, "invalid --eta 0", "positive"),
		refusedSetup("classify --depth 1", with(base, "--depth", "1"), good, "invalid --depth 1", "must be in 2..1000"),
		refusedSetup("classify --momentum 1", with(base, "--momentum", "1"), good, "invalid --momentum 1", "[0, 1)"),
		refusedSetup("classify a test label not in training", with(base, "--test-data", "{dir}/t.csv"),
			files("d.csv", classifyCSV(30), "t.csv", "a,b,y\n1,2,0\n1,2,9\n"), "t.csv: row 1: label 9 is not a class of the training data"),
		refusedSetup("classify test data of other features", with(base, "--test-data", "{dir}/t.csv"),
			files("d.csv", classifyCSV(30), "t.csv", "a,y\n1,0\n"), "t.csv: 1 features, but the training data {dir}/d.csv has 2"),
		refusedSetup("classify test data with the columns in another order", with(base, "--test-data", "{dir}/t.csv"),
			files("d.csv", classifyCSV(30), "t.csv", "b,a,y\n1,2,0\n"), "invalid --test-data {dir}/t.csv: its feature columns b,a are not --data's a,b (same names in the same order)"),
		refusedSetup("classify a column named twice", with(base, "--data", "{dir}/dup.csv"),
			files("dup.csv", strings.Replace(classifyCSV(30), "a,b,y", "a,a,y", 1)), `dup.csv:1: the column "a" appears twice (columns 1 and 2)`),
	)
	// Issue 17 item 4: --perturb and --robust.
	addBadInputs(kindEmpty,
		refusedSetup("classify --perturb twice the same", with(base, "--perturb", "noise:snr=10,dropout:p=0.1,noise:snr=1e1"), good,
			"invalid --perturb noise:snr=10,dropout:p=0.1,noise:snr=1e1", `"noise:snr=10" and "noise:snr=1e1" are the same perturbation (noise:snr=10:seed=1)`),
		refusedSetup("classify --perturb with an empty item", with(base, "--perturb", "noise:snr=3,"), good, `invalid --perturb ""`, "empty perturbation"),
		refusedSetup("classify --perturb noise without snr", with(base, "--perturb", "noise"), good, "invalid --perturb noise", "noise needs snr=S"),
	)
	addBadInputs(kindNotApplying,
		refusedSetup("classify --robust without --perturb", with(base, "--robust"), good, "invalid --robust true", "needs --perturb"),
		refusedSetup("classify --perturb shift on features outside [0, 1]", with(base, "--perturb", "shift:brightness=0.1"), good,
			"invalid --perturb shift:brightness=0.1:contrast=1:seed=1", "pixel values in [0, 1]", "test features hold 2 (row 0, feature 1)"),
		refusedSetup("classify --perturb blur", with(base, "--perturb", "blur:r=2"), good, "invalid --perturb blur:r=2", `unknown perturbation "blur"`, "noise:snr=S, dropout:p=P or shift"),
		refusedSetup("classify --perturb noise with a p", with(base, "--perturb", "noise:p=0.1"), good, "invalid --perturb noise:p=0.1", `noise takes no key "p"`),
	)
	addBadInputs(kindOddNumbers,
		refusedSetup("classify --perturb noise:snr=0", with(base, "--perturb", "noise:snr=0"), good, "invalid --perturb noise:snr=0", "snr must be > 0"),
		refusedSetup("classify --perturb noise:snr=-3", with(base, "--perturb", "noise:snr=-3"), good, "invalid --perturb noise:snr=-3", "snr must be > 0"),
		refusedSetup("classify --perturb noise:snr=NaN", with(base, "--perturb", "noise:snr=NaN"), good, "invalid --perturb noise:snr=NaN", "not a finite number"),
		refusedSetup("classify --perturb dropout:p=1", with(base, "--perturb", "dropout:p=1"), good, "invalid --perturb dropout:p=1", "p must be in [0, 1)"),
		refusedSetup("classify --perturb dropout:p=-0.1", with(base, "--perturb", "dropout:p=-0.1"), good, "invalid --perturb dropout:p=-0.1", "p must be in [0, 1)"),
		refusedSetup("classify --perturb shift:contrast=0", with(base, "--perturb", "shift:contrast=0"), good, "invalid --perturb shift:contrast=0", "contrast must be in (0, 10]"),
		refusedSetup("classify --perturb seed not a number", with(base, "--perturb", "dropout:p=0.1:seed=-1"), good, "invalid --perturb dropout:p=0.1:seed=-1", `seed "-1"`),
	)
	// Standardisation: values whose standardisation overflows, and data
	// with no feature that varies in training, are refused before any
	// training (a verdict.json of +Inf could not be written).
	overflow := func() string {
		var b strings.Builder
		b.WriteString("a,b,y\n")
		for i := range 30 {
			a := "1.7e308"
			if i%3 == 2 {
				a = "-1.7e308"
			}
			fmt.Fprintf(&b, "%s,%d,%d\n", a, i%4, i%2)
		}
		return b.String()
	}()
	addBadInputs(kindOddNumbers,
		refusedSetup("classify features whose standardisation overflows", base, files("d.csv", overflow),
			"{dir}/d.csv: feature 0: its training values overflow standardisation"),
		refusedSetup("classify every feature constant", base, files("d.csv", strings.Repeat("a,b,y\n", 1)+strings.Repeat("1,2,0\n1,2,1\n", 15)),
			"{dir}/d.csv: every feature (2) is constant in the training split"),
	)
	// Size and time: bounds, the memory preflight and the time preflight
	// refuse before anything is trained or --out is made.
	addBadInputs(kindOddNumbers,
		refusedSetup("classify --width 1000000000", with(base, "--width", "1000000000"), good, "invalid --width 1000000000", "must be in 1..1048576"),
		refusedSetup("classify --depth 100000", with(base, "--depth", "100000"), good, "invalid --depth 100000", "must be in 2..1000"),
		refusedSetup("classify --epochs 1000000000000", with(base, "--epochs", "1000000000000"), good, "invalid --epochs 1000000000000", "must be in 1..1000000"),
		refusedSetup("classify --width beyond the memory", with(base, "--width", "1000000"), good, "invalid --width 1000000: the dln model would hold about", "TB in training"),
		refusedSetup("classify --epochs beyond --max-time", with(base, "--epochs", "1000000", "--max-time", "10s"), good,
			"invalid --max-time 10s: the verify is estimated to take", "original: ", "steps at", "--max-time 0"),
		refusedSetup("classify --max-time -1", with(base, "--max-time", "-1"), good, `lowdim verify: invalid value "-1" for flag --max-time: want a duration of at least 0`),
	)
	addBadInputs(kindNotApplying,
		refusedSetup("classify --test-data an npy pair beside a CSV --data", with(base, "--test-data", "{dir}/X.npy,{dir}/y.npy"), good,
			"invalid --test-data {dir}/X.npy,{dir}/y.npy: is an .npy pair but --data {dir}/d.csv is a .csv file: --test-data must be the same form as --data"),
		refusedSetup("verify --data without --task classify", []string{"verify", "--data", "{dir}/d.csv", "--label", "y", "--out", "{dir}/out"}, good,
			"invalid --data {dir}/d.csv: is a flag of lowdim verify --task classify", "add --task classify"),
	)
	// Error messages: the real bound, the labels file, the IDX magic, the
	// CSV's field counts, the flag of an npy pair.
	idxTest9 := func(t *testing.T, dir string) []string {
		img := filepath.Join(dir, "img")
		require.NoError(t, idx.WriteDir(img, idx.Synthetic(3, 4, 30, 9, 10, 1), false))
		require.NoError(t, os.WriteFile(filepath.Join(img, "t10k-labels-idx1-ubyte"), idx.Encode([]int{9}, []byte{0, 1, 2, 0, 1, 2, 0, 1, 9}), 0o644))
		return nil
	}
	idxBadMagic := func(t *testing.T, dir string) []string {
		img := filepath.Join(dir, "img")
		require.NoError(t, idx.WriteDir(img, idx.Synthetic(3, 4, 30, 9, 10, 1), false))
		require.NoError(t, os.WriteFile(filepath.Join(img, "train-labels-idx1-ubyte"), idx.Encode([]int{30, 2, 2, 2, 2}, make([]byte, 30*16)), 0o644))
		return nil
	}
	idxArgs := with(base[:3], "--data", "{dir}/img", "--r-hat", "2", "--width", "8", "--width2", "4", "--seeds", "2", "--epochs", "1", "--batch", "4", "--quiet", "--out", "{dir}/out")
	addBadInputs(kindOddNumbers,
		refusedSetup("classify --preset paper --width 16", []string{"verify", "--task", "classify", "--data", "{dir}/d.csv", "--label", "y", "--preset", "paper", "--width", "16", "--quiet", "--out", "{dir}/out"}, good,
			"invalid --width 16: is below width 32 of --preset paper's --r-hat 32,64", "give --r-hat too"),
		refusedSetup("classify --batch 0", with(base, "--batch", "0"), good, "invalid --batch 0: must be at least 1"),
		refusedSetup("classify an IDX test label not in training", idxArgs, idxTest9,
			"{dir}/img/t10k-labels-idx1-ubyte: row 8: label 9 is not a class of the training data"),
		refusedSetup("classify an IDX labels file of another magic", idxArgs, idxBadMagic,
			"{dir}/img/train-labels-idx1-ubyte: not an IDX file of unsigned bytes in 1 dimension(s) (magic 0x00000805, want 0x00000801)"),
		refusedSetup("classify a CSV row of too few fields", base, files("d.csv", "a,b,y\n1,2,0\n1,2\n"),
			"{dir}/d.csv:3: 2 fields, but the header has 3 (a,b,y)"),
		refusedSetup("classify a missing npy pair", npyBase, nil,
			"invalid --data {dir}/X.npy,{dir}/y.npy: open {dir}/X.npy: no such file or directory"),
	)
	addBadInputs(kindOutput,
		refusedSetup("classify --out holding --data", with(base, "--out", "{dir}"), good, "invalid --out {dir}", "holds --data {dir}/d.csv"),
	)
}
