package results

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFirstIgnored: the reader's last line of strictness, for parts that
// decode themselves (UnmarshalJSON, which DisallowUnknownFields does not
// reach), finds a key of the input that writing the run again drops.
func TestFirstIgnored(t *testing.T) {
	for _, tc := range []struct {
		name, in, out, want string
	}{
		{"same", `{"a": 1, "b": {"c": [1, {"d": 2}]}}`, `{"a": 1, "b": {"c": [1, {"d": 2}]}}`, ""},
		{"top level", `{"a": 1, "x": 2}`, `{"a": 1}`, "x"},
		{"nested", `{"b": {"c": 1, "x": "y"}}`, `{"b": {"c": 1}}`, "b.x"},
		{"in an array", `{"b": [{"c": 1}, {"c": 1, "x": true}]}`, `{"b": [{"c": 1}, {"c": 1}]}`, "b[1].x"},
		{"first in key order", `{"z": 1, "y": 1}`, `{}`, "y"},
		// What omitempty leaves out is not an ignored key.
		{"zero values", `{"a": 0, "b": "", "c": null, "d": false, "e": [], "f": {}}`, `{}`, ""},
		{"array shorter on output", `{"b": [{"c": 1}, {"x": 1}]}`, `{"b": [{"c": 1}]}`, "b[1].x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in, out any
			require.NoError(t, json.Unmarshal([]byte(tc.in), &in))
			require.NoError(t, json.Unmarshal([]byte(tc.out), &out))
			require.Equal(t, tc.want, firstIgnored(in, out, ""))
		})
	}
}
