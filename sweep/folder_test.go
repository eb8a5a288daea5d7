package sweep

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lowdim/lowdim/config"
)

// TestClaim: a sweep's --out is created and marked, claimed again by the
// same sweep (a resumption, another shard), and refused, naming --out,
// when it is a file, holds a user's files or another sweep's (its --quick
// size); nothing is written into a refused folder. A folder of this
// sweep's configurations from before FolderFile is accepted.
func TestClaim(t *testing.T) {
	ps := tinyPoints(t)
	s, _ := ParseSpec("tiny.toml", []byte(tinySpec))
	quick, err := s.WithQuick().Expand()
	if err != nil {
		t.Fatal(err)
	}
	if ID(ps) == ID(quick) || ID(ps) != ID(tinyPoints(t)) {
		t.Fatal("ID: the quick size has the full one's, or one sweep has two")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "sw")
	if err := Claim(out, ps, "tiny"); err != nil {
		t.Fatal(err)
	}
	if err := Claim(out, ps, "tiny"); err != nil {
		t.Errorf("claimed again by the same sweep: %v", err)
	}
	refused := func(what, out string, points []Point, want ...string) {
		t.Helper()
		before, _ := os.ReadDir(out)
		err := Claim(out, points, "x")
		var ce *config.ConfigError
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), "invalid --out "+out) {
			t.Errorf("%s: error %v, want an invalid --out naming %s", what, err, out)
			return
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", what, err, w)
			}
		}
		if after, _ := os.ReadDir(out); len(after) != len(before) {
			t.Errorf("%s: the refused folder went from %d to %d entries", what, len(before), len(after))
		}
	}
	refused("the quick size", out, quick, "holds another sweep", `"tiny"`)
	user := filepath.Join(dir, "user")
	os.MkdirAll(filepath.Join(user, "data"), 0o755)
	os.WriteFile(filepath.Join(user, "notes.txt"), []byte("x"), 0o644)
	refused("a user's folder", user, ps, "data, notes.txt", "did not write")
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o644)
	refused("a file", file, ps, "is a file")
	if err := CheckFolder(filepath.Join(dir, "new"), ps); err != nil {
		t.Errorf("CheckFolder of a folder to be: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Error("CheckFolder created the folder")
	}

	// Before FolderFile: point folders of this sweep, a lock, merged.
	old := filepath.Join(dir, "old")
	os.MkdirAll(filepath.Join(old, ps[0].ID()), 0o755)
	os.WriteFile(filepath.Join(old, ps[0].ID(), PointFile), []byte(`{"hash": "`+ps[0].Hash+`", "status": "finished"}`), 0o644)
	os.WriteFile(filepath.Join(old, "."+ps[1].ID()+".lowdim-lock"), nil, 0o644)
	if err := Claim(old, ps, "tiny"); err != nil {
		t.Errorf("a folder of this sweep from before %s: %v", FolderFile, err)
	}
	if _, err := os.Stat(filepath.Join(old, FolderFile)); err != nil {
		t.Errorf("not marked: %v", err)
	}
	os.Remove(filepath.Join(old, FolderFile))
	refused("a folder of another sweep's points", old, quick, "holds configurations of another sweep", ps[0].ID())
}
