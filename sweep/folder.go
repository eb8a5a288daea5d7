package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/outdir"
	"github.com/lowdim/lowdim/results"
)

// FolderFile marks a sweep's folder (Options.Out): it names the sweep
// (ID) whose configurations the folder holds.
const FolderFile = "lowdim-sweep.json"

// folderMark is FolderFile's content.
type folderMark struct {
	// Sweep is the sweep's ID.
	Sweep       string `json:"sweep"`
	Points      int    `json:"points"`
	Description string `json:"description,omitempty"`
}

// ID identifies a sweep by its configurations: the SHA-256, in hex, of
// their hashes (Point.Hash) in index order, one a line. Every shard of a
// sweep has the same ID; its --quick size, or any change of an axis, has
// another.
func ID(points []Point) string {
	h := sha256.New()
	for _, p := range points {
		h.Write([]byte(p.Hash + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Claim checks, before any run, that the folder out may receive the sweep
// of points (described by description, for messages), and marks it with
// FolderFile. out is accepted when it does not exist (it is created), is
// empty, holds FolderFile of the same sweep (a resumption, or another
// shard), or holds only what a sweep writes (point folders of this sweep,
// lowdim's temporaries and locks, merge's "merged" folder: a sweep folder
// written before FolderFile existed). Anything else is a
// *config.ConfigError naming --out and the value: a file; a folder
// holding a user's files (named); a folder of another sweep (its
// description). Like lowdim run's --out (package outdir), a sweep never
// writes among files it did not write. Several shards may claim one folder
// at once: each writes the same FolderFile atomically.
func Claim(out string, points []Point, description string) error {
	return claim(out, points, description, true)
}

// CheckFolder is Claim without writing anything: sweep slurm and sweep k8s
// check an --out that exists where they run before writing the job that
// will claim it. A folder that does not exist passes.
func CheckFolder(out string, points []Point) error {
	return claim(out, points, "", false)
}

func claim(out string, points []Point, description string, write bool) error {
	id := ID(points)
	bad := func(format string, args ...any) error { return config.Bad("out", out, format, args...) }
	st, err := os.Stat(out)
	switch {
	case err == nil && !st.IsDir():
		return bad("is a file, not a folder: a sweep writes one folder per configuration into it")
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return bad("%v", err)
	case err != nil && !write:
		return nil
	case err != nil:
		if err := os.MkdirAll(out, 0o755); err != nil {
			return bad("cannot create the folder: %v", err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, FolderFile)); err == nil {
		var m folderMark
		if err := json.Unmarshal(b, &m); err != nil || m.Sweep == "" {
			return bad("its %s is unreadable (%v): give another folder", FolderFile, err)
		}
		if m.Sweep != id {
			return bad("holds another sweep (%q, %d configurations; this one has %d): a sweep resumes only into its own folder (its --quick size and any change of its axes or base are other sweeps); give another --out",
				m.Description, m.Points, len(points))
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return bad("%v", err)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		return bad("%v", err)
	}
	hashes := map[string]bool{}
	for _, p := range points {
		hashes[p.Hash] = true
	}
	var foreign, other []string
	for _, e := range ents {
		name := e.Name()
		switch {
		case strings.Contains(name, ".lowdim-") || strings.HasPrefix(name, "."+FolderFile):
			continue // lowdim's locks and staging folders, FolderFile's temporary
		case e.IsDir() && name == "merged" && exists(filepath.Join(out, name, outdir.Marker)):
			continue
		case e.IsDir() && exists(filepath.Join(out, name, PointFile)):
			if st, err := ReadStatus(filepath.Join(out, name)); err != nil || !hashes[st.Hash] {
				other = append(other, name)
			}
			continue
		}
		foreign = append(foreign, name)
	}
	switch {
	case len(foreign) > 0:
		return bad("holds files lowdim sweep did not write (%s): a sweep writes only into a new or empty folder or one of its own (marked by %s); choose another folder or empty this one",
			listSome(foreign), FolderFile)
	case len(other) > 0:
		return bad("holds configurations of another sweep (%s): a sweep resumes only into its own folder; give another --out", listSome(other))
	case !write:
		return nil
	}
	b, _ := json.MarshalIndent(folderMark{Sweep: id, Points: len(points), Description: description}, "", "  ")
	if err := results.WriteFileAtomic(filepath.Join(out, FolderFile), append(b, '\n')); err != nil {
		return bad("%v", err)
	}
	return nil
}

// Mark is what FolderFile says of the sweep a folder holds.
type Mark struct {
	// ID is the sweep's ID (ID), Points its number of configurations
	// (all shards), Description its description.
	ID          string
	Points      int
	Description string
}

// ReadMark reads dir's FolderFile: nil and no error when dir has none (a
// folder written before FolderFile existed, or not a sweep's); an error
// names an unreadable or malformed one.
func ReadMark(dir string) (*Mark, error) {
	path := filepath.Join(dir, FolderFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m folderMark
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Sweep == "" {
		return nil, fmt.Errorf("%s: no sweep ID", path)
	}
	return &Mark{ID: m.Sweep, Points: m.Points, Description: m.Description}, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// listSome lists up to three names, sorted, and how many more.
func listSome(names []string) string {
	slices.Sort(names)
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
}
