package npy

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// dtype is a supported on-disk element type.
type dtype struct {
	name string           // for messages: "float64", "bool", ...
	kind byte             // 'f', 'i', 'u' or 'b'
	size int              // bytes per element
	bo   binary.ByteOrder // nil for single bytes
}

var dtypeNames = map[string]string{
	"f8": "float64", "f4": "float32", "b1": "bool",
	"i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
	"u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
}

// parseDtype returns the dtype for a numpy descr string such as '<f8'.
func parseDtype(descr string) (dtype, error) {
	quoted := "'" + strings.Trim(strconv.Quote(descr), `"`) + "'"
	s := descr
	var bo binary.ByteOrder
	if s != "" && strings.IndexByte("<>|=", s[0]) >= 0 {
		switch s[0] {
		case '<':
			bo = binary.LittleEndian
		case '>':
			bo = binary.BigEndian
		}
		s = s[1:]
	}
	if s == "?" {
		s = "b1"
	}
	name, ok := dtypeNames[s]
	switch {
	case s == "O" || s == "O8":
		return dtype{}, errorf("dtype %s (Python objects) is not supported; lowdim needs float64 ('<f8')", quoted)
	case !ok:
		return dtype{}, errorf("dtype %s is not supported; lowdim needs float64 ('<f8') (float32, integer and bool arrays are converted)", quoted)
	case s[1] != '1' && bo == nil:
		return dtype{}, errorf("dtype %s does not state its byte order; want '<' (little-endian) or '>' (big-endian)", quoted)
	}
	return dtype{name: name, kind: s[0], size: int(s[1] - '0'), bo: bo}, nil
}

// decode converts len(dst) elements from src, which holds size*len(dst) bytes.
func (d dtype) decode(dst []float64, src []byte) {
	shift := 64 - 8*d.size // for sign extension
	for i := range dst {
		var u uint64
		switch b := src[i*d.size:]; d.size {
		case 1:
			u = uint64(b[0])
		case 2:
			u = uint64(d.bo.Uint16(b))
		case 4:
			u = uint64(d.bo.Uint32(b))
		default:
			u = d.bo.Uint64(b)
		}
		switch {
		case d.kind == 'f' && d.size == 8:
			dst[i] = math.Float64frombits(u)
		case d.kind == 'f':
			dst[i] = float64(math.Float32frombits(uint32(u)))
		case d.kind == 'i':
			dst[i] = float64(int64(u<<shift) >> shift)
		case d.kind == 'b':
			dst[i] = float64(min(u, 1))
		default:
			dst[i] = float64(u)
		}
	}
}

// pyNumber is the text of a numeric Python literal, e.g. "12" or "3L".
type pyNumber string

// pyParser parses the subset of Python literals that .npy headers use:
// a dict with string keys whose values are strings, True/False/None,
// numbers, and (possibly nested) tuples or lists of those.
type pyParser struct {
	s     string
	i     int
	depth int
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s at byte %d", fmt.Sprintf(format, args...), p.i)
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) dict() (map[string]any, error) {
	p.space()
	if !p.eat('{') {
		return nil, p.errorf("want a dict starting with '{'")
	}
	d := make(map[string]any)
	for {
		p.space()
		if p.eat('}') {
			break
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, p.errorf("dict key is not a string")
		}
		p.space()
		if !p.eat(':') {
			return nil, p.errorf("want ':' after key '%s'", key)
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if _, dup := d[key]; dup {
			return nil, p.errorf("duplicate key '%s'", key)
		}
		d[key] = v
		p.space()
		if p.eat('}') {
			break
		}
		if !p.eat(',') {
			return nil, p.errorf("want ',' or '}'")
		}
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.errorf("unexpected text after the dict")
	}
	return d, nil
}

func (p *pyParser) value() (any, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end")
	}
	c := p.s[p.i]
	switch {
	case c == '\'' || c == '"':
		end := strings.IndexByte(p.s[p.i+1:], c)
		if end < 0 {
			return nil, p.errorf("unterminated string")
		}
		v := p.s[p.i+1 : p.i+1+end]
		if strings.ContainsAny(v, "\\\n") {
			return nil, p.errorf("escapes and newlines in strings are not supported")
		}
		p.i += end + 2
		return v, nil
	case c == '(' || c == '[':
		if c == '(' {
			return p.sequence(')')
		}
		return p.sequence(']')
	case c == '-' || c == '+' || c == '.' || '0' <= c && c <= '9':
		j := p.i + 1
		for j < len(p.s) && (isAlnum(p.s[j]) || strings.IndexByte("+-._", p.s[j]) >= 0) {
			j++
		}
		v := pyNumber(p.s[p.i:j])
		p.i = j
		return v, nil
	case isAlnum(c):
		j := p.i
		for j < len(p.s) && isAlnum(p.s[j]) {
			j++
		}
		name := p.s[p.i:j]
		switch name {
		case "True", "False":
			p.i = j
			return name == "True", nil
		case "None":
			p.i = j
			return nil, nil
		}
		return nil, p.errorf("unknown name %q", name)
	}
	return nil, p.errorf("unexpected %q", c)
}

func (p *pyParser) sequence(end byte) ([]any, error) {
	if p.depth++; p.depth > 32 {
		return nil, p.errorf("nesting too deep")
	}
	defer func() { p.depth-- }()
	p.i++ // opening bracket
	items := []any{}
	for {
		p.space()
		if p.eat(end) {
			return items, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		if p.eat(end) {
			return items, nil
		}
		if !p.eat(',') {
			return nil, p.errorf("want ',' or '%c'", end)
		}
	}
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}
