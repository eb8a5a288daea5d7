package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/results"
)

// PointFile is the status file of a point's folder.
const PointFile = "sweep-point.json"

// Statuses of a point (Status.Status).
const (
	Finished    = "finished"    // run.json holds a finished run
	Failed      = "failed"      // the run returned an error (Status.Error); no run.json
	Interrupted = "interrupted" // run.json holds a run marked interrupted
)

// Status is the content of a point's PointFile.
type Status struct {
	Hash    string          `json:"hash"`
	Index   int             `json:"index"`
	Axes    []AxisValue     `json:"axes"`
	Status  string          `json:"status"`
	Error   string          `json:"error,omitempty"`
	Version string          `json:"version"`
	Config  json.RawMessage `json:"config"`
	// Seconds is the wall time of the point's run and writes.
	Seconds float64 `json:"seconds"`
}

// Options say how Execute runs a sweep.
type Options struct {
	// Out is the sweep's folder; each point writes Out/<Point.ID>. Execute
	// first claims it (Claim): a folder of a user's files or of another
	// sweep is refused before any run.
	Out string
	// Description describes the sweep in Out's FolderFile (for the
	// message that refuses another sweep's folder).
	Description string
	// Shard selects the points of index mod Shard.N = Shard.K (N <= 1: all).
	Shard Shard
	// RetryFailed runs the points recorded as failed again.
	RetryFailed bool
	// Version is lowdim's version (machine.Read().Version): a finished
	// point of another version is run again.
	Version string
	// Interrupt, once closed, stops the sweep: the current run stops at
	// its next step boundary (Train's stop) and is written marked
	// interrupted; no further point starts.
	Interrupt <-chan struct{}
	// Train runs one configuration (experiment.Run); stop is Interrupt.
	Train func(c config.Config, stop <-chan struct{}) (*results.Run, error)
	// Write writes a run's files into dir (a staging folder): run.json
	// and whatever else lowdim run writes.
	Write func(dir string, res *results.Run) error
	// Progress, when not nil, receives one line per point.
	Progress io.Writer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// OnAbort, when not nil, registers a cleanup for an abort (a second
	// signal: internal/interrupt's Handler.OnAbort) and returns the
	// function that unregisters it; each point's folder registers its
	// Close, which removes its staging folder and releases its lock.
	OnAbort func(cleanup func()) (remove func())
}

// Summary counts the points of a shard after Execute.
type Summary struct {
	Total       int // points in the shard
	Ran         int // run by this call (finished, failed or interrupted)
	Skipped     int // finished earlier, or failed earlier without RetryFailed
	Done        int // finished, now or earlier
	Failed      int // failed, now or earlier
	Interrupted bool
	// Overhead is the time Execute spent outside Train and Write.
	Overhead time.Duration
}

// Execute runs the points of opt.Shard (see the package documentation).
// Its error is one of the world's that stops the sweep (Out cannot be
// written); a run's error only fails its point.
func Execute(points []Point, opt Options) (Summary, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	var inRuns time.Duration
	var sum Summary
	var mine []Point
	for _, p := range points {
		if opt.Shard.Has(p.Index) {
			mine = append(mine, p)
		}
	}
	sum.Total = len(mine)
	if err := Claim(opt.Out, points, opt.Description); err != nil {
		return sum, err
	}
	var ranSeconds float64
	for i, p := range mine {
		if interrupted(opt.Interrupt) {
			sum.Interrupted = true
			break
		}
		dir := filepath.Join(opt.Out, p.ID())
		switch st := Previous(dir, p.Hash, opt.Version); {
		case st == Finished:
			sum.Skipped++
			sum.Done++
			continue
		case st == Failed && !opt.RetryFailed:
			sum.Skipped++
			sum.Failed++
			continue
		}
		t0 := now()
		st, err := runPoint(dir, p, opt, &inRuns)
		if err != nil {
			return sum, err
		}
		sec := now().Sub(t0).Seconds()
		sum.Ran++
		ranSeconds += sec
		switch st.Status {
		case Finished:
			sum.Done++
		case Failed:
			sum.Failed++
		case Interrupted:
			sum.Interrupted = true
		}
		if opt.Progress != nil {
			left := len(mine) - i - 1
			eta := time.Duration(ranSeconds / float64(sum.Ran) * float64(left) * float64(time.Second)).Round(time.Second)
			msg := ""
			if st.Error != "" {
				msg = ": " + st.Error
			}
			fmt.Fprintf(opt.Progress, "sweep: %d done, %d failed, %d remaining, ETA %v | %s %s: %s in %.1f s%s\n",
				sum.Done, sum.Failed, left, eta, p.ID(), FormatAxes(p.Axes), st.Status, sec, msg)
		}
		if sum.Interrupted {
			break
		}
	}
	sum.Overhead = now().Sub(start) - inRuns
	return sum, nil
}

// Previous returns the status of the point of hash recorded in dir:
// Finished when dir holds its finished run (run.json read back through
// results.ReadRun, not interrupted) of version, Failed when it failed, ""
// otherwise (nothing, another configuration or version, interrupted, or
// unreadable: the point is run).
func Previous(dir, hash, version string) string {
	st, err := ReadStatus(dir)
	if err != nil || st.Hash != hash || st.Version != version {
		return ""
	}
	switch st.Status {
	case Failed:
		return Failed
	case Finished:
		run, err := results.ReadRun(filepath.Join(dir, "run.json"))
		if err != nil || !run.Finished() || run.Version != version {
			return ""
		}
		return Finished
	}
	return ""
}

// ReadStatus reads dir's PointFile.
func ReadStatus(dir string) (*Status, error) {
	b, err := os.ReadFile(filepath.Join(dir, PointFile))
	if err != nil {
		return nil, err
	}
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, PointFile), err)
	}
	return &st, nil
}

// runPoint runs p into dir, adding the time of Train and Write to inRuns.
func runPoint(dir string, p Point, opt Options, inRuns *time.Duration) (*Status, error) {
	f, err := outdir.Open(dir, outdir.Options{})
	if err != nil {
		return nil, config.Input(fmt.Errorf("sweep: %s: %w", dir, err))
	}
	defer f.Close()
	if opt.OnAbort != nil {
		defer opt.OnAbort(func() { f.Close() })()
	}
	stage, err := f.Stage("")
	if err != nil {
		return nil, err
	}
	cj, _ := json.Marshal(p.Config)
	st := &Status{Hash: p.Hash, Index: p.Index, Axes: p.Axes, Version: opt.Version, Config: cj}
	t0 := time.Now()
	res, err := opt.Train(p.Config, opt.Interrupt)
	if err == nil {
		err = opt.Write(stage.Path(), res)
	}
	elapsed := time.Since(t0)
	*inRuns += elapsed
	st.Seconds = elapsed.Seconds()
	switch {
	case err != nil:
		st.Status, st.Error = Failed, err.Error()
		// A half-written run's files are not kept beside a failure.
		if err := stage.Discard(); err != nil {
			return nil, err
		}
		if stage, err = f.Stage(""); err != nil {
			return nil, err
		}
	case res.Interrupted:
		// Only the run's own state counts: a signal after its training
		// ended leaves a finished run, which a resumption must not run
		// again (Execute stops before the next point).
		st.Status = Interrupted
	default:
		st.Status = Finished
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := results.WriteFileAtomic(filepath.Join(stage.Path(), PointFile), append(b, '\n')); err != nil {
		return nil, err
	}
	if err := stage.Commit(); err != nil {
		return nil, err
	}
	return st, f.Close()
}

func interrupted(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Shard is the part k of n of a sweep: the points of index mod N = K.
// The zero Shard is the whole sweep.
type Shard struct{ K, N int }

// Has reports whether the point of index i is in s.
func (s Shard) Has(i int) bool { return s.N <= 1 || i%s.N == s.K }

func (s Shard) String() string {
	if s.N <= 1 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// ParseShard parses "k/n" (0 <= k < n).
func ParseShard(v string) (Shard, error) {
	var s Shard
	var extra string
	if n, _ := fmt.Sscanf(v, "%d/%d%s", &s.K, &s.N, &extra); n != 2 || s.N < 1 || s.K < 0 || s.K >= s.N {
		return Shard{}, errors.New("want k/n with 0 <= k < n, e.g. 0/4")
	}
	return s, nil
}

// ShardFromEnv returns the shard given by the environment through
// getenv: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job
// array), else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) with
// shards, the number of completions (--shards). ok is false when neither
// is set; an error names a malformed variable.
func ShardFromEnv(getenv func(string) string, shards int) (s Shard, ok bool, err error) {
	atoi := func(name string) (int, error) {
		var n int
		v := getenv(name)
		if _, err := fmt.Sscanf(v, "%d", &n); err != nil || fmt.Sprint(n) != v || n < 0 {
			return 0, fmt.Errorf("%s=%q: want a non-negative integer", name, v)
		}
		return n, nil
	}
	if getenv("SLURM_ARRAY_TASK_ID") != "" {
		k, err := atoi("SLURM_ARRAY_TASK_ID")
		if err != nil {
			return Shard{}, false, err
		}
		n := shards
		if getenv("SLURM_ARRAY_TASK_COUNT") != "" {
			if n, err = atoi("SLURM_ARRAY_TASK_COUNT"); err != nil {
				return Shard{}, false, err
			}
		}
		if n < 1 || k >= n {
			return Shard{}, false, fmt.Errorf("SLURM_ARRAY_TASK_ID=%d with %d tasks (SLURM_ARRAY_TASK_COUNT or --shards): want an id below the count", k, n)
		}
		return Shard{k, n}, true, nil
	}
	if getenv("JOB_COMPLETION_INDEX") != "" {
		k, err := atoi("JOB_COMPLETION_INDEX")
		if err != nil {
			return Shard{}, false, err
		}
		if shards < 1 || k >= shards {
			return Shard{}, false, fmt.Errorf("JOB_COMPLETION_INDEX=%d needs --shards n above it (the Job's completions)", k)
		}
		return Shard{k, shards}, true, nil
	}
	return Shard{}, false, nil
}
