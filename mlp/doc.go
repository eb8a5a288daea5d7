// Package mlp holds the nonlinear networks of lowdim: a multilayer
// perceptron with ReLU and softmax cross-entropy, optionally with a deep
// linear block inserted between its two hidden layers, and its minibatch
// SGD training on an image classification data set (DESIGN.md section 5).
//
// # Models
//
// With x in R^n (a row of the batch), widths h1 and h2 and c classes:
//
//	original  logits = A3 relu(A2 relu(A1 x + b1) + b2) + b3
//	dln       logits = A3 relu(A2 W relu(A1 x + b1) + b2) + b3,  W = W_L ... W_1, every W_l h1 x h1
//	cdln      as dln with W_1 r x h1, W_2 .. W_{L-1} r x r, W_L h1 x r (r = RHat)
//
// A_k is out x in (A1 h1 x n, A2 h2 x h1, A3 c x h2). There is no bias and no
// activation inside the block. Every weight matrix lives in a dln.Network:
// the block is one network of L layers, each affine layer a one-layer
// network plus a bias vector, and every product goes through dln.Batch, so
// through gonum's blas64 Gemm (whichever implementation is installed). The
// block is applied factor by factor to the batch: a compressed block never
// forms an h1 x h1 matrix.
//
// Initialisation from Config.Seed: A1, A2 (He: N(0, 2/in)), A3 (N(0, 1/in)),
// zero biases, drawn first and in that order, so that all variants with one
// seed share their outer layers; then the block, every layer eps times a
// Haar orthogonal matrix (rectangular ones: rows or columns of one,
// randmat.Orthogonal). The loss of a batch of m rows is the mean softmax
// cross-entropy. A step is plain minibatch SGD, or heavy-ball momentum
// (V <- mu V + grad, W <- W - eta V), with learning rate eta, times Alpha on
// the outer block layers W_1 and W_L of cdln.
//
// # Memory
//
// New allocates the weights and a workspace for batches of up to maxRows
// rows. LossGrad, Step, TrainStep and Forward allocate nothing of their
// own; gonum's pure-Go Dgemm starts goroutines for products with more than
// 64 x 64 outputs (a few small allocations per product), the only
// allocations of a steady-state step.
//
// # Panics
//
// Config errors are returned by New. Shape mismatches (a batch of the wrong
// width, more rows than maxRows) and labels out of range are programming
// errors and panic.
package mlp
