package slurmtest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lowdim/lowdim/internal/testenv"
	"github.com/lowdim/lowdim/sweep"
)

// spec is a sweep of 2 alphas x 2 seeds of a small completion problem: 4
// configurations, one per shard.
const spec = `
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
`

// daemons are the Slurm daemons a test started, by pid file.
type daemons struct {
	dir  string
	pids []string // pid files, in start order
}

// stop ends each daemon this test started (by its pid, SIGTERM, then
// SIGKILL after 10 s), last started first.
func (d *daemons) stop() {
	for i := len(d.pids) - 1; i >= 0; i-- {
		b, err := os.ReadFile(d.pids[i])
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 1 {
			continue
		}
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if syscall.Kill(pid, 0) != nil {
				break
			}
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// freePort returns a TCP port free at the moment.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start writes the single-node slurm.conf for this host into dir and
// starts munged, slurmctld and slurmd; it returns the environment of
// Slurm's clients, or why they could not be started.
func start(t *testing.T, dir string, d *daemons) ([]string, error) {
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	host, _, _ = strings.Cut(host, ".")
	for _, sub := range []string{"state", "spool"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	key := make([]byte, 1024)
	f, err := os.Open("/dev/urandom")
	if err != nil {
		return nil, err
	}
	_, err = f.Read(key)
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "munge.key"), key, 0o600); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`ClusterName=lowdimtest
SlurmctldHost=%[1]s
SlurmUser=root
SlurmdUser=root
SlurmctldPort=%[3]d
SlurmdPort=%[4]d
AuthType=auth/munge
AuthInfo=socket=%[2]s/munge.sock
CredType=cred/munge
StateSaveLocation=%[2]s/state
SlurmdSpoolDir=%[2]s/spool
SlurmctldPidFile=%[2]s/slurmctld.pid
SlurmdPidFile=%[2]s/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldLogFile=%[2]s/slurmctld.log
SlurmdLogFile=%[2]s/slurmd.log
NodeName=%[1]s CPUs=2 State=UNKNOWN
PartitionName=lowdim Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, host, dir, freePort(t), freePort(t))
	confPath := filepath.Join(dir, "slurm.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "SLURM_CONF="+confPath)
	for _, c := range []struct {
		pid  string
		args []string
	}{
		{"munged.pid", []string{"munged", "--force", "--socket=" + dir + "/munge.sock", "--key-file=" + dir + "/munge.key",
			"--pid-file=" + dir + "/munged.pid", "--log-file=" + dir + "/munged.log", "--seed-file=" + dir + "/munge.seed"}},
		{"slurmctld.pid", []string{"slurmctld", "-f", confPath}},
		{"slurmd.pid", []string{"slurmd", "-f", confPath}},
	} {
		cmd := exec.Command(c.args[0], c.args[1:]...)
		cmd.Env = env
		out, err := cmd.CombinedOutput() // each daemonizes and writes its pid file
		d.pids = append(d.pids, filepath.Join(dir, c.pid))
		if err != nil {
			return nil, fmt.Errorf("%s: %v: %s", c.args[0], err, bytes.TrimSpace(out))
		}
	}
	// Ready when the node is idle.
	var state string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		cmd := exec.Command("sinfo", "-h", "-o", "%T")
		cmd.Env = env
		out, _ := cmd.Output()
		if state = strings.TrimSpace(string(out)); state == "idle" {
			return env, nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "slurmd.log"))
	return nil, fmt.Errorf("the node is %q after 30 s, not idle; slurmd.log: %s", state, tail(log))
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " | ")
}

// readCSV returns sweep.csv's records without the measured columns.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range recs {
		var row []string
		for i, v := range r {
			if !slices.Contains(sweep.Measured, recs[0][i]) {
				row = append(row, v)
			}
		}
		out = append(out, row)
	}
	return out
}

// TestSlurm runs the sweep as the generated array of 4 shards and its
// merge job on a real slurmctld and slurmd, and compares the merged
// sweep.csv with the unsharded sweep's in every column but the measured
// times and memory.
func TestSlurm(t *testing.T) {
	testenv.GonumPassOnly(t, "the Slurm engine")
	if os.Geteuid() != 0 {
		testenv.Unavailable(t, "not root: the test starts munged, slurmctld and slurmd as root")
	}
	for _, bin := range []string{"munged", "slurmctld", "slurmd", "sbatch", "sinfo", "go"} {
		if _, err := exec.LookPath(bin); err != nil {
			testenv.Unavailablef(t, "%s not found (apt-get install slurm-wlm munge)", bin)
		}
	}
	// A short folder: munge's socket path must fit a sockaddr_un.
	dir, err := os.MkdirTemp("", "lowdim-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemons{dir: dir}
	t.Cleanup(func() {
		d.stop()
		os.RemoveAll(dir)
	})
	env, err := start(t, dir, d)
	if err != nil {
		testenv.Unavailablef(t, "the Slurm daemons could not be started: %v", err)
	}
	lowdim := filepath.Join(dir, "lowdim")
	build := exec.Command("go", "build", "-o", lowdim, "github.com/lowdim/lowdim/cmd/lowdim")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	specPath := filepath.Join(dir, "spec.toml")
	if err := os.WriteFile(specPath, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(env []string, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			logs := ""
			for _, l := range []string{"slurmctld.log", "slurmd.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, l))
				logs += "\n" + l + ": " + tail(b)
			}
			t.Fatalf("%s %q: %v\n%s%s", name, args, err, out, logs)
		}
	}
	sharded, whole := filepath.Join(dir, "sharded"), filepath.Join(dir, "whole")
	script := filepath.Join(dir, "sweep.sbatch")
	run(env, lowdim, "sweep", "slurm", specPath, "--shards", "4", "--out", sharded, "--lowdim", lowdim, "-o", script)
	t0 := time.Now()
	run(append(env, "SWEEP_SBATCH_FLAGS=--wait"), "bash", script)
	t.Logf("the array of 4 shards and the merge job took %v", time.Since(t0).Round(time.Millisecond))
	run(os.Environ(), lowdim, "sweep", specPath, "--out", whole, "--quiet")
	run(os.Environ(), lowdim, "sweep", "merge", whole)
	ents, _ := filepath.Glob(filepath.Join(sharded, "*", sweep.PointFile))
	if len(ents) != 4 {
		t.Errorf("%d configurations' folders in the sharded sweep, want 4", len(ents))
	}
	got := readCSV(t, filepath.Join(sharded, "merged", "sweep.csv"))
	want := readCSV(t, filepath.Join(whole, "merged", "sweep.csv"))
	if len(want) != 9 {
		t.Errorf("the unsharded sweep.csv has %d lines, want a header and 4 configurations x 2 methods", len(want))
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("the merged Slurm sweep differs from the unsharded one:\n%q\n%q", got, want)
	}
}
