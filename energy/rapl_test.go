package energy

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// jouleTol is the absolute tolerance, in joules, of energy comparisons: a
// nanojoule, a thousandth of the counters' microjoule resolution. The code
// differences integer microjoules exactly and divides once by 1e6, so its
// rounding error on the figures below (under 1e6 J) is under 1e-10 J.
const jouleTol = 1e-9

// Max ranges as a Skylake server reports them: 2^32 units of 61.035 µJ for
// package and core, 2^32 units of 15.3 µJ for dram.
const (
	pkgRange  = 262143328850
	dramRange = 65712999613
)

// writeTree writes files (path relative to root -> content) under root.
// Each file is replaced whole (written aside, then renamed over the old
// one), as a sysfs attribute reads: a poller reading concurrently sees the
// old value or the new one, never a truncated file.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		tmp := path + ".new"
		require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
		require.NoError(t, os.Rename(tmp, path))
	}
}

// zoneFiles returns the files of one zone directory dir.
func zoneFiles(dir, name string, energy, maxRange uint64) map[string]string {
	return map[string]string{
		dir + "/name":                name + "\n",
		dir + "/energy_uj":           fmt.Sprintf("%d\n", energy),
		dir + "/max_energy_range_uj": fmt.Sprintf("%d\n", maxRange),
	}
}

// merge returns the union of the file maps.
func merge(ms ...map[string]string) map[string]string {
	out := make(map[string]string)
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// twoPackages is a two-socket Intel server as /sys/class/powercap lists
// it, flat: the control type directory (no counter), two packages, each
// with core and dram subzones.
func twoPackages() map[string]string {
	return merge(
		map[string]string{"intel-rapl/enabled": "1\n"},
		zoneFiles("intel-rapl:0", "package-0", 1_000_000, pkgRange),
		zoneFiles("intel-rapl:0:0", "core", 400_000, pkgRange),
		zoneFiles("intel-rapl:0:1", "dram", 100_000, dramRange),
		zoneFiles("intel-rapl:1", "package-1", 2_000_000, pkgRange),
		zoneFiles("intel-rapl:1:0", "core", 800_000, pkgRange),
		zoneFiles("intel-rapl:1:1", "dram", 200_000, dramRange),
	)
}

var twoPackageDomains = []Domain{
	{Name: "package-0", Path: "intel-rapl:0", MaxRangeUJ: pkgRange, Package: true},
	{Name: "package-0/core", Path: "intel-rapl:0:0", MaxRangeUJ: pkgRange},
	{Name: "package-0/dram", Path: "intel-rapl:0:1", MaxRangeUJ: dramRange},
	{Name: "package-1", Path: "intel-rapl:1", MaxRangeUJ: pkgRange, Package: true},
	{Name: "package-1/core", Path: "intel-rapl:1:0", MaxRangeUJ: pkgRange},
	{Name: "package-1/dram", Path: "intel-rapl:1:1", MaxRangeUJ: dramRange},
}

func TestOpenRAPL(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		// links maps a symbolic link under root to its target, relative
		// to root; the layout of the real sysfs.
		links    map[string]string
		root     string // subdirectory of the temporary directory to open
		want     []Domain
		packages []string
		sample   []uint64
	}{
		{
			name:     "two packages with core and dram",
			files:    twoPackages(),
			want:     twoPackageDomains,
			packages: []string{"package-0", "package-1"},
			sample:   []uint64{1_000_000, 400_000, 100_000, 2_000_000, 800_000, 200_000},
		},
		{
			name: "subzones nested in their package only",
			files: merge(
				zoneFiles("intel-rapl:0", "package-0", 1_000_000, pkgRange),
				zoneFiles("intel-rapl:0/intel-rapl:0:0", "core", 400_000, pkgRange),
				zoneFiles("intel-rapl:0/intel-rapl:0:1", "dram", 100_000, dramRange),
				zoneFiles("intel-rapl:1", "package-1", 2_000_000, pkgRange),
				zoneFiles("intel-rapl:1/intel-rapl:1:0", "core", 800_000, pkgRange),
				zoneFiles("intel-rapl:1/intel-rapl:1:1", "dram", 200_000, dramRange),
			),
			want: []Domain{
				{Name: "package-0", Path: "intel-rapl:0", MaxRangeUJ: pkgRange, Package: true},
				{Name: "package-0/core", Path: "intel-rapl:0/intel-rapl:0:0", MaxRangeUJ: pkgRange},
				{Name: "package-0/dram", Path: "intel-rapl:0/intel-rapl:0:1", MaxRangeUJ: dramRange},
				{Name: "package-1", Path: "intel-rapl:1", MaxRangeUJ: pkgRange, Package: true},
				{Name: "package-1/core", Path: "intel-rapl:1/intel-rapl:1:0", MaxRangeUJ: pkgRange},
				{Name: "package-1/dram", Path: "intel-rapl:1/intel-rapl:1:1", MaxRangeUJ: dramRange},
			},
			packages: []string{"package-0", "package-1"},
			sample:   []uint64{1_000_000, 400_000, 100_000, 2_000_000, 800_000, 200_000},
		},
		{
			// /sys/class/powercap holds links to every zone, subzones
			// included, while the subzones are also nested in their
			// package's directory: each zone must be read once.
			name: "sysfs links, subzones listed twice",
			files: merge(
				zoneFiles("devices/intel-rapl/intel-rapl:0", "package-0", 1_000_000, pkgRange),
				zoneFiles("devices/intel-rapl/intel-rapl:0/intel-rapl:0:0", "core", 400_000, pkgRange),
			),
			links: map[string]string{
				"class/intel-rapl:0":   "../devices/intel-rapl/intel-rapl:0",
				"class/intel-rapl:0:0": "../devices/intel-rapl/intel-rapl:0/intel-rapl:0:0",
			},
			root: "class",
			want: []Domain{
				{Name: "package-0", Path: "intel-rapl:0", MaxRangeUJ: pkgRange, Package: true},
				{Name: "package-0/core", Path: "intel-rapl:0:0", MaxRangeUJ: pkgRange},
			},
			packages: []string{"package-0"},
			sample:   []uint64{1_000_000, 400_000},
		},
		{
			// AMD Zen with the rapl driver: package zones only, energy
			// units of 15.3 µJ.
			name: "AMD package only",
			files: merge(
				zoneFiles("intel-rapl:0", "package-0", 5, 65532610987),
			),
			want:     []Domain{{Name: "package-0", Path: "intel-rapl:0", MaxRangeUJ: 65532610987, Package: true}},
			packages: []string{"package-0"},
			sample:   []uint64{5},
		},
		{
			// The MMIO interface of client parts shows package-0 again: it
			// must not be counted twice.
			name: "MMIO duplicate of a package",
			files: merge(
				zoneFiles("intel-rapl:0", "package-0", 7, pkgRange),
				zoneFiles("intel-rapl-mmio:0", "package-0", 8, pkgRange),
			),
			want: []Domain{
				{Name: "package-0", Path: "intel-rapl:0", MaxRangeUJ: pkgRange, Package: true},
				{Name: "package-0@intel-rapl-mmio:0", Path: "intel-rapl-mmio:0", MaxRangeUJ: pkgRange},
			},
			packages: []string{"package-0"},
			sample:   []uint64{7, 8},
		},
		{
			name: "numeric order, missing name, zone without counter",
			files: merge(
				zoneFiles("intel-rapl:10", "package-10", 10, pkgRange),
				zoneFiles("intel-rapl:2", "package-2", 2, pkgRange),
				map[string]string{
					"intel-rapl:3/energy_uj":           "3\n",
					"intel-rapl:3/max_energy_range_uj": "100\n",
					"intel-rapl:4/name":                "psys-no-counter\n",
					"intel-rapl:4/max_energy_range_uj": "100\n",
					"not-a-zone/energy_uj":             "1\n",
				},
			),
			want: []Domain{
				{Name: "package-2", Path: "intel-rapl:2", MaxRangeUJ: pkgRange, Package: true},
				{Name: "intel-rapl:3", Path: "intel-rapl:3", MaxRangeUJ: 100, Package: true},
				{Name: "package-10", Path: "intel-rapl:10", MaxRangeUJ: pkgRange, Package: true},
			},
			packages: []string{"package-2", "intel-rapl:3", "package-10"},
			sample:   []uint64{2, 3, 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.files)
			for link, target := range tt.links {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, link)), 0o755))
				require.NoError(t, os.Symlink(target, filepath.Join(dir, link)))
			}
			root := filepath.Join(dir, tt.root)
			r, err := OpenRAPL(root)
			require.NoError(t, err)
			want := make([]Domain, len(tt.want))
			for i, d := range tt.want {
				d.Path = filepath.Join(root, d.Path)
				want[i] = d
			}
			assert.Equal(t, want, r.Domains())
			assert.Equal(t, tt.packages, r.Packages())
			assert.Equal(t, root, r.Root())
			s, err := r.Read()
			require.NoError(t, err)
			assert.Equal(t, tt.sample, s.UJ)
		})
	}
}

func TestOpenRAPLErrors(t *testing.T) {
	permission := func(name string) ([]byte, error) {
		if filepath.Base(name) == "energy_uj" {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
		}
		return os.ReadFile(name)
	}
	tests := []struct {
		name     string
		root     string            // relative to the temporary directory
		files    map[string]string // written over twoPackages(); nil: no tree
		setup    func(t *testing.T, root string)
		readFile func(string) ([]byte, error)
		wantIs   error    // when not nil, errors.Is(err, wantIs)
		want     []string // substrings of the error text; "ROOT" stands for root
	}{
		{
			name:   "missing tree",
			root:   "no-such-dir",
			wantIs: ErrNoCounters,
			want:   []string{"no RAPL counters under ROOT: not an x86 Linux host or the powercap driver is not loaded"},
		},
		{
			name:   "tree without counters",
			files:  map[string]string{"intel-rapl/enabled": "0\n"},
			wantIs: ErrNoCounters,
			want:   []string{"no RAPL counters under ROOT"},
		},
		{
			name:     "permission denied",
			files:    twoPackages(),
			readFile: permission,
			wantIs:   fs.ErrPermission,
			want: []string{"ROOT/intel-rapl:0/energy_uj is not readable " +
				"(since Linux 5.10 RAPL energy needs root; run as root or `chmod a+r` it): permission denied"},
		},
		{
			// Root reads a file whatever its mode; a directory in place
			// of the file is unreadable for everyone.
			name:  "energy_uj is a directory",
			files: twoPackages(),
			setup: func(t *testing.T, root string) {
				path := filepath.Join(root, "intel-rapl:1:1", "energy_uj")
				require.NoError(t, os.Remove(path))
				require.NoError(t, os.Mkdir(path, 0o755))
			},
			want: []string{"ROOT/intel-rapl:1:1/energy_uj is not readable: is a directory"},
		},
		{
			name:  "malformed energy_uj",
			files: merge(twoPackages(), map[string]string{"intel-rapl:1/energy_uj": "12x4\n"}),
			want:  []string{`ROOT/intel-rapl:1/energy_uj holds "12x4", not a decimal count of microjoules`},
		},
		{
			name:  "negative energy_uj",
			files: merge(twoPackages(), map[string]string{"intel-rapl:0:0/energy_uj": "-1"}),
			want:  []string{`ROOT/intel-rapl:0:0/energy_uj holds "-1"`},
		},
		{
			name:  "empty energy_uj",
			files: merge(twoPackages(), map[string]string{"intel-rapl:0:0/energy_uj": ""}),
			want:  []string{`ROOT/intel-rapl:0:0/energy_uj holds ""`},
		},
		{
			name:  "malformed max range",
			files: merge(twoPackages(), map[string]string{"intel-rapl:0/max_energy_range_uj": "lots"}),
			want:  []string{`ROOT/intel-rapl:0/max_energy_range_uj holds "lots"`},
		},
		{
			name:  "max range 0",
			files: merge(twoPackages(), map[string]string{"intel-rapl:0:1/max_energy_range_uj": "0\n"}),
			want:  []string{"ROOT/intel-rapl:0:1/max_energy_range_uj is 0"},
		},
		{
			name:  "missing max range",
			files: twoPackages(),
			setup: func(t *testing.T, root string) {
				require.NoError(t, os.Remove(filepath.Join(root, "intel-rapl:1", "max_energy_range_uj")))
			},
			wantIs: fs.ErrNotExist,
			want:   []string{"ROOT/intel-rapl:1/max_energy_range_uj is not readable"},
		},
		{
			name:  "counter above its range",
			files: merge(twoPackages(), map[string]string{"intel-rapl:0:1/energy_uj": "65712999614\n"}),
			want:  []string{"ROOT/intel-rapl:0:1/energy_uj is 65712999614, above max_energy_range_uj 65712999613"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, tt.root)
			if tt.files != nil {
				writeTree(t, root, tt.files)
			}
			if tt.setup != nil {
				tt.setup(t, root)
			}
			readFile := tt.readFile
			if readFile == nil {
				readFile = os.ReadFile
			}
			r, err := openRAPL(root, readFile)
			require.Error(t, err)
			assert.Nil(t, r)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), strings.ReplaceAll(w, "ROOT", root))
			}
		})
	}
}

// TestOpenRAPLChmod makes energy_uj unreadable by its mode, as Linux 5.10
// does for non-root users. Root reads it anyway, so there the test is
// skipped; "permission denied" above covers the message.
func TestOpenRAPLChmod(t *testing.T) {
	if os.Geteuid() == 0 {
		testenv.SkipOptional(t, "running as root, which reads a file whatever its mode (\"permission denied\" in TestOpenRAPLErrors covers the message)")
	}
	root := t.TempDir()
	writeTree(t, root, twoPackages())
	path := filepath.Join(root, "intel-rapl:0", "energy_uj")
	require.NoError(t, os.Chmod(path, 0))
	_, err := OpenRAPL(root)
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrPermission)
	assert.Contains(t, err.Error(), path+" is not readable (since Linux 5.10 RAPL energy needs root")
}

func TestJoules(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, twoPackages())
	r, err := OpenRAPL(root)
	require.NoError(t, err)

	// Domain order: package-0, package-0/core, package-0/dram, package-1,
	// package-1/core, package-1/dram.
	tests := []struct {
		name      string
		a, b      []uint64
		want      map[string]float64
		wantTotal float64
	}{
		{
			name: "no change",
			a:    []uint64{1, 2, 3, 4, 5, 6},
			b:    []uint64{1, 2, 3, 4, 5, 6},
			want: map[string]float64{
				"package-0": 0, "package-0/core": 0, "package-0/dram": 0,
				"package-1": 0, "package-1/core": 0, "package-1/dram": 0,
			},
			wantTotal: 0,
		},
		{
			// Deltas in µJ: 5e6, 2e6, 1e6, 7e6, 3e6, 5e5. The total counts
			// the packages only: 5 J + 7 J = 12 J, not the 18.5 J of all
			// six domains.
			name: "two packages, total counts packages only",
			a:    []uint64{1_000_000, 400_000, 100_000, 2_000_000, 800_000, 200_000},
			b:    []uint64{6_000_000, 2_400_000, 1_100_000, 9_000_000, 3_800_000, 700_000},
			want: map[string]float64{
				"package-0": 5, "package-0/core": 2, "package-0/dram": 1,
				"package-1": 7, "package-1/core": 3, "package-1/dram": 0.5,
			},
			wantTotal: 12,
		},
		{
			// package-0 wrapped: (262143328850 - 262142328850) + 500000 =
			// 1000000 + 500000 µJ = 1.5 J. package-0/dram wrapped:
			// (65712999613 - 65712999613) + 250000 µJ = 0.25 J. Total
			// 1.5 J + 2 J.
			name: "wrapped counters",
			a:    []uint64{262_142_328_850, 0, 65_712_999_613, 1_000_000, 0, 0},
			b:    []uint64{500_000, 0, 250_000, 3_000_000, 0, 0},
			want: map[string]float64{
				"package-0": 1.5, "package-0/core": 0, "package-0/dram": 0.25,
				"package-1": 2, "package-1/core": 0, "package-1/dram": 0,
			},
			wantTotal: 3.5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Sample{UJ: tt.a}, Sample{UJ: tt.b}
			got := r.Joules(a, b)
			require.Len(t, got, len(tt.want))
			for name, want := range tt.want {
				assert.InDelta(t, want, got[name], jouleTol, "domain %s", name)
			}
			assert.InDelta(t, tt.wantTotal, r.Total(a, b), jouleTol, "total")
			assert.Equal(t, tt.a, a.UJ, "input a modified")
			assert.Equal(t, tt.b, b.UJ, "input b modified")
		})
	}

	t.Run("samples of another RAPL panic", func(t *testing.T) {
		short := Sample{UJ: []uint64{1, 2}}
		full := Sample{UJ: make([]uint64, 6)}
		assert.Panics(t, func() { r.Joules(short, full) })
		assert.Panics(t, func() { r.Total(full, short) })
	})
}

// TestReadJoules reads the counters of a fake tree before and after they
// move, one of them through a wrap.
func TestReadJoules(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, twoPackages())
	r, err := OpenRAPL(root)
	require.NoError(t, err)
	a, err := r.Read()
	require.NoError(t, err)
	// package-0 from 1e6 to 3.5e6 µJ: 2.5 J. package-1 wraps from 2e6 to
	// 1e6 µJ: 262143328850 - 2000000 + 1000000 µJ = 262142.32885 J.
	writeTree(t, root, map[string]string{
		"intel-rapl:0/energy_uj": "3500000\n",
		"intel-rapl:1/energy_uj": "1000000\n",
	})
	b, err := r.Read()
	require.NoError(t, err)
	j := r.Joules(a, b)
	assert.InDelta(t, 2.5, j["package-0"], jouleTol)
	assert.InDelta(t, 262142.32885, j["package-1"], jouleTol)
	assert.InDelta(t, 0.0, j["package-1/dram"], jouleTol)
	assert.InDelta(t, 2.5+262142.32885, r.Total(a, b), jouleTol)
}

func TestDelta(t *testing.T) {
	tests := []struct {
		name           string
		a, b, maxRange uint64
		want           uint64
	}{
		{"forward", 10, 25, 100, 15},
		{"equal", 10, 10, 100, 0},
		// 100 - 90 + 5: ten microjoules up to the wrap, five after it.
		{"one wrap", 90, 5, 100, 15},
		{"wrap from the top", 100, 0, 100, 0},
		{"wrap to the same value", 50, 49, 100, 99},
		// a above the range is clamped to it: 100 - 100 + 7.
		{"start above range", 150, 7, 100, 7},
		// Near the top of uint64 nothing overflows.
		{"wide range", 1<<64 - 2, 1, 1<<64 - 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, delta(tt.a, tt.b, tt.maxRange))
		})
	}
}

// TestParseZoneID checks which directory names are zones.
func TestParseZoneID(t *testing.T) {
	tests := []struct {
		in    string
		ok    bool
		typ   string
		index []uint64
	}{
		{"intel-rapl:0", true, "intel-rapl", []uint64{0}},
		{"intel-rapl:1:2", true, "intel-rapl", []uint64{1, 2}},
		{"intel-rapl-mmio:0", true, "intel-rapl-mmio", []uint64{0}},
		{"intel-rapl", false, "", nil},
		{":0", false, "", nil},
		{"intel-rapl:", false, "", nil},
		{"intel-rapl:x", false, "", nil},
		{"intel-rapl:-1", false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, ok := parseZoneID(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.typ, id.typ)
			assert.Equal(t, tt.index, id.index)
		})
	}
}

// maxPlausibleWatts bounds the power of one RAPL domain in
// TestRealPowercap: no CPU package or DRAM draws a kilowatt, while a
// counter that went backwards, read as a wrap, would show at least
// 65532 J (the smallest range seen, AMD's) in a fraction of a second.
const maxPlausibleWatts = 1000

// TestRealPowercap reads this machine's powercap tree, when it has one
// that can be read, and checks what holds on any real one: each domain has
// a range, each value lies within it, counters do not go backwards over a
// short busy loop (a decrease would read as a wrap: a full range of
// joules), and the packages used some energy, which a Meter reports as
// measured. Where the tree is missing or unreadable (most VMs and
// containers, non-root users since Linux 5.10) the test skips: CI cannot
// be required to provide RAPL.
func TestRealPowercap(t *testing.T) {
	r, err := OpenRAPL(DefaultRoot)
	if err != nil {
		testenv.SkipOptional(t, fmt.Sprintf("RAPL counters under %s: %v", DefaultRoot, err))
	}
	domains := r.Domains()
	require.NotEmpty(t, domains, "OpenRAPL succeeded with no domain")
	for _, d := range domains {
		t.Logf("domain %-24s package=%-5v max_energy_range_uj=%d  %s", d.Name, d.Package, d.MaxRangeUJ, d.Path)
		assert.Positive(t, d.MaxRangeUJ, "%s: max_energy_range_uj", d.Name)
	}

	start := time.Now()
	a, err := r.Read()
	require.NoError(t, err)
	busy(0.1)
	b, err := r.Read()
	require.NoError(t, err)
	wall := time.Since(start).Seconds()
	for i, d := range domains {
		assert.LessOrEqual(t, a.UJ[i], d.MaxRangeUJ, "%s: first read", d.Name)
		assert.LessOrEqual(t, b.UJ[i], d.MaxRangeUJ, "%s: second read", d.Name)
	}
	joules := r.Joules(a, b)
	for name, j := range joules {
		t.Logf("%-24s %.3f J over %.3f s (%.1f W)", name, j, wall, j/wall)
		assert.GreaterOrEqual(t, j, 0.0, name)
		assert.LessOrEqual(t, j, maxPlausibleWatts*wall, "%s: %.3f J in %.3f s: a counter went backwards?", name, j, wall)
	}
	total := r.Total(a, b)
	t.Logf("total (%s): %.3f J", strings.Join(r.Packages(), "+"), total)
	if len(r.Packages()) == 0 {
		return // subzones only: NewMeter uses the model (TestMeterModel)
	}
	assert.Positive(t, total, "packages running a busy loop used no energy")

	m := NewMeter(DefaultRoot, Model{})
	require.Empty(t, m.Why())
	m.Start()
	busy(0.05)
	rd := m.Stop()
	assert.True(t, rd.Measured)
	assert.Equal(t, UnitMeasured, rd.Unit())
	assert.Equal(t, "rapl:"+strings.Join(r.Packages(), "+"), rd.Source)
	assert.Positive(t, rd.Joules)
}
