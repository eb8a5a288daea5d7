package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Format constants of the manifest.
const (
	// FormatName is the manifest's "format".
	FormatName = "lowdim-model"
	// FormatVersion is the manifest's "version" that Save writes and the
	// highest that Load reads.
	FormatVersion = 1
	// KindDeepLinear is a deep linear network: the end-to-end matrix is the
	// product of the layers, W_L ... W_1.
	KindDeepLinear = "deep-linear"
)

// CenteringKind is the mean subtracted from the data before training.
type CenteringKind string

// The centering kinds. The empty kind means CenterNone.
const (
	CenterNone    CenteringKind = "none"
	CenterGlobal  CenteringKind = "global"  // one mean of all observed entries
	CenterRows    CenteringKind = "rows"    // a mean per row (m values)
	CenterColumns CenteringKind = "columns" // a mean per column (n values)
)

// Centering is the mean subtracted from the data before training, which
// Product and Predict add back so that their values are in the data's units.
type Centering struct {
	// Kind is the centering; "" means CenterNone.
	Kind CenteringKind
	// Means are the means subtracted: nil for CenterNone, 1 value for
	// CenterGlobal, m (Means[i] of row i) for CenterRows, n (Means[j] of
	// column j) for CenterColumns.
	Means []float64
}

// Training is how training ended.
type Training struct {
	// Status is the run's status ("converged", "budget", "diverged at step
	// ...").
	Status string `json:"status"`
	// Message says more, for a person; may be empty.
	Message string `json:"message"`
	// Stopping is the stopping rule training was run to, in words
	// ("loss <= 1e-10 x initial, validation patience 20 checkpoints of 50
	// steps"): a verify's rules on a user's target are not in the
	// configuration, whose tol is then 0; "" when not recorded.
	Stopping string `json:"stopping,omitempty"`
	// Steps is the number of steps taken, and SelectedStep the step whose
	// weights the model holds when early stopping set them back to its
	// lowest validation error (nil: the last step's); Steps is nil when
	// not recorded.
	Steps        *int `json:"steps"`
	SelectedStep *int `json:"selected_step"`
}

// Errors are the errors measured on the trained network. A nil field was not
// measured (null in the manifest), never 0 in its place.
type Errors struct {
	// Recovery is ||W - Phi||_F / ||Phi||_F.
	Recovery *float64 `json:"recovery"`
	// HeldOut is the relative error on the held-out entries.
	HeldOut *float64 `json:"held_out"`
	// RMSE is the root mean squared error on the held-out entries, in the
	// data's units.
	RMSE *float64 `json:"rmse"`
}

// Source is a file an instance was read from.
type Source struct {
	// File is the file's name as the user gave it.
	File string `json:"file"`
	// SHA256 is the SHA-256 of the file's bytes, 64 lowercase hex digits.
	SHA256 string `json:"sha256"`
}

// Model is a trained deep linear network and what is known about how it was
// trained. Save and Load read and write it; nothing in the package modifies
// a Model it is given.
type Model struct {
	// Kind is the model's kind; "" means KindDeepLinear, the only kind.
	Kind string
	// Layers are W_1 (r_1 x n), applied first, to W_L (m x r_{L-1}); at
	// least one, each r_l x r_{l-1}, with finite values.
	Layers []*mat.Dense
	// Centering is the mean subtracted from the data; the zero value is none.
	Centering Centering
	// Method is the method's name ("compressed", "original", ...).
	Method string
	// Width is the method's width r_hat; 0 when it has none.
	Width int
	// Config is the run's configuration, a JSON object, stored as is; nil
	// writes null.
	Config json.RawMessage
	// ConfigHash is the configuration's hash (config.Hash).
	ConfigHash string
	// Training is how training ended.
	Training Training
	// Errors are the measured errors; nil fields were not measured.
	Errors Errors
	// Sources are the files the instance was read from; none for a
	// generated instance.
	Sources []Source
	// LowdimVersion is the lowdim that trained the model; Save writes
	// machine.Read().Version when it is empty.
	LowdimVersion string
}

// Dims returns the size m x n of the end-to-end matrix: the last layer's
// rows and the first layer's columns. It panics if m has no layers.
func (m *Model) Dims() (rows, cols int) {
	rows, _ = m.Layers[len(m.Layers)-1].Dims()
	_, cols = m.Layers[0].Dims()
	return rows, cols
}

// Parameters returns the number of weights, the sum of the layers' sizes.
func (m *Model) Parameters() int {
	n := 0
	for _, w := range m.Layers {
		r, c := w.Dims()
		n += r * c
	}
	return n
}

// Validate returns an error unless m can be saved: a known kind, at least one
// layer, shapes that chain (layer l has as many columns as layer l-1 has
// rows), finite weights, means of the length the centering needs and finite,
// a configuration that is a JSON object or absent, errors that are finite
// and non-negative when present, and sources with a file name and a SHA-256
// of 64 lowercase hex digits. Errors name the layer (1-based, as W_l) or the
// field and the value.
func (m *Model) Validate() error {
	if m.Kind != "" && m.Kind != KindDeepLinear {
		return fmt.Errorf("kind %q is not supported (this lowdim writes %q)", m.Kind, KindDeepLinear)
	}
	if len(m.Layers) == 0 {
		return fmt.Errorf("no layers")
	}
	for l, w := range m.Layers {
		if w == nil || w.IsEmpty() {
			return fmt.Errorf("layer %d (W_%d) is empty", l+1, l+1)
		}
		r, c := w.Dims()
		if l > 0 {
			if pr, _ := m.Layers[l-1].Dims(); c != pr {
				return fmt.Errorf("layer %d (W_%d) is %d x %d but layer %d has %d rows: the shapes do not chain (W_%d must have %d columns)", l+1, l+1, r, c, l, pr, l+1, pr)
			}
		}
		for i := range r {
			for j := range c {
				if v := w.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("layer %d (W_%d): element (%d, %d) is %v", l+1, l+1, i, j, v)
				}
			}
		}
	}
	rows, cols := m.Dims()
	if err := m.Centering.check(rows, cols); err != nil {
		return err
	}
	if m.Width < 0 {
		return fmt.Errorf("width %d is negative", m.Width)
	}
	if err := checkConfig(m.Config); err != nil {
		return err
	}
	for _, e := range []struct {
		name string
		v    *float64
	}{{"recovery", m.Errors.Recovery}, {"held_out", m.Errors.HeldOut}, {"rmse", m.Errors.RMSE}} {
		if e.v != nil && !(*e.v >= 0 && !math.IsInf(*e.v, 0)) {
			return fmt.Errorf("error %s = %v: want a finite value >= 0 (nil when not measured)", e.name, *e.v)
		}
	}
	for i, s := range m.Sources {
		if s.File == "" {
			return fmt.Errorf("source %d has no file name", i+1)
		}
		if !isSHA256(s.SHA256) {
			return fmt.Errorf("source %d (%s): sha256 %q is not 64 lowercase hex digits", i+1, s.File, s.SHA256)
		}
	}
	return nil
}

// kind returns c's kind, "" read as CenterNone.
func (c Centering) kind() CenteringKind {
	if c.Kind == "" {
		return CenterNone
	}
	return c.Kind
}

// meansShape returns the shape of the means array of kind k for an m x n
// model (the shape that broadcasts onto the product), and false for an
// unknown kind.
func meansShape(k CenteringKind, m, n int) ([]int, bool) {
	switch k {
	case CenterNone:
		return nil, true
	case CenterGlobal:
		return []int{1, 1}, true
	case CenterRows:
		return []int{m, 1}, true
	case CenterColumns:
		return []int{1, n}, true
	}
	return nil, false
}

// check returns an error unless c is a known kind with as many finite means
// as it needs for an m x n model.
func (c Centering) check(m, n int) error {
	shape, ok := meansShape(c.kind(), m, n)
	if !ok {
		return fmt.Errorf("centering %q is not one of none, global, rows, columns", c.Kind)
	}
	want := 0
	if shape != nil {
		want = shape[0] * shape[1]
	}
	if len(c.Means) != want {
		return fmt.Errorf("centering %s has %d means, want %d (model %d x %d)", c.kind(), len(c.Means), want, m, n)
	}
	for i, v := range c.Means {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("centering %s: mean %d is %v", c.kind(), i, v)
		}
	}
	return nil
}

// mean returns the mean added back at entry (i, j).
func (c Centering) mean(i, j int) float64 {
	switch c.kind() {
	case CenterGlobal:
		return c.Means[0]
	case CenterRows:
		return c.Means[i]
	case CenterColumns:
		return c.Means[j]
	}
	return 0
}

// checkConfig returns an error unless raw is empty, null or a JSON object.
func checkConfig(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("config is not valid JSON: %v", err)
	}
	if _, ok := v.(map[string]any); !ok && v != nil {
		return fmt.Errorf("config is a JSON %T, want an object", v)
	}
	return nil
}

// isSHA256 reports whether s is 64 lowercase hex digits.
func isSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// SourceOf returns the Source of the file at path: path as given and the
// SHA-256 of its bytes, read once in a stream (memory O(1)). Errors are
// os's, which name path.
func SourceOf(path string) (Source, error) {
	sum, err := FileSHA256(path)
	return Source{File: path, SHA256: sum}, err
}

// FileSHA256 returns the SHA-256 of the bytes of the file at path as 64
// lowercase hex digits, reading it once in a stream. Errors name path.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// prefix returns A = W_L ... W_2 (m x r_1), multiplied right to left at a
// cost of sum over l = 3..L of 2 r_l r_{l-1} r_1 flops, or nil when m has a
// single layer. It panics if m has no layers.
func (m *Model) prefix() *mat.Dense {
	L := len(m.Layers)
	if L == 1 {
		return nil
	}
	a := mat.DenseCopyOf(m.Layers[1])
	for _, w := range m.Layers[2:] {
		var next mat.Dense
		next.Mul(w, a)
		a = &next
	}
	return a
}

// Product returns the end-to-end m x n matrix W_L ... W_2 W_1 with the
// centering's means added back (to every entry, to each row, or to each
// column), so in the data's units. It forms A = W_L ... W_2 as Predict
// does, then A W_1 (2 m r_1 n flops), and allocates the result. It panics
// if m has no layers; it does not validate m.
func (m *Model) Product() *mat.Dense {
	rows, cols := m.Dims()
	p := mat.NewDense(rows, cols, nil)
	if a := m.prefix(); a != nil {
		p.Mul(a, m.Layers[0])
	} else {
		p.Copy(m.Layers[0])
	}
	if m.Centering.kind() != CenterNone {
		for i := range rows {
			row := p.RawRowView(i)
			for j := range row {
				row[j] += m.Centering.mean(i, j)
			}
		}
	}
	return p
}

// Predict writes to dst[k] the end-to-end matrix's entry (rows[k], cols[k])
// (0-based) with the centering's mean added back, the value Product has
// there up to the order of one dot product's sum, without forming the m x n
// product: it forms A = W_L ... W_2 (m x r_1) and W_1^T (n x r_1) once,
// then costs one dot product of length r_1 per entry, O(len(rows) r_1) in
// all (a one-layer model reads W_1's entries). It allocates A and W_1^T.
//
// rows, cols and dst must have one length; an index outside [0, m) or
// [0, n) is an error naming the entry and the value, returned before
// anything is written. dst may not alias rows or cols (they are []int).
func (m *Model) Predict(rows, cols []int, dst []float64) error {
	if len(rows) != len(cols) || len(rows) != len(dst) {
		return fmt.Errorf("model: Predict: %d rows, %d columns and %d destinations, want one length", len(rows), len(cols), len(dst))
	}
	mr, nc := m.Dims()
	for k := range rows {
		if rows[k] < 0 || rows[k] >= mr {
			return fmt.Errorf("model: entry %d: row %d out of range [0, %d)", k, rows[k], mr)
		}
		if cols[k] < 0 || cols[k] >= nc {
			return fmt.Errorf("model: entry %d: column %d out of range [0, %d)", k, cols[k], nc)
		}
	}
	w1 := m.Layers[0]
	a := m.prefix()
	if a == nil {
		for k := range rows {
			dst[k] = w1.At(rows[k], cols[k]) + m.Centering.mean(rows[k], cols[k])
		}
		return nil
	}
	r1, _ := w1.Dims()
	bt := mat.NewDense(nc, r1, nil)
	bt.Copy(w1.T())
	for k := range rows {
		dst[k] = floats.Dot(a.RawRowView(rows[k]), bt.RawRowView(cols[k])) + m.Centering.mean(rows[k], cols[k])
	}
	return nil
}
