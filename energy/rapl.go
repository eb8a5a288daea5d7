package energy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// DefaultRoot is where Linux exposes the powercap class: one directory (in
// practice a symbolic link) per zone, subzones included.
const DefaultRoot = "/sys/class/powercap"

// ErrNoCounters is wrapped by the error OpenRAPL returns when root holds no
// zone with an energy_uj counter.
var ErrNoCounters = errors.New("no RAPL counters")

// Domain is one RAPL zone with an energy counter.
type Domain struct {
	// Name is unique within a RAPL. A top-level zone is named by its name
	// file ("package-0"); a subzone by its parent's Name, a slash and its
	// own name file ("package-0/core", "package-1/dram"), since subzone
	// names repeat across packages. A zone whose name is already taken
	// gets "@" and its directory name appended ("package-0@intel-rapl-mmio:0").
	Name string
	// Path is the zone's directory, root joined with its directory name
	// ("/sys/class/powercap/intel-rapl:0").
	Path string
	// MaxRangeUJ is the counter's max_energy_range_uj: energy_uj counts
	// microjoules from 0 up to this value and then wraps to 0.
	MaxRangeUJ uint64
	// Package is true for a top-level zone whose name no earlier zone has.
	// Total sums these domains only: subzones (core, uncore, dram) are
	// contained in their package, and a duplicate such as the MMIO view of
	// package-0 (intel-rapl-mmio:0) measures the same energy again.
	Package bool
}

// Sample holds cumulative counter values: UJ[i] is the energy_uj of the
// i-th domain of the RAPL that read it, in microjoules.
type Sample struct {
	UJ []uint64
}

// RAPL reads the energy counters of the powercap tree (Intel RAPL, and AMD
// RAPL, which the kernel exposes under the same intel-rapl zone names).
// It is safe for concurrent use: it holds no state that Read changes.
type RAPL struct {
	root     string
	domains  []Domain
	readFile func(name string) ([]byte, error)
}

// OpenRAPL discovers the zones under root (normally DefaultRoot) that have
// an energy_uj file and checks that each counter can be read and parsed.
//
// Zones are directories named <type>:<N> (a package, e.g. intel-rapl:0) and
// <type>:<N>:<M> (a subzone: core, uncore, dram, ...), either listed
// directly under root, as /sys/class/powercap does, or nested in their
// parent's directory. Zones without energy_uj are skipped. A missing name
// file makes the directory name the zone's name; a missing or zero
// max_energy_range_uj is an error.
//
// The error names the file and its content: ErrNoCounters (wrapped) when
// root is missing or holds no counters, and fs.ErrPermission (wrapped) when
// an energy_uj is not readable, as is the case for non-root users since
// Linux 5.10.
func OpenRAPL(root string) (*RAPL, error) {
	return openRAPL(root, os.ReadFile)
}

// openRAPL is OpenRAPL reading file contents with readFile, so that tests
// running as root can simulate unreadable counters.
func openRAPL(root string, readFile func(string) ([]byte, error)) (*RAPL, error) {
	noCounters := fmt.Errorf("energy: %w under %s: not an x86 Linux host or the powercap driver is not loaded", ErrNoCounters, root)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, noCounters
	}
	if err != nil {
		return nil, fmt.Errorf("energy: listing %s: %w", root, err)
	}

	// Collect zone directories by id (the directory name), flat and nested.
	dirs := make(map[string]string)
	var ids []zoneID
	// Breadth first, so that a zone listed directly under root is known by
	// that path rather than by its nested one.
	var walk func(dir string, names []string, parent *zoneID)
	walk = func(dir string, names []string, parent *zoneID) {
		var found []zoneID
		for _, name := range names {
			id, ok := parseZoneID(name)
			if !ok || (parent != nil && !id.childOf(*parent)) {
				continue
			}
			found = append(found, id)
			if _, seen := dirs[name]; !seen {
				dirs[name] = filepath.Join(dir, name)
				ids = append(ids, id)
			}
		}
		for _, id := range found {
			path := filepath.Join(dir, id.raw)
			sub, err := os.ReadDir(path)
			if err != nil {
				continue // a file, or a dangling link: no subzones to find
			}
			subNames := make([]string, len(sub))
			for i, e := range sub {
				subNames[i] = e.Name()
			}
			walk(path, subNames, &id)
		}
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	walk(root, names, nil)
	slices.SortFunc(ids, compareZoneIDs)

	r := &RAPL{root: root, readFile: readFile}
	label := make(map[string]string) // zone id -> Domain.Name
	taken := make(map[string]bool)   // Domain.Names in use
	for _, id := range ids {
		dir := dirs[id.raw]
		if _, err := os.Stat(filepath.Join(dir, "energy_uj")); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		name := id.raw
		if b, err := readFile(filepath.Join(dir, "name")); err == nil && strings.TrimSpace(string(b)) != "" {
			name = strings.TrimSpace(string(b))
		}
		top := len(id.index) == 1
		if !top {
			parent := id.parent()
			if l, ok := label[parent]; ok {
				name = l + "/" + name
			} else {
				name = parent + "/" + name
			}
		}
		pkg := top
		if taken[name] {
			name += "@" + id.raw
			pkg = false
		}
		taken[name] = true
		label[id.raw] = name

		maxRange, err := readCounter(readFile, filepath.Join(dir, "max_energy_range_uj"))
		if err != nil {
			return nil, err
		}
		if maxRange == 0 {
			return nil, fmt.Errorf("energy: %s is 0: a counter without a range cannot be differenced across a wrap", filepath.Join(dir, "max_energy_range_uj"))
		}
		r.domains = append(r.domains, Domain{Name: name, Path: dir, MaxRangeUJ: maxRange, Package: pkg})
	}
	if len(r.domains) == 0 {
		return nil, noCounters
	}
	if _, err := r.Read(); err != nil {
		return nil, err
	}
	return r, nil
}

// Root returns the directory r was opened on.
func (r *RAPL) Root() string { return r.root }

// Domains returns the domains r reads, in the order of Sample.UJ: zones
// sorted by type and index, each package followed by its subzones. The
// slice is a copy.
func (r *RAPL) Domains() []Domain {
	return slices.Clone(r.domains)
}

// Packages returns the Names of the domains Total sums, in order.
func (r *RAPL) Packages() []string {
	var names []string
	for _, d := range r.domains {
		if d.Package {
			names = append(names, d.Name)
		}
	}
	return names
}

// Read returns the current value of every counter. It allocates the
// Sample's slice. The error names the file that could not be read or
// parsed; a value above the domain's MaxRangeUJ is an error too.
func (r *RAPL) Read() (Sample, error) {
	s := Sample{UJ: make([]uint64, len(r.domains))}
	for i, d := range r.domains {
		path := filepath.Join(d.Path, "energy_uj")
		v, err := readCounter(r.readFile, path)
		if err != nil {
			return Sample{}, err
		}
		if v > d.MaxRangeUJ {
			return Sample{}, fmt.Errorf("energy: %s is %d, above max_energy_range_uj %d", path, v, d.MaxRangeUJ)
		}
		s.UJ[i] = v
	}
	return s, nil
}

// Joules returns the energy in joules each domain used between samples a
// and b (read from r, a before b), keyed by Domain.Name.
//
// A counter that went down (b < a) is taken to have wrapped once:
// delta = b + MaxRangeUJ - a. More than one wrap between two samples cannot
// be detected and is silently lost. A counter wraps after MaxRangeUJ/1e6
// joules: 262144 J (2^32 units of 61 µJ, usual on Intel) lasts about 22
// minutes at 200 W, but 65536 J (units of 15.3 µJ, usual on AMD) only
// about 4 minutes at 250 W. Sample at least every minute or two; Meter
// does so by itself.
//
// Joules allocates the map. It panics if a or b does not have one value per
// domain of r.
func (r *RAPL) Joules(a, b Sample) map[string]float64 {
	r.checkSamples(a, b)
	m := make(map[string]float64, len(r.domains))
	for i, d := range r.domains {
		m[d.Name] = microjoulesToJoules(delta(a.UJ[i], b.UJ[i], d.MaxRangeUJ))
	}
	return m
}

// Total returns the energy in joules used between samples a and b by all
// Package domains, summed; subzones are contained in their package and
// are not added again. Wraps are handled as in Joules. It does not
// allocate, and panics if a or b does not have one value per domain of r.
func (r *RAPL) Total(a, b Sample) float64 {
	r.checkSamples(a, b)
	var uj uint64
	for i, d := range r.domains {
		if d.Package {
			uj += delta(a.UJ[i], b.UJ[i], d.MaxRangeUJ)
		}
	}
	return microjoulesToJoules(uj)
}

func (r *RAPL) checkSamples(a, b Sample) {
	if len(a.UJ) != len(r.domains) || len(b.UJ) != len(r.domains) {
		panic(fmt.Sprintf("energy: samples with %d and %d values for a RAPL with %d domains", len(a.UJ), len(b.UJ), len(r.domains)))
	}
}

// delta returns the microjoules counted from a to b on a counter that wraps
// to 0 after maxRange, assuming at most one wrap. A value a above maxRange,
// which Read never returns, is taken as maxRange.
func delta(a, b, maxRange uint64) uint64 {
	if b >= a {
		return b - a
	}
	a = min(a, maxRange)
	return maxRange - a + b
}

func microjoulesToJoules(uj uint64) float64 { return float64(uj) / 1e6 }

// readCounter reads a sysfs file holding one unsigned decimal integer.
func readCounter(readFile func(string) ([]byte, error), path string) (uint64, error) {
	b, err := readFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in our message already
		}
		if errors.Is(err, fs.ErrPermission) {
			return 0, fmt.Errorf("energy: %s is not readable (since Linux 5.10 RAPL energy needs root; run as root or `chmod a+r` it): %w", path, err)
		}
		return 0, fmt.Errorf("energy: %s is not readable: %w", path, err)
	}
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		const maxShown = 64
		if len(s) > maxShown {
			s = s[:maxShown] + "..."
		}
		return 0, fmt.Errorf("energy: %s holds %q, not a decimal count of microjoules", path, s)
	}
	return v, nil
}

// zoneID is a parsed powercap zone directory name: "intel-rapl:1:0" is
// type "intel-rapl", index [1 0].
type zoneID struct {
	raw   string
	typ   string
	index []uint64
}

// parseZoneID parses <type>:<N>[:<M>...]. Control-type directories such as
// "intel-rapl" have no index and are rejected.
func parseZoneID(s string) (zoneID, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || parts[0] == "" {
		return zoneID{}, false
	}
	id := zoneID{raw: s, typ: parts[0], index: make([]uint64, len(parts)-1)}
	for i, p := range parts[1:] {
		v, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return zoneID{}, false
		}
		id.index[i] = v
	}
	return id, true
}

// parent returns the directory name of the zone containing id.
func (id zoneID) parent() string {
	return id.raw[:strings.LastIndexByte(id.raw, ':')]
}

// childOf reports whether id is a direct subzone of p.
func (id zoneID) childOf(p zoneID) bool {
	return len(id.index) == len(p.index)+1 && id.parent() == p.raw
}

// compareZoneIDs orders by type, then index numerically, a parent before
// its subzones (intel-rapl:2 before intel-rapl:2:0 before intel-rapl:10).
func compareZoneIDs(a, b zoneID) int {
	if c := strings.Compare(a.typ, b.typ); c != 0 {
		return c
	}
	return slices.Compare(a.index, b.index)
}
