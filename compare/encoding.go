package compare

import (
	"bytes"
	"fmt"

	"golang.org/x/text/encoding/unicode"
)

// utf8BOM is U+FEFF, the byte order mark, in UTF-8.
var utf8BOM = []byte("\uFEFF")

// An EncodingError is a benchmark file that is not UTF-8 text and could not
// be decoded: UTF-16 without a byte order mark, or any other text with NUL
// bytes. Line is the 1-based line of the first NUL byte.
type EncodingError struct {
	File string
	Line int
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("%s:%d: NUL byte: UTF-16 text without BOM? convert it to UTF-8", e.File, e.Line)
}

var _ error = (*EncodingError)(nil)

// decode returns the UTF-8 text of the benchmark file data named name:
//
//   - UTF-16 with a byte order mark (FF FE little-endian, as PowerShell's
//     ">" writes it; FE FF big-endian) is decoded to UTF-8;
//   - a UTF-8 byte order mark (EF BB BF, as PowerShell 5.1's
//     "Out-File -Encoding utf8" writes it) is dropped, at the start of the
//     file and at the start of every line (files concatenated with cat);
//   - a NUL byte left after that (UTF-16 without a BOM, UTF-32, a binary
//     file) is an *EncodingError naming the file and the line.
//
// Line ends are kept: benchfmt reads "\r\n" as a line end followed by white
// space. decode does not modify data; it returns data itself when there is
// nothing to change, else a new slice.
func decode(name string, data []byte) ([]byte, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		// ExpectBOM takes the byte order from the BOM and drops it; an
		// odd trailing byte or a lone surrogate becomes U+FFFD.
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		var err error
		if data, err = dec.Bytes(data); err != nil {
			return nil, fmt.Errorf("%s: decoding UTF-16: %w", name, err)
		}
	}
	if bytes.Contains(data, utf8BOM) {
		data = dropLineBOMs(data)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, &EncodingError{File: name, Line: 1 + bytes.Count(data[:i], []byte("\n"))}
	}
	return data, nil
}

// dropLineBOMs returns a copy of data without the byte order marks that
// stand at the start of a line. A BOM inside a line is kept: it is part of a
// name or value.
func dropLineBOMs(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for len(data) > 0 {
		for bytes.HasPrefix(data, utf8BOM) {
			data = data[len(utf8BOM):]
		}
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		out = append(out, line...)
		data = data[len(line):]
	}
	return out
}
