package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/npy"
	"github.com/lowdim/lowdim/workloads"
)

// knownTarget is a d x d target from random factors with singular values
// vals, times scale.
func knownTarget(t *testing.T, d int, vals []float64, scale float64) *mat.Dense {
	t.Helper()
	m, err := workloads.WithValues(d, vals, rand.New(rand.NewPCG(11, 7)))
	require.NoError(t, err)
	m.Scale(scale, m)
	return m
}

// targetNPY writes m as a float64 .npy file.
func targetNPY(t *testing.T, m *mat.Dense) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "target.npy")
	r, c := m.Dims()
	require.NoError(t, npy.WriteFile(p, []int{r, c}, mat.DenseCopyOf(m).RawMatrix().Data))
	return p
}

// targetF32 writes m as a float32 ('<f4') .npy file.
func targetF32(t *testing.T, m *mat.Dense) string {
	t.Helper()
	r, c := m.Dims()
	var data []byte
	for i := range r {
		for j := range c {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(m.At(i, j))))
		}
	}
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (" + strconv.Itoa(r) + ", " + strconv.Itoa(c) + "), }"
	hlen := len(dict) + 1
	pad := (64 - (10+hlen)%64) % 64
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(hlen+pad))
	b = append(b, dict...)
	for range pad {
		b = append(b, ' ')
	}
	b = append(b, '\n')
	p := filepath.Join(t.TempDir(), "target_f4.npy")
	require.NoError(t, os.WriteFile(p, append(b, data...), 0o644))
	return p
}

// verifyOn runs lowdim verify on a target file and returns the exit code,
// stdout, stderr and (when written) the verdict.
func verifyOn(t *testing.T, target string, args ...string) (int, string, string, map[string]any) {
	t.Helper()
	out := t.TempDir()
	code, stdout, stderr := lowdim(t, append([]string{"verify", "--quiet", "--out", out, "--target", target}, args...)...)
	require.NotContains(t, stderr, "internal error", "never a panic")
	var v map[string]any
	if b, err := os.ReadFile(filepath.Join(out, "verdict.json")); err == nil {
		require.NoError(t, json.Unmarshal(b, &v))
	}
	return code, stdout, stderr, v
}

// rows returns the verdict's checks of this name.
func rows(v map[string]any, name string) []map[string]any {
	var out []map[string]any
	for _, c := range v["checks"].([]any) {
		if c := c.(map[string]any); c["name"] == name {
			out = append(out, c)
		}
	}
	return out
}

// TestVerifyUnderflowIsNotAPanic (kind: a quantity that underflows): a
// rank-3 target scaled by 1e-300 makes no check panic in theory; a
// stable learning rate that is +Inf or 0 (targets scaled by 1e-300 and
// 1e300) is an input error at --eta-frac naming the rate it computed.
func TestVerifyUnderflowIsNotAPanic(t *testing.T) {
	tiny := targetNPY(t, knownTarget(t, 30, []float64{3, 2, 1}, 1e-300))
	code, stdout, stderr, _ := verifyOn(t, tiny, "--steps", "50", "--eta", "0.01")
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)

	for _, tt := range []struct {
		scale float64
		why   string
	}{{1e-300, "is not finite"}, {1e300, "is 0"}} {
		p := targetNPY(t, knownTarget(t, 30, []float64{3, 2, 1}, tt.scale))
		code, _, stderr, _ := verifyOn(t, p, "--eta-frac", "0.5")
		require.Equal(t, exitUsage, code, stderr)
		require.Contains(t, stderr, "--eta-frac 0.5")
		require.Contains(t, stderr, "stable rate")
		require.Contains(t, stderr, tt.why)
	}
}

// TestVerifyNothingLearnedDoesNotPass (kind: nothing learned must not
// pass): a target scaled by 1e-10 meets an absolute --tol 1e-10 at
// initialization; the dynamics checks and width-sufficient are not
// evaluable with the reason, the gate fails, and the values that do not
// exist (update rank, sufficiency) are null. (Without --tol, a user's
// target stops on a tolerance relative to its initial loss, which this
// target does not meet at initialization.)
func TestVerifyNothingLearnedDoesNotPass(t *testing.T) {
	p := targetNPY(t, knownTarget(t, 30, []float64{3, 2, 1}, 1e-10))
	code, stdout, stderr, v := verifyOn(t, p, "--tol", "1e-10")
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.NotContains(t, stdout, "VERDICT: PASS")
	// incremental-learning is skipped here (eps^L > 0.05 s_min: outside its
	// regime, which is judged first).
	for _, name := range []string{"compressed-mf-recursion", "learn-steps", "lop-singular-values",
		"lop-equivalence", "kwon-bound", "mf-floor-compressed", "mf-floor-original", "mf-floor-ratio", "width-sufficient"} {
		rs := rows(v, name)
		require.NotEmpty(t, rs, name)
		for _, r := range rs {
			require.Equal(t, "not-evaluable", r["status"], "%s: %v", name, r["detail"])
			require.Contains(t, r["detail"], "met --tol at initialization")
		}
	}
	require.Nil(t, v["update_rank"], "no step: the update rank does not exist")
	w := v["widths"].([]any)[0].(map[string]any)
	require.Contains(t, w, "sufficient")
	require.Nil(t, w["sufficient"], "width-sufficient not evaluable: sufficiency unknown")
	// The summary wraps at 100 columns: compare its words.
	require.Contains(t, strings.Join(strings.Fields(stdout), " "),
		"update rank of the original network (singular values of W_l(T) - W_l(0) above 0.0001 of the largest): -")
}

// TestVerifyFloat32TailSkipsExactIdentities (kind: exact identities on
// approximately-low-rank data): a float32 rank-4 target is rank 60 in
// float64; the exact identities are skipped with that reason and the
// float64 rank is recorded.
func TestVerifyFloat32TailSkipsExactIdentities(t *testing.T) {
	p := targetF32(t, knownTarget(t, 60, []float64{60, 40, 25, 12}, 1))
	code, stdout, stderr, v := verifyOn(t, p, "--eta-frac", "0.5", "--steps", "300")
	require.Contains(t, []int{exitOK, exitFailure}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	for _, name := range []string{"lop-singular-values", "lop-equivalence", "compressed-mf-recursion", "mf-floor-compressed", "mf-floor-original"} {
		rs := rows(v, name)
		require.NotEmpty(t, rs, name)
		for _, r := range rs {
			require.Equal(t, "skipped", r["status"], "%s: %v", name, r["detail"])
			require.Contains(t, r["detail"], "the target is rank 4 only to float32 precision; in float64")
		}
	}
	in := v["instance"].(map[string]any)
	require.Equal(t, "float32", in["precision"])
	require.Greater(t, in["target_rank_float64"], 4.0)
}

// TestVerifyChecksDoNotVanish (kind: checks must not vanish): outside
// their regime the Law-of-Parsimony checks and the original's floor are
// rows, skipped with the reason: a noisy full-rank target with --r 3 and
// a 2 x 2 target.
func TestVerifyChecksDoNotVanish(t *testing.T) {
	noisy := knownTarget(t, 20, []float64{3, 2, 1}, 1)
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 20 {
		for j := range 20 {
			noisy.Set(i, j, noisy.At(i, j)+0.01*rng.NormFloat64())
		}
	}
	for _, tt := range []struct {
		name   string
		target *mat.Dense
		args   []string
	}{
		{"noisy full rank --r 3", noisy, []string{"--r", "3", "--steps", "200"}},
		{"2 x 2", mat.NewDense(2, 2, []float64{2, 0, 0, 0}), []string{"--steps", "200"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stdout, stderr, v := verifyOn(t, targetNPY(t, tt.target), tt.args...)
			require.NotNil(t, v, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			for _, name := range []string{"lop-singular-values", "lop-equivalence", "mf-floor-original", "mf-floor-ratio"} {
				rs := rows(v, name)
				require.Len(t, rs, 1, name)
				require.Contains(t, []any{"skipped", "not-evaluable"}, rs[0]["status"], "%s: %v", name, rs[0]["detail"])
				if name != "mf-floor-ratio" { // the ratio is not evaluable without both floors
					require.Equal(t, "skipped", rs[0]["status"], "%s: %v", name, rs[0]["detail"])
				}
				require.NotEmpty(t, rs[0]["detail"])
			}
		})
	}
}

// TestVerifyLearnStepsNothingLearned (kind: learn-steps passing with
// nothing learned): a budget too short to learn any mode makes learn-steps
// not evaluable, like incremental-learning, never a pass of never/never.
func TestVerifyLearnStepsNothingLearned(t *testing.T) {
	p := targetNPY(t, knownTarget(t, 20, []float64{3, 2, 1}, 1))
	_, stdout, stderr, v := verifyOn(t, p, "--steps", "30")
	require.NotNil(t, v, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	rs := rows(v, "learn-steps")
	require.Len(t, rs, 1)
	require.Equal(t, "not-evaluable", rs[0]["status"], rs[0]["detail"])
	require.Contains(t, rs[0]["detail"], "no target mode was learned")
}

// TestVerifyHelpListsExitReasons: -h states the real exit-1 reasons.
func TestVerifyHelpListsExitReasons(t *testing.T) {
	_, stdout, stderr := lowdim(t, "verify", "-h")
	for _, s := range []string{"a theory check failed", "a network diverged", "no candidate width is sufficient", "no theory check could be evaluated", "too narrow"} {
		require.Contains(t, stdout+stderr, s)
	}
}
