package mlp

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/lowdim/lowdim/idx"
)

// Data is one split of an image classification data set as the trainer
// reads it: N rows of Features byte pixels and their labels. A pixel p
// enters the model as Scale*p + Shift: p/255 in [0, 1] (Scale = 1/255,
// Shift = 0), or standardised, (p/255 - mean)/std.
type Data struct {
	N, Features, Classes int
	Pixels               []byte // N*Features
	Labels               []byte // N
	Scale, Shift         float64
}

// FromSplit returns the rows of s, pixels scaled to [0, 1], with the given
// number of classes. It shares s's storage.
func FromSplit(s *idx.Split, classes int) *Data {
	return &Data{
		N: s.N, Features: s.Pixels(), Classes: classes,
		Pixels: s.Images, Labels: s.Labels, Scale: 1.0 / 255, Shift: 0,
	}
}

// Head returns the first n rows of d (all of them when n <= 0 or n >= N),
// sharing d's storage.
func (d *Data) Head(n int) *Data {
	if n <= 0 || n >= d.N {
		return d
	}
	h := *d
	h.N = n
	h.Pixels = d.Pixels[:n*d.Features]
	h.Labels = d.Labels[:n]
	return &h
}

// PixelStats returns the mean and standard deviation of the pixels of d
// scaled to [0, 1] (p/255), over all rows and features.
func (d *Data) PixelStats() (mean, std float64) {
	var hist [256]int64
	for _, p := range d.Pixels {
		hist[p]++
	}
	n := float64(len(d.Pixels))
	for v, c := range hist {
		mean += float64(c) * float64(v) / 255
	}
	mean /= n
	for v, c := range hist {
		e := float64(v)/255 - mean
		std += float64(c) * e * e
	}
	return mean, math.Sqrt(std / n)
}

// Standardize sets d's scaling to (p/255 - mean)/std. It panics if std is
// not positive.
func (d *Data) Standardize(mean, std float64) {
	if !(std > 0) {
		panic(fmt.Sprintf("mlp: standard deviation %v is not positive", std))
	}
	d.Scale = 1 / (255 * std)
	d.Shift = -mean / std
}

// gatherer writes rows of a Data into a batch matrix through a table of
// the 256 pixel values.
type gatherer struct {
	d     *Data
	table [256]float64
}

func newGatherer(d *Data) *gatherer {
	g := &gatherer{d: d}
	for p := range g.table {
		g.table[p] = d.Scale*float64(p) + d.Shift
	}
	return g
}

// gather writes rows index of d into the first len(index) rows of x and
// their labels into labels[:len(index)]. It allocates nothing.
func (g *gatherer) gather(x blas64.General, labels []byte, index []int32) {
	f := g.d.Features
	for i, r := range index {
		src := g.d.Pixels[int(r)*f : int(r)*f+f]
		dst := x.Data[i*x.Stride : i*x.Stride+f]
		for j, p := range src {
			dst[j] = g.table[p]
		}
		labels[i] = g.d.Labels[r]
	}
}

// gatherRange writes rows [lo, hi) of d like gather.
func (g *gatherer) gatherRange(x blas64.General, labels []byte, lo, hi int) {
	f := g.d.Features
	for i := 0; i < hi-lo; i++ {
		src := g.d.Pixels[(lo+i)*f : (lo+i)*f+f]
		dst := x.Data[i*x.Stride : i*x.Stride+f]
		for j, p := range src {
			dst[j] = g.table[p]
		}
		labels[i] = g.d.Labels[lo+i]
	}
}
