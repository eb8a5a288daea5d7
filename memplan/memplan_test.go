package memplan

import (
	"errors"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/machine"
)

func testPlan() Plan {
	var p Plan
	p.Base = 10 << 20
	p.Add("drawing the target", Item{What: "target", Flag: "d", Value: 1000, Bytes: 40 << 20})
	p.Add("training original",
		Item{What: "data", Bytes: 8 << 20},
		Item{What: "the original network", Flag: "d", Value: 1000, Bytes: 88 << 20})
	p.Add("training compressed", Item{What: "data", Bytes: 8 << 20}, Item{What: "the compressed network", Bytes: 9 << 20})
	return p
}

func TestPlanTotals(t *testing.T) {
	p := testPlan()
	ph, ok := p.Largest()
	require.True(t, ok)
	require.Equal(t, "training original", ph.Name)
	// 8 + 88 MiB live, times Headroom 1.25 = 120 MiB, plus the 10 MiB base.
	require.Equal(t, uint64(96<<20), p.Live())
	require.Equal(t, uint64(120<<20), p.Limit())
	require.Equal(t, uint64(130<<20), p.Total())

	var empty Plan
	_, ok = empty.Largest()
	require.False(t, ok)
	require.Equal(t, uint64(MinLimit), empty.Limit(), "an empty plan still leaves the runtime MinLimit")
}

func TestCheck(t *testing.T) {
	p := testPlan()
	require.NoError(t, p.Check(machine.Budget{Available: 1 << 30, Source: machine.FromMemAvailable}))
	require.NoError(t, p.Check(machine.Budget{}), "an unknown budget cannot refuse")

	err := p.Check(machine.Budget{Available: 100 << 20, Source: machine.FromMemAvailable, MemAvailable: 100 << 20, HasMemAvailable: true})
	var pe *Error
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "the original network", pe.Item.What, "the largest item of the largest phase is blamed")
	for _, want := range []string{"--d 1000", "training original", "MemAvailable"} {
		require.Contains(t, err.Error(), want)
	}

	err = p.Check(machine.Budget{Available: 64 << 20, Source: machine.FromCgroup, CgroupLimit: 100 << 20, CgroupUsage: 36 << 20, CgroupFile: "/sys/fs/cgroup/x/memory.max"})
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "/sys/fs/cgroup/x/memory.max"), err.Error())
}

func TestEnforce(t *testing.T) {
	p := testPlan()
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	restore := p.Enforce()
	require.Equal(t, int64(p.Limit()), debug.SetMemoryLimit(-1))
	restore()
	require.Equal(t, before, debug.SetMemoryLimit(-1))

	// A limit the user set is theirs.
	t.Setenv("GOMEMLIMIT", "1GiB")
	restore = p.Enforce()
	require.Equal(t, before, debug.SetMemoryLimit(-1))
	restore()
}
