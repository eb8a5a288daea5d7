package sweep

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/experiment"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
)

// tinySpec is a sweep of 2 alphas x 2 seeds of a small completion problem
// (d = 12: each run takes milliseconds).
const tinySpec = `
description = "tiny"
preset = "paper-mc-fast"
[base]
d = 12
r = 2
r-hat = 4
steps = 300
every = 50
methods = "compressed,original"
[[axis]]
key = "alpha"
values = [1.0, 3.0]
[[axis]]
key = "seed"
values = [1, 2]
[quick]
alpha = [2.0]
steps = 100
`

func tinyPoints(t testing.TB) []Point {
	t.Helper()
	s, err := ParseSpec("tiny.toml", []byte(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// writeRunJSON is Options.Write with run.json only (lowdim writes the
// figures too; they are the run's, not the sweep's).
func writeRunJSON(dir string, res *results.Run) error {
	b, err := results.MarshalRun(res)
	if err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(dir, "run.json"), b)
}

func train(c config.Config, stop <-chan struct{}) (*results.Run, error) {
	return experiment.Run(c, experiment.Options{Interrupt: stop})
}

func TestExpand(t *testing.T) {
	ps := tinyPoints(t)
	if len(ps) != 4 {
		t.Fatalf("got %d points, want 2 alphas x 2 seeds = 4", len(ps))
	}
	// The last axis varies fastest.
	want := []string{"alpha=1 seed=1", "alpha=1 seed=2", "alpha=3 seed=1", "alpha=3 seed=2"}
	for i, p := range ps {
		if got := FormatAxes(p.Axes); got != want[i] || p.Index != i {
			t.Errorf("point %d: got %q (index %d), want %q", i, got, p.Index, want[i])
		}
		if p.Hash != config.Hash(p.Config) {
			t.Errorf("point %d: hash is not config.Hash of its configuration", i)
		}
	}
	if ps[2].Config.Alpha != 3 || ps[2].Config.Seed != 1 || ps[2].Config.D != 12 {
		t.Errorf("point 2: alpha %v seed %v d %v, want 3, 1, 12", ps[2].Config.Alpha, ps[2].Config.Seed, ps[2].Config.D)
	}
	q, _ := ParseSpec("tiny.toml", []byte(tinySpec))
	qp, err := q.WithQuick().Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(qp) != 2 || qp[0].Config.Steps != 100 || qp[0].Config.Alpha != 2 {
		t.Errorf("--quick: %d points, steps %d, alpha %v; want 2, 100, 2", len(qp), qp[0].Config.Steps, qp[0].Config.Alpha)
	}
	zipped := tinySpec + "[[axis]]\nkey = \"eps\"\nvalues = [0.01, 0.02]\nzip = \"z\"\n[[axis]]\nkey = \"depth\"\nvalues = [2, 3]\nzip = \"z\"\n"
	z, err := ParseSpec("z.toml", []byte(zipped))
	if err != nil {
		t.Fatal(err)
	}
	zp, err := z.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(zp) != 8 || zp[1].Config.Eps != 0.02 || zp[1].Config.Depth != 3 {
		t.Errorf("zipped: %d points (want 4 x 2 = 8), point 1 eps %v depth %d (want 0.02, 3)", len(zp), zp[1].Config.Eps, zp[1].Config.Depth)
	}
}

// TestSpecErrors: every bad spec is an input error naming the file, the
// key and the value.
func TestSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string
	}{
		{"unknown axis key", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"alhpa\"\nvalues = [1]\n", []string{"bad.toml", "alhpa", "unknown key"}},
		{"unknown base key", "preset = \"paper-mc-fast\"\n[base]\nsteeps = 3\n", []string{"bad.toml", "steeps"}},
		{"empty axis", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"alpha\"\nvalues = []\n", []string{"bad.toml", "alpha", "empty"}},
		{"bad value", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"alpha\"\nvalues = [1.0, -2.0]\n", []string{"bad.toml", "alpha = -2"}},
		{"wrong type", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"depth\"\nvalues = [\"three\"]\n", []string{"bad.toml", "depth = three"}},
		{"bad method", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"methods\"\nvalues = [\"compressed\", \"nosuch\"]\n", []string{"bad.toml", "methods = nosuch"}},
		{"unknown top key", "preset = \"paper-mc-fast\"\naxes = 3\n", []string{"bad.toml", "axes"}},
		{"zip lengths", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"alpha\"\nvalues = [1.0, 2.0]\nzip = \"a\"\n[[axis]]\nkey = \"seed\"\nvalues = [1]\nzip = \"a\"\n", []string{"bad.toml", "zip group a", "seed"}},
		{"not toml", "preset = \n", []string{"bad.toml"}},
		// lowdim run's flags that are not configuration keys: refused as
		// not taken by a sweep, with why, not as unknown keys.
		{"max-time in base", "preset = \"paper-mc-fast\"\n[base]\nmax-time = \"1h\"\n", []string{"bad.toml", "[base]: a sweep does not take max-time", "lowdim sweep's own flag"}},
		{"preset axis", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"preset\"\nvalues = [\"quick\"]\n", []string{"bad.toml", "axis preset: a sweep does not take preset", "one sweep each"}},
		{"config in base", "[base]\nconfig = \"x.toml\"\n", []string{"bad.toml", "a sweep does not take config", "[base]"}},
		{"load-instance axis", "[[axis]]\nkey = \"load-instance\"\nvalues = [\"a\"]\n", []string{"bad.toml", "a sweep does not take load-instance", "lowdim run --load-instance"}},
		{"save-instance in quick", "[quick]\nsave-instance = \"a\"\n", []string{"bad.toml", "[quick]: a sweep does not take save-instance"}},
		{"cpuprofile in base", "[base]\ncpuprofile = \"a\"\n", []string{"bad.toml", "a sweep does not take cpuprofile", "lowdim run --cpuprofile"}},
		// A bad axis value beside a multi-run base preset is the axis's.
		{"bad axis value, multi-run preset", "preset = \"quick\"\n[[axis]]\nkey = \"seed\"\nvalues = [\"a\"]\n", []string{"bad.toml", "axis seed = a", "invalid --seed a"}},
		{"multi-run preset", "preset = \"quick\"\n[[axis]]\nkey = \"seed\"\nvalues = [1, 2]\n", []string{"bad.toml", "base: preset quick has"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSpec("bad.toml", []byte(tc.spec))
			if err == nil {
				_, err = s.Expand()
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !config.IsUserError(err) {
				t.Errorf("error %v is not an input error (exit 2)", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestExecuteResume: a second Execute runs nothing; a failed point is
// recorded, does not stop the others, and runs again only with
// RetryFailed; an interrupted point is written interrupted and run again.
func TestExecuteResume(t *testing.T) {
	ps := tinyPoints(t)
	version := machine.Read().Version // what experiment.Run records
	out := t.TempDir()
	calls := 0
	failOn := ps[1].Hash
	opt := Options{Out: out, Version: version, Write: writeRunJSON,
		Train: func(c config.Config, stop <-chan struct{}) (*results.Run, error) {
			calls++
			if config.Hash(c) == failOn {
				return nil, errors.New("planted failure")
			}
			return train(c, stop)
		}}
	sum, err := Execute(ps, opt)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 4 || sum.Done != 3 || sum.Failed != 1 {
		t.Fatalf("first: %d calls, %+v; want 4 calls, 3 done, 1 failed", calls, sum)
	}
	st, err := ReadStatus(filepath.Join(out, ps[1].ID()))
	if err != nil || st.Status != Failed || !strings.Contains(st.Error, "planted") {
		t.Fatalf("failed point's status: %+v, %v", st, err)
	}
	calls = 0
	if sum, _ = Execute(ps, opt); calls != 0 || sum.Skipped != 4 {
		t.Errorf("again: %d calls, %+v; want 0 calls, 4 skipped", calls, sum)
	}
	failOn = ""
	opt.RetryFailed = true
	if sum, _ = Execute(ps, opt); calls != 1 || sum.Done != 4 {
		t.Errorf("--retry-failed: %d calls, %+v; want 1 call, 4 done", calls, sum)
	}
	// Another version: everything again.
	calls = 0
	opt.Version = "another"
	if Execute(ps, opt); calls != 4 {
		t.Errorf("another version: %d calls, want 4", calls)
	}
	// An interruption during point 2: it is written interrupted, point 3
	// is not run; the next Execute runs points 2 and 3.
	out2 := t.TempDir()
	stop := make(chan struct{})
	var once sync.Once
	opt = Options{Out: out2, Version: version, Write: writeRunJSON, Interrupt: stop,
		Train: func(c config.Config, s <-chan struct{}) (*results.Run, error) {
			calls++
			if config.Hash(c) == ps[2].Hash {
				once.Do(func() { close(stop) })
			}
			return train(c, s)
		}}
	calls = 0
	sum, err = Execute(ps, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || calls != 3 || sum.Done != 2 {
		t.Fatalf("interrupted: %+v, %d calls; want interrupted after 3 calls, 2 done", sum, calls)
	}
	run, err := results.ReadRun(filepath.Join(out2, ps[2].ID(), "run.json"))
	if err != nil || run.Finished() {
		t.Fatalf("the interrupted point's run.json: finished %v, %v; want an unfinished run", run.Finished(), err)
	}
	calls = 0
	opt.Interrupt = nil
	if sum, _ = Execute(ps, opt); calls != 2 || sum.Done != 4 {
		t.Errorf("resumed: %d calls, %+v; want 2 calls (points 2 and 3), 4 done", calls, sum)
	}
}

func TestShard(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name   string
		env    map[string]string
		shards int
		want   Shard
		ok     bool
		err    bool
	}{
		{"none", nil, 0, Shard{}, false, false},
		{"slurm", map[string]string{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, 0, Shard{2, 4}, true, false},
		{"slurm --shards", map[string]string{"SLURM_ARRAY_TASK_ID": "1"}, 3, Shard{1, 3}, true, false},
		{"slurm beyond", map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"}, 0, Shard{}, false, true},
		{"k8s", map[string]string{"JOB_COMPLETION_INDEX": "3"}, 5, Shard{3, 5}, true, false},
		{"k8s no --shards", map[string]string{"JOB_COMPLETION_INDEX": "0"}, 0, Shard{}, false, true},
		{"malformed", map[string]string{"JOB_COMPLETION_INDEX": "x"}, 5, Shard{}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok, err := ShardFromEnv(env(tc.env), tc.shards)
			if s != tc.want || ok != tc.ok || (err != nil) != tc.err {
				t.Errorf("got %v %v %v, want %v %v error %v", s, ok, err, tc.want, tc.ok, tc.err)
			}
		})
	}
	for _, v := range []string{"0/0", "4/4", "-1/2", "1", "a/b", "1/2x"} {
		if _, err := ParseShard(v); err == nil {
			t.Errorf("ParseShard(%q): no error", v)
		}
	}
	if s, err := ParseShard("1/3"); err != nil || s != (Shard{1, 3}) || !s.Has(4) || s.Has(3) {
		t.Errorf("ParseShard(1/3) = %v, %v", s, err)
	}
}

// BenchmarkSweepOverhead measures the sweep's time per configuration
// beyond Train and Write: Execute's (the folder's lock, staging and
// commit with its fsyncs, the status file, the resume check, progress) and
// Expand's (resolving and checking the configuration). The target is
// under 50 ms for both together.
func BenchmarkSweepOverhead(b *testing.B) {
	ps := tinyPoints(b)
	res, err := train(ps[0].Config, nil)
	if err != nil {
		b.Fatal(err)
	}
	spec, _ := ParseSpec("tiny.toml", []byte(tinySpec))
	var overhead, expand time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := spec.Expand(); err != nil {
			b.Fatal(err)
		}
		expand += time.Since(t0)
		out := b.TempDir()
		sum, err := Execute(ps, Options{Out: out, Version: "bench", Write: writeRunJSON,
			Train:    func(config.Config, <-chan struct{}) (*results.Run, error) { return res, nil },
			Progress: discard{}})
		if err != nil {
			b.Fatal(err)
		}
		overhead += sum.Overhead
		n += sum.Ran
		os.RemoveAll(out)
	}
	b.ReportMetric(float64(overhead.Microseconds())/1e3/float64(n), "overhead-ms/config")
	b.ReportMetric(float64(expand.Microseconds())/1e3/float64(n), "expand-ms/config")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestSignalAfterTraining: a signal that arrives once a point's training
// has ended (its run finished, not interrupted) leaves the point finished:
// only the run's own state marks it interrupted, and a resumption does not
// run it again. The sweep stops before the next point.
func TestSignalAfterTraining(t *testing.T) {
	ps := tinyPoints(t)
	version := machine.Read().Version
	out := t.TempDir()
	stop := make(chan struct{})
	var once sync.Once
	calls := 0
	opt := Options{Out: out, Version: version, Write: writeRunJSON, Interrupt: stop,
		Train: func(c config.Config, s <-chan struct{}) (*results.Run, error) {
			calls++
			res, err := train(c, s)
			once.Do(func() { close(stop) }) // after the training, before the point's files
			return res, err
		}}
	sum, err := Execute(ps, opt)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || !sum.Interrupted || sum.Done != 1 {
		t.Fatalf("%+v after %d calls; want the sweep stopped after 1 call with 1 point done", sum, calls)
	}
	st, err := ReadStatus(filepath.Join(out, ps[0].ID()))
	if err != nil || st.Status != Finished {
		t.Fatalf("point 0's status %+v, %v; want %q (its run finished before the signal)", st, err, Finished)
	}
	calls = 0
	opt.Interrupt = nil
	if sum, _ = Execute(ps, opt); calls != 3 || sum.Skipped != 1 || sum.Done != 4 {
		t.Errorf("resumed: %d calls, %+v; want 3 calls (point 0 kept), 4 done", calls, sum)
	}
}
