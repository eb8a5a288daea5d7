package mlprun

import (
	"fmt"

	"github.com/lowdim/lowdim/mlp"
	"github.com/lowdim/lowdim/results"
)

// msgNotStarted is the Message of a method an interruption kept from
// training (experiment uses the same words).
const msgNotStarted = "interrupted before training (step 0)"

// interrupted reports whether stop is closed, without blocking (nil:
// never).
func interrupted(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// notStarted is the record of variant v when an interruption kept it from
// training: status results.Interrupted, its sizes and flop counts from its
// configuration (no model is built), no checkpoint, nothing measured.
func notStarted(c Config, v mlp.Variant, train *mlp.Data, opt Options) results.MethodResult {
	tc := c.Training().WithDefaults(train.N)
	mc := c.Model(v, train.Features, train.Classes)
	mr := results.MethodResult{
		Method: string(v), Status: results.Interrupted, Message: msgNotStarted,
		Params: mc.Params(), ParamBytes: 8 * int64(mc.Params()),
		MLP: &results.MLPMethod{
			StepFlops:        mc.StepFlops(tc.Batch, tc.Momentum != 0),
			InferFlopsPerRow: mc.ForwardFlops(1),
			Trajectory:       []results.MLPCheckpoint{},
		},
	}
	for _, s := range mc.Shapes() {
		mr.Layers = append(mr.Layers, [2]int{s.Rows, s.Cols})
	}
	if opt.Log != nil {
		fmt.Fprintf(opt.Log, "%-8s %s\n", v, msgNotStarted)
	}
	return mr
}

// logNote is what the log line of a method adds after its accuracy: the
// message of a method cut short or diverged, "" otherwise.
func logNote(mr *results.MethodResult) string {
	if mr.Message == "" {
		return ""
	}
	return " (" + mr.Message + ")"
}
