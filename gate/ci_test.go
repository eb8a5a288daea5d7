package gate

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/lowdim/lowdim/internal/testenv"
)

// ciBudget and ciFlags replace the examples' GATE_BUDGET and GATE_FLAGS:
// one case (one timing row needs 4 rounds) of 10 ms samples, so that a run
// takes seconds after its builds.
const (
	ciBudget = "5s"
	ciFlags  = "--filter ^Step/workload=mc/ --benchtime 10ms"
)

// ciJob is what the test reads of a CI file: the job's variables and its
// shell commands in order.
type ciJob struct {
	env  map[string]string
	cmds []string
}

// githubJob reads the run: lines of examples/ci/github-actions.yml's job
// gate, leaving out the package install (the machine's setup: this one
// has OpenBLAS or builds gonum, as make would).
func githubJob(t *testing.T, data []byte) ciJob {
	var f struct {
		Jobs map[string]struct {
			Env   map[string]string
			Steps []struct {
				Name, Run string
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(data, &f))
	j, ok := f.Jobs["gate"]
	require.True(t, ok, "no job gate")
	job := ciJob{env: j.Env}
	for _, s := range j.Steps {
		if s.Run != "" && !strings.Contains(s.Run, "apt-get") {
			job.cmds = append(job.cmds, s.Run)
		}
	}
	return job
}

// gitlabJob reads the script: lines of examples/ci/gitlab-ci.yml's job
// lowdim-gate (its before_script installs packages: the machine's setup).
func gitlabJob(t *testing.T, data []byte) ciJob {
	var f map[string]struct {
		Variables map[string]string
		Script    []string
	}
	require.NoError(t, yaml.Unmarshal(data, &f))
	j, ok := f["lowdim-gate"]
	require.True(t, ok, "no job lowdim-gate")
	return ciJob{env: j.Variables, cmds: j.Script}
}

// git runs git in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// TestCIExamples runs the commands of examples/ci/*.yml as their CI
// would on a pull request whose base is HEAD~1: in a clone of this
// repository's HEAD, with the CI's variables set (the base branch as
// origin/gate-base, the base commit, a job summary file), GATE_BUDGET and
// GATE_FLAGS replaced by a tiny budget and suite. Every command must exit
// 0 (the gate passes: HEAD~1 and HEAD differ by commits of this
// repository that pass their own gate), and the Markdown report must be
// published where the CI reads it. Builds three binaries per file (the
// Go build cache serves the unchanged packages): the gonum pass only.
func TestCIExamples(t *testing.T) {
	testenv.SkipIfShort(t, "clones the repository, builds lowdim three times and runs the gate, per CI file (about 30 s each)")
	testenv.GonumPassOnly(t, "the CI files' commands, which build lowdim with the backend make would choose")
	top := git(t, ".", "rev-parse", "--show-toplevel")
	clone := filepath.Join(t.TempDir(), "clone")
	git(t, ".", "clone", "-q", top, clone)
	git(t, clone, "update-ref", "refs/remotes/origin/gate-base", "HEAD~1")
	base := git(t, clone, "rev-parse", "HEAD~1")
	branch := git(t, clone, "rev-parse", "--abbrev-ref", "HEAD")
	tmp := t.TempDir()
	summary := filepath.Join(tmp, "summary.md")
	for _, c := range []struct {
		file   string
		parse  func(*testing.T, []byte) ciJob
		report string // where the job publishes the Markdown report
	}{
		{"github-actions.yml", githubJob, summary},
		{"gitlab-ci.yml", gitlabJob, filepath.Join(clone, "gate.md")},
	} {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "examples", "ci", c.file))
			require.NoError(t, err)
			job := c.parse(t, data)
			require.NotEmpty(t, job.cmds)
			require.Contains(t, strings.Join(job.cmds, "\n"), " gate --budget \"$GATE_BUDGET\" $GATE_FLAGS --markdown gate.md")
			env := os.Environ()
			for k, v := range job.env {
				env = append(env, k+"="+os.Expand(v, func(k string) string {
					return map[string]string{"CI_PROJECT_DIR": clone}[k]
				}))
			}
			env = append(env, "GATE_BUDGET="+ciBudget, "GATE_FLAGS="+ciFlags,
				"RUNNER_TEMP="+tmp, "GITHUB_BASE_REF=gate-base", "GITHUB_STEP_SUMMARY="+summary,
				"CI_PROJECT_DIR="+clone, "CI_MERGE_REQUEST_DIFF_BASE_SHA="+base, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME="+branch)
			// GOPATH and GOCACHE of the GitLab job point into the clone: a
			// cold cache there would rebuild everything; the test keeps the
			// user's (what the job's cache: restores).
			env = append(env, "GOPATH="+goEnv(t, "GOPATH"), "GOCACHE="+goEnv(t, "GOCACHE"))
			os.Remove(c.report)
			for _, cmd := range job.cmds {
				sh := exec.Command("bash", "-eo", "pipefail", "-c", cmd)
				sh.Dir, sh.Env = clone, env
				out, err := sh.CombinedOutput()
				require.NoError(t, err, "%s:\n%s\n%s", c.file, cmd, out)
			}
			md, err := os.ReadFile(c.report)
			require.NoError(t, err)
			require.Contains(t, string(md), "## lowdim gate: PASS")
			require.Contains(t, string(md), "`Step/workload=mc/method=compressed/path=sampled/d=64/L=3` | sec/op | timing")
			require.FileExists(t, filepath.Join(clone, "gate.json"))
		})
	}
}

func goEnv(t *testing.T, key string) string {
	out, err := exec.Command("go", "env", key).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}
