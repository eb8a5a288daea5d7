package mlprun

import (
	"fmt"

	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/mlp"
)

// Check validates c against the data d before any model is built: the
// training and test rows it asks for exist, the batch fits in them, and every
// method's model and trainer fit in the memory the process may take
// (machine.CheckFits). Run checks the same; a command calls Check first so
// that nothing is allocated for a run it would refuse. Errors are
// *ConfigError naming the flag.
func Check(c Config, d *Data) error {
	if err := c.Validate(); err != nil {
		return err
	}
	set := d.Set
	if c.TrainRows > set.Train.N {
		return &ConfigError{Flag: "train-rows", Value: c.TrainRows, Why: fmt.Sprintf("exceeds the %d images of %s", set.Train.N, set.Train.ImageFile)}
	}
	train := mlp.FromSplit(&set.Train, set.Classes).Head(c.TrainRows)
	test := mlp.FromSplit(&set.Test, set.Classes)
	if c.Batch > train.N {
		return &ConfigError{Flag: "batch", Value: c.Batch, Why: fmt.Sprintf("exceeds the %d training rows", train.N)}
	}
	if c.EvalRows > test.N {
		return &ConfigError{Flag: "eval-rows", Value: c.EvalRows, Why: fmt.Sprintf("exceeds the %d images of %s", test.N, set.Test.ImageFile)}
	}
	for _, name := range c.Methods {
		v, _ := mlp.ParseVariant(name)
		if err := fits(c, v, train, test); err != nil {
			return err
		}
	}
	return nil
}

// fits checks the memory of method v's model and trainer against the
// budget: weights, gradients, momentum and a copy for the record (4 x 8
// bytes a parameter), the activations and their gradients of every layer
// for the largest batch (2 x 8 bytes a value), and the gathered batch. Its
// error names --width, which sizes the first layer and the block.
func fits(c Config, v mlp.Variant, train, test *mlp.Data) error {
	tc := c.Training().WithDefaults(train.N)
	mc := c.Model(v, train.Features, train.Classes)
	rows := uint64(max(tc.Batch, min(tc.EvalBatch, test.N), latencyBatches[1]))
	var acts uint64
	for _, s := range mc.Shapes() {
		acts += uint64(s.Rows)
	}
	need := 4*8*uint64(mc.Params()) + 2*8*rows*acts + 8*rows*uint64(train.Features)
	if err := machine.CheckFits(need, fmt.Sprintf("the %s model at --width %d, --width2 %d", v, c.Width, c.Width2)); err != nil {
		return &ConfigError{Flag: "width", Value: c.Width, Why: err.Error()}
	}
	return nil
}
