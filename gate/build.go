package gate

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A BuildError is a revision that could not be resolved or built (exit 2).
type BuildError struct {
	Rev string // the revision as given
	Err error
}

func (e *BuildError) Error() string { return fmt.Sprintf("revision %s: %v", e.Rev, e.Err) }
func (e *BuildError) Unwrap() error { return e.Err }

var _ error = (*BuildError)(nil)

// Resolve returns the commit rev names in the git repository at dir.
func Resolve(ctx context.Context, dir, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return "", &BuildError{rev, errors.New("not a revision")}
	}
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--verify", "--quiet", rev+"^{commit}").Output()
	if err != nil {
		return "", &BuildError{rev, fmt.Errorf("unknown revision in %s (git rev-parse: %v)", dir, err)}
	}
	return strings.TrimSpace(string(out)), nil
}

// ReadFileAt returns the file at path in commit, and false when the commit
// has no such file.
func ReadFileAt(ctx context.Context, dir, commit, path string) ([]byte, bool) {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "show", commit+":"+path).Output()
	return out, err == nil
}

// openBLASProbe is the Makefile's HAVE_OPENBLAS test: a C program that
// includes cblas.h and links with -lopenblas.
const openBLASProbe = "#include <cblas.h>\nint main(void) { return cblas_ddot(0, 0, 1, 0, 1) != 0; }\n"

// HaveOpenBLAS reports whether the Makefile would build OpenBLAS: $(go env
// CC) compiles and links openBLASProbe.
func HaveOpenBLAS(ctx context.Context) bool {
	cc, err := exec.CommandContext(ctx, "go", "env", "CC").Output()
	if err != nil || len(bytes.TrimSpace(cc)) == 0 {
		return false
	}
	cmd := exec.CommandContext(ctx, string(bytes.TrimSpace(cc)), "-x", "c", "-", "-o", os.DevNull, "-lopenblas")
	cmd.Stdin = strings.NewReader(openBLASProbe)
	return cmd.Run() == nil
}

// Build writes commit's tree (git archive) under work/src-<label> and
// builds its cmd/lowdim into bin with go build -tags tags, the version
// set to the short commit as make build sets it. The Go build cache is
// the user's, so a rebuild of an unchanged package is fast.
func Build(ctx context.Context, dir, rev, commit string, tags []string, work, label, bin string) error {
	src := filepath.Join(work, "src-"+label)
	if err := extract(ctx, dir, commit, src); err != nil {
		return &BuildError{rev, err}
	}
	short := commit
	if len(short) > 12 {
		short = short[:12]
	}
	// -trimpath: the packages' action IDs do not depend on the temporary
	// folder, so the user's build cache serves every unchanged package.
	args := []string{"build", "-trimpath", "-tags", strings.Join(tags, ","),
		"-ldflags", "-X github.com/lowdim/lowdim/machine.Version=" + short, "-o", bin, "./cmd/lowdim"}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = src
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return &BuildError{rev, fmt.Errorf("go %s failed: %v\n%s", strings.Join(args, " "), err, out.String())}
	}
	return os.RemoveAll(src)
}

// extract writes the tree of commit into dst.
func extract(ctx context.Context, dir, commit, dst string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "archive", "--format=tar", commit)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	r, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	terr := untar(r, dst)
	io.Copy(io.Discard, r)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive: %v: %s", err, stderr.String())
	}
	return terr
}

func untar(r io.Reader, dst string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p := filepath.Join(dst, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, filepath.Clean(dst)+string(filepath.Separator)) {
			continue // pax headers and anything outside dst
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o777|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		}
	}
}
