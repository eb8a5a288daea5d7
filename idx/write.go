package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Encode returns the IDX file of unsigned bytes with the given dimensions
// and data (the product of dims bytes, else Encode panics).
func Encode(dims []int, data []byte) []byte {
	n := 1
	for _, d := range dims {
		n *= d
	}
	if n != len(data) || len(dims) == 0 || len(dims) > 255 {
		panic(fmt.Sprintf("idx: %d bytes for dimensions %v", len(data), dims))
	}
	var b bytes.Buffer
	b.Grow(4 + 4*len(dims) + len(data))
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

// WriteDir writes the four files of s into dir (created when missing),
// named as LoadDir reads them, gzip-compressed (with ".gz") or plain. It
// writes what LoadDir would read back as s.
func WriteDir(dir string, s *Set, compress bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, sp := range []*Split{&s.Train, &s.Test} {
		files := map[string][]byte{
			splitFiles[i][0]: Encode([]int{sp.N, sp.Rows, sp.Cols}, sp.Images),
			splitFiles[i][1]: Encode([]int{sp.N}, sp.Labels),
		}
		for name, b := range files {
			if compress {
				var z bytes.Buffer
				w := gzip.NewWriter(&z)
				w.Write(b)
				if err := w.Close(); err != nil {
					return err
				}
				b, name = z.Bytes(), name+".gz"
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// Synthetic returns a small data set for tests and demos: classes random
// side x side templates, and each image its class's template plus uniform
// noise of amplitude noise (0..255), clipped; labels cycle through the
// classes. Everything comes from seed.
func Synthetic(classes, side, nTrain, nTest, noise int, seed uint64) *Set {
	rng := rand.New(rand.NewPCG(seed, 0x73796e))
	px := side * side
	templates := make([][]int, classes)
	for c := range templates {
		templates[c] = make([]int, px)
		for j := range templates[c] {
			templates[c][j] = rng.IntN(256)
		}
	}
	split := func(n int) Split {
		s := Split{N: n, Rows: side, Cols: side, Images: make([]byte, n*px), Labels: make([]byte, n)}
		for i := 0; i < n; i++ {
			c := i % classes
			s.Labels[i] = byte(c)
			for j, t := range templates[c] {
				v := t + rng.IntN(2*noise+1) - noise
				s.Images[i*px+j] = byte(min(255, max(0, v)))
			}
		}
		return s
	}
	return &Set{Train: split(nTrain), Test: split(nTest), Classes: classes}
}
