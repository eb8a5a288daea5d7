package workloads

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProgress: nothing before a phase has run progressQuiet; then the
// count done, the seconds and the time left at the rate so far (3 s for 2
// of 10: about 12 s left); at most one line per progressEvery; the last
// step says the total and the seconds. A nil log gives a nil progress that
// prints nothing.
func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "svd", 10, "products")
	p.step(1)
	require.Empty(t, buf.String(), "within progressQuiet")
	p.start = time.Now().Add(-3 * time.Second)
	p.last = p.start
	p.step(2)
	require.Regexp(t, regexp.MustCompile(`^svd: 2 of 10 products, 3\.\d s, about 1[23] s left\n$`), buf.String())
	p.step(3)
	require.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")), "a second line within progressEvery")
	p.step(10)
	require.Regexp(t, regexp.MustCompile(`\nsvd: 10 products in 3\.\d s\n$`), buf.String())
	var none *progress = newProgress(nil, "svd", 10, "products")
	require.Nil(t, none)
	none.step(5)
}
