package sweep

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// decodeStrict decodes b into v, an unknown field being an error.
func decodeStrict(t *testing.T, what string, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v\n%s", what, err, b)
	}
}

// TestK8sJob decodes the manifest into the upstream types, strictly (an
// unknown field is an error): a v1 List of two batch/v1 Jobs, the sweep's
// Indexed Job and the merge's, created suspended, on the same volume.
func TestK8sJob(t *testing.T) {
	spec := []byte("preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"seed\"\nvalues = [1, 2]\n")
	b, err := K8sJob(Job{Spec: spec, Shards: 4, Out: "alpha", Image: "example.org/lowdim:1"})
	if err != nil {
		t.Fatal(err)
	}
	var list corev1.List
	decodeStrict(t, "the manifest into a v1 List", b, &list)
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != 2 {
		t.Fatalf("apiVersion %q kind %q, %d items; want a v1 List of 2", list.APIVersion, list.Kind, len(list.Items))
	}
	var job, merge batchv1.Job
	decodeStrict(t, "item 1 into a batch/v1 Job", list.Items[0].Raw, &job)
	decodeStrict(t, "item 2 into a batch/v1 Job", list.Items[1].Raw, &merge)
	s := job.Spec
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Name != "lowdim-sweep":
		t.Errorf("apiVersion %q kind %q name %q", job.APIVersion, job.Kind, job.Name)
	case s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode %v, want Indexed", s.CompletionMode)
	case s.Completions == nil || *s.Completions != 4 || s.Parallelism == nil || *s.Parallelism != 4:
		t.Errorf("completions %v parallelism %v, want 4 and 4", s.Completions, s.Parallelism)
	case s.Suspend != nil && *s.Suspend:
		t.Error("the sweep's Job is suspended")
	}
	pod := s.Template.Spec
	if pod.RestartPolicy != "Never" || len(pod.Containers) != 1 || len(pod.Volumes) != 1 {
		t.Fatalf("pod spec: %+v", pod)
	}
	c := pod.Containers[0]
	if c.Image != "example.org/lowdim:1" {
		t.Errorf("image %q", c.Image)
	}
	cmd := strings.Join(c.Command, " ")
	for _, w := range []string{"lowdim sweep", "--shards 4", "--out /sweep/alpha", "/tmp/sweep.toml"} {
		if !strings.Contains(cmd, w) {
			t.Errorf("command %q lacks %q", cmd, w)
		}
	}
	if len(c.Env) != 1 || c.Env[0].Value != string(spec) {
		t.Errorf("env %+v, want the spec in LOWDIM_SWEEP_SPEC", c.Env)
	}
	v := pod.Volumes[0]
	if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "lowdim-sweep" ||
		len(c.VolumeMounts) != 1 || c.VolumeMounts[0].Name != v.Name || c.VolumeMounts[0].MountPath != MountPath {
		t.Errorf("shared volume: %+v mounted %+v", v, c.VolumeMounts)
	}

	// The merge: suspended until the user resumes it, one pod, the
	// same image and volume, merging the sweep's folder.
	ms := merge.Spec
	switch {
	case merge.APIVersion != "batch/v1" || merge.Kind != "Job" || merge.Name != "lowdim-sweep-merge":
		t.Errorf("merge: apiVersion %q kind %q name %q", merge.APIVersion, merge.Kind, merge.Name)
	case ms.Suspend == nil || !*ms.Suspend:
		t.Error("merge: not suspended (it would run before the sweep)")
	case ms.Completions == nil || *ms.Completions != 1 || ms.CompletionMode != nil:
		t.Errorf("merge: completions %v mode %v, want 1, not indexed", ms.Completions, ms.CompletionMode)
	}
	mp := ms.Template.Spec
	if len(mp.Containers) != 1 || mp.Containers[0].Image != c.Image || len(mp.Volumes) != 1 ||
		mp.Volumes[0].PersistentVolumeClaim == nil || mp.Volumes[0].PersistentVolumeClaim.ClaimName != "lowdim-sweep" ||
		len(mp.Containers[0].VolumeMounts) != 1 || mp.Containers[0].VolumeMounts[0].MountPath != MountPath {
		t.Fatalf("merge pod spec: %+v", mp)
	}
	if got := strings.Join(mp.Containers[0].Command, " "); got != "lowdim sweep merge --out /sweep/alpha/merged /sweep/alpha" {
		t.Errorf("merge command %q", got)
	}
	if _, err := K8sJob(Job{Shards: 1}); err == nil {
		t.Error("no image: no error")
	}
}

func TestSlurmScript(t *testing.T) {
	s := string(SlurmScript(Job{SpecPath: "/home/u/a b.toml", Shards: 4, Out: "/scratch/sw"}))
	for _, w := range []string{"#!/bin/bash", "#SBATCH --array=0-3", "lowdim sweep --out /scratch/sw --quiet '/home/u/a b.toml'",
		"--dependency=afterok:", "sweep merge --out /scratch/sw/merged /scratch/sw"} {
		if !strings.Contains(s, w) {
			t.Errorf("script lacks %q:\n%s", w, s)
		}
	}
}
