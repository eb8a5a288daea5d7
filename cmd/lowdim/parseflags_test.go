package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A value a flag refuses is one line naming the command, the flag as
// users type it, the value and what the flag takes; never the usage of
// every flag. -h still prints the usage.
func TestFlagParseErrorsOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--workload", "mc", "--noise", "1e309"}, `lowdim run: invalid value "1e309" for flag --noise: 1e309 is beyond the largest float64`},
		{[]string{"run", "--noise", "x"}, `for flag --noise: "x" is not a number`},
		{[]string{"run", "--steps", "1.5"}, `for flag --steps: "1.5" is not an integer`},
		{[]string{"run", "--seed", "18446744073709551616"}, `for flag --seed: 18446744073709551616 is outside the range of the value (0 to 1.8e19)`},
		{[]string{"gate", "--budget", "10", "HEAD"}, `lowdim gate: invalid value "10" for flag --budget: parse error; give a duration with its unit`},
		{[]string{"bench", "--count", "x"}, `lowdim bench: invalid value "x" for flag --count: parse error; give an integer`},
		{[]string{"calibrate", "--frob"}, `lowdim calibrate: flag provided but not defined: --frob (flags: lowdim calibrate -h)`},
		{[]string{"compare", "a.txt", "b.txt", "--format"}, `lowdim compare: flag needs an argument: --format`},
		{[]string{"sweep", "spec.toml", "--shard"}, `lowdim sweep: flag needs an argument: --shard`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			require.Equal(t, exitUsage, run(tc.args, &stdout, &stderr))
			require.Contains(t, stderr.String(), tc.want)
			require.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line, no usage:\n%s", stderr.String())
			require.Empty(t, stdout.String())
		})
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run([]string{"gate", "-h"}, &stdout, &stderr))
	require.Contains(t, stderr.String(), "-budget")
}
