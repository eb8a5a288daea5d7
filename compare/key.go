package compare

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/perf/benchproc"
)

// A KeyValue is one configuration key of a row's identity and its value,
// e.g. pkg and encoding/base64.
type KeyValue struct {
	Key, Value string
}

// keyer projects results onto the comparison key with benchproc: the
// configuration keys that vary within a file (split), the full name without
// GOMAXPROCS, and the unit; GOMAXPROCS is projected apart so that each name
// can keep it or not (see group).
type keyer struct {
	split     []string
	proj      *benchproc.Projection
	cfgFields []*benchproc.Field // the fields of split, in its order
	nameField *benchproc.Field   // .fullname without GOMAXPROCS
	unitField *benchproc.Field
	procs     *benchproc.Projection // /gomaxprocs
}

// splitKeys returns the file configuration keys whose value differs between
// two results of one file (a key absent from a result has the value ""):
// pkg first, then in the order benchproc first saw them. Keys that differ
// only between files are not among them.
func splitKeys(files ...*file) []string {
	var pp benchproc.ProjectionParser
	cfg, err := pp.Parse(".config", nil)
	if err != nil {
		panic(err) // a constant expression
	}
	varying := map[string]bool{}
	for _, f := range files {
		seen := map[benchproc.Key]bool{}
		var keys []benchproc.Key
		for _, res := range f.results {
			if k := cfg.Project(res); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		for _, fld := range benchproc.NonSingularFields(keys) {
			varying[fld.Name] = true
		}
	}
	var split []string
	if varying["pkg"] {
		split = append(split, "pkg")
	}
	for _, fld := range cfg.FlattenedFields() {
		if varying[fld.Name] && fld.Name != "pkg" {
			split = append(split, fld.Name)
		}
	}
	return split
}

// newKeyer returns the keyer of the files compared together.
func newKeyer(files ...*file) (*keyer, error) {
	k := &keyer{split: splitKeys(files...)}
	var parts []string
	for _, s := range k.split {
		parts = append(parts, strconv.Quote(s))
	}
	parts = append(parts, ".fullname")
	var pp benchproc.ProjectionParser
	var err error
	if k.proj, k.unitField, err = pp.ParseWithUnit(strings.Join(parts, ","), nil); err != nil {
		return nil, fmt.Errorf("compare: projecting configuration keys %q: %w", k.split, err)
	}
	// Parsed with the same parser, /gomaxprocs leaves .fullname.
	if k.procs, err = pp.Parse("/gomaxprocs", nil); err != nil {
		return nil, fmt.Errorf("compare: projecting /gomaxprocs: %w", err)
	}
	fields := k.proj.Fields()
	k.cfgFields = fields[:len(k.split)]
	k.nameField = fields[len(k.split)]
	return k, nil
}

// sampleKey is one sample of a file: a benchmark (id: its split keys and name,
// unit "") at one GOMAXPROCS ("" when the name has no suffix), in one unit
// (key: id with the unit).
type sampleKey struct {
	id, key benchproc.Key
	procs   string
}

// fileSamples are the samples of one file.
type fileSamples struct {
	values map[sampleKey][]float64
	order  []sampleKey                       // first appearance
	procs  map[benchproc.Key]map[string]bool // id -> GOMAXPROCS seen
}

// samples groups the values of f by sampleKey.
func (k *keyer) samples(f *file) *fileSamples {
	fs := &fileSamples{values: map[sampleKey][]float64{}, procs: map[benchproc.Key]map[string]bool{}}
	for _, res := range f.results {
		id := k.proj.Project(res)
		procs := k.procs.Project(res).Get(k.procs.Fields()[0])
		if fs.procs[id] == nil {
			fs.procs[id] = map[string]bool{}
		}
		fs.procs[id][procs] = true
		for i, key := range k.proj.ProjectValues(res) {
			s := sampleKey{id, key, procs}
			if _, ok := fs.values[s]; !ok {
				fs.order = append(fs.order, s)
			}
			fs.values[s] = append(fs.values[s], res.Values[i].Value)
		}
	}
	return fs
}

// rowKey is one row: a series key and the GOMAXPROCS it keeps ("" when its
// name is merged over GOMAXPROCS).
type rowKey struct {
	key   benchproc.Key
	procs string
}

// group merges the samples of f by row. A name keeps its GOMAXPROCS only
// when f or other holds it under several.
func (f *fileSamples) group(other *fileSamples) (map[rowKey][]float64, []rowKey) {
	vals := map[rowKey][]float64{}
	var order []rowKey
	for _, s := range f.order {
		k := rowKey{key: s.key}
		if len(f.procs[s.id]) > 1 || len(other.procs[s.id]) > 1 {
			k.procs = s.procs
		}
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = append(vals[k], f.values[s]...)
	}
	return vals, order
}

// row returns the identity fields of the row of k: benchmark, split
// configuration and unit.
func (k *keyer) row(rk rowKey) Row {
	r := Row{Benchmark: rk.key.Get(k.nameField), Unit: rk.key.Get(k.unitField)}
	if rk.procs != "" {
		r.Benchmark += "-" + rk.procs
	}
	for i, fld := range k.cfgFields {
		r.Config = append(r.Config, KeyValue{k.split[i], rk.key.Get(fld)})
	}
	return r
}
