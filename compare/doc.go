// Package compare is the regression gate over Go benchmark files: it reads an
// OLD and a NEW file in the Go benchmark format (golang.org/x/perf/benchfmt),
// compares every (benchmark, unit) pair present in both with benchmath, and
// says which ones regressed. benchstat prints the same statistics but always
// exits 0; `lowdim compare` (cmd/lowdim) wraps this package and exits non-zero
// on a regression, so a CI job can fail on it.
//
// # Grouping
//
// A row is one benchmark and unit. The benchmark is its full name with its
// sub-benchmark keys, without the "Benchmark" prefix and without the
// -GOMAXPROCS suffix (BenchmarkStep/d=64-8 is "Step/d=64"), so the same
// benchmark run on machines with different core counts pairs up; a name
// that a file holds under more than one GOMAXPROCS (go test -cpu 1,4) keeps
// its suffix, so runs at different GOMAXPROCS are never mixed. Units are the
// tidied units of benchfmt (benchunit.Tidy): ns/op is read as sec/op and MB/s
// as B/s, so a file written in ns/op pairs with one written in sec/op.
//
// The file configuration ("key: value" lines) is part of the key where it
// tells benchmarks apart: every key whose value differs between two results
// of one file (a result without the key has the value "") is a key of every
// row of both files (Report.Keys, Row.Config), pkg first, then in order of
// appearance. So the BenchmarkEncodeToString of encoding/base32 and that of
// encoding/base64, in one go test ./... file, are two rows, never one
// pooled sample. Keys that differ only between the two files (cpu, commit,
// blas: what the comparison is about) are not part of the key, or nothing
// would pair; they are reported as machine lines. The keying is a
// golang.org/x/perf/benchproc projection (the keys benchproc.NonSingularFields
// finds in each file's .config, then .fullname without /gomaxprocs, and
// .unit). Trailing white space of configuration values is dropped (go test
// pads the cpu line; CRLF files end every value with "\r").
//
// # Machine lines and geomeans
//
// A Report lists, for each file, the values of the machine configuration
// keys goos, goarch, cpu, cores, gomaxprocs, go, blas, lowdim (the lowdim
// version) and commit (Report.Machine; the keys lowdim bench writes, see
// machine.Fingerprint.ConfigLines, and those go test writes), and per unit
// the geometric mean of the row centers over the rows present in both
// files, as benchstat's geomean row (Report.Geomeans), so that a change of
// machine or BLAS backend that moves every row shows at a glance.
//
// # Encodings
//
// Each file is read whole into memory and decoded before it is parsed: a
// UTF-8 byte order mark is dropped (at the start of the file and of any
// line: files concatenated with cat), UTF-16 with a byte order mark (FF FE
// or FE FF: what Windows PowerShell's ">" writes) is decoded to UTF-8, and
// any NUL byte left (UTF-16 without a byte order mark, a binary file) is an
// *EncodingError naming the file and line. CRLF line ends need no decoding.
//
// # Direction
//
// Whether lower or higher is better comes from the files' Unit lines
// ("Unit GFLOP/s better=higher"; a Unit line in either file applies to both,
// and conflicting ones are a syntax error). Without one, benchfmt's built-in
// defaults apply (B/s higher; sec/op, B/op, allocs/op lower); a unit read as a
// rate per second (its last denominator is s or sec, as in flops/s) is higher
// is better; everything else (x/op, bytes, errors) is lower is better.
//
// # The regression rule
//
// For each pair the summaries are the median with its 95% confidence interval
// (benchmath.AssumeNothing), or for deterministic units the exact value
// (benchmath.AssumeExact). A unit is deterministic when a Unit line marks it
// assume=exact, or when every sample is identical within each file and the
// files hold enough samples that the Mann-Whitney U test could have shown a
// difference at Alpha (a constant sample of two is not evidence of a
// deterministic metric). Then, with old and new the centers:
//
//   - deterministic: a change |new-old| > 1e-9 |old| (RelTolExact; the
//     tolerance absorbs decimal round trips only) in the worse direction is a
//     regression and in the better direction an improvement, whatever its size
//     and p-value; otherwise no change.
//   - otherwise: p is the Mann-Whitney U p-value (AssumeNothing.Compare). If
//     p < Alpha (default 0.05) and the relative change |new-old|/|old| is
//     larger than Threshold (default 0.05, 5%), the change is a regression in
//     the worse direction and an improvement in the better direction; a
//     significant change within Threshold, or p >= Alpha, is no change. But if
//     the samples are too few for p to ever reach Alpha (the p-value of two
//     completely separated samples of these sizes, 2/C(n1+n2, n1), is >= Alpha:
//     at Alpha 0.05, 3+3 samples are too few while 4+4 or 2+10 suffice), the
//     row is "insufficient samples": a warning, not a pass.
//
// A pair in only one file is reported ("only in old", "only in new") and is
// neither a regression nor a warning. The comparison fails when there is at
// least one regression, or, with Options.StrictSamples, at least one warning.
//
// # Errors
//
// Compare returns an error, and no report, when a file cannot be read (the
// I/O error), when a file is not UTF-8 or UTF-16 text (*EncodingError),
// when a file holds malformed lines (a SyntaxErrors listing every
// "file:line: message", as benchfmt reports them, including non-finite
// values), when a file holds no benchmark results, when the files have no
// (benchmark, unit) pair in common, or when the Options are out of range. It
// does not panic on any input.
//
// # Exit codes of lowdim compare
//
//	0  no regression (and no warning with --strict-samples)
//	1  a regression, or a warning with --strict-samples
//	2  bad input: a missing or unreadable file, a file that is not text
//	   (file:line of its NUL byte), a syntax error (reported as file:line), a
//	   file without results, no common benchmarks, bad flags
package compare
