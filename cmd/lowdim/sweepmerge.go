package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/results"
	"github.com/lowdim/lowdim/sweep"
)

const sweepMergeUsage = `Usage: lowdim sweep merge [--out DIR] SWEEPDIR...

Reads every configuration's folder under the SWEEPDIRs (one sweep's --out,
or the --out of each shard) back through the run reader and writes to --out
(default SWEEPDIR/merged): sweep.csv and sweep.json, one row per
configuration and method (axis values, steps and seconds to the tolerance,
best and final error, parameters, peak RSS, status; an absent figure is
empty or null, never 0), and the figures: each metric against each numeric
axis but seed (of 3 values or more, or the only one), one line per method
and value of the other axes, the mean over the seeds with its 95%
t-interval as a band, as PNG and SVG; against alpha also
alpha_ablation.png, the notebook's steps and seconds to the tolerance side
by side. A sweep with an r-hat axis and the original among its methods
also gets the safe width of each group of the other axes (the one
definition lowdim verify uses: the smallest r-hat whose mean reported error
over the seeds is within 50% of the original network's): in sweep.json's
safe_widths, in safe-width.csv, and marked on the best error's figure
against r-hat.

The SWEEPDIRs must hold one sweep: folders whose lowdim-sweep.json names
different sweeps (another spec, --quick size or axis) are refused (exit 2)
unless --mixed is given; a folder without lowdim-sweep.json (written by an
older lowdim) is merged with a warning that it cannot be checked. Merge
says on stderr how many of the sweep's configurations are missing (never
run, or in a shard's folder not given), failed or interrupted: the figures
and safe widths lack them; resume the sweep, or give every shard's folder.

Flags:
`

func cmdSweepMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lowdim sweep merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, sweepMergeUsage); fs.PrintDefaults() }
	out := fs.String("out", "", "output folder (default: the first SWEEPDIR/merged)")
	title := fs.String("title", "lowdim sweep", "the figures' title")
	mixed := fs.Bool("mixed", false, "merge folders of different sweeps (their configurations are pooled; the count of missing ones is not given)")
	dirs, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(err error) int { return failWith(stderr, "lowdim sweep merge", err) }
	if len(dirs) == 0 {
		return fail(config.Input(fmt.Errorf("no sweep folder given")))
	}
	if *out == "" {
		*out = filepath.Join(dirs[0], "merged")
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return fail(config.Input(fmt.Errorf("%s: not a folder", d)))
		}
	}
	mark, err := oneSweep(dirs, *mixed, stderr)
	if err != nil {
		return fail(err)
	}
	m, err := sweep.Merge(dirs...)
	if err != nil {
		return fail(config.Input(err))
	}
	if len(m.Rows) == 0 {
		return fail(config.Input(fmt.Errorf("no configuration's folder (with %s) under %v", sweep.PointFile, dirs)))
	}
	for _, p := range m.Problems {
		fmt.Fprintf(stderr, "lowdim sweep merge: warning: %s\n", p)
	}
	reportIncomplete(stderr, m.Count(), mark)
	if err := writeMerged(*out, m, *title); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "merged %d rows from %v into %s\n", len(m.Rows), dirs, *out)
	return exitOK
}

// oneSweep checks that the marked folders among dirs hold one sweep (the
// same ID in their sweep.FolderFile), unless mixed, and warns of each
// folder without a mark. It returns the sweep's mark: nil when mixed, when
// no folder has one, or when some folder has none (its sweep is unknown).
func oneSweep(dirs []string, mixed bool, stderr io.Writer) (*sweep.Mark, error) {
	var first *sweep.Mark
	firstDir := ""
	unmarked := false
	for _, d := range dirs {
		mk, err := sweep.ReadMark(d)
		if err != nil {
			return nil, config.Input(err)
		}
		if mk == nil {
			unmarked = true
			fmt.Fprintf(stderr, "lowdim sweep merge: warning: %s has no %s (an older lowdim's folder, or not a sweep's): cannot check that it holds the same sweep as the other folders\n", d, sweep.FolderFile)
			continue
		}
		if first == nil {
			first, firstDir = mk, d
			continue
		}
		if mk.ID != first.ID && !mixed {
			return nil, config.Input(fmt.Errorf("%s holds sweep %s (%q, %d configurations) but %s holds sweep %s (%q, %d configurations): merging would average configurations of different sweeps; give the folders of one sweep (its shards), or --mixed to pool them anyway",
				firstDir, shortID(first.ID), first.Description, first.Points, d, shortID(mk.ID), mk.Description, mk.Points))
		}
	}
	if mixed || unmarked {
		return nil, nil
	}
	return first, nil
}

// shortID is the first 12 hex digits of a sweep's ID.
func shortID(id string) string { return id[:min(12, len(id))] }

// reportIncomplete says on stderr how many of the sweep's configurations
// are missing, failed or interrupted (nothing when all finished); mark,
// when not nil, gives the sweep's number of configurations.
func reportIncomplete(stderr io.Writer, c sweep.Count, mark *sweep.Mark) {
	const fix = "the figures and safe widths lack them; resume the sweep (lowdim sweep SPEC --out DIR; --retry-failed for the failed), or give every shard's folder"
	if mark == nil {
		if c.Failed+c.Interrupted > 0 {
			fmt.Fprintf(stderr, "lowdim sweep merge: warning: of %d configurations merged, %d failed and %d interrupted (the sweep's number of configurations is unknown: no single %s, so missing ones cannot be counted): %s\n",
				c.Points(), c.Failed, c.Interrupted, sweep.FolderFile, fix)
		}
		return
	}
	missing := max(mark.Points-c.Points(), 0)
	if missing+c.Failed+c.Interrupted > 0 {
		fmt.Fprintf(stderr, "lowdim sweep merge: warning: incomplete sweep: %d of its %d configurations finished; %d missing (never run, or in a shard's folder not given), %d failed, %d interrupted: %s\n",
			c.Finished, mark.Points, missing, c.Failed, c.Interrupted, fix)
	}
}

// writeMerged writes sweep.csv, sweep.json and the figures of m into the
// output folder dir (outdir: locked, committed as one set).
func writeMerged(dir string, m *sweep.Merged, title string) error {
	f, err := outdir.Open(dir, outdir.Options{})
	if err != nil {
		return config.Bad("out", dir, "%v", err)
	}
	defer f.Close()
	stage, err := f.Stage("")
	if err != nil {
		return err
	}
	js, err := m.JSON()
	if err != nil {
		return err
	}
	figs, err := m.Figures(title)
	if err != nil {
		return err
	}
	figs["sweep.csv"], figs["sweep.json"] = m.CSV(), js
	if sw := m.SafeWidthCSV(); sw != nil {
		figs["safe-width.csv"] = sw
	}
	for _, name := range slices.Sorted(maps.Keys(figs)) {
		if err := results.WriteFileAtomic(filepath.Join(stage.Path(), name), figs[name]); err != nil {
			return err
		}
	}
	if err := stage.Commit(); err != nil {
		return err
	}
	return f.Close()
}

func cmdSweepEngine(engine string, args []string, stdout, stderr io.Writer) int {
	fs, f := newSweepFlags("lowdim sweep "+engine, stderr)
	if engine == "k8s" {
		fs.StringVar(&f.image, "image", "", "the container image, with lowdim and sh on its PATH (required)")
	} else {
		fs.StringVar(&f.binary, "lowdim", "lowdim", "the lowdim binary on the nodes")
	}
	fs.StringVar(&f.file, "o", "", "write the manifest or script to this file, replacing it if it exists (default, or -: stdout)")
	pos, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	cmd := "lowdim sweep " + engine
	fail := func(err error) int { return failWith(stderr, cmd, err) }
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	// -o is a one-letter flag: its errors name -o, not --o (config.Bad).
	if set["o"] && strings.TrimSpace(f.file) == "" {
		return fail(badO(`""`, "an empty value (leave -o out, or give -, for stdout)"))
	}
	if err := emptyFlags(fs); err != nil {
		return fail(err)
	}
	if f.file == "-" {
		f.file = ""
	}
	if set["shards"] && f.shards < 1 {
		return fail(config.Bad("shards", f.shards, "want at least 1: the number of array tasks (Slurm) or completions (Kubernetes)"))
	}
	if set["shard"] {
		return fail(config.Bad("shard", f.shard, "is for lowdim sweep itself: the %s job runs every shard (each task's shard comes from its environment); give --shards n", engine))
	}
	if engine == "k8s" {
		rel, err := volumePath(f.out)
		if err != nil {
			return fail(err)
		}
		f.out = rel
	}
	spec, err := f.loadSpec(pos)
	if err != nil {
		return fail(err)
	}
	points, err := spec.Expand() // checked here, not on the cluster
	if err != nil {
		return fail(err)
	}
	// The outputs, before anything is written: -o never replaces the spec
	// (or any input, device or file of a lowdim folder), and --out, which
	// the cluster's jobs create, is not an existing file.
	if f.file != "" {
		if err := checkOutFile(f.file, false); err != nil {
			var ce *config.ConfigError
			if errors.As(err, &ce) && ce.Flag == "out" {
				return fail(badO(f.file, "%s", ce.Why))
			}
			return fail(err)
		}
		if len(pos) == 1 && sameFile(f.file, pos[0]) {
			return fail(badO(f.file, "is the spec %s: the script or manifest would replace the sweep it runs; give another file", pos[0]))
		}
	}
	if st, err := os.Stat(f.out); err == nil && !st.IsDir() {
		return fail(badOut(f.out, "is a file, not a folder: the sweep's jobs write their runs into it"))
	}
	if err := sweep.CheckFolder(f.out, points); err != nil { // a user's files or another sweep's, where it exists here
		return fail(err)
	}
	j := sweep.Job{Preset: f.preset, Quick: f.quick, Shards: max(f.shards, 1), Out: f.out, Image: f.image, Binary: f.binary}
	var b []byte
	if engine == "k8s" {
		if f.image == "" {
			return fail(config.Bad("image", `""`, "required: the container image holding lowdim"))
		}
		if len(pos) == 1 {
			if j.Spec, err = os.ReadFile(pos[0]); err != nil {
				return fail(config.Input(err))
			}
		}
		if b, err = sweep.K8sJob(j); err != nil {
			return fail(err)
		}
	} else {
		if len(pos) == 1 {
			if j.SpecPath, err = filepath.Abs(pos[0]); err != nil {
				return fail(config.Input(err))
			}
		}
		if j.Out, err = filepath.Abs(f.out); err != nil {
			return fail(config.Input(err))
		}
		b = sweep.SlurmScript(j)
	}
	if f.file == "" {
		_, err = stdout.Write(b)
	} else {
		err = results.WriteFileAtomic(f.file, b)
	}
	if err != nil {
		return fail(config.Input(err))
	}
	return exitOK
}

// badO is the input error for -o (a one-letter flag: config.Bad would
// name it --o).
func badO(v string, format string, args ...any) error {
	return config.Input(fmt.Errorf("invalid -o %s: %s", v, fmt.Sprintf(format, args...)))
}

// volumePath returns sweep k8s's --out as a path relative to the volume
// mounted at sweep.MountPath: an absolute path must lie inside the mount
// (its prefix is removed); a path with a .. component, or an absolute one
// outside the mount, is refused (the jobs would write outside the volume,
// into the container's own disk, lost with it).
func volumePath(out string) (string, error) {
	p := filepath.ToSlash(out)
	if slices.Contains(strings.Split(p, "/"), "..") {
		return "", config.Bad("out", out, "has a .. component: sweep k8s's --out is a folder inside the volume mounted at %s (relative to it, or under it)", sweep.MountPath)
	}
	if path.IsAbs(p) {
		rel, ok := strings.CutPrefix(path.Clean(p), sweep.MountPath+"/")
		if !ok || rel == "" {
			return "", config.Bad("out", out, "is outside the volume mounted at %s: sweep k8s's --out is a folder inside it (relative to it, or under it)", sweep.MountPath)
		}
		return rel, nil
	}
	if c := path.Clean(p); c == "." {
		return "", config.Bad("out", out, "is the volume's root %s itself: give a folder inside it", sweep.MountPath)
	}
	return p, nil
}
