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
// Chromium: the page fits a 1200 px window (its scroll width, with
// descriptions and reasons as long as real ones); it loads nothing from
// elsewhere and holds no script;
// every chart is laid out with a nonzero size and draws one point per
// speedup; a screenshot of the page is not blank (saved in the test's
// temporary folder).
func TestHTMLInChromium(t *testing.T) {
	testenv.GonumPassOnly(t, "a page made from synthetic reports, drawn by Chromium")
	bin := chromium(t)
	in := []Input{synthetic("a", "gonum", 1, true, 1), synthetic("b", "openblas", 0.5, true, 2), synthetic("c", "openblas", 0.8, true, 3)}
	// Descriptions and reasons as long as real ones: the page must still
	// fit a 1200 px window (below).
	for i, x := range in {
		in[i].Path = "procure/testdata/" + x.Name + "-openblas-quick-report.json"
		x.Report.Machine.CPUModel = "Oxide Virtual Turin-like Processor " + x.Name
		x.Report.Machine.BLASDetail = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64; core Haswell; 1 thread per piece, up to 4 pieces on GOMAXPROCS goroutines"
		for i := range x.Report.Benchmarks {
			if b := &x.Report.Benchmarks[i]; b.Absent != "" {
				b.Absent = "dropped: at d = 1024 building the problem and network took 30.512s and a step 1.2ms, so d = 4096 would take about 32m33s (both as d^3), beyond the suite's 2m0s per benchmark"
			}
		}
	}
	c, err := Compare(in, CompareOptions{})
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
	// One Chromium run both prints the DOM and takes the screenshot: of a
	// copy of the page with a probe that writes each chart's laid-out size
	// and its drawn points into a hidden element of the DOM, which
	// --dump-dom prints and the screenshot does not show.
	probeFile := filepath.Join(dir, "probe.html")
	require.NoError(t, os.WriteFile(probeFile, []byte(strings.Replace(s, "</body>", chartProbe, 1)), 0o644))
	shot := filepath.Join(dir, "report.png")
	dom := string(headless(t, bin, "--dump-dom", "--screenshot="+shot, "--window-size=1200,2400", "file://"+probeFile))
	m := regexp.MustCompile(`(?s)<pre id="probe" hidden="">(.*?)</pre>`).FindStringSubmatch(dom)
	require.NotNil(t, m, "the probe ran: %.500s", dom)
	var probed struct {
		Charts []struct {
			ID     string  `json:"id"`
			W      float64 `json:"w"`
			H      float64 `json:"h"`
			Points int     `json:"points"`
		} `json:"charts"`
		ScrollWidth float64 `json:"scrollWidth"`
		InnerWidth  float64 `json:"innerWidth"`
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &probed))
	got := probed.Charts
	require.Equal(t, 1200.0, probed.InnerWidth, "the window is 1200 px wide")
	require.LessOrEqual(t, probed.ScrollWidth, probed.InnerWidth, "the page fits a 1200 px window: nothing wider than it")
	require.Len(t, got, len(charts), "every chart is in the rendered page")
	for _, g := range got {
		require.True(t, g.W > 100 && g.H > 50, "%s laid out at %v x %v", g.ID, g.W, g.H)
		require.Equal(t, want[g.ID], g.Points, "%s draws one point per speedup", g.ID)
	}

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

// chartProbe, put before </body>, writes into the DOM (which --dump-dom
// prints) each chart's laid-out size and drawn points, and the page's
// scroll width beside the window's, in a hidden element (a screenshot
// shows the page alone).
const chartProbe = `<pre id="probe" hidden></pre><script>
document.getElementById("probe").textContent = JSON.stringify({charts: Array.from(document.querySelectorAll("svg.chart")).map(function (e) {
  var r = e.getBoundingClientRect();
  var pts = Array.from(e.querySelectorAll("circle")).filter(function (c) { var b = c.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
  return {id: e.id, w: r.width, h: r.height, points: pts.length};
}), scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth});
</script></body>`

// TestHTMLWidthInChromium: the comparison of the stored reports (real
// descriptions: the OpenBLAS build string, file paths, absent reasons of a
// hundred characters and more) fits a 1200 px window in Chromium. (Its
// machine table, one column per field before, made the page 1207 px wide.)
func TestHTMLWidthInChromium(t *testing.T) {
	testenv.GonumPassOnly(t, "a page made from stored reports, drawn by Chromium")
	bin := chromium(t)
	var in []Input
	for _, name := range []string{"gonum-quick", "openblas-quick"} {
		path := filepath.Join("testdata", name+".json")
		r, err := ReadFile(path)
		require.NoError(t, err)
		in = append(in, Input{Name: name, Path: path, Report: r})
	}
	c, err := Compare(in, CompareOptions{Price: map[string]float64{"gonum-quick": 0.1, "openblas-quick": 0.1}})
	require.NoError(t, err)
	var page bytes.Buffer
	require.NoError(t, c.WriteHTML(&page))
	file := filepath.Join(t.TempDir(), "probe.html")
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(page.String(), "</body>", chartProbe, 1)), 0o644))
	dom := string(headless(t, bin, "--dump-dom", "--window-size=1200,2000", "file://"+file))
	m := regexp.MustCompile(`(?s)<pre id="probe" hidden="">(.*?)</pre>`).FindStringSubmatch(dom)
	require.NotNil(t, m, "the probe ran: %.500s", dom)
	var probed struct {
		ScrollWidth float64 `json:"scrollWidth"`
		InnerWidth  float64 `json:"innerWidth"`
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &probed))
	require.Equal(t, 1200.0, probed.InnerWidth)
	require.LessOrEqual(t, probed.ScrollWidth, probed.InnerWidth, "the page fits a 1200 px window")
}
