// Package energy measures the energy used by benchmarks and runs: from the
// RAPL energy counters of the Linux powercap tree when they can be read,
// and otherwise from a model of CPU time, labelled as a model so that it
// is never presented as a measurement (DESIGN.md section 6).
//
// # RAPL counters
//
// OpenRAPL discovers the zones under /sys/class/powercap (DefaultRoot) that
// have an energy_uj counter: package zones intel-rapl:N and their subzones
// intel-rapl:N:M (core, uncore, dram, ...). AMD processors with the
// kernel's rapl driver appear under the same names; any other powercap
// type whose zones have energy_uj is read the same way. RAPL.Read returns
// a Sample of cumulative microjoule counters; RAPL.Joules gives the energy
// per domain between two samples and RAPL.Total the sum over package
// domains only, since subzones are contained in their package.
//
// Counters wrap to 0 after max_energy_range_uj. A decrease between two
// samples is taken as one wrap; two wraps cannot be told from none, so
// samples must be at most a minute or two apart (see RAPL.Joules).
//
// Since Linux 5.10 energy_uj is readable by root only (a side channel,
// CVE-2020-8694). OpenRAPL then returns an error wrapping fs.ErrPermission
// that names the file and says how to make it readable. Errors name the
// file and, for malformed content, the content.
//
// # Model
//
// Without counters, Model estimates joules as WattsPerCore x CPU seconds,
// with CPU seconds (user plus system, all threads) from getrusage; see
// CPUSeconds. DefaultWattsPerCore (10 W) is an assumption, documented
// where it is defined.
//
// # Meter
//
// A Meter picks RAPL or the model once, in NewMeter (Why says why RAPL is
// not used), and measures between Start and Stop. The Reading says whether
// it was Measured, its Source, and the Unit a benchmark reports it per
// operation under: "energy-J/op" when measured, "model-J/op" when
// modelled.
//
// Nothing in the package panics on input from the system; Joules and Total
// panic on samples that do not belong to the RAPL, NewMeter on an invalid
// Model, and Meter.Stop without Start. Reads allocate; none of this is for
// an inner loop.
package energy
