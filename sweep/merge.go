package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/lowdim/lowdim/results"
)

// Row is one configuration and method of a merged sweep. A figure that
// does not exist (a tolerance never reached, a failed run) is nil: empty
// in sweep.csv, null in sweep.json, never 0.
type Row struct {
	Index int         `json:"index"`
	Hash  string      `json:"hash"`
	Axes  []AxisValue `json:"axes"`
	// Method is the method's name; Status the point's (Finished, Failed,
	// Interrupted), MethodStatus the method's (results.Status; "" for a
	// failed point).
	Method       string   `json:"method"`
	Status       string   `json:"status"`
	MethodStatus string   `json:"method_status"`
	Steps        *int     `json:"steps"`
	StepsToTol   *int     `json:"steps_to_tol"`
	SecondsToTol *float64 `json:"seconds_to_tol"`
	BestError    *float64 `json:"best_error"`
	FinalError   *float64 `json:"final_error"`
	Params       *int     `json:"params"`
	PeakRSSBytes *uint64  `json:"peak_rss_bytes"`
	Seconds      *float64 `json:"seconds"`
	Error        string   `json:"error"`

	// reported is the method's reported error (ReportedError), tol the
	// point's --tol: what the safe width reads.
	reported *float64
	tol      float64
}

// Measured lists the columns of sweep.csv that are measured (time and
// memory): the only ones that differ between two runs of one sweep.
var Measured = []string{"seconds_to_tol", "peak_rss_bytes", "seconds"}

// Merged is a merged sweep: its axis keys (in the spec's order) and rows
// by index, then method in training order.
type Merged struct {
	AxisKeys []string `json:"axis_keys"`
	Rows     []Row    `json:"rows"`
	// SafeWidths are the safe widths of a sweep with an r-hat axis and
	// the original network among its methods, per group of the other axes
	// but seed and candidate method (SafeWidthRow); none otherwise.
	SafeWidths []SafeWidthRow `json:"safe_widths,omitempty"`
	// Problems lists the folders that could not be read (a run.json of
	// another schema, a malformed status): reported, not fatal.
	Problems []string `json:"problems,omitempty"`
}

// Merge reads the point folders (those holding PointFile) directly under
// each of dirs; run.json is read through results.Reader. A point found in
// several folders is taken once, finished first. Only an I/O error of a
// folder listing stops it.
func Merge(dirs ...string) (*Merged, error) {
	byHash := map[string]*Status{}
	where := map[string]string{}
	var m Merged
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, fmt.Errorf("sweep merge: %w", err)
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			dir := filepath.Join(d, e.Name())
			if _, err := os.Stat(filepath.Join(dir, PointFile)); err != nil {
				continue
			}
			st, err := ReadStatus(dir)
			if err != nil {
				m.Problems = append(m.Problems, err.Error())
				continue
			}
			if old, ok := byHash[st.Hash]; ok && (old.Status == Finished || st.Status != Finished) {
				continue
			}
			byHash[st.Hash], where[st.Hash] = st, dir
		}
	}
	var sts []*Status
	for _, st := range byHash {
		sts = append(sts, st)
	}
	slices.SortFunc(sts, func(a, b *Status) int { return a.Index - b.Index })
	var paths []string
	for _, st := range sts {
		for _, a := range st.Axes {
			if !slices.Contains(m.AxisKeys, a.Key) {
				m.AxisKeys = append(m.AxisKeys, a.Key)
			}
		}
		if st.Status != Failed {
			paths = append(paths, filepath.Join(where[st.Hash], "run.json"))
		}
	}
	runs := map[string]*results.Run{}
	r := results.NewReader(paths)
	for i := 0; r.Scan(); i++ {
		switch rec := r.Result().(type) {
		case *results.Run:
			runs[paths[i]] = rec
		case *results.RunError:
			m.Problems = append(m.Problems, fmt.Sprintf("%s: %v", rec.File, rec.Err))
		}
	}
	if err := r.Err(); err != nil {
		m.Problems = append(m.Problems, err.Error())
	}
	for _, st := range sts {
		run := runs[filepath.Join(where[st.Hash], "run.json")]
		m.Rows = append(m.Rows, rowsOf(st, run)...)
	}
	m.SafeWidths = m.safeWidths()
	return &m, nil
}

// rowsOf returns the rows of one point: one per method of run, or, with
// no run, one per method of its configuration with nothing measured.
func rowsOf(st *Status, run *results.Run) []Row {
	base := Row{Index: st.Index, Hash: st.Hash, Axes: st.Axes, Status: st.Status, Error: st.Error}
	if run == nil {
		var c struct {
			Methods []string `json:"methods"`
		}
		_ = json.Unmarshal(st.Config, &c)
		if len(c.Methods) == 0 {
			c.Methods = []string{""}
		}
		var rows []Row
		for _, name := range c.Methods {
			r := base
			r.Method = name
			if r.Status != Failed {
				r.Status, r.Error = Failed, "run.json unreadable"
			}
			rows = append(rows, r)
		}
		return rows
	}
	var rss *uint64
	if run.Memory != nil && run.Memory.PeakRSSBytes != nil {
		v := *run.Memory.PeakRSSBytes
		rss = &v
	}
	var rows []Row
	for _, mr := range run.Methods {
		r := base
		r.Method, r.MethodStatus = mr.Method, string(mr.Status)
		steps, params, sec := mr.Steps, mr.Params, mr.Seconds
		r.Steps, r.StepsToTol, r.SecondsToTol = &steps, mr.StepsToTol, mr.SecondsToTol
		r.BestError, r.FinalError = mr.BestError, mr.FinalError
		if params > 0 {
			r.Params = &params
		}
		if mr.Status != results.Refused {
			r.Seconds = &sec
		}
		r.PeakRSSBytes = rss
		r.reported = mr.ReportedError()
		if run.Config != nil {
			r.tol = run.Config.Tol
		}
		rows = append(rows, r)
	}
	return rows
}

// Count is how many configurations of a merged sweep are in each state.
type Count struct {
	Finished, Failed, Interrupted int
}

// Points returns the number of configurations merged.
func (c Count) Points() int { return c.Finished + c.Failed + c.Interrupted }

// Count counts m's configurations (not rows: one per configuration) by
// their point's status.
func (m *Merged) Count() Count {
	var c Count
	seen := map[string]bool{}
	for _, r := range m.Rows {
		if seen[r.Hash] {
			continue
		}
		seen[r.Hash] = true
		switch r.Status {
		case Finished:
			c.Finished++
		case Failed:
			c.Failed++
		case Interrupted:
			c.Interrupted++
		}
	}
	return c
}

// Header returns the columns of sweep.csv.
func (m *Merged) Header() []string {
	h := append([]string{"index", "hash"}, m.AxisKeys...)
	return append(h, "method", "status", "method_status", "steps", "steps_to_tol", "seconds_to_tol",
		"best_error", "final_error", "params", "peak_rss_bytes", "seconds", "error")
}

// Records returns sweep.csv's rows (without the header): an absent
// figure is "".
func (m *Merged) Records() [][]string {
	var out [][]string
	for _, r := range m.Rows {
		rec := []string{strconv.Itoa(r.Index), r.Hash}
		for _, k := range m.AxisKeys {
			rec = append(rec, axisText(r.Axes, k))
		}
		rec = append(rec, r.Method, r.Status, r.MethodStatus, fmtInt(r.Steps), fmtInt(r.StepsToTol), fmtFloat(r.SecondsToTol),
			fmtFloat(r.BestError), fmtFloat(r.FinalError), fmtInt(r.Params), fmtUint(r.PeakRSSBytes), fmtFloat(r.Seconds), r.Error)
		out = append(out, rec)
	}
	return out
}

// CSV returns sweep.csv.
func (m *Merged) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(m.Header())
	_ = w.WriteAll(m.Records())
	return b.Bytes()
}

// JSON returns sweep.json.
func (m *Merged) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	return append(b, '\n'), err
}

// axisText is the formatted value of axis key in axes ("" when absent).
func axisText(axes []AxisValue, key string) string {
	for _, a := range axes {
		if a.Key == key {
			return FormatValue(a.Value)
		}
	}
	return ""
}

func fmtInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func fmtUint(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

func fmtFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}
