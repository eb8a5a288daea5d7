package instance

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/matfile"
	"github.com/lowdim/lowdim/workloads"
)

// UserFiles name a user's own problem: a target matrix file (.npy, .csv or
// Matrix Market .mtx) and, optionally, a 0/1 mask file of its observed
// entries.
type UserFiles struct {
	Target, Mask string
	// HeldOut is the fraction of a partially known target's entries held
	// out (a coordinate .mtx target for mc without a mask); HeldOutGiven
	// says the user gave it (it is refused where it does not apply).
	HeldOut      float64
	HeldOutGiven bool
	// RGiven says the user gave the rank; otherwise it is the numerical
	// rank of a fully known target (workloads.MatrixRank at the precision
	// of the file's dtype).
	RGiven bool
	// Fits, when not nil, checks that a run on a rows x cols target fits
	// in memory (the caller's preflight); FromFiles calls it with the
	// file's size before the target's matrices are allocated, and its error
	// is the file's.
	Fits func(rows, cols int) error
	// Format says how Target is read: FormatAuto (the zero value) reads a
	// file that looks like a list of entries (matfile.IsEntryList) as one
	// for --workload mc without a mask; FormatEntries always (mc only);
	// FormatMatrix never.
	Format TargetFormat
	// Entry says how a list of entries is read, split and centered
	// (NewFromEntries); its Test fraction is HeldOut.
	Entry EntryOptions
	// NoiseLevel, when positive, is the standard deviation of the noise
	// on each entry of a fully known target, in its units: without --r the
	// rank is then NoiseRank's, the singular values above the noise's.
	NoiseLevel float64
}

// entryList reports whether u's target is read as a list of entries for
// workload (see UserFiles.Format).
func (u UserFiles) entryList(workload string) (bool, error) {
	switch u.Format {
	case FormatMatrix:
		return false, nil
	case FormatEntries:
		if workload != "mc" {
			return false, config.Bad("target-format", u.Format, "a list of entries is a completion problem: it needs --workload mc, not %s", workload)
		}
		if u.Mask != "" {
			return false, config.Bad("mask", u.Mask, "a list of entries says which entries are observed: --mask does not apply to it")
		}
		return true, nil
	case FormatAuto, "":
	default:
		return false, config.Bad("target-format", u.Format, "want auto, matrix or entries")
	}
	if workload != "mc" || u.Mask != "" {
		return false, nil
	}
	return matfile.IsEntryList(u.Target)
}

// fromEntries reads u's target as a list of entries and makes its
// completion instance (NewFromEntries).
func fromEntries(c *config.Config, u UserFiles) (*Instance, error) {
	e, err := ReadEntries(u.Target, u.Entry)
	if err != nil {
		var me *matfile.Error
		if errors.As(err, &me) {
			// The library's option, named as the flag that sets it.
			me.Msg = strings.Replace(me.Msg, "(EntriesOptions.Duplicates can average them)", "(--duplicates average keeps their mean)", 1)
			misread := strings.Contains(me.Msg, "is not an integer") || strings.Contains(me.Msg, " fields, want ")
			if misread && u.Format != FormatEntries && !strings.EqualFold(filepath.Ext(u.Target), ".mtx") {
				me.Msg += " (read as a row,col,value list of entries, as its first line looks like one; give --target-format matrix to read it as a matrix)"
			}
		}
		return nil, err
	}
	// No Fits: the list is all the instance holds (memory in proportion
	// to the entries); the networks are planned by the caller's preflight
	// on the instance.
	opt := u.Entry
	if u.HeldOut > 0 {
		opt.Test = u.HeldOut
	}
	return NewFromEntries(c, e, opt, u.RGiven)
}

// FromFiles reads the user's target (and mask) and makes its instance.
// A target read as a list of entries (u.Format; by default a row,col,value
// .csv/.tsv or a coordinate .mtx for --workload mc without a mask) is
// made by NewFromEntries: split over its entries into training,
// validation and test parts, never an m x n matrix. Otherwise FromFiles
// reads it as a matrix, setting the shape of c from it (c.SetDims: d for a
// square target, rows and cols for an m x n one), c.R when it was not
// given, and the parameters the data fixes (p of mc). A coordinate .mtx
// target read as a matrix (u.Format FormatMatrix) for mc without a mask is
// known only on its entries: u.HeldOut of them are held out to measure the
// recovery error on (NewHeldOut), and c.R must be given.
//
// The target may be rectangular; it must be at least 2 x 2, finite and
// nonzero, and a fully known target without --r must not have full
// numerical rank (min(m, n)), or with u.NoiseLevel the rank is NoiseRank's
// (the singular values above the noise's); every value read from the file is reported as
// the file's, never as a flag's. The synthetic generator's rules (the
// spread target's r <= min(m, n)/2) do not apply: c.Spectrum is set to
// "top", whose only rule, r <= min(m, n), every target obeys. When c.RHat
// is 0 (the default 2r) and 2r exceeds min(m, n), it is set to min(m, n).
// Errors are *config.ConfigError or *config.InputError naming the file.
func FromFiles(c *config.Config, u UserFiles) (*Instance, error) {
	in, err := fromFiles(c, u)
	return in, config.Input(err)
}

func fromFiles(c *config.Config, u UserFiles) (*Instance, error) {
	entries, err := u.entryList(c.Workload)
	if err != nil {
		return nil, err
	}
	if entries {
		return fromEntries(c, u)
	}
	if u.Entry != (EntryOptions{}) {
		return nil, fmt.Errorf("%s is read as a matrix: --center, --validation, --index-base and --duplicates apply to a list of entries (--workload mc, a row,col,value file or a coordinate .mtx, without --mask)", u.Target)
	}
	if spec, err := Spec(*c); err == nil && u.Mask != "" && !spec.Masked {
		var with []string
		for _, s := range workloads.Specs() {
			if s.Masked {
				with = append(with, "--workload "+s.Name)
			}
		}
		return nil, config.Bad("mask", u.Mask, "a mask of observed entries applies to %s, not to --workload %s", strings.Join(with, ", "), c.Workload)
	}
	// What the file holds is checked before a coordinate file's rows x
	// cols matrices are allocated: a size line may declare 10^8 elements
	// for one entry.
	t, err := matfile.ReadChecked(u.Target, func(i matfile.Info) error {
		if err := checkTargetShape(i.Rows, i.Cols, u.Target); err != nil {
			return err
		}
		if u.Fits != nil {
			if err := u.Fits(i.Rows, i.Cols); err != nil {
				return fmt.Errorf("%s: a %d x %d target: %w", u.Target, i.Rows, i.Cols, err)
			}
		}
		partial := c.Workload == "mc" && u.Mask == "" && i.Coordinate
		if u.HeldOutGiven && !partial {
			return errors.New("--held-out applies to a coordinate .mtx --target for --workload mc without --mask")
		}
		if !partial {
			return nil
		}
		if !u.RGiven {
			return fmt.Errorf("%s: a coordinate .mtx target is known only on its entries, whose zero-filled matrix has another rank: give the target's rank with --r", u.Target)
		}
		if frac := u.HeldOut; frac > 0 && frac < 1 { // NewHeldOut names a bad fraction
			_, err := heldOutCount(frac, i.Entries, u.Target)
			return err
		}
		return nil
	})
	if err != nil {
		var me *matfile.Error
		if errors.As(err, &me) && strings.Contains(me.Msg, "is not a number") && u.Format != FormatMatrix {
			if list, lerr := matfile.IsEntryList(u.Target); lerr == nil && list {
				// A header row,col,value read as a matrix: the file is a
				// list of entries, which only completion reads.
				me.Msg += fmt.Sprintf(" (%s; this run has --workload %s", entryListHint, c.Workload)
				if u.Mask != "" {
					me.Msg += " and --mask"
				}
				me.Msg += ")"
			}
		}
		return nil, err
	}
	partial := c.Workload == "mc" && u.Mask == "" && t.Observed != nil
	if err := checkTargetValues(t.Dense, u.Target); err != nil {
		return nil, err
	}
	if partial {
		in, err := NewHeldOut(c, t.Dense, t.Observed, u.HeldOut, u.Target)
		if in != nil {
			in.Precision = workloads.PrecisionOf(t.Dtype)
		}
		return in, err
	}
	mask := t.Observed
	if u.Mask != "" {
		// Its shape is checked before a coordinate mask's matrices are
		// allocated.
		tr, tc := t.Dense.Dims()
		m, err := matfile.ReadChecked(u.Mask, func(i matfile.Info) error {
			if i.Rows != tr || i.Cols != tc {
				return fmt.Errorf("%s: a %d x %d mask for the %d x %d target of %s", u.Mask, i.Rows, i.Cols, tr, tc, u.Target)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		mr, mc := m.Dense.Dims()
		for i := 0; i < mr; i++ {
			for j := 0; j < mc; j++ {
				if v := m.Dense.At(i, j); v != 0 && v != 1 {
					return nil, fmt.Errorf("%s: entry (%d, %d) is %v; a mask holds 0 (unobserved) and 1 (observed)", u.Mask, i+1, j+1, v)
				}
			}
		}
		mask = m.Dense
	}
	if spec, err := Spec(*c); err == nil && spec.User == nil {
		return nil, fmt.Errorf("--target with --workload %s is not supported: a %s problem needs more than its target (use lowdim run --load-instance)", c.Workload, spec.Title)
	}
	prec := workloads.PrecisionOf(t.Dtype)
	var rankFrom string
	if !u.RGiven && u.NoiseLevel > 0 {
		if c.R, err = NoiseRank(t.Dense, u.NoiseLevel, u.Target); err != nil {
			return nil, err
		}
		rows, cols := t.Dense.Dims()
		rankFrom = fmt.Sprintf("the singular values of %s above the noise's edge %.4g (--noise-level %g x (sqrt(%d) + sqrt(%d)))",
			u.Target, NoiseEdge(rows, cols, u.NoiseLevel), u.NoiseLevel, rows, cols)
		u.RGiven = true
	}
	if !u.RGiven {
		if c.R, rankFrom, err = fileRank(t.Dense, prec, u.Target); err != nil {
			return nil, err
		}
	}
	in, err := NewUser(c, t.Dense, mask, u.Target)
	if in != nil {
		in.Precision = prec
		if rankFrom != "" {
			in.Derive("r", c.R, rankFrom)
		}
	}
	return in, err
}

// CheckTarget returns an error when the target m holds a NaN or ±Inf
// (naming the first, 1-based) or is zero: no rank or learning rate can be
// read from it and no network fitted to it.
func CheckTarget(m mat.Matrix) error {
	rows, cols := m.Dims()
	at := m.At
	if d, ok := m.(*mat.Dense); ok { // a pass over the raw rows: a user's target may be large
		raw := d.RawMatrix()
		at = func(i, j int) float64 { return raw.Data[i*raw.Stride+j] }
	}
	zero := true
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v := at(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("entry (%d, %d) is %v; lowdim needs finite values", i+1, j+1, v)
			}
			zero = zero && v == 0
		}
	}
	if zero {
		return fmt.Errorf("the target is zero (all %d x %d entries are 0): there is nothing to fit", rows, cols)
	}
	return nil
}

// checkTargetShape checks the shape of a user's target read from source:
// at least 2 x 2 (a rank-r target with 1 <= r < min(m, n) needs both sides
// at least 2), rectangular or square. Its errors name source and what it
// holds, not a flag.
func checkTargetShape(rows, cols int, source string) error {
	switch {
	case rows == cols && rows < 2:
		return fmt.Errorf("%s: a %d x %d target; lowdim needs d >= 2 (a target of at least 2 x 2)", source, rows, cols)
	case rows < 2 || cols < 2:
		return fmt.Errorf("%s: a %d x %d target; lowdim needs m, n >= 2 (a target of at least 2 x 2)", source, rows, cols)
	}
	return nil
}

// checkTargetValues checks a user's target read from source: at least
// 2 x 2, finite and nonzero. Its errors name source and what it holds, not
// a flag.
func checkTargetValues(target *mat.Dense, source string) error {
	rows, cols := target.Dims()
	if err := checkTargetShape(rows, cols, source); err != nil {
		return err
	}
	if err := CheckTarget(target); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	return nil
}

// fitUserConfig fits c to a user's rows x cols target read from source:
// the rank c.R (when set; rFrom says where it came from, e.g. "--r") must
// be below q = min(rows, cols), and the compressed width c.RHat at most q
// (0, the default 2r, is capped at q). The spread generator's r <= q/2 does
// not apply to a target that was not generated: c.Spectrum becomes "top",
// whose rule r <= q every target obeys. A square target's messages name d.
func fitUserConfig(c *config.Config, rows, cols int, source, rFrom string) error {
	q, bound := min(rows, cols), "d"
	if rows != cols {
		bound = "min(m, n)"
	}
	if c.R >= q {
		return fmt.Errorf("%s: a %d x %d target: the rank r = %d (%s) must be below %s = %d", source, rows, cols, c.R, rFrom, bound, q)
	}
	switch {
	case c.RHat > q:
		return fmt.Errorf("%s: a %d x %d target: the compressed width r_hat = %d (--r-hat, or 2r by default) must be at most %s = %d; give --r-hat", source, rows, cols, c.RHat, bound, q)
	case c.RHat == 0 && 2*c.R > q:
		c.RHat = q
	}
	c.Spectrum = "top"
	return nil
}
