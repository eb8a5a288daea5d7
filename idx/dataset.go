package idx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Split is one part (train or test) of an image classification data set.
type Split struct {
	// N images of Rows x Cols pixels.
	N, Rows, Cols int
	// Images holds N*Rows*Cols bytes, image i at [i*Rows*Cols, (i+1)*Rows*Cols).
	Images []byte
	// Labels holds N class indices.
	Labels []byte
	// ImageFile and LabelFile are the files the split was read from.
	ImageFile, LabelFile string
}

// Pixels returns Rows*Cols, the length of one image.
func (s *Split) Pixels() int { return s.Rows * s.Cols }

// Set is a data set read by LoadDir.
type Set struct {
	Dir         string
	Train, Test Split
	// Classes is one more than the largest label of either split.
	Classes int
}

// Base names of the four files; LoadDir accepts each with the "-idx" written
// ".idx" too, and with ".gz".
var splitFiles = [2][2]string{
	{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

// FashionMNISTDir is where Debian's package dataset-fashion-mnist installs
// FashionMNIST.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// LoadDir reads the train and test splits of the IDX data set in dir (see
// the package comment for the file names) and checks them: images are 3-D,
// labels 1-D, their counts agree, and the test images have the train
// images' size. Errors name the file and the problem.
func LoadDir(dir string) (*Set, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", dir)
	}
	set := &Set{Dir: dir}
	for i, sp := range []*Split{&set.Train, &set.Test} {
		if err := loadSplit(sp, dir, splitFiles[i][0], splitFiles[i][1]); err != nil {
			return nil, err
		}
	}
	if set.Test.Rows != set.Train.Rows || set.Test.Cols != set.Train.Cols {
		return nil, fmt.Errorf("%s: %w: test images are %d x %d, train images (%s) %d x %d",
			set.Test.ImageFile, ErrMismatch, set.Test.Rows, set.Test.Cols, set.Train.ImageFile, set.Train.Rows, set.Train.Cols)
	}
	for _, sp := range []*Split{&set.Train, &set.Test} {
		for _, l := range sp.Labels {
			set.Classes = max(set.Classes, int(l)+1)
		}
	}
	return set, nil
}

func loadSplit(sp *Split, dir, images, labels string) error {
	ip, err := find(dir, images)
	if err != nil {
		return err
	}
	lp, err := find(dir, labels)
	if err != nil {
		return err
	}
	im, err := ReadFile(ip)
	if err != nil {
		return err
	}
	if len(im.Dims) != 3 {
		return fmt.Errorf("%s: %w: %d dimensions (%s), want 3 (count x rows x cols)", ip, ErrDims, len(im.Dims), dimString(im.Dims))
	}
	lb, err := ReadFile(lp)
	if err != nil {
		return err
	}
	if len(lb.Dims) != 1 {
		return fmt.Errorf("%s: %w: %d dimensions (%s), want 1 (count)", lp, ErrDims, len(lb.Dims), dimString(lb.Dims))
	}
	if im.Dims[0] != lb.Dims[0] {
		return fmt.Errorf("%s: %w: %d labels for %d images in %s", lp, ErrMismatch, lb.Dims[0], im.Dims[0], ip)
	}
	*sp = Split{N: im.Dims[0], Rows: im.Dims[1], Cols: im.Dims[2], Images: im.Data, Labels: lb.Data, ImageFile: ip, LabelFile: lp}
	return nil
}

// find returns the first existing file of base's spellings in dir.
func find(dir, base string) (string, error) {
	dotted := base[:len(base)-len("-idx3-ubyte")] + "." + base[len(base)-len("idx3-ubyte"):]
	for _, name := range []string{base + ".gz", base, dotted + ".gz", dotted} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: no %s file (nor .gz, nor %s)", dir, base, dotted)
}
