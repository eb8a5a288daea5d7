package sweep

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// Job describes where a sweep runs on a cluster, for K8sJob and
// SlurmScript.
type Job struct {
	// Name names the job ("lowdim-sweep").
	Name string
	// Spec is the spec's TOML text (K8sJob passes it in the pod's
	// environment), SpecPath its path on the nodes (SlurmScript), Preset a
	// sweep preset used instead of either; Quick adds --quick.
	Spec     []byte
	SpecPath string
	Preset   string
	Quick    bool
	// Shards is the number of array tasks or completions (at least 1).
	Shards int
	// Out is the sweep's folder on the shared file system or volume.
	Out string
	// Image is the container image holding lowdim on its PATH (K8sJob);
	// Binary the lowdim on the Slurm nodes (SlurmScript; "lowdim").
	Image  string
	Binary string
	// Claim is the PersistentVolumeClaim mounted at MountPath (K8sJob;
	// "lowdim-sweep").
	Claim string
	// CPUs is each task's CPU count (default 1).
	CPUs int
}

// MountPath is where K8sJob mounts the shared volume; Out is relative to it.
const MountPath = "/sweep"

// K8sJob returns the Kubernetes manifest of a sweep, as JSON (kubectl
// apply -f reads it): a v1 List of two batch/v1 Jobs sharing the
// PersistentVolumeClaim Claim (ReadWriteMany) mounted at MountPath.
//
// The first, Name, is the sweep: completionMode Indexed, Shards
// completions run Shards at a time, each pod running `lowdim sweep
// --shards n` (JOB_COMPLETION_INDEX gives its shard) with the spec from its
// environment. The second, Name-merge, is the merge (`lowdim sweep merge`
// into <out>/merged): Kubernetes has no dependencies between Jobs, so it
// is created suspended (spec.suspend, batch/v1 since Kubernetes 1.24) and
// runs when the user resumes it after the sweep completed:
//
//	kubectl apply -f job.json
//	kubectl wait --for=condition=complete --timeout=-1s job/NAME
//	kubectl patch job NAME-merge --type=merge -p '{"spec":{"suspend":false}}'
//
// A merge started early merges what is there (the configurations not yet
// run are absent from its rows); run it again by deleting and applying the
// manifest's second item, or with lowdim sweep merge anywhere the volume
// is mounted.
func K8sJob(j Job) ([]byte, error) {
	if j.Image == "" {
		return nil, fmt.Errorf("sweep: no image")
	}
	j = j.withDefaults()
	out := path.Join(MountPath, j.Out)
	cmd := fmt.Sprintf("lowdim sweep --shards %d --out %s --quiet", j.Shards, shellQuote(out))
	if j.Quick {
		cmd += " --quick"
	}
	env := []map[string]any{}
	if j.Preset != "" {
		cmd += " --preset " + shellQuote(j.Preset)
	} else {
		env = append(env, map[string]any{"name": "LOWDIM_SWEEP_SPEC", "value": string(j.Spec)})
		cmd = `printf '%s' "$LOWDIM_SWEEP_SPEC" > /tmp/sweep.toml && ` + cmd + " /tmp/sweep.toml"
	}
	cpu := fmt.Sprint(j.CPUs)
	pod := func(name string, command []string, env []map[string]any) map[string]any {
		return map[string]any{
			"spec": map[string]any{
				"restartPolicy": "Never",
				"containers": []map[string]any{{
					"name":    name,
					"image":   j.Image,
					"command": command,
					"env":     env,
					"resources": map[string]any{
						"requests": map[string]any{"cpu": cpu},
						"limits":   map[string]any{"cpu": cpu},
					},
					"volumeMounts": []map[string]any{{"name": "sweep", "mountPath": MountPath}},
				}},
				"volumes": []map[string]any{{
					"name":                  "sweep",
					"persistentVolumeClaim": map[string]any{"claimName": j.Claim},
				}},
			},
		}
	}
	labels := map[string]any{"app.kubernetes.io/name": "lowdim-sweep", "app.kubernetes.io/instance": j.Name}
	job := map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "Job",
		"metadata":   map[string]any{"name": j.Name, "labels": labels},
		"spec": map[string]any{
			"completionMode": "Indexed",
			"completions":    j.Shards,
			"parallelism":    j.Shards,
			"backoffLimit":   j.Shards,
			"template":       pod("sweep", []string{"sh", "-c", cmd}, env),
		},
	}
	merge := map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "Job",
		"metadata":   map[string]any{"name": j.Name + "-merge", "labels": labels},
		"spec": map[string]any{
			"suspend":      true,
			"completions":  1,
			"parallelism":  1,
			"backoffLimit": 1,
			"template":     pod("merge", []string{"lowdim", "sweep", "merge", "--out", path.Join(out, "merged"), out}, []map[string]any{}),
		},
	}
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{job, merge}}
	b, err := json.MarshalIndent(list, "", "  ")
	return append(b, '\n'), err
}

func (j Job) withDefaults() Job {
	if j.Name == "" {
		j.Name = "lowdim-sweep"
	}
	if j.Shards < 1 {
		j.Shards = 1
	}
	if j.Binary == "" {
		j.Binary = "lowdim"
	}
	if j.Claim == "" {
		j.Claim = "lowdim-sweep"
	}
	if j.CPUs < 1 {
		j.CPUs = 1
	}
	if j.Out == "" {
		j.Out = "out"
	}
	return j
}

// SlurmScript returns a bash script for sbatch: #SBATCH --array=0-(n-1),
// each task running its shard (SLURM_ARRAY_TASK_ID and
// SLURM_ARRAY_TASK_COUNT give it). Run with bash (not sbatch), it submits
// itself as the array and then the merge job, which starts when every task
// ended well (sbatch --dependency=afterok), and prints both job ids;
// SWEEP_SBATCH_FLAGS adds flags to both sbatch calls (--wait, a
// partition).
func SlurmScript(j Job) []byte {
	j = j.withDefaults()
	bin := shellQuote(j.Binary)
	run := fmt.Sprintf("%s sweep --out %s --quiet", bin, shellQuote(j.Out))
	if j.Preset != "" {
		run += " --preset " + shellQuote(j.Preset)
	} else {
		run += " " + shellQuote(j.SpecPath)
	}
	if j.Quick {
		run += " --quick"
	}
	merge := fmt.Sprintf("%s sweep merge --out %s %s", bin, shellQuote(path.Join(j.Out, "merged")), shellQuote(j.Out))
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/bash
# A lowdim sweep as a Slurm job array (written by lowdim sweep slurm).
# Submit with bash, not sbatch:  bash THIS_FILE  (submits the array, then the
# merge job after it; SWEEP_SBATCH_FLAGS adds sbatch flags to both, e.g. --wait)
#SBATCH --job-name=%[1]s
#SBATCH --array=0-%[2]d
#SBATCH --cpus-per-task=%[3]d
#SBATCH --output=%[1]s-%%A_%%a.out
set -euo pipefail
if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
	# Not a task: submit the array, then the merge after it.
	jid=$(sbatch --parsable ${SWEEP_SBATCH_FLAGS:-} "$0")
	jid=${jid%%%%;*}
	mid=$(sbatch --parsable ${SWEEP_SBATCH_FLAGS:-} --dependency=afterok:"$jid" --job-name=%[1]s-merge \
		--output=%[1]s-merge-%%j.out --wrap %[5]s)
	echo "array $jid, merge $mid"
	exit 0
fi
exec %[4]s
`, j.Name, j.Shards-1, j.CPUs, run, shellQuote(merge))
	return []byte(b.String())
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
