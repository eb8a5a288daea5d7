package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/lowdim/lowdim/results"
)

// Wrap breaks s into lines of at most width columns (runes) at spaces, the
// lines after the first indented by indent; a word longer than a line
// (a path) stays whole on its own line. Leading indentation of s is kept on
// its first line. It returns s's lines joined by "\n", without a final
// newline.
func Wrap(s string, width int, indent string) string {
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
	words := strings.Fields(s)
	if len(words) == 0 {
		return strings.TrimRight(s, " ")
	}
	var b strings.Builder
	line := lead + words[0]
	for _, w := range words[1:] {
		if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			b.WriteString(line)
			b.WriteByte('\n')
			line = indent + w
			continue
		}
		line += " " + w
	}
	b.WriteString(line)
	return b.String()
}

// WrapWriter returns a writer that passes whole lines to w, each longer
// than width columns broken by Wrap with a four-space hanging indent, and
// the function that writes what is left of an unfinished last line.
func WrapWriter(w io.Writer, width int) (io.Writer, func() error) {
	ww := &wrapWriter{w: w, width: width}
	return ww, ww.flush
}

type wrapWriter struct {
	w     io.Writer
	width int
	buf   []byte
}

func (ww *wrapWriter) Write(p []byte) (int, error) {
	ww.buf = append(ww.buf, p...)
	for {
		i := bytes.IndexByte(ww.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(ww.buf[:i])
		ww.buf = ww.buf[i+1:]
		if utf8.RuneCountInString(line) > ww.width {
			line = Wrap(line, ww.width, "    ")
		}
		if _, err := io.WriteString(ww.w, line+"\n"); err != nil {
			return len(p), err
		}
	}
}

func (ww *wrapWriter) flush() error {
	if len(ww.buf) == 0 {
		return nil
	}
	_, err := ww.Write([]byte("\n"))
	return err
}

// WriteChecksNarrow is WriteChecksTable for a reader at width columns:
// one line per check with its name, network, status (FAIL in capitals),
// observed value, prediction or bound, and tolerance (4 significant
// digits, "-" when absent), its detail on the lines after it, indented
// and wrapped; then each check's regime and quantity once, wrapped. The
// columns fit in 100 columns for every check and network name lowdim has
// ("compressed-mf-recursion", "compressed r_hat=1000").
func WriteChecksNarrow(w io.Writer, cs []results.Check, width int) error {
	if len(cs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tnetwork\tstatus\tobserved\tbound\ttolerance")
	var details []string
	for _, c := range cs {
		status, obs, pred, tol := checkCells(c, "%.4g")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Method, status, obs, pred, tol)
		details = append(details, c.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if _, err := fmt.Fprintln(w, strings.TrimRight(lines[0], " ")); err != nil {
		return err
	}
	for i, line := range lines[1:] {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		if d := details[i]; d != "" {
			fmt.Fprintln(w, Wrap("      "+d, width, "      "))
		}
	}
	fmt.Fprintln(w, "regimes and quantities:")
	seen := map[string]bool{}
	for _, c := range cs {
		key := c.Name + "|" + c.Regime + "|" + c.Quantity
		if c.Status == results.Skipped || seen[key] {
			continue
		}
		seen[key] = true
		if _, err := fmt.Fprintln(w, Wrap(fmt.Sprintf("  %s: %s; assumes %s", c.Name, c.Quantity, c.Regime), width, "      ")); err != nil {
			return err
		}
	}
	return nil
}
