package report

import (
	"maps"
	"path/filepath"
	"slices"

	"github.com/lowdim/lowdim/results"
)

// WriteRun writes the files of a run into the existing folder dir, each
// atomically (results.WriteFileAtomic): trajectories.csv (TrajectoriesCSV
// with the top svals singular values), the figures (Figures, by name) and
// run.json (results.MarshalRun) last. After each file it calls staged, when
// not nil, with the file's name. run.json is encoded and the figures drawn
// before anything is written, so a run that cannot be encoded or drawn
// writes nothing. The files are a set only if dir is a staging folder
// committed afterwards (package outdir), as lowdim run does.
func WriteRun(dir string, run *results.Run, title string, svals int, staged func(name string)) error {
	js, err := results.MarshalRun(run)
	if err != nil {
		return err
	}
	figs, err := Figures(run, title)
	if err != nil {
		return err
	}
	write := func(name string, b []byte) error {
		if err := results.WriteFileAtomic(filepath.Join(dir, name), b); err != nil {
			return err
		}
		if staged != nil {
			staged(name)
		}
		return nil
	}
	if err := write("trajectories.csv", TrajectoriesCSV(run, svals)); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(figs)) {
		if err := write(name, figs[name]); err != nil {
			return err
		}
	}
	return write("run.json", js)
}
