package classify

import (
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/idx"
	"github.com/lowdim/lowdim/npy"
)

// MaxClasses is the largest number of classes a Set holds (labels are
// stored as bytes, as package mlp reads them).
const MaxClasses = 256

// Table is a data source as read, before classes are numbered: N rows of
// Features values (X, row-major, N*Features) and their integer labels.
type Table struct {
	N, Features int
	X           []float64
	Labels      []int64
	// Source names the file(s) in errors and on stdout; LabelSource the
	// file of the labels where it is another (an IDX folder's labels
	// file; "": Source).
	Source, LabelSource string
	// Columns are the feature columns' names in order, from a CSV's
	// header (nil for other sources): a test split's must be the same.
	Columns []string
}

// Source is what a --data (or --test-data) value names: one table, or an
// IDX folder's train and test splits.
type Source struct {
	Train *Table
	// Test is the IDX folder's test split; nil for a single table.
	Test *Table
}

// Read reads the data source src given to the flag named flagName:
//
//   - "X.npy,y.npy": X of shape (n, features), any numeric dtype, finite;
//     y of shape (n,), integer values;
//   - a .csv file with a header line naming its columns, label the name of
//     the label column (integer values), every other column a finite
//     number; lines starting with # are comments;
//   - a folder of IDX files as idx.LoadDir reads them (train and test
//     splits; pixels p enter as p/255).
//
// label must be empty except for a CSV. Errors are *config.ConfigError
// (naming the flag and value) or *config.InputError (naming the file,
// line or row, column and value). It allocates the table once, plus the
// file's bytes for .npy and IDX.
func Read(flagName, src, label string) (*Source, error) {
	if src == "" {
		return nil, config.Bad(flagName, `""`, "empty: want X.npy,y.npy, a .csv file or an IDX folder")
	}
	if x, y, ok := strings.Cut(src, ","); ok {
		if label != "" {
			return nil, config.Bad("label", label, "applies to a CSV source, not the .npy pair %s", src)
		}
		if strings.Contains(y, ",") || !strings.EqualFold(filepath.Ext(x), ".npy") || !strings.EqualFold(filepath.Ext(y), ".npy") {
			return nil, config.Bad(flagName, src, "a pair must be two .npy files, X.npy,y.npy")
		}
		t, err := readNpyPair(x, y)
		if err != nil {
			return nil, config.Bad(flagName, src, "%v", unwrapInput(err))
		}
		return &Source{Train: t}, nil
	}
	st, err := os.Stat(src)
	if err != nil {
		return nil, config.Bad(flagName, src, "%v", errors.Unwrap(err))
	}
	if st.IsDir() {
		if label != "" {
			return nil, config.Bad("label", label, "applies to a CSV source, not the IDX folder %s", src)
		}
		return readIDX(src)
	}
	if !strings.EqualFold(filepath.Ext(src), ".csv") {
		return nil, config.Bad(flagName, src, "unknown source: want X.npy,y.npy, a .csv file or an IDX folder")
	}
	if label == "" {
		return nil, config.Bad("label", `""`, "a CSV source (%s) needs --label, the name of its label column", src)
	}
	t, err := readCSV(src, label)
	if err != nil {
		return nil, err
	}
	return &Source{Train: t}, nil
}

// unwrapInput returns the error a *config.InputError wraps (err itself
// otherwise), to be named under a flag.
func unwrapInput(err error) error {
	var ie *config.InputError
	if errors.As(err, &ie) && ie.Err != nil {
		return ie.Err
	}
	return err
}

func inputf(format string, args ...any) error {
	return config.Input(fmt.Errorf(format, args...))
}

// readNpyPair reads X.npy and y.npy.
func readNpyPair(xPath, yPath string) (*Table, error) {
	xa, err := npy.ReadFile(xPath)
	if err != nil {
		return nil, config.Input(err)
	}
	if err := checkXShape(xPath, xa); err != nil {
		return nil, err
	}
	ya, err := npy.ReadFile(yPath)
	if err != nil {
		return nil, config.Input(err)
	}
	n, f := xa.Shape[0], xa.Shape[1]
	if len(ya.Shape) != 1 || ya.Shape[0] != n {
		return nil, inputf("%s: shape %v: y must have shape (%d,), one label per row of %s", yPath, ya.Shape, n, xPath)
	}
	if err := checkXFinite(xPath, xa); err != nil {
		return nil, err
	}
	labels := make([]int64, n)
	for i, v := range ya.Data {
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return nil, inputf("%s: row %d: label %v is not an integer", yPath, i, v)
		}
		labels[i] = int64(v)
	}
	return &Table{N: n, Features: f, X: xa.Data, Labels: labels, Source: xPath + "," + yPath}, nil
}

// checkXShape returns a *config.InputError naming path when xa, an X.npy,
// is not of shape (n, features) with n and features at least 1.
func checkXShape(path string, xa *npy.Array) error {
	if len(xa.Shape) != 2 || xa.Shape[0] < 1 || xa.Shape[1] < 1 {
		return inputf("%s: shape %v: X must have shape (n, features), n and features at least 1", path, xa.Shape)
	}
	return nil
}

// checkXFinite returns a *config.InputError naming path, the row, the
// feature and the value at the first value of xa (an X.npy of checkXShape's
// shape) that is not a finite number.
func checkXFinite(path string, xa *npy.Array) error {
	f := xa.Shape[1]
	for i, v := range xa.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return inputf("%s: row %d, feature %d: value %v is not a finite number", path, i/f, i%f, v)
		}
	}
	return nil
}

// readIDX reads an IDX folder's two splits, pixels scaled to [0, 1],
// after checkIDXMagic.
func readIDX(dir string) (*Source, error) {
	if err := checkIDXMagic(dir, idxFiles[:]); err != nil {
		return nil, err
	}
	set, err := idx.LoadDir(dir)
	if err != nil {
		return nil, config.Input(err)
	}
	return &Source{Train: idxTable(&set.Train), Test: idxTable(&set.Test)}, nil
}

// idxFile is one file of an IDX folder: its base name (idx.LoadDir's) and
// its magic number (unsigned bytes, 3 dimensions for images, 1 for
// labels).
type idxFile struct {
	base  string
	magic uint32
}

// idxFiles are the train split's images and labels, then the test
// split's.
var idxFiles = [4]idxFile{
	{"train-images-idx3-ubyte", 0x803}, {"train-labels-idx1-ubyte", 0x801},
	{"t10k-images-idx3-ubyte", 0x803}, {"t10k-labels-idx1-ubyte", 0x801},
}

// idxPath returns the first existing spelling of base in dir as
// idx.LoadDir looks for it (base, with ".gz", with "-idx" written
// ".idx"), "" when none exists.
func idxPath(dir, base string) string {
	dotted := strings.Replace(base, "-idx", ".idx", 1)
	for _, name := range []string{base + ".gz", base, dotted + ".gz", dotted} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// checkIDXMagic reads the first 4 bytes (after gunzip for .gz) of each
// file of files present in dir and returns a *config.InputError naming
// the file when they are not its magic number, before any dimension is
// read from a file that is not what its name says.
func checkIDXMagic(dir string, files []idxFile) error {
	for _, f := range files {
		p := idxPath(dir, f.base)
		if p == "" {
			continue // idx.LoadDir names a missing file
		}
		fh, err := os.Open(p)
		if err != nil {
			return config.Input(err)
		}
		var r io.Reader = fh
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(fh)
			if err != nil {
				fh.Close()
				return inputf("%s: not a gzip file: %v", p, err)
			}
			r = zr
		}
		var b [4]byte
		_, err = io.ReadFull(r, b[:])
		fh.Close()
		if err != nil {
			return inputf("%s: not an IDX file: %v reading its 4-byte magic number", p, err)
		}
		if got := binary.BigEndian.Uint32(b[:]); got != f.magic {
			return inputf("%s: not an IDX file of unsigned bytes in %d dimension(s) (magic 0x%08x, want 0x%08x)", p, f.magic&0xff, got, f.magic)
		}
	}
	return nil
}

// readIDXTest reads an IDX folder's test split only (the t10k files; the
// train files need not exist), pixels scaled to [0, 1].
func readIDXTest(dir string) (*Table, error) {
	if err := checkIDXMagic(dir, idxFiles[2:]); err != nil {
		return nil, err
	}
	var paths [2]string
	for i, f := range idxFiles[2:] {
		if paths[i] = idxPath(dir, f.base); paths[i] == "" {
			return nil, inputf("%s: no %s file (nor .gz, nor %s): an IDX folder's test split", dir, f.base, strings.Replace(f.base, "-idx", ".idx", 1))
		}
	}
	im, err := idx.ReadFile(paths[0])
	if err != nil {
		return nil, config.Input(err)
	}
	lb, err := idx.ReadFile(paths[1])
	if err != nil {
		return nil, config.Input(err)
	}
	if len(lb.Dims) != 1 || lb.Dims[0] != im.Dims[0] {
		return nil, inputf("%s: %d labels for %d images in %s", paths[1], lb.Dims[0], im.Dims[0], paths[0])
	}
	sp := idx.Split{N: im.Dims[0], Rows: im.Dims[1], Cols: im.Dims[2], Images: im.Data, Labels: lb.Data, ImageFile: paths[0], LabelFile: paths[1]}
	return idxTable(&sp), nil
}

// idxTable converts an IDX split to a table, pixels p to p/255.
func idxTable(s *idx.Split) *Table {
	f := s.Pixels()
	t := &Table{N: s.N, Features: f, X: make([]float64, s.N*f), Labels: make([]int64, s.N), Source: s.ImageFile, LabelSource: s.LabelFile}
	for i, p := range s.Images {
		t.X[i] = float64(p) / 255
	}
	for i, l := range s.Labels {
		t.Labels[i] = int64(l)
	}
	return t
}

// readCSV reads a CSV with a header line and a label column (label "":
// none, every column a feature).
func readCSV(path, label string) (*Table, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, config.Input(err)
	}
	defer fh.Close()
	cr := csv.NewReader(fh)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // counted below, to say expected and actual
	header, err := cr.Read()
	if err == io.EOF {
		return nil, inputf("%s: no header line: the file is empty", path)
	}
	if err != nil {
		return nil, inputf("%s: %v", path, err)
	}
	names := make([]string, len(header))
	col := -1
	first := map[string]int{}
	for j, h := range header {
		names[j] = strings.TrimSpace(h)
		if k, dup := first[names[j]]; dup && names[j] != label {
			return nil, inputf("%s:1: the column %q appears twice (columns %d and %d): columns are told apart by name", path, names[j], k+1, j+1)
		}
		first[names[j]] = j
		if label != "" && names[j] == label {
			if col >= 0 {
				return nil, inputf("%s:1: the label column %q appears twice (columns %d and %d)", path, label, col+1, j+1)
			}
			col = j
		}
	}
	if col < 0 && label != "" {
		return nil, config.Bad("label", label, "no such column in the header of %s (columns: %s)", path, strings.Join(names, ", "))
	}
	if col >= 0 && len(header) < 2 {
		return nil, inputf("%s:1: the header names only the label column %q: no feature", path, label)
	}
	t := &Table{Features: len(header), Source: path}
	if col >= 0 {
		t.Features--
	}
	for j, n := range names {
		if j != col {
			t.Columns = append(t.Columns, n)
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, inputf("%s: %v", path, err) // csv.ParseError names the line
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, inputf("%s:%d: %d fields, but the header has %d (%s)", path, line, len(rec), len(header), strings.Join(names, ","))
		}
		for j, cell := range rec {
			cell = strings.TrimSpace(cell)
			if j == col {
				l, ok := parseLabel(cell)
				if !ok {
					return nil, inputf("%s:%d: label %q (column %q) is not an integer", path, line, cell, label)
				}
				t.Labels = append(t.Labels, l)
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, inputf("%s:%d: column %q: value %q is not a finite number", path, line, names[j], cell)
			}
			t.X = append(t.X, v)
		}
		t.N++
	}
	if t.N == 0 {
		return nil, inputf("%s: no data rows after the header", path)
	}
	return t, nil
}

// ReadPredict reads the data source src given to the flag named flagName
// for prediction, where labels are optional: the forms of Read, and also a
// single X.npy (no labels) and a CSV without --label (label "": every
// column a feature); of an IDX folder it returns the test split. Labels
// is nil when the source has none. Errors are Read's.
func ReadPredict(flagName, src, label string) (*Table, error) {
	if src == "" {
		return nil, config.Bad(flagName, `""`, "empty: want X.npy, X.npy,y.npy, a .csv file or an IDX folder")
	}
	if !strings.Contains(src, ",") && strings.EqualFold(filepath.Ext(src), ".npy") {
		if label != "" {
			return nil, config.Bad("label", label, "applies to a CSV source, not the .npy file %s", src)
		}
		xa, err := npy.ReadFile(src)
		if err != nil {
			return nil, config.Bad(flagName, src, "%v", err)
		}
		if err := checkXShape(src, xa); err != nil {
			return nil, err
		}
		if err := checkXFinite(src, xa); err != nil {
			return nil, err
		}
		return &Table{N: xa.Shape[0], Features: xa.Shape[1], X: xa.Data, Source: src}, nil
	}
	if st, err := os.Stat(src); err == nil && !st.IsDir() && strings.EqualFold(filepath.Ext(src), ".csv") && label == "" {
		return readCSV(src, "")
	} else if err == nil && st.IsDir() && label == "" {
		return readIDXTest(src) // the test split only: the train files need not exist
	}
	s, err := Read(flagName, src, label)
	if err != nil {
		return nil, err
	}
	if s.Test != nil {
		return s.Test, nil
	}
	return s.Train, nil
}

// parseLabel parses an integer label; "3.0" is the integer 3.
func parseLabel(s string) (int64, bool) {
	if l, err := strconv.ParseInt(s, 10, 64); err == nil {
		return l, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, false
	}
	return int64(v), true
}

// labels names the file of t's labels.
func (t *Table) labels() string {
	if t.LabelSource != "" {
		return t.LabelSource
	}
	return t.Source
}

// Set is a split ready to train on: N rows of Features float64 values
// (X, row-major) and labels Y, class indices below Classes.
type Set struct {
	// Source names the file(s) the rows came from, in errors.
	Source               string
	N, Features, Classes int
	X                    []float64
	Y                    []byte
}

// Row returns row i of s (s's storage).
func (s *Set) Row(i int) []float64 { return s.X[i*s.Features : (i+1)*s.Features] }

// Classes returns the sorted distinct labels of t: class i is label
// names[i]. It returns an error naming t's source when t has fewer than 2
// or more than MaxClasses labels.
func Classes(t *Table) ([]int64, error) {
	names := slices.Clone(t.Labels)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) < 2 {
		return nil, inputf("%s: %d class (label %v): need at least 2", t.labels(), len(names), names)
	}
	if len(names) > MaxClasses {
		return nil, inputf("%s: %d distinct labels, more than the %d classes lowdim handles", t.labels(), len(names), MaxClasses)
	}
	return names, nil
}

// Numbered returns the rows of t with their labels numbered by names
// (Classes of the training table). A label not in names is an error naming
// t's source, the row and the label. rows selects rows, copied (nil: all
// of them, and the Set shares t.X rather than copying it: a data set of
// 60000 x 784 features is 376 MB, held once; changing the Set, as
// Standardize does, changes t).
func Numbered(t *Table, names []int64, rows []int) (*Set, error) {
	share := rows == nil
	if share {
		rows = make([]int, t.N)
		for i := range rows {
			rows[i] = i
		}
	}
	s := &Set{Source: t.Source, N: len(rows), Features: t.Features, Classes: len(names), Y: make([]byte, len(rows))}
	if share {
		s.X = t.X
	} else {
		s.X = make([]float64, len(rows)*t.Features)
	}
	for k, i := range rows {
		c, ok := slices.BinarySearch(names, t.Labels[i])
		if !ok {
			return nil, inputf("%s: row %d: label %d is not a class of the training data (%v)", t.labels(), i, t.Labels[i], names)
		}
		s.Y[k] = byte(c)
		if !share {
			copy(s.X[k*t.Features:], t.X[i*t.Features:(i+1)*t.Features])
		}
	}
	return s, nil
}

// Scaling is the per-feature standardisation of the training split.
type Scaling struct {
	Mean []float64 `json:"mean"`
	// Std is the population standard deviation. A feature constant in
	// training has Std 0 and is ignored: it is set to 0 after
	// standardisation in every split (what every training row of it
	// standardises to), so that the weights, which never saw it vary, see
	// nothing on other rows either.
	Std []float64 `json:"std"`
	// Ignored are the indices of the features constant in training (Std
	// 0), in order; empty when there is none.
	Ignored []int `json:"ignored_features"`
}

// Standardize computes the training split's per-feature mean and
// standard deviation and maps every feature x of train and of each test
// split in place to (x - mean)/std, and to 0 where std is 0 (a feature
// constant in training is ignored: Scaling.Ignored). The sums are taken
// without overflow (the mean as the sum of x/N, the standard deviation
// scaled by the largest |x - mean|). It returns a *config.InputError
// naming the split's Source, the feature and the value when every feature
// is constant in training, or when a mean, a standard deviation or a
// standardised value is not a finite number (features near ±1.8e308);
// the sets may then be partly standardised.
func Standardize(train *Set, tests ...*Set) (Scaling, error) {
	f := train.Features
	sc := Scaling{Mean: make([]float64, f), Std: make([]float64, f), Ignored: []int{}}
	n := float64(train.N)
	for i := range train.N {
		for j, v := range train.Row(i) {
			sc.Mean[j] += v / n
		}
	}
	// A feature is constant when every value equals the first row's (the
	// sum of x/N need not give that value back exactly).
	constant := make([]bool, f)
	for j := range f {
		constant[j] = true
	}
	for i := 1; i < train.N; i++ {
		for j, v := range train.Row(i) {
			constant[j] = constant[j] && v == train.X[j]
		}
	}
	big := make([]float64, f) // the largest |x - mean| of each feature
	for j := range f {
		if constant[j] {
			sc.Mean[j] = train.X[j]
		}
	}
	for i := range train.N {
		for j, v := range train.Row(i) {
			if !constant[j] {
				big[j] = max(big[j], math.Abs(v-sc.Mean[j]))
			}
		}
	}
	for j, m := range sc.Mean {
		if math.IsInf(m, 0) || math.IsNaN(m) || math.IsInf(big[j], 0) {
			return sc, inputf("%s: feature %d: its training values overflow standardisation (mean %v, a value %v from it): scale the data (values up to about 1e300 standardise)", train.Source, j, m, big[j])
		}
	}
	for i := range train.N {
		for j, v := range train.Row(i) {
			if big[j] > 0 {
				e := (v - sc.Mean[j]) / big[j]
				sc.Std[j] += e * e
			}
		}
	}
	for j := range sc.Std {
		sc.Std[j] = big[j] * math.Sqrt(sc.Std[j]/n)
		if sc.Std[j] == 0 {
			sc.Ignored = append(sc.Ignored, j)
		}
	}
	if len(sc.Ignored) == f {
		return sc, inputf("%s: every feature (%d) is constant in the training split: nothing to learn from", train.Source, f)
	}
	for _, s := range append([]*Set{train}, tests...) {
		for i := range s.N {
			row := s.Row(i)
			for j := range row {
				if sc.Std[j] == 0 {
					row[j] = 0
					continue
				}
				x := (row[j] - sc.Mean[j]) / sc.Std[j]
				if math.IsInf(x, 0) || math.IsNaN(x) {
					return sc, inputf("%s: row %d, feature %d: value %v standardises to %v (training mean %v, standard deviation %v): not a finite number", s.Source, i, j, row[j], x, sc.Mean[j], sc.Std[j])
				}
				row[j] = x
			}
		}
	}
	return sc, nil
}
