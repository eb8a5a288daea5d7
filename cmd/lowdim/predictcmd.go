package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lowdim/lowdim/atomicfile"
	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/model"
)

const predictUsage = `Usage: lowdim predict --model DIR --entries FILE [--out FILE] [--zero-based]

Writes the values that a saved model (the folder --save-model wrote) predicts
at the (row, col) positions listed in FILE: a header line "row,col,value",
then one line per position, in FILE's order, with the indices as FILE gave
them and the value in the data's units (any centering the model was trained
with added back), printed so that it reads back exactly.

The model folder is loaded and validated in full first (manifest, checksums,
shapes, finite values), then FILE is read and every index checked against the
model's m x n size, then --out is checked writable: nothing is computed before
all of that passes. A prediction costs one dot product of the model's first
width r_1, after W_L ... W_2 (m x r_1) is formed once; the m x n product is
never formed.

FILE has one position per line: "row,col", separated by commas, tabs,
semicolons or spaces; further fields are ignored (an entry list
row,col,value reads as its positions); a first line without numbers is a
header; blank lines and lines starting with '#' are skipped. Indices are
1-based unless --zero-based. A position may be listed more than once.

Exit codes: 0 ok; 2 usage or input error (a flag, the model folder, FILE, an
unwritable --out; the message names the flag, the file, the line and the
value); 3 an internal failure (the predictions could not be written).

Flags:
`

func cmdPredict(args []string, stdout, stderr io.Writer) int {
	if flagArg(args, "data") != "" || isMLPModel(flagArg(args, "model")) {
		return cmdPredictMLP(args, stdout, stderr) // an MLP (classifymodel.go)
	}
	fs := flag.NewFlagSet("lowdim predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, predictUsage); fs.PrintDefaults() }
	dir := fs.String("model", "", "the model folder that --save-model wrote (required)")
	entries := fs.String("entries", "", "the file of (row, col) positions to predict (required)")
	out := fs.String("out", "", "file to write the predictions to, atomically (default stdout)")
	zeroBased := fs.Bool("zero-based", false, "the indices of --entries (and of the output) count from 0, not 1")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	const cmd = "lowdim predict"
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return failWith(stderr, cmd, config.Input(fmt.Errorf("unexpected argument %q (every input is a flag: --model, --entries)", fs.Arg(0))))
	case *dir == "":
		return failWith(stderr, cmd, config.Bad("model", `""`, "--model is required: the folder that --save-model wrote"))
	case *entries == "":
		return failWith(stderr, cmd, config.Bad("entries", `""`, "--entries is required: a file of row,col positions"))
	case set["out"] && *out == "":
		return failWith(stderr, cmd, badOut(*out, "the output file must not be empty (leave --out out for stdout)"))
	}

	m, err := model.Load(*dir)
	if err != nil {
		return failWith(stderr, cmd, config.Bad("model", *dir, "%v%s", err, modelFolderHint(*dir)))
	}
	rows, cols := m.Dims()
	opts := matfile.PairsOptions{Index: matfile.IndexOne, M: rows, N: cols}
	if *zeroBased {
		opts.Index = matfile.IndexZero
	}
	pairs, err := matfile.ReadPairs(*entries, opts)
	if err != nil {
		return failWith(stderr, cmd, config.Bad("entries", *entries, "%s", entriesWhy(err, *zeroBased, rows, cols)))
	}
	if err := checkOutFile(*out, false); err != nil {
		return failWith(stderr, cmd, err)
	}
	if *out != "" && sameFile(*out, *entries) {
		return failWith(stderr, cmd, badOut(*out, "is --entries %s: the predictions would replace the positions they are read from; give another file", *entries))
	}

	values := make([]float64, pairs.Len())
	if err := m.Predict(pairs.Row, pairs.Col, values); err != nil {
		return failWith(stderr, cmd, fmt.Errorf("predicting: %w", err))
	}
	base := 1
	if *zeroBased {
		base = 0
	}
	write := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.WriteString("row,col,value\n")
		var buf []byte
		for t, v := range values {
			buf = strconv.AppendInt(buf[:0], int64(pairs.Row[t]+base), 10)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(pairs.Col[t]+base), 10)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
			buf = append(buf, '\n')
			bw.Write(buf)
		}
		return bw.Flush()
	}
	if *out == "" {
		if err := write(stdout); err != nil {
			return failWith(stderr, cmd, fmt.Errorf("writing the predictions: %w", err))
		}
		return exitOK
	}
	if err := atomicfile.Write(*out, write); err != nil {
		return failWith(stderr, cmd, err)
	}
	fmt.Fprintf(stdout, "wrote %d predictions to %s (model %s: %s, %d x %d)\n", len(values), *out, *dir, cmp.Or(m.Method, "unnamed method"), rows, cols)
	return exitOK
}

// entriesWhy says what is wrong with --entries: a *matfile.Error as its
// line and field (the flag names the file), with a hint where the index
// base is the likely cause and the model's size where an index is beyond
// it; any other error (the file cannot be opened) as it is.
func entriesWhy(err error, zeroBased bool, rows, cols int) string {
	var me *matfile.Error
	if !errors.As(err, &me) {
		return err.Error()
	}
	var b strings.Builder
	if me.Line > 0 {
		fmt.Fprintf(&b, "line %d", me.Line)
		if me.Col > 0 {
			fmt.Fprintf(&b, ", field %d", me.Col)
		}
		b.WriteString(": ")
	}
	b.WriteString(me.Msg)
	switch {
	case !zeroBased && strings.Contains(me.Msg, "index 0 in a file declared 1-based"):
		b.WriteString(" (--zero-based reads 0-based indices)")
	case strings.Contains(me.Msg, "beyond the matrix"):
		fmt.Fprintf(&b, "; the model is %d x %d", rows, cols)
	}
	if me.Err != nil {
		b.WriteString(": " + me.Err.Error())
	}
	return b.String()
}

// sameFile reports whether the paths a and b name one existing file
// (through links too).
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// modelFolderHint says, when dir has no manifest but is a --save-model
// folder (its models.json lists model folders) or holds such folders (a
// preset's, one per workload), which folders --model can name; "" otherwise.
// It reads at most the models.json files of dir and of its subfolders.
func modelFolderHint(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, model.ManifestFile)); !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	var folders []string
	list := func(d string) bool {
		b, err := os.ReadFile(filepath.Join(d, modelsIndex))
		if err != nil {
			return false
		}
		var idx modelsFile
		if json.Unmarshal(b, &idx) != nil {
			return false
		}
		for _, e := range idx.Models {
			if e.Folder != "" {
				folders = append(folders, filepath.Join(d, e.Folder))
			}
		}
		return true
	}
	if list(dir) {
		if len(folders) == 0 {
			return fmt.Sprintf("; %s is a --save-model folder whose %s lists no saved model", dir, modelsIndex)
		}
		return fmt.Sprintf("; %s is a --save-model folder: give one of its models, %s", dir, strings.Join(folders, ", "))
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if e.IsDir() {
			list(filepath.Join(dir, e.Name()))
		}
	}
	if len(folders) == 0 {
		return ""
	}
	return fmt.Sprintf("; %s holds the --save-model folders of a preset's runs: give one model, %s", dir, strings.Join(folders, ", "))
}
