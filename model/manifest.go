package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// ManifestFile is the manifest's name in a model folder; MeansFile the
// centering means' file.
const (
	ManifestFile = "manifest.json"
	MeansFile    = "means.npy"
)

// manifest is manifest.json (see the package documentation).
type manifest struct {
	Format        string          `json:"format"`
	Version       int             `json:"version"`
	Kind          string          `json:"kind"`
	LowdimVersion string          `json:"lowdim_version"`
	Method        string          `json:"method"`
	Width         int             `json:"width"`
	Inputs        int             `json:"inputs"`
	Outputs       int             `json:"outputs"`
	Parameters    int             `json:"parameters"`
	Layers        []layerEntry    `json:"layers"`
	Centering     centeringEntry  `json:"centering"`
	Config        json.RawMessage `json:"config"`
	ConfigHash    string          `json:"config_hash"`
	Training      Training        `json:"training"`
	Errors        Errors          `json:"errors"`
	Sources       []Source        `json:"sources"`
}

// fileEntry names an array file of the folder: its plain name, its shape
// and the SHA-256 of its bytes.
type fileEntry struct {
	File   string `json:"file"`
	Shape  []int  `json:"shape"`
	SHA256 string `json:"sha256"`
}

// layerEntry is one layer. Bias and Activation are reserved for kinds
// with them (issue 17's MLP); a deep-linear reader refuses a layer that has
// either.
type layerEntry struct {
	fileEntry
	Bias       *fileEntry `json:"bias,omitempty"`
	Activation string     `json:"activation,omitempty"`
}

// centeringEntry is the centering: its kind and, unless "none", its means'
// file.
type centeringEntry struct {
	Kind   CenteringKind `json:"kind"`
	File   string        `json:"file,omitempty"`
	Shape  []int         `json:"shape,omitempty"`
	SHA256 string        `json:"sha256,omitempty"`
}

// layerFile returns the name of layer l (0-based) of a model with L
// layers: layer-01.npy, ..., with at least two digits and as many as L
// needs, so that the names sort in order.
func layerFile(l, L int) string {
	digits := len(fmt.Sprint(L))
	digits = max(digits, 2)
	return fmt.Sprintf("layer-%0*d.npy", digits, l+1)
}

// numberArray matches an array of numbers as json.MarshalIndent spreads it
// over lines. A newline inside a JSON string is escaped, so only the
// encoder's own line breaks match.
var numberArray = regexp.MustCompile(`\[\n\s*-?[0-9][0-9.eE+-]*(,\n\s*-?[0-9][0-9.eE+-]*)*\n\s*\]`)

// lineBreak matches a line break and the indentation after it.
var lineBreak = regexp.MustCompile(`\n\s*`)

// encode returns the manifest's JSON, indented, with arrays of numbers
// (shapes) on one line, as [16, 1682], and a final newline.
func (man *manifest) encode() ([]byte, error) {
	if len(man.Config) == 0 {
		man.Config = json.RawMessage("null")
	}
	if man.Sources == nil {
		man.Sources = []Source{}
	}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, err
	}
	b = numberArray.ReplaceAllFunc(b, func(a []byte) []byte {
		a = lineBreak.ReplaceAll(a, nil)
		return bytes.ReplaceAll(a, []byte(","), []byte(", "))
	})
	return append(b, '\n'), nil
}
