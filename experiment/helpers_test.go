package experiment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/instance"
	"github.com/lowdim/lowdim/internal/testconfig"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/workloads"
)

// tinyConfig is testconfig.Tiny.
func tinyConfig(workload string) config.Config { return testconfig.Tiny(workload) }

// point is a checkpoint without its wall time, with floats as bits so that
// comparisons are bit-exact (and NaN equals itself).
type point struct {
	Step                     int
	TrainLoss, RecoveryError uint64
	TestLoss                 uint64
	HasTestLoss              bool
	SingularValues           []uint64
}

// methodTrace is everything about a method's training that a seed fixes.
type methodTrace struct {
	Method string
	Status results.Status
	Steps  int
	Points []point
}

func bits(xs []float64) []uint64 {
	if xs == nil {
		return nil
	}
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = math.Float64bits(x)
	}
	return out
}

func traceOf(m *results.MethodResult) methodTrace {
	tr := methodTrace{Method: m.Method, Status: m.Status, Steps: m.Steps}
	for _, c := range m.Trajectory {
		tr.Points = append(tr.Points, point{
			Step: c.Step, TrainLoss: math.Float64bits(c.TrainLoss),
			RecoveryError: math.Float64bits(c.RecoveryError),
			TestLoss:      math.Float64bits(c.TestLoss), HasTestLoss: c.HasTestLoss,
			SingularValues: bits(c.SingularValues),
		})
	}
	return tr
}

// traces returns the seed-determined part of every method of run.
func traces(run *results.Run) []methodTrace {
	out := make([]methodTrace, len(run.Methods))
	for i := range run.Methods {
		out[i] = traceOf(&run.Methods[i])
	}
	return out
}

// firstDiff describes the first difference between two traces, or returns
// "" when they are identical: a short message instead of two dumps.
func firstDiff(a, b methodTrace) string {
	if a.Method != b.Method || a.Status != b.Status || a.Steps != b.Steps {
		return fmt.Sprintf("%s %s after %d steps vs %s %s after %d steps", a.Method, a.Status, a.Steps, b.Method, b.Status, b.Steps)
	}
	if len(a.Points) != len(b.Points) {
		return fmt.Sprintf("%s: %d checkpoints vs %d", a.Method, len(a.Points), len(b.Points))
	}
	f := math.Float64frombits
	for i, p := range a.Points {
		if q := b.Points[i]; !reflect.DeepEqual(p, q) {
			return fmt.Sprintf("%s: checkpoint %d (step %d vs %d) differs: train loss %v vs %v, recovery error %v vs %v, test loss %v vs %v, singular values %x vs %x",
				a.Method, i, p.Step, q.Step, f(p.TrainLoss), f(q.TrainLoss), f(p.RecoveryError), f(q.RecoveryError),
				f(p.TestLoss), f(q.TestLoss), p.SingularValues, q.SingularValues)
		}
	}
	return ""
}

// requireSameTrace fails unless a and b are bit-identical.
func requireSameTrace(t *testing.T, a, b methodTrace, msgAndArgs ...any) {
	t.Helper()
	if d := firstDiff(a, b); d != "" {
		require.Fail(t, "trajectories differ: "+d, msgAndArgs...)
	}
}

// requireSameTraces fails unless a and b trained the same methods to
// bit-identical trajectories (wall times aside).
func requireSameTraces(t *testing.T, a, b *results.Run) {
	t.Helper()
	ta, tb := traces(a), traces(b)
	require.Equal(t, len(ta), len(tb), "number of methods")
	for i := range ta {
		requireSameTrace(t, ta[i], tb[i])
	}
}

// requireMoved fails unless every method's recovery error changed from its
// first checkpoint: a determinism check on frozen trajectories proves little.
func requireMoved(t *testing.T, run *results.Run) {
	t.Helper()
	for _, m := range run.Methods {
		require.GreaterOrEqual(t, len(m.Trajectory), 2, "method %s: checkpoints", m.Method)
		first, last := m.Trajectory[0], m.Trajectory[len(m.Trajectory)-1]
		require.NotEqual(t, first.RecoveryError, last.RecoveryError, "method %s did not train", m.Method)
	}
}

// rawNPY builds a version 1.0 .npy file by hand: the magic, a header dict
// with the given descr and shape (a Python tuple such as "(3, 4)"), padded
// with spaces and '\n' to a multiple of 64 bytes as numpy does, then data.
// It lets tests write dtypes that npy.Write never produces.
func rawNPY(descr, shape string, data []byte) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	hlen := len(dict) + 1
	pad := (64 - (10+hlen)%64) % 64
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(hlen+pad))
	b = append(b, dict...)
	b = append(b, strings.Repeat(" ", pad)...)
	b = append(b, '\n')
	return append(b, data...)
}

// requireConfigError fails unless err is a *config.ConfigError for flag
// whose message shows "--<flag> <value>", the form a user typed.
func requireConfigError(t *testing.T, err error, flag, value string) {
	t.Helper()
	require.Error(t, err)
	var ce *config.ConfigError
	require.True(t, errors.As(err, &ce), "error %q (%T) is not a *config.ConfigError", err, err)
	require.Equal(t, flag, ce.Flag, "flag of %q", err)
	require.Contains(t, err.Error(), "--"+flag+" "+value)
}

// maskOf, heldOf, opOf and yOf return an instance's MC mask and held-out
// entries and MS operator and measurements (nil when it has none).
func maskOf(in *instance.Instance) *mat.Dense {
	if mc, ok := in.Work.(*workloads.MC); ok {
		return mc.Mask()
	}
	return nil
}

func heldOf(in *instance.Instance) *mat.Dense {
	if mc, ok := in.Work.(*workloads.MC); ok {
		h, _ := mc.HeldOut()
		return h
	}
	return nil
}

func opOf(in *instance.Instance) *mat.Dense {
	if ms, ok := in.Work.(*workloads.MS); ok {
		op, _ := ms.Operator()
		return op
	}
	return nil
}

func yOf(in *instance.Instance) []float64 {
	if ms, ok := in.Work.(*workloads.MS); ok {
		_, y := ms.Operator()
		return y
	}
	return nil
}
