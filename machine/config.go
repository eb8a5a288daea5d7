package machine

import (
	"strconv"
	"strings"
	"unicode"
)

// ConfigLines renders f as configuration lines of the Go benchmark format,
// in this order:
//
//	goos: linux
//	goarch: amd64
//	cpu: AMD EPYC 7763 64-Core Processor
//	cores: 2
//	gomaxprocs: 2
//	go: go1.26.8
//	blas: gonum
//	lowdim: v0.3.0-4-g1a2b3c4
//	machine: build-host
//
// Keys are lowercase without spaces. Values are made single-line: control
// characters become spaces, runs of white space (newlines included) become
// one space, and leading and trailing white space is dropped. An empty value is written as "key:" with nothing
// after the colon, which the format reads as clearing that key.
// The lines carry no trailing newline.
func (f Fingerprint) ConfigLines() []string {
	kv := [...][2]string{
		{"goos", f.OS},
		{"goarch", f.Arch},
		{"cpu", f.CPUModel},
		{"cores", strconv.Itoa(f.Cores)},
		{"gomaxprocs", strconv.Itoa(f.GOMAXPROCS)},
		{"go", f.GoVersion},
		{"blas", f.BLAS},
		{"lowdim", f.Version},
		{"machine", f.Hostname},
	}
	lines := make([]string, 0, len(kv))
	for _, p := range kv {
		v := oneLine(p[1])
		if v == "" {
			lines = append(lines, p[0]+":")
			continue
		}
		lines = append(lines, p[0]+": "+v)
	}
	return lines
}

// oneLine replaces the control characters of s by spaces, collapses every
// run of white space into one space and trims both ends.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
