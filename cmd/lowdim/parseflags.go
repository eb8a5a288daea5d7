package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// parseFlags parses args with fs, for every command. -h or --help prints
// the command's usage (fs.Usage) and returns flag.ErrHelp. Any other
// parse error (an unknown flag, a missing value, a value the flag refuses)
// prints one line to stderr, "<command>: <error> (flags: <command> -h)",
// and returns the error: the line names the flag and the value, and is not
// buried under the usage of every flag, which is what the flag package
// prints by itself.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		usage()
		return err
	}
	fmt.Fprintf(stderr, "%s: %s (flags: %s -h)\n", fs.Name(), flagMessage(fs, err), fs.Name())
	return err
}

// refusedValue finds the flag named in the flag package's message on a value
// it refused: `invalid value "10" for flag -budget: parse error`.
var refusedValue = regexp.MustCompile(`^invalid value .* for flag -([^:\s]+): `)

// flagMessage is the flag package's error message with flags written as
// users type them (--name, not -name) and, for a value the flag package
// itself refused ("parse error", "value out of range"), what the flag
// takes.
func flagMessage(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := refusedValue.FindStringSubmatch(msg); m != nil {
		// A lowdim flag value whose error names the flag and the value
		// itself ("invalid --price ..."): said once, not under the flag
		// package's own "invalid value ... for flag".
		if rest := msg[len(m[0]):]; strings.HasPrefix(rest, "invalid --"+m[1]+" ") {
			return rest
		}
		if fl := fs.Lookup(m[1]); fl != nil {
			msg += wants(fl.Value)
		}
	}
	r := strings.NewReplacer("for flag -", "for flag --", "defined: -", "defined: --", "argument: -", "argument: --")
	return r.Replace(msg)
}

// wants says what a flag of the flag package's kinds takes, or "" for
// lowdim's own flag values, whose errors say it themselves.
func wants(v flag.Value) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case time.Duration:
		return "; give a duration with its unit, such as 90s, 5m or 1h30m"
	case float64:
		return "; give a finite number within ±1.8e308"
	case int, int64:
		return "; give an integer"
	case uint, uint64:
		return "; give a non-negative integer"
	case bool:
		return "; give true or false (--flag=false)"
	}
	return ""
}

// parseInterspersed parses the flags of args wherever they stand, through
// parseFlags, and returns the other arguments in order, so that `lowdim
// compare old new --format json` works. Everything after "--" is an
// argument.
func parseInterspersed(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args, stderr); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
