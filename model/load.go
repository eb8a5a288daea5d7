package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/npy"
)

// maxManifest bounds the bytes of manifest.json that Load reads: far above
// any configuration, far below what would hurt.
const maxManifest = 16 << 20

// Load reads the model folder dir written by Save and validates all of it
// (see Validation in the package documentation) before returning the model:
// a manifest of this format, version and kind, layer shapes that chain and
// agree with inputs, outputs and parameters, and each file present with its
// recorded SHA-256, shape, dtype float64 and finite values. Every error
// names the file (manifest.json or the array's) and the value at fault.
// Each file is read once; the model owns the memory.
func Load(dir string) (*Model, error) {
	manPath := filepath.Join(dir, ManifestFile)
	man, err := readManifest(manPath)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", manPath, fmt.Sprintf(format, args...))
	}
	if err := checkHeader(man); err != nil {
		return nil, bad("%v", err)
	}
	if len(man.Layers) == 0 {
		return nil, bad("no layers")
	}
	seen := map[string]string{ManifestFile: "the manifest"}
	params := 0
	for l, e := range man.Layers {
		what := fmt.Sprintf("layers[%d] (W_%d)", l, l+1)
		if e.Bias != nil {
			return nil, bad("%s has a bias (file %q); a %s model has none", what, e.Bias.File, KindDeepLinear)
		}
		if e.Activation != "" {
			return nil, bad("%s has the activation %q; a %s model has none", what, e.Activation, KindDeepLinear)
		}
		if err := checkEntry(e.fileEntry, seen, what); err != nil {
			return nil, bad("%v", err)
		}
		if len(e.Shape) != 2 {
			return nil, bad("%s: shape %s, want [rows, cols]", what, shapeString(e.Shape))
		}
		if l > 0 {
			if prev := man.Layers[l-1].Shape[0]; e.Shape[1] != prev {
				return nil, bad("%s: shape %s does not chain: its columns must be W_%d's %d rows", what, shapeString(e.Shape), l, prev)
			}
		}
		params += e.Shape[0] * e.Shape[1]
	}
	rows, cols := man.Layers[len(man.Layers)-1].Shape[0], man.Layers[0].Shape[1]
	switch {
	case man.Outputs != rows:
		return nil, bad("outputs %d, but the last layer has %d rows", man.Outputs, rows)
	case man.Inputs != cols:
		return nil, bad("inputs %d, but the first layer has %d columns", man.Inputs, cols)
	case man.Parameters != params:
		return nil, bad("parameters %d, but the layers hold %d", man.Parameters, params)
	}
	ce := man.Centering
	want, ok := meansShape(ce.Kind, rows, cols)
	switch {
	case !ok:
		return nil, bad("centering kind %q is not one of none, global, rows, columns", ce.Kind)
	case want == nil && (ce.File != "" || ce.Shape != nil || ce.SHA256 != ""):
		return nil, bad("centering none names a file %q", ce.File)
	case want != nil:
		if err := checkEntry(fileEntry{ce.File, ce.Shape, ce.SHA256}, seen, "centering"); err != nil {
			return nil, bad("%v", err)
		}
		if !slices.Equal(ce.Shape, want) {
			return nil, bad("centering %s: shape %s, want %s for a %d x %d model", ce.Kind, shapeString(ce.Shape), shapeString(want), rows, cols)
		}
	}

	m := &Model{
		Kind:          man.Kind,
		Layers:        make([]*mat.Dense, len(man.Layers)),
		Centering:     Centering{Kind: ce.Kind},
		Method:        man.Method,
		Width:         man.Width,
		ConfigHash:    man.ConfigHash,
		Training:      man.Training,
		Errors:        man.Errors,
		Sources:       man.Sources,
		LowdimVersion: man.LowdimVersion,
	}
	if c := bytes.TrimSpace(man.Config); len(c) > 0 && !bytes.Equal(c, []byte("null")) {
		m.Config = json.RawMessage(bytes.Clone(c))
	}
	for l, e := range man.Layers {
		a, err := readArray(dir, e.fileEntry)
		if err != nil {
			return nil, err
		}
		m.Layers[l] = mat.NewDense(e.Shape[0], e.Shape[1], a.Data)
	}
	if want != nil {
		a, err := readArray(dir, fileEntry{ce.File, ce.Shape, ce.SHA256})
		if err != nil {
			return nil, err
		}
		m.Centering.Means = a.Data
	}
	if err := m.Validate(); err != nil {
		return nil, bad("%v", err)
	}
	return m, nil
}

// readManifest reads and decodes the manifest at path. Unknown fields are
// ignored (see Compatibility in the package documentation).
func readManifest(path string) (*manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the model's manifest: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxManifest {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxManifest)
	}
	var man manifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, fmt.Errorf("%s: not a valid manifest: %v", path, err)
	}
	return &man, nil
}

// checkHeader checks the manifest's format, version and kind.
func checkHeader(man *manifest) error {
	switch {
	case man.Format != FormatName:
		return fmt.Errorf("format %q, want %q", man.Format, FormatName)
	case man.Version > FormatVersion:
		return fmt.Errorf("version %d is newer than this lowdim reads (%d): upgrade lowdim", man.Version, FormatVersion)
	case man.Version < 1:
		return fmt.Errorf("version %d is not a version of this format (1 to %d)", man.Version, FormatVersion)
	case man.Kind != KindDeepLinear:
		return fmt.Errorf("kind %q is not supported: this lowdim reads %q models", man.Kind, KindDeepLinear)
	}
	return nil
}

// checkEntry checks that e names a plain file not named before (recorded in
// seen), with a shape of positive sizes and a SHA-256 of 64 lowercase hex
// digits.
func checkEntry(e fileEntry, seen map[string]string, what string) error {
	if e.File == "" || e.File != filepath.Base(e.File) || e.File == "." || e.File == ".." || strings.ContainsAny(e.File, `/\`) {
		return fmt.Errorf("%s: file %q is not a plain file name in the model folder", what, e.File)
	}
	if prev, ok := seen[e.File]; ok {
		return fmt.Errorf("%s: file %q is also %s", what, e.File, prev)
	}
	seen[e.File] = what
	for _, d := range e.Shape {
		if d <= 0 {
			return fmt.Errorf("%s (%s): shape %s, want positive sizes", what, e.File, shapeString(e.Shape))
		}
	}
	if !isSHA256(e.SHA256) {
		return fmt.Errorf("%s (%s): sha256 %q is not 64 lowercase hex digits", what, e.File, e.SHA256)
	}
	return nil
}

// readArray reads the file of e in dir once and checks its SHA-256, then
// decodes it and checks its dtype, its shape and that its values are
// finite. Errors start with the file's path.
func readArray(dir string, e fileEntry) (*npy.Array, error) {
	path := filepath.Join(dir, e.File)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the model's %s: %w", e.File, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// The data and a header of up to 1 MiB (npy's own bound): a file of
	// another size fails its checksum anyway, and this bounds the read.
	n := int64(8)
	for _, d := range e.Shape {
		n *= int64(d)
	}
	if st.Size() > n+1<<20 {
		return nil, fmt.Errorf("%s: %d bytes, more than the %s float64 array the manifest records", path, st.Size(), shapeString(e.Shape))
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != e.SHA256 {
		return nil, fmt.Errorf("%s: sha256 %s, but the manifest records %s: the file was changed or damaged", path, got, e.SHA256)
	}
	a, err := npy.Read(bytes.NewReader(b))
	if err != nil {
		var ne *npy.Error
		if errors.As(err, &ne) {
			c := *ne
			c.Name = path
			return nil, &c
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Dtype != "float64" {
		return nil, fmt.Errorf("%s: dtype %s, want float64", path, a.Dtype)
	}
	if !slices.Equal(a.Shape, e.Shape) {
		return nil, fmt.Errorf("%s: shape %s, but the manifest records %s", path, shapeString(a.Shape), shapeString(e.Shape))
	}
	if err := a.CheckFinite(); err != nil {
		var ne *npy.Error
		if errors.As(err, &ne) {
			return nil, fmt.Errorf("%s: %s", path, ne.Msg)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// shapeString formats a shape as the manifest writes it: [3, 5].
func shapeString(shape []int) string {
	b, _ := json.Marshal(shape)
	return strings.ReplaceAll(string(b), ",", ", ")
}
