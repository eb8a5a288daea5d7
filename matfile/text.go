package matfile

import (
	"bufio"
	"fmt"
	"io"
)

// textReader returns a buffered reader of the text file r (named path in
// errors) positioned after a UTF-8 byte order mark, which spreadsheets and
// PowerShell 5.1's "Out-File -Encoding utf8" write before the first line:
// .csv and .mtx files are read the same with or without one. UTF-16 text
// (a byte order mark FF FE or FE FF, what PowerShell's > writes) is an
// *Error naming the file, never misread as a malformed first line.
func textReader(r io.Reader, path string) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(2); err == nil && (string(b) == "\xff\xfe" || string(b) == "\xfe\xff") {
		return nil, &Error{Path: path, Line: 1, Msg: fmt.Sprintf("UTF-16 text (byte order mark % x); save the file as UTF-8", b)}
	}
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br, nil
}
