package sweep

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

// TestK8sJob decodes the manifest into the upstream batch/v1 types,
// strictly (an unknown field is an error), and checks the fields an
// Indexed Job of a sweep needs.
func TestK8sJob(t *testing.T) {
	spec := []byte("preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"seed\"\nvalues = [1, 2]\n")
	b, err := K8sJob(Job{Spec: spec, Shards: 4, Out: "alpha", Image: "example.org/lowdim:1"})
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var job batchv1.Job
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("decoding into batch/v1 Job: %v\n%s", err, b)
	}
	s := job.Spec
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job":
		t.Errorf("apiVersion %q kind %q", job.APIVersion, job.Kind)
	case s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode %v, want Indexed", s.CompletionMode)
	case s.Completions == nil || *s.Completions != 4 || s.Parallelism == nil || *s.Parallelism != 4:
		t.Errorf("completions %v parallelism %v, want 4 and 4", s.Completions, s.Parallelism)
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
