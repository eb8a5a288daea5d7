package compare

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/text/encoding/unicode"
)

// encodeUTF16 returns text in UTF-16 of the given byte order, with a byte
// order mark when bom.
func encodeUTF16(t testing.TB, text []byte, order unicode.Endianness, bom bool) []byte {
	t.Helper()
	policy := unicode.IgnoreBOM
	if bom {
		policy = unicode.UseBOM
	}
	out, err := unicode.UTF16(order, policy).NewEncoder().Bytes(text)
	require.NoError(t, err)
	return out
}

// parsed is what parse makes of one file, as comparable text: each result's
// name, configuration and values, then the syntax errors, or the error.
func parsed(name string, data []byte) []string {
	var errs SyntaxErrors
	f, err := parse(benchfmt.NewReader(bytes.NewReader(nil), ""), name, data, &errs)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, res := range f.results {
		var b strings.Builder
		fmt.Fprintf(&b, "%s", res.Name)
		for _, c := range res.Config {
			fmt.Fprintf(&b, " %s=%q", c.Key, c.Value)
		}
		for _, v := range res.Values {
			fmt.Fprintf(&b, " %v %s", v.Value, v.Unit)
		}
		out = append(out, b.String())
	}
	for _, se := range errs {
		out = append(out, "syntax error: "+se.Error())
	}
	return out
}

func TestDecode(t *testing.T) {
	const text = "goos: linux\nBenchmarkA-8 1000 300 ns/op\nBenchmarkB-8 1000 100 ns/op\n"
	want := parsed("x.txt", []byte(text))
	require.Len(t, want, 2, "the plain text holds two results")
	tests := []struct {
		name string
		data []byte
		// wantLine is the line of the NUL byte an *EncodingError must
		// name; 0 when the data must read as text.
		wantLine int
	}{
		{name: "UTF-8", data: []byte(text)},
		{name: "UTF-8 BOM", data: []byte("\uFEFF" + text)},
		{name: "UTF-8 BOM twice", data: []byte("\uFEFF\uFEFF" + text)},
		// cat of two files written by PowerShell 5.1: a BOM starts line 3.
		{name: "UTF-8 BOM on a later line",
			data: []byte("goos: linux\nBenchmarkA-8 1000 300 ns/op\n\uFEFFBenchmarkB-8 1000 100 ns/op\n")},
		{name: "CRLF", data: []byte(strings.ReplaceAll(text, "\n", "\r\n"))},
		{name: "UTF-16LE BOM", data: encodeUTF16(t, []byte(text), unicode.LittleEndian, true)},
		{name: "UTF-16BE BOM", data: encodeUTF16(t, []byte(text), unicode.BigEndian, true)},
		{name: "UTF-16LE BOM CRLF",
			data: encodeUTF16(t, []byte(strings.ReplaceAll(text, "\n", "\r\n")), unicode.LittleEndian, true)},
		// "g" is 67 00 in UTF-16LE: the first NUL is on line 1.
		{name: "UTF-16LE without BOM", data: encodeUTF16(t, []byte(text), unicode.LittleEndian, false), wantLine: 1},
		{name: "UTF-16BE without BOM", data: encodeUTF16(t, []byte(text), unicode.BigEndian, false), wantLine: 1},
		{name: "NUL after the last line", data: []byte(text + "\x00"), wantLine: 4},
		{name: "NUL in UTF-16 text", data: encodeUTF16(t, []byte("goos: linux\n\x00"), unicode.LittleEndian, true),
			wantLine: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parsed("x.txt", tt.data)
			if tt.wantLine == 0 {
				require.Equal(t, want, got)
				return
			}
			_, err := decode("x.txt", tt.data)
			var ee *EncodingError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, EncodingError{File: "x.txt", Line: tt.wantLine}, *ee)
			require.EqualError(t, err, fmt.Sprintf("x.txt:%d: NUL byte: UTF-16 text without BOM? convert it to UTF-8", tt.wantLine))
		})
	}
	t.Run("input not modified", func(t *testing.T) {
		data := []byte("\uFEFF" + text)
		orig := append([]byte(nil), data...)
		_, err := decode("x.txt", data)
		require.NoError(t, err)
		require.Equal(t, orig, data)
	})
}

// caseFiles are the benchmark files of testdata/compare-*.
func caseFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "compare-*", "*.txt"))
	require.NoError(t, err)
	var out []string
	for _, f := range files {
		if filepath.Base(f) != "README.txt" {
			out = append(out, f)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// FuzzReadBenchFile checks the benchmark file reader (decode and parse) on
// any bytes: it must not panic, must name the file in its errors, and must
// read valid UTF-8 text the same with a UTF-8 BOM before it and re-encoded
// as UTF-16 (either byte order, with a BOM), as PowerShell writes it; and
// Compare of a file with itself (the reader and the keying) must pair every
// row with itself, without a regression. The seeds are the files of
// testdata/compare-*.
func FuzzReadBenchFile(f *testing.F) {
	for _, name := range caseFiles(f) {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("BenchmarkX-4 100 abc ns/op\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := parsed("fuzz.txt", data)
		for _, line := range got {
			if strings.HasPrefix(line, "error: ") || strings.HasPrefix(line, "syntax error: ") {
				require.Contains(t, line, "fuzz.txt")
			}
		}
		// A file compared with itself pairs every row with itself.
		if rep, err := Compare(Source{"a.txt", bytes.NewReader(data)}, Source{"b.txt", bytes.NewReader(data)}, DefaultOptions); err == nil {
			require.False(t, rep.Failed(), "a file against itself")
			for _, r := range rep.Rows {
				require.Contains(t, []Verdict{NoChange, Insufficient}, r.Verdict, "row %+v", r)
				require.Equal(t, r.Old.N, r.New.N, "row %+v", r)
			}
		}
		if !utf8.Valid(data) { // also excludes the bytes FE and FF of UTF-16 BOMs
			return
		}
		require.Equal(t, got, parsed("fuzz.txt", append([]byte("\uFEFF"), data...)), "with a UTF-8 BOM")
		require.Equal(t, got, parsed("fuzz.txt", encodeUTF16(t, data, unicode.LittleEndian, true)), "as UTF-16LE")
		require.Equal(t, got, parsed("fuzz.txt", encodeUTF16(t, data, unicode.BigEndian, true)), "as UTF-16BE")
	})
}

func TestReadErrorNamesFile(t *testing.T) {
	data := encodeUTF16(t, []byte("BenchmarkA-8 1 1 ns/op\n"), unicode.LittleEndian, false)
	_, err := Compare(Source{"old.txt", bytes.NewReader(data)}, Source{"new.txt", strings.NewReader("BenchmarkA-8 1 1 ns/op\n")}, DefaultOptions)
	var ee *EncodingError
	require.True(t, errors.As(err, &ee), "error %v", err)
	require.Equal(t, "old.txt", ee.File)
}
