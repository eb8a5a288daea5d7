package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Canonical returns the canonical encoding of c: the configuration with
// defaults applied (WithDefaults) as one JSON object whose keys are the
// fields' keys (Fields: "d", "r-hat", "p", ...) in sorted order, with
// numbers in their shortest round-trippable form (strconv 'g', -1; an
// integer-valued parameter is written the same whether it was given as an
// int or a float) and no spaces. Only the workload's own parameters enter
// it. Two configurations that resolve to the same run have the same
// encoding, whatever order their fields were given in; a change of any
// field changes it. The shape is encoded in its normal form (WithDefaults):
// "d" for a square target, "rows" and "cols" for a rectangular one, and
// "width" only when it is not the default max(m, n), so a square
// configuration's encoding, and its hash, are the ones it had before
// rectangular targets existed; a parameter marked Param.OmitZero is left
// out when 0 (mc's noise), for the same reason. It covers the resolved configuration only: the lowdim
// version and the BLAS backend are in the run record.
func Canonical(c Config) []byte {
	c = c.WithDefaults()
	vals := map[string]any{}
	for _, f := range common {
		if v := f.get(&c); !(f.omitZero && v == 0) {
			vals[f.Key] = v
		}
	}
	if w, ok := LookupWorkload(c.Workload); ok {
		for _, p := range w.Params {
			if v, ok := c.Params[p.Key]; ok && !(p.OmitZero && isZero(v)) {
				vals[p.Key] = v
			}
		}
	} else {
		maps.Copy(vals, c.Params)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(vals)) {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, k)
		b.WriteByte(':')
		writeCanonical(&b, vals[k])
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

func writeCanonical(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case string:
		writeJSONString(b, x)
	case []string:
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, s)
		}
		b.WriteByte(']')
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	default:
		f, ok := number(v)
		if !ok {
			writeJSONString(b, fmt.Sprint(v))
			return
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			writeJSONString(b, strconv.FormatFloat(f, 'g', -1, 64))
			return
		}
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
}

// Hash returns the identity of c: the SHA-256 of Canonical(c), in hex.
func Hash(c Config) string {
	h := sha256.Sum256(Canonical(c))
	return hex.EncodeToString(h[:])
}

// plain is Config without its methods, for encoding/json.
type plain Config

// MarshalJSON writes c's fields and then its parameters, sorted by key,
// beside them ("p": 0.3); a zero parameter is left out, like the zero
// values of the fields marked omitempty.
func (c Config) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(plain(c))
	if err != nil {
		return nil, err
	}
	var extra bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(c.Params)) {
		v := c.Params[k]
		if isZero(v) {
			continue
		}
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("config: parameter %s: %w", k, err)
		}
		extra.WriteByte(',')
		writeJSONString(&extra, k)
		extra.WriteByte(':')
		extra.Write(vb)
	}
	if extra.Len() == 0 {
		return b, nil
	}
	if string(b) == "{}" {
		extra.Bytes()[0] = '{'
		return append(extra.Bytes(), '}'), nil
	}
	return append(append(b[:len(b)-1], extra.Bytes()...), '}'), nil
}

// UnmarshalJSON reads what MarshalJSON writes: keys that are not fields
// of Config become parameters (numbers as float64; Int and Float read
// either).
func (c *Config) UnmarshalJSON(b []byte) error {
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, f := range jsonKeys() {
		known[f] = true
	}
	*c = Config(p)
	c.Params = nil
	for k, raw := range all {
		if known[k] {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		c.Set(k, v)
	}
	return nil
}

// jsonKeys lists the JSON keys of Config's fields.
func jsonKeys() []string {
	b, _ := json.Marshal(plain{Methods: []string{}})
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	keys := slices.Collect(maps.Keys(m))
	// omitempty fields are absent from a zero value's encoding.
	return append(keys, "name", "d", "rows", "cols", "width", "ratio", "eta_frac", "eta_from", "storage", "svals")
}
