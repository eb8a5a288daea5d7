package procure

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/internal/testenv"
)

// chromium returns the path of a headless Chromium, or ends the test: a
// failure when the environment variable CI is set (CI installs it:
// .ci/run), else a skip (testenv.Unavailable, itself a failure under
// LOWDIM_REQUIRE_ALL=1).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "Chromium is not installed (Debian: apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set: %s", why)
	}
	testenv.Unavailable(t, why)
	return ""
}

// headless runs Chromium headless on args and returns its stdout.
func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium %q: %s", args, stderr.String())
	return stdout.Bytes()
}

// TestHTMLInChromium renders a three-machine comparison in headless
// Chromium: the page loads nothing from elsewhere and holds no script;
// every chart is laid out with a nonzero size and draws one point per
// speedup; a screenshot of the page is not blank (saved in the test's
// temporary folder).
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	c, err := Compare([]Input{synthetic("a", "gonum", 1, true, 1), synthetic("b", "openblas", 0.5, true, 2),
		synthetic("c", "openblas", 0.8, true, 3)}, CompareOptions{})
	require.NoError(t, err)
	var page bytes.Buffer
	require.NoError(t, c.WriteHTML(&page))
	s := page.String()
	require.NotContains(t, s, "<script", "self-contained: no script")
	require.Regexp(t, `@media print`, s)
	for _, m := range regexp.MustCompile(`(?:src|href)=|https?://[^"]*`).FindAllString(s, -1) {
		require.Equal(t, "http://www.w3.org/2000/svg", m, "no external resource")
	}
	charts := regexp.MustCompile(`<svg class="chart" id="(chart-[^"]+)"`).FindAllStringSubmatch(s, -1)
	require.NotEmpty(t, charts)
	// The points each chart must draw: one per row with a speedup (every
	// machine against the reference), one per geometric mean.
	want := map[string]int{}
	for _, r := range c.Rows {
		if r.Speedup != nil {
			want["chart-"+r.Category]++
		}
	}
	for _, g := range c.Geomeans {
		if g.Speedup != nil {
			want["chart-geomeans"]++
		}
	}
	require.Len(t, charts, len(want), "one chart per category with a speedup, and the geometric means")

	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	require.NoError(t, os.WriteFile(file, page.Bytes(), 0o644))
	// A copy with a probe that writes each chart's laid-out size and its
	// drawn points into the DOM, which --dump-dom prints.
	probe := strings.Replace(s, "</body>", `<pre id="probe"></pre><script>
document.getElementById("probe").textContent = JSON.stringify(Array.from(document.querySelectorAll("svg.chart")).map(function (e) {
  var r = e.getBoundingClientRect();
  var pts = Array.from(e.querySelectorAll("circle")).filter(function (c) { var b = c.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
  return {id: e.id, w: r.width, h: r.height, points: pts.length};
}));
</script></body>`, 1)
	probeFile := filepath.Join(dir, "probe.html")
	require.NoError(t, os.WriteFile(probeFile, []byte(probe), 0o644))
	dom := string(headless(t, bin, "--dump-dom", "file://"+probeFile))
	m := regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`).FindStringSubmatch(dom)
	require.NotNil(t, m, "the probe ran: %.500s", dom)
	var got []struct {
		ID     string  `json:"id"`
		W      float64 `json:"w"`
		H      float64 `json:"h"`
		Points int     `json:"points"`
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &got))
	require.Len(t, got, len(charts), "every chart is in the rendered page")
	for _, g := range got {
		require.True(t, g.W > 100 && g.H > 50, "%s laid out at %v x %v", g.ID, g.W, g.H)
		require.Equal(t, want[g.ID], g.Points, "%s draws one point per speedup", g.ID)
	}

	shot := filepath.Join(dir, "report.png")
	headless(t, bin, "--screenshot="+shot, "--window-size=1280,2400", "--hide-scrollbars", "file://"+file)
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	var dark, colored int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0x8000 && g < 0x8000 && bl < 0x8000 {
				dark++
			}
			if bl > r+0x3000 { // the blue of a point or interval
				colored++
			}
		}
	}
	require.Greater(t, dark, 1000, "text and axes drawn")
	require.Greater(t, colored, 50, "the charts' intervals drawn in colour")
	t.Logf("screenshot: %s (%d x %d)", shot, b.Dx(), b.Dy())
}
